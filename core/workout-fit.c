/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * FIT workout files. The decoder reads the records generically (definition
 * and data messages, both byte orders, compressed timestamps, developer
 * fields skipped) and keeps file_id, workout and workout_step; the steps
 * are then turned into the authored model. Field numbers and values are
 * those of the FIT profile (Garmin FIT SDK, Profile.xlsx: wkt_step_duration,
 * wkt_step_target, intensity). docs/workouts.md, "FIT workouts".
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export-fit.h"
#include "workout-fit.h"

#define MESG_FILE_ID      0
#define MESG_WORKOUT      26
#define MESG_WORKOUT_STEP 27

#define FILE_TYPE_WORKOUT  5
#define FILE_TYPE_ACTIVITY 4

#define SPORT_GENERIC 0
#define SPORT_RUNNING 1
#define SPORT_WALKING 11

/* wkt_step_duration */
#define DUR_TIME         0
#define DUR_DISTANCE     1
#define DUR_OPEN         5
#define DUR_REPEAT_STEPS 6
/* wkt_step_target */
#define TGT_SPEED      0
#define TGT_HEART_RATE 1
#define TGT_OPEN       2
#define TGT_CADENCE    3
#define TGT_POWER      4

#define FIT_STEPS_MAX 1000
#define ABSENT        UINT64_MAX

typedef struct FitFieldDef {
        uint8_t num, size, type;
} FitFieldDef;

typedef struct FitDef {
        bool used, big;
        uint16_t global;
        uint8_t n;
        FitFieldDef f[255];
        uint32_t dev_size;
} FitDef;

typedef struct FitStep {
        uint64_t index;
        char name[64];
        char notes[128];
        uint64_t dur_type, dur_value, tgt_type, tgt_value, lo, hi, intensity;
} FitStep;

typedef struct FitParser {
        const char *file;
        WorkoutError *error;
        FitDef defs[16];
        int64_t file_type;
        int64_t sport;
        char name[64];
        FitStep *steps;
        size_t n_steps;
} FitParser;

static int fit_fail(FitParser *p, const char *fmt, ...) _printf_(2, 3);

static int fit_fail(FitParser *p, const char *fmt, ...)
{
        char msg[256];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        workout_error_set(p->error, p->file, 0, 0, "%s", msg);
        return -EBADMSG;
}

bool workout_fit_detect(const void *data, size_t len)
{
        const uint8_t *d = data;

        return data && len >= 12 && (d[0] == 12 || d[0] == 14) && memcmp(d + 8, ".FIT", 4) == 0;
}

static uint64_t get_uint(const uint8_t *d, size_t size, bool big)
{
        uint64_t v = 0;

        for (size_t i = 0; i < size; i++)
                v |= (uint64_t)d[big ? size - 1 - i : i] << (8 * i);
        return v;
}

/* An integer field's value, ABSENT for the base type's invalid value. */
static uint64_t field_value(const FitFieldDef *fd, const uint8_t *d, bool big)
{
        uint64_t v, invalid;
        uint8_t base = fd->type & 0x1F;
        bool z = base == 0x0A || base == 0x0B || base == 0x0C || base == 0x10;

        if (fd->size != 1 && fd->size != 2 && fd->size != 4 && fd->size != 8)
                return ABSENT;
        v = get_uint(d, fd->size, big);
        invalid = fd->size == 8 ? UINT64_MAX : (UINT64_C(1) << (8 * fd->size)) - 1;
        /* Signed types: the invalid value is the largest positive one. */
        if (base == 0x01 || base == 0x03 || base == 0x05 || base == 0x0E)
                invalid >>= 1;
        if ((z && v == 0) || (!z && v == invalid))
                return ABSENT;
        return v;
}

