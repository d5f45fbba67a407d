/*
 * mediator.c - how the mediator models the parties and writes texts.
 *
 * The model.  With private channels the mediator knows what each party
 * disclosed (its declared profile): contributions weight * value per issue
 * option, red lines, reservation.  Without them it knows only the public
 * scenario and the answers, and learns: every party starts with equal
 * weights and the value 0.5 for every option ("no preference known"); an
 * objection that names issue k halves the value of the text's option on k
 * for that party; an acceptance moves the value of each of the text's
 * options a quarter of the way to 1.  A learned model has no red lines and
 * reservations of 0; its scale is not the parties' own, so aspirations do
 * not constrain its texts (objections and concessions drive it instead).
 *
 * Candidates.  Each agenda unit's candidate texts are every combination of
 * the options the model allows on its issues, enumerated once per model
 * (package-index order, so the first candidate of a tie is the lowest
 * package index).  A round then only scans them: utility = the fixed
 * issues' sum (computed once per round) + the candidate's own vector +
 * guarantee bonuses; no allocation.
 *
 * The agenda.  Per unit, on the model: each party's stake best - worst
 * over the candidates; the joint gain G = max over candidates of the summed
 * gains over each party's worst; conflict = 1 - G / (sum of stakes): the
 * share of the parties' combined stake that no single text can give them
 * at once (0: one text is best for everyone).  Easy-first orders by
 * conflict ascending, then joint gain descending; hard-first the reverse;
 * ties by unit index.
 *
 * The provisional text holds the issues of units not yet opened.  It is a
 * block-coordinate optimum of the session's concept on the model: start
 * from each unit's utilitarian candidate, then repeatedly re-choose each
 * unit given the others (fewest parties below reservation, then smallest
 * total deficit, then the concept) until no unit changes (at most 16
 * passes).  Cheap and deterministic: a fixed point no single unit can
 * improve (for the utilitarian concept, which is separable, the optimum).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "parley/alloc.h"
#include "parley/model.h"
#include "process/process_internal.h"

#define PAT_ANY UINT32_MAX

static uint64_t bit(size_t v)
{
    return (uint64_t)1 << v;
}

/* ---- objective -------------------------------------------------------- */

/*
 * The concept's objective at u (bonuses included) with weights w,
 * reference points res and ideals best.  *floor_ok: every normalized gain
 * reaches the floor (mediated with floor), else 1.
 */
static double objective(const parley_rules_t *r, size_t P, const double *w,
                        const double *res, const double *best,
                        const double *u, int *floor_ok)
{
    double obj = 0;
    int fok = 1;
    if (r->concept == PARLEY_CONCEPT_MEDIATED && r->has_floor) {
        for (size_t i = 0; i < P; i++) {
            double den = best[i] - res[i];
            if (den > 0 && (u[i] - res[i]) / den < r->floor - PARLEY__EPS)
                fok = 0;
        }
    }
    if (floor_ok)
        *floor_ok = fok;
    switch (r->concept) {
    case PARLEY_CONCEPT_UTILITARIAN:
        for (size_t i = 0; i < P; i++)
            obj += w[i] * u[i];
        return obj;
    case PARLEY_CONCEPT_KS:
    case PARLEY_CONCEPT_EGALITARIAN: {
        double m = HUGE_VAL;
        for (size_t i = 0; i < P; i++) {
            double g = u[i] - res[i], t;
            if (r->concept == PARLEY_CONCEPT_KS) {
                double den = best[i] - res[i];
                if (den > 0)
                    t = g / den;
                else
                    t = g >= 0 ? HUGE_VAL : -HUGE_VAL;
            } else {
                t = g;
            }
            t /= w[i];
            if (t < m)
                m = t;
        }
        return m;
    }
    default:
        for (size_t i = 0; i < P; i++) {
            double g = u[i] - res[i];
            if (!(g > 0))
                return -HUGE_VAL;
            obj += w[i] * log(g);
        }
        return obj;
    }
}

double parley__med_objective(const parley_session_t *s,
                             const parley__mmodel_t *m, const double *u)
{
    return objective(&s->plan->rules, s->P, s->wt, m->res, m->best, u, NULL);
}

void parley__weights(parley_session_t *s)
{
    const parley__plan_t *pl = s->plan;
    for (size_t v = 0; v < s->P; v++)
        s->wt[v] = pl->cweight[v] * (1.0 + pl->rules.credit * s->acts[v]);
}

/* ---- guarantees and utilities ----------------------------------------- */

double parley__bonus(const parley_session_t *s, const uint32_t *pkg, size_t v)
{
    const parley__plan_t *pl = s->plan;
    double b = 0;
    for (size_t t = 0; t < pl->G; t++)
        if (pl->gben[t] == v && pl->gval[t] > 0 &&
            parley_guarantee_applies(&pl->pub->guarantees[t], pl->pub, pkg))
            b += pl->gval[t];
    return b;
}

