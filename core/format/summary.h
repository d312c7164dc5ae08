/* summary.h - the daily summary of an interface (docs/data.md) and the DAILY_SUMMARY spool files.
 *
 * data/SCAN/DAILY_SUMMARY/<DATE>/<LAYER>.tsv, written atomically, one row per interface:
 *     #scanbackup-summary	1	<LAYER>	<DATE>
 *     #name	type	capacity	inProm	inMaxProm	outProm	outMaxProm	use	samples
 * numbers printed with 17 significant digits (exact round trip); use empty when null. A file
 * holding a summary coarser than 5 minutes is version 2, whose rows end with one more column,
 * resolution (seconds). */
#ifndef SB_FORMAT_SUMMARY_H
#define SB_FORMAT_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include <scanbackup/layer.h>

#include "base/sb.h"
#include "format/mrtg.h"
#include "format/mrtglog.h"

/* The daily summary of an interface: a row of the summary files and of the store's
 * DAILY_SUMMARY_HISTORY. Strings are borrowed. */
typedef struct sb_summary_row {
	const char *name;
	const char *type;
	const char *date;
	const char *layer; /* typeLayer */
	double capacity;
	double in_prom, in_max_prom, out_prom, out_max_prom;
	int has_use; /* 0: use is stored as null (capacity 0 or missing) */
	double use;
	long samples; /* samples the summary was computed from (extra field "samples"); -1 unknown.
		       * A summary of coarser data counts the 5-minute intervals its lines cover */
	int32_t resolution; /* seconds of the data it was computed from: 300 (0 is read the same)
			     * for 5-minute samples, or 1800, 7200 or 86400 for MRTG's 30-minute,
			     * 2-hour or 1-day lines (extra field "resolution", docs/data.md) */
} sb_summary_row;

/* Old tool's factor: bytes/s -> Gbps as SCAN shows it. */
#define SB_SUMMARY_FACTOR 8.022e-9

/* Computes the summary of n samples (n > 0) into row (strings are not touched).
 * Traffic: inProm = sum(in_avg)/n*F, outProm likewise, inMaxProm = max(in_max)*F,
 * outMaxProm = max(out_max)*F, use = max(inMaxProm, outMaxProm)/capacity*100, null when the
 * capacity is 0 or missing. in_only (IPBRAS): inProm = round-half-even(sum/n), inMaxProm =
 * max(in_max), outProm = outMaxProm = use = 0, no factor. Sums are exact (integers). */
void sb_summary_compute(const sb_schema *schema, const sb_mrtg_sample *v, size_t n, double capacity,
			int has_capacity, double factor, sb_summary_row *row);

/* Computes the summary of a day from n lines of MRTG's consolidations (n > 0) into row (strings
 * are not touched): the averages are the means of the lines' averages weighted by the seconds
 * each covers (exact integer sums, then one division: the mean of the 5-minute samples MRTG
 * consolidated, where the lines tile the day), the peaks the largest of the lines' maxima (the
 * peaks of the consolidations, not of 5-minute samples); the factor, the IPBRAS rules and use as
 * sb_summary_compute. samples: the 5-minute intervals the lines cover; resolution: the coarsest
 * of their sections. */
void sb_summary_compute_lines(const sb_schema *schema, const sb_mrtg_line *v, size_t n,
			      double capacity, int has_capacity, double factor,
			      sb_summary_row *row);

/* Path of a layer's summary file for date. Caller frees. */
char *sb_summary_path(const char *data_dir, const char *date, const char *layer);

/* Writes rows atomically to the layer's summary file for date. */
int sb_summary_write(const char *data_dir, const char *date, const char *layer,
		     const sb_summary_row *rows, size_t n, sb_err *err);

/* Rows read from a summary file; strings owned by the struct. */
typedef struct sb_summary_file {
	char *layer, *date;
	sb_summary_row *rows;
	size_t n;
	char *strings; /* one block holding every row's strings */
} sb_summary_file;

/* Reads a summary file; a malformed file is SB_EPARSE naming the file and line. */
int sb_summary_read(const char *path, sb_summary_file *out, sb_err *err);
void sb_summary_file_free(sb_summary_file *f);

#endif
