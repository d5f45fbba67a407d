/*
 * replay.c - a live session's present, computed from its inputs.
 *
 * The engine of session.h runs from the start over the session's plan with
 * one replay driver per party.  A replay driver answers from the recorded
 * inputs: an answer or a concession by (party, round), a concern at the
 * first ask at or after the step it was submitted in.  The mediator's
 * actions gate the steps in their order: "start" the opening step,
 * "open_cluster" every step in phase CLUSTER, "propose" or "pilot" the
 * tabling of a text, "close_round" the end of a step that tabled one, and
 * "agree" a step that ends in agreement.  A "propose" that carries the
 * mediator's own text gives it to the engine's table hook, which tables it
 * instead of the engine's choice.
 *
 * A step is committed when everything it asked for was there.  When
 * something is missing the driver records it as awaited (with the view it
 * was given, so that the party can be shown what it is asked about) and
 * answers neutrally (accept, no concession), so that every other party the
 * step asks is discovered too; the step's events are then dropped and the
 * replay stops: that step is the present.  Answers are only awaited once
 * the text is tabled, and concessions only once every answer is in, since
 * before that the engine's questions are hypothetical.
 *
 * Incremental replay.  Inputs are only ever appended, and a step that was
 * committed stays committed with the same events when inputs are added:
 * it found every answer and concession it asked for (find_input returns
 * the first match, which an appended input cannot displace), it consumed
 * a prefix of the mediator's actions (an appended action comes after
 * them), and a concern is delivered only at an ask in a step at or after
 * the one in which it was submitted, which was not committed then.  So a
 * replay runs the steps the previous present had committed with the
 * engine building only the events it must watch (TEXT and PILOT, which
 * gate the mediator's actions), takes the previous present's event lines
 * for them, and widens the filter at the first step not yet committed.
 * The event numbering is the engine's own in both cases, so the lines are
 * byte for byte those of a replay from scratch; tests compare the two
 * after every write of whole sessions (parley__live_check).  Should a
 * replay ever stop before reaching the previous present's committed steps
 * (which the above rules out), it starts again from scratch.
 *
 * Complexity: one replay costs one session run up to the present, cheaper
 * over the steps committed before (no event lines, no views), plus copying
 * the previous event lines, plus, on the first replay after "start", the
 * plan (the mediator's model).
 */
#include <math.h>
#include <string.h>

#include <sodium.h>

#include "ledger/ledger_internal.h"
#include "live/live_internal.h"
#include "parley/alloc.h"

/* ---- helpers ----------------------------------------------------------- */

static double party_utility(const parley_party_t *p,
                            const parley_scenario_t *sc, const uint32_t *pkg)
{
    double u = 0;
    if (!p->weights || !p->values)
        return 0;
    for (size_t k = 0; k < sc->n_issues; k++)
        if (p->weights[k] != 0)
            u += p->weights[k] *
                 parley_value_eval(&p->values[k], &sc->issues[k], pkg[k]);
    return u;
}

double parley__live_utility(const parley_scenario_t *sc, size_t party,
                            const uint32_t *pkg)
{
    return party_utility(&sc->parties[party], sc, pkg);
}

parley_status_t parley__live_hash_hex(const json_t *v, char hex[65])
{
    char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS |
                                   JSON_ENCODE_ANY);
    if (!text)
        return PARLEY_ENOMEM;
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)text, strlen(text),
                       NULL, 0);
    parley_free(text);
    sodium_bin2hex(hex, 65, h, sizeof h);
    return PARLEY_OK;
}

