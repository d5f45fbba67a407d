/*
 * entry.c - the canonical bytes of a ledger entry, which its author signs,
 * and the entry hash, which the next entry links to.
 *
 * Canonical bytes of an entry (format version 1), all integers big-endian:
 *
 *   offset     size  field
 *   0          4     magic "PLDG" (50 4c 44 47): a signature over these bytes
 *                    can never be mistaken for one over other parley data
 *   4          1     format version, 0x01
 *   5          8     seq, u64: 1 for the genesis entry, then +1 per entry
 *   13         8     ts, i64 two's complement: microseconds since
 *                    1970-01-01T00:00:00Z when the entry was appended
 *   21         1     A = author id length, 1..64
 *   22         A     author id, bytes of [A-Za-z0-9._-]
 *   22+A       1     K = kind length, 1..64
 *   23+A       K     kind, bytes of [A-Za-z0-9._-]
 *   23+A+K     4     P = payload length, u32, at most 2^20
 *   27+A+K     P     payload: canonical JSON of the event (a JSON object,
 *                    compact, keys sorted bytewise, UTF-8, reals with 17
 *                    significant digits: jansson's JSON_COMPACT|SORT_KEYS)
 *   27+A+K+P   32    prev: the entry hash of entry seq-1; all zero for the
 *                    genesis entry
 *   total 59+A+K+P bytes
 *
 * signature = Ed25519 (libsodium crypto_sign_detached) by the author over
 *             the canonical bytes, 64 bytes.
 * entry hash = BLAKE2b-256 (crypto_generichash, unkeyed, 32-byte output) of
 *             the canonical bytes followed by the 64 signature bytes, so the
 *             chain commits to who signed as well as to what was said.
 *
 * BLAKE2b rather than SHA-256: it is libsodium's generic hash (no second
 * crypto library), at least as strong, and faster in portable code on
 * 64-bit CPUs.  Lengths precede every variable field, so no two different
 * entries share canonical bytes.
 */
#include <string.h>

#include <jansson.h>

#include "ledger/ledger_internal.h"
#include "parley/alloc.h"
#include "scenario/scenario_internal.h"

int parley__name_valid(const char *s, size_t len)
{
    if (len == 0 || len > PARLEY_LEDGER_MAX_NAME)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    /* "." and ".." would name directories, not key files. */
    return !(s[0] == '.' && (len == 1 || (len == 2 && s[1] == '.')));
}

size_t parley__entry_size(const parley__entry_t *e)
{
    return PARLEY__ENTRY_FIXED + e->author_len + e->kind_len + e->payload_len;
}

static unsigned char *put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--)
        *p++ = (unsigned char)(v >> (8 * i));
    return p;
}

void parley__entry_bytes(const parley__entry_t *e, unsigned char *p)
{
    memcpy(p, "PLDG", 4);
    p += 4;
    *p++ = 1;
    p = put_u64(p, e->seq);
    p = put_u64(p, (uint64_t)e->ts);
    *p++ = (unsigned char)e->author_len;
    memcpy(p, e->author, e->author_len);
    p += e->author_len;
    *p++ = (unsigned char)e->kind_len;
    memcpy(p, e->kind, e->kind_len);
    p += e->kind_len;
    uint32_t n = (uint32_t)e->payload_len;
    *p++ = (unsigned char)(n >> 24);
    *p++ = (unsigned char)(n >> 16);
    *p++ = (unsigned char)(n >> 8);
    *p++ = (unsigned char)n;
    memcpy(p, e->payload, e->payload_len);
    p += e->payload_len;
    memcpy(p, e->prev, PARLEY_LEDGER_HASH_BYTES);
}

void parley__entry_hash(const unsigned char *bytes, size_t n,
                        const unsigned char sig[PARLEY_LEDGER_SIG_BYTES],
                        unsigned char out[PARLEY_LEDGER_HASH_BYTES])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, PARLEY_LEDGER_HASH_BYTES);
    crypto_generichash_update(&st, bytes, n);
    crypto_generichash_update(&st, sig, PARLEY_LEDGER_SIG_BYTES);
    crypto_generichash_final(&st, out, PARLEY_LEDGER_HASH_BYTES);
}

parley_status_t parley__canonical_json(const char *text, size_t len,
                                       char **out, size_t *out_len, char *err,
                                       size_t err_size)
{
    *out = NULL;
    json_error_t je;
    parley__json_use_parley_alloc();
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    /* jansson reports a refused allocation as a syntax error, or drops a
     * member silently: either way it is out of memory, not bad input. */
    if (parley__json_alloc_failed()) {
        json_decref(root);
        snprintf(err, err_size, "out of memory");
        return PARLEY_ENOMEM;
    }
    if (!root) {
        snprintf(err, err_size, "payload is not JSON: %s (line %d, column %d)",
                 je.text, je.line, je.column);
        return PARLEY_ESYNTAX;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        snprintf(err, err_size, "payload must be a JSON object");
        return PARLEY_ESYNTAX;
    }
    const size_t flags = JSON_COMPACT | JSON_SORT_KEYS;
    size_t need = json_dumpb(root, NULL, 0, flags);
    char *buf = need ? parley_malloc(need + 1) : NULL;
    if (!buf || json_dumpb(root, buf, need, flags) != need) {
        json_decref(root);
        parley_free(buf);
        snprintf(err, err_size, "out of memory");
        return PARLEY_ENOMEM;
    }
    json_decref(root);
    buf[need] = '\0';
    *out = buf;
    *out_len = need;
    return PARLEY_OK;
}

int parley__key_payload(const parley_key_t *key, char *buf, size_t size)
{
    char hex[2 * PARLEY_LEDGER_PUBLIC_KEY_BYTES + 1];
    sodium_bin2hex(hex, sizeof hex, key->pk, sizeof key->pk);
    /* Already canonical: two keys in byte order, no whitespace. */
    return snprintf(buf, size, "{\"actor\":\"%s\",\"public_key\":\"%s\"}",
                    key->actor, hex);
}
