/*
 * parley/live.h - live mediation: sessions kept in the store and driven by
 * people (the mediator, delegations, monitors, guarantors, observers)
 * through requests that may arrive hours apart, in any order, from any
 * place.  parleyd is a thin HTTP layer over this API; everything about who
 * may do and see what is decided here.
 *
 * How a live session runs.  The engine of session.h is synchronous: it
 * asks its drivers and waits.  A live session keeps instead the ordered
 * list of everything people have put in (profiles, concerns, the
 * mediator's actions, answers, concessions), and re-runs the engine over
 * that list from the start with drivers that answer from it.  Steps whose
 * inputs are all present, and that the mediator has authorised, are
 * committed; the first step that lacks something is the session's present:
 * what it lacks is what the session awaits (from whom, of what kind), and
 * what it would show (the text tabled, the answers in) is published from
 * it.  The engine makes no random choice of its own and a strategy's only
 * randomness is its seed, so the same inputs give the same log byte for
 * byte: a live session driven by the strategies of `parley mediate` with
 * the same seed reaches the same agreement, a restarted service finds every
 * session where it was, and anyone can replay a session from its inputs.
 *
 * Gating.  The mediator authorises the transitions people see: starting
 * the session once every party's profile is in ("start"), opening the next
 * agenda unit ("open_cluster"; after the last unit it puts the whole text,
 * and after that it moves to the decision), tabling the text of a round
 * ("propose", or "pilot" for a non-binding straw poll when the rules run
 * pilots), closing a round once its answers and the concessions it asked
 * for are in ("close_round"), and recording the agreement ("agree", which
 * also starts monitoring it under the session's id).  Disclosure and the
 * agenda follow from the profiles without an action.  An action that does
 * not fit the session's present is refused with PARLEY_ESTATE.
 *
 * Credentials.  Every actor has a token: 32 random bytes, base64url
 * without padding, prefixed "plt_".  It is returned once, when issued;
 * the store keeps only its BLAKE2b-256 hash, so a copy of the database
 * holds no usable credential.  Issuing a token for an actor that has one
 * revokes the old one.  Each actor also has an Ed25519 key in the key
 * directory (ledger.h), generated and registered with its first
 * credential: every write is appended to the ledger signed with its
 * author's key, in the same transaction as the write itself.
 *
 * Visibility, enforced in every call:
 *   - the mediator (a service-wide credential) sees and may do everything;
 *   - a party reads its own profile, its own concerns, its own answers and
 *     concessions, its own utility of each text, the events the rules
 *     publish, and writes only its own inputs;
 *   - a monitor writes monitor reports; a commitment's verifier writes its
 *     verifications; a commitment's owner writes its self-reports;
 *   - a guarantor reads the public state and its own guarantees and
 *     manages only its own guarantees;
 *   - an observer reads public data only.
 * Private data (a profile, a concern) never enters the ledger in clear:
 * its entry carries the BLAKE2b-256 hash of the canonical payload, so the
 * ledger stays publishable and still binds the author to what was said.
 *
 * Replays.  Every write carries a "request_id" (1..64 of [A-Za-z0-9._-])
 * chosen by the client, unique per actor and session; a write whose id was
 * seen is refused (PARLEY_EDUPLICATE) and changes nothing.  Answers and
 * concessions also name their round, so a stale one is refused
 * (PARLEY_ESTATE).
 *
 * Requests and replies are JSON text; their schemas are in
 * docs/openapi.json (the service's API) and docs/live.md.  Errors come
 * back as a status and diagnostics that say where in the request and what:
 *   PARLEY_ENOTFOUND  no such session (or commitment, guarantee, ...),
 *   PARLEY_EDENIED    the principal may not do or see this,
 *   PARLEY_ESTATE     not now: the session awaits something else,
 *   PARLEY_EDUPLICATE a replayed request_id, an id already taken,
 *   PARLEY_ESYNTAX, PARLEY_EMISSING, PARLEY_ETYPE, PARLEY_EUNKNOWN,
 *   PARLEY_EINVALID, PARLEY_ERANGE  a bad request body,
 *   PARLEY_ELIMIT     a body or value beyond the stated limits.
 * A refused request changes nothing in the store.
 *
 * Threads: a parley_live_t belongs to one thread at a time; a service
 * serialises calls (reads are cheap: each session's present is kept in
 * memory and recomputed only when a write changes it).
 */
