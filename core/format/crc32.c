/* crc32.c - CRC-32 (zlib's) folded with carry-less multiplication where the processor has it.
 *
 * A reflected CRC is the remainder of the message, as a polynomial over GF(2), times x^32 modulo
 * the CRC's polynomial P; only the message's class modulo P matters. Folding keeps that class
 * while shortening the message: a 128-bit block followed by D bits is taken away and added, as
 * its two 64-bit halves multiplied (carry-less) by powers of x modulo P, to the block D bits
 * further on. Four blocks are folded 512 bits a step (four independent multiplications in
 * flight), then into one block 128 bits a step; what is left, the last block and fewer than 16
 * bytes behind it, is a message of at most 32 bytes with the whole message's remainder, which
 * zlib's tables finish. The constants are x^(D+32) and x^(D-32) modulo P (for the block's first
 * and second halves), bit-reflected in 33 bits as PCLMULQDQ's operands are; crc32_test checks the
 * result against zlib's over every length from 0 to 1,100 and random ones. */
#include "config.h"

#include "format/crc32.h"

#include <string.h>
#include <zlib.h>

#include "base/cpu.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define SB_CRC32_CLMUL 1
#endif

/* zlib's own, for short input and processors without the instruction. */
static uint32_t sb_crc32_table(uint32_t crc, const unsigned char *p, size_t len)
{
	return (uint32_t)crc32_z(crc, p, len);
}

#ifdef SB_CRC32_CLMUL

#define SB_CRC32_TARGET __attribute__((target("pclmul,sse2")))

/* Four blocks ahead: x^(512-32) modulo P for a block's second half (the high quadword), x^(512+32)
 * for its first (reflected, 33 bits). */
#define SB_CRC32_K512_HI 0x1c6e41596ull
#define SB_CRC32_K512_LO 0x154442bd4ull
/* One block ahead: x^(128-32) and x^(128+32) modulo P. */
#define SB_CRC32_K128_HI 0x0ccaa009eull
#define SB_CRC32_K128_LO 0x1751997d0ull

SB_CRC32_TARGET static __m128i sb_crc32_load(const unsigned char *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* x carried k's distance ahead and added to the block there. */
SB_CRC32_TARGET static __m128i sb_crc32_fold(__m128i x, __m128i k, __m128i next)
{
	__m128i lo = _mm_clmulepi64_si128(x, k, 0x00), hi = _mm_clmulepi64_si128(x, k, 0x11);
	return _mm_xor_si128(_mm_xor_si128(lo, hi), next);
}

/* len >= 64. */
SB_CRC32_TARGET static uint32_t sb_crc32_clmul(uint32_t crc, const unsigned char *p, size_t len)
{
	const __m128i k512 =
		_mm_set_epi64x((long long)SB_CRC32_K512_HI, (long long)SB_CRC32_K512_LO);
	const __m128i k128 =
		_mm_set_epi64x((long long)SB_CRC32_K128_HI, (long long)SB_CRC32_K128_LO);
	/* starting from crc is starting from 0 with ~crc added to the first four bytes */
	__m128i x0 = _mm_xor_si128(sb_crc32_load(p), _mm_cvtsi32_si128((int)~crc));
	__m128i x1 = sb_crc32_load(p + 16), x2 = sb_crc32_load(p + 32), x3 = sb_crc32_load(p + 48);
	for (p += 64, len -= 64; len >= 64; p += 64, len -= 64) {
		x0 = sb_crc32_fold(x0, k512, sb_crc32_load(p));
		x1 = sb_crc32_fold(x1, k512, sb_crc32_load(p + 16));
		x2 = sb_crc32_fold(x2, k512, sb_crc32_load(p + 32));
		x3 = sb_crc32_fold(x3, k512, sb_crc32_load(p + 48));
	}
	x0 = sb_crc32_fold(x0, k128, x1);
	x0 = sb_crc32_fold(x0, k128, x2);
	x0 = sb_crc32_fold(x0, k128, x3);
	for (; len >= 16; p += 16, len -= 16)
		x0 = sb_crc32_fold(x0, k128, sb_crc32_load(p));
	unsigned char rest[32];
	_mm_storeu_si128((__m128i *)(void *)rest, x0);
	memcpy(rest + 16, p, len);
	/* from 0 (zlib starts from ~crc) and complemented at the end, as zlib does */
	return sb_crc32_table(0xffffffffu, rest, 16 + len);
}

#endif

uint32_t sb_crc32(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
#ifdef SB_CRC32_CLMUL
	if (len >= 64 && sb_cpu_has(SB_CPU_PCLMUL))
		return sb_crc32_clmul(crc, p, len);
#endif
	return sb_crc32_table(crc, p, len);
}
