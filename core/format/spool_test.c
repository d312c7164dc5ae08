/* spool_test.c - spool files: records written whole and read back exactly, merged across files and
 * versions; cut, damaged and failed writes never trusted; listing order. */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "base/fsutil.h"
#include "base/timeutil.h"
#include "format/spool.h"
#include "tap.h"

static char dir[256];
static char warned[8192]; /* what the readers said, one message a line */

static void warn(void *ctx, int damaged, const char *msg)
{
	(void)ctx;
	(void)damaged;
	size_t n = strlen(warned);
	snprintf(warned + n, sizeof(warned) - n, "%s\n", msg);
}

static int count_files(void *ctx, const char *path, const char *date)
{
	(void)date;
	char *list = ctx;
	size_t n = strlen(list);
	snprintf(list + n, 512 - n, "%s ", strrchr(path, '/') + 1);
	return SB_OK;
}

/* Every interface day of the layer's date, read into days[] (at most max); returns the count. */
static size_t read_all(const char *layer, const char *date, sb_spool_day *days, size_t max,
		       sb_spool_reader **keep)
{
	sb_spool_reader *r = NULL;
	sb_err err = {0};
	warned[0] = '\0';
	if (sb_spool_open(dir, layer, date, warn, NULL, &r, &err) != SB_OK)
		return 0;
	size_t n = 0;
	while (n < max && sb_spool_next(r, &days[n], &err) == SB_OK)
		n++;
	if (keep != NULL)
		*keep = r;
	else
		sb_spool_close(&r);
	return n;
}

static void free_all(sb_spool_day *days, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sb_spool_day_free(&days[i]);
}

static char *path_of(const char *layer, const char *date, const char *file)
{
	return sb_xasprintf("%s/SCAN/%s/%s/%s", dir, layer, date, file);
}

static off_t size_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : -1;
}

static sb_mrtg_sample day3[3] = {
	{1795219500, 1, 2, 3, 4},
	{1795219800, 9007199254740993LL, 0, 5, 6},
	{1795220100, 7, 8, 9, -10},
};