static json_t *jreal(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

char *parley__live_view_json(const parley_view_t *vw)
{
    /* jansson may drop a member silently when memory runs out. */
    int failed_before = parley__json_alloc_failed();
    const parley_scenario_t *pub = vw->public_scenario;
    json_t *o = json_object();
    json_t *text = vw->text ? json_array() : json_null();
    json_t *labels = vw->text ? json_object() : json_null();
    json_t *conc = json_array(), *open = json_array();
    if (!o || !text || !labels || !conc || !open) {
        json_decref(o);
        json_decref(text);
        json_decref(labels);
        json_decref(conc);
        json_decref(open);
        return NULL;
    }
    int bad = 0;
    char label[64];
    for (size_t k = 0; vw->text && k < pub->n_issues; k++) {
        parley_issue_option_label(&pub->issues[k], vw->text[k], label,
                                  sizeof label);
        bad |= json_array_append_new(text, json_integer(vw->text[k]));
        bad |= json_object_set_new(labels, pub->issues[k].id,
                                   json_string(label));
    }
    for (size_t i = 0; i < pub->n_parties; i++)
        bad |= json_array_append_new(conc, json_integer(vw->concessions[i]));
    for (size_t q = 0; q < vw->n_open; q++)
        bad |= json_array_append_new(open,
                                     json_integer((json_int_t)vw->open_issues[q]));
    const char *cid = vw->cluster >= 0 && (size_t)vw->cluster < pub->n_clusters
                          ? pub->clusters[vw->cluster].id
                          : NULL;
    bad |= json_object_set_new(o, "party",
                               json_string(pub->parties[vw->party].id));
    bad |= json_object_set_new(o, "party_index", json_integer((json_int_t)vw->party));
    bad |= json_object_set_new(o, "round", json_integer(vw->round));
    bad |= json_object_set_new(o, "deadline", json_integer(vw->deadline));
    bad |= json_object_set_new(o, "cluster", json_integer(vw->cluster));
    bad |= json_object_set_new(o, "cluster_id",
                               cid ? json_string(cid) : json_null());
    bad |= json_object_set_new(o, "text", text);
    bad |= json_object_set_new(o, "labels", labels);
    bad |= json_object_set_new(o, "text_round", json_integer(vw->text_round));
    bad |= json_object_set_new(o, "pilot", json_boolean(vw->pilot));
    bad |= json_object_set_new(o, "n_accept", json_integer(vw->n_accept));
    bad |= json_object_set_new(o, "n_object", json_integer(vw->n_object));
    bad |= json_object_set_new(o, "n_veto", json_integer(vw->n_veto));
    bad |= json_object_set_new(o, "aspiration", jreal(vw->aspiration));
    bad |= json_object_set_new(o, "concessions", conc);
    bad |= json_object_set_new(o, "guarantee_bonus", jreal(vw->guarantee_bonus));
    bad |= json_object_set_new(o, "open_issues", open);
    bad |= json_object_set_new(o, "drafting", json_boolean(vw->drafting));
    bad |= json_object_set_new(
        o, "utility",
        vw->text ? jreal(party_utility(vw->self, pub, vw->text)) : json_null());
    char *out = bad ? NULL : json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (out && !failed_before && parley__json_alloc_failed()) {
        parley_free(out);
        out = NULL;
    }
    return out;
}

/* ---- the full scenario ------------------------------------------------- */

/* The latest profile input of scenario party i, or NULL. */
static const json_t *latest_profile(const parley__live_session_t *S, size_t i)
{
    const json_t *p = NULL;
    for (size_t n = 0; n < S->n_in; n++)
        if (S->in[n].action == PARLEY__LIVE_PROFILE &&
            S->in[n].party == (long)i)
            p = json_object_get(S->in[n].payload, "profile");
    return p;
}

parley_status_t parley__live_merge(const parley__live_session_t *S,
                                   long only_party, const json_t *profile,
                                   parley_scenario_t **out,
                                   parley_diags_t *diags)
{
    *out = NULL;
    json_error_t jerr;
    json_t *root = json_loads(S->scenario_json, 0, &jerr);
    if (!root)
        return PARLEY_ENOMEM; /* it was read once: only memory can fail */
    json_t *parties = json_object_get(root, "parties");
    int bad = 0;
    for (size_t i = 0; i < json_array_size(parties) && !bad; i++) {
        const json_t *pr = only_party >= 0
                               ? ((long)i == only_party ? profile : NULL)
                               : latest_profile(S, i);
        if (!pr)
            continue;
        json_t *entry = json_array_get(parties, i);
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)pr, key, val)
            bad |= json_object_set(entry, key, val);
    }
    char *text = bad ? NULL : json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (!text)
        return PARLEY_ENOMEM;
    parley_status_t st =
        only_party >= 0
            ? parley__scenario_read_public(text, strlen(text), "profile", out,
                                           diags)
            : parley_scenario_read_string(text, strlen(text), "scenario", out,
                                          diags);
    parley_free(text);
    return st;
}

/* ---- the present -------------------------------------------------------- */

void parley__live_present_free(parley__live_present_t *p, size_t n_parties)
{
    for (size_t i = 0; i < p->n_aw; i++)
        parley_free(p->aw[i].view);
    parley_free(p->aw);
    for (size_t i = 0; i < p->n_ev; i++)
        parley_free(p->ev[i].json);
    parley_free(p->ev);
    parley_free(p->pending_text);
    parley_free(p->open);
    parley_free(p->suggested);
    for (size_t i = 0; p->rulings && i < n_parties; i++)
        parley_free(p->rulings[i]);
    parley_free(p->rulings);
    for (size_t i = 0; p->last_view && i < n_parties; i++)
        parley_free(p->last_view[i]);
    parley_free(p->last_view);
    for (size_t i = 0; p->step_view && i < n_parties; i++)
        parley_free(p->step_view[i]);
    parley_free(p->step_view);
    memset(p, 0, sizeof *p);
}

