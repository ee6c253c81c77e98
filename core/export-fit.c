/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * FIT writer. Field numbers, base types and scales are those of the FIT SDK
 * profile (Profile.xlsx); the file layout follows the FIT protocol document:
 * a 14-byte header (size, protocol version, profile version, data size,
 * ".FIT", header CRC), records, and a CRC over everything before it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-util.h"
#include "export-fit.h"
#include "session-summary.h"
#include "utf8.h"
#include "util.h"

#define FIT_PROTOCOL_VERSION 0x20 /* 2.0 */
#define FIT_PROFILE_VERSION  2132 /* 21.32: every message used here predates it */

/* Base types (FIT protocol, "Base Types"). */
#define FIT_ENUM    0x00
#define FIT_UINT8   0x02
#define FIT_SINT16  0x83
#define FIT_UINT16  0x84
#define FIT_UINT32  0x86
#define FIT_STRING  0x07
#define FIT_UINT32Z 0x8C

#define FIT_INVALID_U8  0xFF
#define FIT_INVALID_U16 0xFFFF
#define FIT_INVALID_U32 0xFFFFFFFF
#define FIT_INVALID_S16 0x7FFF

/* Profile enum values used below. */
#define FIT_FILE_ACTIVITY             4
#define FIT_FILE_WORKOUT              5
#define FIT_MANUFACTURER_DEV          255
#define FIT_PRODUCT_PACED             1
#define FIT_EVENT_TIMER               0
#define FIT_EVENT_SESSION             8
#define FIT_EVENT_LAP                 9
#define FIT_EVENT_ACTIVITY            26
#define FIT_EVENT_TYPE_START          0
#define FIT_EVENT_TYPE_STOP           1
#define FIT_EVENT_TYPE_STOP_ALL       4
#define FIT_SOURCE_BLE                3
#define FIT_SOURCE_LOCAL              5
#define FIT_BLE_DEVICE_HEART_RATE     1
#define FIT_LAP_TRIGGER_MANUAL        0
#define FIT_LAP_TRIGGER_TIME          1
#define FIT_LAP_TRIGGER_DISTANCE      2
#define FIT_LAP_TRIGGER_SESSION_END   7
#define FIT_INTENSITY_ACTIVE          0
#define FIT_INTENSITY_REST            1
#define FIT_INTENSITY_WARMUP          2
#define FIT_INTENSITY_COOLDOWN        3
#define FIT_INTENSITY_RECOVERY        4
#define FIT_SESSION_TRIGGER_END       0
#define FIT_ACTIVITY_MANUAL           0
#define FIT_WKT_DURATION_TIME         0
#define FIT_WKT_DURATION_DISTANCE     1
#define FIT_WKT_DURATION_OPEN         5
#define FIT_WKT_DURATION_REPEAT_STEPS 6 /* repeat_until_steps_cmplt */
#define FIT_WKT_TARGET_SPEED          0
#define FIT_WKT_TARGET_HEART_RATE     1
#define FIT_WKT_TARGET_OPEN           2
/* Sizes of the workout's strings (NUL included; longer ones are cut). */
#define FIT_WKT_NAME_SIZE      64
#define FIT_WKT_STEP_NAME_SIZE 48
#define FIT_WKT_NOTES_SIZE     64

/* Local message types: one per global message we write. */
enum {
        LOCAL_FILE_ID,
        LOCAL_DEVICE_INFO,
        LOCAL_WORKOUT,
        LOCAL_WORKOUT_STEP,
        LOCAL_EVENT,
        LOCAL_RECORD,
        LOCAL_HRV,
        LOCAL_LAP,
        LOCAL_SESSION,
        LOCAL_ACTIVITY,
};

typedef struct FitField {
        uint8_t num, size, base;
} FitField;

typedef struct FitBuf {
        uint8_t *data;
        size_t size, alloc;
        bool oom;
} FitBuf;

uint16_t fit_crc16(uint16_t crc, const void *data, size_t n)
{
        static const uint16_t table[16] = {
                0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
                0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400,
        };
        const uint8_t *p = data;

        for (size_t i = 0; i < n; i++) {
                uint16_t tmp = table[crc & 0xF];
                crc = (crc >> 4) & 0x0FFF;
                crc = crc ^ tmp ^ table[p[i] & 0xF];
                tmp = table[crc & 0xF];
                crc = (crc >> 4) & 0x0FFF;
                crc = crc ^ tmp ^ table[(p[i] >> 4) & 0xF];
        }
        return crc;
}

static void put(FitBuf *b, const void *p, size_t n)
{
        if (b->oom)
                return;
        if (!GREEDY_REALLOC(b->data, b->alloc, b->size + n)) {
                b->oom = true;
                return;
        }
        memcpy(b->data + b->size, p, n);
        b->size += n;
}

static void put_u8(FitBuf *b, uint8_t v)
{
        put(b, &v, 1);
}

static void put_u16(FitBuf *b, uint16_t v)
{
        uint8_t x[2] = {v & 0xFF, v >> 8};
        put(b, x, 2);
}

static void put_u32(FitBuf *b, uint32_t v)
{
        uint8_t x[4] = {v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF, v >> 24};
        put(b, x, 4);
}

static void put_string(FitBuf *b, const char *s, size_t size)
{
        char t[256] = {};
        size_t max = MIN(size, sizeof(t)) - 1;

        /* Cut at a character boundary: a decoder reads the field as UTF-8. */
        memcpy(t, s, MIN(strlen(s), max));
        utf8_truncate(t, size - 1);
        put(b, t, size); /* NUL-terminated and padded to the defined size */
}

static void define(FitBuf *b, uint8_t local, uint16_t global, const FitField *f, size_t n)
{
        put_u8(b, 0x40 | local); /* normal header, definition message */
        put_u8(b, 0);            /* reserved */
        put_u8(b, 0);            /* architecture: little-endian */
        put_u16(b, global);
        put_u8(b, (uint8_t)n);
        for (size_t i = 0; i < n; i++) {
                put_u8(b, f[i].num);
                put_u8(b, f[i].size);
                put_u8(b, f[i].base);
        }
}

