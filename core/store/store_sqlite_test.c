/* store_sqlite_test.c - the SQLite store: schema, idempotent upserts, queries, errors. */
#include "config.h"

#include "base/sb.h"
#include "store/store.h"
#include "store/store_impl.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

static const sb_schema borde = {"BORDE", "BORDE_HISTORY", "name", "borde", 0};
static const sb_schema ipbras = {"IPBRAS", "IPBRAS_HISTORY", "brasname", "ip_bras", 1};
static const sb_schema *const schemas[] = {&borde, &ipbras};

/* Collects query results as text lines. */
typedef struct rows {
	char text[4096];
	int n;
	int stop_after;
} rows;

static void rows_add(rows *r, const char *line)
{
	size_t len = strlen(r->text);
	snprintf(r->text + len, sizeof(r->text) - len, "%s\n", line);
	r->n++;
}

static int on_history(void *ctx, const sb_history_row *h)
{
	rows *r = ctx;
	char line[256];
	snprintf(line, sizeof(line), "%s|%s|%s|%s|%g|%lld|%lld|%lld|%lld", h->name, h->type,
		 h->date, h->time, h->capacity, (long long)h->in_avg, (long long)h->out_avg,
		 (long long)h->in_max, (long long)h->out_max);
	rows_add(r, line);
	return r->stop_after > 0 && r->n >= r->stop_after ? SB_ECANCELED : SB_OK;
}

static int on_summary_res(void *ctx, const sb_summary_row *s)
{
	rows *r = ctx;
	char line[256];
	snprintf(line, sizeof(line), "%s|%s|%s|%d|%ld", s->layer, s->name, s->date,
		 (int)s->resolution, s->samples);
	rows_add(r, line);
	return SB_OK;
}

static int on_summary(void *ctx, const sb_summary_row *s)
{
	rows *r = ctx;
	char use[32] = "null";
	if (s->has_use)
		snprintf(use, sizeof(use), "%g", s->use);
	char line[256];
	snprintf(line, sizeof(line), "%s|%s|%s|%s|%g|%g|%g|%g|%g|%s|%ld", s->layer, s->type,
		 s->name, s->date, s->capacity, s->in_prom, s->in_max_prom, s->out_prom,
		 s->out_max_prom, use, s->samples);
	rows_add(r, line);
	return SB_OK;
}

