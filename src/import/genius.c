/*
 * genius.c - GENIUS XML (the ANAC competitions' domains and preference
 * profiles) into a scenario, with GENIUS's own numbers.
 *
 * A domain file (root <negotiation_template>) lists the issues under
 * utility_space/objective: discrete ones with <item value=...> options in
 * order, integer ones with lowerbound/upperbound.  Each profile (root
 * <utility_space>) repeats the issues with evaluations, gives one
 * <weight index=...> per issue, and may give <reservation value=.../> and
 * <discount_factor value=.../>.  What GENIUS computes, and so what we store:
 *
 * - discrete: value(option) = evaluation / largest evaluation of the issue
 *   (GENIUS EvaluatorDiscrete.normalize), stored as a TABLE;
 * - integer: value(v) = clamp(offset + slope * (v - lowerbound), 0, 1) with
 *   GENIUS reading lowerbound from the profile's own <issue> element, stored
 *   as LINEAR with origin = that lowerbound;
 * - weights used as written, matched to the profile's issues by their index
 *   attribute; issues matched between domain and profile by name;
 * - reservation absent = 0, discount absent = 1.
 *
 * Where GENIUS would silently compute something odd (an item the domain does
 * not know, an option without an evaluation, a negative or all-zero
 * evaluation list, an evaluator other than linear, a real issue) we refuse
 * with a diagnostic naming the file, the line and the issue or item.
 *
 * Safety: libxml2 parses with no network, no DTD loading, no entity
 * substitution and its default size and depth limits (never XML_PARSE_HUGE);
 * inputs beyond PARLEY__IMPORT_MAX_BYTES are refused before parsing and
 * documents with a <!DOCTYPE> are refused after it, so no entity is ever
 * expanded.  libxml2's own messages become diagnostics instead of going to
 * stderr.  The handlers are swapped per call and libxml2 keeps them per
 * thread, so imports on different threads do not see each other's errors.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>

#include "import/import_internal.h"
#include "parley/alloc.h"
#include "parley/import.h"

/* Parser options: see the top of the file for why exactly these. */
#define GENIUS_XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_BIG_LINES)

/* libxml2 messages kept per document; after a fatal error the parser stops,
 * so more than a few only repeat themselves. */
#define GENIUS_MAX_XML_MESSAGES 8

/* GENIUS's EvaluatorDiscrete values every option 0 when the largest
 * evaluation is below this. */
#define GENIUS_EVAL_EPSILON 0.00001

/* One input document: its text and what diagnostics call it. */
typedef struct genius_src {
    const char *text;
    size_t len;
    const char *file;
} genius_src_t;

/* ---- libxml2 error capture --------------------------------------------- */

typedef struct xml_capture {
    parley__sink_t *sink;
    const char *file;
    unsigned count;
    size_t errors;
} xml_capture_t;

typedef struct xml_handlers {
    xmlStructuredErrorFunc structured;
    void *structured_ctx;
    xmlGenericErrorFunc generic;
    void *generic_ctx;
} xml_handlers_t;

static void on_xml_error(void *ctx, xmlErrorPtr err)
{
    xml_capture_t *cap = ctx;
    if (!cap || !err || err->level == XML_ERR_NONE)
        return;
    int is_error = err->level != XML_ERR_WARNING;
    if (is_error)
        cap->errors++;
    if (cap->count >= GENIUS_MAX_XML_MESSAGES) {
        if (cap->count++ == GENIUS_MAX_XML_MESSAGES)
            parley__sink_warning(cap->sink, PARLEY_ESYNTAX, cap->file, 0, 0,
                                 "", "further XML messages not shown");
        return;
    }
    cap->count++;
    char msg[300], shown[300];
    snprintf(msg, sizeof msg, "%s", err->message ? err->message : "?");
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    parley__shown(msg, shown, sizeof shown);
    unsigned line = err->line > 0 ? (unsigned)err->line : 0;
    unsigned col = err->int2 > 0 ? (unsigned)err->int2 : 0;
    if (is_error)
        parley__sink_error(cap->sink, PARLEY_ESYNTAX, cap->file, line, col, "",
                           "malformed XML: %s", shown);
    else
        parley__sink_warning(cap->sink, PARLEY_ESYNTAX, cap->file, line, col,
                             "", "XML: %s", shown);
}

static void on_generic_error(void *ctx, const char *msg, ...)
{
    /* Unstructured libxml2 messages (out of memory inside libxml2, mostly)
     * carry no position; the structured one that follows, or the failed
     * parse, says what matters. */
    (void)ctx;
    (void)msg;
}

static void handlers_push(xml_handlers_t *saved, xml_capture_t *cap)
{
    saved->structured = xmlStructuredError;
    saved->structured_ctx = xmlStructuredErrorContext;
    saved->generic = xmlGenericError;
    saved->generic_ctx = xmlGenericErrorContext;
    xmlSetStructuredErrorFunc(cap, on_xml_error);
    xmlSetGenericErrorFunc(NULL, on_generic_error);
}

static void handlers_pop(const xml_handlers_t *saved)
{
    xmlSetStructuredErrorFunc(saved->structured_ctx, saved->structured);
    xmlSetGenericErrorFunc(saved->generic_ctx, saved->generic);
}

/* ---- small XML helpers ------------------------------------------------- */

