/* textfit_test.c - text widths in column units, wrapped lines, row heights and shown numbers. */
#include "config.h"

#include "report/textfit.h"
#include "tap.h"

int main(void)
{
	/* Calibri 11: '0' is 1038/2048 em = 7.43 px; "00000000" 59.5 px (+4% slack, +7 padding) */
	double eight = sb_textfit_width("00000000", 0, 11);
	ok(eight >= 8.5 && eight <= 9.5, "eight digits need about nine columns (got %.2f)", eight);
	is_double(sb_textfit_width("", 0, 11), 0, 0, "an empty text needs no room");
	ok(sb_textfit_width("MMMM", 0, 11) > sb_textfit_width("iiii", 0, 11) * 3,
	   "wide letters take more room than narrow ones");
	ok(sb_textfit_width("Interfaz", 1, 11) > sb_textfit_width("Interfaz", 0, 11),
	   "bold text is wider");
	ok(sb_textfit_width("Título", 0, 22) > sb_textfit_width("Título", 0, 11) * 1.8,
	   "width grows with the font size");
	is_double(sb_textfit_width("Días", 0, 11), sb_textfit_width("Dias", 0, 11), 0,
		  "an accented letter is measured as one character (UTF-8)");
	is_double(sb_textfit_width("abc\nabcdef", 0, 11), sb_textfit_width("abcdef", 0, 11), 0,
		  "several lines: the widest one");
	double w = sb_textfit_width("CCS-BORDE-01 HU0/0/0/1 - LINK TO TATA", 0, 11);
	ok(w > 30 && w < 45, "an interface name of 37 characters: %.2f columns", w);
	double q = w * 4;
	ok(q == (double)(long)q, "widths come in quarters of a column");

	is_int(sb_textfit_lines("Completitud desconocida", 30, 1, 11), 1,
	       "a header that fits takes one line");
	is_int(sb_textfit_lines("Completitud desconocida", 12.5, 1, 11), 2,
	       "narrower, it wraps at the blank into two lines");
	is_int(sb_textfit_lines("a\nb\nc", 50, 0, 11), 3, "line breaks count");
	is_int(sb_textfit_lines("", 10, 0, 11), 1, "an empty text is one line");
	double word = sb_textfit_width("CCS-BORDE-01", 0, 11);
	is_int(sb_textfit_lines("CCS-BORDE-01 CCS-BORDE-01 CCS-BORDE-01", word, 0, 11), 3,
	       "words that fit one a line: one line each");
	is_int(sb_textfit_lines("0000000000000000000000000000000000000000", eight, 0, 11), 5,
	       "a word longer than the line is broken where it overflows");
	is_int(sb_textfit_lines("x", 0, 0, 11), 1, "a zero width still gives one line");

	is_double(sb_textfit_height(1, 11), 15, 0, "one line of 11 points: 15 points");
	is_double(sb_textfit_height(2, 11), 30, 0, "two lines: 30 points");
	is_double(sb_textfit_height(1, 14), 19.25, 0, "14 points: 19.25 points a line");
	is_double(sb_textfit_height(0, 11), 15, 0, "never less than one line");

	char buf[64];
	sb_textfit_number(1234.5, "0.00", buf, sizeof(buf));
	is_str(buf, "1234.50", "0.00: two decimals");
	sb_textfit_number(1234567.891, "#,##0.00", buf, sizeof(buf));
	is_str(buf, "1,234,567.89", "#,##0.00: thousands separated");
	sb_textfit_number(-1234, "#,##0", buf, sizeof(buf));
	is_str(buf, "-1,234", "a negative number grouped");
	sb_textfit_number(288, "0", buf, sizeof(buf));
	is_str(buf, "288", "0: no decimals");
	sb_textfit_number(0.875, "0.0%", buf, sizeof(buf));
	is_str(buf, "87.5%", "0.0%%: a percentage");
	sb_textfit_number(0.1, "", buf, sizeof(buf));
	is_str(buf, "0.1", "General: the shortest form");
	sb_textfit_number(46000, "yyyy-mm-dd", buf, sizeof(buf));
	is_int((long)strlen(buf), 10, "a date format: as long as its pattern");
	return tap_done();
}
