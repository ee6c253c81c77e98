/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intervals.icu-style workout text. A line is one of:
 *   blank                 ends a repeat block
 *   "# name: …", "# …"    metadata / comment (extension)
 *   "- <step>"            a step: [cue] <duration|distance|open> [targets…]
 *   "<title> Nx" / "Nx"   a repeat header: the steps right below repeat N times
 *   "<title>"             a section header (sets the default step kind)
 * The grammar is documented with examples in docs/workouts.md.
 */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "time-util.h"
#include "utf8.h"
#include "workout-text.h"

#define TOKENS_MAX    64
#define STEP_TIME_MAX (6 * 3600.0)
#define STEP_DIST_MAX 100000.0
#define SPEED_MIN_KMH 0.5
#define SPEED_MAX_KMH 40.0
#define INCLINE_MIN   -10.0
#define INCLINE_MAX   40.0

typedef struct Token {
        const char *s; /* NUL-terminated copy */
        unsigned column;
} Token;

typedef struct Parser {
        const char *file;
        WorkoutError *error;
        Workout *w;
        unsigned line;
        StepKind section_kind;
        bool repeat;         /* a repeat block is open */
        size_t repeat_index; /* its index in body (the pointer moves on realloc) */
        unsigned repeat_line, repeat_column;
} Parser;

static int fail(Parser *p, unsigned column, const char *fmt, ...) _printf_(3, 4);

static int fail(Parser *p, unsigned column, const char *fmt, ...)
{
        char msg[sizeof(p->error->message)];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        workout_error_set(p->error, p->file, p->line, column, "%s", msg);
        return -EBADMSG;
}

/* ---- numbers ---- */

/* "a-b<suffix>" or "a<suffix>" with a, b unsigned decimals (a may carry a
 * '-' sign when allow_negative). Returns the number of values (1 or 2). */
static int parse_values(const char *s, const char *suffix, bool allow_negative, double *a,
                        double *b)
{
        size_t len = strlen(s), sl = strlen(suffix), n;
        double sign = 1;
        char buf[64];
        char *dash;

        if (len <= sl || len - sl >= sizeof(buf) || strcasecmp(s + len - sl, suffix) != 0)
                return 0;
        memcpy(buf, s, len - sl);
        buf[len - sl] = 0;
        s = buf;
        if (allow_negative && *s == '-') {
                sign = -1;
                s++;
        }
        dash = strchr(s, '-');
        if (dash)
                *dash = 0;
        n = scan_decimal(s, a);
        if (n == 0 || s[n])
                return 0;
        *a *= sign;
        if (!dash)
                return 1;
        n = scan_decimal(dash + 1, b);
        if (n == 0 || dash[1 + n])
                return 0;
        return 2;
}

/* "5:20/mi", "7:15-7:00/km", "80/400m": speeds in km/h, in written order. */
static int parse_pace_values(const char *s, double *a, double *b)
{
        const char *slash = strchr(s, '/'), *dash;
        char buf[64];
        double pa, pb;

        if (!slash || strlen(s) >= sizeof(buf) - 16)
                return 0;
        dash = memchr(s, '-', slash - s);
        if (!dash) {
                if (parse_pace(s, &pa) < 0)
                        return -EINVAL;
                *a = 3600.0 / pa;
                return 1;
        }
        snprintf(buf, sizeof(buf), "%.*s%s", (int)(dash - s), s, slash);
        if (parse_pace(buf, &pa) < 0)
                return -EINVAL;
        snprintf(buf, sizeof(buf), "%.*s", (int)(strlen(dash + 1)), dash + 1);
        if (parse_pace(buf, &pb) < 0)
                return -EINVAL;
        *a = 3600.0 / pa;
        *b = 3600.0 / pb;
        return 2;
}

/* "12km/h", "12kph", "7.5mph", "10-12km/h" -> km/h */
static int parse_speed_values(const char *s, double *a, double *b)
{
        static const struct {
                const char *suffix;
                double mult;
        } units[] = {{"km/h", 1.0}, {"kph", 1.0}, {"mph", KMH_PER_MPH}};

        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                int n = parse_values(s, units[i].suffix, false, a, b);

                if (n > 0) {
                        *a *= units[i].mult;
                        *b *= units[i].mult;
                        return n;
                }
        }
        return 0;
}

static bool parse_zone(const char *s, double *a, double *b)
{
        char c;
        int n;
        unsigned x, y;

        if (sscanf(s, "%*[zZ]%u%c", &x, &c) == 1) {
                *a = *b = x;
                return true;
        }
        n = sscanf(s, "%*[zZ]%u-%*[zZ]%u%c", &x, &y, &c);
        if (n == 2) {
                *a = x;
                *b = y;
                return true;
        }
        return false;
}

/*
 * intervals.icu's default running pace zones, as % of threshold speed
 * (faster is more): Z1 up to 77.5, Z2 87.7, Z3 94.3, Z4 100, Z5a (Z5) 103.4,
 * Z5b (Z6) 111.5, Z5c (Z7) above. Z1 has no lower bound there and Z5c no
 * upper one: a belt needs both, so Z1 starts at 70 % and Z5c ends at 120 %
 * (docs/workouts.md, "Pace zones").
 */
