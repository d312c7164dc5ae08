/* crc32_test.c - the spool's CRC-32 is zlib's: every length from 0 to 1,100 at every alignment
 * of 0 to 15, random lengths up to 64 KB from random starting values, made in random parts. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "format/crc32.h"
#include "tap.h"

int main(void)
{
	uint64_t rnd = 0x2545f4914f6cdd1dull;
	enum { MAX = 65536 + 16 };
	unsigned char *buf = malloc(MAX);
	if (buf == NULL)
		return 1;
	for (size_t i = 0; i < MAX; i++)
		buf[i] = (unsigned char)tap_rnd(&rnd);

	/* known values: the CRC-32 check value, and nothing */
	ok(sb_crc32(0, "123456789", 9) == 0xcbf43926u, "\"123456789\" gives CRC-32's check value");
	ok(sb_crc32(0, "", 0) == 0 && sb_crc32(0x1234u, "", 0) == 0x1234u, "nothing adds nothing");
	static const char fox[] = "The quick brown fox jumps over the lazy dog. "
				  "The quick brown fox jumps over the lazy dog.";
	ok(sb_crc32(0, fox, strlen(fox)) == (uint32_t)crc32_z(0, (const Bytef *)fox, strlen(fox)),
	   "%zu bytes of text (the folded path) as zlib", strlen(fox));

	int bad = 0;
	for (size_t len = 0; len <= 1100; len++)
		for (size_t off = 0; off < 16; off++) {
			uint32_t want = (uint32_t)crc32_z(0, buf + off, len);
			if (sb_crc32(0, buf + off, len) != want && bad++ < 5)
				printf("#   length %zu at offset %zu differs\n", len, off);
		}
	ok(bad == 0, "every length 0..1100 at offsets 0..15 as zlib (%d differ)", bad);

	bad = 0;
	for (int i = 0; i < 2000; i++) {
		size_t len = (size_t)(tap_rnd(&rnd) % 65536), off = (size_t)(tap_rnd(&rnd) % 16);
		uint32_t from = (uint32_t)tap_rnd(&rnd);
		if (sb_crc32(from, buf + off, len) != (uint32_t)crc32_z(from, buf + off, len) &&
		    bad++ < 5)
			printf("#   length %zu from %08x differs\n", len, (unsigned)from);
	}
	ok(bad == 0, "2,000 random lengths up to 64 KB from random values as zlib (%d differ)",
	   bad);

	bad = 0;
	for (int i = 0; i < 500; i++) {
		size_t len = (size_t)(tap_rnd(&rnd) % 20000),
		       cut = len ? (size_t)(tap_rnd(&rnd) % len) : 0;
		uint32_t whole = sb_crc32(0, buf, len);
		if (sb_crc32(sb_crc32(0, buf, cut), buf + cut, len - cut) != whole && bad++ < 5)
			printf("#   length %zu cut at %zu differs\n", len, cut);
	}
	ok(bad == 0, "made in two parts, the same as whole (%d differ)", bad);

	/* one bit changed anywhere changes it */
	size_t len = 17000;
	uint32_t base = sb_crc32(0, buf, len);
	bad = 0;
	for (size_t i = 0; i < len; i += 97) {
		buf[i] ^= 0x10;
		if (sb_crc32(0, buf, len) == base)
			bad++;
		buf[i] ^= 0x10;
	}
	ok(bad == 0, "a bit flipped anywhere in 17,000 bytes changes it (%d did not)", bad);
	free(buf);
	return tap_done();
}