static int same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

int parley__live_present_same(const parley__live_present_t *a,
                              const parley__live_present_t *b,
                              size_t n_parties)
{
    if (a->phase != b->phase || a->round != b->round ||
        a->steps != b->steps || a->n_aw != b->n_aw || a->n_ev != b->n_ev ||
        a->ended != b->ended || a->agreement != b->agreement ||
        a->asks_concern != b->asks_concern ||
        !same_str(a->pending_text, b->pending_text) ||
        a->n_open != b->n_open ||
        (a->n_open &&
         memcmp(a->open, b->open, a->n_open * sizeof *a->open) != 0) ||
        a->n_text != b->n_text ||
        (a->n_text && memcmp(a->suggested, b->suggested,
                             a->n_text * sizeof *a->suggested) != 0))
        return 0;
    for (size_t i = 0; i < a->n_aw; i++)
        if (a->aw[i].action != b->aw[i].action ||
            a->aw[i].party != b->aw[i].party ||
            a->aw[i].round != b->aw[i].round ||
            !same_str(a->aw[i].view, b->aw[i].view))
            return 0;
    for (size_t e = 0; e < a->n_ev; e++)
        if (a->ev[e].seq != b->ev[e].seq || a->ev[e].kind != b->ev[e].kind ||
            a->ev[e].vis != b->ev[e].vis || a->ev[e].party != b->ev[e].party ||
            strcmp(a->ev[e].json, b->ev[e].json) != 0)
            return 0;
    for (size_t i = 0; i < n_parties; i++) {
        if (!same_str(a->rulings ? a->rulings[i] : NULL,
                      b->rulings ? b->rulings[i] : NULL) ||
            !same_str(a->last_view ? a->last_view[i] : NULL,
                      b->last_view ? b->last_view[i] : NULL) ||
            !same_str(a->step_view ? a->step_view[i] : NULL,
                      b->step_view ? b->step_view[i] : NULL))
            return 0;
    }
    return 1;
}

typedef struct rp {
    parley__live_session_t *S;
    size_t *macts; /* indices of S->in: the mediator's gating actions */
    size_t n_macts, cursor;
    unsigned char *delivered; /* per input: a concern already delivered */
    unsigned char *viewed;    /* per party: given a view in this step */
    /* Indices of S->in, so that a driver call does not scan every input:
     * the answers and concessions in order; the concerns grouped by party
     * (party i's at cq[cq_start[i] .. cq_start[i + 1]), in order), with
     * the first not yet delivered at cq_cur[i], and cq_sorted[i] set when
     * their at_step never decreases. */
    size_t *ac, n_ac;
    size_t *cq, *cq_start, *cq_cur;
    unsigned char *cq_sorted;
    int slow; /* scan every input instead: the obvious path, for checks */
    int lack, gate_missing, tabled, asked_concern;
    int oom;
    size_t cap_aw;
    /* Incremental: the previous present, whose first prev->steps steps
     * are run without event lines or views while `skipping`. */
    const parley__live_present_t *prev;
    int skipping;
    parley__live_present_t p; /* what this replay finds */
} rp_t;

typedef struct rp_driver {
    rp_t *rp;
    size_t party;
} rp_driver_t;

static void await_add(rp_t *rp, parley__live_action_t a, long party,
                      unsigned round, const parley_view_t *vw)
{
    if (rp->p.n_aw == rp->cap_aw) {
        size_t cap = rp->cap_aw ? rp->cap_aw * 2 : 8;
        parley__live_await_t *n = parley_realloc(rp->p.aw, cap * sizeof *n);
        if (!n) {
            rp->oom = 1;
            return;
        }
        rp->p.aw = n;
        rp->cap_aw = cap;
    }
    parley__live_await_t *w = &rp->p.aw[rp->p.n_aw];
    w->action = a;
    w->party = party;
    w->round = round;
    w->view = NULL;
    if (vw && !(w->view = parley__live_view_json(vw))) {
        rp->oom = 1;
        return;
    }
    rp->p.n_aw++;
}

/* Takes the mediator's next action if it is `a`; else records the lack. */
static int gate(rp_t *rp, parley__live_action_t a)
{
    if (rp->cursor < rp->n_macts &&
        rp->S->in[rp->macts[rp->cursor]].action == a) {
        rp->cursor++;
        return 1;
    }
    rp->lack = 1;
    await_add(rp, a, -1, 0, NULL);
    return 0;
}