void parley__utility(const parley_session_t *s, const parley__mmodel_t *m,
                     const uint32_t *pkg, double *u)
{
    const parley__plan_t *pl = s->plan;
    size_t P = m->P;
    for (size_t v = 0; v < P; v++)
        u[v] = 0;
    for (size_t k = 0; k < m->K; k++) {
        const double *c = m->contrib[k] + (size_t)pkg[k] * P;
        for (size_t v = 0; v < P; v++)
            u[v] += c[v];
    }
    for (size_t t = 0; t < pl->G; t++)
        if (pl->gval[t] > 0 &&
            parley_guarantee_applies(&pl->pub->guarantees[t], pl->pub, pkg))
            u[pl->gben[t]] += pl->gval[t];
}

/* ---- building a model ------------------------------------------------- */

void parley__mmodel_free(parley__mmodel_t *m)
{
    if (!m)
        return;
    for (size_t k = 0; k < m->K; k++) {
        if (m->contrib)
            parley_free(m->contrib[k]);
        if (m->forbid)
            parley_free(m->forbid[k]);
        if (m->val)
            parley_free(m->val[k]);
    }
    parley_free(m->contrib);
    parley_free(m->forbid);
    parley_free(m->val);
    parley_free(m->w);
    parley_free(m->res);
    parley_free(m->best);
    for (size_t u = 0; m->cands && u < m->U; u++) {
        parley_free(m->cands[u].opt);
        parley_free(m->cands[u].u);
        parley_free(m->cands[u].gmask);
    }
    parley_free(m->cands);
    parley_free(m->order);
    parley_free(m->conflict);
    parley_free(m->gain);
    parley_free(m->provisional);
    parley_free(m);
}

static void learned_values(parley__mmodel_t *m, const parley__plan_t *pl)
{
    size_t P = m->P, K = m->K;
    for (size_t k = 0; k < K; k++) {
        size_t n = pl->pub->issues[k].n_options;
        for (size_t t = 0; t < n * P; t++) {
            m->val[k][t] = 0.5;
            m->contrib[k][t] = 0.5 / (double)K;
        }
    }
}

/* Candidate utilities of unit u from the current contributions. */
static void cands_utilities(parley__mmodel_t *m, const parley__plan_t *pl,
                            size_t u)
{
    const parley__unit_t *un = &pl->units[u];
    parley__cands_t *c = &m->cands[u];
    size_t P = m->P, n_is = un->n_issues;
    for (size_t x = 0; x < c->n; x++) {
        double *ux = c->u + x * P;
        for (size_t v = 0; v < P; v++)
            ux[v] = 0;
        for (size_t q = 0; q < n_is; q++) {
            const double *cc =
                m->contrib[un->issues[q]] + (size_t)c->opt[x * n_is + q] * P;
            for (size_t v = 0; v < P; v++)
                ux[v] += cc[v];
        }
    }
}

/* Enumerates the unit's allowed combinations (odometer, last issue
 * fastest). */
static parley_status_t cands_build(parley__mmodel_t *m,
                                   const parley__plan_t *pl, size_t u)
{
    const parley__unit_t *un = &pl->units[u];
    const parley_scenario_t *pub = pl->pub;
    parley__cands_t *c = &m->cands[u];
    size_t n_is = un->n_issues;
    size_t n = 1;
    uint32_t first[PARLEY_MAX_ISSUES], cur[PARLEY_MAX_ISSUES];
    for (size_t q = 0; q < n_is; q++) {
        size_t k = un->issues[q], cnt = 0;
        first[q] = UINT32_MAX;
        for (size_t j = 0; j < pub->issues[k].n_options; j++)
            if (!m->forbid[k][j]) {
                if (first[q] == UINT32_MAX)
                    first[q] = (uint32_t)j;
                cnt++;
            }
        n *= cnt;
    }
    c->n = n;
    size_t n_opt = n * n_is, n_u = n * m->P;
    c->opt = parley_calloc(n_opt ? n_opt : 1, sizeof *c->opt);
    c->u = parley_calloc(n_u ? n_u : 1, sizeof *c->u);
    c->gmask = parley_calloc(n ? n : 1, sizeof *c->gmask);
    if (!c->opt || !c->u || !c->gmask)
        return PARLEY_ENOMEM;
    for (size_t q = 0; q < n_is; q++)
        cur[q] = first[q];
    for (size_t x = 0; x < n; x++) {
        memcpy(c->opt + x * n_is, cur, n_is * sizeof *cur);
        /* Guarantee conditions on this unit's issues. */
        uint64_t gm = 0;
        for (size_t t = 0; t < pl->G; t++) {
            const parley_guarantee_t *g = &pub->guarantees[t];
            int ok = 1;
            for (size_t d = 0; ok && d < g->n_conditions; d++) {
                const parley_red_line_t *rl = &g->conditions[d];
                for (size_t q = 0; q < n_is; q++)
                    if (un->issues[q] == rl->issue) {
                        ok = parley_red_line_allows(&pub->issues[rl->issue],
                                                    rl, cur[q]);
                        break;
                    }
            }
            if (ok)
                gm |= bit(t);
        }
        c->gmask[x] = gm;
        /* Next combination: the last issue moves fastest. */
        for (size_t q = n_is; q-- > 0;) {
            size_t k = un->issues[q];
            size_t j = cur[q] + 1;
            while (j < pub->issues[k].n_options && m->forbid[k][j])
                j++;
            if (j < pub->issues[k].n_options) {
                cur[q] = (uint32_t)j;
                break;
            }
            cur[q] = first[q];
        }
    }
    cands_utilities(m, pl, u);
    return PARLEY_OK;
}

