/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Zwift .zwo run workouts. The file is read in two passes: expat collects
 * the elements with their attributes and text events, then the workout is
 * built once the whole file is known, because how durations are meant
 * (seconds or metres) is decided from evidence spread over the file when
 * <durationType> does not say (docs/workouts.md, "Zwift .zwo").
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <expat.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "alloc-util.h"
#include "utf8.h"
#include "workout-zwo.h"

/* A step's cue at its start: what fits in a spoken sentence or two. */
#define ZWO_CUE_MAX 512
/* Elements in one file; Zwift's longest have a few hundred. */
#define ZWO_ELEMENTS_MAX 4000

typedef enum ZwoText {
        ZWO_TEXT_NONE,
        ZWO_TEXT_NAME,
        ZWO_TEXT_DESCRIPTION,
        ZWO_TEXT_SPORT,
        ZWO_TEXT_DURATION_TYPE,
        ZWO_TEXT_THRESHOLD,
} ZwoText;

typedef enum ZwoKind {
        ZWO_WARMUP,
        ZWO_COOLDOWN,
        ZWO_RAMP,
        ZWO_STEADY,
        ZWO_INTERVALS,
        ZWO_FREERIDE,
        ZWO_MAXEFFORT,
} ZwoKind;

typedef struct ZwoEvent {
        double offset;
        bool distance; /* distoffset, else timeoffset */
        char *message;
} ZwoEvent;

/* A power attribute as written: a fraction of the reference pace's speed,
 * or (Speed=) an absolute speed. */
typedef struct ZwoTarget {
        bool set;
        double fraction;
        double speed_mps; /* > 0: Speed= */
} ZwoTarget;

typedef struct ZwoElement {
        ZwoKind kind;
        unsigned line;
        double duration, off_duration; /* IntervalsT: on and off */
        unsigned repeat;
        int pace;         /* 0..4, or -1: none given, -2: not a reference */
        ZwoTarget lo, hi; /* ramps and ranges; steady: lo; IntervalsT: on, off */
        bool has_incline, has_off_incline;
        double incline_pct, off_incline_pct;
        ZwoEvent *events;
        size_t n_events;
} ZwoElement;

typedef struct ZwoParser {
        XML_Parser xml;
        const char *file;
        WorkoutError *error;
        int r; /* first error */
        Workout *w;
        unsigned depth;
        bool in_workout;
        unsigned workout_depth;
        int duration_type; /* -1 not given, 0 time, 1 distance */
        bool seen_sport;
        unsigned sport_line, sport_column;
        double threshold_s_per_km; /* <thresholdSecPerKm>, 0 if none */
        ZwoText text_kind;
        char *text;
        size_t text_len, text_allocated;
        ZwoElement *elements;
        size_t n_elements;
        unsigned step_depth; /* depth of the open step element, 0 if none */
        /* What the file's own attributes told, for the notes. */
        unsigned bad_pace_line;
        char bad_pace[32];
        unsigned n_bad_pace;
        bool incline_fraction;
        bool any_distoffset, any_timeoffset;
} ZwoParser;

static void zwo_fail(ZwoParser *p, const char *fmt, ...) _printf_(2, 3);

static void zwo_fail(ZwoParser *p, const char *fmt, ...)
{
        char msg[256];
        va_list ap;

        if (p->r < 0)
                return;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        workout_error_set(p->error, p->file, (unsigned)XML_GetCurrentLineNumber(p->xml),
                          (unsigned)XML_GetCurrentColumnNumber(p->xml) + 1, "%s", msg);
        p->r = -EBADMSG;
        XML_StopParser(p->xml, XML_FALSE);
}

static void zwo_oom(ZwoParser *p)
{
        if (p->r == 0)
                p->r = -ENOMEM;
        XML_StopParser(p->xml, XML_FALSE);
}

static const char *attr(const char **atts, const char *name)
{
        for (size_t i = 0; atts[i]; i += 2)
                if (strcasecmp(atts[i], name) == 0)
                        return atts[i + 1];
        return NULL;
}

static bool number(const char *v, double *ret)
{
        char *end;
        double x;

        errno = 0;
        x = strtod(v, &end);
        while (end != v && isspace((unsigned char)*end))
                end++;
        if (errno || end == v || *end || !isfinite(x))
                return false;
        *ret = x;
        return true;
}

/* An optional numeric attribute in lo..hi: 0 and *ret untouched if absent. */
static int attr_number_opt(ZwoParser *p, const char *el, const char **atts, const char *name,
                           double lo, double hi, double *ret, bool *ret_set)
{
        const char *v = attr(atts, name);
        double x;

        if (!v)
                return 0;
        if (!number(v, &x) || x < lo || x > hi) {
                zwo_fail(p, "<%s %s=\"%s\">: expected a number from %g to %g", el, name, v, lo, hi);
                return -EBADMSG;
        }
        *ret = x;
        if (ret_set)
                *ret_set = true;
        return 0;
}

