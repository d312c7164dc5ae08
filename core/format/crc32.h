/* crc32.h - the spool records' checksum: CRC-32 as zlib's crc32() computes it (the polynomial of
 * gzip, PNG and Ethernet), folded 64 bytes a step with carry-less multiplication (PCLMULQDQ) on
 * the x86-64 processors that have it, about three times faster than zlib's tables there. */
#ifndef SB_FORMAT_CRC32_H
#define SB_FORMAT_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32 of buf[0..len) continued from crc (0 to start), exactly zlib's crc32_z(crc, buf,
 * len): a checksum may be made in parts, and either program may check the other's. */
uint32_t sb_crc32(uint32_t crc, const void *buf, size_t len);

#endif
