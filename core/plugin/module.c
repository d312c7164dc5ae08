/* module.c - the module loader: libltdl, ABI and signature checked before anything else. */
#include "config.h"

#include "plugin/module.h"

#include <dlfcn.h>
#include <errno.h>
#include <ltdl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/fsutil.h"

const char *sb_module_kind_name(sb_module_kind kind)
{
	switch (kind) {
	case SB_KIND_LAYER:
		return "layer";
	case SB_KIND_PROBE:
		return "probe";
	}
	return "unknown";
}

static int sb_ltdl_ready;

static int sb_ltdl_init(sb_err *err)
{
	if (sb_ltdl_ready)
		return SB_OK;
	if (lt_dlinit() != 0)
		return sb_err_set(err, SB_EMODULE, "libltdl: %s", lt_dlerror());
	sb_ltdl_ready = 1;
	return SB_OK;
}

/* libltdl reports only its last attempt ("file not found") when a library exists but cannot be
 * loaded, e.g. for an unresolved symbol. Loads the shared object itself once to get the dynamic
 * loader's own reason into buf. */
static void sb_module_diagnose(const char *file, char *buf, size_t size)
{
	char *so = NULL;
	size_t n = strlen(file);
	if (n > 3 && strcmp(file + n - 3, ".la") == 0) {
		char *text = NULL;
		if (sb_fs_read(file, 1 << 20, &text, NULL, NULL) == SB_OK) {
			char *dl = strstr(text, "\ndlname='");
			if (dl != NULL) {
				dl += 9;
				char *q = strchr(dl, '\'');
				if (q != NULL) {
					char *dir = sb_xstrndup(file, (size_t)(strrchr(file, '/') -
									       file));
					char *libs = sb_xasprintf("%s/.libs/%.*s", dir,
								  (int)(q - dl), dl);
					so = sb_fs_is_file(libs) ? libs
								 : sb_xasprintf("%s/%.*s", dir,
										(int)(q - dl), dl);
					if (so != libs)
						free(libs);
					free(dir);
				}
			}
			free(text);
		}
	} else {
		so = sb_xstrdup(file);
	}
	if (so == NULL)
		return;
	void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		snprintf(buf, size, "%s", dlerror());
	else
		dlclose(h);
	free(so);
}