static int attr_number(ZwoParser *p, const char *el, const char **atts, const char *name, double lo,
                       double hi, double *ret)
{
        bool set = false;
        int k;

        k = attr_number_opt(p, el, atts, name, lo, hi, ret, &set);
        if (k == 0 && !set) {
                zwo_fail(p, "<%s> needs a %s attribute", el, name);
                return -EBADMSG;
        }
        return k;
}

/* Zwift's `pace`: 0 mile (and the default), 1 5k, 2 10k, 3 half, 4 marathon.
 * Zwift's own files carry other values (8268): those take the runner's
 * configured default reference, with a note. */
static int zwo_pace(ZwoParser *p, const char **atts)
{
        const char *v = attr(atts, "pace");
        double x;

        if (!v)
                return -1;
        if (number(v, &x) && x >= 0 && x <= 4 && x == floor(x))
                return (int)x;
        if (p->n_bad_pace++ == 0) {
                p->bad_pace_line = (unsigned)XML_GetCurrentLineNumber(p->xml);
                snprintf(p->bad_pace, sizeof(p->bad_pace), "%.20s", v);
        }
        return -2;
}

static int zwo_target(ZwoParser *p, const char *el, const char **atts, const char *name,
                      ZwoTarget *ret)
{
        double f;
        bool set = false;
        int k;

        k = attr_number_opt(p, el, atts, name, 0.1, 3.0, &f, &set);
        if (k < 0)
                return k;
        if (set)
                *ret = (ZwoTarget){.set = true, .fraction = f};
        return 0;
}

/* Incline as a fraction (0.02 = 2 %, as zwiftworkout.com writes it) when
 * |x| <= 0.40, else in percent: no treadmill climbs 40 %, and nobody
 * prescribes a 0.4 % grade. */
static int zwo_incline(ZwoParser *p, const char *el, const char **atts, const char *name,
                       bool *ret_set, double *ret_pct)
{
        double x;
        bool set = false;
        int k;

        k = attr_number_opt(p, el, atts, name, -40, 40, &x, &set);
        if (k < 0 || !set)
                return k;
        if (fabs(x) <= 0.40 && x != 0) {
                x *= 100.0;
                p->incline_fraction = true;
        }
        *ret_set = true;
        *ret_pct = x;
        return 0;
}

