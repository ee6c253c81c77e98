/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <expat.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "alloc-util.h"
#include "workout-zwo.h"

typedef enum ZwoText {
        ZWO_TEXT_NONE,
        ZWO_TEXT_NAME,
        ZWO_TEXT_DESCRIPTION,
        ZWO_TEXT_SPORT,
        ZWO_TEXT_DURATION_TYPE,
} ZwoText;

typedef struct ZwoParser {
        XML_Parser xml;
        const char *file;
        WorkoutError *error;
        int r; /* first error */
        Workout *w;
        unsigned depth;
        bool in_workout;
        unsigned workout_depth;
        bool distance; /* durationType distance: Duration in metres */
        bool seen_sport;
        bool is_run;
        unsigned sport_line, sport_column;
        ZwoText text_kind;
        char *text;
        size_t text_len, text_allocated;
        /* The element the next textevent belongs to: a step, or an interval
         * whose on/off steps split the events by time offset. */
        size_t cue_node; /* index in body, SIZE_MAX if none */
        double on_duration;
        unsigned step_depth; /* depth of the open step element, 0 if none */
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

static const char *attr(const char **atts, const char *name)
{
        for (size_t i = 0; atts[i]; i += 2)
                if (strcasecmp(atts[i], name) == 0)
                        return atts[i + 1];
        return NULL;
}

static int attr_number(ZwoParser *p, const char *el, const char **atts, const char *name, double lo,
                       double hi, double *ret)
{
        const char *v = attr(atts, name);
        char *end;
        double x;

        if (!v) {
                zwo_fail(p, "<%s> needs a %s attribute", el, name);
                return -EBADMSG;
        }
        errno = 0;
        x = strtod(v, &end);
        if (errno || end == v || *end || !isfinite(x) || x < lo || x > hi) {
                zwo_fail(p, "<%s %s=\"%s\">: expected a number from %g to %g", el, name, v, lo, hi);
                return -EBADMSG;
        }
        *ret = x;
        return 0;
}

static int zwo_pace(ZwoParser *p, const char *el, const char **atts, PaceRef *ret)
{
        static const PaceRef map[] = {PACE_REF_MILE, PACE_REF_5K, PACE_REF_10K, PACE_REF_HALF,
                                      PACE_REF_MARATHON};
        const char *v = attr(atts, "pace");
        char *end;
        long x;

        if (!v) {
                *ret = PACE_REF_MILE; /* Zwift's default reference */
                return 0;
        }
        x = strtol(v, &end, 10);
        if (end != v && !*end && x >= 0 && x < (long)ELEMENTSOF(map)) {
                *ret = map[x];
                return 0;
        }
        zwo_fail(p,
                 "<%s pace=\"%s\">: expected 0 (mile), 1 (5k), 2 (10k), 3 (half) or 4 (marathon)",
                 el, v);
        return -EBADMSG;
}

static int zwo_end(ZwoParser *p, const char *el, const char **atts, const char *name,
                   WorkoutStep *s)
{
        double v;

        if (attr_number(p, el, atts, name, 1e-3, p->distance ? 100000 : 6 * 3600, &v) < 0)
                return -EBADMSG;
        s->end = p->distance ? STEP_END_DISTANCE : STEP_END_TIME;
        s->end_value = v;
        return 0;
}

static int zwo_power(ZwoParser *p, const char *el, const char **atts, const char *name, PaceRef ref,
                     SpeedValue *ret)
{
        double f;

        if (attr_number(p, el, atts, name, 0.1, 3.0, &f) < 0)
                return -EBADMSG;
        *ret = (SpeedValue){.relative = true, .ref = ref, .pct = f * 100.0};
        return 0;
}

static bool add_step(ZwoParser *p, WorkoutBlock *b, WorkoutStep *s)
{
        if (!workout_block_add_step(b, s)) {
                p->r = -ENOMEM;
                XML_StopParser(p->xml, XML_FALSE);
                return false;
        }
        return true;
}

static void workout_element(ZwoParser *p, const char *el, const char **atts)
{
        WorkoutStep s;
        PaceRef ref;

        workout_step_init(&s);
        s.line = (unsigned)XML_GetCurrentLineNumber(p->xml);

        if (strcasecmp(el, "Warmup") == 0 || strcasecmp(el, "Cooldown") == 0 ||
            strcasecmp(el, "Ramp") == 0) {
                s.kind = strcasecmp(el, "Warmup") == 0     ? STEP_KIND_WARMUP
                         : strcasecmp(el, "Cooldown") == 0 ? STEP_KIND_COOLDOWN
                                                           : STEP_KIND_ACTIVE;
                if (zwo_pace(p, el, atts, &ref) < 0 || zwo_end(p, el, atts, "Duration", &s) < 0 ||
                    zwo_power(p, el, atts, "PowerLow", ref, &s.speed_lo) < 0 ||
                    zwo_power(p, el, atts, "PowerHigh", ref, &s.speed_hi) < 0)
                        return;
                s.speed_type = SPEED_TARGET_RAMP;
        } else if (strcasecmp(el, "SteadyState") == 0) {
                if (zwo_pace(p, el, atts, &ref) < 0 || zwo_end(p, el, atts, "Duration", &s) < 0)
                        return;
                if (attr(atts, "Power")) {
                        if (zwo_power(p, el, atts, "Power", ref, &s.speed_lo) < 0)
                                return;
                        s.speed_type = SPEED_TARGET_VALUE;
                } else {
                        if (zwo_power(p, el, atts, "PowerLow", ref, &s.speed_lo) < 0 ||
                            zwo_power(p, el, atts, "PowerHigh", ref, &s.speed_hi) < 0)
                                return;
                        s.speed_type = SPEED_TARGET_RANGE;
                        if (s.speed_lo.pct > s.speed_hi.pct) {
                                SpeedValue t = s.speed_lo;

                                s.speed_lo = s.speed_hi;
                                s.speed_hi = t;
                        }
                }
        } else if (strcasecmp(el, "FreeRide") == 0 || strcasecmp(el, "MaxEffort") == 0) {
                if (zwo_end(p, el, atts, "Duration", &s) < 0)
                        return;
                s.speed_type = SPEED_TARGET_FREE;
                if (strcasecmp(el, "MaxEffort") == 0) {
                        s.cue = strdup("Max effort");
                        if (!s.cue) {
                                p->r = -ENOMEM;
                                XML_StopParser(p->xml, XML_FALSE);
                                return;
                        }
                }
        } else if (strcasecmp(el, "IntervalsT") == 0) {
                WorkoutNode *n;
                WorkoutStep off;
                double repeat;

                workout_step_init(&off);
                off.line = s.line;
                off.kind = STEP_KIND_RECOVERY;
                if (attr_number(p, el, atts, "Repeat", 1, WORKOUT_REPEAT_MAX, &repeat) < 0 ||
                    repeat != floor(repeat)) {
                        if (p->r == 0)
                                zwo_fail(p, "<IntervalsT Repeat>: expected a whole number");
                        return;
                }
                if (zwo_pace(p, el, atts, &ref) < 0 || zwo_end(p, el, atts, "OnDuration", &s) < 0 ||
                    zwo_end(p, el, atts, "OffDuration", &off) < 0 ||
                    zwo_power(p, el, atts, "OnPower", ref, &s.speed_lo) < 0 ||
                    zwo_power(p, el, atts, "OffPower", ref, &off.speed_lo) < 0)
                        return;
                s.speed_type = off.speed_type = SPEED_TARGET_VALUE;
                n = workout_block_add_repeat(&p->w->body, (unsigned)repeat);
                if (!n || !add_step(p, &n->block, &s) || !add_step(p, &n->block, &off)) {
                        p->r = -ENOMEM;
                        XML_StopParser(p->xml, XML_FALSE);
                        return;
                }
                p->cue_node = p->w->body.n_nodes - 1;
                p->on_duration = s.end_value;
                return;
        } else {
                zwo_fail(p,
                         "unsupported workout element <%s> (expected Warmup, Cooldown, Ramp, "
                         "SteadyState, IntervalsT, FreeRide or MaxEffort)",
                         el);
                return;
        }
        if (!add_step(p, &p->w->body, &s)) {
                free(s.cue);
                return;
        }
        p->cue_node = p->w->body.n_nodes - 1;
        p->on_duration = INFINITY;
}

static int append_cue(WorkoutStep *s, const char *msg)
{
        char *c;

        if (!s->cue) {
                s->cue = strdup(msg);
                return s->cue ? 0 : -ENOMEM;
        }
        if (asprintf(&c, "%s / %s", s->cue, msg) < 0)
                return -ENOMEM;
        free(s->cue);
        s->cue = c;
        return 0;
}

static void text_event(ZwoParser *p, const char **atts)
{
        const char *msg = attr(atts, "message"), *off = attr(atts, "timeoffset");
        WorkoutNode *n;
        WorkoutStep *s;

        if (!msg || p->cue_node == SIZE_MAX)
                return;
        n = &p->w->body.nodes[p->cue_node];
        if (n->is_repeat) {
                double t = off ? strtod(off, NULL) : 0;

                s = &n->block.nodes[t >= p->on_duration ? 1 : 0].step;
        } else
                s = &n->step;
        if (append_cue(s, msg) < 0) {
                p->r = -ENOMEM;
                XML_StopParser(p->xml, XML_FALSE);
        }
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
        p->text_kind = streq(el, "name")           ? ZWO_TEXT_NAME
                       : streq(el, "description")  ? ZWO_TEXT_DESCRIPTION
                       : streq(el, "sportType")    ? ZWO_TEXT_SPORT
                       : streq(el, "durationType") ? ZWO_TEXT_DURATION_TYPE
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
                p->r = -ENOMEM;
                XML_StopParser(p->xml, XML_FALSE);
                return;
        }
        memcpy(t + p->text_len, s, len);
        p->text_len += len;
        t[p->text_len] = 0;
}

