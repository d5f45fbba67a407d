/*
 * test_store.c - the parley database: creation with the current schema in
 * WAL mode, reopening, the default location, and refusal (leaving the file
 * untouched) of files from a newer schema and of files that are not
 * databases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "parley/alloc.h"
#include "parley/store.h"

#include <dirent.h>
#include <unistd.h>

static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            char p[1024];
            snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
            struct stat sb;
            if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
                rm_tree(p);
            else
                unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static int setup(void **state)
{
    char tmpl[] = "/tmp/parley-store-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    *state = strdup(dir);
    return 0;
}

static int teardown(void **state)
{
    rm_tree(*state);
    free(*state);
    return 0;
}

static void sql_value(const char *path, const char *sql, char *out, size_t n)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void test_create_and_reopen(void **state)
{
    char path[512];
    snprintf(path, sizeof path, "%s/a.db", (char *)*state);
    parley_store_t *s = NULL;
    parley_diags_t *d = parley_diags_new();
    assert_int_equal(parley_store_open(path, &s, d), PARLEY_OK);
    assert_string_equal(parley_store_path(s), path);
    parley_store_close(s);
    char v[64];
    sql_value(path, "PRAGMA user_version", v, sizeof v);
    assert_int_equal(atoi(v), PARLEY_STORE_SCHEMA_VERSION);
    sql_value(path, "PRAGMA journal_mode", v, sizeof v);
    assert_string_equal(v, "wal");
    sql_value(path,
              "SELECT count(*) FROM sqlite_master WHERE name IN "
              "('ledger','keys','ledger_head','ledger_no_update',"
              "'ledger_no_delete')",
              v, sizeof v);
    assert_string_equal(v, "5");
    /* Reopening migrates nothing and loses nothing. */
    assert_int_equal(parley_store_open(path, &s, d), PARLEY_OK);
    parley_store_close(s);
    sql_value(path, "SELECT seq FROM ledger_head", v, sizeof v);
    assert_string_equal(v, "0");
    assert_int_equal(parley_diags_count(d), 0);
    parley_diags_free(d);
    parley_store_close(NULL);
}

static void test_newer_schema_refused(void **state)
{
    char path[512];
    snprintf(path, sizeof path, "%s/new.db", (char *)*state);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE future(x); PRAGMA "
                                  "user_version = 99;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    size_t n0, n1;
    char *before = slurp(path, &n0);
    parley_store_t *s = (parley_store_t *)1;
    parley_diags_t *d = parley_diags_new();
    assert_int_equal(parley_store_open(path, &s, d), PARLEY_EVERSION);
    assert_null(s);
    assert_int_equal(parley_diags_errors(d), 1);
    const parley_diag_t *g = parley_diags_get(d, 0);
    assert_non_null(strstr(g->message, "99 is newer"));
    assert_string_equal(g->file, path);
    char *after = slurp(path, &n1);
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", path);
    assert_int_not_equal(access(wal, F_OK), 0);
    free(before);
    free(after);
    parley_diags_free(d);
}

static void test_not_a_database(void **state)
{
    char path[512];
    snprintf(path, sizeof path, "%s/junk.db", (char *)*state);
    FILE *f = fopen(path, "wb");
    for (int i = 0; i < 300; i++)
        fputs("this is not a database, only text. ", f);
    fclose(f);
    size_t n0, n1;
    char *before = slurp(path, &n0);
    parley_store_t *s = NULL;
    parley_diags_t *d = parley_diags_new();
    assert_int_equal(parley_store_open(path, &s, d), PARLEY_ESYNTAX);
    assert_null(s);
    assert_non_null(strstr(parley_diags_get(d, 0)->message,
                           "not a parley database"));
    char *after = slurp(path, &n1);
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
    free(before);
    free(after);
    parley_diags_free(d);
}

static void test_default_path(void **state)
{
    const char *dir = *state;
    char *old_xdg = getenv("XDG_DATA_HOME") ? strdup(getenv("XDG_DATA_HOME"))
                                            : NULL;
    char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    char buf[512], want[512];
    setenv("XDG_DATA_HOME", dir, 1);
    assert_int_equal(parley_store_default_path(buf, sizeof buf), PARLEY_OK);
    snprintf(want, sizeof want, "%s/parley/parley.db", dir);
    assert_string_equal(buf, want);
    parley_store_t *s = NULL;
    assert_int_equal(parley_store_open(NULL, &s, NULL), PARLEY_OK);
    assert_string_equal(parley_store_path(s), want);
    parley_store_close(s);
    struct stat sb;
    snprintf(want, sizeof want, "%s/parley", dir);
    assert_int_equal(stat(want, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    assert_int_equal(parley_store_default_path(buf, 8), PARLEY_ELIMIT);

    /* A relative XDG_DATA_HOME is ignored, as the XDG spec says. */
    setenv("XDG_DATA_HOME", "relative", 1);
    setenv("HOME", "/home/someone", 1);
    assert_int_equal(parley_store_default_path(buf, sizeof buf), PARLEY_OK);
    assert_string_equal(buf, "/home/someone/.local/share/parley/parley.db");
    unsetenv("XDG_DATA_HOME");
    unsetenv("HOME");
    assert_int_equal(parley_store_default_path(buf, sizeof buf), PARLEY_EIO);

    if (old_xdg)
        setenv("XDG_DATA_HOME", old_xdg, 1);
    if (old_home)
        setenv("HOME", old_home, 1);
    free(old_xdg);
    free(old_home);
}

static void test_unopenable(void **state)
{
    char path[512];
    snprintf(path, sizeof path, "%s/no/such/dir/x.db", (char *)*state);
    parley_store_t *s = NULL;
    parley_diags_t *d = parley_diags_new();
    assert_int_equal(parley_store_open(path, &s, d), PARLEY_EIO);
    assert_null(s);
    assert_int_equal(parley_diags_errors(d), 1);
    parley_diags_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_and_reopen, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unopenable, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
