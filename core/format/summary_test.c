/* summary_test.c - the daily summary math against values the old tool's formulas give (computed in
 * Python as sum(v)/len(v)*F), and the summary files' round trip. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/summary.h"
#include "tap.h"

static const sb_schema traffic = {"BORDE", "BORDE_HISTORY", "name", "borde", 0};
static const sb_schema counts = {"IPBRAS", "IPBRAS_HISTORY", "brasname", "ip_bras", 1};

static sb_mrtg_sample S(int64_t in_avg, int64_t out_avg, int64_t in_max, int64_t out_max)
{
	return (sb_mrtg_sample){0, in_avg, out_avg, in_max, out_max};
}

int main(void)
{
	sb_summary_row r;
	const double F = SB_SUMMARY_FACTOR;

	sb_mrtg_sample v[] = {S(100, 10, 150, 400), S(200, 20, 250, 30), S(301, 30, 400, 20)};
	sb_summary_compute(&traffic, v, 3, 10, 1, F, &r);
	ok(r.in_prom == 1.6070740000000002e-06, "inProm = sum/n*F, bit for bit (%.17g)", r.in_prom);
	ok(r.in_max_prom == 3.2088e-06, "inMaxProm = max(in_max)*F");
	ok(r.out_max_prom == 3.2088e-06, "outMaxProm = max(out_max)*F");
	is_double(r.out_prom, 20 * F, 0, "outProm");
	ok(r.has_use && r.use == 3.2088e-05,
	   "use = max(inMaxProm, outMaxProm)/capacity*100 (%.17g)", r.use);
	is_int(r.samples, 3, "the sample count travels with the summary");

	sb_summary_compute(&traffic, v, 3, 0, 0, F, &r);
	ok(!r.has_use, "capacity missing: use is null");
	sb_summary_compute(&traffic, v, 3, 0, 1, F, &r);
	ok(!r.has_use, "capacity 0: use is null, no division by zero");

	sb_mrtg_sample ip1[] = {S(2, 2, 2, 2), S(3, 3, 3, 3)};
	sb_summary_compute(&counts, ip1, 2, 0, 0, F, &r);
	is_double(r.in_prom, 2, 0, "IPBRAS: mean 2.5 rounds half to even: 2");
	is_double(r.in_max_prom, 3, 0, "IPBRAS: inMaxProm is the max, no factor");
	ok(r.out_prom == 0 && r.out_max_prom == 0 && r.has_use && r.use == 0,
	   "IPBRAS: outProm, outMaxProm and use stored as 0, as the old tool did");
	sb_mrtg_sample ip2[] = {S(3, 3, 3, 3), S(4, 4, 9, 9)};
	sb_summary_compute(&counts, ip2, 2, 0, 0, F, &r);
	is_double(r.in_prom, 4, 0, "IPBRAS: mean 3.5 rounds half to even: 4");
	sb_mrtg_sample ip3[] = {S(10, 0, 10, 0), S(11, 0, 11, 0), S(11, 0, 11, 0)};
	sb_summary_compute(&counts, ip3, 3, 0, 0, F, &r);
	is_double(r.in_prom, 11, 0, "IPBRAS: mean 10.67 rounds to 11");

	/* A 25-hour DST day: 300 samples. */
	sb_mrtg_sample *dst = calloc(300, sizeof(*dst));
	for (int i = 0; i < 300; i++)
		dst[i] = S((int64_t)i * 1000 + 7, 0, 0, 0);
	sb_summary_compute(&traffic, dst, 300, 1, 1, F, &r);
	ok(r.in_prom == 0.0011993451540000001, "DST day of 300 samples: mean over 300 (%.17g)",
	   r.in_prom);
	is_int(r.samples, 300, "DST day keeps its 300 samples");
	free(dst);

	/* A day with a gap: 250 samples, averaged over what is there. */
	sb_mrtg_sample *gap = calloc(250, sizeof(*gap));
	for (int i = 0; i < 250; i++)
		gap[i] = S(((int64_t)i * 7919) % 100003, 0, 0, 0);
	sb_summary_compute(&traffic, gap, 250, 1, 1, F, &r);
	ok(r.in_prom == 0.00039698798697600007, "a day with a gap averages its 250 samples (%.17g)",
	   r.in_prom);
	free(gap);

	/* Large rates: the sum stays exact. */
	sb_mrtg_sample *big = calloc(288, sizeof(*big));
	for (int i = 0; i < 288; i++)
		big[i] = S(9876543210123, 0, 0, 0);
	sb_summary_compute(&traffic, big, 288, 100, 1, F, &r);
	ok(r.in_prom == 79229.62963160672, "large rates keep an exact sum (%.17g)", r.in_prom);
	free(big);

	/* MRTG's consolidations: 48 lines of 30 minutes, each the mean of six 5-minute samples, give
	 * the 5-minute day's averages bit for bit; the peaks are the lines' maxima. */
	sb_mrtg_sample *fine = calloc(288, sizeof(*fine));
	sb_mrtg_line coarse[49];
	for (int k = 0; k < 48; k++) {
		int64_t sum_in = 0, sum_out = 0, mx = 0;
		for (int j = 0; j < 6; j++) {
			int64_t in = 1000003 * k + 7919 * j % 1237, out = 3 * in + j;
			fine[k * 6 + j] = S(in, out, in + j, out);
			sum_in += in;
			sum_out += out;
			mx = in + j > mx ? in + j : mx;
		}
		/* the lines of this test hold exact means: make each sum a multiple of 6 */
		int64_t fix_in = (6 - sum_in % 6) % 6, fix_out = (6 - sum_out % 6) % 6;
		fine[k * 6].in_avg += fix_in;
		fine[k * 6].out_avg += fix_out;
		sum_in += fix_in;
		sum_out += fix_out;
		coarse[k] = (sb_mrtg_line){{0, sum_in / 6, sum_out / 6, mx + fix_in, 3 * mx},
					   SB_MRTG_RES_30MIN,
					   1800,
					   0};
	}
	sb_summary_row want;
	sb_summary_compute(&traffic, fine, 288, 10, 1, F, &want);
	sb_summary_compute_lines(&traffic, coarse, 48, 10, 1, F, &r);
	ok(r.in_prom == want.in_prom && r.out_prom == want.out_prom,
	   "30-minute lines: the day's averages equal the 5-minute samples' bit for bit (%.17g)",
	   r.in_prom);
	is_int(r.samples, 288, "30-minute lines: they cover 288 5-minute intervals");
	is_int(r.resolution, SB_MRTG_RES_30MIN, "30-minute lines: resolution 30 minutes");
	int64_t peak = 0;
	for (int k = 0; k < 48; k++)
		peak = coarse[k].s.in_max > peak ? coarse[k].s.in_max : peak;
	ok(r.in_max_prom == (double)peak * F, "30-minute lines: inMaxProm the lines' largest peak");
	free(fine);
	/* a partial line weighs what it covers; a 2-hour line makes the day a 2-hour one */
	coarse[0] = (sb_mrtg_line){{0, 600, 0, 600, 0}, SB_MRTG_RES_30MIN, 600, 0};
	coarse[1] = (sb_mrtg_line){{0, 7800, 0, 7800, 0}, SB_MRTG_RES_2HOUR, 7200, 0};
	sb_summary_compute_lines(&traffic, coarse, 2, 0, 0, F, &r);
	ok(r.in_prom == (600.0 * 600 + 7800.0 * 7200) / 7800 * F,
	   "weighted by the seconds each line covers (%.17g)", r.in_prom);
	ok(r.samples == 26 && r.resolution == SB_MRTG_RES_2HOUR && !r.has_use,
	   "26 intervals, resolution 2 hours, no use without capacity");
	sb_mrtg_line ipl[] = {{{0, 10, 10, 12, 12}, SB_MRTG_RES_1DAY, 86400, 0},
			      {{0, 11, 11, 11, 11}, SB_MRTG_RES_1DAY, 86400, 0}};
	sb_summary_compute_lines(&counts, ipl, 2, 0, 0, F, &r);
	ok(r.in_prom == 10 && r.in_max_prom == 12 && r.out_prom == 0 && r.use == 0,
	   "IPBRAS from 1-day lines: 10.5 rounds half to even, the max, zeros");

	/* Files: write, read back exactly. */
	char dir[256];
	ok(tap_tempdir(dir, sizeof(dir), "summary"), "temp dir");
	sb_summary_row rows[2];
	sb_summary_compute(&traffic, v, 3, 10, 1, F, &rows[0]);
	rows[0].name = "R1 GI0/0/1 - A";
	rows[0].type = "CISCO";
	sb_summary_compute(&traffic, v, 3, 0, 0, F, &rows[1]);
	rows[1].name = "R2\tTAB";
	rows[1].type = "HUAWEI";
	sb_err err = {0};
	is_int(sb_summary_write(dir, "2026-11-20", "BORDE", rows, 2, &err), SB_OK,
	       "summary written");
	char *path = sb_summary_path(dir, "2026-11-20", "BORDE");
	sb_summary_file f;
	is_int(sb_summary_read(path, &f, &err), SB_OK, "summary read back");
	is_int(f.n, 2, "two rows");
	is_str(f.layer, "BORDE", "layer kept");
	is_str(f.rows[0].date, "2026-11-20", "date kept");
	is_str(f.rows[0].name, "R1 GI0/0/1 - A", "name kept");
	ok(f.rows[0].in_prom == rows[0].in_prom && f.rows[0].use == rows[0].use,
	   "numbers round-trip exactly");
	ok(!f.rows[1].has_use, "a null use stays null");
	is_str(f.rows[1].name, "R2 TAB", "a tab inside a name cannot break the row");
	is_int(f.rows[0].samples, 3, "sample count kept");
	is_int(f.rows[0].resolution, SB_MRTG_RES_5MIN, "5-minute summaries");
	sb_summary_file_free(&f);
	char head[64] = "";
	FILE *hf = fopen(path, "r");
	if (hf != NULL && fgets(head, sizeof(head), hf) == NULL)
		head[0] = '\0';
	if (hf != NULL)
		fclose(hf);
	is_str(head, "#scanbackup-summary\t1\tBORDE\t2026-11-20\n",
	       "5-minute summaries only: a version 1 file, as earlier versions write it");

	/* a coarser summary: version 2, with the resolution */
	rows[1].resolution = SB_MRTG_RES_1DAY;
	rows[1].samples = 288;
	is_int(sb_summary_write(dir, "2026-11-20", "BORDE", rows, 2, &err), SB_OK,
	       "coarser summary written");
	is_int(sb_summary_read(path, &f, &err), SB_OK, "and read back");
	ok(f.n == 2 && f.rows[0].resolution == SB_MRTG_RES_5MIN &&
		   f.rows[1].resolution == SB_MRTG_RES_1DAY && f.rows[1].samples == 288,
	   "each row keeps its resolution");
	sb_summary_file_free(&f);
	FILE *r2 = fopen(path, "w");
	fputs("#scanbackup-summary\t2\tBORDE\t2026-11-20\n#name\n"
	      "R1\tCISCO\t10\t1\t1\t1\t1\t1\t288\t600\n",
	      r2);
	fclose(r2);
	sb_err_clear(&err);
	is_int(sb_summary_read(path, &f, &err), SB_EPARSE, "a resolution MRTG has not is refused");
	ok(strstr(err.msg, "BORDE.tsv:3:") != NULL && strstr(err.msg, "86400") != NULL,
	   "the message names the line and the resolutions: %s", err.msg);
	rows[1].resolution = 0;
	sb_summary_write(dir, "2026-11-20", "BORDE", rows, 2, &err);

	FILE *bad = fopen(path, "a");
	fputs("broken line\n", bad);
	fclose(bad);
	sb_err_clear(&err);
	is_int(sb_summary_read(path, &f, &err), SB_EPARSE, "a malformed row is refused");
	ok(strstr(err.msg, "BORDE.tsv:5:") != NULL, "the message names file and line: %s", err.msg);
	FILE *nul = fopen(path, "w");
	fputs("#scanbackup-summary\t1\tBORDE\t2026-11-20\n#name\n", nul);
	fputc('\0', nul);
	fputs("R1\tCISCO\t10\t1\t1\t1\t1\t1\t288\n", nul);
	fclose(nul);
	sb_err_clear(&err);
	is_int(sb_summary_read(path, &f, &err), SB_EPARSE,
	       "a file with a NUL byte is refused, not cut short");
	ok(strstr(err.msg, "NUL byte at offset 45") != NULL, "the message says where: %s", err.msg);
	unlink(path);
	free(path);
	ok(tap_rmtree(dir), "temp dir removed");
	return tap_done();
}