#ifndef PARLEY_LIVE_H
#define PARLEY_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "parley/error.h"
#include "parley/ledger.h"
#include "parley/scenario.h"
#include "parley/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Room for a token and its NUL: "plt_" + 43 base64url characters. */
#define PARLEY_LIVE_TOKEN_SIZE 48
/* Largest request body accepted, in bytes. */
#define PARLEY_LIVE_MAX_BODY (1u << 20)
/* Deepest nesting of arrays and objects accepted in a request body. */
#define PARLEY_LIVE_MAX_DEPTH 32

typedef struct parley_live parley_live_t;

/* Who is asking: what a token stands for. */
typedef struct parley_principal {
    char actor[PARLEY_LEDGER_MAX_NAME + 1];
    /* The session the credential belongs to; empty for the mediator, whose
     * credential is service-wide. */
    char session[PARLEY_LEDGER_MAX_NAME + 1];
    int mediator;       /* 1: the mediator; role is then meaningless */
    parley_role_t role; /* party, guarantor, monitor or observer */
} parley_principal_t;

/*
 * Opens the live sessions of `store`, with actors' keys in key_dir (NULL:
 * parley_key_default_dir()).  The store is borrowed and must outlive the
 * handle.  Loads the credentials' hashes; sessions are replayed when first
 * used.
 */
parley_status_t parley_live_open(parley_store_t *store, const char *key_dir,
                                 parley_live_t **out, parley_diags_t *diags);
void parley_live_close(parley_live_t *live);

/*
 * Issues a credential and writes its token (NUL-terminated) into token,
 * without a request_id (the way a service gets its mediator; invitations
 * to a session are better made with the "invite" write, which refuses a
 * replay), which must hold PARLEY_LIVE_TOKEN_SIZE bytes.  With session NULL it
 * makes `actor` a mediator (the way a service gets its first credential:
 * `parleyd --db PATH --mediator ID`); with a session, `by` must be the
 * mediator, and actor/role must fit the session's scenario: a party's,
 * guarantor's or monitor's id with that role, or a new id for an observer.
 * Recorded in the ledger ("credential.issue", without the token).
 */
parley_status_t parley_live_issue(parley_live_t *live,
                                  const parley_principal_t *by,
                                  const char *session, const char *actor,
                                  parley_role_t role, char *token,
                                  parley_diags_t *diags);

/* Whom a token stands for: PARLEY_EDENIED for a malformed, unknown or
 * revoked token.  Takes the same time whatever the token's prefix.  A
 * token the handle does not know is looked up in the store by its hash (a
 * credential issued by another process since the handle was opened, e.g.
 * `parleyd --mediator` beside a running service) and remembered; its
 * actor's older credentials are then refused too, as its issue revoked
 * them.  A credential revoked in the store after the handle saw it is
 * refused from its successor's first use on. */
parley_status_t parley_live_authenticate(parley_live_t *live,
                                         const char *token,
                                         parley_principal_t *out);

/*
 * Creates a session (mediator only) from a JSON body
 *   {"id": "...", "scenario": {scenario v1}, "rules": {...}?, "seed": n?,
 *    "request_id": "..."}
 * The scenario's public part is kept: participants, issues, clusters,
 * power, guarantees, rules; any private field of a party (weights, value
 * functions, red lines, reservation) is refused (PARLEY_EINVALID, with its
 * path), since a party's profile reaches the mediator only through the
 * party's private channel.  id is written to id_out (65 bytes).
 */
parley_status_t parley_live_create(parley_live_t *live,
                                   const parley_principal_t *by,
                                   const char *body, size_t len, char *id_out,
                                   parley_diags_t *diags);

