/*
 * service_internal.h - what the parts of parleyd share: the service (the
 * store, the live sessions and the lock that serialises them), a request as
 * the router sees it, and a reply as the handlers build it.
 *
 * http.c owns the HTTP side (libmicrohttpd, bodies, headers, errors),
 * routes.c maps the route table onto live.h and ledger.h, static.c serves
 * the web UI, main.c reads the flags and runs the daemon until a signal.
 */
#ifndef PARLEY_SERVICE_INTERNAL_H
#define PARLEY_SERVICE_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "parley/error.h"
#include "parley/live.h"
#include "parley/store.h"

/* One running service.  Every call into store or live holds lock: both
 * belong to one thread at a time (live.h, store.h). */
typedef struct svc {
    parley_store_t *store;
    parley_live_t *live;
    pthread_mutex_t lock;
    /* The web root, resolved (realpath); empty: no UI is served. */
    char web_root[PATH_MAX];
} svc_t;

/* A request as a handler sees it: the body is complete and within limits,
 * the route matched and, for routes that need one, the token is valid. */
typedef struct svc_request {
    const char *method;
    const char *path;
    const char *sid; /* the {sid} segment, NUL-terminated; NULL if none */
    const char *body;
    size_t len;
    const parley_principal_t *who; /* NULL on routes without a token */
    /* Query parameter lookup; NULL when absent. */
    const char *(*query)(const struct svc_request *req, const char *key);
    void *conn; /* the MHD connection, for query() */
    const char *arg; /* the route's argument (a write's action) */
} svc_request_t;

/* A reply: a JSON (or other) body in parley memory, or an open file. */
typedef struct svc_reply {
    unsigned status;
    const char *content_type;
    char *body; /* parley_malloc'd, owned by the reply */
    size_t len;
    int fd;     /* >= 0: send this file instead of body (owned) */
    uint64_t fd_size;
    int api;    /* 1: an API reply (Cache-Control: no-store) */
    const char *allow; /* for 405: the methods the route accepts */
    int close;         /* 1: close the connection after this reply */
} svc_reply_t;

typedef void (*svc_handler_t)(svc_t *svc, const svc_request_t *req,
                              svc_reply_t *rep);

/* Who may call a route: anyone, or any valid token (the library then
 * decides what that principal may do or see). */
enum { SVC_OPEN = 0, SVC_TOKEN = 1 };

typedef struct svc_route {
    const char *method;
    const char *pattern; /* "/api/v1/sessions/{sid}/view" */
    int auth;
    svc_handler_t handler;
    const char *arg; /* passed to the handler: a write's action, a read's what */
} svc_route_t;

extern const svc_route_t svc_routes[];
extern const size_t svc_n_routes;

/*
 * Finds the route for method and path.  Returns the route, or NULL with
 * *path_known set when some route has the path under another method (405;
 * then allow lists those methods, comma separated, in allow[allow_size]).
 * sid[PARLEY_LEDGER_MAX_NAME + 1] receives the {sid} segment; a segment
 * that cannot be an id makes the route not match (404).
 */
const svc_route_t *svc_route_find(const char *method, const char *path,
                                  char *sid, int *path_known, char *allow,
                                  size_t allow_size);

/* ---- replies (http.c) -------------------------------------------------- */

/* A JSON reply from text (copied). */
void svc_reply_json(svc_reply_t *rep, unsigned status, const char *json);
/* A JSON reply taking ownership of json (parley memory). */
void svc_reply_json_owned(svc_reply_t *rep, unsigned status, char *json);
/* An error reply for status st, with the diagnostics (may be NULL). */
void svc_reply_error(svc_reply_t *rep, parley_status_t st,
                     const parley_diags_t *diags);
/* An error reply with an explicit HTTP status and message. */
void svc_reply_fail(svc_reply_t *rep, unsigned http, const char *status,
                    const char *message);
/* The HTTP status a library status maps to (docs/openapi.json). */
unsigned svc_http_status(parley_status_t st);

/* ---- the daemon (http.c) ---------------------------------------------- */

typedef struct svc_daemon svc_daemon_t;

/* Starts listening on addr:port with threads worker threads. */
parley_status_t svc_daemon_start(svc_t *svc, const char *addr,
                                 unsigned port, unsigned threads,
                                 svc_daemon_t **out);
/* The port the daemon listens on (the chosen one when asked for 0). */
unsigned svc_daemon_port(const svc_daemon_t *d);
/* Stops accepting, lets in-flight requests finish, stops the daemon. */
void svc_daemon_stop(svc_daemon_t *d);

/* ---- static files (static.c) ------------------------------------------ */

/* Serves url ("/" or "/ui/...") from svc->web_root into rep; 404 for
 * anything outside the root or not a regular file. */
void svc_static_serve(const svc_t *svc, const char *url, svc_reply_t *rep);

#endif
