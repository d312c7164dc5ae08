/* kinds.c - the kinds of alert rules: what each one reads and when a subject is in trouble. The
 * table at the end is the one place a kind is added (alert_impl.h says how). */
#include "config.h"

#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "alert/alert_impl.h"
#include "base/forecast.h"
#include "base/period.h"
#include "format/runstatus.h"
#include "format/spool.h"
#include "plugin/module.h"
#include "store/trend.h"

size_t sb_alert_split(char *line, char **f, size_t max)
{
	size_t nf = 0;
	for (char *q = line; nf < max;) {
		f[nf++] = q;
		char *tab = strchr(q, '\t');
		if (tab == NULL)
			break;
		*tab = '\0';
		q = tab + 1;
	}
	return nf;
}

void sb_alert_kind_names(char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sb_alert_nkinds && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
					 sb_alert_kinds[i].name);
}

void sb_alert_found(sb_alert_findings *f, const char *subject, int has_value, double value,
		    const char *fmt, ...)
{
	sb_grow(&f->v, &f->cap, f->n, sizeof(*f->v));
	sb_alert_finding *x = &f->v[f->n++];
	x->subject = sb_xstrdup(subject);
	x->has_value = has_value;
	x->value = value;
	/* the message whole, however long the interface's name */
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	x->message = sb_xmalloc(n > 0 ? (size_t)n + 1 : 1);
	x->message[0] = '\0';
	if (n > 0)
		vsnprintf(x->message, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
}

void sb_alert_findings_free(sb_alert_findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].subject);
		free(f->v[i].message);
	}
	free(f->v);
	memset(f, 0, sizeof(*f));
}

static int sb_alert_glob(const char *pattern, const char *s)
{
	return fnmatch(pattern, s != NULL ? s : "", 0) == 0;
}

/* The exact layer a pattern names, or NULL when it may match several. */
static const char *sb_alert_one_layer(const char *pattern)
{
	return strpbrk(pattern, "*?[\\") == NULL ? pattern : NULL;
}

static int sb_alert_need_store(const sb_alert_ctx *c, const sb_alert_rule *r, sb_err *err)
{
	if (c->store != NULL)
		return SB_OK;
	return sb_err_set(err, SB_ESTORE, "rule %s: the store cannot be reached", r->name);
}

/* ---- use and forecast: an interface's daily peak or 95th percentile use ---- */

/* One interface's days: x the day's number, y its use (%) by the rule's statistic; and, read
 * through store/trend.c, the fit of its forecast. */
typedef struct sb_use_iface {
	char *layer, *name, *type;
	double *x, *y;
	size_t n, cap;
	int has_last; /* a value on the evaluated day */
	double capacity;
	sb_forecast fit;
} sb_use_iface;

typedef struct sb_use_scan {
	const sb_alert_rule *r;
	const sb_alert_ctx *c;
	const char *layer; /* the layer trend.c reads */
	char last_day[11];
	double last_x;
	sb_use_iface *v;
	size_t n, cap;
} sb_use_scan;

static sb_use_iface *sb_use_iface_add(sb_use_scan *u, const char *layer, const char *name,
				      const char *type)
{
	if (u->n > 0) {
		sb_use_iface *x = &u->v[u->n - 1];
		if (strcmp(x->layer, layer) == 0 && strcmp(x->name, name) == 0 &&
		    strcmp(x->type, type) == 0)
			return x;
	}
	sb_grow(&u->v, &u->cap, u->n, sizeof(*u->v));
	sb_use_iface *x = &u->v[u->n++];
	memset(x, 0, sizeof(*x));
	x->layer = sb_xstrdup(layer);
	x->name = sb_xstrdup(name);
	x->type = sb_xstrdup(type);
	return x;
}

static void sb_use_point(sb_use_iface *x, double day, double use, double last_x)
{
	sb_grow(&x->x, &x->cap, x->n, sizeof(*x->x));
	x->y = sb_xrealloc(x->y, x->cap * sizeof(*x->y));
	x->x[x->n] = day;
	x->y[x->n++] = use;
	if (day == last_x)
		x->has_last = 1;
}

static int sb_use_match(const sb_alert_rule *r, const char *layer, const char *type,
			const char *name)
{
	return sb_alert_glob(r->layer, layer) && sb_alert_glob(r->type, type) &&
	       sb_alert_glob(r->iface, name) && strcmp(layer, "IPBRAS") != 0;
}