/*
 * A write to session `session` by `by`.  action and body:
 *   "profile"     party: {"profile": {weights, values, red_lines?,
 *                 reservation}} (private channel; before "start")
 *   "concern"     party: {"text": "..."} (private channel; delivered to the
 *                 mediator at the next point the engine asks for concerns)
 *   "start" "open_cluster" "propose" "pilot" "close_round" "agree"
 *                 mediator: {} (see Gating)
 *                 "propose" may carry the mediator's own text: {"text":
 *                 {"<issue id>": "<option label>", ...}} naming exactly
 *                 the open issues (the state's "open_issues"); it is
 *                 tabled instead of the engine's choice, the other issues
 *                 keep their values (session.h, parley_table_fn).  Errors
 *                 name the path: $.text.<issue id>.
 *   "answer"      party: {"round": r, "kind": "accept"|"object"|"veto"|
 *                 "walkout", "issues": [issue ids]?, "ground": "..."?,
 *                 "text_round": r?, "reason": "..."?}
 *   "concede"     party: {"round": r, "aspiration": x}
 *   "commitment"  mediator: a commitment (monitor.h parley_commitment_spec_t
 *                 fields by name)
 *   "report"      owner, monitor or verifier: a report
 *                 (parley_report_spec_t fields; "source" says which)
 *   "consequence" mediator or the guarantee's guarantor: a consequence
 *   "enforce"     mediator or a guarantor: {"as_of": "YYYY-MM-DD"}
 *   "invite"      mediator: {"actor", "role": "party"|"guarantor"|
 *                 "monitor"|"observer"}, a credential for an actor of the
 *                 session as parley_live_issue makes it (revoking the
 *                 actor's old one); the reply carries it: {"ok", "seq",
 *                 "actor", "role", "token"}.  Its request_id counts like
 *                 every other write's: a replay is PARLEY_EDUPLICATE and
 *                 the first token stays valid.
 * Every body also carries "request_id".  On success *reply (may be NULL;
 * free with parley_free) gets a JSON object: {"ok": true, "seq": ledger
 * seq, ...} plus what the action produced (for "answer", the ruling of a
 * veto).
 */
parley_status_t parley_live_write(parley_live_t *live,
                                  const parley_principal_t *by,
                                  const char *session, const char *action,
                                  const char *body, size_t len, char **reply,
                                  parley_diags_t *diags);

/*
 * A read of session `session` by `by`, as JSON in *out (free with
 * parley_free).  what:
 *   "state"      the session as `by` may see it: phase, round, agenda
 *                (units in order with issues and status, the open unit and
 *                its issues), current text (and by's own utility of it, for
 *                a party), what the session awaits and from whom, whose
 *                turn it is, the last counts when published; for the mediator also the disclosed profiles'
 *                analysis (frontier points, solutions, fairness and power
 *                metrics), each veto with its ruling, the private concerns
 *                and the answers in so far;
 *   "view"       party: its own parley_view_t as JSON (session.h), what it
 *                is asked for now, and its own private profile;
 *   "events"     the events `by` may see with seq > `after` (the log lines
 *                of docs/events.md), as {"events": [...], "next": seq};
 *   "monitoring" the agreement's status as of today (UTC), byte for byte
 *                what `parley monitor status --json` prints (without its
 *                newline: parley_monitor_status_json), or {"agreement",
 *                "monitored": false} before the agreement.
 * `after` is used by "events" only.
 */
parley_status_t parley_live_read(parley_live_t *live,
                                 const parley_principal_t *by,
                                 const char *session, const char *what,
                                 uint64_t after, char **out,
                                 parley_diags_t *diags);

/* The "monitoring" read as of a day: as_of "YYYY-MM-DD" (NULL: today, UTC);
 * a malformed or impossible day is PARLEY_EINVALID at path "as_of". */
parley_status_t parley_live_read_monitoring(parley_live_t *live,
                                            const parley_principal_t *by,
                                            const char *session,
                                            const char *as_of, char **out,
                                            parley_diags_t *diags);

/* The sessions `by` may see, as {"sessions": [{"id", "name", "phase"}]}. */
parley_status_t parley_live_list(parley_live_t *live,
                                 const parley_principal_t *by, char **out,
                                 parley_diags_t *diags);

#ifdef __cplusplus
}
#endif
#endif