static int is_element(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE &&
           strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *child_element(const xmlNode *parent, const char *name)
{
    for (const xmlNode *c = parent->children; c; c = c->next)
        if (is_element(c, name))
            return c;
    return NULL;
}

static size_t count_children(const xmlNode *parent, const char *name)
{
    size_t n = 0;
    for (const xmlNode *c = parent->children; c; c = c->next)
        n += is_element(c, name);
    return n;
}

static unsigned line_of(const xmlNode *n)
{
    long l = xmlGetLineNo(n);
    return l > 0 && (unsigned long)l < UINT_MAX ? (unsigned)l : 0;
}

/*
 * The value of attribute `name`, borrowed from the document, or NULL when
 * absent.  Without a DTD (refused earlier) libxml2 leaves every attribute as
 * one text node with character and predefined entities already resolved;
 * anything else counts as absent (callers call it unreadable).
 */
static const char *attr(const xmlNode *n, const char *name)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (a->ns || strcmp((const char *)a->name, name) != 0)
            continue;
        if (!a->children)
            return "";
        if (a->children->type == XML_TEXT_NODE && !a->children->next &&
            a->children->content)
            return (const char *)a->children->content;
        return NULL;
    }
    return NULL;
}

/* ---- the import state -------------------------------------------------- */

typedef struct lookup {
    const char *value;
    size_t option;
} lookup_t;

typedef struct genius {
    parley__sink_t sink;
    int nomem;
    parley_scenario_t *sc;
    /* Per domain issue (discrete only): options sorted by value. */
    lookup_t **lookups;
    const char *domain_file;
} genius_t;

static int lookup_cmp(const void *a, const void *b)
{
    const lookup_t *x = a, *y = b;
    int c = strcmp(x->value, y->value);
    if (c)
        return c;
    return x->option < y->option ? -1 : x->option > y->option;
}

static long find_option(const lookup_t *lk, size_t n, const char *value)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(lk[mid].value, value);
        if (c == 0)
            return (long)lk[mid].option;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static long find_issue(const parley_scenario_t *sc, const char *name)
{
    for (size_t k = 0; k < sc->n_issues; k++)
        if (sc->issues[k].name && strcmp(sc->issues[k].name, name) == 0)
            return (long)k;
    return -1;
}

/* A foreign string made safe and short for a diagnostic. */
#define SHOW(s, buf) parley__shown((s), (buf), sizeof(buf))

static void issue_path(char *buf, size_t size, const char *issue)
{
    char shown[160];
    snprintf(buf, size, "issue '%s'", parley__shown(issue, shown, sizeof shown));
}

/* ---- parsing a document ------------------------------------------------ */

/* The line of "<!DOCTYPE" (libxml2 keeps no line for DTD nodes). */
static unsigned doctype_line(const genius_src_t *src)
{
    static const char tag[] = "<!DOCTYPE";
    const size_t n = sizeof tag - 1;
    unsigned line = 1;
    for (size_t i = 0; i + n <= src->len; i++) {
        if (memcmp(src->text + i, tag, n) == 0)
            return line;
        line += src->text[i] == '\n';
    }
    return 0;
}

/*
 * Parses one document, or returns NULL after reporting why.  On allocation
 * failure inside libxml2 the parse fails like any other; we cannot tell it
 * apart reliably, so it is reported as malformed input only if libxml2 said
 * so, else as out of memory.
 */
