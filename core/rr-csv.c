/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RR file reader. Everything outside comes through here, so every field is
 * checked (finite, in range, fully consumed) and every error names its line.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <strings.h>

#include "alloc-util.h"
#include "rr-csv.h"
#include "util.h"

#define MAX_FIELDS 64

typedef enum Column { COL_RR, COL_T, COL_SPEED, COL_HR, _COL_MAX } Column;

static const char *const column_names[_COL_MAX] = {
        [COL_RR] = "rr_ms", [COL_T] = "t_s", [COL_SPEED] = "speed_kmh", [COL_HR] = "hr_bpm"};

_printf_(3, 4) static int fail(RrCsvError *err, unsigned line, const char *fmt, ...)
{
        va_list ap;

        if (err) {
                err->line = line;
                va_start(ap, fmt);
                vsnprintf(err->message, sizeof(err->message), fmt, ap);
                va_end(ap);
        }
        return -EBADMSG;
}

RrRecording *rr_recording_free(RrRecording *r)
{
        if (!r)
                return NULL;
        free(r->rows);
        free(r);
        return NULL;
}

/* Trims spaces in place on [*s, *e). */
static void trim(const char **s, const char **e)
{
        while (*s < *e && isspace((unsigned char)**s))
                (*s)++;
        while (*e > *s && isspace((unsigned char)(*e)[-1]))
                (*e)--;
}

/* Parses a whole field as a finite number. */
static bool parse_number(const char *s, const char *e, double *ret)
{
        char tmp[64], *end;
        size_t n = (size_t)(e - s);
        double v;

        if (n == 0 || n >= sizeof(tmp))
                return false;
        memcpy(tmp, s, n);
        tmp[n] = 0;
        /* strtod accepts "inf", "nan" and hex: only plain decimals are RR values */
        for (size_t i = 0; i < n; i++)
                if (!strchr("0123456789+-.eE", tmp[i]))
                        return false;
        errno = 0;
        v = strtod(tmp, &end);
        if (errno != 0 || end != tmp + n || !isfinite(v))
                return false;
        *ret = v;
        return true;
}

/* Splits [s, e) by sep into at most MAX_FIELDS fields; returns the count or -1. */
static int split(const char *s, const char *e, char sep, const char **fs, const char **fe)
{
        int n = 0;

        for (;;) {
                const char *p = memchr(s, sep, (size_t)(e - s));
                const char *end = p ? p : e;

                if (n == MAX_FIELDS)
                        return -1;
                fs[n] = s;
                fe[n] = end;
                trim(&fs[n], &fe[n]);
                n++;
                if (!p)
                        return n;
                s = p + 1;
        }
}

static int rows_append(RrRecording *r, size_t *cap, const RrRow *row)
{
        if (!GREEDY_REALLOC(r->rows, *cap, r->n_rows + 1))
                return -ENOMEM;
        r->rows[r->n_rows++] = *row;
        return 0;
}

static bool is_header(const char *s, const char *e)
{
        for (; s < e; s++)
                if (isalpha((unsigned char)*s) && *s != 'e' && *s != 'E')
                        return true;
        return false;
}

