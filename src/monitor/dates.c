/*
 * dates.c - calendar days and reporting periods, and the names of the
 * monitoring enums.
 *
 * Days are kept as text YYYY-MM-DD in the store: that form sorts like the
 * days themselves, so SQLite compares them with plain string comparison.
 * The parser is strict (two-digit month and day, a day that exists) so that
 * every stored date has exactly one spelling.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "monitor/monitor_internal.h"

static const char *const PAM_NAMES[] = {"not_begun", "minimal",
                                        "intermediate", "full",
                                        "disputed",  "breached", "none"};

const char *parley_pam_name(parley_pam_t pam)
{
    if ((unsigned)pam > PARLEY_PAM_NONE)
        return "?";
    return PAM_NAMES[pam];
}

int parley_pam_from_name(const char *s)
{
    if (!s)
        return -1;
    if (s[0] >= '0' && s[0] <= '3' && s[1] == '\0')
        return s[0] - '0';
    for (int i = 0; i < PARLEY_PAM_NONE; i++)
        if (strcmp(s, PAM_NAMES[i]) == 0)
            return i;
    return -1;
}

static const char *const SOURCE_NAMES[] = {"self", "monitor", "verification"};

const char *parley_report_source_name(parley_report_source_t s)
{
    if ((unsigned)s > PARLEY_REPORT_VERIFICATION)
        return "?";
    return SOURCE_NAMES[s];
}

int parley_report_source_from_name(const char *s)
{
    for (int i = 0; s && i <= PARLEY_REPORT_VERIFICATION; i++)
        if (strcmp(s, SOURCE_NAMES[i]) == 0)
            return i;
    return -1;
}

const char *parley_guarantee_state_name(parley_guarantee_state_t s)
{
    static const char *const names[] = {"offered", "provisional", "permanent",
                                        "lapsed", "invoked"};
    if ((unsigned)s > PARLEY_GUARANTEE_INVOKED)
        return "?";
    return names[s];
}

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

int parley__date_parse(const char *s, parley__date_t *out)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    parley__date_t d;
    d.y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
          (s[3] - '0');
    d.m = (s[5] - '0') * 10 + (s[6] - '0');
    d.d = (s[8] - '0') * 10 + (s[9] - '0');
    if (d.y < 1000 || d.m < 1 || d.m > 12 || d.d < 1 ||
        d.d > month_days(d.y, d.m))
        return 0;
    if (out)
        *out = d;
    return 1;
}

int parley_date_valid(const char *s)
{
    return parley__date_parse(s, NULL);
}

void parley__date_format(parley__date_t d, char out[PARLEY_DATE_SIZE])
{
    snprintf(out, PARLEY_DATE_SIZE, "%04u-%02u-%02u", (unsigned)d.y % 10000u,
             (unsigned)d.m % 100u, (unsigned)d.d % 100u);
}

parley__date_t parley__date_add_months(parley__date_t d, long months)
{
    long idx = (long)d.y * 12 + (d.m - 1) + months;
    parley__date_t r;
    r.y = (int)(idx / 12);
    r.m = (int)(idx % 12) + 1;
    int md = month_days(r.y, r.m);
    r.d = d.d > md ? md : d.d;
    return r;
}

void parley__period_end(const char *start, unsigned months, long k,
                        char out[PARLEY_DATE_SIZE])
{
    parley__date_t d;
    if (!parley__date_parse(start, &d)) {
        out[0] = '\0';
        return;
    }
    /* Always from the start, so clamping in one month does not drift. */
    parley__date_t e = parley__date_add_months(d, k * (long)months);
    if (e.y > 9999) {
        /* Past the last writable year: later than every valid date. */
        memcpy(out, "9999-99-99", PARLEY_DATE_SIZE);
        return;
    }
    parley__date_format(e, out);
}

long parley__period_count(const char *start, const char *due, unsigned months)
{
    char end[PARLEY_DATE_SIZE];
    if (months == 0)
        return 0;
    for (long k = 1;; k++) {
        parley__period_end(start, months, k, end);
        if (end[0] == '\0')
            return 0;
        if (strcmp(end, due) >= 0)
            return k;
    }
}

long parley__period_index(const char *start, const char *due, unsigned months,
                          const char *period)
{
    long n = parley__period_count(start, due, months);
    char end[PARLEY_DATE_SIZE];
    for (long k = 1; k <= n; k++) {
        parley__period_end(start, months, k, end);
        int c = strcmp(end, period);
        if (c == 0)
            return k;
        if (c > 0)
            return 0;
    }
    return 0;
}

int parley__bench_met(const char *cmp, double value, double target)
{
    if (!cmp || !isfinite(value))
        return 0;
    if (strcmp(cmp, "<") == 0)
        return value < target;
    if (strcmp(cmp, "<=") == 0)
        return value <= target;
    if (strcmp(cmp, ">") == 0)
        return value > target;
    if (strcmp(cmp, ">=") == 0)
        return value >= target;
    if (strcmp(cmp, "=") == 0)
        return value == target;
    return 0;
}

long parley__date_days(parley__date_t d)
{
    /* Days since a fixed origin, counting years from March so that the
     * leap day falls at the end of the counted year. */
    long y = d.y - (d.m <= 2);
    long m = d.m <= 2 ? d.m + 9 : d.m - 3;
    return 365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + d.d - 1;
}

const char *parley_consequence_kind_name(parley_consequence_kind_t k)
{
    static const char *const names[] = {"notice", "suspension", "review"};
    return (unsigned)k <= PARLEY_CONSEQUENCE_REVIEW ? names[k] : "?";
}

int parley_consequence_kind_from_name(const char *s)
{
    for (int k = 0; s && k <= PARLEY_CONSEQUENCE_REVIEW; k++)
        if (strcmp(s, parley_consequence_kind_name(
                          (parley_consequence_kind_t)k)) == 0)
            return k;
    return -1;
}

const char *parley_consequence_trigger_name(parley_consequence_trigger_t t)
{
    static const char *const names[] = {"breached", "disputed", "overdue"};
    return (unsigned)t <= PARLEY_TRIGGER_OVERDUE ? names[t] : "?";
}

int parley_consequence_trigger_from_name(const char *s)
{
    for (int t = 0; s && t <= PARLEY_TRIGGER_OVERDUE; t++)
        if (strcmp(s, parley_consequence_trigger_name(
                          (parley_consequence_trigger_t)t)) == 0)
            return t;
    return -1;
}
