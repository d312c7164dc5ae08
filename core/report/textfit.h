/* textfit.h - how much room a text takes in a spreadsheet cell: column widths and wrapped lines.
 *
 * Widths are in Excel's column unit (the width of '0' in the default font, Calibri 11 at 96 dpi:
 * 7 pixels, and a column of width w is 7w + 5 pixels wide), the unit of worksheet_set_column.
 * Text is measured with the advance widths of Calibri (the metric-compatible Carlito, which
 * LibreOffice substitutes for it, has the same numbers), regular or bold, scaled to the font size;
 * characters beyond Latin-1 count as a digit. Heights are in points, 15 per line at 11 points.
 * All functions are pure and thread-safe. */
#ifndef SB_REPORT_TEXTFIT_H
#define SB_REPORT_TEXTFIT_H

#include <stddef.h>

/* The column width that shows every line of the UTF-8 text s (lines split at '\n') whole, with
 * the cell's padding; 0 for an empty text. bold: 0 or 1; size: font size in points (<= 0: 11). */
double sb_textfit_width(const char *s, int bold, double size);

/* The number of lines s takes when wrapped into a column of width `width`: broken at blanks and
 * at '\n', a word longer than a line broken where it overflows. At least 1. */
int sb_textfit_lines(const char *s, double width, int bold, double size);

/* The row height in points that shows `lines` lines of text of that font size. */
double sb_textfit_height(int lines, double size);

/* The characters a number takes in the number format fmt ("0.00", "0", "0.0%", "#,##0",
 * "General" or "" ...), written into buf (at least 64 bytes) as the spreadsheet would show it. */
void sb_textfit_number(double v, const char *fmt, char *buf, size_t len);

#endif