static void measure_agenda(parley__mmodel_t *m, const parley__plan_t *pl)
{
    size_t P = m->P;
    for (size_t u = 0; u < m->U; u++) {
        const parley__cands_t *c = &m->cands[u];
        double stake = 0, gain = 0;
        double lo[PARLEY_MAX_PARTIES], hi[PARLEY_MAX_PARTIES];
        for (size_t v = 0; v < P; v++) {
            lo[v] = HUGE_VAL;
            hi[v] = -HUGE_VAL;
        }
        for (size_t x = 0; x < c->n; x++)
            for (size_t v = 0; v < P; v++) {
                double y = c->u[x * P + v];
                if (y < lo[v])
                    lo[v] = y;
                if (y > hi[v])
                    hi[v] = y;
            }
        for (size_t v = 0; v < P && c->n; v++)
            stake += hi[v] - lo[v];
        for (size_t x = 0; x < c->n; x++) {
            double g = 0;
            for (size_t v = 0; v < P; v++)
                g += c->u[x * P + v] - lo[v];
            if (g > gain)
                gain = g;
        }
        m->gain[u] = gain;
        m->conflict[u] = stake > PARLEY__EPS ? 1.0 - gain / stake : 0.0;
        if (m->conflict[u] < 0)
            m->conflict[u] = 0;
    }
    for (size_t u = 0; u < m->U; u++)
        m->order[u] = u;
    const parley_rules_t *r = &pl->rules;
    if (r->agenda == PARLEY_AGENDA_GIVEN) {
        for (size_t q = 0; q < r->n_agenda_order && q < m->U; q++)
            for (size_t u = 0; u < m->U; u++)
                if (strcmp(pl->units[u].id, r->agenda_order[q]) == 0)
                    m->order[q] = u;
        return;
    }
    if (r->agenda != PARLEY_AGENDA_EASY_FIRST &&
        r->agenda != PARLEY_AGENDA_HARD_FIRST)
        return;
    int hard = r->agenda == PARLEY_AGENDA_HARD_FIRST;
    /* Insertion sort: few units, and stable on the index. */
    for (size_t a = 1; a < m->U; a++) {
        size_t x = m->order[a], b = a;
        while (b > 0) {
            size_t y = m->order[b - 1];
            double cx = m->conflict[x], cy = m->conflict[y];
            int before;
            if (cx != cy)
                before = hard ? cx > cy : cx < cy;
            else if (m->gain[x] != m->gain[y])
                before = hard ? m->gain[x] < m->gain[y]
                              : m->gain[x] > m->gain[y];
            else
                before = 0;
            if (!before)
                break;
            m->order[b] = y;
            b--;
        }
        m->order[b] = x;
    }
}

/* Block-coordinate optimum of the concept (see the file comment). */
static void provisional(parley__mmodel_t *m, const parley__plan_t *pl)
{
    size_t P = m->P, K = m->K;
    const parley_rules_t *r = &pl->rules;
    uint32_t *pkg = m->provisional;
    size_t chosen[PARLEY_MAX_ISSUES]; /* units <= issues */
    for (size_t u = 0; u < m->U; u++) {
        const parley__cands_t *c = &m->cands[u];
        const parley__unit_t *un = &pl->units[u];
        size_t bx = 0;
        double bs = -HUGE_VAL;
        for (size_t x = 0; x < c->n; x++) {
            double t = 0;
            for (size_t v = 0; v < P; v++)
                t += c->u[x * P + v];
            if (t > bs) {
                bs = t;
                bx = x;
            }
        }
        chosen[u] = bx;
        for (size_t q = 0; q < un->n_issues && c->n; q++)
            pkg[un->issues[q]] = c->opt[bx * un->n_issues + q];
    }
    double base[PARLEY_MAX_PARTIES], uu[PARLEY_MAX_PARTIES];
    unsigned char in[PARLEY_MAX_ISSUES];
    for (int pass = 0; pass < 16; pass++) {
        int changed = 0;
        for (size_t u = 0; u < m->U; u++) {
            const parley__cands_t *c = &m->cands[u];
            const parley__unit_t *un = &pl->units[u];
            memset(in, 0, K);
            for (size_t q = 0; q < un->n_issues; q++)
                in[un->issues[q]] = 1;
            for (size_t v = 0; v < P; v++)
                base[v] = 0;
            for (size_t k = 0; k < K; k++) {
                if (in[k])
                    continue;
                const double *cc = m->contrib[k] + (size_t)pkg[k] * P;
                for (size_t v = 0; v < P; v++)
                    base[v] += cc[v];
            }
            long bx = -1;
            double b_n = 0, b_def = 0, b_obj = 0, b_sum = 0;
            for (size_t x = 0; x < c->n; x++) {
                for (size_t q = 0; q < un->n_issues; q++)
                    pkg[un->issues[q]] = c->opt[x * un->n_issues + q];
                double nb = 0, def = 0, sum = 0;
                for (size_t v = 0; v < P; v++)
                    uu[v] = base[v] + c->u[x * P + v];
                for (size_t t = 0; t < pl->G; t++)
                    if (pl->gval[t] > 0 &&
                        parley_guarantee_applies(&pl->pub->guarantees[t],
                                                 pl->pub, pkg))
                        uu[pl->gben[t]] += pl->gval[t];
                for (size_t v = 0; v < P; v++) {
                    if (uu[v] < m->res[v]) {
                        nb++;
                        def += m->res[v] - uu[v];
                    }
                    sum += uu[v];
                }
                double obj =
                    objective(r, P, pl->cweight, m->res, m->best, uu, NULL);
                int better;
                if (bx < 0)
                    better = 1;
                else if (nb != b_n)
                    better = nb < b_n;
                else if (def != b_def)
                    better = def < b_def;
                else if (obj != b_obj)
                    better = obj > b_obj;
                else
                    better = sum > b_sum;
                if (better) {
                    bx = (long)x;
                    b_n = nb;
                    b_def = def;
                    b_obj = obj;
                    b_sum = sum;
                }
            }
            if (bx < 0)
                continue;
            if ((size_t)bx != chosen[u]) {
                chosen[u] = (size_t)bx;
                changed = 1;
            }
            for (size_t q = 0; q < un->n_issues; q++)
                pkg[un->issues[q]] = c->opt[chosen[u] * un->n_issues + q];
        }
        if (!changed)
            break;
    }
}

