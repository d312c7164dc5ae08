/* tsv_test.c - the reader the spool and summary files share: lines split at tabs and numbered, a
 * NUL byte refused, a cut last line caught, and the same line numbers in both formats' messages. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "format/spool.h"
#include "format/summary.h"
#include "format/tsv.h"
#include "tap.h"

static char dir[256];

static const char *put(const char *name, const char *body, size_t len)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	fwrite(body, 1, len, f);
	fclose(f);
	return path;
}

static void test_reader(void)
{
	const char body[] = "a\tb\tc\td\n\none\n";
	const char *path = put("x.tsv", body, sizeof(body) - 1);
	sb_tsv t;
	sb_err err = {0};
	is_int(sb_tsv_open(&t, path, 1024, "test", &err), SB_OK, "a file opens");
	char *f[3];
	ok(sb_tsv_next(&t, f, 3) == 3 && strcmp(f[0], "a") == 0 && strcmp(f[1], "b") == 0 &&
		   strcmp(f[2], "c\td") == 0 && t.line == 1,
	   "line 1: at most max fields, the last keeps its tabs");
	ok(sb_tsv_next(&t, f, 3) == 1 && f[0][0] == '\0' && t.line == 2,
	   "line 2: empty, one field");
	ok(sb_tsv_next(&t, f, 3) == 1 && strcmp(f[0], "one") == 0 && t.line == 3, "line 3");
	ok(sb_tsv_next(&t, f, 3) == 0 && t.line == 4,
	   "the end: 0, and the line number is the one that was expected");
	is_int(sb_tsv_fail(&t, &err, "a %s", "row"), SB_EPARSE, "sb_tsv_fail is a parse error");
	ok(strstr(err.msg, "x.tsv:4: expected a row") != NULL, "naming file and line: %s", err.msg);
	sb_tsv_close(&t);

	path = put("cut.tsv", "a\tb\nhalf", 8);
	sb_err_clear(&err);
	sb_tsv_open(&t, path, 1024, "test", &err);
	ok(sb_tsv_next(&t, f, 2) == 2 && sb_tsv_next(&t, f, 2) == -1 && t.line == 2,
	   "a last line without a newline is -1 at its number");
	char *buf = sb_tsv_take(&t);
	ok(buf != NULL && t.buf == NULL && strcmp(buf, "a") == 0, "the buffer can be taken");
	free(buf);
	sb_tsv_close(&t);

	path = put("nul.tsv", "ab\n\0cd\n", 7);
	sb_err_clear(&err);
	is_int(sb_tsv_open(&t, path, 1024, "test", &err), SB_EPARSE, "a NUL byte is refused");
	ok(strstr(err.msg, "nul.tsv: a NUL byte at offset 3: not a test file") != NULL,
	   "the message says where: %s", err.msg);
	sb_err_clear(&err);
	is_int(sb_tsv_open(&t, path, 4, "test", &err), SB_ETOOBIG, "a file over max is refused");
	sb_err_clear(&err);
	is_int(sb_tsv_open(&t, "/nonexistent/x.tsv", 1024, "test", &err), SB_ENOTFOUND,
	       "a missing file is SB_ENOTFOUND");
}

/* Both formats number the line where something was expected, also past the end of the file. */
static void test_formats(void)
{
	sb_err err = {0};
	sb_summary_file s;
	const char sum[] = "#scanbackup-summary\t1\tBORDE\t2026-11-20\n";
	is_int(sb_summary_read(put("BORDE.tsv", sum, sizeof(sum) - 1), &s, &err), SB_EPARSE,
	       "a summary file without its column line is refused");
	ok(strstr(err.msg, "BORDE.tsv:2: expected the column line") != NULL,
	   "at line 2, where the column line was expected: %s", err.msg);
	sb_err_clear(&err);
	is_int(sb_summary_read(put("EMPTY.tsv", "", 0), &s, &err), SB_EPARSE,
	       "an empty summary file is refused");
	ok(strstr(err.msg, "EMPTY.tsv:1: expected the header") != NULL, "at line 1: %s", err.msg);

	sb_spool_day d;
	const char spool[] = "#scanbackup-spool\t1\nlayer\tBORDE\nname\tR1\n";
	sb_err_clear(&err);
	is_int(sb_spool_read_day(put("R1.tsv", spool, sizeof(spool) - 1), &d, &err), SB_EPARSE,
	       "a spool file cut after its name is refused");
	ok(strstr(err.msg, "R1.tsv:4: expected the spool header line 'type'") != NULL,
	   "at line 4, where the type was expected: %s", err.msg);
	const char nul[] = "#scanbackup-spool\t1\nlayer\tBO\0RDE\n";
	sb_err_clear(&err);
	is_int(sb_spool_read_day(put("N.tsv", nul, sizeof(nul) - 1), &d, &err), SB_EPARSE,
	       "a spool file with a NUL byte is refused");
	ok(strstr(err.msg, "a NUL byte at offset 28: not a spool file") != NULL, "%s", err.msg);
}

int main(void)
{
	if (!tap_tempdir(dir, sizeof(dir), "tsv"))
		return 1;
	test_reader();
	test_formats();
	static const char *const files[] = {"x.tsv",     "cut.tsv", "nul.tsv", "BORDE.tsv",
					    "EMPTY.tsv", "R1.tsv",  "N.tsv"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(put(files[i], "", 0));
	rmdir(dir);
	return tap_done();
}