static void workout_element(ZwoParser *p, const char *el, const char **atts)
{
        ZwoElement e = {.line = (unsigned)XML_GetCurrentLineNumber(p->xml)};
        double speed;
        bool has_speed = false;
        ZwoElement *t;

        if (strcasecmp(el, "Warmup") == 0)
                e.kind = ZWO_WARMUP;
        else if (strcasecmp(el, "Cooldown") == 0)
                e.kind = ZWO_COOLDOWN;
        else if (strcasecmp(el, "Ramp") == 0)
                e.kind = ZWO_RAMP;
        else if (strcasecmp(el, "SteadyState") == 0)
                e.kind = ZWO_STEADY;
        else if (strcasecmp(el, "IntervalsT") == 0)
                e.kind = ZWO_INTERVALS;
        else if (strcasecmp(el, "FreeRide") == 0)
                e.kind = ZWO_FREERIDE;
        else if (strcasecmp(el, "MaxEffort") == 0)
                e.kind = ZWO_MAXEFFORT;
        else {
                zwo_fail(p,
                         "unsupported workout element <%s> (expected Warmup, Cooldown, Ramp, "
                         "SteadyState, IntervalsT, FreeRide or MaxEffort)",
                         el);
                return;
        }
        if (p->n_elements >= ZWO_ELEMENTS_MAX) {
                zwo_fail(p, "more than %d workout elements", ZWO_ELEMENTS_MAX);
                return;
        }
        e.pace = zwo_pace(p, atts);
        /* Durations are checked against their unit once it is known. */
        if (e.kind == ZWO_INTERVALS) {
                double repeat;

                if (attr_number(p, el, atts, "Repeat", 1, WORKOUT_REPEAT_MAX, &repeat) < 0)
                        return;
                if (repeat != floor(repeat)) {
                        zwo_fail(p, "<IntervalsT Repeat=\"%g\">: expected a whole number", repeat);
                        return;
                }
                e.repeat = (unsigned)repeat;
                if (attr_number(p, el, atts, "OnDuration", 1e-3, 1e6, &e.duration) < 0 ||
                    attr_number(p, el, atts, "OffDuration", 0, 1e6, &e.off_duration) < 0 ||
                    zwo_target(p, el, atts, "OnPower", &e.lo) < 0 ||
                    zwo_target(p, el, atts, "OffPower", &e.hi) < 0 ||
                    zwo_incline(p, el, atts, "OnSlope", &e.has_incline, &e.incline_pct) < 0 ||
                    zwo_incline(p, el, atts, "OffSlope", &e.has_off_incline, &e.off_incline_pct) <
                            0)
                        return;
                if (!e.lo.set) {
                        zwo_fail(p, "<IntervalsT> needs an OnPower attribute");
                        return;
                }
                if (!e.hi.set && e.off_duration > 0) {
                        zwo_fail(p, "<IntervalsT> needs an OffPower attribute");
                        return;
                }
        } else {
                if (attr_number(p, el, atts, "Duration", 1e-3, 1e6, &e.duration) < 0)
                        return;
                switch (e.kind) {
                case ZWO_WARMUP:
                case ZWO_COOLDOWN:
                case ZWO_RAMP:
                        if (zwo_target(p, el, atts, "PowerLow", &e.lo) < 0 ||
                            zwo_target(p, el, atts, "PowerHigh", &e.hi) < 0)
                                return;
                        if (!e.lo.set || !e.hi.set) {
                                zwo_fail(p, "<%s> needs PowerLow and PowerHigh attributes", el);
                                return;
                        }
                        break;
                case ZWO_STEADY:
                        if (zwo_target(p, el, atts, "Power", &e.lo) < 0)
                                return;
                        if (!e.lo.set && (zwo_target(p, el, atts, "PowerLow", &e.lo) < 0 ||
                                          zwo_target(p, el, atts, "PowerHigh", &e.hi) < 0))
                                return;
                        /* QZ's extension: the speed itself, in m/s. */
                        if (attr_number_opt(p, el, atts, "Speed", 0.1, 12, &speed, &has_speed) < 0)
                                return;
                        if (has_speed)
                                e.lo = (ZwoTarget){.set = true, .speed_mps = speed};
                        else if (!e.lo.set) {
                                zwo_fail(p, "<SteadyState> needs a Power (or PowerLow and "
                                            "PowerHigh) attribute");
                                return;
                        }
                        break;
                case ZWO_INTERVALS:
                case ZWO_FREERIDE:
                case ZWO_MAXEFFORT:
                        break;
                }
                if (zwo_incline(p, el, atts, "Incline", &e.has_incline, &e.incline_pct) < 0)
                        return;
                if (!e.has_incline &&
                    zwo_incline(p, el, atts, "Slope", &e.has_incline, &e.incline_pct) < 0)
                        return;
        }
        t = reallocarray(p->elements, p->n_elements + 1, sizeof(*t));
        if (!t) {
                zwo_oom(p);
                return;
        }
        p->elements = t;
        p->elements[p->n_elements++] = e;
}

static void text_event(ZwoParser *p, const char **atts)
{
        const char *msg = attr(atts, "message"), *t = attr(atts, "timeoffset"),
                   *d = attr(atts, "distoffset");
        ZwoElement *e;
        ZwoEvent *ev;
        double off = 0;

        if (!msg || !*msg || p->n_elements == 0)
                return;
        if ((d && !number(d, &off)) || (!d && t && !number(t, &off)) || off < 0 || off > 1e6) {
                zwo_fail(p, "<textevent %s=\"%s\">: expected a number of %s from 0",
                         d ? "distoffset" : "timeoffset", d ? d : t, d ? "metres" : "seconds");
                return;
        }
        if (d)
                p->any_distoffset = true;
        else if (t)
                p->any_timeoffset = true;
        e = &p->elements[p->n_elements - 1];
        if (e->n_events >= STEP_CUES_MAX)
                return; /* a cue every few seconds is already more than a runner reads */
        ev = reallocarray(e->events, e->n_events + 1, sizeof(*ev));
        if (!ev) {
                zwo_oom(p);
                return;
        }
        e->events = ev;
        ev[e->n_events] = (ZwoEvent){.offset = off, .distance = d != NULL, .message = strdup(msg)};
        if (!ev[e->n_events].message) {
                zwo_oom(p);
                return;
        }
        /* A cue is one line of text: line breaks and C0/C1 controls become
         * spaces (see on_end()). */
        utf8_replace_controls(ev[e->n_events].message);
        e->n_events++;
}