/* The file header; its data size and CRC are filled in by put_crc(). */
static void put_header(FitBuf *b)
{
        put_u8(b, FIT_HEADER_SIZE);
        put_u8(b, FIT_PROTOCOL_VERSION);
        put_u16(b, FIT_PROFILE_VERSION);
        put_u32(b, 0);
        put(b, ".FIT", 4);
        put_u16(b, 0);
}

/* Completes the file: the header's data size and CRC, the file's CRC. */
static int put_crc(FitBuf *b)
{
        uint32_t data_size;
        uint16_t crc;

        if (b->oom || b->size < FIT_HEADER_SIZE)
                return -ENOMEM;
        data_size = (uint32_t)(b->size - FIT_HEADER_SIZE);
        b->data[4] = data_size & 0xFF;
        b->data[5] = (data_size >> 8) & 0xFF;
        b->data[6] = (data_size >> 16) & 0xFF;
        b->data[7] = data_size >> 24;
        crc = fit_crc16(0, b->data, 12);
        b->data[12] = crc & 0xFF;
        b->data[13] = crc >> 8;
        crc = fit_crc16(0, b->data, b->size);
        put_u16(b, crc);
        return b->oom ? -ENOMEM : 0;
}

static uint32_t fit_time(uint64_t wall_usec, double t_s)
{
        double unix_s = (double)(wall_usec / USEC_PER_SEC) + t_s;
        return unix_s > FIT_EPOCH_OFFSET ? (uint32_t)(unix_s - FIT_EPOCH_OFFSET) : 0;
}

static uint32_t scaled_u32(double v, double scale)
{
        if (!isfinite(v) || v < 0 || v * scale >= FIT_INVALID_U32)
                return FIT_INVALID_U32;
        return (uint32_t)lround(v * scale);
}

static uint16_t scaled_u16(double v, double scale)
{
        if (!isfinite(v) || v < 0 || v * scale >= FIT_INVALID_U16)
                return FIT_INVALID_U16;
        return (uint16_t)lround(v * scale);
}

static uint8_t u8_or_invalid(double v)
{
        if (!isfinite(v) || v < 1 || v >= FIT_INVALID_U8)
                return FIT_INVALID_U8;
        return (uint8_t)lround(v);
}

static void write_file_id(FitBuf *b, uint8_t type, uint32_t created)
{
        static const FitField f[] = {
                {0, 1, FIT_ENUM},   /* type */
                {1, 2, FIT_UINT16}, /* manufacturer */
                {2, 2, FIT_UINT16}, /* product */
                {4, 4, FIT_UINT32}, /* time_created */
        };
        define(b, LOCAL_FILE_ID, FIT_MESG_FILE_ID, f, ELEMENTSOF(f));
        put_u8(b, LOCAL_FILE_ID);
        put_u8(b, type);
        put_u16(b, FIT_MANUFACTURER_DEV);
        put_u16(b, FIT_PRODUCT_PACED);
        put_u32(b, created);
}

static void write_device_info(FitBuf *b, uint32_t ts, uint8_t index, uint8_t source,
                              uint8_t device_type, const char *name)
{
        size_t len = MIN(strlen(name) + 1, (size_t)64);
        FitField f[] = {
                {253, 4, FIT_UINT32},           /* timestamp */
                {0, 1, FIT_UINT8},              /* device_index */
                {1, 1, FIT_UINT8},              /* device_type */
                {2, 2, FIT_UINT16},             /* manufacturer */
                {4, 2, FIT_UINT16},             /* product */
                {5, 2, FIT_UINT16},             /* software_version, x100 */
                {25, 1, FIT_ENUM},              /* source_type */
                {27, (uint8_t)len, FIT_STRING}, /* product_name */
        };
        /* Redefined for each device: the string's size is in the definition. */
        define(b, LOCAL_DEVICE_INFO, FIT_MESG_DEVICE_INFO, f, ELEMENTSOF(f));
        put_u8(b, LOCAL_DEVICE_INFO);
        put_u32(b, ts);
        put_u8(b, index);
        put_u8(b, device_type);
        put_u16(b, index == 0 ? FIT_MANUFACTURER_DEV : FIT_INVALID_U16);
        put_u16(b, index == 0 ? FIT_PRODUCT_PACED : FIT_INVALID_U16);
        put_u16(b, index == 0 ? 10 : FIT_INVALID_U16); /* paced 0.10 */
        put_u8(b, source);
        put_string(b, name, len);
}

static void write_event(FitBuf *b, uint32_t ts, uint8_t event, uint8_t type)
{
        put_u8(b, LOCAL_EVENT);
        put_u32(b, ts);
        put_u8(b, event);
        put_u8(b, type);
        put_u8(b, 0); /* event_group */
}

static void define_event(FitBuf *b)
{
        static const FitField f[] = {
                {253, 4, FIT_UINT32}, /* timestamp */
                {0, 1, FIT_ENUM},     /* event */
                {1, 1, FIT_ENUM},     /* event_type */
                {4, 1, FIT_UINT8},    /* event_group */
        };
        define(b, LOCAL_EVENT, FIT_MESG_EVENT, f, ELEMENTSOF(f));
}

static void define_record(FitBuf *b, bool grade, bool cadence)
{
        FitField f[7] = {
                {253, 4, FIT_UINT32}, /* timestamp */
                {5, 4, FIT_UINT32},   /* distance, x100 m */
                {6, 2, FIT_UINT16},   /* speed, x1000 m/s */
                {3, 1, FIT_UINT8},    /* heart_rate */
        };
        size_t n = 4;

        if (grade)
                f[n++] = (FitField){9, 2, FIT_SINT16}; /* grade, x100 % */
        if (cadence) {
                /* Running cadence is strides (one foot) a minute, the half in
                 * fractional_cadence (x128), as watches write it. */
                f[n++] = (FitField){4, 1, FIT_UINT8};  /* cadence */
                f[n++] = (FitField){53, 1, FIT_UINT8}; /* fractional_cadence */
        }
        define(b, LOCAL_RECORD, FIT_MESG_RECORD, f, n);
}

