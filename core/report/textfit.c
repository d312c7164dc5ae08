/* textfit.c - text widths and wrapped lines in spreadsheet cells (Calibri metrics). */
#include "config.h"

#include "report/textfit.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Advance widths of Calibri (and Carlito) in font units (2048 to the em) of U+0020..U+007E, then
 * U+00A0..U+00FF. */
static const uint16_t sb_textfit_regular[191] = {
	463,  667,  821,  1020, 1038, 1464, 1397, 452,  621,  621,  1020, 1020, 511,  627,  517,
	791,  1038, 1038, 1038, 1038, 1038, 1038, 1038, 1038, 1038, 1038, 548,  548,  1020, 1020,
	1020, 949,  1831, 1185, 1114, 1092, 1260, 1000, 941,  1292, 1276, 516,  653,  1064, 861,
	1751, 1322, 1356, 1058, 1378, 1112, 941,  998,  1314, 1162, 1822, 1063, 998,  959,  628,
	791,  628,  1020, 1020, 596,  981,  1076, 866,  1076, 1019, 625,  964,  1076, 470,  490,
	931,  470,  1636, 1076, 1080, 1076, 1076, 714,  801,  686,  1076, 925,  1464, 887,  927,
	809,  644,  943,  644,  1020, 1038, 667,  1020, 1038, 1020, 1038, 1020, 1020, 804,  1709,
	824,  1049, 1020, 1038, 1038, 807,  694,  1020, 688,  685,  598,  1126, 1200, 517,  629,
	504,  865,  1049, 1303, 1375, 1383, 949,  1185, 1185, 1185, 1185, 1185, 1185, 1563, 1092,
	1000, 1000, 1000, 1000, 516,  516,  516,  516,  1279, 1322, 1356, 1356, 1356, 1356, 1356,
	1020, 1359, 1314, 1314, 1314, 1314, 998,  1058, 1080, 981,  981,  981,  981,  981,  981,
	1583, 866,  1019, 1019, 1019, 1019, 470,  470,  470,  470,  1076, 1076, 1080, 1080, 1080,
	1080, 1080, 1020, 1084, 1076, 1076, 1076, 1076, 927,  1076, 927,
};

static const uint16_t sb_textfit_bold[191] = {
	463,  667,  898,  1020, 1038, 1493, 1443, 478,  638,  638,  1020, 1020, 528,  627,  547,
	880,  1038, 1038, 1038, 1038, 1038, 1038, 1038, 1038, 1038, 1038, 565,  565,  1020, 1020,
	1020, 949,  1840, 1241, 1148, 1084, 1291, 999,  940,  1305, 1292, 546,  678,  1120, 866,
	1790, 1349, 1385, 1090, 1405, 1153, 968,  1014, 1337, 1211, 1856, 1128, 1064, 979,  665,
	880,  665,  1020, 1020, 615,  1011, 1099, 857,  1099, 1031, 648,  971,  1099, 503,  523,
	983,  503,  1666, 1099, 1101, 1099, 1099, 728,  817,  710,  1099, 969,  1526, 941,  970,
	814,  704,  973,  704,  1020, 1038, 667,  1020, 1038, 1020, 1038, 1020, 1020, 849,  1709,
	852,  1103, 1020, 1038, 1038, 799,  701,  1020, 692,  688,  616,  1154, 1224, 548,  621,
	517,  891,  1103, 1347, 1415, 1437, 949,  1241, 1241, 1241, 1241, 1241, 1241, 1588, 1084,
	999,  999,  999,  999,  546,  546,  546,  546,  1309, 1349, 1385, 1385, 1385, 1385, 1385,
	1020, 1394, 1337, 1337, 1337, 1337, 1064, 1090, 1136, 1011, 1011, 1011, 1011, 1011, 1011,
	1587, 857,  1031, 1031, 1031, 1031, 503,  503,  503,  503,  1099, 1099, 1101, 1101, 1101,
	1101, 1101, 1020, 1114, 1099, 1099, 1099, 1099, 970,  1099, 970,
};

#define SB_TEXTFIT_DIGIT 1038 /* the advance of '0', and of anything the tables do not hold */
/* Pixels at 96 dpi of one font unit at 11 points: 11 pt = 14.667 px to the em of 2048 units. */
#define SB_TEXTFIT_PX (11.0 * 96.0 / 72.0 / 2048.0)
/* A cell shows text this many pixels narrower than the column (padding on both sides), and the
 * text is given a little more room than measured, so renderers that round differently still
 * fit it. */
#define SB_TEXTFIT_PAD 7.0
#define SB_TEXTFIT_SLACK 1.04

/* Decodes one UTF-8 character at *s (advancing it); a byte that does not start a valid sequence
 * is read as Latin-1. */
static uint32_t sb_textfit_next(const unsigned char **s)
{
	const unsigned char *p = *s;
	uint32_t c = p[0];
	int n = c >= 0xF0 && c < 0xF8 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
	if (c >= 0xF8)
		n = 0;
	uint32_t v = n == 3 ? c & 0x07 : n == 2 ? c & 0x0F : c & 0x1F;
	for (int i = 1; i <= n; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			*s = p + 1;
			return c;
		}
		v = v << 6 | (p[i] & 0x3F);
	}
	*s = p + 1 + n;
	return n == 0 ? c : v;
}