/* A string field as one line of valid UTF-8: what a cue may say. */
static void field_string(const uint8_t *d, size_t size, char *buf, size_t n)
{
        size_t o = 0;

        for (size_t i = 0; i < size && d[i] && o + 1 < n;) {
                uint8_t c = d[i];
                size_t k = c < 0x80             ? 1
                           : (c & 0xE0) == 0xC0 ? 2
                           : (c & 0xF0) == 0xE0 ? 3
                           : (c & 0xF8) == 0xF0 ? 4
                                                : 0;
                bool ok = k > 0 && i + k <= size && o + k < n;

                for (size_t j = 1; ok && j < k; j++)
                        ok = (d[i + j] & 0xC0) == 0x80;
                if (ok && k == 2 && c < 0xC2)
                        ok = false;
                if (!ok) {
                        buf[o++] = '?';
                        i++;
                        continue;
                }
                if (k == 1 && (c < 0x20 || c == 0x7F))
                        buf[o++] = ' ';
                else {
                        memcpy(buf + o, d + i, k);
                        o += k;
                }
                i += k;
        }
        buf[o] = 0;
}

static FitStep *new_step(FitParser *p)
{
        FitStep *s;

        if (p->n_steps >= FIT_STEPS_MAX)
                return NULL;
        s = reallocarray(p->steps, p->n_steps + 1, sizeof(*s));
        if (!s)
                return NULL;
        p->steps = s;
        s = &p->steps[p->n_steps++];
        *s = (FitStep){
                .index = ABSENT,
                .dur_type = ABSENT,
                .dur_value = ABSENT,
                .tgt_type = ABSENT,
                .tgt_value = ABSENT,
                .lo = ABSENT,
                .hi = ABSENT,
                .intensity = ABSENT,
        };
        return s;
}

static int data_message(FitParser *p, const FitDef *def, const uint8_t *d)
{
        FitStep *s = NULL;

        if (def->global == MESG_WORKOUT_STEP) {
                s = new_step(p);
                if (!s)
                        return p->n_steps >= FIT_STEPS_MAX
                                       ? fit_fail(p, "more than %d workout steps", FIT_STEPS_MAX)
                                       : -ENOMEM;
        }
        for (size_t i = 0; i < def->n; i++) {
                const FitFieldDef *fd = &def->f[i];
                uint64_t v = field_value(fd, d, def->big);

                switch (def->global) {
                case MESG_FILE_ID:
                        if (fd->num == 0 && v != ABSENT)
                                p->file_type = (int64_t)v;
                        break;
                case MESG_WORKOUT:
                        if (fd->num == 4 && v != ABSENT)
                                p->sport = (int64_t)v;
                        else if (fd->num == 8)
                                field_string(d, fd->size, p->name, sizeof(p->name));
                        break;
                case MESG_WORKOUT_STEP:
                        switch (fd->num) {
                        case 254:
                                s->index = v;
                                break;
                        case 0:
                                field_string(d, fd->size, s->name, sizeof(s->name));
                                break;
                        case 1:
                                s->dur_type = v;
                                break;
                        case 2:
                                s->dur_value = v;
                                break;
                        case 3:
                                s->tgt_type = v;
                                break;
                        case 4:
                                s->tgt_value = v;
                                break;
                        case 5:
                                s->lo = v;
                                break;
                        case 6:
                                s->hi = v;
                                break;
                        case 7:
                                s->intensity = v;
                                break;
                        case 8:
                                field_string(d, fd->size, s->notes, sizeof(s->notes));
                                break;
                        default:
                                break;
                        }
                        break;
                default:
                        break;
                }
                d += fd->size;
        }
        return 0;
}