static void write_record(FitBuf *b, uint32_t ts, const SessionSample *x, bool grade, bool cadence)
{
        put_u8(b, LOCAL_RECORD);
        put_u32(b, ts);
        put_u32(b, scaled_u32(x->distance_m, 100));
        put_u16(b, scaled_u16(x->speed_kmh / 3.6, 1000));
        put_u8(b, x->hr_bpm > 0 && x->hr_bpm < 255 ? (uint8_t)x->hr_bpm : FIT_INVALID_U8);
        if (grade) {
                double g = x->incline_pct;
                put_u16(b, isfinite(g) && fabs(g) < 300 ? (uint16_t)(int16_t)lround(g * 100)
                                                        : FIT_INVALID_S16);
        }
        if (cadence) {
                /* cadence_spm counts both feet (RSC): 175 steps is 87.5 strides. */
                bool known = x->cadence_spm > 0 && x->cadence_spm < 2 * 255;

                put_u8(b, known ? (uint8_t)(x->cadence_spm / 2) : FIT_INVALID_U8);
                put_u8(b, known ? (uint8_t)(x->cadence_spm % 2 * 64) : FIT_INVALID_U8);
        }
}

static void define_hrv(FitBuf *b)
{
        static const FitField f[] = {
                {0, 2 * FIT_HRV_PER_MESG, FIT_UINT16}, /* time[], x1000 s */
        };
        define(b, LOCAL_HRV, FIT_MESG_HRV, f, ELEMENTSOF(f));
}

/* Writes RR intervals [*next, end) in hrv messages of up to five. */
static void write_hrv(FitBuf *b, const SessionData *d, size_t *next, size_t end)
{
        while (*next < end) {
                put_u8(b, LOCAL_HRV);
                for (size_t k = 0; k < FIT_HRV_PER_MESG; k++) {
                        if (*next < end) {
                                unsigned ms = d->rr[(*next)++].rr_ms;
                                put_u16(b, ms < FIT_INVALID_U16 ? (uint16_t)ms : FIT_INVALID_U16);
                        } else
                                put_u16(b, FIT_INVALID_U16);
                }
        }
}

typedef struct FitLap {
        size_t first, last; /* sample range [first, last) */
        double start_s, end_s;
        int step_index;
        uint8_t trigger;
        double distance_m; /* as the engine measured it (a trial's laps); 0: from the samples */
} FitLap;

typedef struct Pauses {
        double *start, *end;
        size_t n;
} Pauses;

static double paused_within(const Pauses *p, double a, double b)
{
        double sum = 0;

        for (size_t i = 0; i < p->n; i++) {
                double lo = MAX(a, p->start[i]), hi = MIN(b, p->end[i]);
                if (hi > lo)
                        sum += hi - lo;
        }
        return sum;
}

static uint8_t intensity_of_kind(StepKind k)
{
        switch (k) {
        case STEP_KIND_WARMUP:
                return FIT_INTENSITY_WARMUP;
        case STEP_KIND_COOLDOWN:
                return FIT_INTENSITY_COOLDOWN;
        case STEP_KIND_RECOVERY:
                return FIT_INTENSITY_RECOVERY;
        case STEP_KIND_REST:
                return FIT_INTENSITY_REST;
        case STEP_KIND_ACTIVE:
        case STEP_KIND_STRIDE:
        case STEP_KIND_TIME_TRIAL:
        case _STEP_KIND_MAX:
        case _STEP_KIND_INVALID:
                break;
        }
        return FIT_INTENSITY_ACTIVE;
}

static uint8_t intensity_of(const SessionData *d, int step)
{
        if (step < 0 || (size_t)step >= d->n_steps)
                return FIT_INTENSITY_ACTIVE;
        return intensity_of_kind(d->steps[step].kind);
}

/* km/h as the FIT custom speed target: m/s x 1000. */
static uint32_t speed_target(double kmh)
{
        return scaled_u32(kmh / 3.6, 1000);
}

/* "6.0 % incline", "2.0 -> 4.0 % incline": a workout_step has no incline
 * target a watch or Garmin Connect reads, so the step's notes carry it. */
static void incline_note(const ResolvedStep *s, char *buf, size_t n)
{
        if (!s->has_incline)
                buf[0] = 0;
        else if (fabs(s->incline_start_pct - s->incline_end_pct) > 1e-9)
                snprintf(buf, n, "%.1f -> %.1f %% incline", s->incline_start_pct,
                         s->incline_end_pct);
        else
                snprintf(buf, n, "%.1f %% incline", s->incline_start_pct);
}

static void put_step_duration(FitBuf *b, const ResolvedStep *s)
{
        switch (s->end) {
        case STEP_END_TIME:
                put_u8(b, FIT_WKT_DURATION_TIME);
                put_u32(b, scaled_u32(s->end_value, 1000));
                break;
        case STEP_END_DISTANCE:
                put_u8(b, FIT_WKT_DURATION_DISTANCE);
                put_u32(b, scaled_u32(s->end_value, 100));
                break;
        case STEP_END_OPEN:
        case _STEP_END_MAX:
        case _STEP_END_INVALID:
                put_u8(b, FIT_WKT_DURATION_OPEN);
                put_u32(b, FIT_INVALID_U32);
                break;
        }
}

