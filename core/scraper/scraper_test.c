/* scraper_test.c - the text helpers of the scraping section: accents to ASCII and upper case. */
#include "config.h"

#include <string.h>

#include "scraper/scraper.h"
#include "tap.h"

static const char *strip(const char *s)
{
	static char out[256];
	sb_text_strip_accents(s, strlen(s), out);
	return out;
}

static const char *upper(const char *s)
{
	static char out[256];
	sb_text_upper(s, strlen(s), out);
	return out;
}

int main(void)
{
	is_str(strip("ENLACE INTERNACIONAL CANTV - TELXIUS 100GE ÁREA"),
	       "ENLACE INTERNACIONAL CANTV - TELXIUS 100GE AREA", "Á -> A in a portal title");
	is_str(strip("ÀÁÂÃÄÅ Ç ÈÉÊË ÌÍÎÏ Ñ ÒÓÔÕÖØ ÙÚÛÜ Ý"), "AAAAAA C EEEE IIII N OOOOOO UUUU Y",
	       "every accented Latin-1 capital");
	is_str(strip("àáâãäå ç èéêë ìíîï ñ òóôõöø ùúûü ýÿ"), "aaaaaa c eeee iiii n oooooo uuuu yy",
	       "every accented Latin-1 small letter");
	is_str(strip("Æ æ ß Þ Œ œ Ĳ"), "AE ae ss TH OE oe IJ", "letters that become two");
	is_str(strip("Łódź Čačak Ştefan Ğ"), "Lodz Cacak Stefan G", "Latin Extended-A");
	is_str(strip("A\xC2\xA0"
		     "B"),
	       "A B", "a no-break space becomes a space");
	is_str(strip("A\xE2\x80\x93"
		     "B \xE2\x80\x9Cq\xE2\x80\x9D \xE2\x80\xA6"),
	       "A-B \"q\" ...", "dashes, quotes and the ellipsis become ASCII");
	is_str(strip("x\xE2\x82\xAC y \xF0\x9F\x98\x80 z \xC3\x97"), "x y  z ",
	       "other non-ASCII characters are dropped");
	is_str(strip("Ca\xF1"
		     "on \xC1rea"),
	       "Canon Area", "bytes that are not UTF-8 are read as Latin-1");
	is_str(strip("E\xCC\x81"
		     "A"),
	       "EA", "a combining accent is dropped");
	is_str(strip("plain ASCII; 10GE"), "plain ASCII; 10GE", "ASCII is left as it is");
	is_int(sb_text_strip_accents("\xC3\x86\xC3\x86", 4, (char[16]){0}), 4,
	       "the returned length");

	is_str(upper("ñandú área"), "ÑANDÚ ÁREA", "accented small letters are upper-cased");
	is_str(upper("abc xyz 10ge"), "ABC XYZ 10GE", "ASCII");
	is_str(upper("ÿ œ ł ž"), "Ÿ Œ Ł Ž", "Latin Extended-A and ÿ");
	is_str(upper("ß ı € \xF0\x9F\x98\x80"), "ß ı € \xF0\x9F\x98\x80",
	       "the rest is left as it is");
	is_str(upper("a\xFF"
		     "b"),
	       "A\xFF"
	       "B",
	       "a byte that is not UTF-8 is kept");
	is_str(upper("÷ ×"), "÷ ×", "÷ and × are not letters");
	return tap_done();
}