/* The records between the header and the file's CRC. */
static int read_records(FitParser *p, const uint8_t *d, size_t n)
{
        size_t o = 0;

        while (o < n) {
                uint8_t h = d[o++];
                FitDef *def;

                if (h & 0x80) {
                        /* Compressed timestamp header: a data message of local type 0-3. */
                        def = &p->defs[(h >> 5) & 0x3];
                } else if (h & 0x40) {
                        uint32_t size = 0;

                        def = &p->defs[h & 0x0F];
                        if (n - o < 5)
                                return fit_fail(p, "truncated definition message at byte %zu",
                                                o + 13);
                        *def = (FitDef){.used = true, .big = d[o + 1] == 1};
                        if (d[o + 1] > 1)
                                return fit_fail(p, "definition at byte %zu: architecture %u",
                                                o + 13, d[o + 1]);
                        def->global = (uint16_t)get_uint(d + o + 2, 2, def->big);
                        def->n = d[o + 4];
                        o += 5;
                        if (n - o < (size_t)def->n * 3)
                                return fit_fail(p, "truncated definition message at byte %zu",
                                                o + 12);
                        for (size_t i = 0; i < def->n; i++) {
                                def->f[i] = (FitFieldDef){d[o], d[o + 1], d[o + 2]};
                                size += d[o + 1];
                                o += 3;
                        }
                        if (h & 0x20) {
                                uint8_t nd;

                                if (o >= n)
                                        return fit_fail(p, "truncated developer fields");
                                nd = d[o++];
                                if (n - o < (size_t)nd * 3)
                                        return fit_fail(p, "truncated developer fields");
                                for (size_t i = 0; i < nd; i++, o += 3)
                                        def->dev_size += d[o + 1];
                        }
                        (void)size;
                        continue;
                } else
                        def = &p->defs[h & 0x0F];

                if (!def->used)
                        return fit_fail(p, "data message at byte %zu uses undefined local type %u",
                                        o + 13, h & 0x0F);
                {
                        size_t size = def->dev_size;
                        int k;

                        for (size_t i = 0; i < def->n; i++)
                                size += def->f[i].size;
                        if (n - o < size)
                                return fit_fail(p, "truncated data message at byte %zu", o + 13);
                        k = data_message(p, def, d + o);
                        if (k < 0)
                                return k;
                        o += size;
                }
        }
        return 0;
}

/* ---- steps to the authored model ---- */

static const char *const duration_names[] = {
        "time",
        "distance",
        "hr_less_than",
        "hr_greater_than",
        "calories",
        "open",
        "repeat_until_steps_cmplt",
        "repeat_until_time",
        "repeat_until_distance",
        "repeat_until_calories",
        "repeat_until_hr_less_than",
        "repeat_until_hr_greater_than",
        "repeat_until_power_less_than",
        "repeat_until_power_greater_than",
        "power_less_than",
        "power_greater_than",
        "training_peaks_tss",
};

static const char *duration_name(uint64_t t)
{
        return t < ELEMENTSOF(duration_names) ? duration_names[t] : "unknown";
}

static const char *const target_names[] = {
        "speed", "heart_rate", "open", "cadence", "power", "grade", "resistance",
};

static const char *target_name(uint64_t t)
{
        return t < ELEMENTSOF(target_names) ? target_names[t] : "unknown";
}

/* "step 3 ("Tempo")" */
static const char *step_ref(const FitStep *s, size_t i, char *buf, size_t n)
{
        if (s->name[0])
                snprintf(buf, n, "step %zu (\"%s\")", i + 1, s->name);
        else
                snprintf(buf, n, "step %zu", i + 1);
        return buf;
}

static StepKind kind_of(uint64_t intensity)
{
        switch (intensity) {
        case 1:
                return STEP_KIND_REST;
        case 2:
                return STEP_KIND_WARMUP;
        case 3:
                return STEP_KIND_COOLDOWN;
        case 4:
                return STEP_KIND_RECOVERY;
        default:
                return STEP_KIND_ACTIVE;
        }
}