static void put_step_target(FitBuf *b, const ResolvedStep *s)
{
        double lo, hi;

        switch (s->control) {
        case STEP_CONTROL_SPEED:
                /* A range, or a ramp's start and end. */
                lo = fmin(fmin(s->speed_lo_kmh, s->speed_start_kmh), s->speed_end_kmh);
                hi = fmax(fmax(s->speed_hi_kmh, s->speed_start_kmh), s->speed_end_kmh);
                put_u8(b, FIT_WKT_TARGET_SPEED);
                put_u32(b, 0);
                put_u32(b, speed_target(lo));
                put_u32(b, speed_target(hi));
                break;
        case STEP_CONTROL_HR:
                put_u8(b, FIT_WKT_TARGET_HEART_RATE);
                put_u32(b, 0);
                put_u32(b, scaled_u32(s->hr_lo_bpm + 100, 1));
                put_u32(b, scaled_u32(s->hr_hi_bpm + 100, 1));
                break;
        case STEP_CONTROL_FREE:
        case _STEP_CONTROL_MAX:
        case _STEP_CONTROL_INVALID:
                put_u8(b, FIT_WKT_TARGET_OPEN);
                put_u32(b, 0);
                put_u32(b, FIT_INVALID_U32);
                put_u32(b, FIT_INVALID_U32);
                break;
        }
}

static void put_workout_step(FitBuf *b, uint8_t local, uint16_t index, const FitWorkoutStep *w)
{
        char notes[FIT_WKT_NOTES_SIZE];

        put_u8(b, local);
        put_u16(b, index);
        if (!w->step) {
                /* "Repeat the steps from message_index repeat_from, repeat_count times":
                 * no name, intensity or custom target (FIT profile, durationStep). */
                put_string(b, "", FIT_WKT_STEP_NAME_SIZE);
                put_u8(b, FIT_WKT_DURATION_REPEAT_STEPS);
                put_u32(b, w->repeat_from);
                put_u8(b, FIT_WKT_TARGET_OPEN);
                put_u32(b, w->repeat_count);
                put_u32(b, FIT_INVALID_U32);
                put_u32(b, FIT_INVALID_U32);
                put_u8(b, FIT_INVALID_U8);
                put_string(b, "", FIT_WKT_NOTES_SIZE);
                return;
        }
        /* The runner's cue names the step ("Stride", "Lap 1: settle"); the
         * label ("0:20 at 5:50/km") says what the duration and target say. */
        put_string(b, w->step->cue ? w->step->cue : w->step->label, FIT_WKT_STEP_NAME_SIZE);
        put_step_duration(b, w->step);
        put_step_target(b, w->step);
        put_u8(b, intensity_of_kind(w->step->kind));
        incline_note(w->step, notes, sizeof(notes));
        put_string(b, notes, FIT_WKT_NOTES_SIZE);
}

int fit_encode_workout(const char *name, const FitWorkoutStep *steps, size_t n,
                       uint8_t local_workout, uint8_t local_step, uint8_t **buf, size_t *size,
                       size_t *alloc)
{
        static const FitField wf[] = {
                {8, FIT_WKT_NAME_SIZE, FIT_STRING}, /* wkt_name */
                {4, 1, FIT_ENUM},                   /* sport */
                {11, 1, FIT_ENUM},                  /* sub_sport */
                {6, 2, FIT_UINT16},                 /* num_valid_steps */
        };
        static const FitField sf[] = {
                {254, 2, FIT_UINT16},                    /* message_index */
                {0, FIT_WKT_STEP_NAME_SIZE, FIT_STRING}, /* wkt_step_name */
                {1, 1, FIT_ENUM},                        /* duration_type */
                {2, 4, FIT_UINT32},                      /* duration_value: ms, cm, a step */
                {3, 1, FIT_ENUM},                        /* target_type */
                {4, 4, FIT_UINT32},                      /* target_value: 0 custom, repeats */
                {5, 4, FIT_UINT32},                      /* custom_target_value_low */
                {6, 4, FIT_UINT32},                      /* custom_target_value_high */
                {7, 1, FIT_ENUM},                        /* intensity */
                {8, FIT_WKT_NOTES_SIZE, FIT_STRING},     /* notes */
        };
        FitBuf b;

        if (!buf || !size || !alloc || (n > 0 && !steps) || n >= FIT_INVALID_U16)
                return -EINVAL;
        b = (FitBuf){.data = *buf, .size = *size, .alloc = *alloc};
        define(&b, local_workout, FIT_MESG_WORKOUT, wf, ELEMENTSOF(wf));
        put_u8(&b, local_workout);
        put_string(&b, name ? name : "", FIT_WKT_NAME_SIZE);
        put_u8(&b, FIT_SPORT_RUNNING);
        put_u8(&b, FIT_SUB_SPORT_TREADMILL);
        put_u16(&b, (uint16_t)n);
        define(&b, local_step, FIT_MESG_WORKOUT_STEP, sf, ELEMENTSOF(sf));
        for (size_t i = 0; i < n; i++)
                put_workout_step(&b, local_step, (uint16_t)i, &steps[i]);
        *buf = b.data;
        *size = b.size;
        *alloc = b.alloc;
        return b.oom ? -ENOMEM : 0;
}

/* The session's stored steps as the encoder takes them. */
static int write_workout(FitBuf *b, const SessionData *d)
{
        _cleanup_free_ ResolvedStep *steps = NULL;
        _cleanup_free_ FitWorkoutStep *plan = NULL;
        int r;

        if (d->n_steps == 0)
                return 0;
        steps = calloc(d->n_steps, sizeof(*steps));
        plan = calloc(d->n_steps, sizeof(*plan));
        if (!steps || !plan) {
                b->oom = true;
                return -ENOMEM;
        }
        for (size_t i = 0; i < d->n_steps; i++) {
                const SessionStep *x = &d->steps[i];

                steps[i] = (ResolvedStep){
                        .kind = x->kind,
                        .end = x->end,
                        .end_value = x->end_value,
                        .control = x->control,
                        .speed_start_kmh = x->speed_start_kmh,
                        .speed_end_kmh = x->speed_end_kmh,
                        .speed_lo_kmh =
                                isfinite(x->speed_lo_kmh) ? x->speed_lo_kmh : x->speed_start_kmh,
                        .speed_hi_kmh =
                                isfinite(x->speed_hi_kmh) ? x->speed_hi_kmh : x->speed_start_kmh,
                        .hr_lo_bpm = x->hr_lo_bpm,
                        .hr_hi_bpm = x->hr_hi_bpm,
                        .has_incline = x->has_incline,
                        .incline_start_pct = x->incline_start_pct,
                        .incline_end_pct = x->incline_end_pct,
                };
                memcpy(steps[i].label, x->label, sizeof(steps[i].label));
                plan[i].step = &steps[i];
        }
        /* One workout_step per stored step, repeats unrolled: a lap's
         * wkt_step_index is the index of the step it ran. */
        r = fit_encode_workout(d->workout_name, plan, d->n_steps, LOCAL_WORKOUT, LOCAL_WORKOUT_STEP,
                               &b->data, &b->size, &b->alloc);
        if (r < 0)
                b->oom = true;
        return r;
}

