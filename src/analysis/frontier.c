/*
 * frontier.c - the Pareto frontier of the feasible set F.
 *
 * MERGE (the default) walks the issues in order.  The set S_k holds the
 * distinct utility vectors of packages of the first k issues that may still
 * lead to an efficient feasible package, each with the lowest (lexicographic)
 * prefix package reaching it and the number of prefixes reaching it.  Step k
 * forms S_k + (allowed options of issue k), drops what can no longer reach
 * some reservation, and keeps the maximal vectors.  Sums are formed in issue
 * order, exactly as parley_model_utility() forms them, so the final vectors
 * are bit-identical to the packages' utilities.
 *
 * Rounding.  A prefix q that beats p by less than the rounding error of the
 * additions still to come may end up *equal* to p, not better: then p's
 * packages share q's final vector and must be counted, and p's package may be
 * the lowest.  So p is dropped at a step only when q >= p everywhere and
 * q_i > p_i + t_i somewhere, with t_i = 8 * (issues left) * 2^-53 * M_i (M_i
 * bounds every partial sum of party i).  Each later addition can shrink a gap
 * by at most 2 * 2^-53 * M_i, so such a p stays strictly dominated.  The last
 * step has t = 0: plain Pareto dominance.  This relation ("D_t") is
 * transitive, which is all the filters below need.  Reservation pruning uses
 * exact thresholds: for each step and party the smallest double v from which
 * v + best remaining options, added in issue order, still reaches r_i (found
 * by bisection over doubles; rounding is monotone, so this is exact).
 *
 * Filters ("skylines") are static: an item is dropped iff some item of the
 * same input D_t-dominates it, which by transitivity is the same as being
 * dominated by a kept one.  Equal vectors are merged first (multiplicities
 * add, the lowest index is kept; items come in lexicographic package order,
 * so the lowest index is the lowest package).
 *   1 party:  sort, compare with the maximum.              O(n log n)
 *   2 parties: lexicographic sort, sweep with prefix maxima. O(n log n)
 *   3 parties: lexicographic sort, sweep with two Fenwick trees over the
 *             second coordinate holding maxima of the third. O(n log n)
 *   4+ parties: sort by sum (a dominator always comes first), then
 *             sort-filter-skyline, the kept items indexed by a k-d tree with
 *             per-node maxima; blocks of queries split across threads.
 *             O(n log n) when dominators are found near, O(n * kept) at
 *             worst.
 * Everything around the filters (forming candidates, sorting) is O(n log n)
 * per step in the candidates n = |S_k| * options of issue k.
 *
 * Budgets.  Before a step, if S_k times the options of issue k would not fit
 * the memory budget, or the time left cannot afford it at the measured rate,
 * S_k is thinned to an epsilon-cover (see cover_t: the guarantee of an
 * epsilon grid, one representative per cell, with far fewer vectors) whose
 * eps doubles until it fits, then is refined by bisection; the result is
 * then inexact and delta grows by eps plus a rounding allowance, so that
 * every package of F keeps a reported vector at most delta below it on
 * every party.  Multiplicities then count only the packages the kept
 * prefixes stand for: a lower bound.  ENUMERATE, the baseline, streams every
 * allowed package in index order through the same filters in chunks; it has
 * no inexact mode and answers PARLEY_EBUDGET when a budget runs out.
 */
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "parley/alloc.h"
#include "analysis/analysis_internal.h"
#include "model/model_internal.h"

/* ---- the container ----------------------------------------------------- */

void parley__frontier_init(parley__frontier_t *f, size_t n_parties,
                           size_t n_issues)
{
    memset(f, 0, sizeof *f);
    f->n_parties = n_parties;
    f->n_issues = n_issues;
    f->exact = 1;
}

void parley__frontier_clear(parley__frontier_t *f)
{
    if (!f)
        return;
    parley_free(f->u);
    parley_free(f->pkg);
    parley_free(f->mult);
    parley__frontier_init(f, f->n_parties, f->n_issues);
}

/* Grows to at least `cap` vectors (amortised doubling); contents kept. */
parley_status_t parley__frontier_reserve(parley__frontier_t *f, size_t cap)
{
    if (cap <= f->capacity)
        return PARLEY_OK;
    if (cap > SIZE_MAX / 4)
        return PARLEY_ENOMEM;
    size_t want = f->capacity ? f->capacity : 16;
    while (want < cap)
        want *= 2;
    size_t P = f->n_parties ? f->n_parties : 1;
    size_t K = f->n_issues ? f->n_issues : 1;
    if (want > SIZE_MAX / (P * sizeof(double)) ||
        want > SIZE_MAX / (K * sizeof(uint32_t)))
        return PARLEY_ENOMEM;
    double *u = parley_realloc(f->u, want * P * sizeof *u);
    if (!u)
        return PARLEY_ENOMEM;
    f->u = u;
    uint32_t *pkg = parley_realloc(f->pkg, want * K * sizeof *pkg);
    if (!pkg)
        return PARLEY_ENOMEM;
    f->pkg = pkg;
    double *mult = parley_realloc(f->mult, want * sizeof *mult);
    if (!mult)
        return PARLEY_ENOMEM;
    f->mult = mult;
    f->capacity = want;
    return PARLEY_OK;
}

/* ---- small helpers ------------------------------------------------------- */

#define UNIT_ROUNDOFF (1.0 / 9007199254740992.0) /* 2^-53 */
#define DEFAULT_MEMORY ((size_t)512 << 20)

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Overflow-checked n * size; 0 on overflow (callers treat 0 as failure). */
static size_t mul_size(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return 0;
    return n * size;
}

static void *alloc_array(size_t n, size_t size)
{
    size_t bytes = mul_size(n ? n : 1, size);
    return bytes ? parley_malloc(bytes) : NULL;
}

/* ---- threads ------------------------------------------------------------- */

typedef void (*job_fn)(void *ctx, unsigned tid, unsigned nth);

typedef struct job {
    job_fn fn;
    void *ctx;
    unsigned tid, nth;
} job_t;

static void *job_main(void *arg)
{
    job_t *j = arg;
    j->fn(j->ctx, j->tid, j->nth);
    return NULL;
}

#define MAX_THREADS 16

/*
 * Runs fn(ctx, t, nth) for t in 0..nth-1, t = 0 on the calling thread.
 * When a thread cannot be started its share runs here, so the work is always
 * done (only slower).
 */