static int build_step(FitParser *p, const FitStep *f, size_t i, Workout *w, WorkoutStep *s)
{
        char ref[96];

        workout_step_init(s);
        s->kind = kind_of(f->intensity);
        step_ref(f, i, ref, sizeof(ref));
        switch (f->dur_type) {
        case DUR_TIME:
                if (f->dur_value == ABSENT || f->dur_value == 0 || f->dur_value > 6 * 3600 * 1000)
                        return fit_fail(p, "%s: duration_value %s ms: expected 1 ms to 6 h", ref,
                                        f->dur_value == ABSENT ? "missing" : "out of range,");
                s->end = STEP_END_TIME;
                s->end_value = (double)f->dur_value / 1000.0;
                break;
        case DUR_DISTANCE:
                if (f->dur_value == ABSENT || f->dur_value == 0 || f->dur_value > 100000 * 100)
                        return fit_fail(p, "%s: duration_value (cm) %s: expected 1 cm to 100 km",
                                        ref, f->dur_value == ABSENT ? "missing" : "out of range");
                s->end = STEP_END_DISTANCE;
                s->end_value = (double)f->dur_value / 100.0;
                break;
        case ABSENT:
        case DUR_OPEN:
                /* Open, or "lap button press" as Garmin Connect calls it. */
                s->end = STEP_END_OPEN;
                break;
        default:
                return fit_fail(p,
                                "%s: duration_type %s (%llu) is not supported: a step ends by "
                                "time, distance or the lap button",
                                ref, duration_name(f->dur_type), (unsigned long long)f->dur_type);
        }
        switch (f->tgt_type) {
        case TGT_SPEED:
                if (f->tgt_value != 0 && f->tgt_value != ABSENT)
                        return fit_fail(p,
                                        "%s: target_value speed zone %llu: paced knows no speed "
                                        "zones; give a custom range",
                                        ref, (unsigned long long)f->tgt_value);
                if (f->lo == ABSENT && f->hi == ABSENT)
                        return fit_fail(p, "%s: speed target without custom_target_value_low/high",
                                        ref);
                {
                        double lo = (double)(f->lo != ABSENT ? f->lo : f->hi) * 3.6 / 1000.0,
                               hi = (double)(f->hi != ABSENT ? f->hi : f->lo) * 3.6 / 1000.0;

                        if (!(MIN(lo, hi) >= 0.5 && MAX(lo, hi) <= 40))
                                return fit_fail(p,
                                                "%s: custom_target_speed %.1f-%.1f km/h is not "
                                                "a running speed",
                                                ref, lo, hi);
                        s->speed_lo = (SpeedValue){.kmh = MIN(lo, hi)};
                        s->speed_hi = (SpeedValue){.kmh = MAX(lo, hi)};
                        s->speed_type = lo == hi ? SPEED_TARGET_VALUE : SPEED_TARGET_RANGE;
                }
                break;
        case TGT_HEART_RATE:
                if (f->tgt_value != 0 && f->tgt_value != ABSENT) {
                        if (f->tgt_value > 5)
                                return fit_fail(p,
                                                "%s: target_value heart-rate zone %llu: "
                                                "expected 1 to 5",
                                                ref, (unsigned long long)f->tgt_value);
                        s->hr_type = HR_TARGET_ZONE;
                        s->hr_lo = s->hr_hi = (double)f->tgt_value;
                        break;
                }
                if (f->lo == ABSENT || f->hi == ABSENT)
                        return fit_fail(p,
                                        "%s: heart-rate target without custom_target_value_"
                                        "low/high",
                                        ref);
                /* Above 100: bpm + 100; up to 100: % of max HR. */
                if ((f->lo > 100) != (f->hi > 100))
                        return fit_fail(p, "%s: custom_target_heart_rate mixes bpm and %% of max",
                                        ref);
                if (f->lo > 100) {
                        if (f->lo - 100 < 40 || f->hi - 100 > 240)
                                return fit_fail(p, "%s: custom_target_heart_rate %llu-%llu bpm",
                                                ref, (unsigned long long)(f->lo - 100),
                                                (unsigned long long)(f->hi - 100));
                        s->hr_type = HR_TARGET_BPM;
                        s->hr_lo = (double)MIN(f->lo, f->hi) - 100;
                        s->hr_hi = (double)MAX(f->lo, f->hi) - 100;
                } else {
                        if (MIN(f->lo, f->hi) < 30)
                                return fit_fail(p, "%s: custom_target_heart_rate %llu-%llu %%", ref,
                                                (unsigned long long)f->lo,
                                                (unsigned long long)f->hi);
                        s->hr_type = HR_TARGET_PCT_MAX;
                        s->hr_lo = (double)MIN(f->lo, f->hi);
                        s->hr_hi = (double)MAX(f->lo, f->hi);
                }
                break;
        case ABSENT:
        case TGT_OPEN:
                s->speed_type = SPEED_TARGET_FREE;
                break;
        case TGT_CADENCE:
                s->speed_type = SPEED_TARGET_FREE;
                if (workout_add_note(w,
                                     "%s: a cadence target cannot set the belt's speed: it runs "
                                     "without speed control",
                                     ref) < 0)
                        return -ENOMEM;
                break;
        case TGT_POWER:
                return fit_fail(p,
                                "%s: target_type power: a treadmill without a power meter "
                                "cannot follow a power target",
                                ref);
        default:
                return fit_fail(p, "%s: target_type %s (%llu) is not supported", ref,
                                target_name(f->tgt_type), (unsigned long long)f->tgt_type);
        }
        if (f->name[0] || f->notes[0]) {
                if (asprintf(&s->cue, "%s%s%s", f->name, f->name[0] && f->notes[0] ? ": " : "",
                             f->notes) < 0) {
                        s->cue = NULL;
                        return -ENOMEM;
                }
        }
        return 0;
}

