/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "json-util.h"
#include "plan.h"
#include "string-table.h"
#include "time-util.h"
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

static unsigned base_weeks(unsigned weeks)
{
        return MAX((weeks - 3) / 2, 1u);
}

/*
 * The load of a week, 1.0 in the first: +8 % a week through base and build,
 * the sharpening weeks at 90 % of the peak, the taper at 55 %. Volume
 * (minutes) scales with it; reps follow their own tables below.
 */
static double week_load(unsigned week, unsigned weeks)
{
        double peak = 1.0 + 0.08 * (weeks - 4);

        switch (week_phase(week, weeks)) {
        case PLAN_PHASE_BASE:
        case PLAN_PHASE_BUILD:
                return 1.0 + 0.08 * (week - 1);
        case PLAN_PHASE_SHARPEN:
                return 0.9 * peak;
        case PLAN_PHASE_TAPER:
        case _PLAN_PHASE_MAX:
        case _PLAN_PHASE_INVALID:
                break;
        }
        return 0.55 * peak;
}

static unsigned minutes_of(double base, double load, unsigned lo, unsigned hi)
{
        unsigned m = (unsigned)lround(base * load / 5.0) * 5;

        if (m < lo)
                return lo;
        return m > hi ? hi : m;
}

static void fill_day(PlanDay *d, Role role, PlanPhase phase, unsigned week, unsigned weeks,
                     bool last_day)
{
        unsigned build_i = week > base_weeks(weeks) ? week - base_weeks(weeks) - 1 : 0;
        double load = week_load(week, weeks);

        d->type = PLAN_DAY_RUN;
        d->reps = d->minutes = 0;
        d->detail[0] = 0;
        switch (role) {
        case ROLE_SPEED:
                switch (phase) {
                case PLAN_PHASE_BASE:
                        d->workout = "hill-sprints";
                        d->note = "Hill sprints: power and economy";
                        d->reps = MIN(6 + 2 * (week - 1), 10u);
                        snprintf(d->detail, sizeof(d->detail), "%u x 25 s uphill", d->reps);
                        break;
                case PLAN_PHASE_BUILD:
                        if (build_i % 2 == 0) {
                                d->workout = "vo2max-intervals";
                                d->note = "VO2max intervals";
                                d->reps = MIN(4 + build_i / 2, 6u);
                                snprintf(d->detail, sizeof(d->detail), "%u x 3 min at 3 km pace",
                                         d->reps);
                        } else {
                                d->workout = "race-pace-mile";
                                d->note = "Race-pace 400s at goal mile pace";
                                d->reps = MIN(6 + build_i, 10u);
                                snprintf(d->detail, sizeof(d->detail), "%u x 400 m at goal pace",
                                         d->reps);
                        }
                        break;
                case PLAN_PHASE_SHARPEN:
                        d->workout = "race-pace-mile";
                        d->note = "Race-pace 400s at goal mile pace";
                        /* The most race-pace work of the plan, then a little less. */
                        d->reps = week + 2 == weeks ? 10 : 8;
                        snprintf(d->detail, sizeof(d->detail), "%u x 400 m at goal pace", d->reps);
                        break;
                case PLAN_PHASE_TAPER:
                case _PLAN_PHASE_MAX:
                case _PLAN_PHASE_INVALID:
                        d->workout = "intervals-6x400";
                        d->note = "Taper: 400s at goal pace, sharp but short";
                        d->reps = 4;
                        snprintf(d->detail, sizeof(d->detail), "%u x 400 m at goal pace", d->reps);
                        break;
                }
                break;
        case ROLE_THRESHOLD:
                /* The last build week ends with a check of the goal. */
                if (phase == PLAN_PHASE_BUILD && week + 3 == weeks) {
                        d->workout = "mile-time-trial";
                        d->note = "Mid-plan check: mile time trial at goal pace (adjust the goal "
                                  "if needed)";
                        snprintf(d->detail, sizeof(d->detail), "the mile at goal pace");
                } else if (phase == PLAN_PHASE_BUILD) {
                        d->workout = "threshold-intervals";
                        d->note = "Threshold intervals";
                        d->reps = MIN(3 + build_i / 2, 4u);
                        snprintf(d->detail, sizeof(d->detail), "%u x 1 mile at threshold", d->reps);
                } else {
                        d->workout = "tempo-run";
                        d->note = "Tempo run";
                        d->minutes = minutes_of(15, load, 15, 30);
                        snprintf(d->detail, sizeof(d->detail), "%u min at threshold", d->minutes);
                }
                break;
        case ROLE_LONG:
                if (last_day) {
                        d->workout = "mile-time-trial";
                        d->note = "Goal: mile time trial";
                        snprintf(d->detail, sizeof(d->detail), "the mile at goal pace");
                } else if (phase == PLAN_PHASE_TAPER) {
                        d->workout = "easy-run";
                        d->note = "Easy run";
                        d->minutes = 15;
                        snprintf(d->detail, sizeof(d->detail), "%u min easy", d->minutes);
                } else {
                        d->workout = "long-run";
                        d->note = "Long run";
                        d->minutes = minutes_of(45, load, 40, 80);
                        snprintf(d->detail, sizeof(d->detail), "%u min easy + 10 min steady",
                                 d->minutes);
                }
                break;
        case ROLE_EASY:
                d->workout = "easy-run";
                d->note = "Easy run";
                /* Tapering: short and easy, the legs fresh for the trial. */
                d->minutes = phase == PLAN_PHASE_TAPER ? 15 : minutes_of(30, load, 20, 50);
                snprintf(d->detail, sizeof(d->detail), "%u min easy", d->minutes);
                break;
        case ROLE_STRIDES:
                d->workout = "strides";
                d->note = "Easy run with strides";
                d->minutes = phase == PLAN_PHASE_TAPER ? 10 : minutes_of(20, load, 15, 35);
                d->reps = phase == PLAN_PHASE_BASE || phase == PLAN_PHASE_TAPER ? 4 : 6;
                snprintf(d->detail, sizeof(d->detail), "%u min easy + %u x 20 s", d->minutes,
                         d->reps);
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

static double week_minutes(const Plan *p, unsigned week, PlanDay **ret_long)
{
        double sum = 0;

        *ret_long = NULL;
        for (size_t i = (week - 1) * 7; i < week * 7u; i++) {
                PlanDay *d = &p->days[i];

                if (d->workout && streq(d->workout, "long-run"))
                        *ret_long = d;
                else
                        sum += plan_day_minutes(d);
        }
        return sum;
}

/*
 * The weekly volume grows with the load through the base and build weeks
 * whatever the other sessions of a week are (a time-trial week is short):
 * the long run takes up the difference, 40 to 90 minutes ...
 */
static void balance_long_runs(Plan *p)
{
        unsigned last = p->options.weeks - 3, prev;
        PlanDay *lr;
        double v1 = week_minutes(p, 1, &lr) + (lr ? plan_day_minutes(lr) : 0);

        prev = lr ? lr->minutes : 40;
        for (unsigned w = 2; w <= last; w++) {
                double others = week_minutes(p, w, &lr), want;

                if (!lr)
                        continue;
                want = v1 * week_load(w, p->options.weeks) - others - 20;
                /* ... and never shorter than the week before's. */
                lr->minutes = MAX(minutes_of(want, 1.0, 40, 90), prev);
                prev = lr->minutes;
                snprintf(lr->detail, sizeof(lr->detail), "%u min easy + 10 min steady",
                         lr->minutes);
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
            !(o->goal_mile_s >= 180 && o->goal_mile_s <= 1200) ||
            !(o->current_mile_s == 0 || (o->current_mile_s >= 180 && o->current_mile_s <= 1200)))
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
        balance_long_runs(p);
        *ret = TAKE_PTR(p);
        return 0;
}

/* ---- the workouts of the days ---- */

static const char *const workout_templates[][2] = {
        {"easy-run", "# name: Easy run (@M min)\n"
                     "# description: Conversational aerobic running.\n"
                     "Warmup\n- Walk 2m 50% easy Pace\n- 5m ramp 85-100% easy Pace\n\n"
                     "Easy\n- @Mm easy Pace\n\n"
                     "Cooldown\n- 3m 90% easy Pace\n"},
        {"long-run", "# name: Long run (@M min + 10 min steady)\n"
                     "# description: The week's longest run, the last 10 minutes a touch "
                     "quicker.\n"
                     "Warmup\n- 5m ramp 85-100% easy Pace\n\n"
                     "Long run\n- @Mm easy Pace\n- Steady finish 10m 95% marathon Pace\n\n"
                     "Cooldown\n- 5m 90% easy Pace\n"},
        {"strides", "# name: Easy run with strides (@Rx20 s)\n"
                    "# description: Easy running finished with accelerations, each from a "
                    "jog.\n"
                    "Warmup\n- 5m ramp 85-100% easy Pace\n\n"
                    "Easy\n- @Mm easy Pace\n\n"
                    "Strides @Rx\n- Jog 1m 85% easy Pace\n- Stride 20s ramp 85-105% mile Pace\n\n"
                    "Cooldown\n- 5m 90% easy Pace\n"},
        {"hill-sprints", "# name: Hill sprints (@Rx25 s at 6 %)\n"
                         "# description: Short hard uphill efforts from a walk on the same "
                         "grade.\n"
                         "Warmup\n- 15m ramp 85-105% easy Pace\n\n"
                         "Hill sprints @Rx\n- Walk 1m35 60% easy Pace 6% incline\n"
                         "- Stride 25s 100% mile Pace 6% incline\n\n"
                         "Cooldown\n- Walk 2m 50% easy Pace 0% incline\n"
                         "- 8m 90% easy Pace 0% incline\n"},
        {"vo2max-intervals", "# name: VO2max intervals (@Rx3 min)\n"
                             "# description: 3 minutes at about 3 km race pace with equal jog "
                             "recoveries.\n"
                             "Warmup\n- 15m ramp 85-105% easy Pace\n\n"
                             "Main Set @Rx\n- 3m 103% 5k Pace\n- Jog 3m 85% easy Pace\n\n"
                             "Cooldown\n- 10m 90% easy Pace\n"},
        {"race-pace-mile", "# name: Race-pace mile intervals (@Rx400 m)\n"
                           "# description: 400 m at goal mile pace with 200 m jog "
                           "recoveries.\n"
                           "Warmup\n- 15m ramp 85-105% easy Pace\n\n"
                           "Strides 4x\n- Stride 20s 95% mile Pace\n- Jog 1m 80% easy Pace\n\n"
                           "Main Set @Rx\n- 400mtr goal Pace\n- Jog 200mtr 85% easy Pace\n\n"
                           "Cooldown\n- 10m 90% easy Pace\n"},
        {"intervals-6x400", "# name: Taper 400s (@Rx400 m)\n"
                            "# description: 400 m at goal mile pace with 400 m jog: sharp but "
                            "short.\n"
                            "Warmup\n- 15m ramp 85-105% easy Pace\n\n"
                            "Strides 4x\n- Stride 20s 95% mile Pace\n- Jog 1m 80% easy Pace\n\n"
                            "Main Set @Rx\n- 400mtr goal Pace\n- Jog 400mtr 85% easy Pace\n\n"
                            "Cooldown\n- 10m 90% easy Pace\n"},
        {"tempo-run", "# name: Tempo run (@M min)\n"
                      "# description: Comfortably hard, just slower than threshold pace.\n"
                      "Warmup\n- 15m ramp 85-105% easy Pace\n\n"
                      "Tempo\n- @Mm 97% threshold Pace\n\n"
                      "Cooldown\n- 10m 90% easy Pace\n"},
        {"threshold-intervals", "# name: Threshold intervals (@Rx1 mi)\n"
                                "# description: Cruise intervals at threshold pace with 1 minute "
                                "jog.\n"
                                "Warmup\n- 15m ramp 85-105% easy Pace\n\n"
                                "Main Set @Rx\n- 1mi threshold Pace\n- Jog 1m 85% easy Pace\n\n"
                                "Cooldown\n- 10m 90% easy Pace\n"},
        {"mile-time-trial",
         "# name: 1-mile time trial (4-lap strategy)\n"
         "# description: The goal mile in four laps: lap 1 a second slow, lap 2 on pace, lap 3 "
         "hold, lap 4 faster every 100 m.\n"
         "Warmup\n- 15m ramp 85-105% easy Pace\n\n"
         "Strides 4x\n- Stride 20s ramp 80-100% mile Pace\n- Jog 1m 80% easy Pace\n\n"
         "Ready\n- Walk 2m 50% easy Pace\n\n"
         "Time trial\n"
         "- Lap 1: settle, a second slow 402.336mtr goal Pace +1s\n"
         "- Lap 2: on pace 402.336mtr goal Pace\n"
         "- Lap 3: hold, the crossover lap 402.336mtr goal Pace\n"
         "- Lap 4, first 100: go 100.584mtr 101% goal Pace\n"
         "- Lap 4, second 100: faster 100.584mtr 102% goal Pace\n"
         "- Lap 4, third 100: faster 100.584mtr 103% goal Pace\n"
         "- Lap 4, last 100: all in 100.584mtr 105% goal Pace\n\n"
         "Cooldown\n- Walk 2m 50% easy Pace\n- 10m 90% easy Pace\n"},
};

int plan_day_workout_text(const PlanDay *d, char **ret)
{
        if (!d || !ret || d->type != PLAN_DAY_RUN || !d->workout)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(workout_templates); i++) {
                const char *t = workout_templates[i][1];
                char *out, *o;

                if (!streq(d->workout, workout_templates[i][0]))
                        continue;
                /* "@M" is this week's minutes, "@R" its reps (at most 10 digits each). */
                out = o = malloc(strlen(t) * 2 + 64);
                if (!out)
                        return -ENOMEM;
                for (; *t; t++)
                        if (t[0] == '@' && (t[1] == 'M' || t[1] == 'R')) {
                                o += sprintf(o, "%u", t[1] == 'M' ? d->minutes : d->reps);
                                t++;
                        } else
                                *o++ = *t;
                *o = '\0';
                *ret = out;
                return 0;
        }
        return -EINVAL;
}

double plan_day_minutes(const PlanDay *d)
{
        if (!d || d->type != PLAN_DAY_RUN || !d->workout)
                return 0;
        if (streq(d->workout, "easy-run"))
                return 10 + d->minutes;
        if (streq(d->workout, "long-run"))
                return 20 + d->minutes;
        if (streq(d->workout, "strides"))
                return 10 + d->minutes + d->reps * (60 + 20) / 60.0;
        if (streq(d->workout, "hill-sprints"))
                return 25 + d->reps * 2;
        if (streq(d->workout, "vo2max-intervals"))
                return 25 + d->reps * 6;
        if (streq(d->workout, "tempo-run"))
                return 25 + d->minutes;
        if (streq(d->workout, "threshold-intervals"))
                return 25 + d->reps * 7.5;
        /* 400 m at about 4 min/km and a 200 m or 400 m jog; strides 5 min. */
        if (streq(d->workout, "race-pace-mile"))
                return 30 + d->reps * 3.0;
        if (streq(d->workout, "intervals-6x400"))
                return 30 + d->reps * 4.0;
        if (streq(d->workout, "mile-time-trial"))
                return 41;
        return 0;
}

static bool day_is_hard(const PlanDay *d)
{
        static const char *const hard[] = {
                "race-pace-mile",      "vo2max-intervals", "hill-sprints",   "tempo-run",
                "threshold-intervals", "mile-time-trial",  "intervals-6x400"};

        if (d->type != PLAN_DAY_RUN || !d->workout)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(hard); i++)
                if (streq(d->workout, hard[i]))
                        return true;
        return false;
}

