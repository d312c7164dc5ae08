/* runstatus_test.c - the run status file: a stage's line replaced, the others kept, unknown keys
 * skipped, a bad line named by file and line. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "format/runstatus.h"
#include "tap.h"

int main(void)
{
	char dir[256];
	if (!tap_tempdir(dir, sizeof(dir), "runstatus"))
		return 1;
	sb_err err = {0};
	sb_run_stage v[SB_RUN_STAGES];
	size_t n = 99;
	is_int(sb_run_status_read(dir, v, &n, &err), SB_OK, "no file yet: no stage, no error");
	is_int((long)n, 0, "none");

	sb_run_stage scan;
	sb_run_stage_init(&scan, "scan", "2026-11-30");
	snprintf(scan.status, sizeof(scan.status), "partial");
	scan.started = 1000;
	scan.finished = 1060;
	scan.interfaces = 10;
	scan.ok = 7;
	scan.short_days = 2;
	scan.failed = 1;
	scan.samples = 2300;
	is_int(sb_run_status_put(dir, &scan, &err), SB_OK, "scan's end written");
	sb_run_stage up;
	sb_run_stage_init(&up, "updater_data", "2026-11-30");
	snprintf(up.status, sizeof(up.status), "ok");
	up.rows = 2300;
	up.writes = 3;
	up.write_seconds = 0.25;
	up.write_max = 0.125;
	is_int(sb_run_status_put(dir, &up, &err), SB_OK, "the updater's too");
	scan.finished = 2000;
	snprintf(scan.date, sizeof(scan.date), "2026-12-01");
	is_int(sb_run_status_put(dir, &scan, &err), SB_OK, "scan's next end");

	is_int(sb_run_status_read(dir, v, &n, &err), SB_OK, "read back (%s)", err.msg);
	is_int((long)n, 2, "two stages: scan's line replaced, not added");
	is_str(v[0].stage, "scan", "in the order first written");
	is_str(v[0].date, "2026-12-01", "its newest day");
	is_int((long)v[0].finished, 2000, "its newest end");
	is_int((long)v[0].short_days, 2, "short days kept");
	is_str(v[0].status, "partial", "its status");
	is_int((long)v[0].rows, -1, "a count scan has no use for stays unset");
	is_str(v[1].stage, "updater_data", "the updater's line kept");
	is_int((long)v[1].writes, 3, "its store writes");
	is_double(v[1].write_seconds, 0.25, 1e-9, "their time");
	is_double(v[1].write_max, 0.125, 1e-9, "the slowest");

	char *path = sb_fs_join(dir, "run-status.tsv");
	const char *newer = "# a comment\nscan\tdate=2026-12-02\tstatus=ok\tfuture=1\tok=5\n";
	sb_fs_write_atomic(path, newer, strlen(newer), &err);
	is_int(sb_run_status_read(dir, v, &n, &err), SB_OK, "a key of a newer writer is skipped");
	ok(n == 1 && v[0].ok == 5, "the known ones read");
	const char *bad = "scan\tdate=2026-12-02\tstatus=ok\nrun\tok=five\n";
	sb_fs_write_atomic(path, bad, strlen(bad), &err);
	is_int(sb_run_status_read(dir, v, &n, &err), SB_EPARSE, "a bad number is refused");
	ok(strstr(err.msg, "run-status.tsv:2: expected ok: a whole number, got \"five\"") != NULL,
	   "naming file and line: %s", err.msg);
	is_int(sb_run_status_put(dir, &up, &err), SB_OK,
	       "a damaged file is replaced by a good one");
	is_int(sb_run_status_read(dir, v, &n, &err), SB_OK, "which reads");
	ok(n == 1 && strcmp(v[0].stage, "updater_data") == 0, "with the stage written");
	unlink(path);
	free(path);
	rmdir(dir);
	return tap_done();
}