static void keep_view(rp_t *rp, const parley_view_t *vw)
{
    char *j = parley__live_view_json(vw);
    if (!j) {
        rp->oom = 1;
        return;
    }
    parley_free(rp->p.last_view[vw->party]);
    rp->p.last_view[vw->party] = j;
    rp->viewed[vw->party] = 1;
}

static void replace(char **slot, const char *text, int *oom)
{
    char *d = parley_strdup(text);
    if (!d) {
        *oom = 1;
        return;
    }
    parley_free(*slot);
    *slot = d;
}

static void on_event(void *ctx, const parley_event_t *e)
{
    rp_t *rp = ctx;
    if (rp->oom)
        return;
    if (e->kind == PARLEY_EVENT_TEXT || e->kind == PARLEY_EVENT_PILOT) {
        rp->tabled = 1;
        if (!rp->lack &&
            gate(rp, e->kind == PARLEY_EVENT_PILOT ? PARLEY__LIVE_PILOT
                                                   : PARLEY__LIVE_PROPOSE))
            replace(&rp->p.pending_text, e->json, &rp->oom);
        else
            rp->gate_missing = 1;
    }
    if (rp->skipping)
        return; /* the previous present holds this step's lines */
    /* A ruling depends on the veto and the past only: it stands even
     * while other answers of its round are still awaited. */
    if (e->kind == PARLEY_EVENT_VETO_RULING && !rp->gate_missing &&
        e->party >= 0)
        replace(&rp->p.rulings[e->party], e->json, &rp->oom);
    if (rp->p.n_ev == rp->p.cap_ev) {
        size_t cap = rp->p.cap_ev ? rp->p.cap_ev * 2 : 64;
        parley__live_event_t *n = parley_realloc(rp->p.ev, cap * sizeof *n);
        if (!n) {
            rp->oom = 1;
            return;
        }
        rp->p.ev = n;
        rp->p.cap_ev = cap;
    }
    parley__live_event_t *x = &rp->p.ev[rp->p.n_ev];
    x->json = parley_strdup(e->json);
    if (!x->json) {
        rp->oom = 1;
        return;
    }
    x->seq = e->seq + 1;
    x->kind = e->kind;
    x->vis = e->visibility;
    x->party = e->party;
    rp->p.n_ev++;
}

/*
 * The engine's table hook.  When the mediator's next action is the
 * "propose" that will table this text and it carries a text (checked when
 * it was written), the open issues take its options; when no "propose" is
 * there yet, the open issues and the engine's text are kept in the
 * present, for checking the one that comes and for the mediator's state.
 * O(open issues x options).
 */
static parley_status_t rp_table(void *ctx, unsigned round, size_t n_open,
                                const size_t *open, uint32_t *text)
{
    rp_t *rp = ctx;
    const parley_scenario_t *pub = rp->S->pub;
    (void)round;
    if (rp->lack || rp->oom)
        return PARLEY_OK;
    if (rp->cursor < rp->n_macts &&
        rp->S->in[rp->macts[rp->cursor]].action == PARLEY__LIVE_PROPOSE) {
        const json_t *t =
            json_object_get(rp->S->in[rp->macts[rp->cursor]].payload, "text");
        for (size_t q = 0; t && q < n_open; q++) {
            const parley_issue_t *is = &pub->issues[open[q]];
            const char *want =
                json_string_value(json_object_get(t, is->id));
            char label[64];
            size_t j = 0;
            while (want && j < is->n_options &&
                   (parley_issue_option_label(is, j, label, sizeof label),
                    strcmp(label, want) != 0))
                j++;
            if (!want || j == is->n_options)
                return PARLEY_EINVALID; /* refused when written */
            text[open[q]] = (uint32_t)j;
        }
        return PARLEY_OK;
    }
    size_t *keep = parley_malloc((n_open ? n_open : 1) * sizeof *keep);
    uint32_t *sug = parley_malloc((pub->n_issues ? pub->n_issues : 1) *
                                  sizeof *sug);
    if (!keep || !sug) {
        parley_free(keep);
        parley_free(sug);
        rp->oom = 1;
        return PARLEY_OK;
    }
    memcpy(keep, open, n_open * sizeof *open);
    memcpy(sug, text, pub->n_issues * sizeof *text);
    parley_free(rp->p.open);
    parley_free(rp->p.suggested);
    rp->p.open = keep;
    rp->p.n_open = n_open;
    rp->p.suggested = sug;
    rp->p.n_text = pub->n_issues;
    return PARLEY_OK;
}

