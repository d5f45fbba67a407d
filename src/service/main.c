/*
 * main.c - parleyd, the live mediation service: reads the flags, opens the
 * store and the live sessions, and serves them over HTTP (http.c) until
 * SIGTERM or SIGINT; then it stops accepting, lets the requests in flight
 * finish, and closes the store.  Every write is durable before its reply
 * (ledger.h), so stopping loses nothing that was acknowledged.
 *
 *   parleyd --db PATH --listen ADDR:PORT [--keys DIR] [--web DIR] [--threads N]
 *   parleyd --db PATH [--keys DIR] --mediator ID   (prints a token, exits)
 *   parleyd --routes                               (the route table)
 *
 * The signals are blocked before any thread starts, so every thread
 * inherits the mask and only the main thread, in sigwait(), receives them.
 */
/* realpath() is an X/Open function. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "parley/alloc.h"
#include "parley/ledger.h"
#include "scenario/scenario_internal.h"
#include "service/service_internal.h"

#ifndef PARLEYD_WEB_DIR
#define PARLEYD_WEB_DIR ""
#endif

enum { EXIT_USAGE = 64, EXIT_FAIL = 1 };

static const char usage[] =
    "Usage: parleyd --db PATH --listen ADDR:PORT [--keys DIR] [--web DIR]\n"
    "               [--threads N]\n"
    "       parleyd --db PATH [--keys DIR] --mediator ID\n"
    "       parleyd --routes\n"
    "\n"
    "Serves live mediation sessions over HTTP/JSON (docs/openapi.json).\n"
    "  --db PATH        the store (default: parley's default store path)\n"
    "  --listen A:P     IPv4 or [IPv6] address and port (0: any free port;\n"
    "                   the chosen one is printed on standard output)\n"
    "  --keys DIR       actors' key directory (default: parley's key dir)\n"
    "  --web DIR        the web UI's files (default: the source tree's web/)\n"
    "  --threads N      worker threads (default 2)\n"
    "  --mediator ID    issue a mediator token for ID, print it once, exit\n"
    "  --routes         print the route table (METHOD PATH) and exit\n";

typedef struct args {
    const char *db, *listen, *keys, *web, *mediator;
    unsigned threads;
    int routes;
} args_t;

static int usage_error(const char *fmt, const char *what)
{
    fprintf(stderr, "parleyd: ");
    fprintf(stderr, fmt, what);
    fprintf(stderr, "\nTry 'parleyd --help'.\n");
    return EXIT_USAGE;
}

static int parse_args(int argc, char **argv, args_t *a)
{
    a->threads = 2;
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i];
        const char **slot = !strcmp(f, "--db")         ? &a->db
                            : !strcmp(f, "--listen")   ? &a->listen
                            : !strcmp(f, "--keys")     ? &a->keys
                            : !strcmp(f, "--web")      ? &a->web
                            : !strcmp(f, "--mediator") ? &a->mediator
                                                       : NULL;
        if (!strcmp(f, "--help") || !strcmp(f, "-h")) {
            fputs(usage, stdout);
            exit(0);
        } else if (!strcmp(f, "--routes")) {
            a->routes = 1;
        } else if (!strcmp(f, "--threads")) {
            if (++i == argc)
                return usage_error("%s needs a value", f);
            char *end;
            errno = 0;
            unsigned long n = strtoul(argv[i], &end, 10);
            if (*argv[i] < '0' || *argv[i] > '9' || *end || errno || n < 1 ||
                n > 64)
                return usage_error("--threads: expected 1..64, found '%s'",
                                   argv[i]);
            a->threads = (unsigned)n;
        } else if (slot) {
            if (++i == argc)
                return usage_error("%s needs a value", f);
            *slot = argv[i];
        } else {
            return usage_error("unknown argument '%s'", f);
        }
    }
    if (!a->routes && !a->mediator && !a->listen)
        return usage_error("%s", "expected --listen ADDR:PORT, --mediator ID "
                                 "or --routes");
    if (a->mediator && a->listen)
        return usage_error("%s", "--mediator issues a token and exits; it "
                                 "does not go with --listen");
    return 0;
}

/* "1.2.3.4:80" or "[::1]:80" into addr and port. */
static int parse_listen(const char *s, char *addr, size_t size,
                        unsigned *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s)
        return 0;
    const char *a = s, *e = colon;
    if (*s == '[') {
        if (e[-1] != ']')
            return 0;
        a++;
        e--;
    }
    if ((size_t)(e - a) >= size || e == a)
        return 0;
    memcpy(addr, a, (size_t)(e - a));
    addr[e - a] = '\0';
    char *end;
    errno = 0;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (colon[1] < '0' || colon[1] > '9' || *end || errno || p > 65535)
        return 0;
    *port = (unsigned)p;
    return 1;
}