static void XMLCALL on_start(void *data, const char *el, const char **atts)
{
        ZwoParser *p = data;

        p->depth++;
        if (p->depth == 1) {
                if (strcmp(el, "workout_file") != 0)
                        zwo_fail(p, "expected <workout_file>, got <%s>", el);
                return;
        }
        if (p->in_workout) {
                if (strcasecmp(el, "textevent") == 0) {
                        text_event(p, atts);
                        return;
                }
                if (p->depth != p->workout_depth + 1) {
                        zwo_fail(p, "unexpected <%s> inside a workout step", el);
                        return;
                }
                workout_element(p, el, atts);
                p->step_depth = p->depth;
                return;
        }
        if (p->depth != 2)
                return;
        if (strcmp(el, "workout") == 0) {
                p->in_workout = true;
                p->workout_depth = p->depth;
                return;
        }
        p->text_len = 0;
        p->text_kind = streq(el, "name")                          ? ZWO_TEXT_NAME
                       : streq(el, "description")                 ? ZWO_TEXT_DESCRIPTION
                       : streq(el, "sportType")                   ? ZWO_TEXT_SPORT
                       : streq(el, "durationType")                ? ZWO_TEXT_DURATION_TYPE
                       : strcasecmp(el, "thresholdSecPerKm") == 0 ? ZWO_TEXT_THRESHOLD
                                                                  : ZWO_TEXT_NONE;
        if (p->text_kind == ZWO_TEXT_SPORT) {
                p->sport_line = (unsigned)XML_GetCurrentLineNumber(p->xml);
                p->sport_column = (unsigned)XML_GetCurrentColumnNumber(p->xml) + 1;
        }
}

static void XMLCALL on_text(void *data, const char *s, int len)
{
        ZwoParser *p = data;
        char *t;

        if (p->text_kind == ZWO_TEXT_NONE || len <= 0)
                return;
        if (p->text_len + (size_t)len > 64 * 1024) {
                zwo_fail(p, "text element longer than 64 KiB");
                return;
        }
        t = GREEDY_REALLOC(p->text, p->text_allocated, p->text_len + len + 1);
        if (!t) {
                zwo_oom(p);
                return;
        }
        memcpy(t + p->text_len, s, len);
        p->text_len += len;
        t[p->text_len] = 0;
}

static char *trimmed(const char *s, size_t len)
{
        while (len > 0 && isspace((unsigned char)*s)) {
                s++;
                len--;
        }
        while (len > 0 && isspace((unsigned char)s[len - 1]))
                len--;
        return strndup(s, len);
}

static void XMLCALL on_end(void *data, const char *el)
{
        ZwoParser *p = data;
        _cleanup_free_ char *v = NULL;
        double x;

        if (p->in_workout && p->depth == p->workout_depth)
                p->in_workout = false;
        if (p->depth == p->step_depth)
                p->step_depth = 0;
        p->depth--;
        if (p->text_kind == ZWO_TEXT_NONE)
                return;
        v = trimmed(p->text ? p->text : "", p->text_len);
        if (!v) {
                zwo_oom(p);
                return;
        }
        /* Expat gives UTF-8, but XML allows C1 controls (a terminal's CSI)
         * and character data may hold line breaks: names are one line of text. */
        utf8_replace_controls(v);
        switch (p->text_kind) {
        case ZWO_TEXT_NAME:
                free(p->w->name);
                p->w->name = TAKE_PTR(v);
                break;
        case ZWO_TEXT_DESCRIPTION:
                free(p->w->description);
                p->w->description = TAKE_PTR(v);
                break;
        case ZWO_TEXT_SPORT:
                p->seen_sport = true;
                /* "run" as Zwift writes it; "running" as some editors do. */
                if (strcasecmp(v, "run") != 0 && strcasecmp(v, "running") != 0) {
                        zwo_fail(p,
                                 "this is a %s workout (<sportType>%s</sportType>): only run "
                                 "workouts can be imported",
                                 *v ? v : "bike", v);
                        /* Point at the element, not at its end tag. */
                        if (p->error) {
                                p->error->line = p->sport_line;
                                p->error->column = p->sport_column;
                        }
                }
                break;
        case ZWO_TEXT_DURATION_TYPE:
                if (strcasecmp(v, "distance") == 0)
                        p->duration_type = 1;
                else if (strcasecmp(v, "time") == 0)
                        p->duration_type = 0;
                else
                        zwo_fail(p, "<durationType>%s</durationType>: expected time or distance",
                                 v);
                break;
        case ZWO_TEXT_THRESHOLD:
                /* TrainAsONE's threshold pace: powers are fractions of its speed. */
                if (!number(v, &x) || x < 120 || x > 900)
                        zwo_fail(p,
                                 "<thresholdSecPerKm>%s</thresholdSecPerKm>: expected seconds "
                                 "per km from 120 to 900",
                                 v);
                else
                        p->threshold_s_per_km = x;
                break;
        case ZWO_TEXT_NONE:
                break;
        }
        p->text_kind = ZWO_TEXT_NONE;
        p->text_len = 0;
}

/* ---- seconds or metres ---- */

