/*
 * routes.c - the route table of parleyd (docs/openapi.json) and its
 * handlers: each turns a request into one live.h or ledger.h call and the
 * call's result into a reply.  Nothing here decides who may see or do
 * what; that is the library's, and its statuses map to HTTP statuses in
 * svc_http_status().  Handlers run with the service lock held.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "parley/alloc.h"
#include "parley/ledger.h"
#include "service/service_internal.h"

/* ---- helpers ------------------------------------------------------------ */

/* Reply with the library's JSON text (owned), or its error. */
static void reply_result(svc_reply_t *rep, parley_status_t st, unsigned ok,
                         char *json, const parley_diags_t *diags)
{
    if (st == PARLEY_OK)
        svc_reply_json_owned(rep, ok, json);
    else {
        parley_free(json);
        svc_reply_error(rep, st, diags);
    }
}

/* Reply with a jansson value (consumed). */
static void reply_value(svc_reply_t *rep, unsigned status, json_t *v)
{
    svc_reply_json_owned(rep, status, v ? json_dumps(v, JSON_COMPACT) : NULL);
    json_decref(v);
}

/* A query parameter as a non-negative integer; def when absent.  Returns 0
 * and replies 400 when present but not a number. */
static int query_u64(const svc_request_t *req, svc_reply_t *rep,
                     const char *key, uint64_t def, uint64_t *out)
{
    const char *v = req->query(req, key);
    *out = def;
    if (!v)
        return 1;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (*v < '0' || *v > '9' || *end != '\0' || errno != 0) {
        parley_diags_t *d = parley_diags_new();
        parley_diags_add(d, PARLEY_SEVERITY_ERROR, PARLEY_ETYPE, "", 0, 0, key,
                         "expected a non-negative integer, found '%.64s'", v);
        svc_reply_error(rep, PARLEY_ETYPE, d);
        parley_diags_free(d);
        return 0;
    }
    *out = n;
    return 1;
}

/* ---- open and principal routes ----------------------------------------- */

static void h_health(svc_t *svc, const svc_request_t *req, svc_reply_t *rep)
{
    svc_reply_json(rep, 200, "{\"status\":\"ok\"}");
}

static void h_me(svc_t *svc, const svc_request_t *req, svc_reply_t *rep)
{
    const parley_principal_t *p = req->who;
    json_t *v = json_pack(
        "{s:s, s:o, s:b, s:s}", "actor", p->actor, "session",
        p->session[0] ? json_string(p->session) : json_null(), "mediator",
        p->mediator, "role",
        p->mediator ? "mediator" : parley_role_name(p->role));
    reply_value(rep, 200, v);
}

/* ---- sessions ----------------------------------------------------------- */

static void h_list(svc_t *svc, const svc_request_t *req, svc_reply_t *rep)
{
    parley_diags_t *d = parley_diags_new();
    char *out = NULL;
    parley_status_t st = d ? parley_live_list(svc->live, req->who, &out, d)
                           : PARLEY_ENOMEM;
    reply_result(rep, st, 200, out, d);
    parley_diags_free(d);
}

static void h_create(svc_t *svc, const svc_request_t *req, svc_reply_t *rep)
{
    parley_diags_t *d = parley_diags_new();
    char id[PARLEY_LEDGER_MAX_NAME + 1] = "";
    parley_status_t st =
        d ? parley_live_create(svc->live, req->who, req->body, req->len, id, d)
          : PARLEY_ENOMEM;
    if (st == PARLEY_OK)
        reply_value(rep, 201, json_pack("{s:s}", "id", id));
    else
        svc_reply_error(rep, st, d);
    parley_diags_free(d);
}

static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > PARLEY_LEDGER_MAX_NAME)
        return 0;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                     "0123456789._-") == n;
}

/*
 * POST invitations: the "invite" write of parley_live_write, whose reply
 * carries the token (shown once: the library keeps only its hash).
 */
static void h_invite(svc_t *svc, const svc_request_t *req, svc_reply_t *rep)
{
    parley_diags_t *d = parley_diags_new();
    char *out = NULL;
    parley_status_t st =
        d ? parley_live_write(svc->live, req->who, req->sid, "invite",
                              req->body, req->len, &out, d)
          : PARLEY_ENOMEM;
    if (st == PARLEY_OK && !out)
        out = parley_strdup("{\"ok\":true}");
    reply_result(rep, st, 201, out, d);
    parley_diags_free(d);
}