/* The daily peak: the summaries' use. */
static int sb_use_summary_row(void *ctx, const sb_summary_row *row)
{
	sb_use_scan *u = ctx;
	if (!sb_use_match(u->r, row->layer, row->type, row->name) || !row->has_use)
		return SB_OK;
	sb_date d;
	if (sb_date_parse(row->date, &d) != SB_OK)
		return SB_OK;
	sb_use_iface *x = sb_use_iface_add(u, row->layer, row->name, row->type);
	sb_use_point(x, (double)sb_period_daynum(d), row->use, u->last_x);
	return SB_OK;
}

/* The daily 95th percentile and the forecast: store/trend.c, as the workbook and the dashboard */
static int sb_use_trend(void *ctx, const sb_trend *t)
{
	sb_use_scan *u = ctx;
	if (!sb_use_match(u->r, u->layer, t->type, t->name) || !(t->capacity > 0))
		return SB_OK;
	sb_use_iface *x = sb_use_iface_add(u, u->layer, t->name, t->type);
	int p95 = strcmp(u->r->stat, "p95") == 0;
	x->capacity = t->capacity;
	x->fit = p95 ? t->fit_p95 : t->fit_peak;
	for (size_t k = 0; k < t->ndays; k++)
		sb_use_point(x, (double)t->days[k],
			     (p95 ? t->p95[k] : t->peak[k]) / t->capacity * 100, u->last_x);
	return SB_OK;
}

/* Reads the rule's interfaces over the `span` days ending on the evaluated day into u: from the
 * daily summaries (peak) or through trend.c (p95, and always for a forecast). */
static int sb_use_read(const sb_alert_ctx *c, const sb_alert_rule *r, long span, int trend,
		       sb_use_scan *u, sb_err *err)
{
	*u = (sb_use_scan){.r = r, .c = c, .last_x = (double)sb_period_daynum(c->day)};
	int rc = sb_alert_need_store(c, r, err);
	if (rc != SB_OK)
		return rc;
	char from[11];
	sb_date_format(sb_date_add(c->day, -(int)(span - 1)), from);
	sb_date_format(c->day, u->last_day);
	if (!trend && strcmp(r->stat, "peak") == 0)
		return sb_store_query_summary(c->store, sb_alert_one_layer(r->layer), NULL, from,
					      u->last_day, sb_use_summary_row, u, err);
	const sb_loaded_module *m;
	for (size_t i = 0; rc == SB_OK && (m = sb_layers_next(c->mods, NULL, &i)) != NULL;) {
		const sb_schema *sc = m->def->schema;
		if (sc->in_only || !sb_alert_glob(r->layer, sc->layer))
			continue;
		sb_trend_opts o = {.schema = sc,
				   .name = sb_alert_one_layer(r->iface),
				   .from = from,
				   .to = u->last_day,
				   .factor = c->s->factor,
				   .threshold = c->s->forecast_threshold,
				   .rules = sb_forecast_rules_of(c->s)};
		u->layer = sc->layer;
		rc = sb_trend_query(c->store, &o, sb_use_trend, u, err);
	}
	return rc;
}

static void sb_use_free(sb_use_scan *u)
{
	for (size_t i = 0; i < u->n; i++) {
		free(u->v[i].layer);
		free(u->v[i].name);
		free(u->v[i].type);
		free(u->v[i].x);
		free(u->v[i].y);
	}
	free(u->v);
}

static const char *sb_use_stat_name(const sb_alert_rule *r)
{
	return strcmp(r->stat, "p95") == 0 ? "95th percentile" : "peak";
}