typedef struct DistanceEvidence {
        unsigned metre_values;  /* durations that are round metres but not round seconds */
        unsigned second_values; /* round seconds but not round metres */
        bool description_distance, description_time;
} DistanceEvidence;

static bool round_metres(double v)
{
        /* 100 m multiples, and the mile and its fractions. */
        return fmod(v, 100) == 0 || fabs(v - 1609) < 0.5 || fabs(v - METERS_PER_MILE) < 0.01 ||
               fabs(v - METERS_PER_MILE / 4) < 0.01 || fabs(v - METERS_PER_MILE / 2) < 0.01;
}

static bool round_seconds(double v)
{
        return fmod(v, 60) == 0 || fmod(v, 15) == 0;
}

static void count_value(DistanceEvidence *ev, double v)
{
        bool m = round_metres(v), s = round_seconds(v);

        if (m && !s)
                ev->metre_values++;
        else if (s && !m)
                ev->second_values++;
}

/* "1.00 km", "400m", "2 miles" vs "12:00 min", "30 sec", "5'" */
static void scan_description(const char *d, DistanceEvidence *ev)
{
        for (const char *c = d; c && *c; c++) {
                const char *u;

                if (!isdigit((unsigned char)*c) || (c > d && isalnum((unsigned char)c[-1])))
                        continue;
                u = c;
                while (isdigit((unsigned char)*u) || *u == '.' || *u == ',')
                        u++;
                if (*u == ':' || *u == '\'') {
                        ev->description_time = true;
                        continue;
                }
                while (*u == ' ')
                        u++;
                if (strncasecmp(u, "km", 2) == 0 || strncasecmp(u, "mi", 2) == 0 ||
                    strncasecmp(u, "meter", 5) == 0 || strncasecmp(u, "metre", 5) == 0 ||
                    (strncasecmp(u, "m", 1) == 0 && !isalpha((unsigned char)u[1])))
                        ev->description_distance = true;
                else if (strncasecmp(u, "min", 3) == 0 || strncasecmp(u, "sec", 3) == 0 ||
                         strncasecmp(u, "s ", 2) == 0 || strncasecmp(u, "h ", 2) == 0)
                        ev->description_time = true;
        }
}

static int decide_distance(ZwoParser *p, bool *ret)
{
        DistanceEvidence ev = {};
        char why[200] = "";
        size_t n = 0, total = 0;
        int sm, ss;

        if (p->duration_type >= 0) {
                *ret = p->duration_type == 1;
                return 0;
        }
        for (size_t i = 0; i < p->n_elements; i++) {
                count_value(&ev, p->elements[i].duration);
                total++;
                if (p->elements[i].kind == ZWO_INTERVALS && p->elements[i].off_duration > 0) {
                        count_value(&ev, p->elements[i].off_duration);
                        total++;
                }
        }
        scan_description(p->w->description, &ev);
        /* distoffset only makes sense in a distance workout (zwiftworkout.com
         * writes it for those): it decides. */
        sm = (int)ev.metre_values + (ev.description_distance ? 2 : 0) +
             (p->any_distoffset ? 100 : 0);
        ss = (int)ev.second_values + (ev.description_time ? 2 : 0) + (p->any_timeoffset ? 1 : 0);
        *ret = sm > ss;

        if (p->any_distoffset)
                n += (size_t)snprintf(why + n, sizeof(why) - n, "text events at distoffset, ");
        if (*ret ? ev.metre_values : ev.second_values)
                n += (size_t)snprintf(why + n, sizeof(why) - n,
                                      "%u of %zu durations are round %s, ",
                                      *ret ? ev.metre_values : ev.second_values, total,
                                      *ret ? "metres (100 m, 400 m, a mile)" : "minutes");
        if (*ret ? ev.description_distance : ev.description_time)
                n += (size_t)snprintf(why + n, sizeof(why) - n, "the description gives %s, ",
                                      *ret ? "distances" : "times");
        if (n >= 2 && n < sizeof(why))
                why[n - 2] = 0;
        if (*ret)
                return workout_add_note(p->w,
                                        "durations read as metres: the file has no "
                                        "<durationType>, and %s; add "
                                        "<durationType>time</durationType> to read them as "
                                        "seconds",
                                        why);
        return workout_add_note(p->w,
                                "durations read as seconds: the file has no <durationType>%s%s%s; "
                                "add <durationType>distance</durationType> to read them as "
                                "metres",
                                *why ? " (" : "", why, *why ? ")" : "");
}

/* ---- building the workout ---- */

