/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The RR of a FIT activity (rr-fit.h). The FIT layout is the FIT SDK's
 * ("Flexible and Interoperable Data Transfer", protocol 1.0/2.0): a 12- or
 * 14-byte header, records of definition and data messages, a CRC-16.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "alloc-util.h"
#include "export-fit.h"
#include "rr-fit.h"
#include "util.h"

#define FIT_FIELD_TIMESTAMP      253
#define FIT_FIELD_HRV_TIME       0
#define FIT_FIELD_SPEED          6
#define FIT_FIELD_ENHANCED_SPEED 73
#define FIT_LOCAL_TYPES          16

typedef struct FieldDef {
        uint8_t num, size;
} FieldDef;

typedef struct LocalDef {
        bool defined, big_endian;
        uint16_t global;
        uint8_t n_fields;
        FieldDef fields[255];
        size_t size; /* of a data message: its fields and developer fields */
} LocalDef;

typedef struct SpeedPoint {
        double t_s, kmh;
} SpeedPoint;

typedef struct Parser {
        const uint8_t *buf;
        size_t len;
        RrCsvError *err;
        LocalDef local[FIT_LOCAL_TYPES];
        uint32_t last_timestamp;
        bool has_timestamp;
        bool has_first_record;
        uint32_t first_record;

        double *rr;
        size_t n_rr, rr_cap;
        SpeedPoint *speed;
        size_t n_speed, speed_cap;
} Parser;

_printf_(3, 4) static int fail(Parser *p, size_t offset, const char *fmt, ...)
{
        va_list ap;

        if (p->err) {
                /* no lines in a binary file: the byte offset stands in */
                p->err->line = (unsigned)MIN(offset, (size_t)UINT32_MAX);
                va_start(ap, fmt);
                vsnprintf(p->err->message, sizeof(p->err->message), fmt, ap);
                va_end(ap);
        }
        return -EBADMSG;
}

static uint64_t get(const uint8_t *b, size_t n, bool big_endian)
{
        uint64_t v = 0;

        for (size_t i = 0; i < n; i++)
                v |= (uint64_t)b[big_endian ? n - 1 - i : i] << (8 * i);
        return v;
}

bool rr_fit_is_fit(const void *buf, size_t len)
{
        const uint8_t *b = buf;

        return buf && len >= 12 && (b[0] == 12 || b[0] == 14) && memcmp(b + 8, ".FIT", 4) == 0;
}

static int push_rr(Parser *p, double ms)
{
        if (!GREEDY_REALLOC(p->rr, p->rr_cap, p->n_rr + 1))
                return -ENOMEM;
        p->rr[p->n_rr++] = ms;
        return 0;
}

static int push_speed(Parser *p, double t_s, double kmh)
{
        if (!GREEDY_REALLOC(p->speed, p->speed_cap, p->n_speed + 1))
                return -ENOMEM;
        p->speed[p->n_speed++] = (SpeedPoint){t_s, kmh};
        return 0;
}

/* A data message of local type def at b (its size already checked). ts: from a
 * compressed header, or UINT64_MAX. */