static uint8_t trigger_of(const SessionData *d, int step)
{
        if (step < 0 || (size_t)step >= d->n_steps)
                return FIT_LAP_TRIGGER_MANUAL;
        switch (d->steps[step].end) {
        case STEP_END_TIME:
                return FIT_LAP_TRIGGER_TIME;
        case STEP_END_DISTANCE:
                return FIT_LAP_TRIGGER_DISTANCE;
        case STEP_END_OPEN:
        case _STEP_END_MAX:
        case _STEP_END_INVALID:
                break;
        }
        return FIT_LAP_TRIGGER_MANUAL;
}

static int lap_push(FitLap **laps, size_t *n, size_t *alloc, const FitLap *l)
{
        if (!GREEDY_REALLOC(*laps, *alloc, *n + 1))
                return -ENOMEM;
        (*laps)[(*n)++] = *l;
        return 0;
}

static bool is_trial(const SessionData *d, int step)
{
        return step >= 0 && (size_t)step < d->n_steps &&
               d->steps[step].kind == STEP_KIND_TIME_TRIAL;
}

static bool has_trial_laps(const SessionData *d)
{
        for (size_t i = 0; i < d->n_laps; i++)
                if (d->laps[i].kind == LAP_KIND_TRIAL)
                        return true;
        return false;
}

/* The stored trial laps over samples [from, to): each from its first sample
 * at or after its start to the first at or after its end. */
static int push_trial_laps(const SessionData *d, size_t from, size_t to, FitLap **laps,
                           size_t *n_laps, size_t *alloc)
{
        const SessionSample *x = d->samples;
        size_t k = from;
        int r;

        for (size_t i = 0; i < d->n_laps; i++) {
                const SessionLap *l = &d->laps[i];
                size_t first, last;

                if (l->kind != LAP_KIND_TRIAL || l->end_s <= x[from].t_s - 1 ||
                    l->start_s >= (to < d->n_samples ? x[to].t_s : x[to - 1].t_s + 1))
                        continue;
                first = k;
                last = first;
                while (last < to && x[last].t_s < l->end_s)
                        last++;
                if (last == first)
                        continue;
                FitLap fl = {first,
                             last,
                             l->start_s,
                             l->end_s,
                             x[first].step_index,
                             FIT_LAP_TRIGGER_DISTANCE,
                             isfinite(l->distance_m) ? l->distance_m : 0};
                r = lap_push(laps, n_laps, alloc, &fl);
                if (r < 0)
                        return r;
                k = last;
        }
        /* Whatever the laps did not cover (a trial cut short): one more lap. */
        if (k < to) {
                FitLap fl = {k,
                             to,
                             x[k].t_s,
                             to < d->n_samples ? x[to].t_s : x[to - 1].t_s + 1,
                             x[k].step_index,
                             FIT_LAP_TRIGGER_MANUAL,
                             0};
                r = lap_push(laps, n_laps, alloc, &fl);
                if (r < 0)
                        return r;
        }
        return 0;
}

/*
 * Laps: one per run of samples in the same workout step, each cut again
 * every auto_lap_m metres (measured from the step's start) if set; a time
 * trial's laps are the ones the engine recorded. Without steps, auto-laps
 * only. Cuts fall on sample boundaries: records are 1 Hz.
 */
static int build_laps(const SessionData *d, double auto_lap_m, FitLap **ret, size_t *ret_n)
{
        const SessionSample *x = d->samples;
        size_t n = d->n_samples, n_laps = 0, alloc = 0;
        _cleanup_free_ FitLap *laps = NULL;
        int r;

        for (size_t i = 0; i < n;) {
                size_t j = i;

                /* A time trial: its laps as the engine cut them (a lap spans the
                 * 100 m segments of the last), with their exact times. */
                if (is_trial(d, x[i].step_index) && has_trial_laps(d)) {
                        while (j < n && is_trial(d, x[j].step_index))
                                j++;
                        r = push_trial_laps(d, i, j, &laps, &n_laps, &alloc);
                        if (r < 0)
                                return r;
                        i = j;
                        continue;
                }
                while (j < n && x[j].step_index == x[i].step_index)
                        j++;

                size_t from = i;
                double d0 = x[i].distance_m;
                for (size_t k = i + 1; auto_lap_m > 0 && k < j; k++) {
                        if (!isfinite(x[k].distance_m))
                                continue;
                        if (!isfinite(d0)) {
                                d0 = x[k].distance_m;
                                continue;
                        }
                        if (x[k].distance_m - d0 >= auto_lap_m) {
                                FitLap l = {from,
                                            k,
                                            x[from].t_s,
                                            x[k].t_s,
                                            x[i].step_index,
                                            FIT_LAP_TRIGGER_DISTANCE,
                                            0};
                                r = lap_push(&laps, &n_laps, &alloc, &l);
                                if (r < 0)
                                        return r;
                                from = k;
                                d0 += auto_lap_m;
                        }
                }
                FitLap l = {from,
                            j,
                            x[from].t_s,
                            j < n ? x[j].t_s : x[j - 1].t_s + 1,
                            x[i].step_index,
                            trigger_of(d, x[i].step_index),
                            0};
                r = lap_push(&laps, &n_laps, &alloc, &l);
                if (r < 0)
                        return r;
                i = j;
        }
        if (n_laps > 0)
                laps[n_laps - 1].trigger = FIT_LAP_TRIGGER_SESSION_END;
        *ret = TAKE_PTR(laps);
        *ret_n = n_laps;
        return 0;
}

