/* coarse_test.c - the backfill files: a round trip, the local date and time of each line, and
 * files that are cut or wrong refused with their line. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "format/coarse.h"
#include "tap.h"

static int count_file(void *ctx, const char *path)
{
	(void)path;
	(*(int *)ctx)++;
	return SB_OK;
}

int main(void)
{
	char dir[256];
	ok(tap_tempdir(dir, sizeof(dir), "coarse"), "temp dir");
	sb_time_set_zone("Europe/Madrid");
	/* 2026-10-25 00:00 and 01:00 UTC: 02:00 CEST and 02:00 CET, the hour shown twice */
	sb_mrtg_line lines[] = {
		{{1792890000, 10, 20, 30, 40}, SB_MRTG_RES_30MIN, 1800, 0},
		{{1792886400, 11, 21, 31, 41}, SB_MRTG_RES_30MIN, 1800, 0},
		{{1792879200, 12, 22, 32, 42}, SB_MRTG_RES_1DAY, 86400, 0},
	};
	sb_summary_row sums[2] = {0};
	sums[0] = (sb_summary_row){.date = "2026-10-25",
				   .capacity = 10,
				   .in_prom = 1.25,
				   .in_max_prom = 2.5,
				   .out_prom = 0.1 + 0.2,
				   .out_max_prom = 4,
				   .has_use = 1,
				   .use = 40,
				   .samples = 300,
				   .resolution = SB_MRTG_RES_30MIN};
	sums[1] = (sb_summary_row){.date = "2026-10-24",
				   .in_prom = 3,
				   .samples = 288,
				   .resolution = SB_MRTG_RES_1DAY};
	sb_coarse_file f = {.layer = "BORDE",
			    .name = ".EDGE 1/2%",
			    .type = "CISCO",
			    .url = "http://x/a.log",
			    .capacity = 10,
			    .has_capacity = 1,
			    .n = 3,
			    .lines = lines,
			    .nsum = 2,
			    .sums = sums};
	sb_err err = {0};
	is_int(sb_coarse_write(dir, &f, &err), SB_OK, "written");
	char *path = sb_coarse_path(dir, "BORDE", f.name, f.type);
	ok(strstr(path, "/SCAN/BACKFILL/BORDE/%2EEDGE%201%2F2%25@CISCO.tsv") != NULL,
	   "its path escapes the name as the spool does: %s", path);
	sb_coarse_file b;
	is_int(sb_coarse_read(path, &b, &err), SB_OK, "read back: %s", err.msg);
	ok(b.n == 3 && b.nsum == 2 && strcmp(b.name, f.name) == 0 && b.has_capacity &&
		   b.capacity == 10 && strcmp(b.url, f.url) == 0,
	   "the interface and the counts kept");
	ok(memcmp(&b.lines[1].s, &lines[1].s, sizeof(lines[1].s)) == 0 &&
		   b.lines[2].res == SB_MRTG_RES_1DAY,
	   "values and resolutions kept");
	is_str(b.times[1], "02:00:00", "the first pass of the repeated hour: plain time");
	is_str(b.times[0], "02:00:00+01:00", "its second pass: the offset appended");
	is_str(b.dates[2], "2026-10-25", "each line's local date (00:00 CEST)");
	ok(b.sums[0].out_prom == 0.1 + 0.2 && b.sums[0].has_use && b.sums[0].use == 40 &&
		   b.sums[0].samples == 300 && b.sums[0].resolution == SB_MRTG_RES_30MIN &&
		   strcmp(b.sums[0].name, f.name) == 0 && strcmp(b.sums[0].layer, "BORDE") == 0,
	   "a summary's numbers round-trip exactly, with the file's interface");
	ok(!b.sums[1].has_use && strcmp(b.sums[1].date, "2026-10-24") == 0,
	   "an unknown use stays unknown");
	sb_coarse_free(&b);
	int nfiles = 0;
	sb_coarse_list(dir, "BORDE", count_file, &nfiles);
	is_int(nfiles, 1, "listed");

	/* cut short: one line less than announced */
	char *text = NULL;
	size_t len = 0;
	sb_fs_read(path, 1 << 20, &text, &len, &err);
	char *last = strrchr(text, '\n');
	*last = '\0';
	last = strrchr(text, '\n');
	last[1] = '\0';
	FILE *w = fopen(path, "w");
	fputs(text, w);
	fclose(w);
	sb_err_clear(&err);
	is_int(sb_coarse_read(path, &b, &err), SB_EPARSE, "a file cut short is refused");
	ok(strstr(err.msg, "CISCO.tsv:15:") != NULL, "naming the line expected: %s", err.msg);
	char *res = strstr(text, "\n1800\t");
	memcpy(res + 1, "1900", 4);
	w = fopen(path, "w");
	fputs(text, w);
	fclose(w);
	sb_err_clear(&err);
	is_int(sb_coarse_read(path, &b, &err), SB_EPARSE, "a resolution MRTG has not is refused");
	ok(strstr(err.msg, ":10:") != NULL, "at its line: %s", err.msg);
	free(text);
	unlink(path);
	free(path);
	char *d = sb_xasprintf("%s/SCAN/BACKFILL/BORDE", dir);
	rmdir(d);
	free(d);
	d = sb_xasprintf("%s/SCAN/BACKFILL", dir);
	rmdir(d);
	free(d);
	d = sb_xasprintf("%s/SCAN", dir);
	rmdir(d);
	free(d);
	ok(rmdir(dir) == 0, "temp dir removed");
	return tap_done();
}
