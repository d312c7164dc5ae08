/* cpu.c - the processor's features, from CPUID, asked once. */
#include "config.h"

#include "base/cpu.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>

static unsigned sb_cpu_features(void)
{
	unsigned a = 0, b = 0, c = 0, d = 0, f = 0;
	if (__get_cpuid(1, &a, &b, &c, &d)) {
		if (c & bit_SSSE3)
			f |= SB_CPU_SSSE3;
		if (c & bit_PCLMUL)
			f |= SB_CPU_PCLMUL;
	}
	return f;
}

/* CPUID is slow (in a virtual machine, a trap), so it is asked once; threads racing here store
 * the same answer, atomically. Bit 31 marks it known. */
static unsigned sb_cpu_known;

static unsigned sb_cpu_get(void)
{
	unsigned f = __atomic_load_n(&sb_cpu_known, __ATOMIC_RELAXED);
	if (f == 0) {
		f = sb_cpu_features() | 1u << 31;
		__atomic_store_n(&sb_cpu_known, f, __ATOMIC_RELAXED);
	}
	return f;
}

int sb_cpu_has(unsigned mask)
{
	return (sb_cpu_get() & mask) == mask;
}

void sb_cpu_disable(unsigned mask)
{
	sb_cpu_get();
	__atomic_fetch_and(&sb_cpu_known, ~mask, __ATOMIC_RELAXED);
}

#else

int sb_cpu_has(unsigned mask)
{
	(void)mask;
	return 0;
}

void sb_cpu_disable(unsigned mask)
{
	(void)mask;
}

#endif