/* The first input of kind a (answer or concession) by party for round. */
static const parley__live_input_t *find_input(const rp_t *rp,
                                              parley__live_action_t a,
                                              size_t party, unsigned round)
{
    const parley__live_session_t *S = rp->S;
    for (size_t n = 0; rp->slow && n < S->n_in; n++)
        if (S->in[n].action == a && S->in[n].party == (long)party &&
            S->in[n].round == round)
            return &S->in[n];
    for (size_t k = 0; !rp->slow && k < rp->n_ac; k++) {
        const parley__live_input_t *in = &S->in[rp->ac[k]];
        if (in->action == a && in->party == (long)party && in->round == round)
            return in;
    }
    return NULL;
}

static unsigned ground_bit(const char *g)
{
    if (!g)
        return 0;
    if (strcmp(g, "red_line") == 0)
        return PARLEY_VETO_RED_LINE;
    if (strcmp(g, "reservation") == 0)
        return PARLEY_VETO_RESERVATION;
    return 0;
}

static long issue_index(const parley_scenario_t *sc, const char *id)
{
    for (size_t k = 0; id && k < sc->n_issues; k++)
        if (strcmp(sc->issues[k].id, id) == 0)
            return (long)k;
    return -1;
}

/* An answer body (checked when it was written) as the engine's answer. */
static void answer_from(const parley_scenario_t *sc, const json_t *p,
                        parley_answer_t *a)
{
    static const char *const kinds[] = {"accept", "object", "veto",
                                        "walkout"};
    const char *k = json_string_value(json_object_get(p, "kind"));
    for (unsigned i = 0; k && i < 4; i++)
        if (strcmp(k, kinds[i]) == 0)
            a->kind = (parley_answer_kind_t)i;
    const json_t *is = json_object_get(p, "issues");
    for (size_t t = 0; t < json_array_size(is) && a->n_issues < PARLEY_MAX_ISSUES;
         t++) {
        long ix = issue_index(sc, json_string_value(json_array_get(is, t)));
        if (ix >= 0)
            a->issues[a->n_issues++] = (size_t)ix;
    }
    a->ground = ground_bit(json_string_value(json_object_get(p, "ground")));
    json_t *tr = json_object_get(p, "text_round");
    a->text_round = (unsigned)json_integer_value(tr);
    const char *why = json_string_value(json_object_get(p, "reason"));
    if (why)
        snprintf(a->reason, sizeof a->reason, "%s", why);
}

static parley_status_t drv_answer(void *ctx, const parley_view_t *vw,
                                  parley_answer_t *out)
{
    rp_driver_t *d = ctx;
    rp_t *rp = d->rp;
    memset(out, 0, sizeof *out);
    out->kind = PARLEY_ANSWER_ACCEPT;
    if (rp->gate_missing)
        return PARLEY_OK;
    if (!rp->skipping)
        keep_view(rp, vw);
    const parley__live_input_t *in =
        find_input(rp, PARLEY__LIVE_ANSWER, d->party, vw->round);
    if (in) {
        answer_from(rp->S->pub, in->payload, out);
        /* A veto that names no round vetoes the text it answers. */
        if (out->kind == PARLEY_ANSWER_VETO &&
            !json_object_get(in->payload, "text_round"))
            out->text_round = vw->text_round;
        return PARLEY_OK;
    }
    rp->lack = 1;
    await_add(rp, PARLEY__LIVE_ANSWER, (long)d->party, vw->round, vw);
    return PARLEY_OK;
}

static parley_status_t drv_concede(void *ctx, const parley_view_t *vw,
                                   double *asp)
{
    rp_driver_t *d = ctx;
    rp_t *rp = d->rp;
    *asp = vw->aspiration;
    if (rp->lack)
        return PARLEY_OK;
    if (!rp->skipping)
        keep_view(rp, vw);
    const parley__live_input_t *in =
        find_input(rp, PARLEY__LIVE_CONCEDE, d->party, vw->round);
    if (in) {
        *asp = json_number_value(json_object_get(in->payload, "aspiration"));
        return PARLEY_OK;
    }
    rp->lack = 1;
    await_add(rp, PARLEY__LIVE_CONCEDE, (long)d->party, vw->round, vw);
    return PARLEY_OK;
}