static int sb_alert_eval_use(const sb_alert_ctx *c, const sb_alert_rule *r, sb_alert_findings *out,
			     sb_err *err)
{
	sb_use_scan u;
	int rc = sb_use_read(c, r, r->days, 0, &u, err);
	for (size_t i = 0; i < u.n && rc == SB_OK; i++) {
		const sb_use_iface *x = &u.v[i];
		long over = 0;
		for (size_t k = 0; k < x->n; k++)
			over += x->y[k] >= r->over;
		if (!x->has_last || over < r->days || x->y[x->n - 1] < r->over)
			continue;
		char *subject = sb_xasprintf("%s/%s/%s", x->layer, x->type, x->name);
		char days[64] = "";
		if (r->days > 1)
			snprintf(days, sizeof(days), ", and on each of the %ld days to it",
				 r->days);
		sb_alert_found(out, subject, 1, x->y[x->n - 1],
			       "%s %s use %.2f %% on %s (%s), at or over %g %%%s", x->layer,
			       x->name, x->y[x->n - 1], u.last_day, sb_use_stat_name(r), r->over,
			       days);
		free(subject);
	}
	sb_use_free(&u);
	return rc;
}

/* forecast: the line through the last FORECAST_DAYS days reaches FORECAST_THRESHOLD within `days`
 * days, or is there already (docs/forecast.md: the fit, and when it gives a date) */
static int sb_alert_eval_forecast(const sb_alert_ctx *c, const sb_alert_rule *r,
				  sb_alert_findings *out, sb_err *err)
{
	sb_use_scan u;
	int rc = sb_use_read(c, r, c->s->forecast_days, 1, &u, err);
	double limit = c->s->forecast_threshold;
	for (size_t i = 0; i < u.n && rc == SB_OK; i++) {
		const sb_use_iface *x = &u.v[i];
		const sb_forecast *f = &x->fit;
		double ahead = f->cross - f->last;
		if (!(f->status == SB_FORECAST_ABOVE ||
		      (f->status == SB_FORECAST_DATE && ahead <= (double)r->days)))
			continue;
		char *subject = sb_xasprintf("%s/%s/%s", x->layer, x->type, x->name);
		char fit[128];
		snprintf(fit, sizeof(fit),
			 "least squares on %zu days of its daily %s: %+.3f %%/day, R2 %.2f", f->n,
			 sb_use_stat_name(r), f->slope / x->capacity * 100, f->r2);
		if (f->status == SB_FORECAST_ABOVE)
			sb_alert_found(out, subject, 1, f->at_last / x->capacity * 100,
				       "%s %s: its trend is at %.1f %% already, over %g %% (%s)",
				       x->layer, x->name, f->at_last / x->capacity * 100, limit,
				       fit);
		else
			sb_alert_found(out, subject, 1, ceil(ahead),
				       "%s %s: crosses %g %% of its capacity in %.0f days (%s)",
				       x->layer, x->name, limit, ceil(ahead), fit);
		free(subject);
	}
	sb_use_free(&u);
	return rc;
}

/* ---- nightly: the short days and the interfaces that failed ---- */

typedef struct sb_nightly_iface {
	char *layer, *type, *name;
	int on_day;
	long samples;
} sb_nightly_iface;

typedef struct sb_nightly_scan {
	const sb_alert_rule *r;
	char day[11];
	sb_nightly_iface *v;
	size_t n, cap;
} sb_nightly_scan;

static int sb_nightly_row(void *ctx, const sb_summary_row *row)
{
	sb_nightly_scan *ns = ctx;
	const sb_alert_rule *r = ns->r;
	if (!sb_alert_glob(r->layer, row->layer) || !sb_alert_glob(r->type, row->type) ||
	    !sb_alert_glob(r->iface, row->name))
		return SB_OK;
	sb_nightly_iface *x = ns->n > 0 ? &ns->v[ns->n - 1] : NULL;
	if (x == NULL || strcmp(x->layer, row->layer) != 0 || strcmp(x->type, row->type) != 0 ||
	    strcmp(x->name, row->name) != 0) {
		sb_grow(&ns->v, &ns->cap, ns->n, sizeof(*ns->v));
		x = &ns->v[ns->n++];
		memset(x, 0, sizeof(*x));
		x->layer = sb_xstrdup(row->layer);
		x->type = sb_xstrdup(row->type);
		x->name = sb_xstrdup(row->name);
	}
	if (strcmp(row->date, ns->day) == 0) {
		x->on_day = 1;
		x->samples = row->samples;
	}
	return SB_OK;
}