parley_status_t parley__mmodel_new(const parley__plan_t *pl,
                                   const parley_party_t *const *profiles,
                                   parley__mmodel_t **out)
{
    *out = NULL;
    const parley_scenario_t *pub = pl->pub;
    size_t P = pl->P, K = pl->K, U = pl->U;
    parley__mmodel_t *m = parley_calloc(1, sizeof *m);
    if (!m)
        return PARLEY_ENOMEM;
    m->P = P;
    m->K = K;
    m->U = U;
    m->learned = profiles == NULL;
    m->empty_issue = -1;
    m->w = parley_calloc(P * K, sizeof *m->w);
    m->contrib = parley_calloc(K, sizeof *m->contrib);
    m->forbid = parley_calloc(K, sizeof *m->forbid);
    m->res = parley_calloc(P, sizeof *m->res);
    m->best = parley_calloc(P, sizeof *m->best);
    m->cands = parley_calloc(U ? U : 1, sizeof *m->cands);
    m->order = parley_calloc(U ? U : 1, sizeof *m->order);
    m->conflict = parley_calloc(U ? U : 1, sizeof *m->conflict);
    m->gain = parley_calloc(U ? U : 1, sizeof *m->gain);
    m->provisional = parley_calloc(K, sizeof *m->provisional);
    if (m->learned)
        m->val = parley_calloc(K, sizeof *m->val);
    if (!m->w || !m->contrib || !m->forbid || !m->res || !m->best ||
        !m->cands || !m->order || !m->conflict || !m->gain ||
        !m->provisional || (m->learned && !m->val))
        goto oom;
    for (size_t k = 0; k < K; k++) {
        size_t n = pub->issues[k].n_options;
        m->contrib[k] = parley_calloc(n * P, sizeof(double));
        m->forbid[k] = parley_calloc(n, sizeof(uint64_t));
        if (!m->contrib[k] || !m->forbid[k])
            goto oom;
        if (m->learned && !(m->val[k] = parley_calloc(n * P, sizeof(double))))
            goto oom;
    }
    if (m->learned) {
        learned_values(m, pl);
        for (size_t v = 0; v < P; v++)
            for (size_t k = 0; k < K; k++)
                m->w[v * K + k] = 1.0 / (double)K;
    } else {
        for (size_t v = 0; v < P; v++) {
            const parley_party_t *p = profiles[v];
            m->res[v] = p->reservation;
            for (size_t k = 0; k < K; k++) {
                const parley_issue_t *is = &pub->issues[k];
                double w = p->weights[k];
                m->w[v * K + k] = w;
                for (size_t j = 0; j < is->n_options; j++)
                    m->contrib[k][j * P + v] =
                        w * parley_value_eval(&p->values[k], is, j);
            }
            for (size_t q = 0; q < p->n_red_lines; q++) {
                const parley_red_line_t *rl = &p->red_lines[q];
                const parley_issue_t *is = &pub->issues[rl->issue];
                for (size_t j = 0; j < is->n_options; j++)
                    if (!parley_red_line_allows(is, rl, j))
                        m->forbid[rl->issue][j] |= bit(v);
            }
        }
    }
    for (size_t k = 0; k < K && m->empty_issue < 0; k++) {
        size_t j = 0;
        while (j < pub->issues[k].n_options && m->forbid[k][j])
            j++;
        if (j == pub->issues[k].n_options)
            m->empty_issue = (long)k;
    }
    for (size_t v = 0; v < P; v++) {
        double b = 0;
        for (size_t k = 0; k < K; k++) {
            double mx = -HUGE_VAL;
            for (size_t j = 0; j < pub->issues[k].n_options; j++)
                if (!m->forbid[k][j] && m->contrib[k][j * P + v] > mx)
                    mx = m->contrib[k][j * P + v];
            b += mx > -HUGE_VAL ? mx : 0;
        }
        m->best[v] = b;
    }
    if (m->empty_issue >= 0) {
        *out = m; /* the session reports the clash; no texts to write */
        return PARLEY_OK;
    }
    for (size_t u = 0; u < U; u++)
        if (cands_build(m, pl, u) != PARLEY_OK)
            goto oom;
    measure_agenda(m, pl);
    provisional(m, pl);
    *out = m;
    return PARLEY_OK;
oom:
    parley__mmodel_free(m);
    return PARLEY_ENOMEM;
}

