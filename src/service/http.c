/*
 * http.c - parleyd's HTTP side on libmicrohttpd: the daemon (a pool of
 * polling threads, keep-alive), per-request state, body accumulation with
 * the PARLEY_LIVE_MAX_BODY limit, bearer tokens, routing to routes.c or
 * static.c, and the replies: JSON errors with diagnostics and the security
 * headers every reply carries.
 *
 * A request is refused as early as it can be: an unknown route, a missing
 * or bad token and a declared Content-Length over the limit are answered
 * from the headers, before any of the body is read.  A body sent without a
 * length (chunked) is read up to the limit and the rest discarded, then
 * refused with 413.  The handlers run with the service lock held, so the
 * store and the live sessions see one caller at a time.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>

#include "parley/alloc.h"
#include "service/service_internal.h"

struct svc_daemon {
    struct MHD_Daemon *mhd;
    svc_t *svc;
    atomic_int in_flight; /* requests begun and not yet completed */
    atomic_int stopping;  /* set once a stop began: new requests get 503 */
};

/* What one request carries from its first call to its completion. */
typedef struct conn_state {
    const svc_route_t *route;
    char sid[PARLEY_LEDGER_MAX_NAME + 1];
    char allow[64]; /* for 405: the methods the path takes */
    parley_principal_t who;
    int authed;
    char *body;
    size_t len, cap;
    int too_large;
} conn_state_t;

/* ---- replies ------------------------------------------------------------ */

unsigned svc_http_status(parley_status_t st)
{
    switch (st) {
    case PARLEY_OK:
        return 200;
    case PARLEY_ENOTFOUND:
        return 404;
    case PARLEY_EDENIED:
        return 403;
    case PARLEY_ESTATE:
    case PARLEY_EDUPLICATE:
        return 409;
    case PARLEY_ESYNTAX:
    case PARLEY_EINVALID:
    case PARLEY_EMISSING:
    case PARLEY_EUNKNOWN:
    case PARLEY_ETYPE:
    case PARLEY_ERANGE:
    case PARLEY_ELIMIT:
    case PARLEY_EARG:
    case PARLEY_EVERSION:
    case PARLEY_EINFEASIBLE:
        return 400;
    default:
        return 500;
    }
}

/*
 * Frees a reply once sent, wiping it first: a reply may carry a token shown
 * once or a party's private state, which should not linger in freed memory.
 * Replies are NUL-terminated JSON (svc_reply_json_owned).
 */
static void wipe_reply(void *body)
{
    if (body)
        sodium_memzero(body, strlen(body));
    parley_free(body);
}

void svc_reply_json_owned(svc_reply_t *rep, unsigned status, char *json)
{
    wipe_reply(rep->body);
    rep->status = status;
    rep->content_type = "application/json";
    rep->body = json;
    rep->len = json ? strlen(json) : 0;
    rep->api = 1;
    if (!json) {
        /* Out of memory while building the reply: say so without memory. */
        rep->status = 500;
        rep->len = 0;
    }
}

void svc_reply_json(svc_reply_t *rep, unsigned status, const char *json)
{
    svc_reply_json_owned(rep, status, parley_strdup(json));
}

/* {"error": {"status", "message", "diagnostics": [...]}} */
static void reply_error_json(svc_reply_t *rep, unsigned http,
                             const char *status, const char *message,
                             const parley_diags_t *diags)
{
    json_t *list = json_array();
    size_t n = diags ? parley_diags_count(diags) : 0;
    for (size_t i = 0; list && i < n; i++) {
        const parley_diag_t *d = parley_diags_get(diags, i);
        json_array_append_new(list, json_pack("{s:s, s:I, s:I, s:s}", "path",
                                              d->path, "line",
                                              (json_int_t)d->line, "column",
                                              (json_int_t)d->column, "message",
                                              d->message));
    }
    json_t *root = list ? json_pack("{s:{s:s, s:s, s:o}}", "error", "status",
                                    status, "message", message, "diagnostics",
                                    list)
                        : NULL;
    svc_reply_json_owned(rep, http, root ? json_dumps(root, JSON_COMPACT)
                                         : NULL);
    rep->status = http;
    json_decref(root);
}

void svc_reply_fail(svc_reply_t *rep, unsigned http, const char *status,
                    const char *message)
{
    reply_error_json(rep, http, status, message, NULL);
}