typedef struct Totals {
        double elapsed_s, timer_s, distance_m;
        double avg_kmh, max_kmh, avg_hr, max_hr;
} Totals;

static Totals totals(const SessionData *d, const Pauses *p, size_t first, size_t last,
                     double start_s, double end_s)
{
        const SessionSample *x = d->samples;
        double hr_sum = 0, hr_n = 0, d0 = NAN, d1 = NAN;
        Totals t = {.elapsed_s = end_s - start_s, .max_kmh = NAN, .max_hr = NAN};

        for (size_t i = first; i < last; i++) {
                if (isfinite(x[i].distance_m)) {
                        if (isnan(d0))
                                d0 = x[i].distance_m;
                        d1 = x[i].distance_m;
                }
                if (isfinite(x[i].speed_kmh))
                        t.max_kmh =
                                isnan(t.max_kmh) ? x[i].speed_kmh : MAX(t.max_kmh, x[i].speed_kmh);
                if (x[i].hr_bpm > 0) {
                        hr_sum += x[i].hr_bpm;
                        hr_n++;
                        t.max_hr = isnan(t.max_hr) ? x[i].hr_bpm : MAX(t.max_hr, x[i].hr_bpm);
                }
        }
        /* A lap's distance runs to the first sample of the next lap. */
        if (last < d->n_samples && isfinite(x[last].distance_m))
                d1 = x[last].distance_m;
        t.distance_m = isfinite(d0) ? d1 - d0 : NAN;
        t.timer_s = t.elapsed_s - paused_within(p, start_s, end_s);
        t.avg_kmh = t.timer_s > 0 && isfinite(t.distance_m) ? t.distance_m / t.timer_s * 3.6 : NAN;
        t.avg_hr = hr_n > 0 ? hr_sum / hr_n : NAN;
        return t;
}

static void define_lap(FitBuf *b)
{
        static const FitField f[] = {
                {254, 2, FIT_UINT16}, /* message_index */
                {253, 4, FIT_UINT32}, /* timestamp */
                {0, 1, FIT_ENUM},     /* event */
                {1, 1, FIT_ENUM},     /* event_type */
                {2, 4, FIT_UINT32},   /* start_time */
                {7, 4, FIT_UINT32},   /* total_elapsed_time, x1000 s */
                {8, 4, FIT_UINT32},   /* total_timer_time, x1000 s */
                {9, 4, FIT_UINT32},   /* total_distance, x100 m */
                {13, 2, FIT_UINT16},  /* avg_speed, x1000 m/s */
                {14, 2, FIT_UINT16},  /* max_speed, x1000 m/s */
                {15, 1, FIT_UINT8},   /* avg_heart_rate */
                {16, 1, FIT_UINT8},   /* max_heart_rate */
                {23, 1, FIT_ENUM},    /* intensity */
                {24, 1, FIT_ENUM},    /* lap_trigger */
                {25, 1, FIT_ENUM},    /* sport */
                {39, 1, FIT_ENUM},    /* sub_sport */
                {71, 2, FIT_UINT16},  /* wkt_step_index */
        };
        define(b, LOCAL_LAP, FIT_MESG_LAP, f, ELEMENTSOF(f));
}

static void write_lap(FitBuf *b, const SessionData *d, uint16_t index, const FitLap *l,
                      const Totals *t)
{
        put_u8(b, LOCAL_LAP);
        put_u16(b, index);
        put_u32(b, fit_time(d->start_wall_usec, l->end_s));
        put_u8(b, FIT_EVENT_LAP);
        put_u8(b, FIT_EVENT_TYPE_STOP);
        put_u32(b, fit_time(d->start_wall_usec, l->start_s));
        put_u32(b, scaled_u32(t->elapsed_s, 1000));
        put_u32(b, scaled_u32(t->timer_s, 1000));
        put_u32(b, scaled_u32(t->distance_m, 100));
        put_u16(b, scaled_u16(t->avg_kmh / 3.6, 1000));
        put_u16(b, scaled_u16(t->max_kmh / 3.6, 1000));
        put_u8(b, u8_or_invalid(t->avg_hr));
        put_u8(b, u8_or_invalid(t->max_hr));
        put_u8(b, intensity_of(d, l->step_index));
        put_u8(b, l->trigger);
        put_u8(b, FIT_SPORT_RUNNING);
        put_u8(b, FIT_SUB_SPORT_TREADMILL);
        put_u16(b, l->step_index >= 0 && (size_t)l->step_index < d->n_steps
                           ? (uint16_t)l->step_index
                           : FIT_INVALID_U16);
}

static void write_session(FitBuf *b, const SessionData *d, const Totals *t, double start_s,
                          double end_s, uint16_t n_laps)
{
        static const FitField f[] = {
                {254, 2, FIT_UINT16}, /* message_index */
                {253, 4, FIT_UINT32}, /* timestamp */
                {0, 1, FIT_ENUM},     /* event */
                {1, 1, FIT_ENUM},     /* event_type */
                {2, 4, FIT_UINT32},   /* start_time */
                {5, 1, FIT_ENUM},     /* sport */
                {6, 1, FIT_ENUM},     /* sub_sport */
                {7, 4, FIT_UINT32},   /* total_elapsed_time */
                {8, 4, FIT_UINT32},   /* total_timer_time */
                {9, 4, FIT_UINT32},   /* total_distance */
                {14, 2, FIT_UINT16},  /* avg_speed */
                {15, 2, FIT_UINT16},  /* max_speed */
                {16, 1, FIT_UINT8},   /* avg_heart_rate */
                {17, 1, FIT_UINT8},   /* max_heart_rate */
                {25, 2, FIT_UINT16},  /* first_lap_index */
                {26, 2, FIT_UINT16},  /* num_laps */
                {28, 1, FIT_ENUM},    /* trigger */
        };
        define(b, LOCAL_SESSION, FIT_MESG_SESSION, f, ELEMENTSOF(f));
        put_u8(b, LOCAL_SESSION);
        put_u16(b, 0);
        put_u32(b, fit_time(d->start_wall_usec, end_s));
        put_u8(b, FIT_EVENT_SESSION);
        put_u8(b, FIT_EVENT_TYPE_STOP);
        put_u32(b, fit_time(d->start_wall_usec, start_s));
        put_u8(b, FIT_SPORT_RUNNING);
        put_u8(b, FIT_SUB_SPORT_TREADMILL);
        put_u32(b, scaled_u32(t->elapsed_s, 1000));
        put_u32(b, scaled_u32(t->timer_s, 1000));
        put_u32(b, scaled_u32(t->distance_m, 100));
        put_u16(b, scaled_u16(t->avg_kmh / 3.6, 1000));
        put_u16(b, scaled_u16(t->max_kmh / 3.6, 1000));
        put_u8(b, u8_or_invalid(t->avg_hr));
        put_u8(b, u8_or_invalid(t->max_hr));
        put_u16(b, 0);
        put_u16(b, n_laps);
        put_u8(b, FIT_SESSION_TRIGGER_END);
}

