#!/usr/bin/perl
# geoip_db.pl - writes a small MaxMind DB file for the tests with Debian's
# libmaxmind-db-writer-perl, in the layout of GeoLite2-City (city.names, country.iso_code,
# location.latitude/longitude/accuracy_radius).
# Usage: geoip_db.pl OUT.mmdb < networks.json
#   networks.json: {"203.0.113.0/24": {"city": {"en": "Lima", "es": "Lima"}, "country": "PE",
#                   "lat": -12.05, "lon": -77.04, "radius": 20}, ...}  (any member may be left out)
use strict;
use warnings;
use JSON::PP;
use MaxMind::DB::Writer::Tree;

my $out = shift or die "usage: geoip_db.pl OUT.mmdb < networks.json\n";
my $nets = decode_json(do { local $/; <STDIN> });
my %types = (
	city => 'map', names => 'map', country => 'map', location => 'map',
	en => 'utf8_string', es => 'utf8_string', iso_code => 'utf8_string',
	latitude => 'double', longitude => 'double', accuracy_radius => 'uint16',
);
my $tree = MaxMind::DB::Writer::Tree->new(
	ip_version => 6,
	record_size => 28,
	database_type => 'scanbackup-test-City',
	languages => ['en', 'es'],
	description => { en => 'places of test addresses' },
	map_key_type_callback => sub { $types{ $_[0] } },
	alias_ipv6_to_ipv4 => 1,
	remove_reserved_networks => 0,
);
for my $net (sort keys %$nets) {
	my $n = $nets->{$net};
	my %rec;
	$rec{city} = { names => $n->{city} } if $n->{city};
	$rec{country} = { iso_code => $n->{country} } if $n->{country};
	if (defined $n->{lat}) {
		$rec{location} = { latitude => $n->{lat} + 0, longitude => $n->{lon} + 0 };
		$rec{location}{accuracy_radius} = $n->{radius} + 0 if $n->{radius};
	}
	$tree->insert_network($net, \%rec);
}
open my $fh, '>:raw', "$out.tmp" or die "$out.tmp: $!\n";
$tree->write_tree($fh);
close $fh or die "$out.tmp: $!\n";
rename "$out.tmp", $out or die "$out: $!\n";
