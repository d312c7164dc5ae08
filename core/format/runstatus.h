/* runstatus.h - how the nightly job's stages last ended, kept in data/run-status.tsv: written by
 * run, scan, daily and updater (data, daily) as each stage ends, read by the dashboard's /metrics
 * and by whatever watches the nightly job (docs/storage.md, "The run status").
 *
 * One line per stage, its name then tab-separated key=value fields; a stage's line is replaced
 * when the stage ends again, the others kept; the file is rewritten whole and renamed into place
 * (atomic), by the process holding the data directory's lock. A reader ignores keys it does not
 * know, so a newer writer's fields never break an older reader. */
#ifndef SB_FORMAT_RUNSTATUS_H
#define SB_FORMAT_RUNSTATUS_H

#include <stdint.h>

#include "base/sb.h"

#define SB_RUN_STAGES 8

/* One stage's last end. A count the stage has no use for is -1 (not written). */
typedef struct sb_run_stage {
	char stage[24];   /* "scan", "daily", "updater_data", "updater_daily", "run" */
	char date[11];    /* the day it worked on, "YYYY-MM-DD" ("" for every day: --force) */
	char status[12];  /* "ok", "partial" (some interfaces or files left), "empty" (no sample of
			   * the day) or "failed" */
	int64_t started;  /* unix seconds */
	int64_t finished; /* unix seconds */
	int64_t interfaces, ok, short_days, failed,
		samples;           /* scan, run; daily: interfaces, samples */
	int64_t rows, files, kept; /* updater: rows stored, files done, files left in the spool */
	int64_t writes;            /* updater: store writes (batches) */
	double write_seconds;      /* their total time */
	double write_max;          /* the slowest one */
} sb_run_stage;

/* A stage with every count unset (-1), its name and date set. */
void sb_run_stage_init(sb_run_stage *st, const char *stage, const char *date);

/* Replaces st's line in <data_dir>/run-status.tsv (the others kept), atomically. The caller holds
 * the data directory's lock. */
int sb_run_status_put(const char *data_dir, const sb_run_stage *st, sb_err *err);

/* Reads <data_dir>/run-status.tsv into out[0..*n) (at most SB_RUN_STAGES stages, in the file's
 * order). A missing file is SB_OK with *n 0; a bad line is SB_EPARSE naming file:line. */
int sb_run_status_read(const char *data_dir, sb_run_stage out[SB_RUN_STAGES], size_t *n,
		       sb_err *err);

#endif
