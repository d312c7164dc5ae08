/* module.h - the module ABI: the one descriptor a module exports, its hooks, and the loader.
 *
 * A module is a shared object in the modules directory exporting exactly one symbol:
 *
 *     const sb_module_def sb_module = {
 *             SB_MODULE_HEADER,
 *             .name = "borde",
 *             .kind = SB_KIND_LAYER,
 *             .schema = &(const sb_schema){ ... },
 *     };
 *
 * The loader checks abi and signature before it reads anything else, and refuses a module built
 * against another ABI with a message naming the file and both versions.
 *
 * Hooks, in the order they run for a layer module during `scanbackup scan`:
 *   init  (MAY)  once after loading; a non-zero return disables the module for this run.
 *   fetch (MAY)  once per interface; describes the request (sb_job_set_url). NULL: the core
 *                default, the source URL with .html turned into .log, scheme-less paths resolved
 *                against the root directory as file:// URLs.
 *   parse (MAY)  with each piece of the body as it streams in. NULL: the core MRTG parser
 *                (sb_job_mrtg_feed). Return 0 for more, 1 when nothing more is needed, <0 error.
 *   store (MAY)  reserved for modules whose rows do not fit their schema; NULL: the core store.
 *   fini  (MAY)  once before unloading.
 * Hooks never block on the network: the core runs every transfer. A layer module that sets no hook
 * is a descriptor and nothing else.
 *
 * A probe module (kind SB_KIND_PROBE, loaded by the monitor when monitor.json names it as a test)
 * uses two more fields; its schema, fetch, parse and store stay NULL:
 *   params (MAY)  the parameters the test takes, a table ended by an entry with a NULL name. The
 *                 core validates tests.<name> against it when the config is (re)loaded: an
 *                 unknown key, a wrong type or a value out of range refuses the whole file, with
 *                 the key named. Every parameter may be overridden per link as <param>_<link id>.
 *                 NULL: the test takes only the core's own "interval".
 *   probe (MUST)  on the monitor's event-loop thread, once per enabled link at each run of the
 *                 test (every "interval" seconds, on a grid of multiples of it), to test one link.
 *                 It MUST NOT block: it starts the work with the core's services of probe.h
 *                 (timers, fd watches, child processes, HTTP) and returns; the callbacks run later
 *                 on the same thread. The probe ends with sb_probe_done (after writing its record
 *                 with sb_probe_put_*) or sb_probe_fail, possibly inside probe itself. A non-zero
 *                 return means it failed to start (the core ends it and logs the code).
 *                 A probe still running at its deadline (2 x interval, at least 10 s) or at a
 *                 forced shutdown is cancelled: the core releases everything it handed out and
 *                 calls the data's free function (sb_probe_set_data); the module hears nothing else.
 *   init / fini (MAY) when the module is loaded / unloaded (a test added / removed).
 * Probes are thereby one thread, no thread per link: a thousand links cost a thousand small
 * records and sockets, not a thousand stacks. */
#ifndef SB_PLUGIN_MODULE_H
#define SB_PLUGIN_MODULE_H

#include <stddef.h>
#include <stdint.h>

#include "base/sb.h"
#include "format/sources.h"
#include "store/schema.h"

/* Bump when the descriptor, sb_schema or a hook signature changes meaning. Never reuse a number. */
#define SB_MODULE_ABI 1

typedef enum sb_module_kind {
	SB_KIND_LAYER = 1, /* a BBIP layer collected from MRTG logs */
	SB_KIND_PROBE = 2  /* an active probe of the monitor */
} sb_module_kind;

/* Opaque per-interface work item handed to the hooks. */
typedef struct sb_job sb_job;

/* Opaque: one run of a probe test on one link (see probe.h). */
typedef struct sb_probe sb_probe;

/* The type of a probe parameter. */
typedef enum sb_param_type {
	SB_PARAM_INT = 1,    /* a whole number (a JSON number without fraction) */
	SB_PARAM_NUMBER = 2, /* any number */
	SB_PARAM_STRING = 3, /* a string of at most max bytes (max 0: 1024) */
	SB_PARAM_BOOL = 4    /* true or false */
} sb_param_type;

/* One parameter of a probe test: name, type, default as plain text ("3", "1.5", "/", "true";
 * NULL: required), inclusive range of a number. Static constants of the module. */
typedef struct sb_probe_param {
	const char *name;
	sb_param_type type;
	const char *def;
	double min, max;
	const char *help; /* one line for messages */
} sb_probe_param;

typedef struct sb_module_def sb_module_def;

struct sb_module_def {
	uint32_t abi;       /* SB_MODULE_ABI the module was built with */
	uint32_t signature; /* SB_MODULE_SIGNATURE the module was built with */
	const char *name;   /* unique, lower case: "borde" */
	sb_module_kind kind;
	const sb_schema *schema; /* layer modules: MUST; probes: NULL */
	const char *description; /* one line for `scanbackup modules` */

	int (*init)(const sb_module_def *self);
	void (*fini)(const sb_module_def *self);
	int (*fetch)(sb_job *job);
	int (*parse)(sb_job *job, const char *buf, size_t len);
	int (*store)(sb_job *job);

	const sb_probe_param *params; /* probes: MAY (see above) */
	int (*probe)(sb_probe *p);    /* probes: MUST (see above) */

	void *reserved[6]; /* for hooks of later ABI versions: leave zero */
};

/* Sizes of the types a module shares with the core: a module compiled against other headers of
 * the same ABI number (a local edit, another compiler's layout) is still refused. */
#define SB_MODULE_SIGNATURE                                                                        \
	((uint32_t)(sizeof(sb_module_def) << 20 ^ sizeof(sb_schema) << 10 ^                        \
		    sizeof(sb_source) << 4 ^ sizeof(void *)))

#define SB_MODULE_HEADER .abi = SB_MODULE_ABI, .signature = SB_MODULE_SIGNATURE

/* Job accessors for hooks (exported by the core). */
/* The interface this job collects; owned by the core. */
const sb_source *sb_job_source(const sb_job *job);
/* The layer module that runs the job. */
const sb_module_def *sb_job_module(const sb_job *job);
/* Replaces the URL to fetch (copied). Returns SB_OK. */
int sb_job_set_url(sb_job *job, const char *url);
/* The core MRTG parser over this job's target day: same contract as the parse hook. */
int sb_job_mrtg_feed(sb_job *job, const char *buf, size_t len);

/* A loaded module. */
typedef struct sb_loaded_module {
	const sb_module_def *def;
	char *path;   /* file it was loaded from */
	void *handle; /* lt_dlhandle */
	int enabled;  /* 0 when init failed */
} sb_loaded_module;

typedef struct sb_modules {
	sb_loaded_module *v;
	size_t n;
} sb_modules;

/* Called for each module that is refused or disabled; the message names the file and the cause. */
typedef void (*sb_module_warn_fn)(void *ctx, const char *path, int code, const char *msg);

/* Loads every module (.la or .so, regular files only) in dir, checking ABI and signature first,
 * refusing duplicates, a missing sb_module symbol, a NULL name or an unknown kind; runs init and
 * disables a module whose init fails. Refusals go to warn; the others are loaded. Returns SB_OK
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

/* The schemas of the enabled layer modules (array owned by the caller, entries by the modules). */
const sb_schema **sb_layer_schemas(sb_modules *mods, size_t *n);

/* The human name of a kind: "layer" or "probe". */
const char *sb_module_kind_name(sb_module_kind kind);

#endif