static parley_status_t drv_concern(void *ctx, const parley_view_t *vw,
                                   char *text, size_t size)
{
    rp_driver_t *d = ctx;
    rp_t *rp = d->rp;
    (void)vw;
    rp->asked_concern = 1;
    if (size)
        text[0] = '\0';
    for (size_t n = 0; rp->slow && n < rp->S->n_in; n++) {
        const parley__live_input_t *in = &rp->S->in[n];
        if (in->action != PARLEY__LIVE_CONCERN || in->party != (long)d->party ||
            in->at_step > rp->p.steps || rp->delivered[n])
            continue;
        rp->delivered[n] = 1;
        snprintf(text, size, "%s",
                 json_string_value(json_object_get(in->payload, "text")));
        return PARLEY_OK;
    }
    if (rp->slow)
        return PARLEY_OK;
    /* The party's first concern not yet delivered and submitted at or
     * before this step: with at_step in order, the scan stops at the
     * first that is too late, and moves past those delivered. */
    size_t i = d->party, *cur = &rp->cq_cur[i];
    for (size_t k = *cur; k < rp->cq_start[i + 1]; k++) {
        size_t n = rp->cq[k];
        const parley__live_input_t *in = &rp->S->in[n];
        if (!rp->delivered[n] && in->at_step > rp->p.steps) {
            if (rp->cq_sorted[i])
                break;
            continue;
        }
        if (k == *cur)
            (*cur)++;
        if (rp->delivered[n])
            continue;
        rp->delivered[n] = 1;
        snprintf(text, size, "%s",
                 json_string_value(json_object_get(in->payload, "text")));
        break;
    }
    return PARLEY_OK;
}

static void rp_free(rp_t *rp, size_t n_parties)
{
    parley__live_present_free(&rp->p, n_parties);
    parley_free(rp->macts);
    parley_free(rp->delivered);
    parley_free(rp->viewed);
    parley_free(rp->ac);
    parley_free(rp->cq);
    parley_free(rp->cq_start);
    parley_free(rp->cq_cur);
    parley_free(rp->cq_sorted);
}

/* Builds the full scenario and the plan once "start" is in. */
static parley_status_t ensure_plan(parley__live_session_t *S,
                                   parley_diags_t *diags)
{
    if (S->plan)
        return PARLEY_OK;
    parley_status_t st = S->full ? PARLEY_OK
                                 : parley__live_merge(S, -1, NULL, &S->full,
                                                      diags);
    if (st == PARLEY_OK)
        st = parley_session_plan_new(S->full, &S->rules, &S->plan, diags);
    if (st != PARLEY_OK) {
        parley_scenario_free(S->full);
        S->full = NULL;
    }
    return st;
}

/* Ends skipping: the previous present's lines and committed views are this
 * replay's from here on.  0 when memory runs out. */
static int widen(rp_t *rp, size_t np)
{
    const parley__live_present_t *pv = rp->prev;
    rp->skipping = 0;
    if (pv->n_ev) {
        size_t cap = pv->n_ev + 64;
        parley__live_event_t *ev = parley_malloc(cap * sizeof *ev);
        if (!ev)
            return 0;
        rp->p.ev = ev;
        rp->p.cap_ev = cap;
        for (size_t e = 0; e < pv->n_ev; e++) {
            ev[e] = pv->ev[e];
            if (!(ev[e].json = parley_strdup(pv->ev[e].json)))
                return 0;
            rp->p.n_ev = e + 1;
        }
    }
    for (size_t i = 0; i < np; i++) {
        if (!pv->step_view[i])
            continue;
        rp->p.step_view[i] = parley_strdup(pv->step_view[i]);
        rp->p.last_view[i] = parley_strdup(pv->step_view[i]);
        if (!rp->p.step_view[i] || !rp->p.last_view[i])
            return 0;
    }
    return 1;
}

/* Runs the engine up to the present; rp holds what it found.  While
 * skipping, the engine builds TEXT and PILOT events only: on_event gates
 * the mediator's actions on them. */