void parley__mmodel_relearn(parley__mmodel_t *m, const parley__plan_t *pl)
{
    learned_values(m, pl);
    for (size_t u = 0; u < m->U; u++)
        cands_utilities(m, pl, u);
}

void parley__mmodel_refresh(parley__mmodel_t *m, const parley__plan_t *pl,
                            size_t u)
{
    cands_utilities(m, pl, u);
}

/* ---- learning without private channels -------------------------------- */

void parley__learn(parley_session_t *s, size_t v, const parley_answer_t *a,
                   const uint32_t *text)
{
    parley__mmodel_t *m = s->learned;
    size_t P = s->P, K = s->K;
    if (!m)
        return;
    s->learn_version++;
    if (a->kind == PARLEY_ANSWER_ACCEPT) {
        for (size_t k = 0; k < K; k++) {
            double *x = &m->val[k][(size_t)text[k] * P + v];
            *x += (1.0 - *x) * 0.25;
            m->contrib[k][(size_t)text[k] * P + v] = m->w[v * K + k] * *x;
        }
    } else if (a->kind == PARLEY_ANSWER_OBJECT ||
               a->kind == PARLEY_ANSWER_VETO) {
        for (size_t t = 0; t < a->n_issues; t++) {
            size_t k = a->issues[t];
            double *x = &m->val[k][(size_t)text[k] * P + v];
            *x *= 0.5;
            m->contrib[k][(size_t)text[k] * P + v] = m->w[v * K + k] * *x;
        }
    }
}

/* ---- exclusions ------------------------------------------------------- */

/* Whether some party's objection pattern matches the unit options opts. */
static int unit_matches_pattern(const parley_session_t *s,
                                const parley__unit_t *un, const uint32_t *opts)
{
    size_t K = s->K;
    for (size_t v = 0; v < s->P; v++) {
        const uint32_t *p = s->pat + (size_t)v * s->max_pat * K;
        for (unsigned t = 0; t < s->n_pat[v]; t++, p += K) {
            int match = 1;
            for (size_t q = 0; match && q < un->n_issues; q++) {
                uint32_t want = p[un->issues[q]];
                match = want == PAT_ANY || want == opts[q];
            }
            if (match)
                return 1;
        }
    }
    return 0;
}

static int pkg_matches_pattern(const parley_session_t *s, const uint32_t *pkg)
{
    size_t K = s->K;
    for (size_t v = 0; v < s->P; v++) {
        const uint32_t *p = s->pat + (size_t)v * s->max_pat * K;
        for (unsigned t = 0; t < s->n_pat[v]; t++, p += K) {
            int match = 1;
            for (size_t k = 0; match && k < K; k++)
                match = p[k] == PAT_ANY || p[k] == pkg[k];
            if (match)
                return 1;
        }
    }
    return 0;
}

static int any_pattern(const parley_session_t *s)
{
    for (size_t v = 0; v < s->P; v++)
        if (s->n_pat[v])
            return 1;
    return 0;
}

/* Red lines the texts must keep: all of the model's when it is declared;
 * without private channels only those upheld vetoes enforce. */
static int pkg_breaks_red_line(const parley_session_t *s, const uint32_t *pkg)
{
    const parley__mmodel_t *m = s->draft;
    for (size_t k = 0; k < s->K; k++) {
        if (!m->learned && m->forbid[k][pkg[k]])
            return 1;
        if (m->learned && (s->decl->forbid[k][pkg[k]] & s->rl_mask))
            return 1;
    }
    return 0;
}

/* A party whose reservation veto was upheld is kept at its floor. */
static int pkg_below_floor(parley_session_t *s, const uint32_t *pkg)
{
    if (!s->floor_mask)
        return 0;
    parley__utility(s, s->decl, pkg, s->tmp);
    for (size_t v = 0; v < s->P; v++)
        if ((s->floor_mask & bit(v)) &&
            s->tmp[v] < s->decl->res[v] - PARLEY__EPS)
            return 1;
    return 0;
}

int parley__excluded(const parley_session_t *s, const uint32_t *pkg)
{
    return pkg_matches_pattern(s, pkg) || pkg_breaks_red_line(s, pkg) ||
           pkg_below_floor((parley_session_t *)s, pkg);
}

