/*
 * bench_ledger.c - measurements behind bench/ledger.sh.
 *
 *   bench_ledger append DB KEYDIR N BATCH   N signed events, BATCH per commit
 *   bench_ledger verify DB THREADS          verify the whole ledger
 *   bench_ledger export DB FILE             write the JSON-lines export
 *   bench_ledger verify-export FILE THREADS verify an export
 *   bench_ledger raw N THREADS              N crypto_sign_verify_detached
 *                                           calls over THREADS threads
 * Each prints one line "name count seconds rate/s" (plus the verdict), so
 * the script can compare verification with raw signature checking in the
 * same run.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "parley/ledger.h"
#include "parley/store.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int die(const char *what, parley_diags_t *d)
{
    fprintf(stderr, "bench_ledger: %s\n", what);
    if (d)
        parley_diags_print(d, stderr);
    return 1;
}

static int append(const char *db, const char *keydir, long n, long batch)
{
    parley_diags_t *d = parley_diags_new();
    parley_store_t *s = NULL;
    parley_key_t *k[2] = {NULL, NULL};
    const char *names[2] = {"alice", "bob"};
    if (parley_store_open(db, &s, d) != PARLEY_OK)
        return die("open", d);
    for (int i = 0; i < 2; i++) {
        if (parley_key_load(keydir, names[i], &k[i], NULL) != PARLEY_OK &&
            parley_key_generate(keydir, names[i], &k[i], d) != PARLEY_OK)
            return die("key", d);
        if (parley_ledger_register(s, k[i], NULL, d) != PARLEY_OK)
            return die("register", d);
    }
    parley_ledger_event_t *ev = calloc((size_t)batch, sizeof *ev);
    char(*pl)[160] = calloc((size_t)batch, sizeof *pl);
    double t0 = now();
    for (long done = 0; done < n;) {
        long m = n - done < batch ? n - done : batch;
        for (long i = 0; i < m; i++) {
            long j = done + i;
            snprintf(pl[i], sizeof pl[i],
                     "{\"commitment\":\"c%ld\",\"period\":%ld,\"status\":%ld,"
                     "\"note\":\"progress report number %ld\"}",
                     j % 97, j / 97, j % 4, j);
            ev[i] = (parley_ledger_event_t){k[j % 2], "report.filed", pl[i]};
        }
        if (parley_ledger_append_batch(s, ev, (size_t)m, NULL, d) != PARLEY_OK)
            return die("append", d);
        done += m;
    }
    double t = now() - t0;
    printf("append %ld %.3f %.0f batch=%ld\n", n, t, n / t, batch);
    free(ev);
    free(pl);
    parley_key_free(k[0]);
    parley_key_free(k[1]);
    parley_store_close(s);
    parley_diags_free(d);
    return 0;
}

static int report(const char *name, double t0, parley_status_t st,
                  const parley_ledger_report_t *r)
{
    double t = now() - t0;
    if (st != PARLEY_OK || r->fault != PARLEY_LEDGER_FAULT_NONE) {
        fprintf(stderr, "bench_ledger: %s: %s\n", name, r->message);
        return 1;
    }
    printf("%s %llu %.3f %.0f\n", name, (unsigned long long)r->entries, t,
           r->entries / t);
    return 0;
}

typedef struct raw_job {
    long n;
    const unsigned char *msg, *sig, *pk;
    size_t len;
    long bad;
} raw_job_t;

static void *raw_worker(void *arg)
{
    raw_job_t *j = arg;
    for (long i = 0; i < j->n; i++)
        j->bad += crypto_sign_verify_detached(j->sig, j->msg, j->len, j->pk) != 0;
    return NULL;
}

static int raw(long n, int threads)
{
    if (sodium_init() < 0 || threads < 1 || threads > 64)
        return 1;
    unsigned char pk[32], sk[64], sig[64], msg[180];
    crypto_sign_keypair(pk, sk);
    randombytes_buf(msg, sizeof msg); /* about the size of a bench entry */
    crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
    raw_job_t jobs[64];
    pthread_t tids[64];
    double t0 = now();
    for (int t = 0; t < threads; t++) {
        jobs[t] = (raw_job_t){n / threads + (t < n % threads), msg, sig, pk,
                              sizeof msg, 0};
        pthread_create(&tids[t], NULL, raw_worker, &jobs[t]);
    }
    long bad = 0;
    for (int t = 0; t < threads; t++) {
        pthread_join(tids[t], NULL);
        bad += jobs[t].bad;
    }
    double t = now() - t0;
    if (bad)
        return die("raw verification failed", NULL);
    printf("raw %ld %.3f %.0f threads=%d\n", n, t, n / t, threads);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 6 && !strcmp(argv[1], "append"))
        return append(argv[2], argv[3], atol(argv[4]), atol(argv[5]));
    if (argc == 4 && !strcmp(argv[1], "verify")) {
        parley_store_t *s = NULL;
        if (parley_store_open(argv[2], &s, NULL) != PARLEY_OK)
            return die("open", NULL);
        parley_ledger_verify_opts_t o = {NULL, (unsigned)atoi(argv[3])};
        parley_ledger_report_t r;
        double t0 = now();
        parley_status_t st = parley_ledger_verify(s, &o, &r);
        int rc = report("verify", t0, st, &r);
        parley_store_close(s);
        return rc;
    }
    if (argc == 4 && !strcmp(argv[1], "export")) {
        parley_store_t *s = NULL;
        FILE *out = fopen(argv[3], "wb");
        if (!out || parley_store_open(argv[2], &s, NULL) != PARLEY_OK)
            return die("open", NULL);
        double t0 = now();
        parley_status_t st = parley_ledger_export(s, out, NULL);
        fclose(out);
        parley_store_close(s);
        printf("export - %.3f -\n", now() - t0);
        return st != PARLEY_OK;
    }
    if (argc == 4 && !strcmp(argv[1], "verify-export")) {
        parley_ledger_verify_opts_t o = {NULL, (unsigned)atoi(argv[3])};
        parley_ledger_report_t r;
        double t0 = now();
        parley_status_t st = parley_ledger_verify_export(argv[2], &o, &r);
        return report("verify-export", t0, st, &r);
    }
    if (argc == 4 && !strcmp(argv[1], "raw"))
        return raw(atol(argv[2]), atoi(argv[3]));
    fprintf(stderr, "usage: see the top of bench/bench_ledger.c\n");
    return 64;
}
