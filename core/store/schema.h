/* schema.h - what a layer's samples look like and where they are stored (DESIGN §4 names). */
#ifndef SB_STORE_SCHEMA_H
#define SB_STORE_SCHEMA_H

/* A layer's storage schema. Every string is a static constant. */
typedef struct sb_schema {
	const char *layer;      /* "BORDE": sources/SCAN/<layer>, data/SCAN/<layer>, typeLayer */
	const char *table;      /* "BORDE_HISTORY" */
	const char *key;        /* interface field: "name", or "brasname" for IPBRAS */
	const char *index_stem; /* "borde" -> unique_borde_index, borde_by_date_index; "ip_bras" */
	int in_only;            /* 1: only inProm and inMaxProm (counts, IPBRAS); 0: traffic */
} sb_schema;

#endif