/* Node bookkeeping: the first FIT step index of each top-level node. */
typedef struct Builder {
        size_t *first;
        size_t n;
} Builder;

static int builder_push(Builder *b, size_t first)
{
        size_t *t = reallocarray(b->first, b->n + 1, sizeof(*t));

        if (!t)
                return -ENOMEM;
        b->first = t;
        b->first[b->n++] = first;
        return 0;
}

/*
 * "Repeat from step j, n times" closes the steps j..i-1 (already top-level
 * nodes, perhaps repeats themselves) into one repeat node.
 */
static int close_repeat(FitParser *p, Builder *b, Workout *w, const FitStep *f, size_t i)
{
        WorkoutBlock *body = &w->body;
        WorkoutNode *moved, *rep;
        size_t k, m, cap = 8;
        char ref[96];

        step_ref(f, i, ref, sizeof(ref));
        if (f->dur_value == ABSENT || f->dur_value >= i)
                return fit_fail(p,
                                "%s: duration_value (the step to repeat from) must be an "
                                "earlier step",
                                ref);
        if (f->tgt_value == ABSENT || f->tgt_value < 1 || f->tgt_value > WORKOUT_REPEAT_MAX)
                return fit_fail(p, "%s: target_value (the number of repetitions) must be 1 to %d",
                                ref, WORKOUT_REPEAT_MAX);
        for (k = 0; k < b->n && b->first[k] != f->dur_value; k++)
                ;
        if (k == b->n)
                return fit_fail(p,
                                "%s: repeats from step %llu, inside another repeat: not a "
                                "workout a watch runs",
                                ref, (unsigned long long)f->dur_value + 1);
        m = body->n_nodes - k;
        while (cap < m)
                cap *= 2;
        moved = calloc(cap, sizeof(*moved));
        if (!moved)
                return -ENOMEM;
        memcpy(moved, &body->nodes[k], m * sizeof(*moved));
        body->n_nodes = k;
        b->n = k;
        rep = workout_block_add_repeat(body, (unsigned)f->tgt_value);
        if (!rep) {
                /* Put them back: the body still owns them. */
                memcpy(&body->nodes[k], moved, m * sizeof(*moved));
                body->n_nodes = k + m;
                free(moved);
                return -ENOMEM;
        }
        rep->block = (WorkoutBlock){.nodes = moved, .n_nodes = m};
        return builder_push(b, (size_t)f->dur_value);
}