static void write_activity(FitBuf *b, const SessionData *d, const Totals *t, double end_s,
                           int32_t utc_offset_s)
{
        static const FitField f[] = {
                {253, 4, FIT_UINT32}, /* timestamp */
                {0, 4, FIT_UINT32},   /* total_timer_time */
                {1, 2, FIT_UINT16},   /* num_sessions */
                {2, 1, FIT_ENUM},     /* type */
                {3, 1, FIT_ENUM},     /* event */
                {4, 1, FIT_ENUM},     /* event_type */
                {5, 4, FIT_UINT32},   /* local_timestamp */
        };
        uint32_t ts = fit_time(d->start_wall_usec, end_s);

        define(b, LOCAL_ACTIVITY, FIT_MESG_ACTIVITY, f, ELEMENTSOF(f));
        put_u8(b, LOCAL_ACTIVITY);
        put_u32(b, ts);
        put_u32(b, scaled_u32(t->timer_s, 1000));
        put_u16(b, 1);
        put_u8(b, FIT_ACTIVITY_MANUAL);
        put_u8(b, FIT_EVENT_ACTIVITY);
        put_u8(b, FIT_EVENT_TYPE_STOP);
        put_u32(b, (uint32_t)((int64_t)ts + utc_offset_s));
}

static int pauses_add(Pauses *p, size_t *alloc_start, size_t *alloc_end, double start, double end)
{
        if (!GREEDY_REALLOC(p->start, *alloc_start, p->n + 1) ||
            !GREEDY_REALLOC(p->end, *alloc_end, p->n + 1))
                return -ENOMEM;
        p->start[p->n] = start;
        p->end[p->n++] = end;
        return 0;
}

/* When the timer did not run: the runner's pauses and the gaps in the
 * samples (paced was stopped; see SESSION_SAMPLE_GAP_S), as disjoint
 * intervals in time order. */
static int collect_pauses(const SessionData *d, double end_s, Pauses *p)
{
        size_t alloc_start = 0, alloc_end = 0, n;
        double open = NAN;
        int r;

        for (size_t i = 0; i < d->n_events; i++) {
                const SessionEventRow *e = &d->events[i];
                if (e->type == SESSION_EVENT_PAUSE && isnan(open))
                        open = e->t_s;
                else if (e->type == SESSION_EVENT_RESUME && !isnan(open)) {
                        r = pauses_add(p, &alloc_start, &alloc_end, open, e->t_s);
                        if (r < 0)
                                return r;
                        open = NAN;
                }
        }
        if (!isnan(open)) {
                /* Paused until the end. */
                r = pauses_add(p, &alloc_start, &alloc_end, open, end_s);
                if (r < 0)
                        return r;
        }
        for (size_t i = 1; i < d->n_samples; i++)
                if (session_sample_gap(d->samples, d->n_samples, i)) {
                        r = pauses_add(p, &alloc_start, &alloc_end, d->samples[i - 1].t_s + 1,
                                       d->samples[i].t_s);
                        if (r < 0)
                                return r;
                }
        /* In time order (insertion sort: a handful), overlaps merged. */
        for (size_t i = 1; i < p->n; i++)
                for (size_t j = i; j > 0 && p->start[j] < p->start[j - 1]; j--) {
                        double a = p->start[j], b = p->end[j];

                        p->start[j] = p->start[j - 1];
                        p->end[j] = p->end[j - 1];
                        p->start[j - 1] = a;
                        p->end[j - 1] = b;
                }
        n = 0;
        for (size_t i = 0; i < p->n; i++) {
                if (n > 0 && p->start[i] <= p->end[n - 1]) {
                        p->end[n - 1] = MAX(p->end[n - 1], p->end[i]);
                        continue;
                }
                p->start[n] = p->start[i];
                p->end[n++] = p->end[i];
        }
        p->n = n;
        return 0;
}