static void test_round_trip(void)
{
	sb_err err = {0};
	sb_spool_writer *w = NULL;
	is_int(sb_spool_writer_open(dir, "BORDE", "2026-11-20", &w, &err), SB_OK, "a spool file");
	char *p1 = path_of("BORDE", "2026-11-20", "000001.spool");
	is_str(sb_spool_writer_path(w), p1, "the day's first file is number 000001");
	sb_spool_day d = {.layer = "BORDE",
			  .name = "R2 GI0/0/0/1 - A%B",
			  .type = "CISCO",
			  .date = "2026-11-20",
			  .url = "http://portal/x.log",
			  .capacity = 100,
			  .has_capacity = 1,
			  .n = 3,
			  .samples = day3};
	is_int(sb_spool_writer_put(w, &d, &err), SB_OK, "a record is written");
	d.name = "R1";
	d.has_capacity = 0;
	d.url = NULL;
	d.n = 0;
	is_int(sb_spool_writer_put(w, &d, &err), SB_OK, "a record without samples too");
	is_int(sb_spool_writer_close(&w, 1, &err), SB_OK, "closed, synced");
	ok(w == NULL, "the writer is freed");

	/* the file as docs/storage.md describes it: a first line, then records checked by CRC-32 */
	char *text = NULL;
	size_t len = 0;
	sb_fs_read(p1, 1 << 20, &text, &len, &err);
	const char *first = "#scanbackup-spool\t2\tBORDE\t2026-11-20\n";
	ok(text != NULL && strncmp(text, first, strlen(first)) == 0, "the first line");
	const char *rec = text + strlen(first);
	unsigned long blen = 0, crc = 0;
	int hn = 0;
	ok(sscanf(rec, "@\t%lu\t%lx\n%n", &blen, &crc, &hn) == 2 && hn > 0, "a record line");
	const char *body = rec + hn;
	ok(crc32(0L, (const Bytef *)body, (uInt)blen) == crc, "its CRC-32 is the body's");
	const char *want = "name\tR2 GI0/0/0/1 - A%B\ntype\tCISCO\ncapacity\t100\n"
			   "url\thttp://portal/x.log\nsamples\t3\n"
			   "1795219500\t00:05:00\t1\t2\t3\t4\n";
	ok(strncmp(body, want, strlen(want)) == 0, "the body: header lines, then samples");
	ok(body[blen] == '@' && body[blen - 1] == '\n', "the next record follows the body");
	free(text);

	sb_spool_day got[4];
	sb_spool_reader *r = NULL;
	size_t n = read_all("BORDE", "2026-11-20", got, 4, &r);
	is_int(n, 2, "two interfaces read back");
	is_str(got[0].name, "R1", "by name: R1 first");
	is_int(got[0].n, 0, "... with no sample");
	ok(!got[0].has_capacity && strcmp(got[0].url, "") == 0, "... no capacity, no url");
	is_str(got[1].name, "R2 GI0/0/0/1 - A%B", "then R2");
	ok(strcmp(got[1].type, "CISCO") == 0 && strcmp(got[1].layer, "BORDE") == 0 &&
		   strcmp(got[1].date, "2026-11-20") == 0,
	   "type, layer and date");
	ok(got[1].has_capacity && got[1].capacity == 100, "capacity");
	is_int(got[1].n, 3, "three samples");
	ok(memcmp(got[1].samples, day3, sizeof(day3)) == 0, "samples exactly, large values too");
	is_str(got[1].times[0], "00:05:00", "the stored local time of the first sample");
	is_str(warned, "", "nothing to say");
	ok(sb_spool_nfiles(r) == 1 && sb_spool_file_done(r, 0), "the file is done once read");
	sb_spool_close(&r);
	free_all(got, n);
	free(p1);

	/* the repeated hour of a day whose clock goes back: the second pass carries its offset */
	sb_time_set_zone("Europe/Madrid");
	sb_mrtg_sample fold[2] = {{1792886700, 1, 1, 1, 1}, {1792890300, 2, 2, 2, 2}};
	sb_spool_day f = {.layer = "BORDE",
			  .name = "R4",
			  .type = "CISCO",
			  .date = "2026-10-25",
			  .n = 2,
			  .samples = fold};
	sb_spool_writer_open(dir, "BORDE", "2026-10-25", &w, &err);
	is_int(sb_spool_writer_put(w, &f, &err), SB_OK, "a fall-back day is written");
	sb_spool_writer_close(&w, 0, &err);
	n = read_all("BORDE", "2026-10-25", got, 4, NULL);
	ok(n == 1 && got[0].n == 2, "and read back");
	is_str(got[0].times[0], "02:05:00", "the first pass keeps HH:MM:SS");
	is_str(got[0].times[1], "02:05:00+01:00", "the second pass carries its UTC offset");
	free_all(got, n);
	sb_time_set_zone("UTC");
}

/* Records one after the other with the same timestamps, other ones, and the zone changed between
 * two: each keeps its own stored local times. */
static void test_times_between_records(void)
{
	sb_err err = {0};
	sb_spool_writer *w = NULL;
	sb_spool_writer_open(dir, "RAI", "2026-11-20", &w, &err);
	sb_mrtg_sample later[3];
	for (int i = 0; i < 3; i++) {
		later[i] = day3[i];
		later[i].ts += 3600;
	}
	const char *names[] = {"A", "B", "C", "D", "E"};
	sb_mrtg_sample *samples[] = {day3, day3, later, later, day3};
	int rc = SB_OK;
	for (int i = 0; i < 5; i++) {
		if (i == 3)
			sb_time_set_zone("America/Caracas"); /* UTC-4 */
		sb_spool_day d = {.layer = "RAI",
				  .name = (char *)names[i],
				  .type = "ZTE",
				  .date = "2026-11-20",
				  .n = 3,
				  .samples = samples[i]};
		if (sb_spool_writer_put(w, &d, &err) != SB_OK)
			rc = SB_EIO;
	}
	sb_spool_writer_close(&w, 0, &err);
	sb_time_set_zone("UTC");
	is_int(rc, SB_OK, "five records written");
	sb_spool_day got[6];
	size_t n = read_all("RAI", "2026-11-20", got, 6, NULL);
	const char *want[] = {"00:05:00", "00:05:00", "01:05:00", "21:05:00", "20:05:00"};
	int good = n == 5;
	for (size_t i = 0; good && i < n; i++) {
		good = strcmp(got[i].name, names[i]) == 0 && got[i].n == 3 &&
		       strcmp(got[i].times[0], want[i]) == 0;
		if (!good)
			printf("#   %s: %s, want %s\n", got[i].name, got[i].times[0], want[i]);
	}
	ok(good, "the same times twice, later ones, the same after the zone changed: each its own");
	free_all(got, n);
}

