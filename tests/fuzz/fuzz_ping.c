/* fuzz_ping.c - libFuzzer target: the ping output parser, its counts and RTTs, capped or not. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "base/stats.h"
#include "fuzz.h"
#include <scanbackup/probes.h>

#define SB_FUZZ_MAX_RTTS 64

static void check_result(int rc, const double *rtts, size_t max, size_t nrtt, int sent,
			 int received)
{
	SB_FUZZ_CHECK(rc == SB_OK || rc == SB_EPARSE);
	SB_FUZZ_CHECK(nrtt <= max);
	for (size_t i = 0; i < nrtt; i++)
		SB_FUZZ_CHECK(isfinite(rtts[i]) && rtts[i] >= 0);
	if (rc == SB_OK)
		SB_FUZZ_CHECK(0 <= received && received <= sent);
	else
		SB_FUZZ_CHECK(sent == 0 && received == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = sb_fuzz_cstr(data, size);

	/* room for every reply a short run could print, and a sentinel the parser must not touch */
	double rtts[SB_FUZZ_MAX_RTTS + 1];
	rtts[SB_FUZZ_MAX_RTTS] = -42;
	size_t nrtt = 0;
	int sent = -1, received = -1;
	int rc = sb_ping_parse(s, rtts, SB_FUZZ_MAX_RTTS, &nrtt, &sent, &received);
	check_result(rc, rtts, SB_FUZZ_MAX_RTTS, nrtt, sent, received);
	SB_FUZZ_CHECK(rtts[SB_FUZZ_MAX_RTTS] == -42);

	/* a cap of 0 to 3 drawn from the input, in an exactly sized buffer (ASan sees an overrun):
	 * the same counts and the first RTTs */
	size_t max = size > 0 ? data[0] % 4 : 0;
	double *few = sb_xmalloc(max * sizeof(*few));
	size_t nfew = 0;
	int sent2 = -1, received2 = -1;
	int rc2 = sb_ping_parse(s, few, max, &nfew, &sent2, &received2);
	check_result(rc2, few, max, nfew, sent2, received2);
	SB_FUZZ_CHECK(rc2 == rc && sent2 == sent && received2 == received);
	SB_FUZZ_CHECK(nfew == (nrtt < max ? nrtt : max));
	SB_FUZZ_CHECK(nfew == 0 || memcmp(few, rtts, nfew * sizeof(*few)) == 0);
	free(few);

	/* the record's RTT, their median, lies within the RTTs */
	if (nrtt > 0) {
		double lo = rtts[0], hi = rtts[0];
		for (size_t i = 1; i < nrtt; i++) {
			lo = rtts[i] < lo ? rtts[i] : lo;
			hi = rtts[i] > hi ? rtts[i] : hi;
		}
		double m = sb_stats_median_dbl(rtts, nrtt);
		SB_FUZZ_CHECK(m >= lo && m <= hi);
	}
	free(s);
	return 0;
}
