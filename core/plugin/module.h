/* module.h - the module loader: loaded modules, loading and unloading, layer iteration.
 *
 * The ABI itself (the descriptor, its hooks, what a module may call) is the public SDK,
 * include/scanbackup/ (docs/modules.md); this header adds what only the core uses. */
#ifndef SB_PLUGIN_MODULE_H
#define SB_PLUGIN_MODULE_H

#include <stddef.h>
#include <stdint.h>

#include <scanbackup/scanbackup.h>

#include "base/sb.h"
#include "format/record.h"

/* A loaded module. */
typedef struct sb_loaded_module {
	const sb_module_def *def;
	char *path;       /* file it was loaded from */
	void *handle;     /* lt_dlhandle */
	int enabled;      /* 0 when init failed */
	sb_rec_decl *rec; /* a probe's record, checked when it was loaded (a reference) */
} sb_loaded_module;

typedef struct sb_modules {
	sb_loaded_module *v;
	size_t n;
} sb_modules;

/* Called for each module that is refused or disabled; the message names the file and the cause. */
typedef void (*sb_module_warn_fn)(void *ctx, const char *path, int code, const char *msg);

/* Loads every module (.la or .so, regular files only) in dir, checking ABI and signature first,
 * refusing duplicates (a name, or a record tag, already taken), a missing sb_module symbol, a NULL
 * name, an unknown kind, a probe without a probe hook or with a malformed record declaration
 * (format/record.h); runs init and disables a module whose init fails. Refusals go to warn; the others are loaded. Returns SB_OK
 * (even if some were refused), or SB_ENOTFOUND / SB_EIO when dir cannot be read (err filled).
 * Not thread-safe (libltdl). */
int sb_modules_load(const char *dir, sb_modules *out, sb_module_warn_fn warn, void *ctx,
		    sb_err *err);

/* Loads one module by name ("ping") from dir; same checks. */
int sb_module_load_one(const char *dir, const char *name, sb_loaded_module *out, sb_err *err);

/* Runs fini and unloads one module. */
void sb_module_unload(sb_loaded_module *m);

/* Finds an enabled module by name (case-insensitive), or NULL. */
sb_loaded_module *sb_modules_find(sb_modules *mods, const char *name);

/* Runs fini, unloads everything and frees the list. */
void sb_modules_free(sb_modules *mods);

/* Which layers a stage works on: NULL or empty = every enabled layer module. */
typedef struct sb_layer_filter {
	const char *names[16];
	size_t n;
} sb_layer_filter;

/* 1 if layer passes the filter (case-insensitive). */
int sb_layer_selected(const sb_layer_filter *f, const char *layer);

/* The one walk over the layers: the enabled layer modules of mods that pass f (NULL or empty:
 * every one), in load order, as
 *     const sb_loaded_module *m;
 *     for (size_t i = 0; (m = sb_layers_next(mods, f, &i)) != NULL;)
 * *i is where the search goes on (0 to start); the module returned is mods->v[*i - 1]. */
const sb_loaded_module *sb_layers_next(const sb_modules *mods, const sb_layer_filter *f, size_t *i);

/* The enabled layer module of the layer named layer (case-insensitive), or NULL. */
const sb_loaded_module *sb_layer_find(const sb_modules *mods, const char *layer);

/* The schemas of the enabled layer modules (array owned by the caller, entries by the modules). */
const sb_schema **sb_layer_schemas(sb_modules *mods, size_t *n);

/* The record declarations of the probe modules of mods (enabled or not): a new set (the caller
 * frees it). */
sb_rec_set *sb_modules_records(const sb_modules *mods);

/* Reads the record declaration of every probe module in dir into set, running no module code
 * (no init): each is opened, checked, its declaration copied, and closed again. Refusals go to
 * warn as for sb_modules_load. Not thread-safe (libltdl). */
int sb_modules_scan_records(const char *dir, sb_rec_set *set, sb_module_warn_fn warn, void *ctx,
			    sb_err *err);

/* The human name of a kind: "layer" or "probe". */
const char *sb_module_kind_name(sb_module_kind kind);

#endif
