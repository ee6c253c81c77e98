/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "json-util.h"
#include "plan.h"
#include "string-table.h"
#include "workout.h"

static const char *const plan_day_type_table[_PLAN_DAY_TYPE_MAX] = {
        [PLAN_DAY_RUN] = "run",
        [PLAN_DAY_REST] = "rest",
        [PLAN_DAY_CROSS] = "cross",
};

static const char *const plan_phase_table[_PLAN_PHASE_MAX] = {
        [PLAN_PHASE_BASE] = "base",
        [PLAN_PHASE_BUILD] = "build",
        [PLAN_PHASE_SHARPEN] = "sharpen",
        [PLAN_PHASE_TAPER] = "taper",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(plan_day_type, PlanDayType);
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(plan_phase, PlanPhase);

/* Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian). */
int64_t plan_date_from_civil(int y, unsigned m, unsigned d)
{
        int64_t era, yoe, doy, doe;

        y -= m <= 2;
        era = (y >= 0 ? y : y - 399) / 400;
        yoe = y - era * 400;
        doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
        int64_t era, doe, yoe, doy, mp;

        z += 719468;
        era = (z >= 0 ? z : z - 146096) / 146097;
        doe = z - era * 146097;
        yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        mp = (5 * doy + 2) / 153;
        *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
        *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
        *y = (int)(yoe + era * 400 + (*m <= 2));
}

unsigned plan_date_weekday(int64_t days)
{
        /* 1970-01-01 was a Thursday (3 with Monday = 0). */
        int64_t w = (days + 3) % 7;

        return (unsigned)(w < 0 ? w + 7 : w);
}

int plan_date_parse(const char *s, int64_t *ret)
{
        static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int y;
        unsigned m, d;

        if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
                return -EINVAL;
        for (size_t i = 0; i < 10; i++)
                if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
                        return -EINVAL;
        y = atoi(s);
        m = (unsigned)atoi(s + 5);
        d = (unsigned)atoi(s + 8);
        if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
                return -EINVAL;
        if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
                return -EINVAL;
        *ret = plan_date_from_civil(y, m, d);
        return 0;
}

const char *plan_date_format(int64_t days, char buf[static 11])
{
        int y;
        unsigned m, d;

        civil_from_days(days, &y, &m, &d);
        snprintf(buf, 11, "%04d-%02u-%02u", y < 0 ? 0 : y > 9999 ? 9999 : y, m, d);
        return buf;
}

/* The roles of a normal week's seven days. */
typedef enum Role {
        ROLE_SPEED,     /* hills, VO2max or race-pace intervals */
        ROLE_THRESHOLD, /* tempo or threshold intervals */
        ROLE_LONG,
        ROLE_EASY,
        ROLE_STRIDES,
        ROLE_REST,
        ROLE_CROSS,
} Role;

static const Role week_roles[PLAN_DAYS_PER_WEEK_MAX + 1][7] = {
        [3] = {ROLE_SPEED, ROLE_REST, ROLE_CROSS, ROLE_THRESHOLD, ROLE_REST, ROLE_LONG, ROLE_CROSS},
        [4] = {ROLE_SPEED, ROLE_STRIDES, ROLE_REST, ROLE_THRESHOLD, ROLE_CROSS, ROLE_LONG,
               ROLE_REST},
        [5] = {ROLE_SPEED, ROLE_STRIDES, ROLE_CROSS, ROLE_THRESHOLD, ROLE_REST, ROLE_LONG,
               ROLE_EASY},
        [6] = {ROLE_SPEED, ROLE_STRIDES, ROLE_EASY, ROLE_THRESHOLD, ROLE_REST, ROLE_LONG,
               ROLE_EASY},
};

/* The taper week: volume down, one sharp session, the time trial last. */
static const Role taper_roles[PLAN_DAYS_PER_WEEK_MAX + 1][7] = {
        [3] = {ROLE_SPEED, ROLE_REST, ROLE_CROSS, ROLE_STRIDES, ROLE_REST, ROLE_REST, ROLE_LONG},
        [4] = {ROLE_SPEED, ROLE_EASY, ROLE_REST, ROLE_STRIDES, ROLE_CROSS, ROLE_REST, ROLE_LONG},
        [5] = {ROLE_SPEED, ROLE_EASY, ROLE_CROSS, ROLE_STRIDES, ROLE_EASY, ROLE_REST, ROLE_LONG},
        [6] = {ROLE_SPEED, ROLE_EASY, ROLE_EASY, ROLE_STRIDES, ROLE_EASY, ROLE_REST, ROLE_LONG},
};

static PlanPhase week_phase(unsigned week, unsigned weeks)
{
        unsigned base = MAX((weeks - 3) / 2, 1u);

        if (week == weeks)
                return PLAN_PHASE_TAPER;
        if (week + 2 >= weeks)
                return PLAN_PHASE_SHARPEN;
        if (week <= base)
                return PLAN_PHASE_BASE;
        return PLAN_PHASE_BUILD;
}

static void fill_day(PlanDay *d, Role role, PlanPhase phase, unsigned week, unsigned weeks,
                     bool last_day)
{
        unsigned build_week = week; /* alternates build sessions */

        d->type = PLAN_DAY_RUN;
        switch (role) {
        case ROLE_SPEED:
                switch (phase) {
                case PLAN_PHASE_BASE:
                        d->workout = "hill-sprints";
                        d->note = "Hill sprints: power and economy";
                        break;
                case PLAN_PHASE_BUILD:
                        if (build_week % 2) {
                                d->workout = "vo2max-intervals";
                                d->note = "VO2max intervals";
                        } else {
                                d->workout = "race-pace-mile";
                                d->note = "Race-pace 400s at goal mile pace";
                        }
                        break;
                case PLAN_PHASE_SHARPEN:
                        d->workout = "race-pace-mile";
                        d->note = "Race-pace 400s at goal mile pace";
                        break;
                case PLAN_PHASE_TAPER:
                case _PLAN_PHASE_MAX:
                case _PLAN_PHASE_INVALID:
                        d->workout = "intervals-6x400";
                        d->note = "Taper: 6x400 m, sharp but short";
                        break;
                }
                break;
        case ROLE_THRESHOLD:
                /* The last build week ends with a check of the goal. */
                if (phase == PLAN_PHASE_BUILD && week + 3 == weeks) {
                        d->workout = "mile-time-trial";
                        d->note = "Mid-plan check: mile time trial (adjust the goal if needed)";
                } else if (phase == PLAN_PHASE_BUILD) {
                        d->workout = "threshold-intervals";
                        d->note = "Threshold intervals";
                } else {
                        d->workout = "tempo-run";
                        d->note = "Tempo run";
                }
                break;
        case ROLE_LONG:
                if (last_day) {
                        d->workout = "mile-time-trial";
                        d->note = "Goal: mile time trial";
                } else if (phase == PLAN_PHASE_TAPER) {
                        d->workout = "easy-run";
                        d->note = "Easy run";
                } else {
                        d->workout = "long-run";
                        d->note = "Long run";
                }
                break;
        case ROLE_EASY:
                d->workout = "easy-run";
                d->note = "Easy run";
                break;
        case ROLE_STRIDES:
                d->workout = "strides";
                d->note = "Easy run with strides";
                break;
        case ROLE_REST:
                d->type = PLAN_DAY_REST;
                d->workout = NULL;
                d->note = "Rest";
                break;
        case ROLE_CROSS:
                d->type = PLAN_DAY_CROSS;
                d->workout = NULL;
                d->note =
                        "Cross-training off the treadmill: 30-45 min easy bike, swim or elliptical";
                break;
        }
}

int plan_generate(const PlanOptions *o, Plan **ret)
{
        _cleanup_(plan_freep) Plan *p = NULL;

        if (!o || !ret)
                return -EINVAL;
        if (o->weeks < PLAN_WEEKS_MIN || o->weeks > PLAN_WEEKS_MAX ||
            o->days_per_week < PLAN_DAYS_PER_WEEK_MIN ||
            o->days_per_week > PLAN_DAYS_PER_WEEK_MAX ||
            !(o->goal_mile_s >= 180 && o->goal_mile_s <= 1200))
                return -EINVAL;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->options = *o;
        p->n_days = o->weeks * 7;
        p->days = calloc(p->n_days, sizeof(*p->days));
        if (!p->days)
                return -ENOMEM;
        for (unsigned w = 1; w <= o->weeks; w++) {
                PlanPhase phase = week_phase(w, o->weeks);
                const Role *roles = phase == PLAN_PHASE_TAPER ? taper_roles[o->days_per_week]
                                                              : week_roles[o->days_per_week];

                for (unsigned i = 0; i < 7; i++) {
                        PlanDay *d = &p->days[(w - 1) * 7 + i];

                        d->date = o->start + (w - 1) * 7 + i;
                        d->week = w;
                        d->phase = phase;
                        fill_day(d, roles[i], phase, w, o->weeks, w == o->weeks && i == 6);
                }
        }
        *ret = TAKE_PTR(p);
        return 0;
}

Plan *plan_free(Plan *p)
{
        if (!p)
                return NULL;
        free(p->days);
        free(p);
        return NULL;
}

const PlanDay *plan_day_at(const Plan *p, int64_t date)
{
        if (!p || p->n_days == 0 || date < p->options.start ||
            date >= p->options.start + (int64_t)p->n_days)
                return NULL;
        return &p->days[date - p->options.start];
}

const char *plan_workout_for_date(const Plan *p, int64_t date)
{
        const PlanDay *d = plan_day_at(p, date);

        return d && d->type == PLAN_DAY_RUN ? d->workout : NULL;
}

/* "330.0": numbers keep the format the plan always had. */
static json_object *number_1(double v)
{
        char buf[32];

        snprintf(buf, sizeof(buf), "%.1f", v);
        return json_object_new_double_s(v, buf);
}

static int add(json_object *o, const char *key, json_object *v)
{
        if (!v)
                return -ENOMEM;
        return json_object_object_add(o, key, v) < 0 ? -ENOMEM : 0;
}

/* json-c's null is a NULL object: not to be taken for a failed allocation. */
static int add_string_or_null(json_object *o, const char *key, const char *s)
{
        if (!s)
                return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
        return add(o, key, json_object_new_string(s));
}

static json_object *day_to_json(const PlanDay *d)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        char a[11];

        if (!o || add(o, "date", json_object_new_string(plan_date_format(d->date, a))) < 0 ||
            add(o, "week", json_object_new_int64(d->week)) < 0 ||
            add(o, "phase", json_object_new_string(plan_phase_to_string(d->phase))) < 0 ||
            add(o, "type", json_object_new_string(plan_day_type_to_string(d->type))) < 0 ||
            add_string_or_null(o, "workout", d->workout) < 0 ||
            add_string_or_null(o, "note", d->note) < 0)
                return NULL;
        return TAKE_PTR(o);
}

