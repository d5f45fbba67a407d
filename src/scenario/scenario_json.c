/*
 * scenario_json.c - JSON paths, the path locator, number formatting, and
 * the small JSON text writer every JSON output of the library shares.
 *
 * jansson keeps no source positions per value, yet every diagnostic must say
 * where in the file the fault is.  Instead of carrying positions through the
 * whole reader, a diagnostic names a JSON path and the locator re-scans the
 * (already validated) text to find where that path's value starts.  Errors
 * are rare and files small, so a linear scan per diagnostic is cheap, and the
 * checks stay independent of where the scenario came from.
 *
 * The number formatter gives the shortest decimal that reads back to the
 * same double, which makes written files stable, readable and exact.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "parley/alloc.h"
#include "scenario/scenario_internal.h"

/* ---- paths ------------------------------------------------------------ */

void parley__path_init(parley__path_t *p)
{
    p->buf[0] = '$';
    p->buf[1] = '\0';
    p->len = 1;
    p->overflow = 0;
}

static int is_ident(const char *s)
{
    if (!(isalpha((unsigned char)*s) || *s == '_'))
        return 0;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return 0;
    return 1;
}

/* Appends or, when it does not fit, leaves the path as it was. */
static void path_append(parley__path_t *p, const char *seg, size_t n,
                        size_t before)
{
    if (p->overflow || before + n + 1 > sizeof p->buf) {
        p->overflow++;
        return;
    }
    memcpy(p->buf + before, seg, n);
    p->len = before + n;
    p->buf[p->len] = '\0';
}

size_t parley__path_key(parley__path_t *p, const char *key)
{
    size_t before = p->len;
    char seg[PARLEY__PATH_MAX];
    size_t n = 0;
    if (is_ident(key)) {
        size_t kl = strlen(key);
        if (kl + 2 > sizeof seg) {
            p->overflow++;
            return before;
        }
        seg[n++] = '.';
        memcpy(seg + n, key, kl);
        n += kl;
    } else {
        seg[n++] = '[';
        seg[n++] = '\'';
        for (const unsigned char *s = (const unsigned char *)key; *s; s++) {
            if (n + 8 > sizeof seg) {
                p->overflow++;
                return before;
            }
            if (*s == '\\' || *s == '\'') {
                seg[n++] = '\\';
                seg[n++] = (char)*s;
            } else if (*s < 0x20) {
                n += (size_t)snprintf(seg + n, 7, "\\u%04x", *s);
            } else {
                seg[n++] = (char)*s;
            }
        }
        seg[n++] = '\'';
        seg[n++] = ']';
    }
    path_append(p, seg, n, before);
    return before;
}

size_t parley__path_index(parley__path_t *p, size_t index)
{
    size_t before = p->len;
    char seg[32];
    int n = snprintf(seg, sizeof seg, "[%zu]", index);
    path_append(p, seg, (size_t)n, before);
    return before;
}

void parley__path_pop(parley__path_t *p, size_t len)
{
    /* Pushes and pops nest, so a pop while overflowed undoes a push that
     * never happened. */
    if (p->overflow) {
        p->overflow--;
        return;
    }
    if (len < p->len) {
        p->len = len;
        p->buf[len] = '\0';
    }
}

int parley__path_under(const char *path, const char *base)
{
    size_t n = strlen(base);
    if (strncmp(path, base, n) != 0)
        return 0;
    return path[n] == '\0' || path[n] == '.' || path[n] == '[';
}

/* ---- the locator ------------------------------------------------------ */

typedef struct scan {
    const char *s;
    size_t len, pos;
} scan_t;

static void skip_ws(scan_t *sc)
{
    while (sc->pos < sc->len &&
           (sc->s[sc->pos] == ' ' || sc->s[sc->pos] == '\t' ||
            sc->s[sc->pos] == '\n' || sc->s[sc->pos] == '\r'))
        sc->pos++;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int read_hex4(const char *s, size_t len, size_t pos, unsigned *out)
{
    if (pos + 4 > len)
        return 0;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval((unsigned char)s[pos + (size_t)i]);
        if (h < 0)
            return 0;
        v = v * 16 + (unsigned)h;
    }
    *out = v;
    return 1;
}