/* A later scan of the day, and a file of version 1: every sample kept, the later one winning. */
static void test_merge(void)
{
	sb_err err = {0};
	char *v1 = path_of("BORDE", "2026-11-20", "R2%20GI0%2F0%2F0%2F1%20-%20A%25B@CISCO.tsv");
	char *v1text =
		sb_xasprintf("#scanbackup-spool\t1\nlayer\tBORDE\nname\tR2 GI0/0/0/1 - A%%B\n"
			     "type\tCISCO\ncapacity\t40\ndate\t2026-11-20\nurl\told\n"
			     "samples\t2\n#ts\ttime\tin_avg\tout_avg\tin_max\tout_max\n"
			     "1795219200\t00:00:00\t70\t71\t72\t73\n"
			     "1795219500\t00:05:00\t80\t81\t82\t83\n");
	sb_fs_write_atomic(v1, v1text, strlen(v1text), &err);
	free(v1text);
	sb_spool_writer *w = NULL;
	sb_spool_writer_open(dir, "BORDE", "2026-11-20", &w, &err);
	char *p2 = path_of("BORDE", "2026-11-20", "000002.spool");
	is_str(sb_spool_writer_path(w), p2, "a later scan of the day writes the next file");
	sb_mrtg_sample later[2] = {{1795219800, 90, 91, 92, 93}, {1795220400, 5, 5, 5, 5}};
	sb_spool_day d = {.layer = "BORDE",
			  .name = "R2 GI0/0/0/1 - A%B",
			  .type = "CISCO",
			  .date = "2026-11-20",
			  .url = "new",
			  .capacity = 10,
			  .has_capacity = 1,
			  .n = 2,
			  .samples = later};
	sb_spool_writer_put(w, &d, &err);
	sb_spool_writer_close(&w, 0, &err);

	char list[512] = "";
	sb_spool_list(dir, "BORDE", "2026-11-20", count_files, list, &err);
	is_str(list, "R2%20GI0%2F0%2F0%2F1%20-%20A%25B@CISCO.tsv 000001.spool 000002.spool ",
	       "listed in reading order: the older version first, then by number");

	sb_spool_day got[4];
	size_t n = read_all("BORDE", "2026-11-20", got, 4, NULL);
	is_int(n, 2, "still two interfaces");
	sb_spool_day *m = &got[1];
	is_int(m->n, 5, "R2: every timestamp of its three records");
	int64_t want_ts[5] = {1795219200, 1795219500, 1795219800, 1795220100, 1795220400};
	int64_t want_in[5] = {70, 1, 90, 7, 5};
	int same = m->n == 5;
	for (size_t i = 0; same && i < 5; i++)
		same = m->samples[i].ts == want_ts[i] && m->samples[i].in_avg == want_in[i];
	ok(same, "oldest first; where two hold a timestamp, the later file's value");
	ok(m->capacity == 10 && strcmp(m->url, "new") == 0,
	   "capacity and url of the latest record");
	is_str(m->times[0], "00:00:00", "the older version's stored times are kept");
	free_all(got, n);
	unlink(v1);
	unlink(p2);
	free(v1);
	free(p2);
}

