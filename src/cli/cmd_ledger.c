/*
 * cmd_ledger.c - `parley ledger export|register`: the ledger as a portable
 * JSON-lines file, and an actor's key recorded in it.
 *
 * Also the CLI's one way to open a store (cli_open_store), so every command
 * that takes --db treats a missing file, a newer schema or a file that is
 * not a database alike.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli_internal.h"

const char cli_help_ledger[] =
    "Usage: parley ledger export [--db PATH] [-o FILE]\n"
    "       parley ledger register ACTOR [--db PATH] [--keys DIR]\n"
    "\n"
    "export    writes the whole ledger, one JSON object per line in seq\n"
    "          order, from one consistent snapshot.  The file verifies on its\n"
    "          own: 'parley verify --export FILE'.\n"
    "register  records ACTOR's public key in the ledger, so that entries\n"
    "          ACTOR signs can be verified.  The key is DIR/ACTOR.key,\n"
    "          generated (mode 0600, in a 0700 directory) if it does not\n"
    "          exist yet.  Registering the same key again changes nothing.\n"
    "\n"
    "Options:\n"
    "  --db PATH     the database (default: $XDG_DATA_HOME/parley/parley.db,\n"
    "                else ~/.local/share/parley/parley.db); export never\n"
    "                creates it, register does\n"
    "  -o, --output FILE  where to write the export (default: standard output)\n"
    "  --keys DIR    key directory (default: $XDG_DATA_HOME/parley/keys, else\n"
    "                ~/.local/share/parley/keys)\n"
    "\n"
    "Exit status: 0 success, 1 the database or key is refused (message on\n"
    "stderr), 64 usage error, 66 the database cannot be read, 73 the output\n"
    "cannot be written.\n";

int cli_open_store(const char *cmd, const char *path, int must_exist,
                   parley_store_t **out)
{
    *out = NULL;
    char def[4096];
    const char *shown = path;
    if (!path) {
        if (parley_store_default_path(def, sizeof def) != PARLEY_OK)
            return cli_error(cmd, CLI_EXIT_USAGE,
                             "no default database location: set "
                             "XDG_DATA_HOME or HOME, or give --db PATH");
        shown = def;
    }
    if (must_exist) {
        struct stat sb;
        if (stat(shown, &sb) != 0)
            return cli_error(cmd, CLI_EXIT_NOINPUT,
                             "cannot read the database '%s': %s", shown,
                             strerror(errno));
        if (!S_ISREG(sb.st_mode))
            return cli_error(cmd, CLI_EXIT_NOINPUT,
                             "cannot read the database '%s': not a file",
                             shown);
    }
    parley_diags_t *diags = parley_diags_new();
    if (!diags)
        return cli_error(cmd, CLI_EXIT_INTERNAL, "out of memory");
    parley_status_t st = parley_store_open(path, out, diags);
    if (st != PARLEY_OK) {
        parley_diags_print(diags, stderr);
        if (parley_diags_count(diags) == 0)
            cli_error(cmd, 0, "cannot open the database '%s': %s", shown,
                      parley_status_message(st));
    }
    parley_diags_free(diags);
    if (st == PARLEY_ENOMEM)
        return CLI_EXIT_INTERNAL;
    return st == PARLEY_OK ? CLI_EXIT_OK : CLI_EXIT_INVALID;
}

int cli_key_dir(const char *cmd, const char *given, char *buf, size_t size)
{
    if (given) {
        if (strlen(given) >= size)
            return cli_usage_error(cmd, "--keys path is too long");
        memcpy(buf, given, strlen(given) + 1);
        return 0;
    }
    if (parley_key_default_dir(buf, size) != PARLEY_OK)
        return cli_error(cmd, CLI_EXIT_USAGE,
                         "no default key directory: set XDG_DATA_HOME or "
                         "HOME, or give --keys DIR");
    return 0;
}

int cli_load_key(const char *cmd, const char *dir, const char *actor,
                 int create, parley_key_t **out)
{
    *out = NULL;
    parley_diags_t *diags = parley_diags_new();
    if (!diags)
        return cli_error(cmd, CLI_EXIT_INTERNAL, "out of memory");
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.key", dir, actor);
    struct stat sb;
    parley_status_t st;
    if (create && lstat(path, &sb) != 0 && errno == ENOENT)
        st = parley_key_generate(dir, actor, out, diags);
    else
        st = parley_key_load(dir, actor, out, diags);
    if (st != PARLEY_OK) {
        parley_diags_print(diags, stderr);
        if (parley_diags_count(diags) == 0)
            cli_error(cmd, 0, "cannot load the key of '%s': %s", actor,
                      parley_status_message(st));
    }
    parley_diags_free(diags);
    if (st == PARLEY_OK)
        return CLI_EXIT_OK;
    return st == PARLEY_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_INVALID;
}

enum { OPT_DB = 1, OPT_OUTPUT, OPT_KEYS };

static const cli_opt_t ledger_opts[] = {
    {"db", 0, 1, OPT_DB},
    {"output", 'o', 1, OPT_OUTPUT},
    {"keys", 0, 1, OPT_KEYS},
};

static int export_cmd(const char *db, const char *output)
{
    parley_store_t *store = NULL;
    int rc = cli_open_store("ledger export", db, 1, &store);
    if (rc)
        return rc;
    FILE *f = cli_open_output("ledger export", output);
    if (!f) {
        parley_store_close(store);
        return CLI_EXIT_CANTCREAT;
    }
    parley_diags_t *diags = parley_diags_new();
    parley_status_t st =
        diags ? parley_ledger_export(store, f, diags) : PARLEY_ENOMEM;
    if (st != PARLEY_OK) {
        if (diags)
            parley_diags_print(diags, stderr);
        cli_error("ledger export", 0, "export failed: %s",
                  parley_status_message(st));
    }
    parley_diags_free(diags);
    parley_store_close(store);
    int close_rc = cli_close_output("ledger export", output, f);
    if (st != PARLEY_OK) {
        /* A partial export must not pass for a whole one. */
        if (f != stdout && output)
            remove(output);
        return st == PARLEY_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_INVALID;
    }
    return close_rc;
}