static const double pace_zone_pct[8] = {70.0, 77.5, 87.7, 94.3, 100.0, 103.4, 111.5, 120.0};
#define PACE_ZONES 7

/* "Z2", "Z5a", "z5c": zone 1..7 (Z5a/b/c are 5/6/7); 0 if not a zone. */
static unsigned zone_number(const char *s, size_t len)
{
        unsigned z;

        if (len < 2 || (s[0] != 'Z' && s[0] != 'z') || s[1] < '1' || s[1] > '7')
                return 0;
        z = (unsigned)(s[1] - '0');
        if (len == 2)
                return z;
        if (len == 3 && z == 5 && s[2] >= 'a' && s[2] <= 'c')
                return 5 + (unsigned)(s[2] - 'a');
        return 0;
}

/* "Z2", "Z1-Z2", "Z5a-Z5b" */
static bool parse_zone_range(const char *s, unsigned *a, unsigned *b)
{
        const char *dash = strchr(s, '-');

        if (!dash) {
                *a = *b = zone_number(s, strlen(s));
                return *a > 0;
        }
        *a = zone_number(s, (size_t)(dash - s));
        *b = zone_number(dash + 1, strlen(dash + 1));
        return *a > 0 && *b > 0;
}

/* "5:00", "4:30-4:15": a pace without a unit, in written order; 0 if not one. */
static int parse_unitless_pace(const char *s, double *a, double *b)
{
        unsigned m1, s1, m2, s2;
        char c;

        if (sscanf(s, "%2u:%2u-%2u:%2u%c", &m1, &s1, &m2, &s2, &c) == 4 && s1 < 60 && s2 < 60 &&
            strlen(s) <= 11) {
                *a = m1 * 60.0 + s1;
                *b = m2 * 60.0 + s2;
                return 2;
        }
        if (sscanf(s, "%2u:%2u%c", &m1, &s1, &c) == 2 && s1 < 60 && strlen(s) <= 5) {
                *a = *b = m1 * 60.0 + s1;
                return 1;
        }
        return 0;
}