static int sb_alert_eval_nightly(const sb_alert_ctx *c, const sb_alert_rule *r,
				 sb_alert_findings *out, sb_err *err)
{
	int rc = sb_alert_need_store(c, r, err);
	if (rc != SB_OK)
		return rc;
	/* an interface stored in the week before the day and not on the day failed */
	char from[11];
	sb_date_format(sb_date_add(c->day, -7), from);
	sb_nightly_scan ns = {.r = r};
	sb_date_format(c->day, ns.day);
	rc = sb_store_query_summary(c->store, sb_alert_one_layer(r->layer), NULL, from, ns.day,
				    sb_nightly_row, &ns, err);
	for (size_t i = 0; i < ns.n; i++) {
		sb_nightly_iface *x = &ns.v[i];
		char *subject = sb_xasprintf("%s/%s/%s", x->layer, x->type, x->name);
		if (rc == SB_OK && !x->on_day)
			sb_alert_found(out, subject, 0, 0,
				       "%s %s: nothing stored for %s (stored in the week before)",
				       x->layer, x->name, ns.day);
		else if (rc == SB_OK && x->samples >= 0 && x->samples < r->samples)
			sb_alert_found(out, subject, 1, (double)x->samples,
				       "%s %s: a short day on %s: %ld samples (fewer than %ld)",
				       x->layer, x->name, ns.day, x->samples, r->samples);
		free(subject);
		free(x->layer);
		free(x->type);
		free(x->name);
	}
	free(ns.v);
	return rc;
}

/* ---- run: the nightly run failed or did not run ---- */

static int sb_alert_eval_run(const sb_alert_ctx *c, const sb_alert_rule *r, sb_alert_findings *out,
			     sb_err *err)
{
	(void)err;
	sb_run_stage st[SB_RUN_STAGES];
	size_t n = 0;
	sb_err e = {0};
	if (sb_run_status_read(c->s->data_dir, st, &n, &e) != SB_OK) {
		sb_alert_found(out, "run", 0, 0, "the nightly run's outcome cannot be read: %s",
			       e.msg);
		return SB_OK;
	}
	const sb_run_stage *run = NULL;
	for (size_t i = 0; i < n && run == NULL; i++)
		if (strcmp(st[i].stage, "run") == 0)
			run = &st[i];
	if (run == NULL) {
		sb_alert_found(out, "run", 0, 0,
			       "no nightly run has recorded its outcome (data/run-status.tsv)");
		return SB_OK;
	}
	double age = (double)(c->now - run->finished) / 3600.0;
	if (age > r->hours)
		sb_alert_found(out, "run", 1, age,
			       "no nightly run for %.1f hours (the last, for %s, ended %s)", age,
			       run->date, run->status);
	else if (strcmp(run->status, "ok") != 0)
		sb_alert_found(
			out, "run", 0, 0,
			"the nightly run for %s ended %s: %lld interfaces failed, %lld short",
			run->date, run->status, (long long)(run->failed > 0 ? run->failed : 0),
			(long long)(run->short_days > 0 ? run->short_days : 0));
	return SB_OK;
}

/* ---- probe: a link down, lossy or slow for N minutes ---- */

typedef struct sb_probe_link {
	int64_t monitor, link;
	int64_t first, last_good, first_bad_after; /* -1 when none */
	int bad_now;
	double value;
	int has_value;
} sb_probe_link;

typedef struct sb_probe_scan {
	const sb_alert_rule *r;
	const sb_rec_decl *d;
	sb_probe_link *v;
	size_t n, cap;
} sb_probe_scan;

static int sb_probe_row(void *ctx, const sb_rec *rec)
{
	sb_probe_scan *ps = ctx;
	const sb_alert_rule *r = ps->r;
	sb_probe_link *x = ps->n > 0 ? &ps->v[ps->n - 1] : NULL;
	if (x == NULL || x->monitor != rec->monitor || x->link != rec->link) {
		sb_grow(&ps->v, &ps->cap, ps->n, sizeof(*ps->v));
		x = &ps->v[ps->n++];
		*x = (sb_probe_link){.monitor = rec->monitor,
				     .link = rec->link,
				     .first = rec->ts,
				     .last_good = -1,
				     .first_bad_after = -1};
	}
	sb_avail_rec a;
	sb_rec_avail(ps->d, rec, &a);
	int bad = 0;
	double v = 0;
	if (strcmp(r->on, "down") == 0) {
		bad = !a.up;
	} else if (strcmp(r->on, "loss") == 0) {
		v = a.loss;
		bad = v > r->over;
	} else {
		v = a.rtt;
		bad = !a.up || v > r->over;
	}
	if (!bad) {
		x->last_good = rec->ts;
		x->first_bad_after = -1;
	} else if (x->first_bad_after < 0) {
		x->first_bad_after = rec->ts;
	}
	x->bad_now = bad;
	x->has_value = strcmp(r->on, "down") != 0 && v >= 0;
	x->value = v;
	return SB_OK;
}

