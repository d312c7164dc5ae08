/* schema.h - what a layer's samples look like and where they are stored: sb_schema, which a layer
 * module declares, is part of the SDK (scanbackup/layer.h); the store reads nothing else of it. */
#ifndef SB_STORE_SCHEMA_H
#define SB_STORE_SCHEMA_H

#include <scanbackup/layer.h>

#endif