/* GET reads: state, view, monitoring (with as_of), events (with after). */
static void h_read(svc_t *svc, const svc_request_t *req, svc_reply_t *rep)
{
    uint64_t after = 0;
    if (strcmp(req->arg, "events") == 0 &&
        !query_u64(req, rep, "after", 0, &after))
        return;
    parley_diags_t *d = parley_diags_new();
    char *out = NULL;
    parley_status_t st = PARLEY_ENOMEM;
    if (d && strcmp(req->arg, "monitoring") == 0)
        st = parley_live_read_monitoring(svc->live, req->who, req->sid,
                                         req->query(req, "as_of"), &out, d);
    else if (d)
        st = parley_live_read(svc->live, req->who, req->sid, req->arg, after,
                              &out, d);
    reply_result(rep, st, 200, out, d);
    parley_diags_free(d);
}

/* Writes: the route arg is the action of parley_live_write. */
static void h_write(svc_t *svc, const svc_request_t *req, svc_reply_t *rep)
{
    parley_diags_t *d = parley_diags_new();
    char *out = NULL;
    parley_status_t st =
        d ? parley_live_write(svc->live, req->who, req->sid, req->arg,
                              req->body, req->len, &out, d)
          : PARLEY_ENOMEM;
    if (st == PARLEY_OK && !out)
        out = parley_strdup("{\"ok\":true}");
    reply_result(rep, st, 200, out, d);
    parley_diags_free(d);
}

/* ---- ledger ------------------------------------------------------------- */

/* The ledger's entries with seq > after (at most limit, 0: all) as JSON
 * lines in an unlinked temporary file, at offset 0. */
static FILE *export_to_temp(svc_t *svc, uint64_t after, uint64_t limit,
                            parley_diags_t *d, parley_status_t *st)
{
    FILE *f = tmpfile();
    if (!f) {
        *st = PARLEY_EIO;
        return NULL;
    }
    *st = parley_ledger_export_range(svc->store, f, after, limit, NULL, d);
    if (*st == PARLEY_OK && (fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0))
        *st = PARLEY_EIO;
    if (*st != PARLEY_OK) {
        fclose(f);
        return NULL;
    }
    return f;
}

/* One line of f into *buf (grown with parley_realloc); 0 at the end. */
static int read_line(FILE *f, char **buf, size_t *cap, int *oom)
{
    size_t n = 0;
    int ch;
    while ((ch = getc(f)) != EOF && ch != '\n') {
        if (n + 2 > *cap) {
            size_t c = *cap ? *cap * 2 : 4096;
            char *b = parley_realloc(*buf, c);
            if (!b) {
                *oom = 1;
                return 0;
            }
            *buf = b;
            *cap = c;
        }
        (*buf)[n++] = (char)ch;
    }
    if (n == 0 && ch == EOF)
        return 0;
    if (!*buf) {
        *buf = parley_malloc(1);
        if (!*buf) {
            *oom = 1;
            return 0;
        }
        *cap = 1;
    }
    (*buf)[n] = '\0';
    return 1;
}

/*
 * GET /ledger?after=N&limit=M: up to M (default 100, at most 1000) entries
 * with seq > N, in seq order; next is the seq to pass as after for the
 * following page (the last one returned, or N when none).  A page is read
 * through the ledger's seq index: it costs what it holds.
 */