static int sb_alert_eval_probe(const sb_alert_ctx *c, const sb_alert_rule *r,
			       sb_alert_findings *out, sb_err *err)
{
	int rc = sb_alert_need_store(c, r, err);
	if (rc != SB_OK)
		return rc;
	sb_rec_decl *d = c->records != NULL ? sb_rec_set_find(c->records, r->test) : NULL;
	if (d == NULL)
		return sb_err_set(err, SB_ENOTFOUND, "rule %s: no probe module of test %s", r->name,
				  r->test);
	if (strcmp(r->on, "down") != 0 && d->up < 0) {
		sb_rec_decl_unref(d);
		return sb_err_set(err, SB_EINVAL, "rule %s: test %s records no availability",
				  r->name, r->test);
	}
	int64_t window = (int64_t)r->minutes * 60;
	sb_probe_scan ps = {.r = r, .d = d};
	rc = sb_store_query_records(c->store, d, r->monitor, r->link, c->now - 2 * window,
				    c->now + 1, sb_probe_row, &ps, err);
	for (size_t i = 0; i < ps.n && rc == SB_OK; i++) {
		sb_probe_link *x = &ps.v[i];
		int64_t since = x->first_bad_after;
		if (!x->bad_now || since < 0)
			continue;
		/* bad since the first record of the look-back, or since the last good one */
		if (since > c->now - window)
			continue;
		char subject[128];
		sb_alert_probe_subject(subject, sizeof(subject), r->test, x->monitor, x->link);
		long mins = (long)((c->now - since) / 60);
		if (strcmp(r->on, "down") == 0)
			sb_alert_found(out, subject, 0, 0,
				       "%s: link %lld of monitor %lld down for %ld minutes",
				       r->test, (long long)x->link, (long long)x->monitor, mins);
		else
			sb_alert_found(
				out, subject, x->has_value, x->value,
				"%s: link %lld of monitor %lld: %s %.2f over %g for %ld minutes",
				r->test, (long long)x->link, (long long)x->monitor, r->on, x->value,
				r->over, mins);
	}
	free(ps.v);
	sb_rec_decl_unref(d);
	return rc;
}

/* ---- silent: a box whose records stopped ---- */

typedef struct sb_silent_box {
	int64_t monitor, last;
} sb_silent_box;

typedef struct sb_silent_scan {
	sb_silent_box *v;
	size_t n, cap;
} sb_silent_scan;

static int sb_silent_row(void *ctx, const sb_rec *rec)
{
	sb_silent_scan *s = ctx;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].monitor == rec->monitor) {
			if (rec->ts > s->v[i].last)
				s->v[i].last = rec->ts;
			return SB_OK;
		}
	sb_grow(&s->v, &s->cap, s->n, sizeof(*s->v));
	s->v[s->n++] = (sb_silent_box){rec->monitor, rec->ts};
	return SB_OK;
}

static int sb_alert_eval_silent(const sb_alert_ctx *c, const sb_alert_rule *r,
				sb_alert_findings *out, sb_err *err)
{
	int rc = sb_alert_need_store(c, r, err);
	if (rc != SB_OK || c->records == NULL)
		return rc;
	/* the boxes heard of in the last 30 days (or the rule's one), each test's records */
	int64_t lookback = 30 * 86400;
	sb_silent_scan s = {0};
	sb_rec_decl **decls = NULL;
	size_t nd = sb_rec_set_list(c->records, &decls);
	for (size_t i = 0; i < nd && rc == SB_OK; i++)
		rc = sb_store_query_records(c->store, decls[i], r->monitor, -1, c->now - lookback,
					    c->now + 1, sb_silent_row, &s, err);
	sb_rec_list_free(decls, nd);
	if (rc == SB_OK && r->monitor >= 0 && s.n == 0) {
		char subject[64];
		sb_alert_silent_subject(subject, sizeof(subject), r->monitor);
		sb_alert_found(out, subject, 0, 0, "monitor %ld: no record in 30 days", r->monitor);
	}
	for (size_t i = 0; i < s.n && rc == SB_OK; i++) {
		double mins = (double)(c->now - s.v[i].last) / 60.0;
		if (mins < (double)r->minutes)
			continue;
		char subject[64];
		sb_alert_silent_subject(subject, sizeof(subject), s.v[i].monitor);
		sb_alert_found(out, subject, 1, mins, "monitor %lld: no record for %.0f minutes",
			       (long long)s.v[i].monitor, mins);
	}
	free(s.v);
	return rc;
}

