/* cpu.h - what the processor can do beyond its architecture's baseline, asked once: the hot
 * paths that have a faster way on some processors (the spool's CRC-32, the MRTG line's digits)
 * choose it at run time, so one build runs everywhere. */
#ifndef SB_BASE_CPU_H
#define SB_BASE_CPU_H

enum {
	SB_CPU_SSSE3 = 1u << 0,  /* x86-64: byte shuffles and multiply-adds (PSHUFB, PMADDUBSW) */
	SB_CPU_PCLMUL = 1u << 1, /* x86-64: carry-less multiplication (PCLMULQDQ) */
};

/* 1 when the processor has every feature in mask (SB_CPU_*); always 0 on other architectures. */
int sb_cpu_has(unsigned mask);

/* Turns the features in mask off for the rest of the process, so that the portable paths can be
 * checked on any processor (the unit tests). */
void sb_cpu_disable(unsigned mask);

#endif
