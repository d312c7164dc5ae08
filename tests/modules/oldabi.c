/* oldabi.c - a layer module of ABI 1, whose descriptor still had a store hook (this one aborts):
 * ABI 2 removed the hook, so the loader must refuse the module before any hook could run. The
 * descriptor is laid out as ABI 1 had it. */
#include <stdlib.h>

#include <scanbackup/layer.h>
#include <scanbackup/probes.h>

typedef struct sb_module_def_abi1 {
	uint32_t abi, signature;
	const char *name;
	int kind;
	const sb_schema *schema;
	const char *description;
	int (*init)(const void *self);
	void (*fini)(const void *self);
	int (*fetch)(sb_job *job);
	int (*parse)(sb_job *job, const char *buf, size_t len);
	int (*store)(sb_job *job);
	const sb_probe_param *params;
	int (*probe)(sb_probe *p);
	void *reserved[6];
} sb_module_def_abi1;

static int oldabi_store(sb_job *job)
{
	(void)job;
	abort();
}

static const sb_schema oldabi_schema = {"OLDABI", "OLDABI_HISTORY", "name", "oldabi", 0};

/* scanbackup.h would declare sb_module with the ABI 2 type: it is not included. */
SB_API const sb_module_def_abi1 sb_module = {
	.abi = 1,
	.signature = 0,
	.name = "oldabi",
	.kind = 1, /* a layer */
	.schema = &oldabi_schema,
	.store = oldabi_store,
};