/* ---- spool: collected data waiting for the store ---- */

typedef struct sb_spool_scan {
	const sb_alert_ctx *c;
	const sb_alert_rule *r;
	const char *layer;
	sb_alert_findings *out;
	char last_date[11];
} sb_spool_scan;

static int sb_spool_aged(void *ctx, const char *path, const char *date)
{
	sb_spool_scan *ss = ctx;
	struct stat sbuf;
	if (stat(path, &sbuf) != 0 || strcmp(date, ss->last_date) == 0)
		return SB_OK;
	double hours = (double)(ss->c->now - (int64_t)sbuf.st_mtime) / 3600.0;
	if (hours < ss->r->hours)
		return SB_OK;
	snprintf(ss->last_date, sizeof(ss->last_date), "%s", date);
	char subject[96];
	snprintf(subject, sizeof(subject), "%s %s", ss->layer, date);
	sb_alert_found(ss->out, subject, 1, hours,
		       "the spool of %s for %s has waited %.0f hours for the store (SCAN keeps "
		       "about 3 days)",
		       ss->layer, date, hours);
	return SB_OK;
}

static int sb_alert_eval_spool(const sb_alert_ctx *c, const sb_alert_rule *r,
			       sb_alert_findings *out, sb_err *err)
{
	const sb_loaded_module *m;
	int rc = SB_OK;
	for (size_t i = 0; rc == SB_OK && (m = sb_layers_next(c->mods, NULL, &i)) != NULL;) {
		sb_spool_scan ss = {.c = c, .r = r, .layer = m->def->schema->layer, .out = out};
		rc = sb_spool_list(c->s->data_dir, ss.layer, NULL, sb_spool_aged, &ss, err);
	}
	return rc;
}

/* ---- the kinds ---- */

const sb_alert_kind sb_alert_kinds[] = {
	{"use", "layer type interface stat over days", "over", 0, "over",
	 "an interface's daily peak (or 95th percentile) use at or over `over` % on the last "
	 "`days` days",
	 sb_alert_eval_use},
	{"nightly", "layer type interface samples", "", 1, "samples",
	 "the nightly run's findings: an interface with fewer than `samples` samples on the day, "
	 "or nothing stored for it",
	 sb_alert_eval_nightly},
	{"run", "hours", "", 0, "hours",
	 "the nightly run failed, or none ended in the last `hours` hours", sb_alert_eval_run},
	{"probe", "test on over minutes monitor link", "", 0, "over",
	 "a link down, its loss (%) or RTT (ms) over `over`, for `minutes` minutes",
	 sb_alert_eval_probe},
	{"silent", "minutes monitor", "", 0, "minutes",
	 "a monitor with no record for `minutes` minutes", sb_alert_eval_silent},
	{"forecast", "layer type interface stat days", "days", 0, "days",
	 "the line fitted through an interface's daily peak (or 95th percentile) over "
	 "FORECAST_DAYS reaches FORECAST_THRESHOLD (80 %) within `days` days, or is there already "
	 "(docs/forecast.md)",
	 sb_alert_eval_forecast},
	{"spool", "hours", "", 0, "hours", "a day's spool waiting `hours` hours for the store",
	 sb_alert_eval_spool},
};

const size_t sb_alert_nkinds = SB_ARRAY_SIZE(sb_alert_kinds);

const sb_alert_kind *sb_alert_kind_find(const char *name)
{
	for (size_t i = 0; i < sb_alert_nkinds; i++)
		if (strcmp(sb_alert_kinds[i].name, name) == 0)
			return &sb_alert_kinds[i];
	return NULL;
}