/* ---- choosing a text -------------------------------------------------- */

typedef struct score {
    int found, fits, fok;
    double smax, stot, obj, sum;
} score_t;

/* Whether a is better than b (b may be empty); ties keep b, the earlier
 * candidate, so the lowest package index wins. */
static int better(const score_t *a, const score_t *b)
{
    if (!b->found)
        return 1;
    if (a->fits != b->fits)
        return a->fits > b->fits;
    if (a->fits) {
        if (a->fok != b->fok)
            return a->fok > b->fok;
    } else {
        if (a->smax != b->smax)
            return a->smax < b->smax;
        if (a->stot != b->stot)
            return a->stot < b->stot;
    }
    if (a->obj != b->obj)
        return a->obj > b->obj;
    return a->sum > b->sum;
}

/* Shortfalls of u against the aspirations of the constrained parties. */
static void shortfall(const parley_session_t *s, uint64_t constrained,
                      const double *u, score_t *sc)
{
    sc->smax = 0;
    sc->stot = 0;
    for (size_t v = 0; v < s->P; v++) {
        if (!(constrained & bit(v)))
            continue;
        double d = s->asp[v] - u[v];
        if (d > PARLEY__EPS) {
            sc->stot += d;
            if (d > sc->smax)
                sc->smax = d;
        }
    }
    sc->fits = sc->smax <= PARLEY__EPS;
}

int parley__choose(parley_session_t *s, uint64_t constrained)
{
    const parley__plan_t *pl = s->plan;
    const parley__mmodel_t *m = s->draft, *d = s->decl;
    const parley_rules_t *r = &pl->rules;
    size_t P = s->P, K = s->K;
    const parley__unit_t *un = &pl->units[s->unit];
    const parley__cands_t *c = &m->cands[s->unit];
    size_t n_is = un->n_issues;
    if (m->learned)
        constrained = 0;
    parley__weights(s);
    for (size_t v = 0; v < P; v++) {
        s->base[v] = 0;
        s->dbase[v] = 0;
    }
    for (size_t k = 0; k < K; k++) {
        if (s->in_unit[k])
            continue;
        const double *cc = m->contrib[k] + (size_t)s->text[k] * P;
        const double *dc = d->contrib[k] + (size_t)s->text[k] * P;
        for (size_t v = 0; v < P; v++) {
            s->base[v] += cc[v];
            s->dbase[v] += dc[v];
        }
    }
    /* Guarantees whose conditions outside the unit hold. */
    uint64_t base_gm = 0;
    for (size_t t = 0; t < pl->G; t++) {
        const parley_guarantee_t *g = &pl->pub->guarantees[t];
        int ok = pl->gval[t] > 0;
        for (size_t q = 0; ok && q < g->n_conditions; q++) {
            const parley_red_line_t *rl = &g->conditions[q];
            if (!s->in_unit[rl->issue])
                ok = parley_red_line_allows(&pl->pub->issues[rl->issue], rl,
                                            s->text[rl->issue]);
        }
        if (ok)
            base_gm |= bit(t);
    }
    int use_patterns = any_pattern(s), use_floors = 1;
    double *uu = s->ucur;
    score_t best = {0};
    long bx = -1;
    for (int attempt = 0; attempt < 3 && bx < 0; attempt++) {
        if (attempt == 1) {
            /* Every text left was objected to: the objections are spent
             * (they are asked again of the parties' answers). */
            if (!use_patterns)
                continue;
            for (size_t v = 0; v < P; v++)
                s->n_pat[v] = 0;
            s->pattern_version++;
            use_patterns = 0;
        } else if (attempt == 2) {
            use_floors = 0;
        }
        for (size_t x = 0; x < c->n; x++) {
            const uint32_t *opts = c->opt + x * n_is;
            if (use_patterns && unit_matches_pattern(s, un, opts))
                continue;
            if (use_floors && m->learned && s->rl_mask) {
                int breaks = 0;
                for (size_t q = 0; !breaks && q < n_is; q++)
                    breaks = (d->forbid[un->issues[q]][opts[q]] &
                              s->rl_mask) != 0;
                if (breaks)
                    continue;
            }
            uint64_t gm = base_gm & c->gmask[x];
            const double *cu = c->u + x * P;
            for (size_t v = 0; v < P; v++)
                uu[v] = s->base[v] + cu[v];
            for (uint64_t g = gm; g; g &= g - 1) {
                size_t t = (size_t)__builtin_ctzll(g);
                uu[pl->gben[t]] += pl->gval[t];
            }
            if (use_floors && s->floor_mask) {
                int below = 0;
                for (size_t v = 0; !below && v < P; v++) {
                    if (!(s->floor_mask & bit(v)))
                        continue;
                    double dv = uu[v];
                    if (m->learned) {
                        dv = s->dbase[v];
                        for (size_t q = 0; q < n_is; q++)
                            dv += d->contrib[un->issues[q]]
                                            [(size_t)opts[q] * P + v];
                        for (uint64_t g = gm; g; g &= g - 1) {
                            size_t t = (size_t)__builtin_ctzll(g);
                            if (pl->gben[t] == v)
                                dv += pl->gval[t];
                        }
                    }
                    below = dv < d->res[v] - PARLEY__EPS;
                }
                if (below)
                    continue;
            }
            score_t sc;
            sc.found = 1;
            shortfall(s, constrained, uu, &sc);
            sc.obj = objective(r, P, s->wt, m->res, m->best, uu, &sc.fok);
            sc.sum = 0;
            for (size_t v = 0; v < P; v++)
                sc.sum += uu[v];
            if (better(&sc, &best)) {
                best = sc;
                bx = (long)x;
            }
        }
    }
    if (bx < 0)
        return 0; /* an empty unit cannot happen: the model checked it */
    for (size_t q = 0; q < n_is; q++)
        s->text[un->issues[q]] = c->opt[(size_t)bx * n_is + q];
    return best.fits;
}