static void run_parallel(unsigned nth, job_fn fn, void *ctx)
{
    pthread_t th[MAX_THREADS];
    job_t jobs[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    if (nth > MAX_THREADS)
        nth = MAX_THREADS;
    for (unsigned t = 1; t < nth; t++) {
        jobs[t] = (job_t){fn, ctx, t, nth};
        started[t] = pthread_create(&th[t], NULL, job_main, &jobs[t]) == 0;
    }
    fn(ctx, 0, nth);
    for (unsigned t = 1; t < nth; t++) {
        if (started[t])
            pthread_join(th[t], NULL);
        else
            fn(ctx, t, nth);
    }
}

static unsigned thread_count(const parley_analysis_opts_t *opts)
{
    unsigned n = opts ? opts->threads : 0;
    if (n == 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        n = c > 0 ? (unsigned)c : 1;
    }
    return n > MAX_THREADS ? MAX_THREADS : n;
}

/* ---- sorting ------------------------------------------------------------- */

/*
 * Sort records: a primary key (u_0 or the sum), the item's index, and the
 * vectors to break ties with.  Order: key descending, then the vector
 * lexicographically descending from coordinate `from`, then index ascending.
 * This order puts every dominator before what it dominates (a dominator has
 * a sum and a lexicographic rank at least as high) and equal vectors next to
 * each other, lowest index first.
 */
typedef struct rec {
    double key;
    uint32_t idx;
} rec_t;

typedef struct sort_ctx {
    const double *u;
    size_t P;
    size_t from;
} sort_ctx_t;

static inline int rec_before(const rec_t *a, const rec_t *b,
                             const sort_ctx_t *c)
{
    if (a->key != b->key)
        return a->key > b->key;
    const double *ua = &c->u[(size_t)a->idx * c->P];
    const double *ub = &c->u[(size_t)b->idx * c->P];
    for (size_t i = c->from; i < c->P; i++)
        if (ua[i] != ub[i])
            return ua[i] > ub[i];
    return a->idx < b->idx;
}

static void insertion_sort(rec_t *r, size_t n, const sort_ctx_t *c)
{
    for (size_t i = 1; i < n; i++) {
        rec_t x = r[i];
        size_t j = i;
        while (j > 0 && rec_before(&x, &r[j - 1], c)) {
            r[j] = r[j - 1];
            j--;
        }
        r[j] = x;
    }
}

static void merge_runs(const rec_t *a, size_t na, const rec_t *b, size_t nb,
                       rec_t *out, const sort_ctx_t *c)
{
    size_t i = 0, j = 0, o = 0;
    while (i < na && j < nb)
        out[o++] = rec_before(&b[j], &a[i], c) ? b[j++] : a[i++];
    while (i < na)
        out[o++] = a[i++];
    while (j < nb)
        out[o++] = b[j++];
}

/* Stable merge sort of r[0..n) using tmp[0..n); result in r. */
static void merge_sort(rec_t *r, rec_t *tmp, size_t n, const sort_ctx_t *c)
{
    if (n <= 24) {
        insertion_sort(r, n, c);
        return;
    }
    size_t h = n / 2;
    merge_sort(r, tmp, h, c);
    merge_sort(r + h, tmp + h, n - h, c);
    /* Already in order: common when the input was nearly sorted. */
    if (!rec_before(&r[h], &r[h - 1], c))
        return;
    merge_runs(r, h, r + h, n - h, tmp, c);
    memcpy(r, tmp, n * sizeof *r);
}

/*
 * Stable merge sort of an index array by a "comes before" predicate with a
 * context (qsort has none, and a global context would not be thread-safe).
 */
typedef int (*idx_before_fn)(uint32_t a, uint32_t b, const void *ctx);

static void idx_sort_rec(uint32_t *a, uint32_t *tmp, size_t n,
                         idx_before_fn before, const void *ctx)
{
    if (n <= 16) {
        for (size_t i = 1; i < n; i++) {
            uint32_t x = a[i];
            size_t j = i;
            while (j > 0 && before(x, a[j - 1], ctx)) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
        return;
    }
    size_t h = n / 2, i = 0, j = h, o = 0;
    idx_sort_rec(a, tmp, h, before, ctx);
    idx_sort_rec(a + h, tmp + h, n - h, before, ctx);
    while (i < h && j < n)
        tmp[o++] = before(a[j], a[i], ctx) ? a[j++] : a[i++];
    while (i < h)
        tmp[o++] = a[i++];
    while (j < n)
        tmp[o++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
}

static parley_status_t idx_sort(uint32_t *a, size_t n, idx_before_fn before,
                                const void *ctx)
{
    uint32_t *tmp = alloc_array(n, sizeof *tmp);
    if (!tmp)
        return PARLEY_ENOMEM;
    idx_sort_rec(a, tmp, n, before, ctx);
    parley_free(tmp);
    return PARLEY_OK;
}

typedef struct psort {
    rec_t *r, *tmp;
    size_t n;
    const sort_ctx_t *c;
} psort_t;

static void psort_job(void *ctx, unsigned tid, unsigned nth)
{
    psort_t *p = ctx;
    size_t lo = p->n * tid / nth, hi = p->n * (tid + 1) / nth;
    merge_sort(p->r + lo, p->tmp + lo, hi - lo, p->c);
}

/* Sorts with up to two threads (two halves, then one merge). */
static void sort_records(rec_t *r, rec_t *tmp, size_t n, const sort_ctx_t *c,
                         unsigned nth)
{
    if (nth < 2 || n < 100000) {
        merge_sort(r, tmp, n, c);
        return;
    }
    psort_t p = {r, tmp, n, c};
    run_parallel(2, psort_job, &p);
    size_t h = n / 2;
    if (rec_before(&r[h], &r[h - 1], c)) {
        merge_runs(r, h, r + h, n - h, tmp, c);
        memcpy(r, tmp, n * sizeof *r);
    }
}

/* ---- the filter ---------------------------------------------------------- */

typedef struct filter {
    size_t P;
    unsigned threads;
    double deadline; /* absolute seconds; 0 = none */
    int timed_out;
} filter_t;

/* The smallest double strictly above fl(v + t): "better by more than t". */
static inline double above(double v, double t)
{
    return nextafter(v + t, HUGE_VAL);
}

/* Max-Fenwick tree over positions 0..n-1 (prefix maxima). */
typedef struct fenwick {
    double *t;
    size_t n;
} fenwick_t;

static void fenwick_update(fenwick_t *f, size_t pos, double v)
{
    for (size_t i = pos + 1; i <= f->n; i += i & (~i + 1))
        if (f->t[i - 1] < v)
            f->t[i - 1] = v;
}

/* Maximum over positions 0..pos (inclusive). */
static double fenwick_query(const fenwick_t *f, size_t pos)
{
    double m = -HUGE_VAL;
    for (size_t i = pos + 1; i > 0; i -= i & (~i + 1))
        if (f->t[i - 1] > m)
            m = f->t[i - 1];
    return m;
}

static int cmp_double_asc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* First index j with vals[j] >= x, or n. */
static size_t lower_bound(const double *vals, size_t n, double x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (vals[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/*
 * 3 parties.  reps[0..m) are distinct vectors in lexicographically
 * descending order; dead[j] is set when reps[j] is D_t-dominated.  Tree A
 * holds every earlier item (all have u_0 >= p_0) for the two queries that ask
 * for more than t in coordinate 1 or 2; tree B holds the earlier items with
 * u_0 above p_0 + t_0 (a prefix, fed lazily as p_0 falls) for the third.
 * Both map a rank of u_1 (descending) to the largest u_2 seen.
 */
static parley_status_t sweep3(const double *u, const uint32_t *reps, size_t m,
                              const double *t, unsigned char *dead)
{
    double *vals = alloc_array(m, sizeof *vals);
    double *ta = alloc_array(m, sizeof *ta);
    double *tb = alloc_array(m, sizeof *tb);
    if (!vals || !ta || !tb) {
        parley_free(vals);
        parley_free(ta);
        parley_free(tb);
        return PARLEY_ENOMEM;
    }
    for (size_t j = 0; j < m; j++) {
        vals[j] = u[(size_t)reps[j] * 3 + 1];
        ta[j] = tb[j] = -HUGE_VAL;
    }
    qsort(vals, m, sizeof *vals, cmp_double_asc);
    size_t d = 0;
    for (size_t j = 0; j < m; j++)
        if (d == 0 || vals[d - 1] != vals[j])
            vals[d++] = vals[j];
    fenwick_t A = {ta, d}, B = {tb, d};
    size_t fed = 0;
    for (size_t j = 0; j < m; j++) {
        const double *p = &u[(size_t)reps[j] * 3];
        double x0 = above(p[0], t[0]);
        while (fed < j && u[(size_t)reps[fed] * 3] >= x0) {
            const double *q = &u[(size_t)reps[fed] * 3];
            fenwick_update(&B, d - 1 - lower_bound(vals, d, q[1]), q[2]);
            fed++;
        }
        /* positions 0..d-1-lb(x) hold u_1 >= x */
        size_t lb = lower_bound(vals, d, p[1]);
        int dom = 0;
        if (lb < d && fenwick_query(&B, d - 1 - lb) >= p[2])
            dom = 1;
        if (!dom && lb < d &&
            fenwick_query(&A, d - 1 - lb) >= above(p[2], t[2]))
            dom = 1;
        if (!dom) {
            size_t lb1 = lower_bound(vals, d, above(p[1], t[1]));
            if (lb1 < d && fenwick_query(&A, d - 1 - lb1) >= p[2])
                dom = 1;
        }
        dead[j] = (unsigned char)dom;
        fenwick_update(&A, d - 1 - lb, p[2]);
    }
    parley_free(vals);
    parley_free(ta);
    parley_free(tb);
    return PARLEY_OK;
}

/* 2 parties: the same with prefix maxima instead of trees. */
static void sweep2(const double *u, const uint32_t *reps, size_t m,
                   const double *t, unsigned char *dead)
{
    double all_max = -HUGE_VAL, fed_max = -HUGE_VAL;
    size_t fed = 0;
    for (size_t j = 0; j < m; j++) {
        const double *p = &u[(size_t)reps[j] * 2];
        double x0 = above(p[0], t[0]);
        while (fed < j && u[(size_t)reps[fed] * 2] >= x0) {
            double q1 = u[(size_t)reps[fed] * 2 + 1];
            fed_max = q1 > fed_max ? q1 : fed_max;
            fed++;
        }
        dead[j] = (unsigned char)(fed_max >= p[1] ||
                                  all_max >= above(p[1], t[1]));
        all_max = p[1] > all_max ? p[1] : all_max;
    }
}

/*
 * 4+ parties: sort-filter-skyline with an index.  Items are taken in sum
 * order; an item is kept when no kept item D_t-dominates it.  The kept items
 * live in a k-d tree built up front over *all* items (the input is static),
 * each node holding the componentwise maximum of the kept items below it:
 * a dominator of p must be >= p everywhere, so a node whose maximum is
 * below p somewhere is skipped whole.  Queries visit the upper child first,
 * where dominators are likelier.
 *
 * Items are taken in blocks: each item of a block is checked against the
 * tree as it stood before the block (read-only, split across threads), then
 * the survivors against the block's earlier survivors, then inserted.
 * Cost: O(n log n) to build; a query is O(log n) when a dominator is near
 * and up to O(kept) in the worst case (the plain SFS bound).
 */
#define KD_LEAF 8

typedef struct kd_node {
    uint32_t lo, hi;     /* range in perm[] */
    int32_t child[2];    /* lower / upper half, -1 for a leaf */
    int32_t parent;
    uint32_t kept;       /* kept items below */
} kd_node_t;

typedef struct kd_tree {
    size_t P, n_nodes, cap;
    kd_node_t *node;
    double *max;         /* n_nodes * P: componentwise max of kept items */
    uint32_t *perm;      /* items, grouped by leaf */
    int32_t *leaf_of;    /* item -> leaf */
    unsigned char *kept; /* item kept */
    const double *u;     /* item vectors, packed */
} kd_tree_t;

/*
 * Reorders perm[lo..hi) so that position k holds the item of rank k in
 * coordinate c, smaller ones before it and larger ones after (quickselect
 * with a three-way partition, so runs of equal values cannot stall it).
 */
static void kd_select(uint32_t *perm, size_t lo, size_t hi, size_t k,
                      const double *u, size_t P, size_t c)
{
    while (hi - lo > 1) {
        double pivot = u[(size_t)perm[lo + (hi - lo) / 2] * P + c];
        size_t lt = lo, i = lo, gt = hi;
        /* [lo,lt) < pivot, [lt,i) == pivot, [gt,hi) > pivot */
        while (i < gt) {
            double v = u[(size_t)perm[i] * P + c];
            uint32_t x = perm[i];
            if (v < pivot) {
                perm[i++] = perm[lt];
                perm[lt++] = x;
            } else if (v > pivot) {
                perm[i] = perm[--gt];
                perm[gt] = x;
            } else {
                i++;
            }
        }
        if (k < lt)
            hi = lt;
        else if (k >= gt)
            lo = gt;
        else
            return;
    }
}

static int32_t kd_build(kd_tree_t *t, size_t lo, size_t hi, int32_t parent)
{
    size_t P = t->P;
    int32_t id = (int32_t)t->n_nodes++;
    kd_node_t *nd = &t->node[id];
    nd->lo = (uint32_t)lo;
    nd->hi = (uint32_t)hi;
    nd->parent = parent;
    nd->kept = 0;
    nd->child[0] = nd->child[1] = -1;
    for (size_t i = 0; i < P; i++)
        t->max[(size_t)id * P + i] = -HUGE_VAL;
    if (hi - lo <= KD_LEAF) {
        for (size_t x = lo; x < hi; x++)
            t->leaf_of[t->perm[x]] = id;
        return id;
    }
    /* split the widest coordinate at its median */
    size_t c = 0;
    double best = -1;
    for (size_t i = 0; i < P; i++) {
        double a = HUGE_VAL, b = -HUGE_VAL;
        for (size_t x = lo; x < hi; x++) {
            double v = t->u[(size_t)t->perm[x] * P + i];
            a = v < a ? v : a;
            b = v > b ? v : b;
        }
        if (b - a > best) {
            best = b - a;
            c = i;
        }
    }
    size_t mid = lo + (hi - lo) / 2;
    kd_select(t->perm, lo, hi, mid, t->u, P, c);
    int32_t l = kd_build(t, lo, mid, id);
    int32_t r = kd_build(t, mid, hi, id);
    t->node[id].child[0] = l;
    t->node[id].child[1] = r;
    return id;
}

static void kd_free(kd_tree_t *t)
{
    parley_free(t->node);
    parley_free(t->max);
    parley_free(t->perm);
    parley_free(t->leaf_of);
    parley_free(t->kept);
    memset(t, 0, sizeof *t);
}

static parley_status_t kd_init(kd_tree_t *t, const double *u, size_t m,
                               size_t P)
{
    memset(t, 0, sizeof *t);
    t->P = P;
    t->u = u;
    t->cap = 2 * (m / (KD_LEAF / 2) + 1) + 1;
    t->node = alloc_array(t->cap, sizeof *t->node);
    t->max = alloc_array(mul_size(t->cap, P), sizeof *t->max);
    t->perm = alloc_array(m, sizeof *t->perm);
    t->leaf_of = alloc_array(m, sizeof *t->leaf_of);
    t->kept = alloc_array(m, 1);
    if (!t->node || !t->max || !t->perm || !t->leaf_of || !t->kept) {
        kd_free(t);
        return PARLEY_ENOMEM;
    }
    for (size_t j = 0; j < m; j++) {
        t->perm[j] = (uint32_t)j;
        t->kept[j] = 0;
    }
    kd_build(t, 0, m, -1);
    return PARLEY_OK;
}

static void kd_insert(kd_tree_t *t, size_t j)
{
    size_t P = t->P;
    const double *p = &t->u[j * P];
    t->kept[j] = 1;
    for (int32_t id = t->leaf_of[j]; id >= 0; id = t->node[id].parent) {
        double *mx = &t->max[(size_t)id * P];
        t->node[id].kept++;
        for (size_t i = 0; i < P; i++)
            mx[i] = p[i] > mx[i] ? p[i] : mx[i];
    }
}

/* Forgets every kept item (the tree's shape stays). */
static void kd_reset(kd_tree_t *t, size_t m)
{
    for (size_t id = 0; id < t->n_nodes; id++) {
        t->node[id].kept = 0;
        for (size_t i = 0; i < t->P; i++)
            t->max[id * t->P + i] = -HUGE_VAL;
    }
    memset(t->kept, 0, m);
}

/*
 * q answers the query (lo, hi): q >= lo everywhere and, when hi is given,
 * q_i >= hi_i somewhere.  With lo = p and hi = above(p, t) that is "q
 * D_t-dominates p"; with no hi, "q covers lo".
 */
static inline int answers(const double *q, const double *lo,
                          const double *hi, size_t P)
{
    int strict = hi == NULL;
    for (size_t i = 0; i < P; i++) {
        if (q[i] < lo[i])
            return 0;
        if (hi)
            strict |= q[i] >= hi[i];
    }
    return strict;
}

/* Whether a kept item answers (lo, hi). */
static int kd_query(const kd_tree_t *t, const double *lo, const double *hi)
{
    size_t P = t->P;
    int32_t stack[128];
    size_t sp = 0;
    stack[sp++] = 0;
    while (sp > 0) {
        const kd_node_t *nd = &t->node[stack[--sp]];
        if (nd->kept == 0)
            continue;
        const double *mx = &t->max[(size_t)(nd - t->node) * P];
        size_t i = 0;
        while (i < P && mx[i] >= lo[i])
            i++;
        if (i < P)
            continue;
        if (nd->child[0] < 0) {
            for (size_t x = nd->lo; x < nd->hi; x++) {
                uint32_t q = t->perm[x];
                if (t->kept[q] && answers(&t->u[(size_t)q * P], lo, hi, P))
                    return 1;
            }
            continue;
        }
        /* the upper child is popped first */
        stack[sp++] = nd->child[0];
        stack[sp++] = nd->child[1];
    }
    return 0;
}

/*
 * The greedy pass shared by the skyline (4+ parties) and the thinning
 * cover: the tree's items are taken in `order`; an item is dropped (dead)
 * when a kept item answers its query (lo, hi: m * P each, by item; hi may
 * be NULL), kept and inserted otherwise.  Blocks of items are first queried
 * against the tree as it stood before the block, in parallel (read-only),
 * then the block's survivors are checked in order against its earlier
 * survivors, which gives exactly the sequential result.  PARLEY_EBUDGET
 * when f->deadline passed (the items not reached are left undecided).
 */
typedef struct greedy {
    const kd_tree_t *tree;
    const double *lo, *hi;
    const uint32_t *order;
    size_t a, b; /* block of order[] */
    unsigned char *dead;
} greedy_t;

static void greedy_job(void *ctx, unsigned tid, unsigned nth)
{
    greedy_t *g = ctx;
    size_t P = g->tree->P, n = g->b - g->a;
    size_t a = g->a + n * tid / nth, b = g->a + n * (tid + 1) / nth;
    for (size_t x = a; x < b; x++) {
        size_t j = g->order[x];
        g->dead[j] = (unsigned char)kd_query(
            g->tree, &g->lo[j * P], g->hi ? &g->hi[j * P] : NULL);
    }
}

static parley_status_t greedy_filter(filter_t *f, kd_tree_t *tree,
                                     const uint32_t *order, size_t m,
                                     const double *lo, const double *hi,
                                     unsigned char *dead)
{
    size_t P = tree->P, nk = 0;
    const size_t block = 1024;
    uint32_t *fresh = alloc_array(block, sizeof *fresh);
    if (!fresh)
        return PARLEY_ENOMEM;
    for (size_t a = 0; a < m; a += block) {
        size_t b = a + block < m ? a + block : m;
        greedy_t g = {tree, lo, hi, order, a, b, dead};
        run_parallel(nk > 4096 ? f->threads : 1, greedy_job, &g);
        size_t nf = 0;
        for (size_t x = a; x < b; x++) {
            size_t j = order[x];
            if (dead[j])
                continue;
            const double *jl = &lo[j * P], *jh = hi ? &hi[j * P] : NULL;
            for (size_t w = 0; w < nf && !dead[j]; w++)
                dead[j] = (unsigned char)answers(
                    &tree->u[(size_t)fresh[w] * P], jl, jh, P);
            if (!dead[j])
                fresh[nf++] = (uint32_t)j;
        }
        for (size_t w = 0; w < nf; w++)
            kd_insert(tree, fresh[w]);
        nk += nf;
        if (f->deadline > 0 && b < m && now_seconds() > f->deadline) {
            f->timed_out = 1;
            break;
        }
    }
    parley_free(fresh);
    return f->timed_out ? PARLEY_EBUDGET : PARLEY_OK;
}

/* The skyline for 4+ parties: reps in sum order through the greedy pass. */
static parley_status_t sfs_filter(filter_t *f, const double *u,
                                  const uint32_t *reps, size_t m,
                                  const double *t, unsigned char *dead)
{
    size_t P = f->P;
    kd_tree_t tree;
    parley_status_t st = PARLEY_ENOMEM;
    double *pu = alloc_array(mul_size(m, P), sizeof *pu);
    double *pt = alloc_array(mul_size(m, P), sizeof *pt);
    uint32_t *order = alloc_array(m, sizeof *order);
    memset(&tree, 0, sizeof tree);
    if (!pu || !pt || !order)
        goto done;
    /* Packed copies in filter order: the checks walk memory. */
    for (size_t j = 0; j < m; j++) {
        const double *p = &u[(size_t)reps[j] * P];
        memcpy(&pu[j * P], p, P * sizeof *p);
        for (size_t i = 0; i < P; i++)
            pt[j * P + i] = above(p[i], t[i]);
        dead[j] = 0;
        order[j] = (uint32_t)j;
    }
    if ((st = kd_init(&tree, pu, m, P)) != PARLEY_OK)
        goto done;
    st = greedy_filter(f, &tree, order, m, pu, pt, dead);
done:
    kd_free(&tree);
    parley_free(pu);
    parley_free(pt);
    parley_free(order);
    return st;
}

/*
 * The static filter.  Input: n items (vectors u, multiplicities mult) in
 * lexicographic package order.  Output: keep[0..*n_keep) the indices of the
 * kept items in ascending order, kmult their merged multiplicities.  An item
 * is kept iff it is the lowest index of its group of equal vectors and no
 * item D_t-dominates it.  PARLEY_EBUDGET when the deadline passed (only the
 * 4+ party filter checks it).
 */
static parley_status_t skyline(filter_t *f, const double *u,
                               const double *mult, size_t n, const double *t,
                               uint32_t *keep, double *kmult, size_t *n_keep)
{
    size_t P = f->P;
    parley_status_t st = PARLEY_ENOMEM;
    *n_keep = 0;
    if (n == 0)
        return PARLEY_OK;
    rec_t *r = alloc_array(n, sizeof *r);
    rec_t *tmp = alloc_array(n, sizeof *tmp);
    uint32_t *reps = alloc_array(n, sizeof *reps);
    double *rmult = alloc_array(n, sizeof *rmult);
    unsigned char *dead = alloc_array(n, 1);
    if (!r || !tmp || !reps || !rmult || !dead)
        goto done;
    int by_sum = P >= 4;
    for (size_t j = 0; j < n; j++) {
        const double *p = &u[j * P];
        double key = p[0];
        if (by_sum) {
            key = 0.0;
            for (size_t i = 0; i < P; i++)
                key += p[i];
        }
        r[j].key = key;
        r[j].idx = (uint32_t)j;
    }
    sort_ctx_t sc = {u, P, by_sum ? 0 : 1};
    sort_records(r, tmp, n, &sc, f->threads);
    parley_free(tmp);
    tmp = NULL;

    /* Groups of equal vectors: the first of each has the lowest index. */
    size_t m = 0;
    for (size_t j = 0; j < n; j++) {
        const double *p = &u[(size_t)r[j].idx * P];
        if (m > 0) {
            const double *q = &u[(size_t)reps[m - 1] * P];
            size_t i = 0;
            while (i < P && p[i] == q[i])
                i++;
            if (i == P) {
                rmult[m - 1] += mult[r[j].idx];
                continue;
            }
        }
        reps[m] = r[j].idx;
        rmult[m] = mult[r[j].idx];
        m++;
    }
    parley_free(r);
    r = NULL;

    if (P == 1) {
        double best = u[reps[0]];
        for (size_t j = 0; j < m; j++)
            dead[j] = (unsigned char)(best >= above(u[reps[j]], t[0]));
    } else if (P == 2) {
        sweep2(u, reps, m, t, dead);
    } else if (P == 3) {
        if ((st = sweep3(u, reps, m, t, dead)) != PARLEY_OK)
            goto done;
    } else {
        if ((st = sfs_filter(f, u, reps, m, t, dead)) != PARLEY_OK)
            goto done;
    }

    /* Survivors back in index order, with their multiplicities. */
    unsigned char *flag = alloc_array(n, 1);
    double *fm = alloc_array(n, sizeof *fm);
    if (!flag || !fm) {
        parley_free(flag);
        parley_free(fm);
        st = PARLEY_ENOMEM;
        goto done;
    }
    memset(flag, 0, n);
    for (size_t j = 0; j < m; j++) {
        if (!dead[j]) {
            flag[reps[j]] = 1;
            fm[reps[j]] = rmult[j];
        }
    }
    size_t k = 0;
    for (size_t j = 0; j < n; j++) {
        if (flag[j]) {
            keep[k] = (uint32_t)j;
            kmult[k] = fm[j];
            k++;
        }
    }
    *n_keep = k;
    parley_free(flag);
    parley_free(fm);
    st = PARLEY_OK;
done:
    parley_free(r);
    parley_free(tmp);
    parley_free(reps);
    parley_free(rmult);
    parley_free(dead);
    return st;
}

/* ---- per-step bounds ----------------------------------------------------- */

/*
 * What MERGE needs per stage j (j issues merged, K - j to come), per party
 * i, in tables of (K + 1) * P: the model's exact reservation thresholds
 * reach and safe (model_internal.h), and tol[j,i], the D_t tolerance for
 * vectors of stage j.
 */
typedef struct bounds {
    size_t P, K;
    const double *reach, *safe;
    double *tol;
    double slack; /* rounding allowance per grid thinning, all parties */
} bounds_t;

static void bounds_free(bounds_t *b)
{
    parley_free(b->tol);
}

static parley_status_t bounds_init(bounds_t *b, const parley_model_t *m)
{
    size_t P = m->n_parties, K = m->n_issues;
    b->P = P;
    b->K = K;
    b->reach = m->reach;
    b->safe = m->safe;
    b->tol = alloc_array(mul_size(K + 1, P), sizeof(double));
    if (!b->tol)
        return PARLEY_ENOMEM;
    double mmax = 0;
    for (size_t i = 0; i < P; i++) {
        /* M_i: a bound on |partial sum| of party i, anywhere. */
        double M = 0;
        for (size_t k = 0; k < K; k++) {
            double a = fabs(m->amax[k * P + i]), c = fabs(m->amin[k * P + i]);
            M += a > c ? a : c;
        }
        M *= 1 + 1e-6;
        mmax = M > mmax ? M : mmax;
        for (size_t j = 0; j <= K; j++)
            b->tol[j * P + i] = 8.0 * (double)(K - j) * UNIT_ROUNDOFF * M;
    }
    b->slack = 4.0 * (double)(K + 1) * UNIT_ROUNDOFF * mmax;
    return PARLEY_OK;
}

/* ---- the merge state ----------------------------------------------------- */

/*
 * A set of prefix vectors in lexicographic order of their packages, which
 * have `depth` options each (uint16_t: options are below 65536).
 */
typedef struct pset {
    size_t n, depth;
    double *u;     /* n * P */
    double *mult;  /* n */
    uint16_t *pkg; /* n * K */
} pset_t;

static void pset_free(pset_t *s)
{
    parley_free(s->u);
    parley_free(s->mult);
    parley_free(s->pkg);
    memset(s, 0, sizeof *s);
}

static parley_status_t pset_alloc(pset_t *s, size_t n, size_t P, size_t K)
{
    memset(s, 0, sizeof *s);
    s->u = alloc_array(mul_size(n, P), sizeof(double));
    s->mult = alloc_array(n, sizeof(double));
    s->pkg = alloc_array(mul_size(n, K ? K : 1), sizeof(uint16_t));
    if (!s->u || !s->mult || !s->pkg) {
        pset_free(s);
        return PARLEY_ENOMEM;
    }
    return PARLEY_OK;
}

/* ---- thinning: epsilon cover -------------------------------------------- */

static double vec_sum(const double *p, size_t P)
{
    double s = 0.0;
    for (size_t i = 0; i < P; i++)
        s += p[i];
    return s;
}

typedef struct sum_ctx {
    const double *sum;
} sum_ctx_t;

static int sum_desc_before(uint32_t a, uint32_t b, const void *ctx)
{
    const sum_ctx_t *c = ctx;
    if (c->sum[a] != c->sum[b])
        return c->sum[a] > c->sum[b];
    return a < b;
}

/*
 * Thinning S (stage j) to an eps-cover: in order of descending sum, an item
 * is dropped when a kept item w covers it, kept otherwise.  w covers v when,
 * per party i:
 *   - v_i >= safe[j,i] (r_i is met whatever follows): w_i >= safe[j,i] and
 *     w_i >= v_i - eps;
 *   - otherwise ("risky"): w_i >= v_i exactly, so that every completion
 *     that makes v feasible makes w feasible too.
 * Then for every completion x, w + x is feasible when v + x is, and at
 * least v + x - eps (up to rounding) on every party.  This is the grid
 * guarantee (one representative per cell of side eps) with far fewer
 * representatives: a cover item answers for a whole eps-neighbourhood below
 * it, not for one cell.  The order and the k-d tree are built once and
 * serve every eps tried.  Cost: O(n log n) to set up, then per eps a
 * dominance query per item (greedy_filter, threaded).
 */
typedef struct cover {
    const pset_t *s;
    size_t P;
    const double *safe;
    filter_t filt; /* threads; no deadline */
    kd_tree_t tree;
    uint32_t *order;
    double *lo;
    unsigned char *dead;
} cover_t;

static void cover_free(cover_t *c)
{
    kd_free(&c->tree);
    parley_free(c->order);
    parley_free(c->lo);
    parley_free(c->dead);
    c->order = NULL;
    c->lo = NULL;
    c->dead = NULL;
}

static parley_status_t cover_init(cover_t *c, const pset_t *s, size_t P,
                                  const double *safe, unsigned threads)
{
    size_t n = s->n;
    memset(c, 0, sizeof *c);
    c->s = s;
    c->P = P;
    c->safe = safe;
    c->filt.P = P;
    c->filt.threads = threads;
    c->order = alloc_array(n, sizeof *c->order);
    c->lo = alloc_array(mul_size(n, P), sizeof *c->lo);
    c->dead = alloc_array(n, 1);
    double *sum = alloc_array(n, sizeof *sum);
    parley_status_t st = PARLEY_ENOMEM;
    if (!c->order || !c->lo || !c->dead || !sum)
        goto done;
    for (size_t j = 0; j < n; j++) {
        sum[j] = vec_sum(&s->u[j * P], P);
        c->order[j] = (uint32_t)j;
    }
    sum_ctx_t sc = {sum};
    if ((st = idx_sort(c->order, n, sum_desc_before, &sc)) != PARLEY_OK)
        goto done;
    st = kd_init(&c->tree, s->u, n, P);
done:
    parley_free(sum);
    if (st != PARLEY_OK)
        cover_free(c);
    return st;
}

/* The cover for one eps; keep[] receives ascending indices. */
static parley_status_t cover_run(cover_t *c, double eps, uint32_t *keep,
                                 size_t *n_keep)
{
    size_t n = c->s->n, P = c->P;
    for (size_t j = 0; j < n; j++) {
        const double *v = &c->s->u[j * P];
        double *x = &c->lo[j * P];
        for (size_t i = 0; i < P; i++) {
            if (v[i] >= c->safe[i]) {
                double lo = v[i] - eps;
                x[i] = lo > c->safe[i] ? lo : c->safe[i];
            } else {
                x[i] = v[i];
            }
        }
    }
    kd_reset(&c->tree, n);
    parley_status_t st =
        greedy_filter(&c->filt, &c->tree, c->order, n, c->lo, NULL, c->dead);
    if (st != PARLEY_OK)
        return st;
    size_t k = 0;
    for (size_t j = 0; j < n; j++)
        if (!c->dead[j])
            keep[k++] = (uint32_t)j;
    *n_keep = k;
    return PARLEY_OK;
}

/* Keeps s's items listed in keep[0..nk) (ascending), in place. */
static void pset_select(pset_t *s, size_t P, size_t K, const uint32_t *keep,
                        size_t nk)
{
    for (size_t t = 0; t < nk; t++) {
        size_t j = keep[t];
        if (j == t)
            continue;
        memmove(&s->u[t * P], &s->u[j * P], P * sizeof *s->u);
        memmove(&s->pkg[t * K], &s->pkg[j * K], K * sizeof *s->pkg);
        s->mult[t] = s->mult[j];
    }
    s->n = nk;
}

/*
 * Thins s until it has at most `target` items, with the smallest eps found
 * that fits (the smallest loss).  eps starts at `hint` (the last eps used,
 * or a thousandth of the vectors' spread); up to four secant steps on
 * log(count) against log(eps) aim just below the target (every probe, one
 * cover_run, costs about as much as a merge step, so the search is short);
 * if none fits, eps doubles until one does.  Returns
 * the eps used (0 when nothing was dropped) through *eps_used.  When even a
 * cover with eps beyond the spread does not fit (only risky vectors are
 * left, which no cover may drop), the smallest set reached is kept.
 */
static parley_status_t thin_to(pset_t *s, size_t P, size_t K,
                               const double *safe, size_t target,
                               double hint, unsigned threads,
                               double *eps_used)
{
    *eps_used = 0;
    if (s->n <= target || s->n == 0)
        return PARLEY_OK;
    double spread = 0;
    for (size_t i = 0; i < P; i++) {
        double lo = HUGE_VAL, hi = -HUGE_VAL;
        for (size_t j = 0; j < s->n; j++) {
            double v = s->u[j * P + i];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        spread = hi - lo > spread ? hi - lo : spread;
    }
    if (!(spread > 0))
        spread = 1;
    uint32_t *keep = alloc_array(s->n, sizeof *keep);
    uint32_t *best = alloc_array(s->n, sizeof *best);
    cover_t cv;
    parley_status_t st = cover_init(&cv, s, P, safe, threads);
    if (st != PARLEY_OK) {
        parley_free(keep);
        parley_free(best);
        return st;
    }
    st = PARLEY_ENOMEM;
    if (!keep || !best)
        goto done;
    double fit = 0, eps = hint > 0 && hint < spread ? hint : spread / 1024;
    size_t nk, nbest = SIZE_MAX;
    int have_fit = 0;
#define PROBE(e)                                                               \
    do {                                                                       \
        if ((st = cover_run(&cv, (e), keep, &nk)) != PARLEY_OK)                \
            goto done;                                                         \
        if (nk <= target && (!have_fit || nk > nbest)) {                       \
            uint32_t *sw = best;                                               \
            best = keep;                                                       \
            keep = sw;                                                         \
            nbest = nk;                                                        \
            fit = (e);                                                         \
            have_fit = 1;                                                      \
        } else if (!have_fit && nk < nbest) {                                  \
            uint32_t *sw = best;                                               \
            best = keep;                                                       \
            keep = sw;                                                         \
            nbest = nk;                                                        \
            fit = (e);                                                         \
        }                                                                      \
    } while (0)
    /*
     * Secant steps on log(count) against log(eps), aiming a little below the
     * target; the slope starts at the dimension of the frontier (P - 1).
     */
    double slope = P > 1 ? (double)(P - 1) : 1;
    double aim = 0.9 * (double)target;
    PROBE(eps);
    double e_cur = eps, n_cur = (double)nk;
    for (int it = 0; it < 4; it++) {
        if (have_fit && (double)nbest >= 0.75 * (double)target)
            break;
        double e = e_cur * pow(n_cur / aim, 1 / slope);
        e = e < e_cur / 16 ? e_cur / 16 : e > e_cur * 16 ? e_cur * 16 : e;
        if (e > 8 * spread)
            break;
        PROBE(e);
        double n_new = (double)nk;
        if (n_new != n_cur && e != e_cur) {
            double d = -log(n_new / n_cur) / log(e / e_cur);
            slope = d < 0.3 ? 0.3 : d > 2.0 * (double)P ? 2.0 * (double)P : d;
        }
        e_cur = e;
        n_cur = n_new;
    }
    /* Still nothing fits: double until it does (or cannot). */
    for (eps = e_cur; !have_fit && eps <= 4 * spread;) {
        eps *= 2;
        PROBE(eps);
    }
#undef PROBE
    cover_free(&cv);
    if (nbest < s->n) {
        pset_select(s, P, K, best, nbest);
        *eps_used = fit;
    }
    st = PARLEY_OK;
done:
    cover_free(&cv);
    parley_free(keep);
    parley_free(best);
    return st;
}

/* ---- MERGE --------------------------------------------------------------- */

typedef struct gen_ctx {
    const parley_model_t *m;
    const pset_t *s;
    size_t k;           /* issue being merged */
    const double *reach; /* stage k+1 thresholds */
    double *cu;         /* out: candidate vectors */
    uint64_t *code;     /* out: parent * n_allowed + option position */
    size_t *count;      /* per thread */
    size_t per_thread;  /* capacity per thread (slices of cu / code) */
} gen_ctx_t;

/*
 * Forms S + options of issue k in lexicographic package order (parents in
 * order, options ascending), skipping vectors below a reach threshold.
 * Thread t fills its own slice; slices are concatenated afterwards, which
 * keeps the order because thread t gets the t-th range of parents.
 */
static void gen_job(void *ctx, unsigned tid, unsigned nth)
{
    gen_ctx_t *g = ctx;
    const parley_model_t *m = g->m;
    size_t P = m->n_parties, k = g->k, na = m->n_allowed[k];
    const double *ac = m->acontrib[k];
    size_t lo = g->s->n * tid / nth, hi = g->s->n * (tid + 1) / nth;
    size_t base = g->per_thread * tid, c = 0;
    double *cu = g->cu + base * P;
    uint64_t *code = g->code + base;
    for (size_t j = lo; j < hi; j++) {
        const double *p = &g->s->u[j * P];
        for (size_t a = 0; a < na; a++) {
            double *x = &cu[c * P];
            int ok = 1;
            for (size_t i = 0; i < P; i++) {
                x[i] = p[i] + ac[a * P + i];
                ok &= x[i] >= g->reach[i];
            }
            if (ok)
                code[c++] = (uint64_t)j * na + a;
        }
    }
    g->count[tid] = c;
}

typedef struct merge_run {
    const parley_model_t *m;
    const parley_analysis_opts_t *opts;
    filter_t filt;
    bounds_t b;
    size_t P, K;
    double t0, deadline;
    size_t memory;
    double rate; /* seconds per candidate, measured */
    double last_eps; /* the previous thinning's eps: where the next starts */
    double budget;   /* seconds, 0 = none */
    double growth;   /* |S_k+1| / |S_k| of the last step, in [1, options] */
    int exact;
    double delta;
} merge_run_t;

/* Steps of growth a thinning leaves room for (see frontier_merge). */
#define THIN_AHEAD 2.0

/* The fewest items a time budget alone thins S to, at the very least. */
#define TIME_FLOOR_ITEMS 32.0 /* see allowed_items */

/*
 * Peak bytes per candidate of a step: the vector and the step's own arrays
 * (code, multiplicity in and out, survivor index: 28), then the larger of
 * the sort (two record arrays: 32) and the filter.  The filter for 4+
 * parties holds per item a rep index, multiplicity and flag (13), packed
 * vector and thresholds (16P), a block index (4) and its share of the k-d
 * tree (about half a node of 24 + 8P bytes, plus 9): 20P + 38; the
 * sweeps need 3 doubles (24) besides the 13.  The final flags take 9.
 */
static size_t candidate_bytes(size_t P)
{
    size_t filter = P >= 4 ? 20 * P + 38 : 37;
    size_t phase = filter > 32 ? filter : 32;
    return 8 * P + 28 + phase + 9;
}

static size_t item_bytes(size_t P, size_t K)
{
    return P * sizeof(double) + sizeof(double) + K * sizeof(uint16_t);
}

/*
 * One merge step: S_k -> S_{k+1}.  Returns PARLEY_EBUDGET when the filter
 * ran past the deadline (S is then unchanged and the caller thins it).
 */
static parley_status_t merge_step(merge_run_t *mr, pset_t *s, size_t k)
{
    const parley_model_t *m = mr->m;
    size_t P = mr->P, K = mr->K, na = m->n_allowed[k];
    size_t cap = mul_size(s->n, na);
    unsigned nth = cap > 20000 ? mr->filt.threads : 1;
    size_t per = (cap + nth - 1) / nth + na;
    size_t total = mul_size(per, nth);
    parley_status_t st = PARLEY_ENOMEM;
    size_t counts[MAX_THREADS];
    double *cu = alloc_array(mul_size(total, P), sizeof *cu);
    uint64_t *code = alloc_array(total, sizeof *code);
    double *cmult = NULL, *kmult = NULL;
    uint32_t *keep = NULL;
    pset_t next;
    memset(&next, 0, sizeof next);
    if (s->n == 0) {
        st = PARLEY_OK;
        goto done;
    }
    if (!cu || !code || cap == 0)
        goto done;
    gen_ctx_t g = {m,  s,    k,      &mr->b.reach[(k + 1) * P],
                   cu, code, counts, per};
    run_parallel(nth, gen_job, &g);
    /* Close the gaps between the thread slices. */
    size_t n = counts[0];
    for (unsigned t = 1; t < nth; t++) {
        memmove(&cu[n * P], &cu[per * t * P], counts[t] * P * sizeof *cu);
        memmove(&code[n], &code[per * t], counts[t] * sizeof *code);
        n += counts[t];
    }
    cmult = alloc_array(n, sizeof *cmult);
    kmult = alloc_array(n, sizeof *kmult);
    keep = alloc_array(n, sizeof *keep);
    if (!cmult || !kmult || !keep)
        goto done;
    for (size_t c = 0; c < n; c++)
        cmult[c] = s->mult[code[c] / na];
    size_t nk = 0;
    st = skyline(&mr->filt, cu, cmult, n, &mr->b.tol[(k + 1) * P], keep, kmult,
                 &nk);
    if (st != PARLEY_OK)
        goto done;
    st = pset_alloc(&next, nk, P, K);
    if (st != PARLEY_OK)
        goto done;
    for (size_t t = 0; t < nk; t++) {
        size_t c = keep[t];
        size_t parent = (size_t)(code[c] / na), a = (size_t)(code[c] % na);
        memcpy(&next.u[t * P], &cu[c * P], P * sizeof *cu);
        next.mult[t] = kmult[t];
        memcpy(&next.pkg[t * K], &s->pkg[parent * K], k * sizeof *s->pkg);
        next.pkg[t * K + k] = (uint16_t)m->allowed[k][a];
    }
    next.n = nk;
    next.depth = k + 1;
    pset_free(s);
    *s = next;
    st = PARLEY_OK;
done:
    parley_free(cu);
    parley_free(code);
    parley_free(cmult);
    parley_free(kmult);
    parley_free(keep);
    return st;
}

/*
 * Before step k: how many items S_k may keep.  Memory: S_k * options of
 * issue k candidates plus both sets must fit.  Time: the steps left, at the
 * measured rate, must fit the time left (assuming S keeps its size, which
 * holds once thinning is on).  SIZE_MAX when no limit applies.
 */
static size_t allowed_items(const merge_run_t *mr, size_t k)
{
    const parley_model_t *m = mr->m;
    size_t P = mr->P, K = mr->K, na = m->n_allowed[k];
    double per_item = (double)na * (double)(candidate_bytes(P) +
                                            item_bytes(P, K)) +
                      (double)item_bytes(P, K);
    double lim = (double)mr->memory / per_item;
    /* 32-bit indices inside the filter */
    double idx_lim = 4.0e9 / (double)na;
    lim = lim < idx_lim ? lim : idx_lim;
    if (lim < 1)
        lim = 1;
    if (mr->deadline > 0) {
        /*
         * Before any step was large enough to measure, a modest guess; the
         * measured rate gets a margin, since a step's cost per candidate
         * grows with the set.  Past the deadline the steps left still get
         * sets worth 5% of the budget: a result a little late beats one
         * without content.
         */
        double rate = 1.25 * (mr->rate > 0 ? mr->rate : 1e-7);
        double left = mr->deadline - now_seconds();
        double work = 0;
        for (size_t l = k; l < K; l++)
            work += (double)m->n_allowed[l];
        double tl = left > 0 ? left / (rate * work) : 0;
        double floor_items = 0.05 * mr->budget / (rate * work);
        if (floor_items < TIME_FLOOR_ITEMS)
            floor_items = TIME_FLOOR_ITEMS;
        tl = tl < floor_items ? floor_items : tl;
        lim = tl < lim ? tl : lim;
    }
    return lim >= (double)SIZE_MAX ? SIZE_MAX : (size_t)lim;
}

static void progress(const parley_analysis_opts_t *opts, double f)
{
    if (opts && opts->progress)
        opts->progress(opts->progress_ctx, f, "frontier");
}

/* Thins s for stage k to `target`, recording the loss. */
static parley_status_t thin_stage(merge_run_t *mr, pset_t *s, size_t k,
                                  size_t target)
{
    double eps = 0;
    parley_status_t st = thin_to(s, mr->P, mr->K, &mr->b.safe[k * mr->P],
                                 target, mr->last_eps, mr->filt.threads, &eps);
    if (st == PARLEY_OK && eps > 0) {
        mr->exact = 0;
        mr->delta += eps * (1 + 1e-12) + mr->b.slack;
        mr->last_eps = eps;
    }
    return st;
}

static parley_status_t frontier_merge(const parley_model_t *m,
                                      const parley_analysis_opts_t *opts,
                                      pset_t *s, int *exact, double *delta)
{
    merge_run_t mr;
    memset(&mr, 0, sizeof mr);
    mr.m = m;
    mr.opts = opts;
    mr.P = m->n_parties;
    mr.K = m->n_issues;
    mr.t0 = now_seconds();
    mr.memory = opts && opts->memory_budget ? opts->memory_budget
                                            : DEFAULT_MEMORY;
    /* Keep a tenth of the time for what follows the frontier. */
    mr.budget = opts && opts->time_budget > 0 ? opts->time_budget : 0;
    mr.deadline = mr.budget > 0 ? mr.t0 + 0.9 * mr.budget : 0;
    mr.filt.P = mr.P;
    mr.filt.threads = thread_count(opts);
    mr.exact = 1;
    mr.growth = 1;
    parley_status_t st = bounds_init(&mr.b, m);
    if (st != PARLEY_OK)
        return st;
    size_t P = mr.P, K = mr.K;

    st = pset_alloc(s, 1, P, K);
    if (st != PARLEY_OK)
        goto done;
    s->n = 1;
    s->mult[0] = 1;
    for (size_t i = 0; i < P; i++)
        s->u[i] = 0.0;
    /* Nothing can reach some reservation: F is empty. */
    for (size_t i = 0; i < P; i++)
        if (!(0.0 >= mr.b.reach[i]))
            s->n = 0;

    progress(opts, 0);
    for (size_t k = 0; k < K && s->n > 0; k++) {
        /* The rate counts thinning too: it is part of a step's cost. */
        double ts = now_seconds();
        size_t lim = allowed_items(&mr, k);
        if (s->n > lim) {
            /*
             * Thin ahead: to what the next steps can grow from without
             * thinning again, since every thinning adds its eps to delta
             * while a smaller set costs only a slightly larger eps.
             */
            double ahead = (double)(K - 1 - k);
            ahead = ahead < THIN_AHEAD ? ahead : THIN_AHEAD;
            double want = (double)lim / pow(mr.growth, ahead);
            size_t target = want > 1 ? (size_t)want : 1;
            if ((st = thin_stage(&mr, s, k, target)) != PARLEY_OK)
                goto done;
        }
        size_t n_before = s->n;
        size_t work = s->n * m->n_allowed[k];
        mr.filt.deadline = mr.deadline;
        mr.filt.timed_out = 0;
        st = merge_step(&mr, s, k);
        if (st == PARLEY_EBUDGET) {
            /*
             * Out of time inside the step: its cost was misjudged.  Halve
             * S_k and redo the step untimed; the steps left are sized by
             * allowed_items from what is left (nothing: the floor).
             */
            if ((st = thin_stage(&mr, s, k, s->n / 2)) != PARLEY_OK)
                goto done;
            mr.filt.deadline = 0;
            mr.filt.timed_out = 0;
            st = merge_step(&mr, s, k);
        }
        if (st != PARLEY_OK)
            goto done;
        /* Small steps measure thread start-up, not the filter. */
        double el = now_seconds() - ts;
        if (n_before > 0) {
            double g = (double)s->n / (double)n_before;
            double na = (double)m->n_allowed[k];
            mr.growth = g < 1 ? 1 : g > na ? na : g;
        }
        if (work >= 20000) {
            double rate = el / (double)work;
            mr.rate = mr.rate > 0 ? 0.5 * (mr.rate + rate) : rate;
        }
        progress(opts, (double)(k + 1) / (double)K);
    }
    /* Stage K: t = 0 and the reach thresholds are the reservations. */
    for (size_t j = 0; j < s->n; j++)
        for (size_t i = 0; i < P; i++)
            if (!(s->u[j * P + i] >= m->reservation[i])) {
                st = PARLEY_EINVALID; /* cannot happen: reach is exact */
                goto done;
            }
    *exact = mr.exact;
    *delta = mr.delta;
    st = PARLEY_OK;
done:
    bounds_free(&mr.b);
    if (st != PARLEY_OK)
        pset_free(s);
    return st;
}

/* ---- ENUMERATE ----------------------------------------------------------- */

/*
 * Streams every allowed package, in index order, through the filter: the
 * feasible ones are buffered behind the current window (the frontier of all
 * packages so far) and the buffer is filtered together with the window when
 * it fills up.  Packages are indexed in the window by enumeration order, so
 * the lowest index of a group is the lowest package.  Partial sums per issue
 * make a package cost P additions; nothing is allocated per package.
 * Time budget: ENUMERATE is the exact baseline; it stops with
 * PARLEY_EBUDGET when time runs out.  The memory budget bounds the buffer.
 */
static parley_status_t frontier_enumerate(const parley_model_t *m,
                                          const parley_analysis_opts_t *opts,
                                          pset_t *s)
{
    size_t P = m->n_parties, K = m->n_issues;
    size_t memory = opts && opts->memory_budget ? opts->memory_budget
                                                : DEFAULT_MEMORY;
    double t0 = now_seconds();
    double deadline = opts && opts->time_budget > 0 ? t0 + opts->time_budget
                                                    : 0;
    filter_t filt = {P, thread_count(opts), 0, 0};
    size_t per = item_bytes(P, K) + candidate_bytes(P);
    size_t cap = memory / per;
    if (cap < 1024)
        cap = 1024;
    if (cap > ((size_t)1 << 31))
        cap = (size_t)1 << 31;
    /* Small spaces need no more room than they have packages. */
    if ((double)cap > m->allowed_count)
        cap = (size_t)m->allowed_count;
    parley_status_t st = pset_alloc(s, cap, P, K);
    uint32_t *keep = alloc_array(cap, sizeof *keep);
    double *kmult = alloc_array(cap, sizeof *kmult);
    double *tol = alloc_array(P, sizeof *tol);
    double *ps = alloc_array(mul_size(K + 1, P), sizeof *ps);
    size_t *pos = alloc_array(K + 1, sizeof *pos);
    if (st != PARLEY_OK || !keep || !kmult || !tol || !ps || !pos) {
        st = PARLEY_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < P; i++) {
        tol[i] = 0;
        ps[i] = 0.0;
    }
    s->n = 0;
    double total = m->allowed_count, seen = 0;
    /* ps[k] = sum of issues < k; pos[k] = allowed position of issue k */
    for (size_t k = 0; k < K; k++)
        pos[k] = 0;
    for (size_t k = 0; k < K; k++)
        for (size_t i = 0; i < P; i++)
            ps[(k + 1) * P + i] = ps[k * P + i] + m->acontrib[k][i];
    progress(opts, 0);
    for (;;) {
        /* the package at pos: vector ps[K] */
        const double *u = &ps[K * P];
        int ok = 1;
        for (size_t i = 0; i < P; i++)
            ok &= u[i] >= m->reservation[i];
        if (ok) {
            size_t j = s->n++;
            memcpy(&s->u[j * P], u, P * sizeof *u);
            s->mult[j] = 1;
            for (size_t k = 0; k < K; k++)
                s->pkg[j * K + k] = (uint16_t)m->allowed[k][pos[k]];
            if (s->n == cap) {
                size_t nk;
                st = skyline(&filt, s->u, s->mult, s->n, tol, keep, kmult,
                             &nk);
                if (st != PARLEY_OK)
                    goto done;
                pset_select(s, P, K, keep, nk);
                for (size_t t = 0; t < nk; t++)
                    s->mult[t] = kmult[t];
                if (nk > cap - cap / 4 && seen + 1 < total) {
                    /* The frontier alone fills the memory budget. */
                    st = PARLEY_EBUDGET;
                    goto done;
                }
                if (deadline > 0 && now_seconds() > deadline) {
                    st = PARLEY_EBUDGET;
                    goto done;
                }
                progress(opts, total > 0 ? seen / total : 1);
            }
        }
        seen += 1;
        /* next package: last issue fastest, partial sums refreshed */
        size_t k = K;
        while (k > 0 && pos[k - 1] + 1 == m->n_allowed[k - 1]) {
            pos[k - 1] = 0;
            k--;
        }
        if (k == 0)
            break;
        pos[k - 1]++;
        for (size_t l = k - 1; l < K; l++) {
            const double *c = &m->acontrib[l][pos[l] * P];
            for (size_t i = 0; i < P; i++)
                ps[(l + 1) * P + i] = ps[l * P + i] + c[i];
        }
    }
    size_t nk;
    st = skyline(&filt, s->u, s->mult, s->n, tol, keep, kmult, &nk);
    if (st != PARLEY_OK)
        goto done;
    pset_select(s, P, K, keep, nk);
    for (size_t t = 0; t < nk; t++)
        s->mult[t] = kmult[t];
    s->depth = K;
    progress(opts, 1);
done:
    parley_free(keep);
    parley_free(kmult);
    parley_free(tol);
    parley_free(ps);
    parley_free(pos);
    if (st != PARLEY_OK)
        pset_free(s);
    return st;
}

/* ---- output -------------------------------------------------------------- */

typedef struct out_ctx {
    const double *sum;
} out_ctx_t;

/* Descending sum; items are in package order, so the index breaks ties. */
static int out_before(uint32_t a, uint32_t b, const void *ctx)
{
    const out_ctx_t *c = ctx;
    if (c->sum[a] != c->sum[b])
        return c->sum[a] > c->sum[b];
    return a < b;
}

parley_status_t parley__frontier_compute(const parley_model_t *m,
                                         const parley_analysis_opts_t *opts,
                                         parley__frontier_t *out)
{
    size_t P = m->n_parties, K = m->n_issues;
    pset_t s;
    int exact = 1;
    double delta = 0;
    parley_status_t st;
    parley__frontier_init(out, P, K);
    memset(&s, 0, sizeof s);
    if (opts && opts->method == PARLEY_FRONTIER_ENUMERATE)
        st = frontier_enumerate(m, opts, &s);
    else
        st = frontier_merge(m, opts, &s, &exact, &delta);
    if (st != PARLEY_OK)
        return st;

    uint32_t *order = alloc_array(s.n, sizeof *order);
    double *sum = alloc_array(s.n, sizeof *sum);
    if (!order || !sum || parley__frontier_reserve(out, s.n) != PARLEY_OK) {
        st = PARLEY_ENOMEM;
        goto done;
    }
    for (size_t j = 0; j < s.n; j++) {
        order[j] = (uint32_t)j;
        sum[j] = vec_sum(&s.u[j * P], P);
    }
    out_ctx_t oc = {sum};
    if (idx_sort(order, s.n, out_before, &oc) != PARLEY_OK) {
        st = PARLEY_ENOMEM;
        goto done;
    }
    for (size_t v = 0; v < s.n; v++) {
        size_t j = order[v];
        memcpy(&out->u[v * P], &s.u[j * P], P * sizeof *s.u);
        for (size_t k = 0; k < K; k++)
            out->pkg[v * K + k] = s.pkg[j * K + k];
        out->mult[v] = s.mult[j];
    }
    out->size = s.n;
    out->exact = exact;
    out->delta = delta;
    st = PARLEY_OK;
done:
    if (st != PARLEY_OK)
        parley__frontier_clear(out);
    parley_free(order);
    parley_free(sum);
    pset_free(&s);
    return st;
}