int plan_to_json(const Plan *p, FILE *f)
{
        _cleanup_json_ json_object *o = NULL;
        json_object *days;
        const char *s;
        char a[11], b[11];

        if (!p || !f)
                return -EINVAL;
        o = json_object_new_object();
        days = json_object_new_array();
        if (!o || add(o, "version", json_object_new_int(1)) < 0 ||
            add(o, "goal_mile_s", number_1(p->options.goal_mile_s)) < 0 ||
            add(o, "weeks", json_object_new_int64(p->options.weeks)) < 0 ||
            add(o, "days_per_week", json_object_new_int64(p->options.days_per_week)) < 0 ||
            add(o, "start", json_object_new_string(plan_date_format(p->options.start, a))) < 0 ||
            add(o, "end",
                json_object_new_string(
                        plan_date_format(p->options.start + (int64_t)p->n_days - 1, b))) < 0 ||
            add(o, "days", days) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < p->n_days; i++) {
                json_object *d = day_to_json(&p->days[i]);

                if (!d || json_object_array_add(days, d) < 0) {
                        json_object_put(d);
                        return -ENOMEM;
                }
        }
        s = json_to_string(o);
        if (!s)
                return -ENOMEM;
        fputs(s, f);
        return 0;
}

/*
 * A stored plan is its options: the days are regenerated from them (and so
 * are always consistent). The days written out are for other readers.
 */
int plan_from_json(const char *json, Plan **ret)
{
        _cleanup_json_ json_object *o = NULL;
        PlanOptions opt = {};
        const char *start;
        int64_t version, weeks, days_per_week;
        int r;

        if (!json || !ret)
                return -EINVAL;
        r = json_parse(json, strlen(json), &o);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || json_get_int64(o, "version", 1, 1, &version) < 0 ||
            json_get_double(o, "goal_mile_s", &opt.goal_mile_s) < 0 ||
            json_get_int64(o, "weeks", 0, 100, &weeks) < 0 ||
            json_get_int64(o, "days_per_week", 0, 7, &days_per_week) < 0 ||
            json_get_string(o, "start", &start) < 0 || plan_date_parse(start, &opt.start) < 0)
                return -EBADMSG;
        opt.weeks = (unsigned)weeks;
        opt.days_per_week = (unsigned)days_per_week;
        r = plan_generate(&opt, ret);
        return r == -EINVAL ? -EBADMSG : r;
}