static void h_ledger(svc_t *svc, const svc_request_t *req, svc_reply_t *rep)
{
    uint64_t after, limit;
    if (!query_u64(req, rep, "after", 0, &after) ||
        !query_u64(req, rep, "limit", 100, &limit))
        return;
    if (limit < 1 || limit > 1000) {
        parley_diags_t *d = parley_diags_new();
        parley_diags_add(d, PARLEY_SEVERITY_ERROR, PARLEY_ERANGE, "", 0, 0,
                         "limit", "expected 1..1000, found %llu",
                         (unsigned long long)limit);
        svc_reply_error(rep, PARLEY_ERANGE, d);
        parley_diags_free(d);
        return;
    }
    parley_diags_t *d = parley_diags_new();
    parley_status_t st = PARLEY_ENOMEM;
    FILE *f = d ? export_to_temp(svc, after, limit, d, &st) : NULL;
    json_t *entries = json_array();
    if (!f || !entries) {
        svc_reply_error(rep, f ? PARLEY_ENOMEM : st, d);
        if (f)
            fclose(f);
        json_decref(entries);
        parley_diags_free(d);
        return;
    }
    char *line = NULL;
    size_t cap = 0;
    int oom = 0;
    uint64_t next = after;
    while (json_array_size(entries) < limit && read_line(f, &line, &cap, &oom)) {
        json_t *e = json_loads(line, 0, NULL);
        json_int_t seq = json_integer_value(json_object_get(e, "seq"));
        if (e && seq > 0 && (uint64_t)seq > after) {
            json_t *o = json_pack(
                "{s:I, s:O, s:O, s:O, s:O, s:O, s:O}", "seq", seq, "author",
                json_object_get(e, "author"), "kind",
                json_object_get(e, "kind"), "payload",
                json_object_get(e, "payload"), "hash",
                json_object_get(e, "hash"), "prev", json_object_get(e, "prev"),
                "signature", json_object_get(e, "sig"));
            if (!o || json_array_append_new(entries, o) != 0)
                oom = 1;
            next = (uint64_t)seq;
        } else if (!e) {
            oom = 1;
        }
        json_decref(e);
        if (oom)
            break;
    }
    parley_free(line);
    fclose(f);
    if (oom) {
        json_decref(entries);
        svc_reply_error(rep, PARLEY_ENOMEM, NULL);
    } else {
        reply_value(rep, 200, json_pack("{s:o, s:I}", "entries", entries,
                                        "next", (json_int_t)next));
    }
    parley_diags_free(d);
}

/* GET /ledger/export: the export file itself, streamed after the lock. */
static void h_export(svc_t *svc, const svc_request_t *req, svc_reply_t *rep)
{
    parley_diags_t *d = parley_diags_new();
    parley_status_t st = PARLEY_ENOMEM;
    FILE *f = d ? export_to_temp(svc, 0, 0, d, &st) : NULL;
    struct stat sb;
    int fd = f ? dup(fileno(f)) : -1;
    if (f)
        fclose(f);
    if (fd >= 0 && fstat(fd, &sb) == 0) {
        rep->status = 200;
        rep->content_type = "application/x-ndjson";
        rep->fd = fd;
        rep->fd_size = (uint64_t)sb.st_size;
    } else {
        if (fd >= 0)
            close(fd);
        svc_reply_error(rep, st == PARLEY_OK ? PARLEY_EIO : st, d);
    }
    parley_diags_free(d);
}

