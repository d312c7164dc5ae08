/* settings_test.c - the settings table: each loaded struct answers for its own file, unknown keys
 * with their hint, typed values, time zones, the "did you mean" distance. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/sb.h"
#include "base/settings.h"
#include "base/timeutil.h"
#include "tap.h"

/* A fresh root holding a .env with text; caller frees. */
static char *root_with(const char *text)
{
	char dir[256];
	if (!tap_tempdir(dir, sizeof(dir), "settings"))
		return NULL;
	char *path = sb_fs_join(dir, ".env");
	sb_fs_write_atomic(path, text, strlen(text), NULL);
	free(path);
	return sb_xstrdup(dir);
}

static void root_drop(char *root)
{
	char *path = sb_fs_join(root, ".env");
	unlink(path);
	free(path);
	rmdir(root);
	free(root);
}

/* Loads a root holding text: the return code, err filled. */
static int load_text(const char *text, sb_settings *s, sb_err *err)
{
	char *root = root_with(text);
	int rc = sb_settings_load(s, root, 0, err);
	root_drop(root);
	return rc;
}

int main(void)
{
	/* Two settings loaded one after the other each keep their own file. */
	char *r1 = root_with("SCAN_URL_BORDE_HUAWEI=https://one.example/b\n");
	char *r2 = root_with("SCAN_URL_BORDE_HUAWEI=https://two.example/b\nSCAN_URL_IXP=x\n");
	sb_settings s1, s2;
	sb_err err = {0};
	ok(sb_settings_load(&s1, r1, 0, &err) == SB_OK &&
		   sb_settings_load(&s2, r2, 0, &err) == SB_OK,
	   "two roots load (%s)", err.msg);
	is_str(sb_settings_get(&s1, "SCAN_URL_BORDE_HUAWEI"), "https://one.example/b",
	       "sb_settings_get answers from the settings it is given (the first)");
	is_str(sb_settings_get(&s2, "SCAN_URL_BORDE_HUAWEI"), "https://two.example/b",
	       "and from the second");
	ok(sb_settings_get(&s1, "SCAN_URL_IXP") == NULL, "a key only the other file has is unset");
	sb_settings_free(&s1);
	is_str(sb_settings_get(&s2, "SCAN_URL_IXP"), "x", "freeing one leaves the other whole");
	sb_settings_free(&s2);
	root_drop(r1);
	root_drop(r2);

	/* Unknown keys: file:line, and the close key. */
	sb_settings s;
	sb_err e = {0};
	ok(load_text("TIMEZONE=UTC\n\nSERVE_THRAEDS=8\n", &s, &e) == SB_EINVAL &&
		   strstr(e.msg,
			  "/.env:3: unknown setting SERVE_THRAEDS (did you mean SERVE_THREADS?)") !=
			   NULL,
	   "a misspelt key: file:line and the key meant (%s)", e.msg);
	sb_settings_free(&s);
	sb_err_clear(&e);
	ok(load_text("MONITOR_PARALEL=8\n", &s, &e) == SB_EINVAL &&
		   strstr(e.msg, "(did you mean MONITOR_PARALLEL?)") != NULL,
	   "a MONITOR_ key is checked like every other (%s)", e.msg);
	sb_settings_free(&s);
	sb_err_clear(&e);
	ok(load_text("COMPLETELY_OTHER=1\n", &s, &e) == SB_EINVAL &&
		   strstr(e.msg, "unknown setting COMPLETELY_OTHER") != NULL &&
		   strstr(e.msg, "did you mean") == NULL,
	   "a key close to none: no hint (%s)", e.msg);
	sb_settings_free(&s);
	sb_err_clear(&e);

	/* Values: typed, ranged, a zone the C library knows. */
	ok(load_text("MONITOR_PARALLEL=0\n", &s, &e) == SB_EINVAL &&
		   strstr(e.msg,
			  ".env:1: MONITOR_PARALLEL=\"0\": expected a whole number from 1 to "
			  "65536") != NULL,
	   "out of range (%s)", e.msg);
	sb_settings_free(&s);
	sb_err_clear(&e);
	ok(load_text("LOG_LEVEL=loud\n", &s, &e) == SB_EINVAL &&
		   strstr(e.msg, "expected error, warning, info or debug") != NULL,
	   "a log level (%s)", e.msg);
	sb_settings_free(&s);
	sb_err_clear(&e);
	ok(load_text("MONITOR_CENTRAL_URL=ftp://central\n", &s, &e) == SB_EINVAL &&
		   strstr(e.msg, "expected a URL http://") != NULL,
	   "a URL (%s)", e.msg);
	sb_settings_free(&s);
	sb_err_clear(&e);
	ok(load_text("TIMEZONE=America/Caracs\n", &s, &e) == SB_EINVAL &&
		   strstr(e.msg, ".env:1: TIMEZONE=\"America/Caracs\": expected a time zone") !=
			   NULL &&
		   strstr(e.msg, "did you mean America/Caracas?") != NULL,
	   "a misspelt zone (%s)", e.msg);
	sb_settings_free(&s);
	sb_err_clear(&e);
	ok(load_text("TZ=Mars/Olympus\n", &s, &e) == SB_EINVAL && strstr(e.msg, "TZ=") != NULL,
	   "TZ in the file is checked too (%s)", e.msg);
	sb_settings_free(&s);
	sb_err_clear(&e);
	ok(load_text("TIMEZONE=America/Caracas\nMONITOR_SYNC_INTERVAL=2.5\nLOG_LEVEL=DEBUG\n"
		     "MONITOR_CENTRAL_URL=https://central:8443/\nMONITOR_CONFIG=box.json\n",
		     &s, &e) == SB_OK,
	   "good values load (%s)", e.msg);
	ok(strcmp(s.timezone, "America/Caracas") == 0 && s.monitor_sync_interval == 2.5 &&
		   strcmp(s.log_level, "debug") == 0 && s.monitor_parallel == 1024 &&
		   strcmp(s.monitor_config, "box.json") == 0 && s.monitor_stop_grace == 30,
	   "typed into the struct, defaults for the rest");
	sb_settings_free(&s);

	/* The zone check on its own. */
	char near[128];
	const char *good[] =
		{"UTC",     "America/Caracas",        ":America/Caracas",          "<-04>4",
		 "EST5EDT", "EST5EDT,M3.2.0,M11.1.0", "CET-1CEST,M3.5.0,M10.5.0/3"};
	for (size_t i = 0; i < SB_ARRAY_SIZE(good); i++)
		ok(sb_time_zone_check(good[i], near, sizeof(near)) == SB_OK, "zone %s", good[i]);
	const char *bad[] = {"",        "Foo",   "America/Caracs", "../../etc/passwd",
			     "Nowhere", "<-04>", "UTC0,M3"};
	for (size_t i = 0; i < SB_ARRAY_SIZE(bad); i++)
		ok(sb_time_zone_check(bad[i], near, sizeof(near)) == SB_EINVAL,
		   "not a zone: \"%s\"", bad[i]);
	sb_time_zone_check("Europe/Lodnon", near, sizeof(near));
	is_str(near, "Europe/London", "the closest zone of the region");
	sb_time_zone_check("Amrica/Caracas", near, sizeof(near));
	is_str(near, "America/Caracas", "of the closest region");
	sb_time_zone_check("caracas", near, sizeof(near));
	is_str(near, "America/Caracas", "a city alone");

	/* The distance the hints measure. */
	is_int(sb_str_distance("SERVE_THRAEDS", "SERVE_THREADS", 3), 1, "a swap is one edit");
	is_int(sb_str_distance("SCAN_PARALEL", "SCAN_PARALLEL", 3), 1, "a letter left out is one");
	is_int(sb_str_distance("abc", "abc", 3), 0, "equal: 0");
	is_int(sb_str_distance("kitten", "sitting", 3), 3, "kitten/sitting: 3");
	is_int(sb_str_distance("kitten", "sitting", 2), 3, "over the limit: limit + 1");
	printf("1..%d\n", tap_n);
	return tap_failed == 0 ? 0 : 1;
}