int export_fit(const SessionData *d, const FitExportOptions *o, uint8_t **ret, size_t *ret_size)
{
        const FitExportOptions defaults = {};
        _cleanup_free_ FitLap *laps = NULL;
        Pauses pauses = {};
        FitBuf b = {};
        size_t n_laps = 0, rr_next = 0, ev_next = 0;
        bool grade = false, cadence = false, timer_on = true, paused = false;
        double start_s, end_s, auto_lap;
        int r;

        if (!d || !ret || !ret_size)
                return -EINVAL;
        if (d->n_samples == 0)
                return -ENODATA;
        if (!o)
                o = &defaults;

        start_s = d->samples[0].t_s;
        end_s = d->samples[d->n_samples - 1].t_s + 1;
        for (size_t i = 0; i < d->n_samples; i++)
                if (isfinite(d->samples[i].incline_pct) && fabs(d->samples[i].incline_pct) > 0.05)
                        grade = true;
        for (size_t i = 0; i < d->n_samples; i++)
                if (d->samples[i].cadence_spm > 0)
                        cadence = true; /* a footpod reported */

        auto_lap = o->auto_lap_m;
        if (auto_lap <= 0) {
                bool any_step = false;
                for (size_t i = 0; i < d->n_samples && !any_step; i++)
                        any_step = d->samples[i].step_index >= 0;
                if (!any_step)
                        auto_lap = 1000;
        }
        r = build_laps(d, auto_lap, &laps, &n_laps);
        if (r < 0)
                return r;
        r = collect_pauses(d, end_s, &pauses);
        if (r < 0)
                goto finish;

        put_header(&b);

        uint32_t t0 = fit_time(d->start_wall_usec, start_s);
        write_file_id(&b, FIT_FILE_ACTIVITY, t0);
        write_device_info(&b, t0, 0, FIT_SOURCE_LOCAL, FIT_INVALID_U8, "paced");
        if (d->treadmill_name || d->treadmill_address)
                write_device_info(&b, t0, 1, FIT_SOURCE_BLE, FIT_INVALID_U8,
                                  d->treadmill_name ? d->treadmill_name : d->treadmill_address);
        if (d->hrm_name || d->hrm_address)
                write_device_info(&b, t0, 2, FIT_SOURCE_BLE, FIT_BLE_DEVICE_HEART_RATE,
                                  d->hrm_name ? d->hrm_name : d->hrm_address);
        /* The plan, so that laps (wkt_step_index) read as planned vs actual. */
        (void)write_workout(&b, d);

        define_event(&b);
        write_event(&b, t0, FIT_EVENT_TIMER, FIT_EVENT_TYPE_START);
        define_hrv(&b);
        define_record(&b, grade, cadence);

        for (size_t i = 0; i < d->n_samples; i++) {
                const SessionSample *x = &d->samples[i];
                size_t rr_end = rr_next;

                /* paced was stopped: the timer too, for as long (elapsed time goes on). */
                if (session_sample_gap(d->samples, d->n_samples, i)) {
                        if (timer_on)
                                write_event(&b, fit_time(d->start_wall_usec, x[-1].t_s + 1),
                                            FIT_EVENT_TIMER, FIT_EVENT_TYPE_STOP_ALL);
                        timer_on = !paused;
                        if (timer_on)
                                write_event(&b, fit_time(d->start_wall_usec, x->t_s),
                                            FIT_EVENT_TIMER, FIT_EVENT_TYPE_START);
                }
                /* Timer stop/start around pauses, in time order with records. */
                for (; ev_next < d->n_events && d->events[ev_next].t_s <= x->t_s; ev_next++) {
                        const SessionEventRow *e = &d->events[ev_next];
                        if (e->type == SESSION_EVENT_PAUSE) {
                                if (timer_on)
                                        write_event(&b, fit_time(d->start_wall_usec, e->t_s),
                                                    FIT_EVENT_TIMER, FIT_EVENT_TYPE_STOP_ALL);
                                timer_on = false;
                                paused = true;
                        } else if (e->type == SESSION_EVENT_RESUME) {
                                if (!timer_on)
                                        write_event(&b, fit_time(d->start_wall_usec, e->t_s),
                                                    FIT_EVENT_TIMER, FIT_EVENT_TYPE_START);
                                timer_on = true;
                                paused = false;
                        }
                }
                while (rr_end < d->n_rr && d->rr[rr_end].t_s <= x->t_s)
                        rr_end++;
                write_hrv(&b, d, &rr_next, rr_end);
                write_record(&b, fit_time(d->start_wall_usec, x->t_s), x, grade, cadence);
        }
        /* Every RR interval goes out, including those after the last record. */
        write_hrv(&b, d, &rr_next, d->n_rr);
        write_event(&b, fit_time(d->start_wall_usec, end_s), FIT_EVENT_TIMER,
                    FIT_EVENT_TYPE_STOP_ALL);

        define_lap(&b);
        for (size_t i = 0; i < n_laps; i++) {
                Totals t = totals(d, &pauses, laps[i].first, laps[i].last, laps[i].start_s,
                                  laps[i].end_s);

                /* A trial's lap is exactly what the engine measured, not the
                 * 1 Hz samples' approximation of it. */
                if (laps[i].distance_m > 0) {
                        t.distance_m = laps[i].distance_m;
                        t.avg_kmh = t.timer_s > 0 ? t.distance_m / t.timer_s * 3.6 : NAN;
                }
                write_lap(&b, d, (uint16_t)i, &laps[i], &t);
        }
        Totals all = totals(d, &pauses, 0, d->n_samples, start_s, end_s);
        write_session(&b, d, &all, start_s, end_s, (uint16_t)MIN(n_laps, (size_t)UINT16_MAX));
        write_activity(&b, d, &all, end_s, o->utc_offset_s);

        r = put_crc(&b);
        if (r < 0)
                goto finish;
        *ret = TAKE_PTR(b.data);
        *ret_size = b.size;
        r = 0;
finish:
        free(b.data);
        free(pauses.start);
        free(pauses.end);
        return r;
}

int export_fit_write(const SessionData *d, const FitExportOptions *o, FILE *out)
{
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size;
        int r;

        r = export_fit(d, o, &buf, &size);
        if (r < 0)
                return r;
        if (fwrite(buf, 1, size, out) != size)
                return -EIO;
        return 0;
}

int export_fit_workout(const char *name, const FitWorkoutStep *steps, size_t n, uint32_t created,
                       uint8_t **ret, size_t *ret_size)
{
        FitBuf b = {};
        int r;

        if (!steps || n == 0 || !ret || !ret_size)
                return -EINVAL;
        put_header(&b);
        write_file_id(&b, FIT_FILE_WORKOUT, created);
        r = fit_encode_workout(name, steps, n, LOCAL_WORKOUT, LOCAL_WORKOUT_STEP, &b.data, &b.size,
                               &b.alloc);
        if (r >= 0)
                r = put_crc(&b);
        if (r < 0) {
                free(b.data);
                return r;
        }
        *ret = b.data;
        *ret_size = b.size;
        return 0;
}