static void hex(const unsigned char *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static void h_verify(svc_t *svc, const svc_request_t *req, svc_reply_t *rep)
{
    parley_ledger_report_t r;
    memset(&r, 0, sizeof r);
    parley_status_t st = parley_ledger_verify(svc->store, NULL, &r);
    if (st != PARLEY_OK) {
        svc_reply_error(rep, st, NULL);
        return;
    }
    char h[2 * PARLEY_LEDGER_HASH_BYTES + 1];
    hex(r.head.hash, PARLEY_LEDGER_HASH_BYTES, h);
    json_t *fault =
        r.fault == PARLEY_LEDGER_FAULT_NONE
            ? json_null()
            : json_pack("{s:s, s:I, s:I, s:s}", "kind",
                        parley_ledger_fault_name(r.fault), "position",
                        (json_int_t)r.position, "seq", (json_int_t)r.seq,
                        "message", r.message);
    reply_value(rep, 200,
                json_pack("{s:b, s:I, s:{s:I, s:s}, s:o}", "ok",
                          r.fault == PARLEY_LEDGER_FAULT_NONE, "entries",
                          (json_int_t)r.entries, "head", "seq",
                          (json_int_t)r.head.seq, "hash", h, "fault", fault));
}

/* ---- the table ---------------------------------------------------------- */

#define S "/api/v1/sessions/{sid}"
const svc_route_t svc_routes[] = {
    {"GET", "/api/v1/health", SVC_OPEN, h_health, NULL},
    {"GET", "/api/v1/me", SVC_TOKEN, h_me, NULL},
    {"GET", "/api/v1/sessions", SVC_TOKEN, h_list, NULL},
    {"POST", "/api/v1/sessions", SVC_TOKEN, h_create, NULL},
    {"POST", S "/invitations", SVC_TOKEN, h_invite, NULL},
    {"GET", S, SVC_TOKEN, h_read, "state"},
    {"GET", S "/view", SVC_TOKEN, h_read, "view"},
    {"GET", S "/events", SVC_TOKEN, h_read, "events"},
    {"PUT", S "/profile", SVC_TOKEN, h_write, "profile"},
    {"POST", S "/concerns", SVC_TOKEN, h_write, "concern"},
    {"POST", S "/start", SVC_TOKEN, h_write, "start"},
    {"POST", S "/clusters", SVC_TOKEN, h_write, "open_cluster"},
    {"POST", S "/texts", SVC_TOKEN, h_write, "propose"},
    {"POST", S "/pilots", SVC_TOKEN, h_write, "pilot"},
    {"POST", S "/rounds/close", SVC_TOKEN, h_write, "close_round"},
    {"POST", S "/agreement", SVC_TOKEN, h_write, "agree"},
    {"POST", S "/answers", SVC_TOKEN, h_write, "answer"},
    {"POST", S "/concessions", SVC_TOKEN, h_write, "concede"},
    {"GET", S "/monitoring", SVC_TOKEN, h_read, "monitoring"},
    {"POST", S "/commitments", SVC_TOKEN, h_write, "commitment"},
    {"POST", S "/reports", SVC_TOKEN, h_write, "report"},
    {"POST", S "/consequences", SVC_TOKEN, h_write, "consequence"},
    {"POST", S "/enforce", SVC_TOKEN, h_write, "enforce"},
    {"GET", "/api/v1/ledger", SVC_TOKEN, h_ledger, NULL},
    {"GET", "/api/v1/ledger/export", SVC_TOKEN, h_export, NULL},
    {"GET", "/api/v1/ledger/verify", SVC_TOKEN, h_verify, NULL},
};
#undef S
const size_t svc_n_routes = sizeof svc_routes / sizeof svc_routes[0];

/*
 * Matches path against pattern segment by segment; "{sid}" takes one
 * segment that is a valid id (copied into sid).  No trailing slash, no
 * empty segment.
 */
static int path_matches(const char *pattern, const char *path, char *sid)
{
    while (*pattern && *path) {
        if (*pattern != '/' || *path != '/')
            return 0;
        pattern++;
        path++;
        size_t pl = strcspn(pattern, "/"), ql = strcspn(path, "/");
        if (pl == 5 && strncmp(pattern, "{sid}", 5) == 0) {
            if (ql < 1 || ql > PARLEY_LEDGER_MAX_NAME)
                return 0;
            memcpy(sid, path, ql);
            sid[ql] = '\0';
            if (!valid_name(sid))
                return 0;
        } else if (pl != ql || strncmp(pattern, path, pl) != 0) {
            return 0;
        }
        pattern += pl;
        path += ql;
    }
    return *pattern == '\0' && *path == '\0';
}

const svc_route_t *svc_route_find(const char *method, const char *path,
                                  char *sid, int *path_known, char *allow,
                                  size_t allow_size)
{
    char tmp[PARLEY_LEDGER_MAX_NAME + 1];
    *path_known = 0;
    allow[0] = '\0';
    for (size_t i = 0; i < svc_n_routes; i++) {
        if (!path_matches(svc_routes[i].pattern, path, tmp))
            continue;
        if (strcmp(svc_routes[i].method, method) == 0) {
            strcpy(sid, strchr(svc_routes[i].pattern, '{') ? tmp : "");
            return &svc_routes[i];
        }
        size_t used = strlen(allow);
        snprintf(allow + used, allow_size - used, "%s%s", used ? ", " : "",
                 svc_routes[i].method);
        *path_known = 1;
    }
    sid[0] = '\0';
    return NULL;
}