static xmlDocPtr parse_document(genius_t *g, const genius_src_t *src)
{
    if (src->len > PARLEY__IMPORT_MAX_BYTES || src->len > (size_t)INT_MAX) {
        parley__sink_error(&g->sink, PARLEY_ELIMIT, src->file, 0, 0, "",
                           "the document has %zu bytes, more than the %zu an "
                           "import reads",
                           src->len, PARLEY__IMPORT_MAX_BYTES);
        return NULL;
    }
    if (src->len == 0) {
        parley__sink_error(&g->sink, PARLEY_ESYNTAX, src->file, 0, 0, "",
                           "the document is empty, expected GENIUS XML");
        return NULL;
    }
    xmlInitParser();
    size_t errors_before = g->sink.errors;
    xml_capture_t cap = {&g->sink, src->file, 0, 0};
    xml_handlers_t saved;
    handlers_push(&saved, &cap);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    xmlDocPtr doc = NULL;
    if (ctxt) {
        doc = xmlCtxtReadMemory(ctxt, src->text, (int)src->len, NULL, NULL,
                                GENIUS_XML_OPTIONS);
        xmlFreeParserCtxt(ctxt);
    }
    handlers_pop(&saved);
    if (!ctxt) {
        g->nomem = 1;
        return NULL;
    }
    if (!doc || cap.errors) {
        /* Whatever libxml2 said, the failure itself must count. */
        if (g->sink.errors == errors_before)
            parley__sink_error(&g->sink, PARLEY_ESYNTAX, src->file, 0, 0, "",
                               "not well-formed XML");
        xmlFreeDoc(doc);
        return NULL;
    }
    if (doc->intSubset || doc->extSubset) {
        parley__sink_error(&g->sink, PARLEY_EINVALID, src->file,
                           doctype_line(src), 0, "",
                           "a document type declaration (<!DOCTYPE>) is not "
                           "allowed in GENIUS files: it could declare "
                           "entities, which are not expanded");
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

/* ---- the domain -------------------------------------------------------- */

/* Reads a discrete domain issue's items into is->options. */
static void read_domain_items(genius_t *g, const char *file,
                              const xmlNode *issue_node, size_t k)
{
    parley_issue_t *is = &g->sc->issues[k];
    char path[200], shown[160];
    issue_path(path, sizeof path, is->name);
    size_t n = count_children(issue_node, "item");
    if (n == 0) {
        parley__sink_error(&g->sink, PARLEY_EMISSING, file,
                           line_of(issue_node), 0, path,
                           "a discrete issue needs at least one <item "
                           "value=\"...\">, found none");
        return;
    }
    if (n > PARLEY_MAX_OPTIONS) {
        parley__sink_error(&g->sink, PARLEY_ELIMIT, file, line_of(issue_node),
                           0, path, "%zu items, more than the %d allowed", n,
                           PARLEY_MAX_OPTIONS);
        return;
    }
    is->options = parley_calloc(n, sizeof *is->options);
    lookup_t *lk = parley_calloc(n, sizeof *lk);
    if (!is->options || !lk) {
        parley_free(lk);
        g->nomem = 1;
        return;
    }
    is->n_options = n;
    g->lookups[k] = lk;
    size_t j = 0;
    int complete = 1;
    for (const xmlNode *c = issue_node->children; c; c = c->next) {
        if (!is_element(c, "item"))
            continue;
        const char *v = attr(c, "value");
        if (!v) {
            parley__sink_error(&g->sink, PARLEY_EMISSING, file, line_of(c), 0,
                               path, "item %zu has no readable value "
                               "attribute", j + 1);
            complete = 0;
            j++;
            continue;
        }
        is->options[j] = parley_strdup(v);
        if (!is->options[j]) {
            g->nomem = 1;
            return;
        }
        lk[j].value = is->options[j];
        lk[j].option = j;
        j++;
    }
    if (!complete)
        return;
    qsort(lk, n, sizeof *lk, lookup_cmp);
    for (size_t i = 1; i < n; i++) {
        if (strcmp(lk[i - 1].value, lk[i].value) == 0) {
            parley__sink_error(&g->sink, PARLEY_EDUPLICATE, file,
                               line_of(issue_node), 0, path,
                               "item '%s' is listed twice (items %zu and %zu)",
                               SHOW(lk[i].value, shown), lk[i - 1].option + 1,
                               lk[i].option + 1);
        }
    }
}

static void read_domain_integer(genius_t *g, const char *file,
                                const xmlNode *node, size_t k)
{
    parley_issue_t *is = &g->sc->issues[k];
    char path[200], shown[160], shown2[160];
    issue_path(path, sizeof path, is->name);
    const char *lo_s = attr(node, "lowerbound");
    const char *hi_s = attr(node, "upperbound");
    long lo, hi;
    if (!lo_s || !hi_s) {
        parley__sink_error(&g->sink, PARLEY_EMISSING, file, line_of(node), 0,
                           path, "an integer issue needs lowerbound and "
                           "upperbound attributes");
        return;
    }
    if (!parley__parse_long(lo_s, &lo) || !parley__parse_long(hi_s, &hi)) {
        parley__sink_error(&g->sink, PARLEY_ETYPE, file, line_of(node), 0,
                           path,
                           "expected integer bounds, found lowerbound='%s' "
                           "upperbound='%s'",
                           SHOW(lo_s, shown), SHOW(hi_s, shown2));
        return;
    }
    if (lo > hi) {
        parley__sink_error(&g->sink, PARLEY_ERANGE, file, line_of(node), 0,
                           path, "lowerbound %ld is above upperbound %ld", lo,
                           hi);
        return;
    }
    if ((double)hi - (double)lo + 1 > PARLEY_MAX_OPTIONS) {
        parley__sink_error(&g->sink, PARLEY_ELIMIT, file, line_of(node), 0,
                           path, "%ld..%ld has more than the %d options "
                           "allowed",
                           lo, hi, PARLEY_MAX_OPTIONS);
        return;
    }
    is->kind = PARLEY_ISSUE_INTEGER;
    is->min = (double)lo;
    is->max = (double)hi;
    is->resolution = 1;
    is->n_options = parley_issue_grid_size(is->min, is->max, 1);
}

static const char *issue_type(const xmlNode *n)
{
    const char *t = attr(n, "type");
    if (!t)
        t = attr(n, "etype");
    if (!t)
        t = attr(n, "vtype");
    return t ? t : "discrete"; /* GENIUS's default */
}

/*
 * Whether root is the root element of what this file should be: a domain
 * (<negotiation_template>) when domain is set, else a preference profile
 * (<utility_space>).  When not, reports it, saying so when the file is the
 * other kind (a domain and a profile are easily swapped on a command line)
 * and naming the element found otherwise (or "nothing" for no root).
 */
static int root_is(genius_t *g, const char *file, const xmlNode *root,
                   int domain)
{
    static const struct {
        const char *element, *kind, *expected, *short_kind;
    } k[2] = {{"utility_space", "preference profile", "a preference profile",
               "profile"},
              {"negotiation_template", "domain", "a domain", "domain"}};
    int want = domain ? 1 : 0, other = 1 - want;
    char shown[160];
    if (is_element(root, k[want].element))
        return 1;
    if (is_element(root, k[other].element))
        parley__sink_error(&g->sink, PARLEY_EINVALID, file, line_of(root), 0,
                           "", "this is a GENIUS %s (root <%s>); expected %s "
                           "(root <%s>)",
                           k[other].kind, k[other].element, k[want].expected,
                           k[want].element);
    else
        parley__sink_error(&g->sink, PARLEY_EINVALID, file,
                           root ? line_of(root) : 0, 0, "",
                           "expected a GENIUS %s (root <%s>), found <%s>",
                           k[want].short_kind, k[want].element,
                           root ? SHOW((const char *)root->name, shown)
                                : "nothing");
    return 0;
}

/*
 * Whether the issues sit directly under the objective obj, the only layout
 * read; a nested <objective> is reported (at the first one) and gives 0.
 */
static int objective_is_flat(genius_t *g, const char *file,
                             const xmlNode *obj)
{
    const xmlNode *nested = child_element(obj, "objective");
    if (!nested)
        return 1;
    parley__sink_error(&g->sink, PARLEY_EINVALID, file, line_of(nested), 0, "",
                       "nested objectives are not supported: list the "
                       "issues directly under the root objective");
    return 0;
}

static void read_domain(genius_t *g, const genius_src_t *src, xmlDocPtr doc)
{
    const char *file = src->file;
    char shown[160], path[200];
    const xmlNode *root = xmlDocGetRootElement(doc);
    if (!root_is(g, file, root, 1))
        return;
    const xmlNode *us = child_element(root, "utility_space");
    const xmlNode *obj = us ? child_element(us, "objective") : NULL;
    if (!obj) {
        parley__sink_error(&g->sink, PARLEY_EMISSING, file,
                           line_of(us ? us : root), 0, "",
                           "expected <utility_space><objective> holding the "
                           "issues");
        return;
    }
    if (!objective_is_flat(g, file, obj))
        return;
    size_t n = count_children(obj, "issue");
    if (n == 0) {
        parley__sink_error(&g->sink, PARLEY_EMISSING, file, line_of(obj), 0, "",
                           "the domain lists no <issue>");
        return;
    }
    if (n > PARLEY_MAX_ISSUES) {
        parley__sink_error(&g->sink, PARLEY_ELIMIT, file, line_of(obj), 0, "",
                           "%zu issues, more than the %d allowed", n,
                           PARLEY_MAX_ISSUES);
        return;
    }
    parley_scenario_t *sc = g->sc;
    sc->issues = parley_calloc(n, sizeof *sc->issues);
    g->lookups = parley_calloc(n, sizeof *g->lookups);
    if (!sc->issues || !g->lookups) {
        g->nomem = 1;
        return;
    }
    sc->n_issues = n;
    for (size_t k = 0; k < n; k++)
        sc->issues[k].cluster = -1;
    size_t k = 0;
    for (const xmlNode *c = obj->children; c && !g->nomem; c = c->next) {
        if (!is_element(c, "issue"))
            continue;
        parley_issue_t *is = &sc->issues[k];
        const char *name = attr(c, "name");
        if (!name || !*name) {
            parley__sink_error(&g->sink, PARLEY_EMISSING, file, line_of(c), 0,
                               "", "issue %zu has no name attribute", k + 1);
            k++;
            continue;
        }
        long prev = find_issue(sc, name);
        if (prev >= 0) {
            issue_path(path, sizeof path, name);
            parley__sink_error(&g->sink, PARLEY_EDUPLICATE, file, line_of(c),
                               0, path,
                               "two issues are named '%s' (issues %ld and "
                               "%zu); profiles match issues by name",
                               SHOW(name, shown), prev + 1, k + 1);
            k++;
            continue;
        }
        char slug[PARLEY_MAX_ID];
        parley__slug(name, slug, sizeof slug);
        is->name = parley_strdup(name);
        is->id = parley__unique_id(slug, sc->issues, k, sizeof *sc->issues,
                                   offsetof(parley_issue_t, id));
        if (!is->name || !is->id) {
            g->nomem = 1;
            break;
        }
        const char *type = issue_type(c);
        issue_path(path, sizeof path, name);
        if (strcmp(type, "discrete") == 0)
            read_domain_items(g, file, c, k);
        else if (strcmp(type, "integer") == 0)
            read_domain_integer(g, file, c, k);
        else if (strcmp(type, "real") == 0)
            parley__sink_error(&g->sink, PARLEY_EINVALID, file, line_of(c), 0,
                               path,
                               "real issues are not supported; GENIUS gives "
                               "them no finite option list (use an integer "
                               "issue)");
        else
            parley__sink_error(&g->sink, PARLEY_EINVALID, file, line_of(c), 0,
                               path,
                               "unsupported issue type '%s', expected "
                               "'discrete' or 'integer'",
                               SHOW(type, shown));
        k++;
    }
}

/* ---- a profile --------------------------------------------------------- */

typedef struct profile_state {
    const char *file;
    parley_party_t *party;
    const xmlNode **issue_node; /* per domain issue, NULL until seen */
    long *index;                /* the profile's index attribute per issue */
    unsigned char *has_index;   /* index readable (weights can refer to it) */
    unsigned char *has_weight;
} profile_state_t;

static void read_discrete_values(genius_t *g, profile_state_t *ps, size_t k,
                                 const xmlNode *node)
{
    const parley_issue_t *is = &g->sc->issues[k];
    const char *file = ps->file;
    char path[200], shown[160], shown2[160];
    issue_path(path, sizeof path, is->name);
    if (!child_element(node, "item")) {
        parley__sink_error(&g->sink, PARLEY_EMISSING, file, line_of(node), 0,
                           path,
                           "a discrete issue needs <item value=\"...\" "
                           "evaluation=\"...\"> elements, found none");
        return;
    }
    double *eval = parley_calloc(is->n_options, sizeof *eval);
    unsigned *seen_line = parley_calloc(is->n_options, sizeof *seen_line);
    if (!eval || !seen_line) {
        parley_free(eval);
        parley_free(seen_line);
        g->nomem = 1;
        return;
    }
    size_t errors_before = g->sink.errors;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (!is_element(c, "item"))
            continue;
        const char *v = attr(c, "value");
        if (!v) {
            parley__sink_error(&g->sink, PARLEY_EMISSING, file, line_of(c), 0,
                               path, "an <item> has no readable value "
                               "attribute");
            continue;
        }
        long j = find_option(g->lookups[k], is->n_options, v);
        if (j < 0) {
            parley__sink_error(&g->sink, PARLEY_EUNKNOWN, file, line_of(c), 0,
                               path,
                               "item '%s' is not an option of issue '%s' in "
                               "the domain %s",
                               SHOW(v, shown), SHOW(is->name, shown2),
                               g->domain_file);
            continue;
        }
        if (seen_line[j]) {
            parley__sink_error(&g->sink, PARLEY_EDUPLICATE, file, line_of(c),
                               0, path,
                               "item '%s' is evaluated twice (first on line "
                               "%u)",
                               SHOW(v, shown), seen_line[j]);
            continue;
        }
        seen_line[j] = line_of(c) ? line_of(c) : 1;
        const char *e = attr(c, "evaluation");
        double x;
        if (!e) {
            parley__sink_error(&g->sink, PARLEY_EMISSING, file, line_of(c), 0,
                               path, "item '%s' has no evaluation attribute",
                               SHOW(v, shown));
        } else if (!parley__parse_number(e, &x)) {
            parley__sink_error(&g->sink, PARLEY_ETYPE, file, line_of(c), 0,
                               path,
                               "item '%s': expected a number as evaluation, "
                               "found '%s'",
                               SHOW(v, shown), SHOW(e, shown2));
        } else if (x < 0) {
            parley__sink_error(&g->sink, PARLEY_ERANGE, file, line_of(c), 0,
                               path,
                               "item '%s': evaluation %g is negative; GENIUS "
                               "evaluations are >= 0",
                               SHOW(v, shown), x);
        } else {
            eval[j] = x;
        }
    }
    for (size_t j = 0; j < is->n_options; j++) {
        if (!seen_line[j])
            parley__sink_error(&g->sink, PARLEY_EMISSING, file, line_of(node),
                               0, path,
                               "option '%s' of the domain has no evaluation "
                               "in this profile",
                               SHOW(is->options[j], shown));
    }
    double max = 0;
    for (size_t j = 0; j < is->n_options; j++)
        if (eval[j] > max)
            max = eval[j];
    if (g->sink.errors == errors_before && max < GENIUS_EVAL_EPSILON) {
        parley__sink_error(&g->sink, PARLEY_EINVALID, file, line_of(node), 0,
                           path,
                           "every evaluation is zero (largest %g); GENIUS "
                           "divides by the largest evaluation, so the issue "
                           "would carry no preference",
                           max);
    }
    parley_free(seen_line);
    if (g->sink.errors != errors_before) {
        parley_free(eval);
        return;
    }
    for (size_t j = 0; j < is->n_options; j++)
        eval[j] /= max;
    parley_value_fn_t *fn = &ps->party->values[k];
    fn->kind = PARLEY_VALUE_TABLE;
    fn->table = eval;
    fn->n_table = is->n_options;
}

static void read_linear_value(genius_t *g, profile_state_t *ps, size_t k,
                              const xmlNode *node)
{
    const parley_issue_t *is = &g->sc->issues[k];
    const char *file = ps->file;
    char path[200], shown[160], shown2[160];
    issue_path(path, sizeof path, is->name);
    const xmlNode *ev = child_element(node, "evaluator");
    if (!ev) {
        parley__sink_error(&g->sink, PARLEY_EMISSING, file, line_of(node), 0,
                           path,
                           "an integer issue needs <evaluator ftype=\"linear\" "
                           "offset=\"...\" slope=\"...\">, found none");
        return;
    }
    /* GENIUS reads every integer evaluator as linear; an ftype that says
     * otherwise means the file expects something we would not compute. */
    const char *ftype = attr(ev, "ftype");
    if (ftype && strcmp(ftype, "linear") != 0) {
        parley__sink_error(&g->sink, PARLEY_EINVALID, file, line_of(ev), 0,
                           path,
                           "unsupported evaluator ftype '%s', expected "
                           "'linear'",
                           SHOW(ftype, shown));
        return;
    }
    const char *off_s = attr(ev, "offset");
    const char *slope_s = attr(ev, "slope");
    double offset, slope;
    if (!off_s || !slope_s) {
        parley__sink_error(&g->sink, PARLEY_EMISSING, file, line_of(ev), 0,
                           path,
                           "a linear evaluator needs offset and slope "
                           "attributes");
        return;
    }
    if (!parley__parse_number(off_s, &offset) ||
        !parley__parse_number(slope_s, &slope)) {
        parley__sink_error(&g->sink, PARLEY_ETYPE, file, line_of(ev), 0, path,
                           "expected numbers, found offset='%s' slope='%s'",
                           SHOW(off_s, shown), SHOW(slope_s, shown2));
        return;
    }
    double origin = is->min;
    const char *lo_s = attr(node, "lowerbound");
    if (lo_s) {
        long lo;
        if (!parley__parse_long(lo_s, &lo)) {
            parley__sink_error(&g->sink, PARLEY_ETYPE, file, line_of(node), 0,
                               path, "expected an integer lowerbound, found "
                               "'%s'",
                               SHOW(lo_s, shown));
            return;
        }
        if ((double)lo != is->min)
            parley__sink_warning(&g->sink, PARLEY_EINVALID, file,
                                 line_of(node), 0, path,
                                 "lowerbound %ld differs from the domain's "
                                 "%.0f; as in GENIUS, the evaluator counts "
                                 "from the profile's",
                                 lo, is->min);
        origin = (double)lo;
    }
    parley_value_fn_t *fn = &ps->party->values[k];
    fn->kind = PARLEY_VALUE_LINEAR;
    fn->offset = offset;
    fn->slope = slope;
    fn->origin = origin;
}

/* Reads <reservation> or <discount_factor>; returns 0 after an error. */
static int read_scalar(genius_t *g, const char *file, const xmlNode *root,
                       const char *element, double *out)
{
    const xmlNode *n = child_element(root, element);
    if (!n)
        return 1;
    char shown[160];
    const char *v = attr(n, "value");
    double x;
    if (!v) {
        parley__sink_error(&g->sink, PARLEY_EMISSING, file, line_of(n), 0,
                           element, "<%s> has no value attribute", element);
        return 0;
    }
    if (!parley__parse_number(v, &x)) {
        parley__sink_error(&g->sink, PARLEY_ETYPE, file, line_of(n), 0,
                           element, "expected a number, found '%s'",
                           SHOW(v, shown));
        return 0;
    }
    *out = x;
    return 1;
}

static void read_weights(genius_t *g, profile_state_t *ps, const xmlNode *obj)
{
    const parley_scenario_t *sc = g->sc;
    char shown[160];
    for (const xmlNode *c = obj->children; c; c = c->next) {
        if (!is_element(c, "weight"))
            continue;
        const char *i_s = attr(c, "index");
        const char *v_s = attr(c, "value");
        long idx;
        double w;
        if (!i_s || !parley__parse_long(i_s, &idx)) {
            parley__sink_error(&g->sink, PARLEY_EMISSING, ps->file, line_of(c),
                               0, "weight",
                               "a <weight> needs an integer index attribute, "
                               "found '%s'",
                               i_s ? SHOW(i_s, shown) : "none");
            continue;
        }
        size_t k = sc->n_issues;
        for (size_t q = 0; q < sc->n_issues; q++)
            if (ps->has_index[q] && ps->index[q] == idx)
                k = q;
        if (k == sc->n_issues) {
            parley__sink_error(&g->sink, PARLEY_EUNKNOWN, ps->file, line_of(c),
                               0, "weight",
                               "<weight index=\"%ld\"> matches no issue of "
                               "this profile",
                               idx);
            continue;
        }
        char path[200];
        issue_path(path, sizeof path, sc->issues[k].name);
        if (ps->has_weight[k]) {
            parley__sink_error(&g->sink, PARLEY_EDUPLICATE, ps->file,
                               line_of(c), 0, path,
                               "a second weight for index %ld", idx);
            continue;
        }
        /* Even a broken weight is this issue's: no "missing weight" too. */
        ps->has_weight[k] = 1;
        if (!v_s || !parley__parse_number(v_s, &w)) {
            parley__sink_error(&g->sink, PARLEY_ETYPE, ps->file, line_of(c), 0,
                               path,
                               "weight index %ld: expected a number as value, "
                               "found '%s'",
                               idx, v_s ? SHOW(v_s, shown) : "none");
            continue;
        }
        if (w < 0) {
            parley__sink_error(&g->sink, PARLEY_ERANGE, ps->file, line_of(c),
                               0, path, "weight %g is negative", w);
            continue;
        }
        ps->party->weights[k] = w;
    }
}

static void read_profile(genius_t *g, const genius_src_t *src, xmlDocPtr doc,
                         parley_party_t *party)
{
    const char *file = src->file;
    const parley_scenario_t *sc = g->sc;
    char shown[160], path[200];
    const xmlNode *root = xmlDocGetRootElement(doc);
    if (!root_is(g, file, root, 0))
        return;
    const xmlNode *obj = child_element(root, "objective");
    if (!obj) {
        parley__sink_error(&g->sink, PARLEY_EMISSING, file, line_of(root), 0,
                           "", "expected an <objective> holding the issues");
        return;
    }
    if (!objective_is_flat(g, file, obj))
        return;
    profile_state_t ps = {file, party, NULL, NULL, NULL, NULL};
    ps.issue_node = parley_calloc(sc->n_issues, sizeof *ps.issue_node);
    ps.index = parley_calloc(sc->n_issues, sizeof *ps.index);
    ps.has_index = parley_calloc(sc->n_issues, 1);
    ps.has_weight = parley_calloc(sc->n_issues, 1);
    if (!ps.issue_node || !ps.index || !ps.has_index || !ps.has_weight) {
        g->nomem = 1;
        goto done;
    }
    for (const xmlNode *c = obj->children; c && !g->nomem; c = c->next) {
        if (!is_element(c, "issue"))
            continue;
        const char *name = attr(c, "name");
        if (!name) {
            parley__sink_error(&g->sink, PARLEY_EMISSING, file, line_of(c), 0,
                               "", "an <issue> has no name attribute");
            continue;
        }
        issue_path(path, sizeof path, name);
        long k = find_issue(sc, name);
        if (k < 0) {
            parley__sink_error(&g->sink, PARLEY_EUNKNOWN, file, line_of(c), 0,
                               path, "issue '%s' is not in the domain %s",
                               SHOW(name, shown), g->domain_file);
            continue;
        }
        if (ps.issue_node[k]) {
            parley__sink_error(&g->sink, PARLEY_EDUPLICATE, file, line_of(c),
                               0, path,
                               "issue '%s' appears twice (first on line %u)",
                               SHOW(name, shown), line_of(ps.issue_node[k]));
            continue;
        }
        ps.issue_node[k] = c;
        const char *i_s = attr(c, "index");
        long idx;
        if (!i_s || !parley__parse_long(i_s, &idx)) {
            parley__sink_error(&g->sink, PARLEY_EMISSING, file, line_of(c), 0,
                               path,
                               "expected an integer index attribute (weights "
                               "refer to it), found '%s'",
                               i_s ? SHOW(i_s, shown) : "none");
        } else {
            for (size_t q = 0; q < sc->n_issues; q++) {
                if (ps.has_index[q] && ps.index[q] == idx) {
                    parley__sink_error(&g->sink, PARLEY_EDUPLICATE, file,
                                       line_of(c), 0, path,
                                       "index %ld is also used by issue '%s'",
                                       idx, SHOW(sc->issues[q].name, shown));
                }
            }
            ps.index[k] = idx;
            ps.has_index[k] = 1;
        }
        if (sc->issues[k].kind == PARLEY_ISSUE_DISCRETE)
            read_discrete_values(g, &ps, (size_t)k, c);
        else
            read_linear_value(g, &ps, (size_t)k, c);
    }
    if (g->nomem)
        goto done;
    read_weights(g, &ps, obj);
    for (size_t k = 0; k < sc->n_issues; k++) {
        issue_path(path, sizeof path, sc->issues[k].name);
        if (!ps.issue_node[k])
            parley__sink_error(&g->sink, PARLEY_EMISSING, file, line_of(obj),
                               0, path,
                               "issue '%s' of the domain is missing from this "
                               "profile",
                               SHOW(sc->issues[k].name, shown));
        else if (ps.has_index[k] && !ps.has_weight[k])
            parley__sink_error(&g->sink, PARLEY_EMISSING, file,
                               line_of(ps.issue_node[k]), 0, path,
                               "issue '%s' (index %ld) has no <weight "
                               "index=\"%ld\">",
                               SHOW(sc->issues[k].name, shown), ps.index[k],
                               ps.index[k]);
    }
    double r = 0, d = 1;
    if (read_scalar(g, file, root, "reservation", &r) && (r < 0 || r > 1))
        parley__sink_error(&g->sink, PARLEY_ERANGE, file,
                           line_of(child_element(root, "reservation")), 0,
                           "reservation",
                           "reservation value %g is outside [0, 1]", r);
    if (read_scalar(g, file, root, "discount_factor", &d) &&
        (!(d > 0) || d > 1))
        parley__sink_error(&g->sink, PARLEY_ERANGE, file,
                           line_of(child_element(root, "discount_factor")), 0,
                           "discount_factor",
                           "discount factor %g is outside (0, 1]", d);
    party->reservation = r;
    party->discount = d;
done:
    parley_free(ps.issue_node);
    parley_free(ps.index);
    parley_free(ps.has_index);
    parley_free(ps.has_weight);
}

/* ---- putting it together ----------------------------------------------- */

/* "GENIUS domain D; profiles a, b, c" from the files' base names. */
static char *provenance(const genius_src_t *dom, const genius_src_t *profs,
                        size_t n)
{
    char name[256];
    size_t cap = 64 + strlen(dom->file);
    for (size_t i = 0; i < n; i++)
        cap += strlen(profs[i].file) + 2;
    char *s = parley_malloc(cap);
    if (!s)
        return NULL;
    parley__base_name(dom->file, name, sizeof name, 1);
    size_t len = (size_t)snprintf(s, cap, "GENIUS domain %s; profile%s ", name,
                                  n == 1 ? "" : "s");
    for (size_t i = 0; i < n && len < cap; i++) {
        parley__base_name(profs[i].file, name, sizeof name, 1);
        len += (size_t)snprintf(s + len, cap - len, "%s%s", i ? ", " : "",
                                name);
    }
    return s;
}

static void name_parties(genius_t *g, const genius_src_t *profs, size_t n)
{
    parley_scenario_t *sc = g->sc;
    char base[PARLEY_MAX_ID + 64], shown[160];
    for (size_t i = 0; i < n && !g->nomem; i++) {
        parley__base_name(profs[i].file, base, sizeof base, 0);
        if (!base[0])
            snprintf(base, sizeof base, "profile%zu", i + 1);
        if (strlen(base) >= PARLEY_MAX_ID - 16) {
            parley__sink_error(&g->sink, PARLEY_ELIMIT, profs[i].file, 0, 0,
                               "",
                               "the file name '%s' is too long to be a party "
                               "id (at most %d bytes)",
                               SHOW(base, shown), PARLEY_MAX_ID - 17);
            continue;
        }
        sc->parties[i].id = parley__unique_id(base, sc->parties, i,
                                              sizeof *sc->parties,
                                              offsetof(parley_party_t, id));
        if (!sc->parties[i].id)
            g->nomem = 1;
    }
}

static void genius_free_aux(genius_t *g)
{
    if (g->lookups) {
        for (size_t k = 0; k < g->sc->n_issues; k++)
            parley_free(g->lookups[k]);
        parley_free(g->lookups);
    }
}

/*
 * The common path of both entry points.  `texts` gives the profile texts;
 * when a text is NULL the profile's file is read (so that only one profile
 * is in memory at a time).  Every profile is read even after an error in
 * another, so one run reports them all.
 */
static parley_status_t import_genius(const genius_src_t *dom,
                                     const genius_src_t *profs, size_t n,
                                     int read_files, parley_scenario_t **out,
                                     parley_diags_t *diags)
{
    genius_t g;
    memset(&g, 0, sizeof g);
    parley__sink_init(&g.sink, diags);
    char dom_base[256];
    parley__base_name(dom->file, dom_base, sizeof dom_base, 1);
    g.domain_file = dom_base;
    g.sc = parley_scenario_new();
    if (!g.sc)
        return PARLEY_ENOMEM;
    parley_scenario_t *sc = g.sc;

    xmlDocPtr doc = parse_document(&g, dom);
    if (!doc)
        goto fail;
    read_domain(&g, dom, doc);
    xmlFreeDoc(doc);
    if (g.nomem || g.sink.errors)
        goto fail;

    sc->parties = parley_calloc(n, sizeof *sc->parties);
    if (!sc->parties) {
        g.nomem = 1;
        goto fail;
    }
    sc->n_parties = n;
    for (size_t i = 0; i < n; i++) {
        parley_party_t *p = &sc->parties[i];
        p->role = PARLEY_ROLE_PARTY;
        p->power = 1;
        p->discount = 1;
        p->weights = parley_calloc(sc->n_issues, sizeof *p->weights);
        p->values = parley_calloc(sc->n_issues, sizeof *p->values);
        if (!p->weights || !p->values) {
            g.nomem = 1;
            goto fail;
        }
    }
    name_parties(&g, profs, n);
    for (size_t i = 0; i < n && !g.nomem; i++) {
        genius_src_t src = profs[i];
        char *text = NULL;
        if (read_files) {
            parley_status_t st =
                parley__read_file(src.file, &text, &src.len, &g.sink);
            if (st == PARLEY_ENOMEM)
                g.nomem = 1;
            if (st != PARLEY_OK)
                continue;
            src.text = text;
        }
        doc = parse_document(&g, &src);
        parley_free(text);
        if (doc) {
            read_profile(&g, &src, doc, &sc->parties[i]);
            xmlFreeDoc(doc);
        }
    }
    if (g.nomem || g.sink.errors)
        goto fail;

    sc->name = parley_strdup(dom_base);
    if (sc->name) {
        char *dot = strrchr(sc->name, '.');
        if (dot && dot != sc->name)
            *dot = '\0';
    }
    sc->source = provenance(dom, profs, n);
    if (!sc->name || !sc->source) {
        g.nomem = 1;
        goto fail;
    }
    genius_free_aux(&g);
    parley_status_t st = parley_scenario_check(sc, dom->file, diags);
    if (st != PARLEY_OK) {
        parley_scenario_free(sc);
        return st;
    }
    *out = sc;
    return PARLEY_OK;

fail:
    genius_free_aux(&g);
    parley_scenario_free(sc);
    if (g.nomem)
        return PARLEY_ENOMEM;
    /* Every failure above reported an error; ESYNTAX only guards that. */
    return g.sink.errors ? g.sink.first : PARLEY_ESYNTAX;
}

static parley_status_t check_args(const void *domain, const void *profiles,
                                  size_t n_profiles, parley_scenario_t **out,
                                  parley_diags_t *diags, const char *file)
{
    if (out)
        *out = NULL;
    if (!domain || !out || (n_profiles && !profiles))
        return PARLEY_EARG;
    if (n_profiles == 0) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EARG, file, 0, 0,
                         "",
                         "a GENIUS import needs at least one preference "
                         "profile besides the domain");
        return PARLEY_EARG;
    }
    if (n_profiles > PARLEY_MAX_PARTIES) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_ELIMIT, file, 0,
                         0, "", "%zu profiles, more than the %d parties allowed",
                         n_profiles, PARLEY_MAX_PARTIES);
        return PARLEY_ELIMIT;
    }
    return PARLEY_OK;
}