static parley_status_t run(parley__live_session_t *S, rp_t *rp)
{
    size_t np = S->pub->n_parties;
    rp_driver_t *dctx = parley_calloc(np, sizeof *dctx);
    parley_driver_t *drv = parley_calloc(np, sizeof *drv);
    const parley_driver_t **dp = parley_calloc(np, sizeof *dp);
    parley_session_t *sess = NULL;
    parley_status_t st = PARLEY_ENOMEM;
    if (!dctx || !drv || !dp)
        goto out;
    for (size_t i = 0; i < np; i++) {
        dctx[i].rp = rp;
        dctx[i].party = i;
        drv[i].ctx = &dctx[i];
        drv[i].answer = drv_answer;
        drv[i].concede = drv_concede;
        drv[i].concern = drv_concern;
        dp[i] = &drv[i];
    }
    parley_session_opts_t opts = {S->seed, on_event, rp, rp_table, rp};
    st = parley_session_new_planned(S->plan, dp, &opts, &sess, NULL);
    if (st != PARLEY_OK)
        goto out;
    if (rp->skipping)
        parley_session_filter_events(sess,
                                     UINT64_C(1) << PARLEY_EVENT_TEXT |
                                         UINT64_C(1) << PARLEY_EVENT_PILOT);
    for (;;) {
        if (rp->skipping && rp->p.steps == rp->prev->steps) {
            if (!widen(rp, np)) {
                st = PARLEY_ENOMEM;
                goto out;
            }
            parley_session_filter_events(sess, PARLEY_EVENT_KINDS_ALL);
        }
        parley_phase_t ph = parley_session_phase(sess);
        rp->p.phase = ph;
        rp->p.round = parley_session_rounds(sess);
        if (ph == PARLEY_PHASE_AGREEMENT || ph == PARLEY_PHASE_IMPASSE) {
            rp->p.ended = 1;
            rp->p.agreement = ph == PARLEY_PHASE_AGREEMENT;
            break;
        }
        rp->lack = rp->gate_missing = rp->tabled = rp->asked_concern = 0;
        size_t ev0 = rp->p.n_ev, cur0 = rp->cursor;
        parley__live_action_t pre = PARLEY__LIVE_ACTION_COUNT;
        if (ph == PARLEY_PHASE_SETUP)
            pre = PARLEY__LIVE_START;
        else if (ph == PARLEY_PHASE_CLUSTER)
            pre = PARLEY__LIVE_OPEN_CLUSTER;
        else if (ph == PARLEY_PHASE_DECISION)
            pre = PARLEY__LIVE_AGREE;
        if (pre != PARLEY__LIVE_ACTION_COUNT && !gate(rp, pre))
            break;
        /* A round step at the deadline tables nothing: no gate. */
        st = parley_session_step(sess);
        if (st != PARLEY_OK || rp->oom) {
            st = PARLEY_ENOMEM;
            goto out;
        }
        if (!rp->lack && rp->tabled)
            gate(rp, PARLEY__LIVE_CLOSE_ROUND);
        if (!rp->lack && pre != PARLEY__LIVE_AGREE &&
            parley_session_phase(sess) == PARLEY_PHASE_AGREEMENT)
            gate(rp, PARLEY__LIVE_AGREE);
        if (rp->oom) {
            st = PARLEY_ENOMEM;
            goto out;
        }
        if (rp->lack) {
            for (size_t e = ev0; e < rp->p.n_ev; e++)
                parley_free(rp->p.ev[e].json);
            rp->p.n_ev = ev0;
            rp->cursor = cur0;
            if (rp->gate_missing) {
                parley_free(rp->p.pending_text);
                rp->p.pending_text = NULL;
            }
            rp->p.asks_concern = rp->asked_concern;
            break;
        }
        rp->p.steps++;
        parley_free(rp->p.pending_text);
        rp->p.pending_text = NULL;
        parley_free(rp->p.open);
        rp->p.open = NULL;
        rp->p.n_open = 0;
        parley_free(rp->p.suggested);
        rp->p.suggested = NULL;
        rp->p.n_text = 0;
        for (size_t i = 0; i < np; i++) {
            parley_free(rp->p.rulings[i]);
            rp->p.rulings[i] = NULL;
            if (rp->viewed[i]) {
                replace(&rp->p.step_view[i], rp->p.last_view[i], &rp->oom);
                rp->viewed[i] = 0;
            }
        }
        if (rp->oom) {
            st = PARLEY_ENOMEM;
            goto out;
        }
    }
    st = rp->oom ? PARLEY_ENOMEM : PARLEY_OK;
out:
    parley_session_free(sess);
    parley_free(dctx);
    parley_free(drv);
    parley_free(dp);
    return st;
}

/*
 * The present of S into rp->p, incrementally from prev (a present of a
 * prefix of S's inputs, or NULL: from scratch), with the drivers scanning
 * every input when `slow` is set.  On failure rp holds nothing.
 */