static void swap_content(PlanDay *a, PlanDay *b)
{
        PlanDay t = *a;

        /* What is done changes places; each keeps its date, week and phase. */
        a->type = b->type;
        a->workout = b->workout;
        a->note = b->note;
        a->reps = b->reps;
        a->minutes = b->minutes;
        memcpy(a->detail, b->detail, sizeof(a->detail));
        b->type = t.type;
        b->workout = t.workout;
        b->note = t.note;
        b->reps = t.reps;
        b->minutes = t.minutes;
        memcpy(b->detail, t.detail, sizeof(b->detail));
}

static int apply_swap(Plan *p, int64_t a, int64_t b)
{
        PlanDay *x = (PlanDay *)plan_day_at(p, a), *y = (PlanDay *)plan_day_at(p, b);

        if (!x || !y)
                return -ERANGE;
        if (a == b)
                return -EINVAL;
        swap_content(x, y);
        for (size_t i = 0; i + 1 < p->n_days; i++)
                if (day_is_hard(&p->days[i]) && day_is_hard(&p->days[i + 1])) {
                        swap_content(x, y);
                        return -EDEADLK;
                }
        return 0;
}

int plan_swap_days(Plan *p, int64_t a, int64_t b)
{
        int r;

        if (!p)
                return -EINVAL;
        if (p->n_swaps >= PLAN_SWAPS_MAX)
                return -E2BIG;
        r = apply_swap(p, a, b);
        if (r < 0)
                return r;
        p->swaps[p->n_swaps][0] = a;
        p->swaps[p->n_swaps][1] = b;
        p->n_swaps++;
        return 0;
}