parley_status_t parley_import_genius(const char *domain_path,
                                     const char *const *profile_paths,
                                     size_t n_profiles,
                                     parley_scenario_t **out,
                                     parley_diags_t *diags)
{
    parley_status_t st = check_args(domain_path, profile_paths, n_profiles,
                                    out, diags, domain_path);
    if (st != PARLEY_OK)
        return st;
    for (size_t i = 0; i < n_profiles; i++)
        if (!profile_paths[i])
            return PARLEY_EARG;
    parley__sink_t sink;
    parley__sink_init(&sink, diags);
    genius_src_t dom = {NULL, 0, domain_path};
    char *text = NULL;
    st = parley__read_file(domain_path, &text, &dom.len, &sink);
    if (st != PARLEY_OK)
        return st;
    dom.text = text;
    genius_src_t *profs = parley_calloc(n_profiles, sizeof *profs);
    if (!profs) {
        parley_free(text);
        return PARLEY_ENOMEM;
    }
    for (size_t i = 0; i < n_profiles; i++)
        profs[i].file = profile_paths[i];
    st = import_genius(&dom, profs, n_profiles, 1, out, diags);
    parley_free(profs);
    parley_free(text);
    return st;
}

parley_status_t parley_import_genius_strings(const char *domain, size_t dlen,
                                             const char *const *profiles,
                                             const size_t *plens,
                                             size_t n_profiles,
                                             parley_scenario_t **out,
                                             parley_diags_t *diags)
{
    parley_status_t st =
        check_args(domain, profiles, n_profiles, out, diags, "domain");
    if (st != PARLEY_OK)
        return st;
    if (!plens)
        return PARLEY_EARG;
    for (size_t i = 0; i < n_profiles; i++)
        if (!profiles[i])
            return PARLEY_EARG;
    /* Names for diagnostics and party ids: "domain", "profile1", ... */
    genius_src_t dom = {domain, dlen, "domain"};
    genius_src_t *profs = parley_calloc(n_profiles, sizeof *profs);
    char *names = parley_calloc(n_profiles, 32);
    if (!profs || !names) {
        parley_free(profs);
        parley_free(names);
        return PARLEY_ENOMEM;
    }
    for (size_t i = 0; i < n_profiles; i++) {
        snprintf(names + 32 * i, 32, "profile%zu", i + 1);
        profs[i].text = profiles[i];
        profs[i].len = plens[i];
        profs[i].file = names + 32 * i;
    }
    st = import_genius(&dom, profs, n_profiles, 0, out, diags);
    parley_free(profs);
    parley_free(names);
    return st;
}

int parley_import_is_genius(const char *path)
{
    if (!path)
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    fclose(f);
    xmlInitParser();
    parley__sink_t sink;
    parley__sink_init(&sink, NULL);
    xml_capture_t cap = {&sink, path, 0, 0};
    xml_handlers_t saved;
    handlers_push(&saved, &cap);
    int found = 0;
    xmlTextReaderPtr r = xmlReaderForFile(path, NULL, GENIUS_XML_OPTIONS);
    if (r) {
        while (xmlTextReaderRead(r) == 1) {
            if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT)
                continue;
            const char *name = (const char *)xmlTextReaderConstLocalName(r);
            found = name && (strcmp(name, "negotiation_template") == 0 ||
                             strcmp(name, "utility_space") == 0);
            break;
        }
        xmlFreeTextReader(r);
    }
    handlers_pop(&saved);
    return found;
}