static size_t put_utf8(char *out, unsigned cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/*
 * Decodes the JSON string at sc->pos (which holds the opening quote) into
 * out[cap]; returns its decoded length, or (size_t)-1 when it is longer than
 * cap or malformed.  Always moves sc->pos past the closing quote.
 */
static size_t scan_string(scan_t *sc, char *out, size_t cap)
{
    size_t n = 0;
    int fits = 1;
    sc->pos++; /* opening quote */
    while (sc->pos < sc->len && sc->s[sc->pos] != '"') {
        char tmp[8];
        size_t k = 0;
        char c = sc->s[sc->pos];
        if (c == '\\' && sc->pos + 1 < sc->len) {
            char e = sc->s[sc->pos + 1];
            sc->pos += 2;
            unsigned cp;
            switch (e) {
            case 'b': tmp[k++] = '\b'; break;
            case 'f': tmp[k++] = '\f'; break;
            case 'n': tmp[k++] = '\n'; break;
            case 'r': tmp[k++] = '\r'; break;
            case 't': tmp[k++] = '\t'; break;
            case 'u':
                if (!read_hex4(sc->s, sc->len, sc->pos, &cp)) {
                    fits = 0;
                    break;
                }
                sc->pos += 4;
                if (cp >= 0xD800 && cp < 0xDC00 && sc->pos + 6 <= sc->len &&
                    sc->s[sc->pos] == '\\' && sc->s[sc->pos + 1] == 'u') {
                    unsigned lo;
                    if (read_hex4(sc->s, sc->len, sc->pos + 2, &lo) &&
                        lo >= 0xDC00 && lo < 0xE000) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        sc->pos += 6;
                    }
                }
                k = put_utf8(tmp, cp);
                break;
            default: tmp[k++] = e; break; /* \" \\ \/ */
            }
        } else {
            tmp[k++] = c;
            sc->pos++;
        }
        if (n + k > cap)
            fits = 0;
        else {
            memcpy(out + n, tmp, k);
            n += k;
        }
    }
    if (sc->pos < sc->len)
        sc->pos++; /* closing quote */
    return fits ? n : (size_t)-1;
}

static int is_delim(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' ||
           c == ':' || c == '[' || c == ']' || c == '{' || c == '}' ||
           c == '"';
}

/* Skips one value; brackets are matched by counting since the text is
 * valid JSON, and strings are skipped whole so brackets inside them do not
 * count. */
static void skip_value(scan_t *sc)
{
    size_t depth = 0;
    do {
        skip_ws(sc);
        if (sc->pos >= sc->len)
            return;
        char c = sc->s[sc->pos];
        if (c == '"') {
            sc->pos++;
            while (sc->pos < sc->len && sc->s[sc->pos] != '"') {
                if (sc->s[sc->pos] == '\\')
                    sc->pos++;
                sc->pos++;
            }
            sc->pos++;
        } else if (c == '{' || c == '[') {
            depth++;
            sc->pos++;
        } else if (c == '}' || c == ']') {
            if (depth)
                depth--;
            sc->pos++;
        } else if (c == ',' || c == ':') {
            sc->pos++;
        } else {
            /* a number or literal; any other byte (jansson lets a NUL
             * through after a number) is passed over one at a time */
            size_t start = sc->pos;
            while (sc->pos < sc->len && !is_delim(sc->s[sc->pos]))
                sc->pos++;
            if (sc->pos == start)
                sc->pos++;
        }
    } while (depth > 0 && sc->pos < sc->len);
}

/* One parsed path segment: a key (decoded) or an index. */
typedef struct seg {
    int is_index;
    size_t index;
    char key[PARLEY__PATH_MAX];
    size_t key_len;
} seg_t;