/* Runs one SQL statement returning one text value on a separate connection. */
static void sql_value(const char *path, const char *sql, char *out, size_t size)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	snprintf(out, size, "(error)");
	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			const unsigned char *t = sqlite3_column_text(st, 0);
			snprintf(out, size, "%s", t != NULL ? (const char *)t : "NULL");
		} else if (rc == SQLITE_DONE) {
			snprintf(out, size, "(none)");
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static int sql_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open(path, &db);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

/* The summaries of a range: every interface's rows in date order, interfaces by layer, type,
 * name whatever order they were stored in; one snapshot; a stopped query ends its transaction. */
typedef struct snap {
	rows r;
	const char *path;
	int write;   /* writes from another connection at the first row */
	int stop_at; /* stops after this many rows (0: never) */
} snap;

static int on_summary_snap(void *ctx, const sb_summary_row *s)
{
	snap *sn = ctx;
	if (sn->write && sn->r.n == 0) /* another connection adds an interface and a day */
		ok(sql_exec(sn->path, "INSERT INTO DAILY_SUMMARY_HISTORY VALUES ('late', 'T', "
				      "'2026-02-02', 'BORDE', 1, 1, 1, 1, 1, 100, 288, NULL), "
				      "('b', 'T', '2026-02-04', 'BORDE', 1, 1, 1, 1, 1, 100, "
				      "288, NULL)") == SQLITE_OK,
		   "range: a write from another connection during the query");
	char line[128];
	snprintf(line, sizeof(line), "%s|%s|%s|%s", s->layer, s->type, s->name, s->date);
	rows_add(&sn->r, line);
	return sn->stop_at > 0 && sn->r.n >= sn->stop_at ? SB_ECANCELED : SB_OK;
}

static void test_range(const char *dir)
{
	char path[256], uri[300];
	snprintf(path, sizeof(path), "%s/range.db", dir);
	snprintf(uri, sizeof(uri), "sqlite:%s", path);
	sb_err err = {0};
	sb_store *st = NULL;
	is_int(sb_store_open(uri, NULL, &st, &err), SB_OK, "range: open");
	sb_summary_row s[] = {
		{"b", "T", "2026-02-03", "BORDE", 1, 1, 1, 1, 1, 1, 100, 288, 0},
		{"a", "U", "2026-02-01", "BORDE", 1, 1, 1, 1, 1, 1, 100, 288, 0},
		{"b", "T", "2026-02-01", "BORDE", 1, 1, 1, 1, 1, 1, 100, 288, 0},
		{"a", "T", "2026-02-02", "IXP", 1, 1, 1, 1, 1, 1, 100, 288, 0},
		{"ab", "T", "2026-02-02", "BORDE", 1, 1, 1, 1, 1, 1, 100, 288, 0},
		{"a", "T", "2026-02-03", "BORDE", 1, 1, 1, 1, 1, 1, 100, 288, 0},
		{"b", "T", "2026-01-31", "BORDE", 1, 1, 1, 1, 1, 1, 100, 288, 0},
		{"a", "U", "2026-02-05", "BORDE", 1, 1, 1, 1, 1, 1, 100, 288, 0},
		{"b", "T", "2026-02-02", "BORDE", 1, 1, 1, 1, 1, 1, 100, 288, 0},
		{"a", "T", "2026-02-01", "IXP", 1, 1, 1, 1, 1, 1, 100, 288, 0},
	};
	is_int(sb_store_put_summary(st, s, SB_ARRAY_SIZE(s), &err), SB_OK, "range: put");
	snap sn = {.path = path, .write = 1};
	is_int(sb_store_query_summary(st, NULL, NULL, "2026-02-01", "2026-02-04", on_summary_snap,
				      &sn, &err),
	       SB_OK, "range: query");
	is_str(sn.r.text,
	       "BORDE|T|a|2026-02-03\n"
	       "BORDE|T|ab|2026-02-02\n"
	       "BORDE|T|b|2026-02-01\n"
	       "BORDE|T|b|2026-02-02\n"
	       "BORDE|T|b|2026-02-03\n"
	       "BORDE|U|a|2026-02-01\n"
	       "IXP|T|a|2026-02-01\n"
	       "IXP|T|a|2026-02-02\n",
	       "range: by layer, type, name, date; the days of the range only; what another "
	       "connection wrote meanwhile not seen");
	sn = (snap){.path = path};
	is_int(sb_store_query_summary(st, "BORDE", NULL, "2026-02-02", "2026-02-04", on_summary,
				      &sn.r, &err),
	       SB_OK, "range: one layer, again");
	is_int(sn.r.n, 6, "range: the write seen by the next query");
	sn = (snap){.stop_at = 2, .path = path};
	is_int(sb_store_query_summary(st, NULL, NULL, NULL, NULL, on_summary_snap, &sn, &err),
	       SB_ECANCELED, "range: a query stopped by its callback");
	is_int(sb_store_put_summary(st, s, 1, &err), SB_OK,
	       "range: the store writes afterwards (no transaction left open)");
	sb_store_close(&st);
	static const char *const files[] = {"range.db", "range.db-wal", "range.db-shm"};
	for (size_t i = 0; i < SB_ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
}

/* The resolution of daily summaries: a coarser one never replaces a finer one; a database of an
 * earlier version gets the column on open. */
static void test_resolution(const char *dir)
{
	char path[256], uri[300], v[512];
	snprintf(path, sizeof(path), "%s/res.db", dir);
	snprintf(uri, sizeof(uri), "sqlite:%s", path);
	ok(sql_exec(path, "CREATE TABLE DAILY_SUMMARY_HISTORY (name TEXT NOT NULL, type TEXT NOT "
			  "NULL, date TEXT NOT NULL, typeLayer TEXT NOT NULL, capacity REAL NOT "
			  "NULL, inProm REAL NOT NULL, inMaxProm REAL NOT NULL, outProm REAL NOT "
			  "NULL, outMaxProm REAL NOT NULL, use REAL, samples INTEGER, PRIMARY KEY "
			  "(name, typeLayer, type, date)) WITHOUT ROWID; INSERT INTO "
			  "DAILY_SUMMARY_HISTORY VALUES ('a', 'T', '2026-01-01', 'BORDE', 10, 1, "
			  "2, 3, 4, 40, 288)") == SQLITE_OK,
	   "resolution: a database of an earlier version, one 5-minute summary");
	sb_err err = {0};
	sb_store *st = NULL;
	is_int(sb_store_open(uri, NULL, &st, &err), SB_OK, "resolution: open it");
	sql_value(path,
		  "SELECT count(*) FROM pragma_table_info('DAILY_SUMMARY_HISTORY') WHERE name = "
		  "'resolution'",
		  v, sizeof(v));
	is_str(v, "1", "resolution: the column added on open");
	sb_store_close(&st);
	is_int(sb_store_open(uri, NULL, &st, &err), SB_OK, "resolution: open it again");
	sb_summary_row s[] = {
		/* a day at 5 minutes already stored: a 30-minute summary leaves it */
		{"a", "T", "2026-01-01", "BORDE", 10, 9, 9, 9, 9, 1, 90, 288, SB_RES_30MIN},
		/* new days: stored with their resolution */
		{"a", "T", "2026-01-02", "BORDE", 10, 5, 6, 7, 8, 1, 80, 288, SB_RES_30MIN},
		{"a", "T", "2026-01-03", "BORDE", 10, 5, 6, 7, 8, 1, 80, 288, SB_RES_2HOUR},
	};
	is_int(sb_store_put_summary(st, s, 3, &err), SB_OK, "resolution: put coarser summaries");
	sql_value(
		path,
		"SELECT group_concat(date || ':' || inProm || ':' || quote(resolution), ' ') FROM "
		"(SELECT * FROM DAILY_SUMMARY_HISTORY ORDER BY date)",
		v, sizeof(v));
	is_str(v, "2026-01-01:1.0:NULL 2026-01-02:5.0:1800 2026-01-03:5.0:7200",
	       "resolution: the 5-minute day kept, the others stored with theirs");
	/* coarser over finer: kept; the same: replaced; finer over coarser: replaced */
	sb_summary_row t[] = {
		{"a", "T", "2026-01-02", "BORDE", 10, 1, 1, 1, 1, 1, 10, 288, SB_RES_1DAY},
		{"a", "T", "2026-01-03", "BORDE", 10, 2, 2, 2, 2, 1, 20, 288, SB_RES_2HOUR},
		{"a", "T", "2026-01-02", "IXP", 0, 3, 3, 3, 3, 0, 0, 48, SB_RES_1DAY},
	};
	is_int(sb_store_put_summary(st, t, 3, &err), SB_OK, "resolution: put again");
	sql_value(path,
		  "SELECT group_concat(typeLayer || date || ':' || inProm || ':' || "
		  "quote(resolution), ' ') FROM (SELECT * FROM DAILY_SUMMARY_HISTORY ORDER BY "
		  "typeLayer, date)",
		  v, sizeof(v));
	is_str(v,
	       "BORDE2026-01-01:1.0:NULL BORDE2026-01-02:5.0:1800 BORDE2026-01-03:2.0:7200 "
	       "IXP2026-01-02:3.0:86400",
	       "resolution: 1 day kept out by 30 min, 2 h replaced by 2 h");
	sb_summary_row u = {"a", "T", "2026-01-02", "BORDE", 10, 4, 4, 4, 4, 1, 40, 200, 0};
	is_int(sb_store_put_summary(st, &u, 1, &err), SB_OK, "resolution: a 5-minute summary");
	sql_value(path,
		  "SELECT inProm || ':' || quote(resolution) FROM DAILY_SUMMARY_HISTORY WHERE "
		  "typeLayer = 'BORDE' AND date = '2026-01-02'",
		  v, sizeof(v));
	is_str(v, "4.0:NULL", "resolution: 5 minutes replaces 30 minutes, resolution gone");
	rows r = {0};
	is_int(sb_store_query_summary(st, "IXP", NULL, NULL, NULL, on_summary_res, &r, &err), SB_OK,
	       "resolution: query");
	is_str(r.text, "IXP|a|2026-01-02|86400|48\n", "resolution: read back with the row");
	memset(&r, 0, sizeof(r));
	sb_store_query_summary(st, "BORDE", NULL, "2026-01-01", "2026-01-01", on_summary_res, &r,
			       &err);
	is_str(r.text, "BORDE|a|2026-01-01|300|288\n", "resolution: NULL reads as 5 minutes");

	char newest[11] = "x";
	ok(sb_store_newest_summary(st, "BORDE", "2026-01-03", newest, &err) == SB_OK &&
		   strcmp(newest, "2026-01-02") == 0,
	   "newest summary of BORDE before 2026-01-03: %s", newest);
	ok(sb_store_newest_summary(st, "BORDE", "2026-01-01", newest, &err) == SB_OK &&
		   newest[0] == '\0',
	   "none before the first day");
	ok(sb_store_newest_summary(st, "RAI", "2027-01-01", newest, &err) == SB_OK &&
		   newest[0] == '\0',
	   "none of a layer without summaries");

	sb_coarse_schema c;
	ok(sb_schema_coarse(&ipbras, SB_RES_2HOUR, &c) == 0 &&
		   strcmp(c.schema.table, "IPBRAS_HISTORY_2H") == 0 &&
		   strcmp(c.schema.index_stem, "ip_bras_2h") == 0 &&
		   strcmp(c.schema.key, "brasname") == 0 && c.schema.in_only,
	   "resolution: IPBRAS's 2-hour table, its key and stem");
	ok(sb_schema_coarse(&ipbras, SB_RES_5MIN, &c) == -1, "resolution: 5 minutes has none");
	is_str(sb_res_label(SB_RES_30MIN), "30 min", "resolution: label of 30 minutes");
	is_str(sb_res_label(SB_RES_1DAY), "1 day", "resolution: label of 1 day");
	sb_store_close(&st);
	static const char *const files[] = {"res.db", "res.db-wal", "res.db-shm"};
	for (size_t i = 0; i < SB_ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
}

int main(void)
{
	char dir[128];
	if (!tap_tempdir(dir, sizeof(dir), "store-sqlite")) {
		perror("mkdtemp");
		return 1;
	}
	char path[256], uri[300], v[512];
	snprintf(path, sizeof(path), "%s/h.db", dir);
	snprintf(uri, sizeof(uri), "sqlite:%s", path);
	sb_err err = {0};
	sb_store *st = NULL;
	sb_store_opts opts = {NULL, 200};

	is_int(sb_store_open(uri, &opts, &st, &err), SB_OK, "open a new SQLite file");
	is_str(sb_store_backend(st), "sqlite", "backend name");
	sql_value(path, "PRAGMA journal_mode", v, sizeof(v));
	is_str(v, "wal", "WAL journal");
	is_int(sb_store_start(st, schemas, 2, &err), SB_OK, "start creates tables");
	is_int(sb_store_start(st, schemas, 2, &err), SB_OK, "start again is fine");
	sql_value(path,
		  "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master "
		  "WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name)",
		  v, sizeof(v));
	is_str(v,
	       "borde_1d_by_date_index,borde_2h_by_date_index,borde_30m_by_date_index,"
	       "borde_by_date_index,daily_summary_by_date_index,daily_summary_by_date_typelayer_"
	       "index,"
	       "ip_bras_1d_by_date_index,ip_bras_2h_by_date_index,ip_bras_30m_by_date_index,"
	       "ip_bras_by_date_index",
	       "secondary indexes under the MongoDB names, the coarser tables' too");
	sql_value(path,
		  "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master "
		  "WHERE type = 'table' ORDER BY name)",
		  v, sizeof(v));
	is_str(v,
	       "BORDE_HISTORY,BORDE_HISTORY_1D,BORDE_HISTORY_2H,BORDE_HISTORY_30M,"
	       "DAILY_SUMMARY_HISTORY,IPBRAS_HISTORY,IPBRAS_HISTORY_1D,IPBRAS_HISTORY_2H,"
	       "IPBRAS_HISTORY_30M",
	       "a table per layer and coarser resolution");
	sql_value(path,
		  "SELECT group_concat(name, ',') FROM (SELECT name FROM "
		  "pragma_table_info('IPBRAS_HISTORY') WHERE pk > 0 ORDER BY pk)",
		  v, sizeof(v));
	is_str(v, "brasname,date,time,type", "IPBRAS key: the unique index's fields, in its order");
	sql_value(path,
		  "SELECT group_concat(name, ',') FROM (SELECT name FROM "
		  "pragma_table_info('BORDE_HISTORY') WHERE pk > 0 ORDER BY pk)",
		  v, sizeof(v));
	is_str(v, "name,type,date,time", "BORDE key: name, type, date, time");
	sql_value(path,
		  "SELECT group_concat(name || ' ' || type, ',') FROM "
		  "pragma_table_info('BORDE_HISTORY')",
		  v, sizeof(v));
	is_str(v,
	       "name TEXT,type TEXT,date TEXT,time TEXT,capacity REAL,inProm INTEGER,"
	       "inMaxProm INTEGER,outProm INTEGER,outMaxProm INTEGER",
	       "BORDE_HISTORY columns");
	sql_value(path,
		  "SELECT group_concat(name || ' ' || type, ',') FROM "
		  "pragma_table_info('IPBRAS_HISTORY')",
		  v, sizeof(v));
	is_str(v,
	       "brasname TEXT,type TEXT,date TEXT,time TEXT,capacity REAL,inProm INTEGER,"
	       "inMaxProm INTEGER",
	       "IPBRAS_HISTORY has no out columns");

	sb_history_row h[] = {
		{"if-b", "CISCO", "2026-01-02", "00:05:00", 10, 100, 200, 150, 250},
		{"if-a", "HUAWEI", "2026-01-02", "00:10:00", 100, 1, 2, 3, 4},
		{"if-a", "HUAWEI", "2026-01-02", "00:05:00", 100, 5, 6, 7, 8},
		{"if-a", "HUAWEI", "2026-01-03", "00:05:00", 100, 9, 10, 11, 12},
	};
	is_int(sb_store_put_history(st, &borde, h, 4, &err), SB_OK, "put history");
	sql_value(path, "SELECT count(*) FROM BORDE_HISTORY", v, sizeof(v));
	is_str(v, "4", "four rows");
	h[0].in_avg = 101;
	h[0].capacity = 40;
	is_int(sb_store_put_history(st, &borde, h, 4, &err), SB_OK, "put the same rows again");
	sql_value(path, "SELECT count(*) FROM BORDE_HISTORY", v, sizeof(v));
	is_str(v, "4", "still four rows");
	sql_value(path,
		  "SELECT inProm || ' ' || capacity || ' ' || typeof(inProm) || ' ' || "
		  "typeof(capacity) FROM BORDE_HISTORY WHERE name = 'if-b'",
		  v, sizeof(v));
	is_str(v, "101 40.0 integer real", "updated in place, measures integer, capacity real");
	sql_value(path,
		  "SELECT inProm || ' ' || inMaxProm || ' ' || outProm || ' ' || outMaxProm "
		  "FROM BORDE_HISTORY WHERE name = 'if-b'",
		  v, sizeof(v));
	is_str(v, "101 150 200 250", "in_avg, in_max, out_avg, out_max in their columns");

	rows r = {.n = 0};
	is_int(sb_store_query_history(st, &borde, NULL, NULL, "2026-01-02", "2026-01-02",
				      on_history, &r, &err),
	       SB_OK, "query history of one day");
	is_str(r.text,
	       "if-a|HUAWEI|2026-01-02|00:05:00|100|5|6|7|8\n"
	       "if-a|HUAWEI|2026-01-02|00:10:00|100|1|2|3|4\n"
	       "if-b|CISCO|2026-01-02|00:05:00|40|101|200|150|250\n",
	       "ordered by name, type, date, time");
	memset(&r, 0, sizeof(r));
	is_int(sb_store_query_history(st, &borde, "if-a", "HUAWEI", NULL, NULL, on_history, &r,
				      &err),
	       SB_OK, "query one interface, open range");
	is_int(r.n, 3, "three samples of if-a");
	memset(&r, 0, sizeof(r));
	is_int(sb_store_query_history(st, &borde, "if-a", "CISCO", NULL, NULL, on_history, &r,
				      &err),
	       SB_OK, "query name and another type");
	is_int(r.n, 0, "no sample");
	memset(&r, 0, sizeof(r));
	r.stop_after = 1;
	is_int(sb_store_query_history(st, &borde, NULL, NULL, NULL, NULL, on_history, &r, &err),
	       SB_ECANCELED, "a callback's code stops the query and is returned");
	is_int(r.n, 1, "... after one row");

	sb_history_row ip[] = {
		{"BRAS-1", "HUAWEI", "2026-01-02", "00:05:00", 0, 4000, 0, 4100, 0},
	};
	ip[0].in_avg = 3999;
	is_int(sb_store_put_history(st, &ipbras, ip, 1, &err), SB_OK, "put IPBRAS history");
	ip[0].in_avg = 4000;
	is_int(sb_store_put_history(st, &ipbras, ip, 1, &err), SB_OK,
	       "put it again (conflict target in another order than the unique index)");
	sql_value(path, "SELECT count(*) || ' ' || inProm FROM IPBRAS_HISTORY", v, sizeof(v));
	is_str(v, "1 4000", "one IPBRAS row, updated");
	memset(&r, 0, sizeof(r));
	sb_store_query_history(st, &ipbras, "BRAS-1", NULL, "2026-01-01", "2026-01-31", on_history,
			       &r, &err);
	is_str(r.text, "BRAS-1|HUAWEI|2026-01-02|00:05:00|0|4000|0|4100|0\n",
	       "IPBRAS reads back by brasname, out zero");

	sb_summary_row s[] = {
		{"if-b", "CISCO", "2026-01-02", "BORDE", 10, 1.5, 2.5, 3.5, 4.5, 1, 45, 288, 0},
		{"if-a", "HUAWEI", "2026-01-02", "BORDE", 0, 1, 2, 3, 4, 0, 0, -1, 300},
		{"if-a", "CISCO", "2026-01-01", "BORDE", 10, 1, 2, 3, 4, 1, 40, 276, 0},
		{"BRAS-1", "HUAWEI", "2026-01-02", "IPBRAS", 0, 4000, 4100, 0, 0, 1, 0, 288, 0},
	};
	is_int(sb_store_put_summary(st, s, 4, &err), SB_OK, "put summaries");
	sql_value(path,
		  "SELECT quote(use) || ' ' || quote(samples) || ' ' || typeof(inProm) FROM "
		  "DAILY_SUMMARY_HISTORY WHERE name = 'if-a' AND type = 'HUAWEI'",
		  v, sizeof(v));
	is_str(v, "NULL NULL real", "use and samples NULL when unknown; summary measures real");
	s[0].samples = -1;
	s[0].in_prom = 9.25;
	is_int(sb_store_put_summary(st, s, 4, &err), SB_OK, "put summaries again");
	sql_value(path, "SELECT count(*) || ' ' || sum(samples) FROM DAILY_SUMMARY_HISTORY", v,
		  sizeof(v));
	is_str(v, "4 852", "same row count; an unknown samples keeps the stored one");
	memset(&r, 0, sizeof(r));
	is_int(sb_store_query_summary(st, NULL, NULL, "2026-01-01", "2026-01-02", on_summary, &r,
				      &err),
	       SB_OK, "query summaries");
	is_str(r.text,
	       "BORDE|CISCO|if-a|2026-01-01|10|1|2|3|4|40|276\n"
	       "BORDE|CISCO|if-b|2026-01-02|10|9.25|2.5|3.5|4.5|45|288\n"
	       "BORDE|HUAWEI|if-a|2026-01-02|0|1|2|3|4|null|-1\n"
	       "IPBRAS|HUAWEI|BRAS-1|2026-01-02|0|4000|4100|0|0|0|288\n",
	       "ordered by layer, type, name, date; null use read back");
	memset(&r, 0, sizeof(r));
	sb_store_query_summary(st, "BORDE", "if-a", "2026-01-02", NULL, on_summary, &r, &err);
	is_int(r.n, 1, "layer, name and from filters");
	sb_summary_row older = {"if-b", "CISCO", "2026-01-01", "BORDE", 10, 7, 7, 7,
				7,      1,       70,           288,     0};
	is_int(sb_store_put_summary(st, &older, 1, &err), SB_OK, "an older day of if-b");
	memset(&r, 0, sizeof(r));
	is_int(sb_store_query_summary_newest(st, "2026-01-01", "2026-01-02", on_summary, &r, &err),
	       SB_OK, "the newest summary of each interface");
	is_int(r.n, 4, "one row per interface");
	ok(strstr(r.text, "BORDE|CISCO|if-a|2026-01-01|10|1|2|3|4|40|276\n") != NULL &&
		   strstr(r.text, "BORDE|CISCO|if-b|2026-01-02|10|9.25|2.5|3.5|4.5|45|288\n") !=
			   NULL &&
		   strstr(r.text, "BORDE|HUAWEI|if-a|2026-01-02|0|1|2|3|4|null|-1\n") != NULL &&
		   strstr(r.text, "IPBRAS|HUAWEI|BRAS-1|2026-01-02|0|4000|4100|0|0|0|288\n") !=
			   NULL,
	   "each the newest of its days, whole: an interface missing on the newest day too");
	memset(&r, 0, sizeof(r));
	sb_store_query_summary_newest(st, "2026-01-01", "2026-01-01", on_summary, &r, &err);
	is_str(r.text,
	       "BORDE|CISCO|if-a|2026-01-01|10|1|2|3|4|40|276\n"
	       "BORDE|CISCO|if-b|2026-01-01|10|7|7|7|7|70|288\n",
	       "a range ending earlier: the rows of its last day");

	/* All or nothing: a trigger refuses one row in the middle of the batch. */
	ok(sql_exec(path,
		    "CREATE TRIGGER refuse BEFORE INSERT ON BORDE_HISTORY WHEN NEW.name = 'bad' "
		    "BEGIN SELECT RAISE(ABORT, 'refused by test'); END") == SQLITE_OK,
	   "add a trigger");
	sb_history_row bad[] = {
		{"new-1", "ZTE", "2026-01-05", "00:05:00", 1, 1, 1, 1, 1},
		{"bad", "ZTE", "2026-01-05", "00:05:00", 1, 1, 1, 1, 1},
	};
	sb_err_clear(&err);
	is_int(sb_store_put_history(st, &borde, bad, 2, &err), SB_ESTORE,
	       "a refused row fails the put");
	ok(strstr(err.msg, "refused by test") != NULL && strstr(err.msg, "row 2") != NULL,
	   "message names the row and SQLite's reason: %s", err.msg);
	sql_value(path, "SELECT count(*) FROM BORDE_HISTORY", v, sizeof(v));
	is_str(v, "4", "nothing of the failed put was stored");
	sql_exec(path, "DROP TRIGGER refuse");
	sb_err_clear(&err);
	is_int(sb_store_put_history(st, &borde, bad, 1, &err), SB_OK,
	       "the store works after a failure");

	/* Busy: another connection holds the write lock longer than the busy timeout. */
	sqlite3 *other = NULL;
	sqlite3_open(path, &other);
	ok(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK,
	   "lock from outside");
	sb_err_clear(&err);
	is_int(sb_store_put_history(st, &borde, h, 1, &err), SB_ESTORE,
	       "locked database: clean error");
	ok(strstr(err.msg, "locked") != NULL, "message says locked: %s", err.msg);
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(other);

	sb_err_clear(&err);
	is_int(sb_store_drop(st, schemas, 2, &err), SB_OK, "drop");
	sql_value(path, "SELECT count(*) FROM sqlite_master WHERE type = 'table'", v, sizeof(v));
	is_str(v, "0", "no table left");
	is_int(sb_store_drop(st, schemas, 2, &err), SB_OK, "drop again is fine");
	memset(&r, 0, sizeof(r));
	is_int(sb_store_query_summary(st, NULL, NULL, NULL, NULL, on_summary, &r, &err), SB_OK,
	       "query of a missing table");
	is_int(r.n, 0, "... yields no rows");
	is_int(sb_store_put_history(st, &borde, h, 4, &err), SB_OK,
	       "put after drop recreates the table");
	sql_value(path,
		  "SELECT (SELECT count(*) FROM sqlite_master WHERE name = 'borde_by_date_index') "
		  "+ (SELECT count(*) FROM pragma_table_info('BORDE_HISTORY') WHERE pk > 0)",
		  v, sizeof(v));
	is_str(v, "5", "... with its 4-column primary key and its date index");
	is_int(sb_store_put_summary(st, s, 1, &err), SB_OK, "put summary without start");
	sb_store_close(&st);
	ok(st == NULL, "close sets NULL");

	/* Errors. */
	char bad_path[300];
	snprintf(bad_path, sizeof(bad_path), "sqlite:%s/no/such/dir/h.db", dir);
	sb_err_clear(&err);
	is_int(sb_store_open(bad_path, NULL, &st, &err), SB_ESTORE, "missing directory: error");
	ok(strstr(err.msg, "/no/such/dir/h.db") != NULL && strstr(err.msg, "open") != NULL,
	   "message names the file: %s", err.msg);
	ok(st == NULL, "no store returned");

	char junk[256];
	snprintf(junk, sizeof(junk), "%s/junk.db", dir);
	FILE *f = fopen(junk, "w");
	for (int i = 0; f != NULL && i < 256; i++)
		fputs("this is not an SQLite database at all. ", f);
	if (f != NULL)
		fclose(f);
	snprintf(uri, sizeof(uri), "sqlite:%s", junk);
	sb_err_clear(&err);
	is_int(sb_store_open(uri, NULL, &st, &err), SB_ESTORE, "corrupt file: error");
	ok(strstr(err.msg, "not a database") != NULL, "message says why: %s", err.msg);

	snprintf(uri, sizeof(uri), "sqlite:%s", dir);
	sb_err_clear(&err);
	is_int(sb_store_open(uri, NULL, &st, &err), SB_ESTORE, "a directory: error");

	sb_err_clear(&err);
	is_int(sb_store_open("postgres://scan:hunter2@db.example/scan", NULL, &st, &err), SB_EINVAL,
	       "unsupported URI scheme");
	ok(strstr(err.msg, "hunter2") == NULL && strstr(err.msg, "scan:***@db.example") != NULL,
	   "password masked: %s", err.msg);
	ok(strstr(err.msg, "sqlite:PATH") != NULL && strstr(err.msg, "mongodb://") != NULL &&
		   strstr(err.msg, "mongodb+srv://") != NULL,
	   "message lists the accepted forms");
	sb_err_clear(&err);
	is_int(sb_store_open("sqlite:", NULL, &st, &err), SB_EINVAL, "sqlite: without a path");

	char *m = sb_store_mask_uri("mongodb://u:p%40ss@h1:27017,h2/db?authSource=admin");
	is_str(m, "mongodb://u:***@h1:27017,h2/db?authSource=admin", "mask_uri");
	free(m);
	m = sb_store_mask_uri("mongodb://h1/db?x=a:b@c");
	is_str(m, "mongodb://h1/db?x=a:b@c", "mask_uri leaves a URI without userinfo alone");
	free(m);
	m = sb_store_scrub("bad 'mongodb://u:s3cr@h' s3cr", "mongodb://u:s3cr@h");
	is_str(m, "bad 'mongodb://u:***@h' ***", "scrub");
	free(m);

	static const sb_schema evil = {"X", "X\"; DROP TABLE t; --", "name", "x", 0};
	sb_err_clear(&err);
	snprintf(uri, sizeof(uri), "sqlite:%s", path);
	sb_store_open(uri, NULL, &st, &err);
	is_int(sb_store_put_history(st, &evil, h, 1, &err), SB_EINVAL, "table names are checked");
	sb_store_close(&st);

	test_resolution(dir);
	test_range(dir);

	static const char *const files[] = {"h.db",    "h.db-wal",    "h.db-shm",
					    "junk.db", "junk.db-wal", "junk.db-shm"};
	for (size_t i = 0; i < SB_ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	ok(rmdir(dir) == 0, "temporary directory removed");
	return tap_done();
}