static void print_diags(const char *what, parley_status_t st,
                        const parley_diags_t *d)
{
    fprintf(stderr, "parleyd: %s: %s\n", what, parley_status_message(st));
    if (d)
        parley_diags_print(d, stderr);
}

/* The web root: --web, else the source tree's web/ when it exists. */
static void resolve_web(const args_t *a, svc_t *svc)
{
    const char *dir = a->web ? a->web : PARLEYD_WEB_DIR;
    struct stat sb;
    svc->web_root[0] = '\0';
    if (!*dir || stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode) ||
        !realpath(dir, svc->web_root)) {
        svc->web_root[0] = '\0';
        if (a->web)
            fprintf(stderr, "parleyd: --web %s: not a readable directory; "
                            "serving no UI\n", a->web);
    }
}

static int issue_mediator(svc_t *svc, const char *id)
{
    char token[PARLEY_LIVE_TOKEN_SIZE];
    parley_diags_t *d = parley_diags_new();
    parley_status_t st =
        parley_live_issue(svc->live, NULL, NULL, id, PARLEY_ROLE_OBSERVER,
                          token, d);
    if (st == PARLEY_OK)
        printf("%s\n", token);
    else
        print_diags("--mediator", st, d);
    memset(token, 0, sizeof token);
    parley_diags_free(d);
    return st == PARLEY_OK && fflush(stdout) == 0 ? 0 : EXIT_FAIL;
}

static int serve(svc_t *svc, const args_t *a, const char *addr,
                 unsigned port, const sigset_t *sigs)
{
    svc_daemon_t *d = NULL;
    parley_status_t st = svc_daemon_start(svc, addr, port, a->threads, &d);
    if (st != PARLEY_OK) {
        fprintf(stderr, "parleyd: cannot listen on %s: %s\n", a->listen,
                st == PARLEY_EARG ? "not an IP address"
                                  : "address in use or not available");
        return EXIT_FAIL;
    }
    printf("parleyd: listening on %s%s%s:%u\n", strchr(addr, ':') ? "[" : "",
           addr, strchr(addr, ':') ? "]" : "", svc_daemon_port(d));
    fflush(stdout);
    int sig = 0;
    while (sigwait(sigs, &sig) != 0)
        ;
    fprintf(stderr, "parleyd: %s: stopping\n",
            sig == SIGTERM ? "SIGTERM" : "SIGINT");
    svc_daemon_stop(d);
    return 0;
}

int main(int argc, char **argv)
{
    args_t a;
    memset(&a, 0, sizeof a);
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc;
    if (a.routes) {
        for (size_t i = 0; i < svc_n_routes; i++)
            printf("%s %s\n", svc_routes[i].method, svc_routes[i].pattern);
        return 0;
    }
    char addr[64];
    unsigned port = 0;
    if (a.listen && !parse_listen(a.listen, addr, sizeof addr, &port))
        return usage_error("--listen: expected ADDR:PORT, found '%s'",
                           a.listen);

    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    parley__json_use_parley_alloc();

    static svc_t svc; /* web_root is PATH_MAX: not on the stack */
    pthread_mutex_init(&svc.lock, NULL);
    resolve_web(&a, &svc);
    parley_diags_t *d = parley_diags_new();
    parley_status_t st = parley_store_open(a.db, &svc.store, d);
    if (st != PARLEY_OK) {
        print_diags(a.db ? a.db : "the default store", st, d);
        parley_diags_free(d);
        return EXIT_FAIL;
    }
    st = parley_live_open(svc.store, a.keys, &svc.live, d);
    if (st != PARLEY_OK) {
        print_diags("opening the live sessions", st, d);
        parley_diags_free(d);
        parley_store_close(svc.store);
        return EXIT_FAIL;
    }
    parley_diags_free(d);
    rc = a.mediator ? issue_mediator(&svc, a.mediator)
                    : serve(&svc, &a, addr, port, &sigs);
    parley_live_close(svc.live);
    parley_store_close(svc.store);
    pthread_mutex_destroy(&svc.lock);
    return rc;
}