/* Reads the segment at path[*i]; 0 at the end of the path or on junk. */
static int next_seg(const char *path, size_t *i, seg_t *seg)
{
    const char *p = path + *i;
    if (*p == '.') {
        size_t n = 0;
        p++;
        while (*p && *p != '.' && *p != '[' && n < sizeof seg->key)
            seg->key[n++] = *p++;
        if (n == 0 || n == sizeof seg->key)
            return 0;
        seg->is_index = 0;
        seg->key_len = n;
    } else if (p[0] == '[' && p[1] == '\'') {
        size_t n = 0;
        p += 2;
        while (*p && *p != '\'') {
            char tmp[4];
            size_t k = 1;
            if (*p == '\\' && p[1] == 'u') {
                unsigned cp;
                if (!read_hex4(p, strlen(p), 2, &cp))
                    return 0;
                k = put_utf8(tmp, cp);
                p += 6;
            } else if (*p == '\\' && p[1]) {
                tmp[0] = p[1];
                p += 2;
            } else {
                tmp[0] = *p++;
            }
            if (n + k > sizeof seg->key)
                return 0;
            memcpy(seg->key + n, tmp, k);
            n += k;
        }
        if (p[0] != '\'' || p[1] != ']')
            return 0;
        p += 2;
        seg->is_index = 0;
        seg->key_len = n;
    } else if (p[0] == '[' && isdigit((unsigned char)p[1])) {
        size_t v = 0;
        p++;
        while (isdigit((unsigned char)*p)) {
            if (v > SIZE_MAX / 10 - 10)
                return 0;
            v = v * 10 + (size_t)(*p++ - '0');
        }
        if (*p != ']')
            return 0;
        p++;
        seg->is_index = 1;
        seg->index = v;
    } else {
        return 0;
    }
    *i = (size_t)(p - path);
    return 1;
}

int parley__json_locate(const char *text, size_t len, const char *path,
                        int at_key, size_t *offset)
{
    scan_t sc = {text, len, 0};
    seg_t seg;
    char key[PARLEY__PATH_MAX];
    size_t i = 0;

    skip_ws(&sc);
    *offset = sc.pos < len ? sc.pos : 0;
    if (!path || path[0] != '$')
        return 0;
    i = 1;
    while (path[i]) {
        if (!next_seg(path, &i, &seg))
            return 0;
        size_t value_start = sc.pos;
        if (value_start >= len)
            return 0;
        char open = text[value_start];
        if (seg.is_index ? open != '[' : open != '{')
            return 0;
        sc.pos++;
        size_t k = 0;
        int found = 0;
        for (;;) {
            skip_ws(&sc);
            if (sc.pos >= len || text[sc.pos] == ']' || text[sc.pos] == '}')
                break;
            if (text[sc.pos] == ',') {
                sc.pos++;
                continue;
            }
            if (seg.is_index) {
                if (k == seg.index) {
                    found = 1;
                    break;
                }
                skip_value(&sc);
                k++;
            } else {
                if (text[sc.pos] != '"')
                    return 0;
                size_t key_pos = sc.pos;
                size_t kl = scan_string(&sc, key, sizeof key);
                skip_ws(&sc);
                if (sc.pos < len && text[sc.pos] == ':')
                    sc.pos++;
                skip_ws(&sc);
                if (kl == seg.key_len && memcmp(key, seg.key, kl) == 0) {
                    found = 1;
                    if (at_key && path[i] == '\0') {
                        *offset = key_pos;
                        return 1;
                    }
                    break;
                }
                skip_value(&sc);
            }
        }
        if (!found)
            return 0;
        *offset = sc.pos;
    }
    return 1;
}