/* The mile world record (Hicham El Guerrouj, 1999): 3:43.13. */
#define MILE_WORLD_RECORD_S 223.13
/* What training gives at most, and what is ambitious, per week of plan. */
#define PLAN_GAIN_MAX_PER_WEEK       0.015
#define PLAN_GAIN_AMBITIOUS_PER_WEEK 0.0075

int plan_check_goal(double goal_s, double current_s, unsigned weeks, char *buf, size_t n)
{
        char g[32], c[32], best[32];
        double gain;

        buf[0] = 0;
        format_duration(g, sizeof(g), goal_s, TIME_FORMAT_DASH);
        if (goal_s < MILE_WORLD_RECORD_S) {
                snprintf(buf, n, "A %s mile is faster than the world record (3:43.13).", g);
                return -EDOM;
        }
        if (!(current_s > 0)) {
                snprintf(buf, n,
                         "Your current mile is not known: the goal %s cannot be checked (set "
                         "[Runner] mile, or run the time trial and pacectl profile "
                         "--accept-result ID).",
                         g);
                return 1;
        }
        format_duration(c, sizeof(c), current_s, TIME_FORMAT_DASH);
        /* Speed gained: a 6:30 mile to 6:00 is 8.3 % faster. */
        gain = current_s / goal_s - 1;
        format_duration(best, sizeof(best), current_s / (1 + PLAN_GAIN_MAX_PER_WEEK * weeks),
                        TIME_FORMAT_DASH);
        if (gain > PLAN_GAIN_MAX_PER_WEEK * weeks) {
                snprintf(buf, n,
                         "A %s goal is %.0f %% faster than your %s mile: more than %u weeks of "
                         "training give (about 1.5 %% a week at most). Aim for %s or slower, or "
                         "plan more weeks.",
                         g, gain * 100, c, weeks, best);
                return -EDOM;
        }
        if (gain > PLAN_GAIN_AMBITIOUS_PER_WEEK * weeks) {
                snprintf(buf, n,
                         "A %s goal is %.1f %% faster than your %s mile: ambitious for %u weeks "
                         "(the time trial in week %u tells).",
                         g, gain * 100, c, weeks, weeks - 3);
                return 1;
        }
        if (gain < 0) {
                snprintf(buf, n,
                         "A %s goal is slower than your %s mile: the race-pace sessions run at "
                         "the goal, slower than you can.",
                         g, c);
                return 1;
        }
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
            add(o, "reps", json_object_new_int64(d->reps)) < 0 ||
            add(o, "minutes", json_object_new_int64(d->minutes)) < 0 ||
            add_string_or_null(o, "detail", d->detail[0] ? d->detail : NULL) < 0 ||
            add(o, "planned_min", json_object_new_int64(lround(plan_day_minutes(d)))) < 0 ||
            add_string_or_null(o, "note", d->note) < 0)
                return NULL;
        return TAKE_PTR(o);
}