void svc_reply_error(svc_reply_t *rep, parley_status_t st,
                     const parley_diags_t *diags)
{
    reply_error_json(rep, svc_http_status(st), parley_status_name(st),
                     parley_status_message(st), diags);
}

/* ---- request checks ---------------------------------------------------- */

/*
 * Nesting depth of a JSON text, counted over brackets outside strings; the
 * first bracket past max is located by line and column.  Malformed text is
 * left to the parser: this only bounds what the parser will recurse into.
 * O(len).
 */
static int body_too_deep(const char *s, size_t len, unsigned max,
                         unsigned *line, unsigned *col)
{
    unsigned depth = 0, l = 1, c = 0;
    int in_str = 0, esc = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        c++;
        if (ch == '\n') {
            l++;
            c = 0;
        }
        if (in_str) {
            if (esc)
                esc = 0;
            else if (ch == '\\')
                esc = 1;
            else if (ch == '"')
                in_str = 0;
            continue;
        }
        if (ch == '"') {
            in_str = 1;
        } else if (ch == '[' || ch == '{') {
            if (++depth > max) {
                *line = l;
                *col = c;
                return 1;
            }
        } else if ((ch == ']' || ch == '}') && depth > 0) {
            depth--;
        }
    }
    return 0;
}

/* The token of "Authorization: Bearer <token>", or NULL.  Only the exact
 * scheme and one space are accepted; the token's form is checked by the
 * library, in constant time. */
static const char *bearer_token(struct MHD_Connection *c)
{
    const char *h =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    static const char scheme[] = "Bearer ";
    if (!h || strncmp(h, scheme, sizeof scheme - 1) != 0)
        return NULL;
    h += sizeof scheme - 1;
    if (strlen(h) >= PARLEY_LIVE_TOKEN_SIZE)
        return NULL;
    return h;
}

static const char *query_value(const svc_request_t *req, const char *key)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)req->conn,
                                       MHD_GET_ARGUMENT_KIND, key);
}

/* 1 when the declared Content-Length is over the limit. */
static int declared_too_large(struct MHD_Connection *c)
{
    const char *h =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (!h)
        return 0;
    errno = 0;
    char *end;
    unsigned long long n = strtoull(h, &end, 10);
    return errno != 0 || *end != '\0' || n > PARLEY_LIVE_MAX_BODY;
}

/*
 * The first call of a request: routing, the token and the declared length,
 * all from the headers.  Returns 1 when rep holds a reply to send now.
 */
static int begin_request(svc_t *svc, struct MHD_Connection *c,
                         const char *url, const char *method,
                         conn_state_t *cs, svc_reply_t *rep)
{
    if (strncmp(url, "/api/", 5) != 0 && strcmp(url, "/api") != 0) {
        if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
            if (strcmp(url, "/") == 0 || strncmp(url, "/ui/", 4) == 0) {
                svc_reply_fail(rep, 405, "PARLEY_EARG",
                               "static files are read with GET");
                rep->allow = "GET";
                return 1;
            }
            svc_reply_fail(rep, 404, "PARLEY_ENOTFOUND", "no such route");
            return 1;
        }
        svc_static_serve(svc, url, rep);
        return 1;
    }
    int known = 0;
    cs->route = svc_route_find(method, url, cs->sid, &known, cs->allow,
                               sizeof cs->allow);
    if (!cs->route) {
        if (known) {
            svc_reply_fail(rep, 405, "PARLEY_EARG",
                           "this route does not take that method");
            rep->allow = cs->allow; /* lives as long as the request */
        } else {
            svc_reply_fail(rep, 404, "PARLEY_ENOTFOUND", "no such route");
        }
        return 1;
    }
    if (cs->route->auth == SVC_TOKEN) {
        const char *tok = bearer_token(c);
        parley_status_t st = PARLEY_EDENIED;
        if (tok) {
            pthread_mutex_lock(&svc->lock);
            st = parley_live_authenticate(svc->live, tok, &cs->who);
            pthread_mutex_unlock(&svc->lock);
        }
        if (st != PARLEY_OK) {
            /* Never which of missing, malformed, unknown or revoked. */
            svc_reply_fail(rep, 401, "PARLEY_EDENIED",
                           "a valid bearer token is required");
            return 1;
        }
        cs->authed = 1;
    }
    if (declared_too_large(c)) {
        svc_reply_fail(rep, 413, "PARLEY_ELIMIT",
                       "the request body is over 1 MiB");
        return 1;
    }
    return 0;
}