void parley__text_linecol(const char *text, size_t len, size_t offset,
                          unsigned *line, unsigned *column)
{
    unsigned l = 1, c = 1;
    if (offset > len)
        offset = len;
    for (size_t i = 0; i < offset; i++) {
        unsigned char b = (unsigned char)text[i];
        if (b == '\n') {
            l++;
            c = 1;
        } else if ((b & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *column = c;
}

/* ---- numbers ---------------------------------------------------------- */

/* The p-digit decimal nearest to x (x > 0): its digits as an integer and
 * the decimal exponent of its first digit. */
static void nearest_digits(double x, int p, uint64_t *m, int *exp10)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.*e", p - 1, x);
    char *e = strchr(buf, 'e');
    *exp10 = atoi(e + 1);
    *m = 0;
    for (char *q = buf; q < e; q++)
        if (isdigit((unsigned char)*q))
            *m = *m * 10 + (uint64_t)(*q - '0');
}

/* Whether the p-digit decimal m * 10^(exp10 - p + 1) reads back as x. */
static int reads_back(double x, uint64_t m, int p, int exp10)
{
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%llue%d", (unsigned long long)m,
             exp10 - (p - 1));
    return strtod(tmp, NULL) == x;
}

/*
 * Decimal digits and exponent of the shortest decimal that reads back as x
 * (x > 0, finite).  The nearest p-digit decimal reads back for every p from
 * some p0 on (a longer nearest decimal is never farther), so p0 is found by
 * bisection over 1..17.  A shorter decimal can still read back when the
 * interval of decimals that read back as x is lopsided (next to a power of
 * two): then it is a neighbour of the nearest (p0-1)-digit decimal, and the
 * only one (two neighbours would enclose the nearest), and any shorter one
 * is that neighbour with trailing zeros; so one look at p0-1 suffices.
 * About seven printf/strtod round trips per number.
 */
static void shortest_digits(double x, char digits[24], int *ndigits,
                            int *exp10)
{
    int lo = 1, hi = 17; /* 17 digits always read back */
    uint64_t m;
    int e;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        nearest_digits(x, mid, &m, &e);
        if (reads_back(x, m, mid, e))
            hi = mid;
        else
            lo = mid + 1;
    }
    int p = lo;
    nearest_digits(x, p, &m, &e);
    if (p > 1) {
        uint64_t m2;
        int e2, q = p - 1;
        nearest_digits(x, q, &m2, &e2);
        uint64_t low = 1;
        for (int k = 1; k < q; k++)
            low *= 10;
        /* a neighbour that carries into another digit count would be a
         * decimal of a different length, already covered by the search */
        if (m2 - 1 >= low && reads_back(x, m2 - 1, q, e2)) {
            m = m2 - 1;
            e = e2;
            p = q;
        } else if (m2 + 1 < low * 10 && reads_back(x, m2 + 1, q, e2)) {
            m = m2 + 1;
            e = e2;
            p = q;
        }
    }
    snprintf(digits, 24, "%llu", (unsigned long long)m);
    int n = p;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    *ndigits = n;
    *exp10 = e;
}

int parley__format_double(double x, char *buf, size_t size)
{
    char out[48];
    size_t n = 0;
    if (!isfinite(x))
        return -1;
    if (signbit(x))
        out[n++] = '-';
    x = fabs(x);
    if (x == 0) {
        out[n++] = '0';
    } else {
        char d[24];
        int nd, e;
        shortest_digits(x, d, &nd, &e);
        if (e >= -6 && e < 21) {
            if (e < 0) {
                out[n++] = '0';
                out[n++] = '.';
                for (int k = -1; k > e; k--)
                    out[n++] = '0';
                memcpy(out + n, d, (size_t)nd);
                n += (size_t)nd;
            } else if (e >= nd - 1) {
                memcpy(out + n, d, (size_t)nd);
                n += (size_t)nd;
                for (int k = nd - 1; k < e; k++)
                    out[n++] = '0';
            } else {
                memcpy(out + n, d, (size_t)e + 1);
                n += (size_t)e + 1;
                out[n++] = '.';
                memcpy(out + n, d + e + 1, (size_t)(nd - e - 1));
                n += (size_t)(nd - e - 1);
            }
        } else {
            out[n++] = d[0];
            if (nd > 1) {
                out[n++] = '.';
                memcpy(out + n, d + 1, (size_t)nd - 1);
                n += (size_t)nd - 1;
            }
            n += (size_t)snprintf(out + n, sizeof out - n, "e%s%d",
                                  e < 0 ? "-" : "+", e < 0 ? -e : e);
        }
    }
    out[n] = '\0';
    if (n + 1 > size)
        return -1;
    memcpy(buf, out, n + 1);
    return (int)n;
}

parley__num_t parley__num(double x)
{
    parley__num_t r;
    if (parley__format_double(x, r.s, sizeof r.s) < 0)
        snprintf(r.s, sizeof r.s, "%s",
                 isnan(x) ? "NaN" : (x > 0 ? "Infinity" : "-Infinity"));
    return r;
}

/* ---- writing JSON text ------------------------------------------------ */