static int register_cmd(const char *db, const char *keys, const char *actor)
{
    char dir[4096];
    int rc = cli_key_dir("ledger register", keys, dir, sizeof dir);
    if (rc)
        return rc;
    parley_store_t *store = NULL;
    rc = cli_open_store("ledger register", db, 0, &store);
    if (rc)
        return rc;
    parley_key_t *key = NULL;
    rc = cli_load_key("ledger register", dir, actor, 1, &key);
    if (rc == CLI_EXIT_OK) {
        parley_diags_t *diags = parley_diags_new();
        uint64_t seq = 0;
        parley_status_t st =
            diags ? parley_ledger_register(store, key, &seq, diags)
                  : PARLEY_ENOMEM;
        if (st == PARLEY_OK) {
            char hex[2 * PARLEY_LEDGER_PUBLIC_KEY_BYTES + 1];
            cli_hex(parley_key_public(key), PARLEY_LEDGER_PUBLIC_KEY_BYTES,
                    hex);
            printf("%s: key %s registered at entry %llu\n", actor, hex,
                   (unsigned long long)seq);
        } else {
            if (diags)
                parley_diags_print(diags, stderr);
            rc = st == PARLEY_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_INVALID;
        }
        parley_diags_free(diags);
    }
    parley_key_free(key);
    parley_store_close(store);
    return rc;
}

int cli_cmd_ledger(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("ledger", "missing what to do: export or "
                                         "register");
    const char *sub = argv[1];
    int is_export = strcmp(sub, "export") == 0;
    if (!is_export && strcmp(sub, "register") != 0)
        return cli_usage_error("ledger",
                               "unknown action '%s': expected export or "
                               "register",
                               sub);
    cli_parser_t p;
    cli_parser_init(&p, "ledger", argc - 1, argv + 1, ledger_opts,
                    sizeof ledger_opts / sizeof ledger_opts[0]);
    const char *db = NULL, *output = NULL, *keys = NULL, *actor = NULL, *v;
    int id;
    while ((id = cli_next(&p, &v)) != CLI_END) {
        switch (id) {
        case CLI_BAD:
            return CLI_EXIT_USAGE;
        case CLI_OPERAND:
            if (is_export || actor)
                return cli_usage_error("ledger", "unexpected argument '%s'",
                                       v);
            actor = v;
            break;
        case OPT_DB:
            db = v;
            break;
        case OPT_OUTPUT:
            if (!is_export)
                return cli_usage_error("ledger",
                                       "-o/--output is for 'ledger export'");
            output = v;
            break;
        case OPT_KEYS:
            if (is_export)
                return cli_usage_error("ledger",
                                       "--keys is for 'ledger register'");
            keys = v;
            break;
        }
    }
    if (is_export)
        return export_cmd(db, output);
    if (!actor)
        return cli_usage_error("ledger", "missing the ACTOR to register");
    return register_cmd(db, keys, actor);
}