static char *trimmed(const char *s, size_t len)
{
        while (len > 0 && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')) {
                s++;
                len--;
        }
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\n' || s[len - 1] == '\t' ||
                           s[len - 1] == '\r'))
                len--;
        return strndup(s, len);
}

static void XMLCALL on_end(void *data, const char *el)
{
        ZwoParser *p = data;
        _cleanup_free_ char *v = NULL;

        if (p->in_workout && p->depth == p->workout_depth)
                p->in_workout = false;
        if (p->depth == p->step_depth)
                p->step_depth = 0;
        p->depth--;
        if (p->text_kind == ZWO_TEXT_NONE)
                return;
        v = trimmed(p->text ? p->text : "", p->text_len);
        if (!v) {
                p->r = -ENOMEM;
                XML_StopParser(p->xml, XML_FALSE);
                return;
        }
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
                p->is_run = strcasecmp(v, "run") == 0;
                if (!p->is_run) {
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
                        p->distance = true;
                else if (strcasecmp(v, "time") == 0)
                        p->distance = false;
                else
                        zwo_fail(p, "<durationType>%s</durationType>: expected time or distance",
                                 v);
                break;
        case ZWO_TEXT_NONE:
                break;
        }
        p->text_kind = ZWO_TEXT_NONE;
        p->text_len = 0;
}

int workout_zwo_parse(const char *xml, size_t len, const char *filename, Workout **ret,
                      WorkoutError *ret_error)
{
        _cleanup_(workout_freep) Workout *w = NULL;
        ZwoParser p = {
                .file = filename ? filename : "<input>",
                .error = ret_error,
                .cue_node = SIZE_MAX,
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
        free(p.text);
        if (p.r < 0)
                return p.r;
        if (!p.seen_sport) {
                workout_error_set(ret_error, p.file, 0, 0,
                                  "no <sportType>run</sportType>: Zwift treats this as a bike "
                                  "workout; only run workouts can be imported");
                return -EBADMSG;
        }
        if (w->body.n_nodes == 0) {
                workout_error_set(ret_error, p.file, 0, 0, "no steps in <workout>");
                return -EBADMSG;
        }
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