/* Appends a piece of the body; past the limit the body is dropped and the
 * rest of the upload discarded. */
static int body_append(conn_state_t *cs, const char *data, size_t n)
{
    if (cs->too_large)
        return 1;
    if (n > PARLEY_LIVE_MAX_BODY - cs->len) {
        cs->too_large = 1;
        parley_free(cs->body);
        cs->body = NULL;
        cs->len = cs->cap = 0;
        return 1;
    }
    if (cs->len + n + 1 > cs->cap) {
        size_t cap = cs->cap ? cs->cap : 1024;
        while (cap < cs->len + n + 1)
            cap *= 2;
        char *b = parley_realloc(cs->body, cap);
        if (!b)
            return 0;
        cs->body = b;
        cs->cap = cap;
    }
    memcpy(cs->body + cs->len, data, n);
    cs->len += n;
    cs->body[cs->len] = '\0';
    return 1;
}

/* The last call: the whole body is in; run the handler. */
static void finish_request(svc_t *svc, struct MHD_Connection *c,
                           const char *url, const char *method,
                           conn_state_t *cs, svc_reply_t *rep)
{
    if (cs->too_large) {
        svc_reply_fail(rep, 413, "PARLEY_ELIMIT",
                       "the request body is over 1 MiB");
        return;
    }
    unsigned line = 0, col = 0;
    if (cs->body &&
        body_too_deep(cs->body, cs->len, PARLEY_LIVE_MAX_DEPTH, &line, &col)) {
        parley_diags_t *d = parley_diags_new();
        parley_diags_add(d, PARLEY_SEVERITY_ERROR, PARLEY_ELIMIT, "", line,
                         col, "$", "expected at most %u nested arrays and "
                         "objects, found more", PARLEY_LIVE_MAX_DEPTH);
        reply_error_json(rep, 400, "PARLEY_ELIMIT",
                         parley_status_message(PARLEY_ELIMIT), d);
        parley_diags_free(d);
        return;
    }
    svc_request_t req;
    memset(&req, 0, sizeof req);
    req.method = method;
    req.path = url;
    req.sid = cs->sid[0] ? cs->sid : NULL;
    req.body = cs->body ? cs->body : "";
    req.len = cs->len;
    req.who = cs->authed ? &cs->who : NULL;
    req.query = query_value;
    req.conn = c;
    req.arg = cs->route->arg;
    pthread_mutex_lock(&svc->lock);
    cs->route->handler(svc, &req, rep);
    pthread_mutex_unlock(&svc->lock);
    rep->api = 1;
}

/* Headers every reply carries, and the cache rule of its kind. */
static void add_headers(struct MHD_Response *r, const svc_reply_t *rep)
{
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; base-uri 'self'; "
                            "form-action 'self'; frame-ancestors 'self'");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "SAMEORIGIN");
    MHD_add_response_header(r, "Cache-Control",
                            rep->api ? "no-store" : "no-cache");
    if (rep->content_type)
        MHD_add_response_header(r, "Content-Type", rep->content_type);
    if (rep->status == 401)
        MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
    if (rep->allow)
        MHD_add_response_header(r, "Allow", rep->allow);
    if (rep->close)
        MHD_add_response_header(r, "Connection", "close");
}

static enum MHD_Result send_reply(struct MHD_Connection *c, svc_reply_t *rep)
{
    struct MHD_Response *r;
    if (rep->fd >= 0) {
        r = MHD_create_response_from_fd64(rep->fd_size, rep->fd);
        if (r)
            rep->fd = -1; /* the response closes it */
    } else if (rep->body) {
        r = MHD_create_response_from_buffer_with_free_callback(
            rep->len, rep->body, wipe_reply);
        if (r)
            rep->body = NULL;
    } else {
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    }
    if (!r)
        return MHD_NO;
    add_headers(r, rep);
    enum MHD_Result ok = MHD_queue_response(c, rep->status ? rep->status : 500,
                                            r);
    MHD_destroy_response(r);
    return ok;
}