/* "315w", "200-240W", "315W": a power target in watts. */
static bool is_watts(const char *s)
{
        size_t n = strlen(s);

        if (n < 2 || (s[n - 1] != 'w' && s[n - 1] != 'W'))
                return false;
        for (size_t i = 0; i + 1 < n; i++)
                if (!isdigit((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
                        return false;
        return isdigit((unsigned char)s[0]);
}

static bool word_is(const Token *t, const char *w)
{
        return t && strcasecmp(t->s, w) == 0;
}

/* ---- steps ---- */

static StepKind kind_from_words(const char *s, StepKind fallback)
{
        static const struct {
                const char *prefix;
                StepKind kind;
        } words[] = {
                /* Before "warm": a warm-down is a cool-down. */
                {"warm down", STEP_KIND_COOLDOWN},
                {"warm-down", STEP_KIND_COOLDOWN},
                {"warmdown", STEP_KIND_COOLDOWN},
                {"warm", STEP_KIND_WARMUP},
                {"cool", STEP_KIND_COOLDOWN},
                {"recover", STEP_KIND_RECOVERY},
                {"jog", STEP_KIND_RECOVERY},
                {"float", STEP_KIND_RECOVERY},
                {"rest", STEP_KIND_REST},
                {"walk", STEP_KIND_RECOVERY},
                {"stride", STEP_KIND_STRIDE},
                {"accel", STEP_KIND_STRIDE},
                {"time trial", STEP_KIND_TIME_TRIAL},
                /* Not "race": "Race pace 400s" is an interval, not a trial. */
                {"time-trial", STEP_KIND_TIME_TRIAL},
        };

        for (size_t i = 0; i < ELEMENTSOF(words); i++)
                if (strncasecmp(s, words[i].prefix, strlen(words[i].prefix)) == 0)
                        return words[i].kind;
        return fallback;
}

static StepKind kind_from_title(const char *s)
{
        /* A title may name its kind anywhere: "Main set: strides 6x". */
        for (const char *p = s; *p; p++)
                if (p == s || !isalnum((unsigned char)p[-1])) {
                        StepKind k = kind_from_words(p, _STEP_KIND_INVALID);

                        if (k >= 0)
                                return k;
                }
        return STEP_KIND_ACTIVE;
}

static int set_speed(Parser *p, WorkoutStep *s, const Token *t, bool ramp, int n, SpeedValue a,
                     SpeedValue b)
{
        if (s->speed_type != SPEED_TARGET_NONE)
                return fail(p, t->column, "the step already has a speed target");
        if (ramp && n != 2)
                return fail(p, t->column, "'ramp' needs a range, as in 'ramp 60-80%% Pace'");
        s->speed_lo = a;
        s->speed_hi = n == 2 ? b : a;
        s->speed_type = ramp ? SPEED_TARGET_RAMP : n == 2 ? SPEED_TARGET_RANGE : SPEED_TARGET_VALUE;
        /* A range is stored slow .. fast whatever the written order. */
        if (s->speed_type == SPEED_TARGET_RANGE) {
                double x = a.relative ? a.pct : a.kmh, y = b.relative ? b.pct : b.kmh;

                if (x > y) {
                        s->speed_lo = b;
                        s->speed_hi = a;
                }
        }
        return 0;
}

static int check_speed(Parser *p, const Token *t, double kmh)
{
        if (!(kmh >= SPEED_MIN_KMH && kmh <= SPEED_MAX_KMH))
                return fail(p, t->column,
                            "speed %.1f km/h in '%s' is not a running speed (%.1f-%.0f km/h)", kmh,
                            t->s, SPEED_MIN_KMH, SPEED_MAX_KMH);
        return 0;
}

/* n speeds in km/h written in t, each checked, then set as the step's target (at where). */
static int set_absolute_speed(Parser *p, WorkoutStep *s, const Token *t, const Token *where,
                              bool ramp, int n, double a, double b)
{
        int k;

        k = check_speed(p, t, a);
        if (k == 0 && n == 2)
                k = check_speed(p, t, b);
        if (k < 0)
                return k;
        return set_speed(p, s, where, ramp, n, (SpeedValue){.kmh = a}, (SpeedValue){.kmh = b});
}

static int set_hr(Parser *p, WorkoutStep *s, const Token *t, bool ramp, HrTargetType type, int n,
                  double a, double b)
{
        if (ramp)
                return fail(p, t->column, "a heart-rate target cannot ramp");
        if (s->hr_type != HR_TARGET_NONE)
                return fail(p, t->column, "the step already has a heart-rate target");
        s->hr_type = type;
        s->hr_lo = n == 2 ? MIN(a, b) : a;
        s->hr_hi = n == 2 ? MAX(a, b) : a;
        return 0;
}

/* Parses the targets in toks[0..n) into s. */
static int parse_targets(Parser *p, WorkoutStep *s, const Token *toks, size_t n)
{
        bool ramp = false;
        const Token *ramp_tok = NULL;
        int k;

        for (size_t i = 0; i < n; i++) {
                const Token *t = &toks[i], *next = i + 1 < n ? &toks[i + 1] : NULL;
                SpeedValue va = {}, vb = {};
                double a = 0, b = 0;
                int m;
                PaceRef ref;

                if (word_is(t, "ramp")) {
                        if (ramp)
                                return fail(p, t->column, "'ramp' twice");
                        ramp = true;
                        ramp_tok = t;
                        continue;
                }
                if (word_is(t, "freeride") || word_is(t, "free")) {
                        if (ramp)
                                return fail(p, t->column, "'freeride' cannot ramp");
                        if (s->speed_type != SPEED_TARGET_NONE)
                                return fail(p, t->column, "the step already has a speed target");
                        s->speed_type = SPEED_TARGET_FREE;
                        continue;
                }
                if (t->s[0] == '+' || (t->s[0] == '-' && !strchr(t->s, '%'))) {
                        /* "+0.5km/h" step-up per repetition, "+1s" time offset */
                        double sign = t->s[0] == '-' ? -1 : 1;

                        if (ramp)
                                return fail(p, t->column, "expected a range after 'ramp'");
                        if (parse_speed_values(t->s + 1, &a, &b) == 1) {
                                if (sign < 0 || !(a > 0) || a > 5)
                                        return fail(p, t->column,
                                                    "a step-up must be between 0 and +5 km/h");
                                if (!p->repeat)
                                        return fail(p, t->column,
                                                    "a step-up ('%s') only makes sense inside a "
                                                    "repeat block",
                                                    t->s);
                                s->speed_step_kmh = a;
                                continue;
                        }
                        if (parse_duration(t->s + 1, 0, &a) >= 0 && a <= 60) {
                                if (s->end != STEP_END_DISTANCE)
                                        return fail(p, t->column,
                                                    "a time offset ('%s') needs a distance step",
                                                    t->s);
                                s->time_offset_s = sign * a;
                                continue;
                        }
                        return fail(p, t->column,
                                    "expected a step-up such as '+0.5km/h' or a time offset such "
                                    "as '+1s', got '%s'",
                                    t->s);
                }
                if (is_watts(t->s))
                        return fail(p, t->column,
                                    "'%s' is a power target: a treadmill without a power meter "
                                    "cannot follow power (write a pace, a speed or 'HR')",
                                    t->s);
                {
                        unsigned za, zb;

                        if (parse_zone_range(t->s, &za, &zb) && word_is(next, "Pace")) {
                                if (zb < za && !ramp) {
                                        unsigned x = za;

                                        za = zb;
                                        zb = x;
                                }
                                if (ramp) {
                                        /* From the middle of the first zone to the middle of the
                                         * last. */
                                        va = (SpeedValue){
                                                .relative = true,
                                                .ref = PACE_REF_THRESHOLD,
                                                .pct = (pace_zone_pct[za - 1] + pace_zone_pct[za]) /
                                                       2,
                                        };
                                        vb = (SpeedValue){
                                                .relative = true,
                                                .ref = PACE_REF_THRESHOLD,
                                                .pct = (pace_zone_pct[zb - 1] + pace_zone_pct[zb]) /
                                                       2,
                                        };
                                        if (za == zb)
                                                return fail(p, ramp_tok->column,
                                                            "'ramp' needs two zones, as in 'ramp "
                                                            "Z1-Z3 Pace'");
                                } else {
                                        va = (SpeedValue){.relative = true,
                                                          .ref = PACE_REF_THRESHOLD,
                                                          .pct = pace_zone_pct[za - 1]};
                                        vb = (SpeedValue){.relative = true,
                                                          .ref = PACE_REF_THRESHOLD,
                                                          .pct = pace_zone_pct[zb]};
                                }
                                k = set_speed(p, s, ramp ? ramp_tok : t, ramp, 2, va, vb);
                                if (k < 0)
                                        return k;
                                i++;
                                goto next;
                        }
                        if (parse_zone_range(t->s, &za, &zb) && !word_is(next, "HR"))
                                return fail(p, t->column,
                                            "'%s' alone is a power zone in intervals.icu: a "
                                            "treadmill without a power meter cannot follow power "
                                            "(write '%s Pace' or '%s HR')",
                                            t->s, t->s, t->s);
                }
                m = parse_unitless_pace(t->s, &a, &b);
                if (m > 0 && word_is(next, "Pace")) {
                        /* intervals.icu: the sport's pace unit; here the profile's (km or mi). */
                        if (MIN(a, b) < 60 || MAX(a, b) > 1800)
                                return fail(p, t->column,
                                            "a pace must be 1:00 to 30:00 per km or mile, got "
                                            "'%s'",
                                            t->s);
                        /* A range is stored slow .. fast (the longer time first) unless it ramps.
                         */
                        if (m == 2 && !ramp && a < b) {
                                double x = a;

                                a = b;
                                b = x;
                        }
                        va = (SpeedValue){.pace_s_per_unit = a};
                        vb = (SpeedValue){.pace_s_per_unit = b};
                        k = set_speed(p, s, ramp ? ramp_tok : t, ramp, m, va, vb);
                        if (k < 0)
                                return k;
                        i++;
                        goto next;
                }
                if (parse_zone(t->s, &a, &b)) {
                        if (!word_is(next, "HR"))
                                return fail(p, next ? next->column : t->column + strlen(t->s),
                                            "expected 'HR' or 'Pace' after '%s'", t->s);
                        if (a < 1 || a > 5 || b < 1 || b > 5)
                                return fail(p, t->column, "heart-rate zones are Z1 to Z5, got '%s'",
                                            t->s);
                        k = set_hr(p, s, t, ramp, HR_TARGET_ZONE, 2, a, b);
                        if (k < 0)
                                return k;
                        i++;
                        goto next;
                }
                m = parse_values(t->s, "bpm", false, &a, &b);
                if (m > 0) {
                        if (a < 40 || a > 230 || (m == 2 && (b < 40 || b > 230)))
                                return fail(p, t->column, "heart rate must be 40-230 bpm, got '%s'",
                                            t->s);
                        k = set_hr(p, s, t, ramp, HR_TARGET_BPM, m, a, b);
                        if (k < 0)
                                return k;
                        if (word_is(next, "HR"))
                                i++;
                        goto next;
                }
                m = parse_values(t->s, "%", true, &a, &b);
                if (m > 0) {
                        if (word_is(next, "incline") || word_is(next, "grade")) {
                                if (s->has_incline)
                                        return fail(p, t->column,
                                                    "the step already has an incline target");
                                if (ramp && m != 2)
                                        return fail(
                                                p, ramp_tok->column,
                                                "'ramp' needs a range, as in 'ramp 0-6%% incline'");
                                if (a < INCLINE_MIN || a > INCLINE_MAX ||
                                    (m == 2 && (b < INCLINE_MIN || b > INCLINE_MAX)))
                                        return fail(p, t->column,
                                                    "incline must be between %.0f and %.0f %%, got "
                                                    "'%s'",
                                                    INCLINE_MIN, INCLINE_MAX, t->s);
                                if (m == 2 && !ramp)
                                        return fail(
                                                p, t->column,
                                                "an incline range needs 'ramp' ('ramp %s incline')",
                                                t->s);
                                s->has_incline = true;
                                s->incline_ramp = ramp;
                                s->incline_lo_pct = a;
                                s->incline_hi_pct = m == 2 ? b : a;
                                i++;
                                goto next;
                        }
                        if (a < 0)
                                return fail(p, t->column,
                                            "a negative percentage is only valid for incline");
                        if (word_is(next, "HR") || word_is(next, "LTHR")) {
                                if (a < 30 || a > 120 || (m == 2 && (b < 30 || b > 120)))
                                        return fail(p, t->column,
                                                    "a heart-rate percentage must be 30-120 %%, "
                                                    "got '%s'",
                                                    t->s);
                                k = set_hr(p, s, t, ramp,
                                           word_is(next, "HR") ? HR_TARGET_PCT_MAX
                                                               : HR_TARGET_PCT_LTHR,
                                           m, a, b);
                                if (k < 0)
                                        return k;
                                i++;
                                goto next;
                        }
                        if (!next)
                                return fail(p, t->column,
                                            "'%s' alone is a %% of FTP power target in "
                                            "intervals.icu: a treadmill without a power meter "
                                            "cannot follow power (write '%s Pace' for threshold "
                                            "pace)",
                                            t->s, t->s);
                        ref = PACE_REF_THRESHOLD;
                        if (next && !word_is(next, "Pace")) {
                                ref = pace_ref_from_string(next->s);
                                if (ref < 0)
                                        return fail(p, next->column,
                                                    "expected 'Pace', a reference pace (mile, 5k, "
                                                    "10k, half, marathon, threshold, easy, goal), "
                                                    "'HR', "
                                                    "'LTHR' or 'incline' after '%s'",
                                                    t->s);
                                i++;
                                next = i + 1 < n ? &toks[i + 1] : NULL;
                        }
                        if (!word_is(next, "Pace"))
                                return fail(p,
                                            next ? next->column
                                                 : toks[i].column + (unsigned)strlen(toks[i].s),
                                            "expected 'Pace' after '%s'", t->s);
                        if (a < 10 || a > 300 || (m == 2 && (b < 10 || b > 300)))
                                return fail(p, t->column,
                                            "a pace percentage must be 10-300 %%, got '%s'", t->s);
                        va = (SpeedValue){.relative = true, .ref = ref, .pct = a};
                        vb = (SpeedValue){.relative = true, .ref = ref, .pct = b};
                        k = set_speed(p, s, ramp ? ramp_tok : t, ramp, m, va, vb);
                        if (k < 0)
                                return k;
                        i++;
                        goto next;
                }
                m = parse_speed_values(t->s, &a, &b);
                if (m > 0) {
                        k = set_absolute_speed(p, s, t, ramp ? ramp_tok : t, ramp, m, a, b);
                        if (k < 0)
                                return k;
                        goto next;
                }
                if (strchr(t->s, '/')) {
                        m = parse_pace_values(t->s, &a, &b);
                        if (m <= 0)
                                return fail(p, t->column,
                                            "expected a pace such as '5:20/mi', '3:20/km', "
                                            "'80/400m' or a range '7:15-7:00/km', got '%s'",
                                            t->s);
                        k = set_absolute_speed(p, s, t, ramp ? ramp_tok : t, ramp, m, a, b);
                        if (k < 0)
                                return k;
                        /* intervals.icu writes "Pace" after a pace; optional here. */
                        if (word_is(next, "Pace"))
                                i++;
                        goto next;
                }
                ref = pace_ref_from_string(t->s);
                if (ref >= 0) {
                        if (!word_is(next, "Pace"))
                                return fail(p, next ? next->column : t->column + strlen(t->s),
                                            "expected 'Pace' after '%s'", t->s);
                        if (ramp)
                                return fail(p, ramp_tok->column,
                                            "'ramp' needs a range, as in 'ramp 60-80%% Pace'");
                        va = (SpeedValue){.relative = true, .ref = ref, .pct = 100};
                        k = set_speed(p, s, t, false, 1, va, va);
                        if (k < 0)
                                return k;
                        i++;
                        goto next;
                }
                if (ramp)
                        return fail(p, t->column, "expected a range after 'ramp', got '%s'", t->s);
                return fail(p, t->column,
                            "expected a target (a pace '5:20/mi', '90%% Pace', 'mile Pace', a "
                            "speed '12km/h', 'Z2 HR', '75-80%% HR', '95%% LTHR', '6%% incline' or "
                            "'freeride'), got '%s'",
                            t->s);
        next:
                ramp = false;
                ramp_tok = NULL;
        }
        if (ramp)
                return fail(p, ramp_tok->column, "expected a range after 'ramp'");
        if (s->speed_step_kmh != 0 && s->speed_type != SPEED_TARGET_VALUE)
                return fail(p, toks[0].column, "a step-up needs a single speed or pace target");
        if (s->time_offset_s != 0 && s->speed_type != SPEED_TARGET_VALUE)
                return fail(p, toks[0].column, "a time offset needs a single speed or pace target");
        return 0;
}

static bool parse_end(const char *s, StepEnd *end, double *value)
{
        if (strcasecmp(s, "open") == 0) {
                *end = STEP_END_OPEN;
                *value = 0;
                return true;
        }
        if (parse_duration(s, 0, value) >= 0) {
                *end = STEP_END_TIME;
                return true;
        }
        if (parse_distance(s, 0, value) >= 0) {
                *end = STEP_END_DISTANCE;
                return true;
        }
        return false;
}

/* "33^", "1m30^": a timed prompt's offset in seconds; false if t starts none. */
static bool prompt_offset(const char *t, double *ret)
{
        const char *caret = strchr(t, '^');
        char buf[16];
        double x;

        if (!caret || caret == t || (size_t)(caret - t) >= sizeof(buf))
                return false;
        memcpy(buf, t, (size_t)(caret - t));
        buf[caret - t] = 0;
        if (scan_decimal(buf, &x) == strlen(buf)) {
                *ret = x;
                return true;
        }
        return parse_duration(buf, 0, ret) >= 0;
}

/*
 * intervals.icu's timed prompts after the targets: "33^Second prompt <!>
 * 66^Third": each runs to the next "N^", N seconds into the step. "<!>"
 * (intervals.icu's alert mark) is not said.
 */
static int parse_prompts(Parser *p, WorkoutStep *s, const Token *toks, size_t n)
{
        for (size_t i = 0; i < n;) {
                char text[512] = "";
                size_t len = 0, j;
                double at;
                int k;

                if (!prompt_offset(toks[i].s, &at))
                        return fail(p, toks[i].column,
                                    "expected a timed prompt such as '30^Go', "
                                    "got '%s'",
                                    toks[i].s);
                if (at > STEP_TIME_MAX)
                        return fail(p, toks[i].column, "a prompt more than 6 hours into the step");
                for (j = i; j < n; j++) {
                        const char *w = toks[j].s;
                        double x;

                        if (j > i && prompt_offset(w, &x))
                                break;
                        if (j == i)
                                w = strchr(w, '^') + 1;
                        if (streq(w, "<!>") || !*w)
                                continue;
                        len += (size_t)snprintf(text + len,
                                                len < sizeof(text) ? sizeof(text) - len : 0, "%s%s",
                                                len ? " " : "", w);
                }
                if (len >= sizeof(text))
                        text[sizeof(text) - 1] = 0;
                /* "<!>" glued to the text */
                len = strlen(text);
                if (len >= 3 && streq(text + len - 3, "<!>"))
                        text[len - 3] = 0;
                if (!text[0])
                        return fail(p, toks[i].column, "a timed prompt needs text after '^'");
                k = workout_step_add_cue(s, at, false, text);
                if (k == -E2BIG)
                        return fail(p, toks[i].column, "more than %d prompts in one step",
                                    STEP_CUES_MAX);
                if (k < 0)
                        return k;
                i = j;
        }
        return 0;
}

static int parse_step(Parser *p, char *line, unsigned col0)
{
        _cleanup_free_ char *cue = NULL;
        Token toks[TOKENS_MAX];
        size_t n = 0, end_i = SIZE_MAX, prompt_i, j;
        bool press_lap = false;
        char about[64] = "";
        WorkoutStep s;
        WorkoutBlock *b;
        int k;

        /* Split into whitespace-separated tokens, remembering columns. */
        for (char *c = line; *c;) {
                if (isspace((unsigned char)*c)) {
                        *c++ = 0;
                        continue;
                }
                if (n == TOKENS_MAX)
                        return fail(p, col0 + (unsigned)(c - line), "too many words in one step");
                toks[n++] = (Token){.s = c, .column = col0 + (unsigned)(c - line)};
                while (*c && !isspace((unsigned char)*c))
                        c++;
                /* intervals.icu writes ranges "60%-80%": the same as "60-80%". */
                for (char *q = (char *)toks[n - 1].s; (q = strstr(q, "%-"));)
                        memmove(q, q + 1, strlen(q));
        }
        if (n == 0)
                return fail(p, col0, "empty step: expected a duration, distance or 'open'");

        /* The timed prompts run to the end of the line. */
        for (prompt_i = 0; prompt_i < n; prompt_i++) {
                double x;

                if (prompt_offset(toks[prompt_i].s, &x))
                        break;
        }
        /* "press lap": the step ends when the runner says so (the lap button). */
        for (size_t i = j = 0; i < prompt_i; i++) {
                if (word_is(&toks[i], "press") && i + 1 < prompt_i &&
                    word_is(&toks[i + 1], "lap")) {
                        press_lap = true;
                        i++;
                        continue;
                }
                toks[j++] = toks[i];
        }
        if (j < prompt_i) {
                memmove(&toks[j], &toks[prompt_i], (n - prompt_i) * sizeof(*toks));
                n -= prompt_i - j;
                prompt_i = j;
        }
        if (prompt_i == 0)
                return fail(p, toks[0].column, "expected a duration before the prompts");

        workout_step_init(&s);
        s.line = p->line;
        for (size_t i = 0; i < prompt_i; i++)
                if (parse_end(toks[i].s, &s.end, &s.end_value)) {
                        end_i = i;
                        break;
                }
        if (end_i == SIZE_MAX && press_lap) {
                /* "- Z2 Pace press lap": no duration at all. */
                s.end = STEP_END_OPEN;
                s.end_value = 0;
        } else if (end_i == SIZE_MAX)
                return fail(p, toks[0].column,
                            "expected a duration (10m, 30s, 1m30, 5'), a distance (400mtr, 1km, "
                            "1mi) or 'open'");
        if (s.end == STEP_END_TIME && !(s.end_value > 0))
                return fail(p, toks[end_i].column, "a duration must be longer than zero");
        if (s.end == STEP_END_DISTANCE && !(s.end_value > 0))
                return fail(p, toks[end_i].column, "a distance must be longer than zero");
        if (s.end == STEP_END_TIME && s.end_value > STEP_TIME_MAX)
                return fail(p, toks[end_i].column,
                            "'%s' is longer than 6 hours ('m' is minutes; metres are 'mtr')",
                            toks[end_i].s);
        if (s.end == STEP_END_DISTANCE && s.end_value > STEP_DIST_MAX)
                return fail(p, toks[end_i].column, "'%s' is longer than 100 km", toks[end_i].s);
        for (size_t i = end_i == SIZE_MAX ? 0 : end_i + 1; i < prompt_i; i++) {
                StepEnd e;
                double v;

                if (parse_end(toks[i].s, &e, &v) && !word_is(&toks[i], "open"))
                        return fail(p, toks[i].column,
                                    "the step already ends after '%s'; one duration or distance "
                                    "per step",
                                    end_i == SIZE_MAX ? "press lap" : toks[end_i].s);
        }
        if (press_lap && end_i != SIZE_MAX) {
                /* The written length is what the runner aims for; the lap button ends it. */
                if (s.end == STEP_END_TIME)
                        snprintf(about, sizeof(about), "press lap after about %s",
                                 format_duration((char[32]){}, 32, s.end_value, 0));
                else if (s.end == STEP_END_DISTANCE)
                        snprintf(about, sizeof(about), "press lap after %.0f m", s.end_value);
                s.end = STEP_END_OPEN;
                s.end_value = 0;
        }

        /* The cue: the words before the duration, as written. */
        if (end_i != SIZE_MAX && (end_i > 0 || about[0])) {
                size_t len = strlen(about) + 4;

                for (size_t i = 0; i < end_i; i++)
                        len += strlen(toks[i].s) + 1;
                cue = malloc(len);
                if (!cue)
                        return -ENOMEM;
                cue[0] = 0;
                for (size_t i = 0; i < end_i; i++) {
                        if (i > 0)
                                strcat(cue, " ");
                        strcat(cue, toks[i].s);
                }
                if (about[0]) {
                        if (end_i > 0)
                                strcat(cue, ": ");
                        strcat(cue, about);
                }
        }
        s.kind = end_i > 0 && end_i != SIZE_MAX && cue ? kind_from_words(cue, p->section_kind)
                                                       : p->section_kind;
        /* A walk or jog in the warm-up is still warm-up. */
        if ((p->section_kind == STEP_KIND_WARMUP || p->section_kind == STEP_KIND_COOLDOWN) &&
            (s.kind == STEP_KIND_RECOVERY || s.kind == STEP_KIND_REST))
                s.kind = p->section_kind;

        j = end_i == SIZE_MAX ? 0 : end_i + 1;
        k = parse_targets(p, &s, toks + j, prompt_i - j);
        if (k >= 0)
                k = parse_prompts(p, &s, toks + prompt_i, n - prompt_i);
        if (k < 0) {
                step_cues_free(s.cues, s.n_cues);
                return k;
        }

        s.cue = TAKE_PTR(cue);
        b = p->repeat ? &p->w->body.nodes[p->repeat_index].block : &p->w->body;
        if (!workout_block_add_step(b, &s)) {
                free(s.cue);
                step_cues_free(s.cues, s.n_cues);
                return -ENOMEM;
        }
        return 0;
}

static int close_repeat(Parser *p)
{
        if (!p->repeat)
                return 0;
        if (p->w->body.nodes[p->repeat_index].block.n_nodes == 0) {
                p->line = p->repeat_line;
                return fail(p, p->repeat_column,
                            "the repeat block has no steps: '- ' steps must follow the 'Nx' line "
                            "directly");
        }
        p->repeat = false;
        return 0;
}

/* "<title> Nx" or "Nx": returns true and fills count/column/title length. */
static bool split_repeat(const char *s, size_t len, unsigned long *count, size_t *num_at)
{
        size_t i;

        if (len < 2 || (s[len - 1] != 'x' && s[len - 1] != 'X'))
                return false;
        i = len - 1;
        while (i > 0 && isdigit((unsigned char)s[i - 1]))
                i--;
        if (i == len - 1 || (i > 0 && !isspace((unsigned char)s[i - 1])))
                return false;
        if (len - 1 - i > 6) {
                *count = ULONG_MAX;
        } else {
                *count = strtoul(s + i, NULL, 10);
        }
        *num_at = i;
        return true;
}

static int parse_header(Parser *p, char *s, unsigned col0)
{
        size_t len = strlen(s), num_at;
        unsigned long count;
        WorkoutNode *node;
        int k;

        k = close_repeat(p);
        if (k < 0)
                return k;
        while (len > 0 && isspace((unsigned char)s[len - 1]))
                s[--len] = 0;
        if (split_repeat(s, len, &count, &num_at)) {
                if (count < 1 || count > WORKOUT_REPEAT_MAX)
                        return fail(p, col0 + (unsigned)num_at,
                                    "a repeat count must be 1 to %d, got '%s'", WORKOUT_REPEAT_MAX,
                                    s + num_at);
                s[num_at] = 0;
                /* Keep the section's kind unless the title names one. */
                if (num_at > 0)
                        p->section_kind = kind_from_title(s);
                node = workout_block_add_repeat(&p->w->body, (unsigned)count);
                if (!node)
                        return -ENOMEM;
                p->repeat = true;
                p->repeat_index = p->w->body.n_nodes - 1;
                p->repeat_line = p->line;
                p->repeat_column = col0 + (unsigned)num_at;
                return 0;
        }
        p->section_kind = kind_from_title(s);
        return 0;
}

static int parse_comment(Parser *p, const char *s)
{
        static const char *const keys[] = {"name:", "description:"};

        while (*s == '#' || isspace((unsigned char)*s))
                s++;
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                char **field = i == 0 ? &p->w->name : &p->w->description;
                const char *v;
                size_t len;

                if (strncasecmp(s, keys[i], strlen(keys[i])) != 0)
                        continue;
                v = s + strlen(keys[i]);
                while (isspace((unsigned char)*v))
                        v++;
                len = strlen(v);
                while (len > 0 && isspace((unsigned char)v[len - 1]))
                        len--;
                if (len == 0)
                        continue;
                free(*field);
                *field = strndup(v, len);
                if (!*field)
                        return -ENOMEM;
        }
        return 0;
}

static int parse_line(Parser *p, char *s)
{
        char *c = s;

        while (*c == ' ' || *c == '\t')
                c++;
        if (*c == 0) {
                return close_repeat(p);
        }
        if (*c == '#')
                return parse_comment(p, c);
        if (*c == '-' && (c[1] == ' ' || c[1] == '\t' || c[1] == 0))
                return parse_step(p, c + 1, (unsigned)(c + 1 - s) + 1);
        if (*c == '-')
                return fail(p, (unsigned)(c - s) + 2, "expected a space after '-'");
        return parse_header(p, c, (unsigned)(c - s) + 1);
}

/* Names and cues go to D-Bus (UTF-8 only), XML exports and terminals:
 * refuse what is not text rather than pass it on. */
static int check_text(Parser *p, const char *line, size_t l)
{
        size_t bad = utf8_find_bad(line, l, true), k;

        if (bad == l)
                return 0;
        k = utf8_char_len(line + bad, l - bad);
        if (k == 0)
                return fail(p, (unsigned)bad + 1, "not UTF-8 text (byte 0x%02x)",
                            (unsigned char)line[bad]);
        return fail(p, (unsigned)bad + 1, "control character U+%04X: not text",
                    utf8_char_decode(line + bad, k));
}

int workout_text_parse(const char *text, size_t len, const char *filename, Workout **ret,
                       WorkoutError *ret_error)
{
        _cleanup_(workout_freep) Workout *w = NULL;
        _cleanup_free_ char *copy = NULL;
        Parser p = {.file = filename ? filename : "<input>", .error = ret_error};
        char *line;
        int k;

        if (!text || !ret)
                return -EINVAL;
        if (len > WORKOUT_TEXT_MAX) {
                workout_error_set(ret_error, p.file, 0, 0, "larger than %d bytes",
                                  WORKOUT_TEXT_MAX);
                return -EFBIG;
        }
        k = workout_new(&w, NULL);
        if (k < 0)
                return k;
        p.w = w;
        p.section_kind = STEP_KIND_ACTIVE;

        copy = malloc(len + 1);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, text, len);
        copy[len] = 0;

        line = copy;
        for (p.line = 1; line; p.line++) {
                char *nl = memchr(line, '\n', len - (size_t)(line - copy));
                size_t l;
                char *nul;

                if (nl)
                        *nl = 0;
                l = nl ? (size_t)(nl - line) : len - (size_t)(line - copy);
                nul = memchr(line, 0, l);
                if (nul)
                        return fail(&p, (unsigned)(nul - line) + 1,
                                    "unexpected NUL byte: not a text file");
                k = check_text(&p, line, l);
                if (k < 0)
                        return k;
                if (l > 0 && line[l - 1] == '\r')
                        line[l - 1] = 0;
                if (l > 4096)
                        return fail(&p, 4097, "line longer than 4096 bytes");
                k = parse_line(&p, line);
                if (k < 0)
                        return k;
                line = nl ? nl + 1 : NULL;
        }
        p.line--;
        k = close_repeat(&p);
        if (k < 0)
                return k;
        if (w->body.n_nodes == 0) {
                workout_error_set(ret_error, p.file, 0, 0,
                                  "no steps: expected lines such as '- 10m 70%% Pace'");
                return -EBADMSG;
        }
        if (workout_count_steps(w) > WORKOUT_STEPS_MAX) {
                workout_error_set(ret_error, p.file, 0, 0, "more than %d steps after repeats",
                                  WORKOUT_STEPS_MAX);
                return -E2BIG;
        }
        if (!w->name) {
                w->name = filename ? workout_name_from_path(filename) : strdup("workout");
                if (!w->name)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(w);
        return 0;
}

int workout_text_load(const char *path, Workout **ret, WorkoutError *ret_error)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int k;

        k = workout_read_file(path, WORKOUT_TEXT_MAX, &text, &len);
        if (k < 0) {
                workout_error_set(ret_error, path, 0, 0, "%s", strerror(-k));
                return k;
        }
        return workout_text_parse(text, len, path, ret, ret_error);
}