/* A file of version 1 whose samples are not in time order was never written by the engine. */
static void test_v1_order(void)
{
	sb_err err = {0};
	char *v1 = path_of("BORDE", "2026-11-21", "R3@CISCO.tsv");
	const char *text = "#scanbackup-spool\t1\nlayer\tBORDE\nname\tR3\ntype\tCISCO\n"
			   "capacity\t40\ndate\t2026-11-21\nurl\told\nsamples\t2\n"
			   "#ts\ttime\tin_avg\tout_avg\tin_max\tout_max\n"
			   "1795305900\t00:05:00\t80\t81\t82\t83\n"
			   "1795305600\t00:00:00\t70\t71\t72\t73\n";
	sb_fs_write_atomic(v1, text, strlen(text), &err);
	sb_spool_day d;
	is_int(sb_spool_read_day(v1, &d, &err), SB_EPARSE, "samples out of time order are refused");
	ok(strstr(err.msg, ":11:") != NULL &&
		   strstr(err.msg, "a ts later than the previous") != NULL,
	   "the message names the line and what was expected: %s", err.msg);
	ok(d.n == 0 && d.samples == NULL, "and nothing is handed out");
	unlink(v1);
	free(v1);
}

/* A record cut by a kill, a damaged record, a damaged record line, a wrong first line. */
static void test_damage(void)
{
	sb_err err = {0};
	sb_spool_day d = {.layer = "RAI",
			  .type = "ZTE",
			  .date = "2026-11-21",
			  .url = "u",
			  .n = 3,
			  .samples = day3};
	sb_spool_writer *w = NULL;
	sb_spool_writer_open(dir, "RAI", "2026-11-21", &w, &err);
	const char *names[] = {"A", "B", "C", "D"};
	off_t ends[4];
	for (int i = 0; i < 4; i++) {
		d.name = (char *)names[i];
		sb_spool_writer_put(w, &d, &err);
		ends[i] = size_of(sb_spool_writer_path(w));
	}
	char *p = sb_xstrdup(sb_spool_writer_path(w));
	sb_spool_writer_close(&w, 0, &err);

	/* the last record cut in the middle, as by a kill during its write */
	is_int(truncate(p, ends[3] - 20), 0, "the last record cut short");
	sb_spool_day got[8];
	sb_spool_reader *r = NULL;
	size_t n = read_all("RAI", "2026-11-21", got, 8, &r);
	ok(n == 3 && strcmp(got[2].name, "C") == 0 && got[2].n == 3,
	   "the three whole records are read");
	ok(strstr(warned, "000001.spool:") != NULL && strstr(warned, "cut short") != NULL,
	   "the cut one is said, with the file");
	ok(sb_spool_file_done(r, 0), "a cut-off end does not keep the file (its scan never counted "
				     "that interface)");
	is_int(sb_spool_skipped(r), 1, "one record skipped");
	sb_spool_close(&r);
	free_all(got, n);

	/* a byte of B's samples changed: its CRC-32 no longer matches */
	int fd = open(p, O_RDWR);
	char c;
	ok(pread(fd, &c, 1, ends[1] - 3) == 1, "read a byte of B");
	c = c == '4' ? '5' : '4';
	ok(pwrite(fd, &c, 1, ends[1] - 3) == 1, "and change it");
	close(fd);
	n = read_all("RAI", "2026-11-21", got, 8, &r);
	ok(n == 2 && strcmp(got[0].name, "A") == 0 && strcmp(got[1].name, "C") == 0,
	   "A and C are read, B is not");
	ok(strstr(warned, "000001.spool:11: the record of B (ZTE) does not match its CRC-32") !=
		   NULL,
	   "B is named with the file and the line of its record");
	ok(!sb_spool_file_done(r, 0), "a damaged file is kept");
	sb_spool_close(&r);
	free_all(got, n);

	/* B's record line garbled: the reader finds C's and goes on */
	fd = open(p, O_RDWR);
	ok(pwrite(fd, "X", 1, ends[0]) == 1, "B's record line garbled");
	close(fd);
	n = read_all("RAI", "2026-11-21", got, 8, &r);
	ok(n == 2 && strcmp(got[1].name, "C") == 0, "A and C are still read");
	ok(strstr(warned, "000001.spool:11: expected a record line") != NULL &&
		   strstr(warned, "to the next record") != NULL,
	   "the garbled line is named");
	sb_spool_close(&r);
	free_all(got, n);

	/* another layer's file in this folder */
	char *other = path_of("RAI", "2026-11-21", "000002.spool");
	const char *wrong = "#scanbackup-spool\t2\tBORDE\t2026-11-21\n";
	sb_fs_write_atomic(other, wrong, strlen(wrong), &err);
	n = read_all("RAI", "2026-11-21", got, 8, &r);
	ok(strstr(warned, "000002.spool:1: expected '#scanbackup-spool\t2\tRAI\t2026-11-21'") !=
		   NULL,
	   "a file of another layer is refused, named");
	ok(!sb_spool_file_done(r, 1), "... and kept");
	sb_spool_close(&r);
	free_all(got, n);
	unlink(other);
	free(other);

	/* an empty file: a scan killed before its first line */
	char *empty = path_of("RAI", "2026-11-21", "000003.spool");
	sb_fs_write_atomic(empty, "", 0, &err);
	sb_spool_open_file(empty, warn, NULL, &r, &err);
	warned[0] = '\0';
	is_int(sb_spool_next(r, &got[0], &err), SB_ENOTFOUND, "an empty file holds nothing");
	ok(sb_spool_file_done(r, 0) && warned[0] == '\0', "... and may go, quietly");
	sb_spool_close(&r);
	unlink(empty);
	free(empty);
	unlink(p);
	free(p);
}