int rr_csv_parse(const char *buf, size_t len, RrRecording **ret, RrCsvError *ret_err)
{
        _cleanup_(rr_recording_freep) RrRecording *rec = NULL;
        const char *p = buf, *end = buf + len;
        int col[_COL_MAX] = {-1, -1, -1, -1};
        int n_header = 0;
        bool header_seen = false, csv = false;
        char sep = ',';
        size_t cap = 0;
        unsigned line = 0;
        double last_t = -INFINITY, max_plain = 0;
        int r;

        if ((!buf && len > 0) || !ret)
                return -EINVAL;
        if (memchr(buf, 0, len))
                return fail(ret_err, 0, "file contains NUL bytes (binary file?)");

        rec = calloc(1, sizeof(*rec));
        if (!rec)
                return -ENOMEM;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                const char *ls = p, *le = nl ? nl : end;
                const char *fs[MAX_FIELDS], *fe[MAX_FIELDS];
                RrRow row = {.t_s = NAN, .speed_kmh = NAN, .hr_bpm = NAN};
                int nf;

                p = nl ? nl + 1 : end;
                line++;
                trim(&ls, &le);
                if (ls == le || *ls == '#')
                        continue;

                if (!header_seen) {
                        header_seen = true;
                        if (is_header(ls, le)) {
                                /* the separator is the first of , ; tab in the header */
                                const char *q = ls;

                                csv = true;
                                while (q < le && !strchr(",;\t", *q))
                                        q++;
                                if (q < le)
                                        sep = *q;
                                n_header = split(ls, le, sep, fs, fe);
                                if (n_header < 0)
                                        return fail(ret_err, line, "more than %d columns",
                                                    MAX_FIELDS);
                                for (int i = 0; i < n_header; i++)
                                        for (int c = 0; c < _COL_MAX; c++) {
                                                size_t k = (size_t)(fe[i] - fs[i]);

                                                if (k != strlen(column_names[c]) ||
                                                    strncasecmp(fs[i], column_names[c], k) != 0)
                                                        continue;
                                                if (col[c] >= 0)
                                                        return fail(ret_err, line,
                                                                    "duplicate column '%s'",
                                                                    column_names[c]);
                                                col[c] = i;
                                        }
                                if (col[COL_RR] < 0)
                                        return fail(ret_err, line, "header has no 'rr_ms' column");
                                rec->has_t = col[COL_T] >= 0;
                                rec->has_speed = col[COL_SPEED] >= 0;
                                rec->has_hr = col[COL_HR] >= 0;
                                continue;
                        }
                }

                if (csv) {
                        nf = split(ls, le, sep, fs, fe);
                        if (nf != n_header)
                                return fail(ret_err, line, "expected %d fields, got %d", n_header,
                                            nf < 0 ? MAX_FIELDS + 1 : nf);
                } else {
                        /* A plain list (Kubios, Welltory, Elite HRV): one or more values a
                         * line, separated by blanks, commas or semicolons. "812,5" alone
                         * is a decimal comma, not two beats. */
                        const char *c1 = memchr(ls, ',', (size_t)(le - ls));

                        if (c1 && !memchr(c1 + 1, ',', (size_t)(le - c1 - 1)) &&
                            !memchr(ls, ' ', (size_t)(le - ls)) &&
                            !memchr(ls, '\t', (size_t)(le - ls)))
                                return fail(ret_err, line,
                                            "'%.*s' is not a number (a decimal comma? write RR "
                                            "values with a point)",
                                            (int)MIN(le - ls, 32L), ls);
                        for (const char *q = ls; q < le;) {
                                const char *v = q;
                                double x;

                                while (q < le && !strchr(" \t,;", *q))
                                        q++;
                                if (!parse_number(v, q, &x))
                                        return fail(ret_err, line, "'%.*s' is not a number",
                                                    (int)MIN(q - v, 32L), v);
                                if (!(x > 0 && x <= RR_CSV_MAX_RR_MS))
                                        return fail(ret_err, line, "RR %g out of range (0, %g]", x,
                                                    RR_CSV_MAX_RR_MS);
                                row = (RrRow){.rr_ms = x,
                                              .t_s = NAN,
                                              .speed_kmh = NAN,
                                              .hr_bpm = NAN,
                                              .line = line};
                                r = rows_append(rec, &cap, &row);
                                if (r < 0)
                                        return r;
                                max_plain = MAX(max_plain, x);
                                while (q < le && strchr(" \t,;", *q))
                                        q++;
                        }
                        continue;
                }

                for (int c = 0; c < _COL_MAX; c++) {
                        double v;
                        int i = col[c];

                        if (i < 0)
                                continue;
                        if (fs[i] == fe[i]) {
                                /* A file with a time column times every beat:
                                 * a row without one cannot be placed. */
                                if (c == COL_RR || c == COL_T)
                                        return fail(ret_err, line, "empty %s", column_names[c]);
                                continue; /* optional cell left empty */
                        }
                        if (!parse_number(fs[i], fe[i], &v))
                                return fail(ret_err, line, "%s: '%.*s' is not a number",
                                            column_names[c], (int)MIN(fe[i] - fs[i], 32L), fs[i]);
                        switch (c) {
                        case COL_RR:
                                if (!(v > 0 && v <= RR_CSV_MAX_RR_MS))
                                        return fail(ret_err, line, "rr_ms %g out of range (0, %g]",
                                                    v, RR_CSV_MAX_RR_MS);
                                row.rr_ms = v;
                                break;
                        case COL_T:
                                if (v < 0)
                                        return fail(ret_err, line, "t_s %g is negative", v);
                                if (v < last_t)
                                        return fail(ret_err, line,
                                                    "t_s %g goes backwards (previous %g)", v,
                                                    last_t);
                                last_t = v;
                                row.t_s = v;
                                break;
                        case COL_SPEED:
                                if (!(v >= 0 && v <= RR_CSV_MAX_SPEED))
                                        return fail(ret_err, line,
                                                    "speed_kmh %g out of range [0, %g]", v,
                                                    RR_CSV_MAX_SPEED);
                                row.speed_kmh = v;
                                break;
                        case COL_HR:
                                if (!(v >= 0 && v <= RR_CSV_MAX_HR))
                                        return fail(ret_err, line, "hr_bpm %g out of range [0, %g]",
                                                    v, RR_CSV_MAX_HR);
                                row.hr_bpm = v;
                                break;
                        default:
                                break;
                        }
                }
                row.line = line;
                r = rows_append(rec, &cap, &row);
                if (r < 0)
                        return r;
        }

        if (rec->n_rows == 0)
                return fail(ret_err, line, "no RR intervals");
        /* Kubios also writes plain lists in seconds: no RR is 3 ms long. */
        if (!csv && max_plain <= RR_PLAIN_MAX_SECONDS)
                for (size_t i = 0; i < rec->n_rows; i++)
                        rec->rows[i].rr_ms *= 1000.0;

        *ret = TAKE_PTR(rec);
        return 0;
}

int rr_csv_read(FILE *f, RrRecording **ret, RrCsvError *ret_err)
{
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, cap = 0;

        if (!f || !ret)
                return -EINVAL;
        for (;;) {
                size_t k;

                if (n == cap) {
                        size_t ncap = cap ? cap * 2 : 65536;
                        char *b = realloc(buf, ncap);

                        if (!b)
                                return -ENOMEM;
                        buf = b;
                        cap = ncap;
                }
                k = fread(buf + n, 1, cap - n, f);
                n += k;
                if (k == 0)
                        break;
        }
        if (ferror(f))
                return -EIO;
        return rr_csv_parse(buf, n, ret, ret_err);
}
