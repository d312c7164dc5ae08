/* schema.h - what a layer's samples look like and where they are stored: sb_schema, which a layer
 * module declares, is part of the SDK (scanbackup/layer.h); the store reads nothing else of it.
 * Beside each layer's table of 5-minute samples, the store keeps one table per coarser resolution
 * of MRTG's consolidations (docs/data.md), named after the layer's. */
#ifndef SB_STORE_SCHEMA_H
#define SB_STORE_SCHEMA_H

#include <stdint.h>

#include <scanbackup/layer.h>

/* Resolutions of stored data, in seconds: the 5-minute samples and MRTG's three consolidations. */
#define SB_RES_5MIN 300
#define SB_RES_30MIN 1800
#define SB_RES_2HOUR 7200
#define SB_RES_1DAY 86400

/* The coarser resolutions, finest first. */
#define SB_COARSE_N 3
extern const int32_t sb_coarse_res[SB_COARSE_N];

/* The place of a coarser resolution in sb_coarse_res, -1 for any other value. */
int sb_coarse_index(int32_t res);

/* A short label of a resolution: "5 min", "30 min", "2 h", "1 day" (NULL for another value). */
const char *sb_res_label(int32_t res);

/* A layer's table of lines at one coarser resolution: <table>_30M, <table>_2H or <table>_1D
 * (BORDE_HISTORY_30M, IPBRAS_HISTORY_1D), with the layer's key and fields, the unique index
 * unique_<stem>_30m_index and the date index <stem>_30m_by_date_index (and _2h, _1d). schema
 * points into the struct itself: fill it in place with sb_schema_coarse and do not copy it. */
typedef struct sb_coarse_schema {
	sb_schema schema;
	char table[64], index_stem[64];
} sb_coarse_schema;

/* Fills out for layer's table at res (one of sb_coarse_res). Returns 0, or -1 for another res. */
int sb_schema_coarse(const sb_schema *layer, int32_t res, sb_coarse_schema *out);

#endif