static SpeedValue speed_of(const ZwoParser *p, const ZwoElement *e, const ZwoTarget *t)
{
        if (t->speed_mps > 0)
                return (SpeedValue){.kmh = t->speed_mps * 3.6};
        if (p->threshold_s_per_km > 0)
                return (SpeedValue){.kmh = 3600.0 / p->threshold_s_per_km * t->fraction};
        if (e->pace == -2)
                return (SpeedValue){
                        .relative = true, .default_ref = true, .pct = t->fraction * 100};
        return (SpeedValue){
                .relative = true,
                .ref = (PaceRef[]){PACE_REF_MILE, PACE_REF_5K, PACE_REF_10K, PACE_REF_HALF,
                                   PACE_REF_MARATHON}[e->pace < 0 ? 0 : e->pace],
                .pct = t->fraction * 100,
        };
}

static int set_end(ZwoParser *p, const ZwoElement *e, double v, bool distance,
                   const char *attr_name, WorkoutStep *s)
{
        double max = distance ? 100000 : 6 * 3600;

        if (v > max) {
                workout_error_set(p->error, p->file, e->line, 0,
                                  "%s=\"%g\" is more than %s (read as %s)", attr_name, v,
                                  distance ? "100 km" : "6 hours", distance ? "metres" : "seconds");
                return -EBADMSG;
        }
        s->end = distance ? STEP_END_DISTANCE : STEP_END_TIME;
        s->end_value = v;
        return 0;
}

static int add_event(WorkoutStep *s, const ZwoEvent *ev, double offset)
{
        size_t have, add;
        char *c;

        /* At the step's start: part of the step's own cue, spoken as it begins. */
        if (offset <= 0) {
                have = s->cue ? strlen(s->cue) : 0;
                if (have >= ZWO_CUE_MAX)
                        return 0;
                add = MIN(strlen(ev->message) + (have ? 3 : 0), ZWO_CUE_MAX - have);
                c = realloc(s->cue, have + add + 1);
                if (!c)
                        return -ENOMEM;
                snprintf(c + have, add + 1, "%s%s", have ? " / " : "", ev->message);
                s->cue = c;
                return 0;
        }
        return workout_step_add_cue(s, offset, ev->distance, ev->message) == -ENOMEM ? -ENOMEM : 0;
}

static void step_incline(WorkoutStep *s, bool has, double pct)
{
        if (!has)
                return;
        s->has_incline = true;
        s->incline_lo_pct = s->incline_hi_pct = pct;
}

/* One element's step (not IntervalsT). */
static int build_step(ZwoParser *p, const ZwoElement *e, bool distance, WorkoutStep *s)
{
        int k;

        workout_step_init(s);
        s->line = e->line;
        k = set_end(p, e, e->duration, distance, "Duration", s);
        if (k < 0)
                return k;
        step_incline(s, e->has_incline, e->incline_pct);
        switch (e->kind) {
        case ZWO_WARMUP:
        case ZWO_COOLDOWN:
        case ZWO_RAMP:
                s->kind = e->kind == ZWO_WARMUP     ? STEP_KIND_WARMUP
                          : e->kind == ZWO_COOLDOWN ? STEP_KIND_COOLDOWN
                                                    : STEP_KIND_ACTIVE;
                s->speed_type = SPEED_TARGET_RAMP;
                s->speed_lo = speed_of(p, e, &e->lo);
                s->speed_hi = speed_of(p, e, &e->hi);
                /* Files disagree on which of PowerLow/PowerHigh a cool-down
                 * starts from (Zwift's editor writes them the other way
                 * round): a cool-down only ever slows the belt. */
                if (e->kind == ZWO_COOLDOWN && e->lo.fraction < e->hi.fraction) {
                        SpeedValue t = s->speed_lo;

                        s->speed_lo = s->speed_hi;
                        s->speed_hi = t;
                }
                break;
        case ZWO_STEADY:
                s->speed_lo = speed_of(p, e, &e->lo);
                if (e->hi.set && e->lo.speed_mps == 0) {
                        s->speed_hi = speed_of(p, e, &e->hi);
                        s->speed_type = SPEED_TARGET_RANGE;
                        if (e->lo.fraction > e->hi.fraction) {
                                SpeedValue t = s->speed_lo;

                                s->speed_lo = s->speed_hi;
                                s->speed_hi = t;
                        }
                } else
                        s->speed_type = SPEED_TARGET_VALUE;
                break;
        case ZWO_FREERIDE:
        case ZWO_MAXEFFORT:
                s->speed_type = SPEED_TARGET_FREE;
                if (e->kind == ZWO_MAXEFFORT) {
                        s->cue = strdup("Max effort");
                        if (!s->cue)
                                return -ENOMEM;
                }
                break;
        case ZWO_INTERVALS:
                return -EINVAL;
        }
        for (size_t i = 0; i < e->n_events; i++) {
                k = add_event(s, &e->events[i], e->events[i].offset);
                if (k < 0)
                        return k;
        }
        return 0;
}

