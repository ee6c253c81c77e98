/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RR files of other apps: detection, and the timestamped CSV layouts of HRV
 * Logger, FatMaxxer and Polar Sensor Logger. Everything here is outside
 * input: every field is checked, every error names its line.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <strings.h>

#include "alloc-util.h"
#include "rr-file.h"
#include "rr-fit.h"
#include "string-table.h"
#include "util.h"

#define MAX_FIELDS    16
#define MAX_FILE_SIZE (64u << 20)

static const char *const rr_file_format_table[_RR_FILE_FORMAT_MAX] = {
        [RR_FILE_PACED_CSV] = "paced CSV",
        [RR_FILE_PLAIN] = "plain RR list",
        [RR_FILE_HRV_LOGGER] = "HRV Logger",
        [RR_FILE_FATMAXXER] = "FatMaxxer",
        [RR_FILE_POLAR_SENSOR_LOGGER] = "Polar Sensor Logger",
        [RR_FILE_FIT] = "FIT activity (hrv messages)",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(rr_file_format, RrFileFormat);

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

/* The layout of a timestamped CSV: which columns hold the RR and the time since the start. */
typedef struct Layout {
        RrFileFormat format;
        char sep;
        int rr_col;
        int since_col; /* -1: none (times from the sum of RR) */
} Layout;

typedef struct Field {
        const char *s, *e;
} Field;

static void trim(const char **s, const char **e)
{
        while (*s < *e && isspace((unsigned char)**s))
                (*s)++;
        while (*e > *s && isspace((unsigned char)(*e)[-1]))
                (*e)--;
}

/* Splits [s, e) by sep into at most MAX_FIELDS trimmed fields; -1 if more. */
static int split(const char *s, const char *e, char sep, Field f[MAX_FIELDS])
{
        int n = 0;

        for (;;) {
                const char *p = memchr(s, sep, (size_t)(e - s));

                if (n == MAX_FIELDS)
                        return -1;
                f[n].s = s;
                f[n].e = p ? p : e;
                trim(&f[n].s, &f[n].e);
                n++;
                if (!p)
                        return n;
                s = p + 1;
        }
}

static bool field_is(const Field *f, const char *name)
{
        size_t n = (size_t)(f->e - f->s);

        return n == strlen(name) && strncasecmp(f->s, name, n) == 0;
}

static bool field_starts(const Field *f, const char *prefix)
{
        size_t n = strlen(prefix);

        return (size_t)(f->e - f->s) >= n && strncasecmp(f->s, prefix, n) == 0;
}

/* A plain decimal number filling the whole field. */
static bool field_number(const Field *f, double *ret)
{
        char tmp[48], *end;
        size_t n = (size_t)(f->e - f->s);
        double v;

        if (n == 0 || n >= sizeof(tmp))
                return false;
        memcpy(tmp, f->s, n);
        tmp[n] = 0;
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

/* The layout a header line announces; false if it is none of the apps'. */
static bool detect_layout(const char *s, const char *e, Layout *ret)
{
        Field f[MAX_FIELDS];
        int n;

        /* Polar Sensor Logger: "Phone timestamp;RR-interval [ms]" */
        n = split(s, e, ';', f);
        if (n >= 2 && field_is(&f[0], "phone timestamp"))
                for (int i = 1; i < n; i++)
                        if (field_starts(&f[i], "rr-interval")) {
                                *ret = (Layout){RR_FILE_POLAR_SENSOR_LOGGER, ';', i, -1};
                                return true;
                        }

        n = split(s, e, ',', f);
        /* HRV Logger: "date,rr,since start" */
        if (n >= 3 && field_is(&f[0], "date")) {
                int rr = -1, since = -1;

                for (int i = 1; i < n; i++) {
                        if (field_is(&f[i], "rr"))
                                rr = i;
                        if (field_is(&f[i], "since start") || field_is(&f[i], "since_start"))
                                since = i;
                }
                if (rr >= 0) {
                        *ret = (Layout){RR_FILE_HRV_LOGGER, ',', rr, since};
                        return true;
                }
        }
        /* FatMaxxer: "timestamp, rr, since_start"; its first versions wrote
         * "timestamp,rr" over the same three columns. */
        if (n >= 2 && field_is(&f[0], "timestamp") && field_is(&f[1], "rr") &&
            (n == 2 || field_is(&f[2], "since_start") || field_is(&f[2], "since start"))) {
                *ret = (Layout){RR_FILE_FATMAXXER, ',', 1, 2};
                return true;
        }
        return false;
}

static int rows_append(RrRecording *r, size_t *cap, const RrRow *row)
{
        if (!GREEDY_REALLOC(r->rows, *cap, r->n_rows + 1))
                return -ENOMEM;
        r->rows[r->n_rows++] = *row;
        return 0;
}

/* The rows after the header line (header_line is its 1-based number). */
static int parse_layout(const char *p, const char *end, unsigned header_line, const Layout *l,
                        RrRecording **ret, RrCsvError *err)
{
        _cleanup_(rr_recording_freep) RrRecording *rec = calloc(1, sizeof(RrRecording));
        unsigned line = header_line;
        double last_since = -INFINITY;
        double last_end = 0;
        bool since_seen = false, since_missing = false;
        size_t cap = 0;
        int r;

        if (!rec)
                return -ENOMEM;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                const char *ls = p, *le = nl ? nl : end;
                Field f[MAX_FIELDS];
                RrRow row = {.t_s = NAN, .speed_kmh = NAN, .hr_bpm = NAN};
                double rr, since;
                int n;

                p = nl ? nl + 1 : end;
                line++;
                trim(&ls, &le);
                if (ls == le)
                        continue; /* FatMaxxer writes a blank line after its header */
                n = split(ls, le, l->sep, f);
                if (n < 0)
                        return fail(err, line, "more than %d fields", MAX_FIELDS);
                if (n <= l->rr_col)
                        return fail(err, line, "expected at least %d fields, got %d", l->rr_col + 1,
                                    n);
                if (!field_number(&f[l->rr_col], &rr))
                        return fail(err, line, "RR '%.*s' is not a number",
                                    (int)MIN(f[l->rr_col].e - f[l->rr_col].s, 32L), f[l->rr_col].s);
                if (!(rr > 0 && rr <= RR_CSV_MAX_RR_MS))
                        return fail(err, line, "RR %g out of range (0, %g]", rr, RR_CSV_MAX_RR_MS);
                row.rr_ms = rr;
                if (l->since_col >= 0 && n > l->since_col &&
                    f[l->since_col].s < f[l->since_col].e) {
                        if (!field_number(&f[l->since_col], &since) || since < 0)
                                return fail(err, line,
                                            "time since start '%.*s' is not a "
                                            "number of ms",
                                            (int)MIN(f[l->since_col].e - f[l->since_col].s, 32L),
                                            f[l->since_col].s);
                        if (since < last_since)
                                return fail(err, line,
                                            "time since start %g ms goes backwards (previous %g)",
                                            since, last_since);
                        last_since = since;
                        since_seen = true;
                        /* it counts to the start of the beat; rows carry its end */
                        row.t_s = (since + rr) / 1000.0;
                        /* A beat cannot end before the one before it did. */
                        if (row.t_s < last_end)
                                return fail(err, line,
                                            "beat ends at %g s, before the previous one (%g s)",
                                            row.t_s, last_end);
                        last_end = row.t_s;
                } else
                        since_missing = true;
                if (since_seen && since_missing)
                        return fail(err, line, "time since start missing on some rows");
                row.line = line;
                r = rows_append(rec, &cap, &row);
                if (r < 0)
                        return r;
        }
        if (rec->n_rows == 0)
                return fail(err, line, "no RR intervals");
        rec->has_t = since_seen;
        *ret = TAKE_PTR(rec);
        return 0;
}

/* Whether [s, e) contains word, ignoring case. */
static bool contains(const char *s, const char *e, const char *word)
{
        size_t n = strlen(word);

        for (; (size_t)(e - s) >= n; s++)
                if (strncasecmp(s, word, n) == 0)
                        return true;
        return false;
}

static bool has_letters(const char *s, const char *e)
{
        for (; s < e; s++)
                if (isalpha((unsigned char)*s) && *s != 'e' && *s != 'E')
                        return true;
        return false;
}

int rr_file_parse(const void *data, size_t len, RrRecording **ret, RrFileFormat *ret_format,
                  RrCsvError *ret_err)
{
        const char *buf = data, *p, *end;
        unsigned line = 0;
        bool header = false;
        Layout l;
        int r;

        if ((!data && len > 0) || !ret)
                return -EINVAL;
        if (ret_err)
                *ret_err = (RrCsvError){};
        if (rr_fit_is_fit(data, len)) {
                r = rr_fit_parse(data, len, ret, ret_err);
                if (r >= 0 && ret_format)
                        *ret_format = RR_FILE_FIT;
                return r;
        }
        /* a UTF-8 byte-order mark (Windows editors, some exports) */
        if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
                buf += 3;
                len -= 3;
        }
        if (memchr(buf, 0, len))
                return fail(ret_err, 0, "file contains NUL bytes and is no FIT file");
        end = buf + len;

        /* The first line that is neither blank nor a comment decides. */
        for (p = buf; p < end;) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                const char *ls = p, *le = nl ? nl : end;

                line++;
                trim(&ls, &le);
                if (ls < le && *ls != '#') {
                        if (detect_layout(ls, le, &l)) {
                                r = parse_layout(nl ? nl + 1 : end, end, line, &l, ret, ret_err);
                                if (r >= 0 && ret_format)
                                        *ret_format = l.format;
                                return r;
                        }
                        header = has_letters(ls, le);
                        if (header && !contains(ls, le, "rr_ms"))
                                return fail(ret_err, line,
                                            "unknown RR file format, first line '%.*s' "
                                            "(pacectl analyze --help lists the formats)",
                                            (int)MIN(le - ls, 40L), ls);
                        break;
                }
                p = nl ? nl + 1 : end;
        }
        r = rr_csv_parse(buf, len, ret, ret_err);
        if (r >= 0 && ret_format)
                *ret_format = header ? RR_FILE_PACED_CSV : RR_FILE_PLAIN;
        return r;
}

int rr_file_read(FILE *f, RrRecording **ret, RrFileFormat *ret_format, RrCsvError *ret_err)
{
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, cap = 0;

        if (!f || !ret)
                return -EINVAL;
        for (;;) {
                size_t k;

                if (n == cap) {
                        size_t ncap = cap ? cap * 2 : 65536;
                        char *b;

                        if (ncap > MAX_FILE_SIZE)
                                return -EFBIG;
                        b = realloc(buf, ncap);
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
        return rr_file_parse(buf, n, ret, ret_format, ret_err);
}