static int data_message(Parser *p, const LocalDef *def, const uint8_t *b, uint64_t ts)
{
        double speed = NAN;
        int r;

        for (uint8_t i = 0; i < def->n_fields; b += def->fields[i].size, i++) {
                const FieldDef *f = &def->fields[i];

                if (f->num == FIT_FIELD_TIMESTAMP && f->size == 4) {
                        uint32_t v = (uint32_t)get(b, 4, def->big_endian);

                        if (v != UINT32_MAX) {
                                p->last_timestamp = v;
                                p->has_timestamp = true;
                                ts = v;
                        }
                        continue;
                }
                if (def->global == FIT_MESG_HRV && f->num == FIT_FIELD_HRV_TIME) {
                        /* an array of uint16 in 1/1000 s: the RR in ms */
                        for (size_t k = 0; k + 2 <= f->size; k += 2) {
                                uint16_t v = (uint16_t)get(b + k, 2, def->big_endian);

                                if (v == UINT16_MAX || v == 0)
                                        continue;
                                r = push_rr(p, v);
                                if (r < 0)
                                        return r;
                        }
                        continue;
                }
                if (def->global == FIT_MESG_RECORD && f->num == FIT_FIELD_ENHANCED_SPEED &&
                    f->size == 4) {
                        uint32_t v = (uint32_t)get(b, 4, def->big_endian);

                        if (v != UINT32_MAX)
                                speed = v / 1000.0 * 3.6;
                } else if (def->global == FIT_MESG_RECORD && f->num == FIT_FIELD_SPEED &&
                           f->size == 2 && isnan(speed)) {
                        uint16_t v = (uint16_t)get(b, 2, def->big_endian);

                        if (v != UINT16_MAX)
                                speed = v / 1000.0 * 3.6;
                }
        }
        if (def->global == FIT_MESG_RECORD && ts != UINT64_MAX) {
                if (!p->has_first_record) {
                        p->has_first_record = true;
                        p->first_record = (uint32_t)ts;
                }
                if (isfinite(speed) && speed <= RR_CSV_MAX_SPEED) {
                        r = push_speed(p, (double)(uint32_t)(ts - p->first_record), speed);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* The records of one FIT file: [at, end). */
static int parse_records(Parser *p, size_t at, size_t end)
{
        const uint8_t *b = p->buf;
        int r;

        while (at < end) {
                uint8_t h = b[at++];
                uint64_t ts = UINT64_MAX;
                LocalDef *def;

                if (h & 0x80) {
                        /* compressed timestamp header: 5 bits of offset on the last timestamp */
                        uint32_t off = h & 0x1f;

                        def = &p->local[(h >> 5) & 0x3];
                        if (!p->has_timestamp)
                                return fail(p, at - 1, "compressed timestamp before any timestamp");
                        ts = (p->last_timestamp & ~UINT32_C(0x1f)) + off;
                        if (off < (p->last_timestamp & 0x1f))
                                ts += 0x20;
                        p->last_timestamp = (uint32_t)ts;
                } else if (h & 0x40) {
                        bool dev = h & 0x20;
                        LocalDef d = {.defined = true};
                        uint8_t arch;

                        if (end - at < 5)
                                return fail(p, at, "truncated definition message");
                        arch = b[at + 1];
                        if (arch > 1)
                                return fail(p, at + 1, "unknown architecture %u", arch);
                        d.big_endian = arch == 1;
                        d.global = (uint16_t)get(b + at + 2, 2, d.big_endian);
                        d.n_fields = b[at + 4];
                        at += 5;
                        if ((size_t)(end - at) < (size_t)d.n_fields * 3)
                                return fail(p, at, "truncated field definitions");
                        for (uint8_t i = 0; i < d.n_fields; i++, at += 3) {
                                d.fields[i] = (FieldDef){b[at], b[at + 1]};
                                if (d.fields[i].size == 0)
                                        return fail(p, at + 1, "field of size 0");
                                d.size += d.fields[i].size;
                        }
                        if (dev) {
                                uint8_t n_dev;

                                if (at >= end)
                                        return fail(p, at, "truncated developer fields");
                                n_dev = b[at++];
                                if ((size_t)(end - at) < (size_t)n_dev * 3)
                                        return fail(p, at, "truncated developer fields");
                                for (uint8_t i = 0; i < n_dev; i++, at += 3)
                                        d.size += b[at + 1];
                        }
                        p->local[h & 0x0f] = d;
                        continue;
                } else
                        def = &p->local[h & 0x0f];

                if (!def->defined)
                        return fail(p, at - 1, "data message of undefined local type %u",
                                    h & 0x80 ? (h >> 5) & 0x3 : h & 0x0f);
                if ((size_t)(end - at) < def->size)
                        return fail(p, at, "truncated data message");
                r = data_message(p, def, b + at, ts);
                if (r < 0)
                        return r;
                at += def->size;
        }
        return 0;
}

static int parse(Parser *p)
{
        size_t at = 0;
        int r;

        while (at < p->len) {
                const uint8_t *h = p->buf + at;
                size_t hsize, data_size;

                if (!rr_fit_is_fit(h, p->len - at))
                        return fail(p, at,
                                    at ? "trailing bytes after the FIT file" : "not a FIT file");
                hsize = h[0];
                if (p->len - at < hsize)
                        return fail(p, at, "truncated FIT header");
                data_size = (size_t)get(h + 4, 4, false);
                if (hsize == 14 && get(h + 12, 2, false) != 0 &&
                    get(h + 12, 2, false) != fit_crc16(0, h, 12))
                        return fail(p, at + 12, "FIT header CRC mismatch");
                if (data_size > p->len - at - hsize || p->len - at - hsize - data_size < 2)
                        return fail(p, at, "truncated FIT file (%zu data bytes announced)",
                                    data_size);
                if (get(h + hsize + data_size, 2, false) != fit_crc16(0, h, hsize + data_size))
                        return fail(p, at + hsize + data_size, "FIT file CRC mismatch");
                /* local types do not carry over into a chained file */
                memset(p->local, 0, sizeof(p->local));
                r = parse_records(p, at + hsize, at + hsize + data_size);
                if (r < 0)
                        return r;
                at += hsize + data_size + 2;
        }
        return 0;
}

int rr_fit_parse(const void *buf, size_t len, RrRecording **ret, RrCsvError *ret_err)
{
        _cleanup_(rr_recording_freep) RrRecording *rec = NULL;
        _cleanup_free_ Parser *p = NULL;
        double t = 0;
        size_t s = 0;
        int r;

        if ((!buf && len > 0) || !ret)
                return -EINVAL;
        p = calloc(1, sizeof(Parser));
        if (!p)
                return -ENOMEM;
        *p = (Parser){.buf = buf, .len = len, .err = ret_err};
        r = parse(p);
        if (r >= 0 && p->n_rr == 0)
                r = fail(p, 0,
                         "no hrv messages: the watch recorded no RR intervals (turn on "
                         "HRV / RR logging with a chest strap)");
        if (r >= 0) {
                rec = calloc(1, sizeof(RrRecording));
                if (rec)
                        rec->rows = calloc(p->n_rr, sizeof(RrRow));
                r = rec && rec->rows ? 0 : -ENOMEM;
        }
        for (size_t i = 0; r >= 0 && i < p->n_rr; i++) {
                RrRow *row = &rec->rows[i];

                t += p->rr[i] / 1000.0;
                /* the speed of the last record at or before the end of the beat */
                while (s + 1 < p->n_speed && p->speed[s + 1].t_s <= t)
                        s++;
                *row = (RrRow){.rr_ms = p->rr[i],
                               .t_s = NAN,
                               .speed_kmh = p->n_speed ? p->speed[s].kmh : NAN,
                               .hr_bpm = NAN,
                               .line = (unsigned)MIN(i + 1, (size_t)UINT32_MAX)};
        }
        if (r >= 0) {
                rec->n_rows = p->n_rr;
                rec->has_speed = p->n_speed > 0;
                *ret = TAKE_PTR(rec);
        }
        free(p->rr);
        free(p->speed);
        return r;
}