static int interval_steps(ZwoParser *p, const ZwoElement *e, bool distance, WorkoutStep *on,
                          WorkoutStep *off)
{
        int k;

        workout_step_init(on);
        workout_step_init(off);
        on->line = off->line = e->line;
        on->kind = STEP_KIND_ACTIVE;
        off->kind = STEP_KIND_RECOVERY;
        k = set_end(p, e, e->duration, distance, "OnDuration", on);
        if (k < 0)
                return k;
        on->speed_type = SPEED_TARGET_VALUE;
        on->speed_lo = speed_of(p, e, &e->lo);
        step_incline(on, e->has_incline, e->incline_pct);
        if (e->off_duration <= 0)
                return 0;
        k = set_end(p, e, e->off_duration, distance, "OffDuration", off);
        if (k < 0)
                return k;
        off->speed_type = SPEED_TARGET_VALUE;
        off->speed_lo = speed_of(p, e, &e->hi);
        step_incline(off, e->has_off_incline, e->off_incline_pct);
        return 0;
}

static bool add_step(WorkoutBlock *b, WorkoutStep *s)
{
        if (workout_block_add_step(b, s))
                return true;
        free(s->cue);
        step_cues_free(s->cues, s->n_cues);
        s->cue = NULL;
        s->cues = NULL;
        s->n_cues = 0;
        return false;
}

/*
 * IntervalsT: a repeat block of the on step and (unless OffDuration is 0)
 * the off step. Its text events are timed from the start of the whole
 * block, as Zwift shows them ("7 times two minutes here" comes once, in the
 * first repetition): a block with events is written out repetition by
 * repetition, so that each event comes in the repetition it belongs to.
 */
static int build_intervals(ZwoParser *p, const ZwoElement *e, bool distance)
{
        double period = e->duration + e->off_duration;
        bool unroll;
        WorkoutBlock *b = &p->w->body;
        int k;

        /* An event belongs to one repetition, not to all of them. */
        unroll = e->n_events > 0 && e->repeat > 1;
        if (!unroll) {
                WorkoutStep on, off;
                WorkoutNode *n;

                k = interval_steps(p, e, distance, &on, &off);
                if (k < 0)
                        return k;
                for (size_t i = 0; i < e->n_events; i++) {
                        const ZwoEvent *ev = &e->events[i];
                        bool in_off = ev->distance == distance && e->off_duration > 0 &&
                                      ev->offset >= e->duration;

                        k = add_event(in_off ? &off : &on, ev,
                                      in_off ? ev->offset - e->duration : ev->offset);
                        if (k < 0)
                                break;
                }
                n = k < 0 ? NULL : workout_block_add_repeat(b, e->repeat);
                if (!n || !add_step(&n->block, &on) ||
                    (e->off_duration > 0 && !add_step(&n->block, &off))) {
                        free(on.cue);
                        step_cues_free(on.cues, on.n_cues);
                        free(off.cue);
                        step_cues_free(off.cues, off.n_cues);
                        return -ENOMEM;
                }
                return 0;
        }
        for (unsigned r = 0; r < e->repeat; r++) {
                WorkoutStep on, off;

                k = interval_steps(p, e, distance, &on, &off);
                if (k < 0)
                        return k;
                for (size_t i = 0; i < e->n_events; i++) {
                        const ZwoEvent *ev = &e->events[i];
                        double t = ev->offset - r * period;

                        if (ev->distance != distance) {
                                /* Timed in the other unit: only in the first repetition. */
                                if (r == 0)
                                        k = add_event(&on, ev, ev->offset);
                        } else if (t >= 0 && t < period)
                                k = t < e->duration || e->off_duration <= 0
                                            ? add_event(&on, ev, t)
                                            : add_event(&off, ev, t - e->duration);
                        else if (t >= period && r == e->repeat - 1)
                                k = add_event(&off, ev, t - e->duration); /* past the end */
                        if (k < 0)
                                return k;
                }
                if (!add_step(b, &on))
                        return -ENOMEM;
                if (e->off_duration > 0 && !add_step(b, &off))
                        return -ENOMEM;
                if (e->off_duration <= 0) {
                        free(off.cue);
                        step_cues_free(off.cues, off.n_cues);
                }
        }
        return 0;
}