static parley_status_t compute(parley__live_session_t *S,
                               const parley__live_present_t *prev, int slow,
                               parley_diags_t *diags, rp_t *rp)
{
    size_t np = S->pub->n_parties;
    memset(rp, 0, sizeof *rp);
    rp->slow = slow;
    rp->S = S;
    rp->p.phase = PARLEY_PHASE_SETUP;
    rp->macts = parley_calloc(S->n_in ? S->n_in : 1, sizeof *rp->macts);
    rp->delivered = parley_calloc(S->n_in ? S->n_in : 1, 1);
    rp->viewed = parley_calloc(np ? np : 1, 1);
    rp->ac = parley_calloc(S->n_in ? S->n_in : 1, sizeof *rp->ac);
    rp->cq = parley_calloc(S->n_in ? S->n_in : 1, sizeof *rp->cq);
    rp->cq_start = parley_calloc(np + 1, sizeof *rp->cq_start);
    rp->cq_cur = parley_calloc(np ? np : 1, sizeof *rp->cq_cur);
    rp->cq_sorted = parley_calloc(np ? np : 1, 1);
    rp->p.rulings = parley_calloc(np ? np : 1, sizeof *rp->p.rulings);
    rp->p.last_view = parley_calloc(np ? np : 1, sizeof *rp->p.last_view);
    rp->p.step_view = parley_calloc(np ? np : 1, sizeof *rp->p.step_view);
    if (!rp->macts || !rp->delivered || !rp->viewed || !rp->ac || !rp->cq ||
        !rp->cq_start || !rp->cq_cur || !rp->cq_sorted || !rp->p.rulings ||
        !rp->p.last_view || !rp->p.step_view) {
        rp_free(rp, np);
        return PARLEY_ENOMEM;
    }
    int started = 0;
    for (size_t n = 0; n < S->n_in; n++) {
        const parley__live_input_t *in = &S->in[n];
        if (parley__live_action_gates(in->action))
            rp->macts[rp->n_macts++] = n;
        if (in->action == PARLEY__LIVE_START)
            started = 1;
        if (in->action == PARLEY__LIVE_ANSWER ||
            in->action == PARLEY__LIVE_CONCEDE)
            rp->ac[rp->n_ac++] = n;
        if (in->action == PARLEY__LIVE_CONCERN && in->party >= 0 &&
            (size_t)in->party < np)
            rp->cq_start[in->party + 1]++;
    }
    /* Concerns by party: counts to starts, then each in its place. */
    for (size_t i = 0; i < np; i++) {
        rp->cq_start[i + 1] += rp->cq_start[i];
        rp->cq_cur[i] = rp->cq_start[i];
        rp->cq_sorted[i] = 1;
    }
    for (size_t n = 0; n < S->n_in; n++) {
        const parley__live_input_t *in = &S->in[n];
        if (in->action != PARLEY__LIVE_CONCERN || in->party < 0 ||
            (size_t)in->party >= np)
            continue;
        size_t i = (size_t)in->party, k = rp->cq_cur[i]++;
        rp->cq[k] = n;
        if (k > rp->cq_start[i] && S->in[rp->cq[k - 1]].at_step > in->at_step)
            rp->cq_sorted[i] = 0;
    }
    for (size_t i = 0; i < np; i++)
        rp->cq_cur[i] = rp->cq_start[i];
    parley_status_t st = PARLEY_OK;
    int failed_before = parley__json_alloc_failed();
    if (!started) {
        /* Before "start": the profiles, then the start itself. */
        int all = 1;
        for (size_t i = 0; i < np; i++) {
            if (S->pub->parties[i].role != PARLEY_ROLE_PARTY ||
                latest_profile(S, i))
                continue;
            all = 0;
            await_add(rp, PARLEY__LIVE_PROFILE, (long)i, 0, NULL);
        }
        if (all)
            await_add(rp, PARLEY__LIVE_START, -1, 0, NULL);
        st = rp->oom ? PARLEY_ENOMEM : PARLEY_OK;
    } else if ((st = ensure_plan(S, diags)) == PARLEY_OK) {
        rp->prev = prev && prev->steps ? prev : NULL;
        rp->skipping = rp->prev != NULL;
        st = run(S, rp);
        if (st == PARLEY_OK && rp->skipping) {
            /* Stopped short of the committed steps: start afresh. */
            rp_free(rp, np);
            return compute(S, NULL, slow, diags, rp);
        }
    }
    if (st == PARLEY_OK && !failed_before && parley__json_alloc_failed())
        st = PARLEY_ENOMEM;
    if (st != PARLEY_OK)
        rp_free(rp, np);
    return st;
}

parley_status_t parley__live_replay(parley__live_session_t *S,
                                    parley_diags_t *diags,
                                    parley__live_present_t *old)
{
    rp_t rp;
    parley_status_t st = compute(S, &S->now, 0, diags, &rp);
    if (st != PARLEY_OK)
        return st;
    if (old)
        *old = S->now;
    else
        parley__live_present_free(&S->now, S->pub->n_parties);
    S->now = rp.p;
    parley__live_state_forget(S);
    memset(&rp.p, 0, sizeof rp.p); /* moved out */
    rp_free(&rp, 0);
    return PARLEY_OK;
}

parley_status_t parley__live_replay_scratch(parley__live_session_t *S,
                                            parley__live_present_t *out)
{
    rp_t rp;
    parley_status_t st = compute(S, NULL, 1, NULL, &rp);
    if (st != PARLEY_OK)
        return st;
    *out = rp.p;
    memset(&rp.p, 0, sizeof rp.p); /* moved out */
    rp_free(&rp, 0);
    return PARLEY_OK;
}