/* Opens dir/base (base without extension), checks the descriptor and runs nothing. */
static int sb_module_open(const char *dir, const char *base, sb_loaded_module *m, sb_err *err)
{
	memset(m, 0, sizeof(*m));
	char *stem = sb_fs_join(dir, base);
	char *la = sb_xasprintf("%s.la", stem), *so = sb_xasprintf("%s.so", stem);
	const char *file = sb_fs_is_file(la) ? la : so;
	if (!sb_fs_is_file(file)) {
		int rc = sb_err_set(err, SB_ENOTFOUND, "%s: no module file %s.la or %s.so", dir,
				    base, base);
		free(stem), free(la), free(so);
		return rc;
	}
	m->path = sb_xstrdup(file);
	free(la), free(so);

	lt_dladvise advise;
	lt_dladvise_init(&advise);
	lt_dladvise_ext(&advise);
	lt_dladvise_local(&advise);
	lt_dlhandle h = lt_dlopenadvise(stem, advise);
	lt_dladvise_destroy(&advise);
	free(stem);
	if (h == NULL) {
		char why[512];
		snprintf(why, sizeof(why), "%s", lt_dlerror());
		sb_module_diagnose(m->path, why, sizeof(why));
		int rc = sb_err_set(err, SB_EMODULE, "%s: cannot load: %s", m->path, why);
		sb_free(m->path);
		return rc;
	}
	const sb_module_def *def = lt_dlsym(h, "sb_module");
	int rc = SB_OK;
	if (def == NULL)
		rc = sb_err_set(err, SB_EMODULE, "%s: no sb_module symbol: not a scanbackup module",
				m->path);
	else if (def->abi != SB_MODULE_ABI)
		rc = sb_err_set(err, SB_EABI,
				"%s: built for module ABI %u, this scanbackup has ABI %u: rebuild "
				"the module",
				m->path, (unsigned)def->abi, (unsigned)SB_MODULE_ABI);
	else if (def->signature != SB_MODULE_SIGNATURE)
		rc = sb_err_set(err, SB_EABI,
				"%s: ABI %u but signature %#x, this scanbackup has %#x: rebuild "
				"the module against these headers",
				m->path, (unsigned)def->abi, (unsigned)def->signature,
				(unsigned)SB_MODULE_SIGNATURE);
	else if (def->name == NULL || *def->name == '\0')
		rc = sb_err_set(err, SB_EMODULE, "%s: the descriptor has no name", m->path);
	else if (def->kind != SB_KIND_LAYER && def->kind != SB_KIND_PROBE)
		rc = sb_err_set(err, SB_EMODULE, "%s: unknown module kind %d", m->path,
				(int)def->kind);
	else if (def->kind == SB_KIND_LAYER &&
		 (def->schema == NULL || def->schema->layer == NULL || def->schema->table == NULL ||
		  def->schema->key == NULL))
		rc = sb_err_set(err, SB_EMODULE, "%s: a layer module needs a complete schema",
				m->path);
	else if (def->kind == SB_KIND_PROBE && def->probe == NULL)
		rc = sb_err_set(err, SB_EMODULE, "%s: a probe module needs a probe hook", m->path);
	else if (def->kind == SB_KIND_PROBE) {
		sb_err e = {0};
		if (sb_rec_decl_new(def->name, def->record, &m->rec, &e) != SB_OK)
			rc = sb_err_set(err, SB_EMODULE, "%s: %s: refused", m->path, e.msg);
	}
	if (rc != SB_OK) {
		lt_dlclose(h);
		sb_free(m->path);
		return rc;
	}
	m->def = def;
	m->handle = h;
	m->enabled = 1;
	return SB_OK;
}

/* The modules started, by descriptor. A file loaded again while it is loaded (a test removed,
 * its probes still running, and added back) is the same library, with the same state: init runs
 * at its first load and fini after its last unload, once each, as the SDK says. */
typedef struct sb_module_use {
	const sb_module_def *def;
	unsigned loads;
} sb_module_use;

static sb_module_use *sb_module_uses;
static size_t sb_module_nuses;
static pthread_mutex_t sb_module_uses_lock = PTHREAD_MUTEX_INITIALIZER;

static sb_module_use *sb_module_use_of(const sb_module_def *def)
{
	for (size_t i = 0; i < sb_module_nuses; i++)
		if (sb_module_uses[i].def == def)
			return &sb_module_uses[i];
	return NULL;
}

/* Runs init at a module's first load; a failing init disables the module (it stays listed). */
static int sb_module_start(sb_loaded_module *m, sb_err *err)
{
	pthread_mutex_lock(&sb_module_uses_lock);
	sb_module_use *u = sb_module_use_of(m->def);
	int rc = SB_OK;
	if (u != NULL) {
		u->loads++;
	} else {
		rc = m->def->init != NULL ? m->def->init(m->def) : SB_OK;
		if (rc == SB_OK) {
			sb_module_uses = sb_xrealloc(sb_module_uses, (sb_module_nuses +
								      1) * sizeof(*sb_module_uses));
			sb_module_uses[sb_module_nuses++] = (sb_module_use){m->def, 1};
		}
	}
	pthread_mutex_unlock(&sb_module_uses_lock);
	if (rc == SB_OK)
		return SB_OK;
	m->enabled = 0;
	return sb_err_set(err, SB_EMODULE, "%s: init of module %s failed (%d: %s): disabled",
			  m->path, m->def->name, rc, sb_strerror(rc < 0 ? rc : SB_EMODULE));
}