int plan_to_json(const Plan *p, FILE *f)
{
        _cleanup_json_ json_object *o = NULL;
        json_object *days, *swaps;
        const char *s;
        char a[11], b[11];

        if (!p || !f)
                return -EINVAL;
        o = json_object_new_object();
        swaps = json_object_new_array();
        days = json_object_new_array();
        if (!o || add(o, "version", json_object_new_int(2)) < 0 ||
            add(o, "goal_mile_s", number_1(p->options.goal_mile_s)) < 0 ||
            (p->options.current_mile_s > 0
                     ? add(o, "current_mile_s", number_1(p->options.current_mile_s))
                     : json_object_object_add(o, "current_mile_s", NULL)) < 0 ||
            add(o, "weeks", json_object_new_int64(p->options.weeks)) < 0 ||
            add(o, "days_per_week", json_object_new_int64(p->options.days_per_week)) < 0 ||
            add(o, "start", json_object_new_string(plan_date_format(p->options.start, a))) < 0 ||
            add(o, "end",
                json_object_new_string(
                        plan_date_format(p->options.start + (int64_t)p->n_days - 1, b))) < 0 ||
            add(o, "swaps", swaps) < 0 || add(o, "days", days) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < p->n_swaps; i++) {
                json_object *pair = json_object_new_array();

                if (!pair || json_object_array_add(swaps, pair) < 0 ||
                    json_object_array_add(pair, json_object_new_string(
                                                        plan_date_format(p->swaps[i][0], a))) < 0 ||
                    json_object_array_add(pair, json_object_new_string(
                                                        plan_date_format(p->swaps[i][1], b))) < 0)
                        return -ENOMEM;
        }
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
 * A stored plan is its options and the days the runner swapped: the days
 * are regenerated from them (and so are always consistent). The days
 * written out are for other readers. Version 1 had no current mile and no
 * swaps.
 */
int plan_from_json(const char *json, Plan **ret)
{
        _cleanup_json_ json_object *o = NULL;
        _cleanup_(plan_freep) Plan *p = NULL;
        json_object *swaps = NULL;
        PlanOptions opt = {};
        const char *start;
        int64_t version, weeks, days_per_week;
        int r;

        if (!json || !ret)
                return -EINVAL;
        r = json_parse(json, strlen(json), &o);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || json_get_int64(o, "version", 1, 2, &version) < 0 ||
            json_get_double(o, "goal_mile_s", &opt.goal_mile_s) < 0 ||
            json_get_int64(o, "weeks", 0, 100, &weeks) < 0 ||
            json_get_int64(o, "days_per_week", 0, 7, &days_per_week) < 0 ||
            json_get_string(o, "start", &start) < 0 || plan_date_parse(start, &opt.start) < 0)
                return -EBADMSG;
        r = json_get_double(o, "current_mile_s", &opt.current_mile_s);
        if (r < 0 && r != -ENOENT)
                return -EBADMSG;
        r = json_get_array(o, "swaps", &swaps);
        if (r < 0 && r != -ENOENT)
                return -EBADMSG;
        opt.weeks = (unsigned)weeks;
        opt.days_per_week = (unsigned)days_per_week;
        r = plan_generate(&opt, &p);
        if (r < 0)
                return r == -EINVAL ? -EBADMSG : r;
        for (size_t i = 0; swaps && i < json_object_array_length(swaps); i++) {
                json_object *pair = json_object_array_get_idx(swaps, i);
                const char *x, *y;
                int64_t dx, dy;

                if (!json_object_is_type(pair, json_type_array) ||
                    json_object_array_length(pair) != 2 ||
                    json_as_string(json_object_array_get_idx(pair, 0), &x) < 0 ||
                    json_as_string(json_object_array_get_idx(pair, 1), &y) < 0 ||
                    plan_date_parse(x, &dx) < 0 || plan_date_parse(y, &dy) < 0 ||
                    plan_swap_days(p, dx, dy) < 0)
                        return -EBADMSG;
        }
        *ret = TAKE_PTR(p);
        return 0;
}