static void reply_release(svc_reply_t *rep)
{
    wipe_reply(rep->body);
    rep->body = NULL;
    if (rep->fd >= 0)
        close(rep->fd);
    rep->fd = -1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    svc_daemon_t *d = cls;
    conn_state_t *cs = *con_cls;
    svc_reply_t rep;
    memset(&rep, 0, sizeof rep);
    rep.fd = -1;
    if (!cs) {
        cs = parley_calloc(1, sizeof *cs);
        if (!cs)
            return MHD_NO;
        *con_cls = cs;
        atomic_fetch_add(&d->in_flight, 1);
        if (atomic_load(&d->stopping)) {
            /* A request on a connection kept alive across the stop: refused
             * whole, so the requests in flight drain. */
            svc_reply_fail(&rep, 503, "PARLEY_ESTATE",
                           "the service is stopping");
            rep.close = 1;
        } else if (!begin_request(d->svc, c, url, method, cs, &rep)) {
            return MHD_YES;
        }
    } else if (*upload_size) {
        int ok = body_append(cs, upload, *upload_size);
        *upload_size = 0;
        return ok ? MHD_YES : MHD_NO;
    } else {
        finish_request(d->svc, c, url, method, cs, &rep);
    }
    enum MHD_Result res = send_reply(c, &rep);
    reply_release(&rep);
    return res;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    svc_daemon_t *d = cls;
    conn_state_t *cs = *con_cls;
    if (!cs)
        return;
    if (cs->body) /* a request may carry a party's profile or concern */
        sodium_memzero(cs->body, cs->cap);
    parley_free(cs->body);
    parley_free(cs);
    *con_cls = NULL;
    atomic_fetch_sub(&d->in_flight, 1);
}

/*
 * Percent-decoding of the path and query, in place.  A decoded NUL would
 * cut the string short and turn "/ui/a.html%00.png" into "/ui/a.html", so
 * it becomes byte 0x01 instead, which every path and value check refuses.
 * A malformed escape is kept as it is.
 */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        int hi, lo;
        if (*r == '%' && (hi = (r[1] >= '0' && r[1] <= '9') ? r[1] - '0'
                              : (r[1] | 32) >= 'a' && (r[1] | 32) <= 'f'
                                  ? (r[1] | 32) - 'a' + 10 : -1) >= 0 &&
            (lo = (r[2] >= '0' && r[2] <= '9') ? r[2] - '0'
                  : (r[2] | 32) >= 'a' && (r[2] | 32) <= 'f'
                      ? (r[2] | 32) - 'a' + 10 : -1) >= 0) {
            int ch = hi * 16 + lo;
            *w++ = (char)(ch ? ch : 1);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

parley_status_t svc_daemon_start(svc_t *svc, const char *addr,
                                 unsigned port, unsigned threads,
                                 svc_daemon_t **out)
{
    *out = NULL;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
    const struct sockaddr *sa;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                     MHD_USE_ITC;
    memset(&v4, 0, sizeof v4);
    memset(&v6, 0, sizeof v6);
    if (inet_pton(AF_INET, addr, &v4.sin_addr) == 1) {
        v4.sin_family = AF_INET;
        v4.sin_port = htons((uint16_t)port);
        sa = (const struct sockaddr *)&v4;
    } else if (inet_pton(AF_INET6, addr, &v6.sin6_addr) == 1) {
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons((uint16_t)port);
        sa = (const struct sockaddr *)&v6;
        flags |= MHD_USE_IPv6;
    } else {
        return PARLEY_EARG;
    }
    svc_daemon_t *d = parley_calloc(1, sizeof *d);
    if (!d)
        return PARLEY_ENOMEM;
    d->svc = svc;
    atomic_init(&d->in_flight, 0);
    atomic_init(&d->stopping, 0);
    d->mhd = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, on_request, d,
        MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)(threads ? threads : 1), MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, d, MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)256, MHD_OPTION_END);
    if (!d->mhd) {
        parley_free(d);
        return PARLEY_EIO;
    }
    *out = d;
    return PARLEY_OK;
}

unsigned svc_daemon_port(const svc_daemon_t *d)
{
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(d->mhd, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}

void svc_daemon_stop(svc_daemon_t *d)
{
    if (!d)
        return;
    /* Quiesce: the listening socket closes, new connections are refused,
     * open ones finish the request they are in (a new one gets 503); then
     * wait, at most 10 s, for the requests in flight. */
    atomic_store(&d->stopping, 1);
    MHD_socket ls = MHD_quiesce_daemon(d->mhd);
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
    struct timespec tick = {0, 10 * 1000 * 1000};
    for (int i = 0; i < 1000 && atomic_load(&d->in_flight) > 0; i++)
        nanosleep(&tick, NULL);
    MHD_stop_daemon(d->mhd);
    parley_free(d);
}
