/* spool_test.c - spool files: escaped names, exact round trip, refusal of cut files, listing. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/timeutil.h"
#include "format/spool.h"
#include "tap.h"

static int count_files(void *ctx, const char *path, const char *date)
{
	(void)path;
	(void)date;
	(*(int *)ctx)++;
	return SB_OK;
}

int main(void)
{
	char dir[] = "/tmp/sb-spool-XXXXXX";
	ok(mkdtemp(dir) != NULL, "temp dir");
	sb_time_set_zone("UTC");

	char *p = sb_spool_day_path(dir, "BORDE", "2026-11-20", "R1 GI0/0/0/1 - A%B", "CISCO");
	char *want = sb_xasprintf(
		"%s/SCAN/BORDE/2026-11-20/R1%%20GI0%%2F0%%2F0%%2F1%%20-%%20A%%25B@CISCO.tsv", dir);
	is_str(p, want, "names with '/', spaces and '%%' become one safe file name");
	free(want);

	/* never a hidden file; never a file name past NAME_MAX, and distinct names stay distinct */
	char *dot = sb_spool_day_path(dir, "BORDE", "2026-11-20", ".hidden", ".T");
	ok(strstr(dot, "/2026-11-20/%2Ehidden@.T.tsv") != NULL, "a leading dot is escaped: %s",
	   dot);
	free(dot);
	char long1[300], long2[300];
	memset(long1, ' ', 256);
	long1[256] = '\0';
	memcpy(long2, long1, sizeof(long2));
	long2[255] = 'z';
	char *l1 = sb_spool_day_path(dir, "BORDE", "2026-11-20", long1, "CISCO");
	char *l2 = sb_spool_day_path(dir, "BORDE", "2026-11-20", long2, "CISCO");
	const char *b1 = strrchr(l1, '/') + 1, *b2 = strrchr(l2, '/') + 1;
	ok(strlen(b1) <= 255 && strlen(b2) <= 255, "long names: %zu and %zu bytes", strlen(b1),
	   strlen(b2));
	ok(strcmp(b1, b2) != 0 && strchr(b1, '~') != NULL, "... distinct, marked with a hash");
	ok(strncmp(b1, "%20%20%20", 9) == 0 && strstr(b1, "%2~") == NULL &&
		   strstr(b1, "%~") == NULL,
	   "... cut between escapes: %s", b1);
	free(l1);
	free(l2);

	sb_mrtg_sample s[3] = {
		{1795219500, 1, 2, 3, 4},
		{1795219800, 9007199254740993LL, 0, 5, 6},
		{1795220100, 7, 8, 9, 10},
	};
	sb_spool_day d = {.layer = "BORDE",
			  .name = "R1 GI0/0/0/1 - A%B",
			  .type = "CISCO",
			  .date = "2026-11-20",
			  .url = "http://portal/x.log",
			  .capacity = 100,
			  .has_capacity = 1,
			  .n = 3,
			  .samples = s};
	sb_err err = {0};
	is_int(sb_spool_write_day(dir, &d, 1, &err), SB_OK, "a day is written");
	sb_spool_day r;
	is_int(sb_spool_read_day(p, &r, &err), SB_OK, "and read back");
	is_str(r.name, d.name, "name");
	is_str(r.type, "CISCO", "type");
	is_str(r.date, "2026-11-20", "date");
	ok(r.has_capacity && r.capacity == 100, "capacity");
	is_int(r.n, 3, "three samples");
	ok(memcmp(r.samples, s, sizeof(s)) == 0, "samples exactly, large values too");
	is_str(r.times[0], "00:05:00", "local time of the first sample");
	sb_spool_day_free(&r);

	d.has_capacity = 0;
	d.name = "R2";
	is_int(sb_spool_write_day(dir, &d, 0, &err), SB_OK, "an unsynced write");
	char *p2 = sb_spool_day_path(dir, "BORDE", "2026-11-20", "R2", "CISCO");
	is_int(sb_spool_read_day(p2, &r, &err), SB_OK, "reads back");
	ok(!r.has_capacity, "a missing capacity stays missing");
	sb_spool_day_free(&r);

	/* the repeated hour of a day whose clock goes back: the second pass carries its offset */
	sb_time_set_zone("Europe/Madrid");
	sb_mrtg_sample fold[2] = {{1792886700, 1, 1, 1, 1}, {1792890300, 2, 2, 2, 2}};
	d.name = "R4";
	d.date = "2026-10-25";
	d.n = 2;
	d.samples = fold;
	is_int(sb_spool_write_day(dir, &d, 0, &err), SB_OK, "a fall-back day is written");
	char *p4 = sb_spool_day_path(dir, "BORDE", "2026-10-25", "R4", "CISCO");
	is_int(sb_spool_read_day(p4, &r, &err), SB_OK, "and read back");
	is_str(r.times[0], "02:05:00", "the first pass keeps HH:MM:SS");
	is_str(r.times[1], "02:05:00+01:00", "the second pass carries its UTC offset");
	sb_spool_day_free(&r);
	unlink(p4);
	free(p4);
	sb_time_set_zone("UTC");
	d.name = "R2";
	d.date = "2026-11-20";
	d.n = 3;
	d.samples = s;

	/* a file cut short (as by a power loss before the sync) is refused, not trusted */
	char *text = NULL;
	size_t len = 0;
	sb_fs_read(p2, 1 << 20, &text, &len, &err);
	FILE *f = fopen(p2, "w");
	fwrite(text, 1, len - 20, f);
	fclose(f);
	free(text);
	sb_err_clear(&err);
	is_int(sb_spool_read_day(p2, &r, &err), SB_EPARSE, "a cut file is refused");
	ok(strstr(err.msg, p2) != NULL, "the message names the file: %s", err.msg);

	/* listing: sorted, temp files of interrupted writes skipped */
	char *tmp = sb_xasprintf("%s/SCAN/BORDE/2026-11-20/R3@X.tsv.tmp.123", dir);
	sb_fs_write_atomic(tmp, "x", 1, &err);
	int n = 0;
	is_int(sb_spool_list(dir, "BORDE", "2026-11-20", count_files, &n, &err), SB_OK, "listing");
	is_int(n, 2, "the listing skips temp files");
	n = 0;
	sb_spool_list(dir, "BORDE", NULL, count_files, &n, &err);
	is_int(n, 2, "listing every date");
	n = 0;
	sb_spool_list(dir, "BRAS", NULL, count_files, &n, &err);
	is_int(n, 0, "an empty layer lists nothing");
	unlink(tmp);
	unlink(p);
	unlink(p2);
	free(tmp);
	free(p);
	free(p2);
	return tap_done();
}