void sb_module_unload(sb_loaded_module *m)
{
	int last = 0;
	if (m->def != NULL && m->enabled) {
		pthread_mutex_lock(&sb_module_uses_lock);
		sb_module_use *u = sb_module_use_of(m->def);
		if (u != NULL && --u->loads == 0) {
			*u = sb_module_uses[--sb_module_nuses];
			last = 1;
		}
		if (sb_module_nuses == 0)
			sb_free(sb_module_uses);
		pthread_mutex_unlock(&sb_module_uses_lock);
	}
	if (last && m->def->fini != NULL)
		m->def->fini(m->def);
	if (m->handle != NULL)
		lt_dlclose(m->handle);
	m->handle = NULL;
	m->def = NULL;
	sb_rec_decl_unref(m->rec);
	m->rec = NULL;
	sb_free(m->path);
}

int sb_module_load_one(const char *dir, const char *name, sb_loaded_module *out, sb_err *err)
{
	int rc = sb_ltdl_init(err);
	if (rc != SB_OK)
		return rc;
	rc = sb_module_open(dir, name, out, err);
	if (rc != SB_OK)
		return rc;
	rc = sb_module_start(out, err);
	if (rc != SB_OK) {
		sb_module_unload(out);
		return rc;
	}
	return SB_OK;
}

static int sb_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A module file's name: <base>.la or <base>.so, base not empty. */
static int sb_module_file(const char *name)
{
	size_t len = strlen(name);
	return len >= 4 &&
	       (strcmp(name + len - 3, ".la") == 0 || strcmp(name + len - 3, ".so") == 0);
}

/* Module base names in dir: regular files (or links to one) ending in .la or .so, not hidden,
 * each name once, sorted. */
static int sb_module_names(const char *dir, char ***out, size_t *n, sb_err *err)
{
	const sb_fs_filter modules = {.type = SB_FS_FILE, .keep = sb_module_file};
	char **names = NULL;
	size_t count = 0;
	sb_err e = {0};
	int rc = sb_fs_list_filter(dir, &modules, &names, &count, &e);
	if (rc != SB_OK)
		return sb_err_set(err, rc, "modules directory %s", e.msg);
	for (size_t i = 0; i < count; i++)
		names[i][strlen(names[i]) - 3] = '\0';
	/* stripping the extensions can change the order: sort the bases again, so that the .la and
	 * the .so of one module are neighbours */
	if (count > 1)
		qsort(names, count, sizeof(*names), sb_cmp_str);
	size_t w = 0;
	for (size_t i = 0; i < count; i++) {
		if (w > 0 && strcmp(names[w - 1], names[i]) == 0)
			free(names[i]);
		else
			names[w++] = names[i];
	}
	*out = names;
	*n = w;
	return SB_OK;
}

