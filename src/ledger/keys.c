/*
 * keys.c - actors' Ed25519 key pairs, generated with libsodium and kept in
 * files only their owner can read.
 *
 * A key file dir/<actor>.key is text, mode 0600, in a directory of mode
 * 0700:
 *   parley-key 1
 *   actor <actor id>
 *   seed <64 hex digits: the 32-byte Ed25519 seed>
 * The key pair is derived from the seed on load.  Files or directories that
 * group or others may access, symlinks, and files of another user are
 * refused rather than silently used: a secret others could have read is no
 * longer a proof of authorship.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledger/ledger_internal.h"
#include "parley/alloc.h"

#define KEY_FILE_MAX 512

parley_status_t parley_key_default_dir(char *buf, size_t size)
{
    return parley__data_dir(buf, size, "keys");
}

static parley_status_t key_path(const char *dir, const char *actor, char *buf,
                                size_t size, parley_diags_t *diags)
{
    if (!actor || !parley__name_valid(actor, strlen(actor))) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EINVALID, "", 0,
                         0, "",
                         "actor id must be 1..64 characters of A-Z a-z 0-9 . _ "
                         "-, got '%s'",
                         actor ? actor : "(null)");
        return PARLEY_EINVALID;
    }
    int n = snprintf(buf, size, "%s/%s.key", dir, actor);
    if (n < 0 || (size_t)n >= size) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_ELIMIT, dir, 0,
                         0, "", "key directory path is too long");
        return PARLEY_ELIMIT;
    }
    return PARLEY_OK;
}

/* The directory must be ours, a directory, and closed to group and others. */
static parley_status_t check_dir(const char *dir, parley_diags_t *diags)
{
    struct stat st;
    if (lstat(dir, &st) != 0) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EIO, dir, 0, 0,
                         "", "cannot access the key directory: %s",
                         strerror(errno));
        return PARLEY_EIO;
    }
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & 077) != 0) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EINVALID, dir, 0,
                         0, "",
                         "key directory must be a directory owned by you with "
                         "mode 0700, found mode %04o%s",
                         (unsigned)(st.st_mode & 07777),
                         S_ISDIR(st.st_mode) ? "" : " (not a directory)");
        return PARLEY_EINVALID;
    }
    return PARLEY_OK;
}

static parley_status_t make_dir(const char *dir, parley_diags_t *diags)
{
    char tmp[4096];
    size_t len = strlen(dir);
    if (len == 0 || len >= sizeof tmp)
        return PARLEY_ELIMIT;
    memcpy(tmp, dir, len + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            break;
        *p = '/';
    }
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EIO, dir, 0, 0,
                         "", "cannot create the key directory: %s",
                         strerror(errno));
        return PARLEY_EIO;
    }
    return check_dir(dir, diags);
}

static parley_key_t *key_from_seed(const char *actor, const unsigned char *seed)
{
    parley_key_t *k = parley_calloc(1, sizeof *k);
    if (!k)
        return NULL;
    snprintf(k->actor, sizeof k->actor, "%s", actor);
    crypto_sign_seed_keypair(k->pk, k->sk, seed);
    return k;
}