void parley__strbuf_put(parley__strbuf_t *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->limit && b->len + n > b->limit) {
        b->oom = 1;
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *ns = parley_realloc(b->s, cap);
        if (!ns) {
            b->oom = 1;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    if (n)
        memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void parley__strbuf_puts(parley__strbuf_t *b, const char *s)
{
    parley__strbuf_put(b, s, strlen(s));
}

void parley__strbuf_free(parley__strbuf_t *b)
{
    parley_free(b->s);
    memset(b, 0, sizeof *b);
}

/* The letter of a two-character escape ("\\n" -> 'n'), or 0. */
static char short_escape(unsigned char c)
{
    switch (c) {
    case '\b': return 'b';
    case '\f': return 'f';
    case '\n': return 'n';
    case '\r': return 'r';
    case '\t': return 't';
    default: return 0;
    }
}

void parley__json_put_string(parley__strbuf_t *b, const char *s,
                             const char *short_ctl)
{
    static const char hex[] = "0123456789abcdef";
    parley__strbuf_put(b, "\"", 1);
    const char *run = s;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        parley__strbuf_put(b, run, (size_t)(p - run));
        char esc[6] = {'\\', (char)c};
        char letter = short_escape(c);
        if (c == '"' || c == '\\') {
            parley__strbuf_put(b, esc, 2);
        } else if (letter && strchr(short_ctl, c)) {
            esc[1] = letter;
            parley__strbuf_put(b, esc, 2);
        } else {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            parley__strbuf_put(b, esc, 6);
        }
        run = p + 1;
    }
    parley__strbuf_puts(b, run);
    parley__strbuf_put(b, "\"", 1);
}

int parley__json_put_number(parley__strbuf_t *b, double x)
{
    char tmp[40];
    int n = parley__format_double(x, tmp, sizeof tmp);
    if (n < 0)
        return -1;
    parley__strbuf_put(b, tmp, (size_t)n);
    return 0;
}

/* ---- strings ---------------------------------------------------------- */

int parley__utf8_valid(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    while (*s) {
        unsigned char c = *s;
        size_t n;
        unsigned cp;
        if (c < 0x80) {
            s++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        for (size_t k = 1; k <= n; k++) {
            if ((s[k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        s += n + 1;
    }
    return 1;
}

/* ---- id lookup -------------------------------------------------------- */

static int cmp_ref(const void *a, const void *b)
{
    const parley__id_ref_t *x = a, *y = b;
    if (!x->id || !y->id) {
        if (x->id != y->id)
            return x->id ? 1 : -1;
    } else {
        int c = strcmp(x->id, y->id);
        if (c)
            return c;
    }
    return x->index < y->index ? -1 : x->index > y->index;
}

parley__id_ref_t *parley__id_sort(char *const *first, size_t n,
                                  size_t stride)
{
    parley__id_ref_t *refs = parley_calloc(n ? n : 1, sizeof *refs);
    if (!refs)
        return NULL;
    for (size_t k = 0; k < n; k++) {
        refs[k].id = first ? *(char *const *)(const void *)((const char *)first +
                                                             k * stride)
                           : NULL;
        refs[k].index = k;
    }
    if (n > 1)
        qsort(refs, n, sizeof *refs, cmp_ref);
    return refs;
}

long parley__id_find(const parley__id_ref_t *refs, size_t n, const char *id)
{
    size_t lo = 0, hi = n;
    if (!id)
        return -1;
    /* First entry whose id is >= `id` (NULL ids sort first). */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (!refs[mid].id || strcmp(refs[mid].id, id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < n && refs[lo].id && strcmp(refs[lo].id, id) == 0)
        return (long)refs[lo].index;
    return -1;
}

/* ---- jansson ---------------------------------------------------------- */

static pthread_once_t json_alloc_once = PTHREAD_ONCE_INIT;

/* jansson reports a failed allocation during parsing as a syntax error (or
 * as nothing), so the failure is noted here, per thread. */
static _Thread_local int json_alloc_failed;

static void *json_malloc_hook(size_t size)
{
    void *p = parley_malloc(size);
    if (!p)
        json_alloc_failed = 1;
    return p;
}

static void json_alloc_init(void)
{
    json_set_alloc_funcs(json_malloc_hook, parley_free);
}

void parley__json_use_parley_alloc(void)
{
    pthread_once(&json_alloc_once, json_alloc_init);
    json_alloc_failed = 0;
}

int parley__json_alloc_failed(void)
{
    return json_alloc_failed;
}