static int build_workout(ZwoParser *p)
{
        bool distance;
        int k;

        k = decide_distance(p, &distance);
        if (k < 0)
                return k;
        for (size_t i = 0; i < p->n_elements; i++) {
                const ZwoElement *e = &p->elements[i];

                if (e->kind == ZWO_INTERVALS)
                        k = build_intervals(p, e, distance);
                else {
                        WorkoutStep s;

                        k = build_step(p, e, distance, &s);
                        if (k >= 0 && !add_step(&p->w->body, &s))
                                k = -ENOMEM;
                        else if (k < 0) {
                                free(s.cue);
                                step_cues_free(s.cues, s.n_cues);
                        }
                }
                if (k < 0)
                        return k;
        }
        if (p->n_bad_pace > 0 && p->threshold_s_per_km <= 0) {
                k = workout_add_note(p->w,
                                     "pace=\"%s\" (line %u%s) names no Zwift reference pace (0 "
                                     "mile, 1 5k, 2 10k, 3 half, 4 marathon): those steps run at "
                                     "the profile's ZwiftPace (mile unless set)",
                                     p->bad_pace, p->bad_pace_line,
                                     p->n_bad_pace > 1 ? " and others" : "");
                if (k < 0)
                        return k;
        }
        if (p->threshold_s_per_km > 0) {
                k = workout_add_note(p->w,
                                     "powers are fractions of the file's threshold pace "
                                     "%d:%02d/km (<thresholdSecPerKm>), not of the profile's",
                                     (int)p->threshold_s_per_km / 60,
                                     (int)p->threshold_s_per_km % 60);
                if (k < 0)
                        return k;
        }
        if (p->incline_fraction) {
                k = workout_add_note(p->w,
                                     "incline values of 0.40 or less read as fractions (0.02 = "
                                     "2 %%)");
                if (k < 0)
                        return k;
        }
        return 0;
}

static void parser_done(ZwoParser *p)
{
        for (size_t i = 0; i < p->n_elements; i++) {
                for (size_t j = 0; j < p->elements[i].n_events; j++)
                        free(p->elements[i].events[j].message);
                free(p->elements[i].events);
        }
        free(p->elements);
        free(p->text);
}

int workout_zwo_parse(const char *xml, size_t len, const char *filename, Workout **ret,
                      WorkoutError *ret_error)
{
        _cleanup_(workout_freep) Workout *w = NULL;
        ZwoParser p = {
                .file = filename ? filename : "<input>",
                .error = ret_error,
                .duration_type = -1,
        };
        int k;

        if (!xml || !ret)
                return -EINVAL;
        if (len > WORKOUT_ZWO_MAX) {
                workout_error_set(ret_error, p.file, 0, 0, "larger than %d bytes", WORKOUT_ZWO_MAX);
                return -EFBIG;
        }
        k = workout_new(&w, NULL);
        if (k < 0)
                return k;
        p.w = w;
        p.xml = XML_ParserCreate(NULL);
        if (!p.xml)
                return -ENOMEM;
        XML_SetUserData(p.xml, &p);
        XML_SetElementHandler(p.xml, on_start, on_end);
        XML_SetCharacterDataHandler(p.xml, on_text);

        if (XML_Parse(p.xml, xml, (int)len, XML_TRUE) == XML_STATUS_ERROR && p.r == 0) {
                workout_error_set(ret_error, p.file, (unsigned)XML_GetCurrentLineNumber(p.xml),
                                  (unsigned)XML_GetCurrentColumnNumber(p.xml) + 1, "XML: %s",
                                  XML_ErrorString(XML_GetErrorCode(p.xml)));
                p.r = -EBADMSG;
        }
        XML_ParserFree(p.xml);
        if (p.r == 0 && !p.seen_sport) {
                workout_error_set(ret_error, p.file, 0, 0,
                                  "no <sportType>run</sportType>: Zwift treats this as a bike "
                                  "workout; only run workouts can be imported");
                p.r = -EBADMSG;
        }
        if (p.r == 0 && p.n_elements == 0) {
                workout_error_set(ret_error, p.file, 0, 0, "no steps in <workout>");
                p.r = -EBADMSG;
        }
        if (p.r == 0)
                p.r = build_workout(&p);
        parser_done(&p);
        if (p.r < 0)
                return p.r;
        if (workout_count_steps(w) > WORKOUT_STEPS_MAX) {
                workout_error_set(ret_error, p.file, 0, 0, "more than %d steps after repeats",
                                  WORKOUT_STEPS_MAX);
                return -E2BIG;
        }
        if (!w->name || !*w->name) {
                free(w->name);
                w->name = filename ? workout_name_from_path(filename) : strdup("workout");
                if (!w->name)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(w);
        return 0;
}

int workout_zwo_load(const char *path, Workout **ret, WorkoutError *ret_error)
{
        _cleanup_free_ char *xml = NULL;
        size_t len;
        int k;

        k = workout_read_file(path, WORKOUT_ZWO_MAX, &xml, &len);
        if (k < 0) {
                workout_error_set(ret_error, path, 0, 0, "%s", strerror(-k));
                return k;
        }
        return workout_zwo_parse(xml, len, path, ret, ret_error);
}