int sb_modules_load(const char *dir, sb_modules *out, sb_module_warn_fn warn, void *ctx,
		    sb_err *err)
{
	out->v = NULL;
	out->n = 0;
	int rc = sb_ltdl_init(err);
	if (rc != SB_OK)
		return rc;
	char **names = NULL;
	size_t n = 0;
	rc = sb_module_names(dir, &names, &n, err);
	if (rc != SB_OK)
		return rc;
	out->v = sb_xcalloc(n, sizeof(*out->v));
	for (size_t i = 0; i < n; i++) {
		sb_err e = {0};
		sb_loaded_module m;
		if (sb_module_open(dir, names[i], &m, &e) != SB_OK) {
			if (warn != NULL)
				warn(ctx, names[i], e.code, e.msg);
			continue;
		}
		sb_loaded_module *dup = NULL;
		const char *what = "module name";
		for (size_t k = 0; k < out->n && dup == NULL; k++) {
			const sb_rec_decl *a = out->v[k].rec;
			if (strcasecmp(out->v[k].def->name, m.def->name) == 0)
				dup = &out->v[k];
			else if (a != NULL && m.rec != NULL && strcmp(a->tag, m.rec->tag) == 0)
				dup = &out->v[k], what = "record tag";
		}
		if (dup != NULL) {
			char msg[1024];
			snprintf(msg, sizeof(msg), "%s: %s '%s' is already taken by %s: refused",
				 m.path, what,
				 m.rec != NULL && what[0] == 'r' ? m.rec->tag : m.def->name,
				 dup->path);
			if (warn != NULL)
				warn(ctx, m.path, SB_EMODULE, msg);
			m.enabled = 0; /* never initialised: no fini */
			sb_module_unload(&m);
			continue;
		}
		if (sb_module_start(&m, &e) != SB_OK && warn != NULL)
			warn(ctx, m.path, e.code, e.msg);
		out->v[out->n++] = m;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return SB_OK;
}

sb_loaded_module *sb_modules_find(sb_modules *mods, const char *name)
{
	for (size_t i = 0; i < mods->n; i++)
		if (mods->v[i].enabled && strcasecmp(mods->v[i].def->name, name) == 0)
			return &mods->v[i];
	return NULL;
}

void sb_modules_free(sb_modules *mods)
{
	for (size_t i = mods->n; i-- > 0;)
		sb_module_unload(&mods->v[i]);
	sb_free(mods->v);
	mods->n = 0;
}

int sb_layer_selected(const sb_layer_filter *f, const char *layer)
{
	if (f == NULL || f->n == 0)
		return 1;
	for (size_t i = 0; i < f->n; i++)
		if (strcasecmp(f->names[i], layer) == 0)
			return 1;
	return 0;
}

const sb_loaded_module *sb_layers_next(const sb_modules *mods, const sb_layer_filter *f, size_t *i)
{
	while (mods != NULL && *i < mods->n) {
		const sb_loaded_module *m = &mods->v[(*i)++];
		if (m->enabled && m->def->kind == SB_KIND_LAYER && m->def->schema != NULL &&
		    sb_layer_selected(f, m->def->schema->layer))
			return m;
	}
	return NULL;
}

const sb_loaded_module *sb_layer_find(const sb_modules *mods, const char *layer)
{
	const sb_layer_filter one = {.names = {layer}, .n = 1};
	size_t i = 0;
	return layer != NULL ? sb_layers_next(mods, &one, &i) : NULL;
}

const sb_schema **sb_layer_schemas(sb_modules *mods, size_t *n)
{
	const sb_schema **v = sb_xcalloc(mods->n ? mods->n : 1, sizeof(*v));
	*n = 0;
	const sb_loaded_module *m;
	for (size_t i = 0; (m = sb_layers_next(mods, NULL, &i)) != NULL;)
		v[(*n)++] = m->def->schema;
	return v;
}

sb_rec_set *sb_modules_records(const sb_modules *mods)
{
	sb_rec_set *set = sb_rec_set_new();
	for (size_t i = 0; mods != NULL && i < mods->n; i++)
		if (mods->v[i].rec != NULL)
			sb_rec_set_add(set, mods->v[i].rec);
	return set;
}

int sb_modules_scan_records(const char *dir, sb_rec_set *set, sb_module_warn_fn warn, void *ctx,
			    sb_err *err)
{
	int rc = sb_ltdl_init(err);
	if (rc != SB_OK)
		return rc;
	char **names = NULL;
	size_t n = 0;
	rc = sb_module_names(dir, &names, &n, err);
	if (rc != SB_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		sb_err e = {0};
		sb_loaded_module m;
		if (sb_module_open(dir, names[i], &m, &e) != SB_OK) {
			if (warn != NULL)
				warn(ctx, names[i], e.code, e.msg);
		} else {
			if (m.rec != NULL)
				sb_rec_set_add(set, m.rec);
			m.enabled = 0; /* never initialised: no fini */
			sb_module_unload(&m);
		}
		free(names[i]);
	}
	free(names);
	return SB_OK;
}