parley_status_t parley_key_generate(const char *dir, const char *actor,
                                    parley_key_t **out, parley_diags_t *diags)
{
    if (out)
        *out = NULL;
    if (sodium_init() < 0)
        return PARLEY_EIO;
    char path[4096];
    parley_status_t st = key_path(dir, actor, path, sizeof path, diags);
    if (st == PARLEY_OK)
        st = make_dir(dir, diags);
    if (st != PARLEY_OK)
        return st;
    unsigned char seed[crypto_sign_SEEDBYTES];
    randombytes_buf(seed, sizeof seed);
    char hex[2 * crypto_sign_SEEDBYTES + 1];
    sodium_bin2hex(hex, sizeof hex, seed, sizeof seed);
    char text[KEY_FILE_MAX];
    int n = snprintf(text, sizeof text, "parley-key 1\nactor %s\nseed %s\n",
                     actor, hex);
    sodium_memzero(hex, sizeof hex);

    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600);
    if (fd < 0) {
        int e = errno;
        sodium_memzero(text, sizeof text);
        sodium_memzero(seed, sizeof seed);
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR,
                         e == EEXIST ? PARLEY_EDUPLICATE : PARLEY_EIO, path, 0,
                         0, "", "%s",
                         e == EEXIST ? "a key for this actor already exists; "
                                       "it is never overwritten"
                                     : strerror(e));
        return e == EEXIST ? PARLEY_EDUPLICATE : PARLEY_EIO;
    }
    /* The umask may have taken bits away, never added any; make it exact. */
    int ok = fchmod(fd, 0600) == 0 && write(fd, text, (size_t)n) == n &&
             fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    sodium_memzero(text, sizeof text);
    if (!ok) {
        int e = errno;
        unlink(path);
        sodium_memzero(seed, sizeof seed);
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EIO, path, 0, 0,
                         "", "cannot write the key file: %s", strerror(e));
        return PARLEY_EIO;
    }
    if (out) {
        *out = key_from_seed(actor, seed);
        if (!*out) {
            sodium_memzero(seed, sizeof seed);
            return PARLEY_ENOMEM;
        }
    }
    sodium_memzero(seed, sizeof seed);
    return PARLEY_OK;
}

parley_status_t parley_key_load(const char *dir, const char *actor,
                                parley_key_t **out, parley_diags_t *diags)
{
    *out = NULL;
    if (sodium_init() < 0)
        return PARLEY_EIO;
    char path[4096];
    parley_status_t st = key_path(dir, actor, path, sizeof path, diags);
    if (st == PARLEY_OK)
        st = check_dir(dir, diags);
    if (st != PARLEY_OK)
        return st;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EIO, path, 0, 0,
                         "", "cannot open the key file: %s", strerror(errno));
        return PARLEY_EIO;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        sb.st_uid != geteuid() || (sb.st_mode & 077) != 0) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EINVALID, path,
                         0, 0, "",
                         "key file must be a regular file owned by you with "
                         "mode 0600, found mode %04o; refusing a secret "
                         "others may have read",
                         (unsigned)(sb.st_mode & 07777));
        close(fd);
        return PARLEY_EINVALID;
    }
    char text[KEY_FILE_MAX + 1];
    ssize_t n = read(fd, text, KEY_FILE_MAX);
    close(fd);
    if (n < 0) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EIO, path, 0, 0,
                         "", "cannot read the key file");
        return PARLEY_EIO;
    }
    text[n] = '\0';
    char hex[2 * crypto_sign_SEEDBYTES + 2];
    char name[PARLEY_LEDGER_MAX_NAME + 2];
    char tail;
    unsigned char seed[crypto_sign_SEEDBYTES];
    size_t bin_len = 0;
    int fields = sscanf(text, "parley-key 1\nactor %65s\nseed %65s\n%c", name,
                        hex, &tail);
    st = PARLEY_OK;
    if (fields != 2 || strlen(hex) != 2 * crypto_sign_SEEDBYTES ||
        sodium_hex2bin(seed, sizeof seed, hex, strlen(hex), NULL, &bin_len,
                       NULL) != 0 ||
        bin_len != sizeof seed) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_ESYNTAX, path, 0,
                         0, "",
                         "not a parley key file: expected 'parley-key 1', "
                         "'actor <id>', 'seed <64 hex digits>'");
        st = PARLEY_ESYNTAX;
    } else if (strcmp(name, actor) != 0) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_ESYNTAX, path, 0,
                         0, "", "key file is for actor '%s', not '%s'", name,
                         actor);
        st = PARLEY_ESYNTAX;
    } else if (!(*out = key_from_seed(actor, seed))) {
        st = PARLEY_ENOMEM;
    }
    sodium_memzero(text, sizeof text);
    sodium_memzero(hex, sizeof hex);
    sodium_memzero(seed, sizeof seed);
    return st;
}

void parley_key_free(parley_key_t *key)
{
    if (!key)
        return;
    sodium_memzero(key, sizeof *key);
    parley_free(key);
}

const char *parley_key_actor(const parley_key_t *key)
{
    return key->actor;
}

const unsigned char *parley_key_public(const parley_key_t *key)
{
    return key->pk;
}
