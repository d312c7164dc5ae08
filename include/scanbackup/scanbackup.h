/* scanbackup/scanbackup.h - the SDK's one header a module includes: the descriptor it exports,
 * its hooks and the ABI checks (the other headers of this folder come with it).
 *
 * A module is a shared object in the modules directory (`pkg-config --variable=moduledir
 * scanbackup`, or MODULES_DIR) exporting exactly one symbol, its descriptor:
 *
 *     #include <scanbackup/scanbackup.h>
 *
 *     const sb_module_def sb_module = {
 *             SB_MODULE_HEADER,
 *             .name = "borde",
 *             .kind = SB_KIND_LAYER,
 *             .schema = &(const sb_schema){ ... },
 *     };
 *
 * The loader checks abi and signature before it reads anything else, and refuses a module built
 * against another ABI or other headers with a message naming the file and both values.
 *
 * Hooks, in the order they run for a layer module during `scanbackup scan`:
 *   init  (MAY)  once after loading (a module loaded again while it is loaded shares its state
 *                and is not initialised again); a non-zero return disables the module for this
 *                run (shown by `scanbackup modules`; the other modules run).
 *   fetch (MAY)  once per interface, before anything is sent: describes the request with the
 *                sb_job_set_* / sb_job_add_header calls of layer.h (URL, header lines, a byte
 *                range, a POST body, whether the SCAN credentials go with it). NULL: a GET of the
 *                source URL with .html turned into .log (a path without scheme is a file under
 *                the root directory). A non-zero return fails this interface only.
 *   parse (MAY)  with each piece of the body as it streams in (any split: lines may span
 *                pieces), then once more with buf NULL and len 0 when the body has ended, so a
 *                last line without newline can be read. It hands the samples of the day to the
 *                core with sb_job_put_sample (or feeds sb_job_mrtg_feed). Return 0 for more, 1
 *                when nothing more is needed (the transfer stops; the end call still comes), <0
 *                an SB_ error (the interface fails; nothing of it is spooled). A retried transfer
 *                starts over: the samples put so far are dropped and the job's data freed. NULL:
 *                the core MRTG parser (sb_job_mrtg_feed).
 *   fini  (MAY)  once before unloading, after the last load of the module ended.
 * The core runs every transfer, spools the samples, summarises and stores them in the table the
 * schema names: a layer has no store hook (ABI 1 had one, never called; ABI 2 removed it). Hooks
 * never block on the network. A layer module that sets no hook is a descriptor and nothing else
 * (scanbackup/layer.h has what its hooks may call).
 *
 * A probe module (kind SB_KIND_PROBE, loaded by the monitor when monitor.json names it as a test)
 * uses three more fields; its schema, fetch and parse stay NULL (scanbackup/probes.h has what
 * it may call):
 *   record (MUST) what one run writes: its fields, their types and units, which field says the
 *                 link is up and which is the run's value (sb_probe_record). The core stores,
 *                 sends, charts and reports it without knowing the test. A malformed record
 *                 refuses the module, naming its file.
 *   params (MAY)  the parameters the test takes, a table ended by an entry with a NULL name. The
 *                 core validates tests.<name> against it when the config is (re)loaded: an
 *                 unknown key, a wrong type or a value out of range refuses the whole file, with
 *                 the key named. Every parameter may be overridden per link as <param>_<link id>.
 *                 NULL: the test takes only the core's own "interval".
 *   probe (MUST)  on the monitor's event-loop thread, once per enabled link at each run of the
 *                 test (every "interval" seconds, on a grid of multiples of it), to test one link.
 *                 It MUST NOT block: it starts the work with the core's services (timers, fd
 *                 watches, child processes, HTTP) and returns; the callbacks run later on the
 *                 same thread. The probe ends with sb_probe_done (after writing its record with
 *                 sb_probe_set_* and sb_probe_put) or sb_probe_fail, possibly inside probe itself. A non-zero
 *                 return means it failed to start (the core ends it and logs the code).
 *                 A probe still running at its deadline (2 x interval, at least 10 s) or at a
 *                 forced shutdown is cancelled: the core releases everything it handed out and
 *                 calls the data's free function (sb_probe_set_data); the module hears nothing else.
 *   init / fini (MAY) when the module is loaded / unloaded (a test added / removed). A test
 *                 removed and added back while its probes still run loads the module twice: the
 *                 second load shares the first's state, init runs at the first, fini after
 *                 the last. */
#ifndef SCANBACKUP_SCANBACKUP_H
#define SCANBACKUP_SCANBACKUP_H

#include <stddef.h>
#include <stdint.h>

#include <scanbackup/common.h>
#include <scanbackup/layer.h>
#include <scanbackup/probes.h>

/* The ABI number. Bumped when the meaning of the descriptor, of a hook or of a struct shared
 * with a module changes, or when an SDK function changes or goes (docs/modules.md says which
 * changes bump it). Never reused. */
#define SB_MODULE_ABI 3

typedef enum sb_module_kind {
	SB_KIND_LAYER = 1, /* a layer: one time series per interface of sources/SCAN/<LAYER> */
	SB_KIND_PROBE = 2  /* an active probe of the monitor */
} sb_module_kind;

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

	const sb_probe_param *params;  /* probes: MAY (see above) */
	int (*probe)(sb_probe *p);     /* probes: MUST (see above) */
	const sb_probe_record *record; /* probes: MUST (see above) */

	void *reserved[6]; /* for hooks of later ABI versions: leave zero */
};

/* The signature: an FNV-style hash of the size of every struct a module shares with the core,
 * one step per struct. A module compiled against headers of the same ABI number whose shared
 * structs differ in size (a local edit, another compiler's layout, a 32-bit build) is refused.
 * A struct that joins the ABI gets a step here (and the ABI number is bumped). */
#define SB_SIG_MIX(h, v) ((uint32_t)(((uint32_t)(h) ^ (uint32_t)(v)) * UINT32_C(16777619)))
#define SB_SIG_0 SB_SIG_MIX(UINT32_C(2166136261), sizeof(void *))
#define SB_SIG_1 SB_SIG_MIX(SB_SIG_0, sizeof(sb_module_kind))
#define SB_SIG_2 SB_SIG_MIX(SB_SIG_1, sizeof(sb_module_def))
#define SB_SIG_3 SB_SIG_MIX(SB_SIG_2, sizeof(sb_schema))
#define SB_SIG_4 SB_SIG_MIX(SB_SIG_3, sizeof(sb_probe_param))
#define SB_SIG_5 SB_SIG_MIX(SB_SIG_4, sizeof(sb_probe_http_result))
#define SB_SIG_6 SB_SIG_MIX(SB_SIG_5, sizeof(sb_sample))
#define SB_SIG_7 SB_SIG_MIX(SB_SIG_6, sizeof(sb_field_type))
#define SB_SIG_8 SB_SIG_MIX(SB_SIG_7, sizeof(sb_probe_field))
#define SB_SIG_9 SB_SIG_MIX(SB_SIG_8, sizeof(sb_probe_record))
#define SB_MODULE_SIGNATURE SB_SIG_9

/* The first fields of every descriptor. */
#define SB_MODULE_HEADER .abi = SB_MODULE_ABI, .signature = SB_MODULE_SIGNATURE

/* The descriptor a module defines: exported even when the module is compiled with
 * -fvisibility=hidden. */
extern SB_API const sb_module_def sb_module;

#endif
