/*
 * fuzz_ledger.c - libFuzzer target for the ledger export reader.
 *
 * Whatever the bytes, verifying an export must return, free everything,
 * and give a coherent report: a fault has a position inside the input's
 * lines and a message; a clean verdict counts exactly the lines read.
 * Seeds: fuzz/corpus/ledger (a real export with keys and events).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parley/ledger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    FILE *in = fmemopen((void *)data, size, "rb");
    if (!in)
        return 0;
    parley_ledger_verify_opts_t opts = {NULL, 1};
    parley_ledger_report_t r;
    parley_status_t st = parley_ledger_verify_export_stream(in, &opts, &r);
    fclose(in);
    if (st != PARLEY_OK)
        abort(); /* memory never runs out here, and fmemopen cannot fail */
    size_t lines = 0;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    size_t max_pos = lines + (data[size - 1] != '\n') + 1;
    if (r.fault == PARLEY_LEDGER_FAULT_NONE) {
        if (r.entries != lines || data[size - 1] != '\n')
            abort();
    } else {
        if (r.position == 0 || r.position > max_pos || r.message[0] == '\0' ||
            r.entries >= r.position)
            abort();
    }
    return 0;
}