static int build_workout(FitParser *p, Workout *w)
{
        Builder b = {};
        int k = 0;

        for (size_t i = 0; i < p->n_steps && k >= 0; i++) {
                const FitStep *f = &p->steps[i];
                WorkoutStep s;

                if (f->index != ABSENT && f->index != i) {
                        k = fit_fail(p,
                                     "workout_step %zu has message_index %llu: steps out of "
                                     "order",
                                     i + 1, (unsigned long long)f->index);
                        break;
                }
                if (f->dur_type == DUR_REPEAT_STEPS) {
                        k = close_repeat(p, &b, w, f, i);
                        continue;
                }
                k = build_step(p, f, i, w, &s);
                if (k < 0) {
                        free(s.cue);
                        break;
                }
                s.line = 0;
                if (!workout_block_add_step(&w->body, &s)) {
                        free(s.cue);
                        k = -ENOMEM;
                        break;
                }
                k = builder_push(&b, i);
        }
        free(b.first);
        return k;
}

int workout_fit_parse(const void *data, size_t len, const char *filename, Workout **ret,
                      WorkoutError *ret_error)
{
        _cleanup_(workout_freep) Workout *w = NULL;
        FitParser p = {
                .file = filename ? filename : "<input>",
                .error = ret_error,
                .file_type = -1,
                .sport = -1,
        };
        const uint8_t *d = data;
        uint32_t size;
        uint8_t hs;
        int k;

        if (!data || !ret)
                return -EINVAL;
        if (len > WORKOUT_FIT_MAX) {
                workout_error_set(ret_error, p.file, 0, 0, "larger than %d bytes", WORKOUT_FIT_MAX);
                return -EFBIG;
        }
        if (!workout_fit_detect(data, len))
                return fit_fail(&p, "not a FIT file (no \".FIT\" header)");
        hs = d[0];
        size = (uint32_t)get_uint(d + 4, 4, false);
        if ((size_t)hs + size + 2 > len)
                return fit_fail(&p,
                                "truncated: the header announces %u bytes of records, the file "
                                "has %zu",
                                size, len < (size_t)hs + 2 ? 0 : len - hs - 2);
        if (hs == 14 && (d[12] | d[13]) &&
            fit_crc16(0, d, 12) != (uint16_t)get_uint(d + 12, 2, false))
                return fit_fail(&p, "header CRC mismatch: the file is damaged");
        if (fit_crc16(0, d, (size_t)hs + size) != (uint16_t)get_uint(d + hs + size, 2, false))
                return fit_fail(&p, "CRC mismatch: the file is damaged");

        k = read_records(&p, d + hs, size);
        if (k < 0)
                goto out;
        if (p.file_type != FILE_TYPE_WORKOUT) {
                k = fit_fail(&p,
                             p.file_type == FILE_TYPE_ACTIVITY
                                     ? "a FIT activity (a recorded run), not a workout: paced "
                                       "imports FIT workout files"
                                     : "FIT file type %lld is not a workout (5): paced imports FIT "
                                       "workout files",
                             (long long)p.file_type);
                goto out;
        }
        if (p.sport != -1 && p.sport != SPORT_GENERIC && p.sport != SPORT_RUNNING &&
            p.sport != SPORT_WALKING) {
                k = fit_fail(&p,
                             "this is a %s workout (workout sport %lld): only running workouts "
                             "can be imported",
                             p.sport == 2   ? "cycling"
                             : p.sport == 5 ? "swimming"
                                            : "non-running",
                             (long long)p.sport);
                goto out;
        }
        if (p.n_steps == 0) {
                k = fit_fail(&p, "no workout_step messages");
                goto out;
        }
        k = workout_new(&w, p.name[0] ? p.name : NULL);
        if (k < 0)
                goto out;
        k = build_workout(&p, w);
        if (k < 0)
                goto out;
        if (workout_count_steps(w) > WORKOUT_STEPS_MAX) {
                k = fit_fail(&p, "more than %d steps after repeats", WORKOUT_STEPS_MAX);
                goto out;
        }
        if (!w->name) {
                w->name = filename ? workout_name_from_path(filename) : strdup("workout");
                if (!w->name) {
                        k = -ENOMEM;
                        goto out;
                }
        }
        *ret = TAKE_PTR(w);
out:
        free(p.steps);
        return k < 0 ? k : 0;
}