/* ---- repair ----------------------------------------------------------- */

/*
 * The repair searches texts differing from the current one in exactly s
 * issues, s = 1, 2, ..., depth first over the issues in order (so the
 * first of equals is the lowest package index).  A branch is cut when some
 * party cannot reach its aspiration whatever the rest holds: the utility
 * so far, plus for each remaining issue the best contribution it may still
 * get (its current one when no change is left, else the best usable
 * option), plus every guarantee bonus it could earn.  The search stops
 * after PARLEY__REPAIR_BUDGET nodes.
 */
/* Whether option j may stand on issue k in a repaired text. */
static int option_usable(const parley_session_t *s, size_t k, uint32_t j)
{
    const parley__mmodel_t *m = s->draft;
    if (!m->learned)
        return m->forbid[k][j] == 0;
    return (s->decl->forbid[k][j] & s->rl_mask) == 0;
}

typedef struct repair {
    parley_session_t *s;
    const parley__mmodel_t *m;
    size_t P, K, size;
    uint64_t constrained;
    const uint32_t *cur;
    uint32_t *pkg;
    double *part;       /* [(K + 1) * P] utility of issues 0..d-1 */
    const double *sfx_cur, *sfx_best; /* [(K + 1) * P] suffix bounds */
    const double *gain_max; /* [(K + 1) * P] largest gain of a change */
    const double *maxbonus; /* [P] */
    double nodes;
    int found, fok;
    score_t best;
} repair_t;

static void repair_leaf(repair_t *rp)
{
    parley_session_t *s = rp->s;
    const parley__plan_t *pl = s->plan;
    double *uu = s->ucur;
    const double *part = rp->part + rp->K * rp->P;
    for (size_t v = 0; v < rp->P; v++)
        uu[v] = part[v];
    for (size_t t = 0; t < pl->G; t++)
        if (pl->gval[t] > 0 &&
            parley_guarantee_applies(&pl->pub->guarantees[t], pl->pub,
                                     rp->pkg))
            uu[pl->gben[t]] += pl->gval[t];
    score_t sc;
    sc.found = 1;
    shortfall(s, rp->constrained, uu, &sc);
    if (!sc.fits || pkg_matches_pattern(s, rp->pkg) ||
        pkg_breaks_red_line(s, rp->pkg) || pkg_below_floor(s, rp->pkg))
        return;
    sc.obj = objective(&pl->rules, rp->P, s->wt, rp->m->res, rp->m->best, uu,
                       &sc.fok);
    sc.sum = 0;
    for (size_t v = 0; v < rp->P; v++)
        sc.sum += uu[v];
    if (better(&sc, &rp->best)) {
        rp->best = sc;
        memcpy(s->best_pkg, rp->pkg, rp->K * sizeof *rp->pkg);
    }
}

/*
 * Whether some constrained party cannot reach its aspiration from depth d
 * with `left` changes still to make: the remaining issues give it at most
 * their current contributions plus the `left` largest gains a change can
 * bring, bounded by left times the largest and by all of them together.
 */
static int repair_cut(const repair_t *rp, size_t d, size_t left)
{
    const double *part = rp->part + d * rp->P;
    const double *cur = rp->sfx_cur + d * rp->P;
    const double *best = rp->sfx_best + d * rp->P;
    const double *gain = rp->gain_max + d * rp->P;
    for (size_t v = 0; v < rp->P; v++) {
        if (!(rp->constrained >> v & 1))
            continue;
        double up = (double)left * gain[v];
        if (up > best[v] - cur[v])
            up = best[v] - cur[v];
        if (part[v] + cur[v] + up + rp->maxbonus[v] <
            rp->s->asp[v] - PARLEY__EPS)
            return 1;
    }
    return 0;
}