/* Font units of one character. */
static unsigned sb_textfit_advance(uint32_t c, int bold)
{
	const uint16_t *t = bold ? sb_textfit_bold : sb_textfit_regular;
	if (c >= 0x20 && c <= 0x7E)
		return t[c - 0x20];
	if (c >= 0xA0 && c <= 0xFF)
		return t[95 + c - 0xA0];
	if (c == '\t')
		return t[0];
	return SB_TEXTFIT_DIGIT;
}

static double sb_textfit_scale(double size)
{
	return (size > 0 ? size : 11.0) / 11.0;
}

/* Pixels a run of font units takes at size. */
static double sb_textfit_px(double units, double size)
{
	return units * SB_TEXTFIT_PX * sb_textfit_scale(size) * SB_TEXTFIT_SLACK;
}

double sb_textfit_width(const char *s, int bold, double size)
{
	double widest = 0, line = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p != '\0') {
		uint32_t c = sb_textfit_next(&p);
		if (c == '\n') {
			widest = line > widest ? line : widest;
			line = 0;
			continue;
		}
		line += sb_textfit_advance(c, bold);
	}
	widest = line > widest ? line : widest;
	if (widest <= 0)
		return 0;
	/* a column of width w is 7w + 5 pixels; the text needs its pixels plus the padding */
	double w = (sb_textfit_px(widest, size) + SB_TEXTFIT_PAD - 5.0) / 7.0;
	return ceil(w * 4) / 4; /* quarter characters: stable numbers in the files */
}

int sb_textfit_lines(const char *s, double width, int bold, double size)
{
	double room = width * 7.0 + 5.0 - SB_TEXTFIT_PAD; /* pixels for the text */
	if (room < 1)
		room = 1;
	int lines = 1;
	double used = 0;    /* pixels on the current line */
	double pending = 0; /* pixels of the blanks before the next word */
	const unsigned char *p = (const unsigned char *)s;
	while (*p != '\0') {
		if (*p == '\n') {
			lines++;
			used = pending = 0;
			p++;
			continue;
		}
		if (*p == ' ' || *p == '\t') {
			if (used > 0)
				pending += sb_textfit_px(sb_textfit_advance(*p, bold), size);
			p++;
			continue;
		}
		/* a word: up to the next blank or line end */
		const unsigned char *end = p;
		double word = 0;
		while (*end != '\0' && *end != ' ' && *end != '\t' && *end != '\n') {
			uint32_t c = sb_textfit_next(&end);
			word += sb_textfit_px(sb_textfit_advance(c, bold), size);
		}
		if (used > 0 && used + pending + word > room) {
			lines++;
			used = 0;
		} else if (used > 0) {
			used += pending;
		}
		pending = 0;
		if (word > room) {
			/* broken where it overflows, character by character */
			const unsigned char *q = p;
			while (q < end) {
				double cw =
					sb_textfit_px(sb_textfit_advance(sb_textfit_next(&q), bold),
						      size);
				if (used > 0 && used + cw > room) {
					lines++;
					used = 0;
				}
				used += cw;
			}
		} else {
			used += word;
		}
		p = end;
	}
	return lines;
}

double sb_textfit_height(int lines, double size)
{
	if (lines < 1)
		lines = 1;
	/* 15 points a line at 11 points (Excel's default row), in proportion otherwise */
	double h = lines * 15.0 * sb_textfit_scale(size);
	return ceil(h * 4) / 4;
}

/* Inserts thousands separators into the integer digits of buf (in place). */
static void sb_textfit_group(char *buf, size_t len)
{
	char *start = buf + (buf[0] == '-');
	size_t digits = strspn(start, "0123456789");
	size_t commas = digits > 3 ? (digits - 1) / 3 : 0;
	size_t n = strlen(buf);
	if (commas == 0 || n + commas + 1 > len)
		return;
	size_t head = (size_t)(start - buf);
	memmove(start + digits + commas, start + digits, n - head - digits + 1);
	for (size_t i = digits, out = digits + commas, k = 0; i > 0; i--) {
		start[--out] = start[i - 1];
		if (++k == 3 && i > 1) {
			start[--out] = ',';
			k = 0;
		}
	}
}

void sb_textfit_number(double v, const char *fmt, char *buf, size_t len)
{
	if (fmt == NULL || fmt[0] == '\0' || strcmp(fmt, "General") == 0) {
		snprintf(buf, len, "%.10g", v);
		return;
	}
	if (strpbrk(fmt, "yYdDhHsS") != NULL || strchr(fmt, 'm') != NULL) {
		/* a date or time: as long as its pattern */
		snprintf(buf, len, "%s", fmt);
		return;
	}
	const char *dot = strchr(fmt, '.');
	int decimals = 0;
	if (dot != NULL)
		decimals = (int)strspn(dot + 1, "0#");
	int percent = strchr(fmt, '%') != NULL;
	snprintf(buf, len, "%.*f", decimals, percent ? v * 100 : v);
	if (strchr(fmt, ',') != NULL)
		sb_textfit_group(buf, len);
	if (percent) {
		size_t n = strlen(buf);
		if (n + 2 <= len) {
			buf[n] = '%';
			buf[n + 1] = '\0';
		}
	}
}