/* A write that fails half-way (the file size limit here, a full disk in life) is taken back. */
static void test_failed_write(void)
{
	sb_err err = {0};
	sb_spool_writer *w = NULL;
	sb_spool_writer_open(dir, "IXP", "2026-11-22", &w, &err);
	sb_spool_day d = {.layer = "IXP",
			  .name = "SMALL",
			  .type = "NAP",
			  .date = "2026-11-22",
			  .url = "u",
			  .n = 3,
			  .samples = day3};
	sb_spool_writer_put(w, &d, &err);
	off_t whole = size_of(sb_spool_writer_path(w));
	size_t big = 5000;
	sb_mrtg_sample *many = sb_xcalloc(big, sizeof(*many));
	for (size_t i = 0; i < big; i++)
		many[i] = (sb_mrtg_sample){1795219200 + (int64_t)i * 10, 1, 2, 3, 4};
	struct rlimit old, lim;
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = (rlim_t)whole + 4096;
	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &lim);
	d.name = "BIG";
	d.n = big;
	d.samples = many;
	is_int(sb_spool_writer_put(w, &d, &err), SB_EIO, "a record over the size limit fails");
	ok(strstr(err.msg, "000001.spool") != NULL, "the message names the file: %s", err.msg);
	setrlimit(RLIMIT_FSIZE, &old);
	is_int(size_of(sb_spool_writer_path(w)), whole, "the part written was taken back");
	d.name = "AFTER";
	d.n = 3;
	d.samples = day3;
	sb_err_clear(&err);
	is_int(sb_spool_writer_put(w, &d, &err), SB_OK, "the next record is written whole");
	sb_spool_writer_close(&w, 0, &err);
	sb_spool_day got[4];
	size_t n = read_all("IXP", "2026-11-22", got, 4, NULL);
	ok(n == 2 && strcmp(got[0].name, "AFTER") == 0 && strcmp(got[1].name, "SMALL") == 0,
	   "both whole records are read, nothing of the failed one");
	is_str(warned, "", "and nothing is said: the file is whole");
	free_all(got, n);
	free(many);
	char *p = path_of("IXP", "2026-11-22", "000001.spool");
	unlink(p);
	free(p);
}

int main(void)
{
	ok(tap_tempdir(dir, sizeof(dir), "spool"), "temp dir");
	sb_time_set_zone("UTC");
	test_round_trip();
	test_times_between_records();
	test_merge();
	test_v1_order();
	test_damage();
	test_failed_write();

	char list[512] = "";
	sb_err err = {0};
	sb_spool_list(dir, "BRAS", NULL, count_files, list, &err);
	is_str(list, "", "an empty layer lists nothing");
	sb_spool_reader *r = NULL;
	is_int(sb_spool_open(dir, "BRAS", "2026-11-20", warn, NULL, &r, &err), SB_OK,
	       "a missing folder is an empty spool");
	sb_spool_day d;
	is_int(sb_spool_next(r, &d, &err), SB_ENOTFOUND, "... with nothing in it");
	sb_spool_close(&r);

	ok(tap_rmtree(dir), "temp dir removed");
	return tap_done();
}