static void repair_dfs(repair_t *rp, size_t d, size_t changes)
{
    if (rp->nodes > PARLEY__REPAIR_BUDGET)
        return;
    rp->nodes++;
    size_t left = rp->size - changes;
    if (left > rp->K - d || repair_cut(rp, d, left))
        return;
    if (d == rp->K) {
        repair_leaf(rp);
        return;
    }
    const double *part = rp->part + d * rp->P;
    double *next = rp->part + (d + 1) * rp->P;
    size_t n = rp->s->plan->pub->issues[d].n_options;
    for (uint32_t j = 0; j < n; j++) {
        int change = j != rp->cur[d];
        if (change && (!left || !option_usable(rp->s, d, j)))
            continue;
        const double *c = rp->m->contrib[d] + (size_t)j * rp->P;
        for (size_t v = 0; v < rp->P; v++)
            next[v] = part[v] + c[v];
        rp->pkg[d] = j;
        repair_dfs(rp, d + 1, changes + (size_t)change);
        if (rp->nodes > PARLEY__REPAIR_BUDGET)
            return;
    }
    rp->pkg[d] = rp->cur[d];
}

/* Whether nothing the repair depends on changed since it last failed. */
static int repair_same_as_failed(const parley_session_t *s)
{
    if (!s->rep_failed || s->rep_patterns != s->pattern_version ||
        s->rep_masks[0] != s->floor_mask || s->rep_masks[1] != s->rl_mask)
        return 0;
    return memcmp(s->rep_asp, s->asp, s->P * sizeof *s->asp) == 0 &&
           s->rep_learned == s->learn_version &&
           memcmp(s->rep_text, s->text, s->K * sizeof *s->text) == 0;
}

int parley__repair(parley_session_t *s)
{
    const parley__plan_t *pl = s->plan;
    const parley__mmodel_t *m = s->draft;
    size_t P = s->P, K = s->K;
    uint64_t constrained = m->learned ? 0 : (P >= 64 ? ~(uint64_t)0
                                                     : bit(P) - 1);
    parley__weights(s);
    const uint32_t *cur = s->text;
    double *uu = s->ucur;
    score_t sc;
    sc.found = 1;
    parley__utility(s, m, cur, uu);
    shortfall(s, constrained, uu, &sc);
    if (sc.fits && !parley__excluded(s, cur)) {
        memcpy(s->pkg2, cur, K * sizeof *cur);
        return 0;
    }
    if (repair_same_as_failed(s))
        return -1;
    /* Suffix bounds per party: issues d..K-1 at their current option, and
     * at the best option they may take. */
    double *sfx_cur = s->rep_sfx, *sfx_best = s->rep_sfx + (K + 1) * P;
    double *gain_max = s->rep_sfx + 2 * (K + 1) * P;
    for (size_t v = 0; v < P; v++) {
        sfx_cur[K * P + v] = 0;
        sfx_best[K * P + v] = 0;
        gain_max[K * P + v] = 0;
        s->rep_maxbonus[v] = 0;
    }
    for (size_t d = K; d-- > 0;) {
        size_t n = pl->pub->issues[d].n_options;
        for (size_t v = 0; v < P; v++) {
            double c = m->contrib[d][(size_t)cur[d] * P + v], b = c;
            for (uint32_t j = 0; j < n; j++)
                if (j != cur[d] && option_usable(s, d, j) &&
                    m->contrib[d][(size_t)j * P + v] > b)
                    b = m->contrib[d][(size_t)j * P + v];
            sfx_cur[d * P + v] = sfx_cur[(d + 1) * P + v] + c;
            sfx_best[d * P + v] = sfx_best[(d + 1) * P + v] + b;
            gain_max[d * P + v] = b - c > gain_max[(d + 1) * P + v]
                                      ? b - c
                                      : gain_max[(d + 1) * P + v];
        }
    }
    for (size_t t = 0; t < pl->G; t++)
        if (pl->gval[t] > 0)
            s->rep_maxbonus[pl->gben[t]] += pl->gval[t];
    repair_t rp;
    memset(&rp, 0, sizeof rp);
    rp.s = s;
    rp.m = m;
    rp.P = P;
    rp.K = K;
    rp.constrained = constrained;
    rp.cur = cur;
    rp.pkg = s->pkg2;
    rp.part = s->rep_part;
    rp.sfx_cur = sfx_cur;
    rp.sfx_best = sfx_best;
    rp.gain_max = gain_max;
    rp.maxbonus = s->rep_maxbonus;
    for (size_t v = 0; v < P; v++)
        rp.part[v] = 0;
    memcpy(rp.pkg, cur, K * sizeof *cur);
    for (rp.size = 1; rp.size <= K; rp.size++) {
        repair_dfs(&rp, 0, 0);
        if (rp.best.found) {
            memcpy(s->pkg2, s->best_pkg, K * sizeof *cur);
            s->rep_failed = 0;
            return (int)rp.size;
        }
        if (rp.nodes > PARLEY__REPAIR_BUDGET)
            break;
    }
    /* Remember what failed, so that an unchanged state is not searched
     * again next round. */
    s->rep_failed = 1;
    s->rep_patterns = s->pattern_version;
    s->rep_masks[0] = s->floor_mask;
    s->rep_masks[1] = s->rl_mask;
    memcpy(s->rep_asp, s->asp, P * sizeof *s->asp);
    s->rep_learned = s->learn_version;
    memcpy(s->rep_text, s->text, K * sizeof *s->text);
    return -1;
}
