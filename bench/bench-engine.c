/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The workout engine over an hour-long interval workout in virtual time,
 * against the scripted fake treadmill of the unit tests, with a glue whose
 * timer wakes 0-20 ms late (pseudo-random, reproducible). Prints the worst
 * step-change timing error of time-based steps (late wake-up included; it
 * must not accumulate), how far distance-based steps ended from their
 * distance, the number of wake-ups, and the CPU time per hour of workout.
 *
 *   bench-engine [hours]      (default 20 repetitions of the hour)
 */
#include <stdio.h>
#include <time.h>

#include "fake-treadmill.h"

static ResolvedWorkout *hour_workout(double *ret_total_s)
{
        ResolvedStep steps[64];
        size_t n = 0;
        double total = 0;

        steps[n++] = rig_step_time(STEP_KIND_WARMUP, 360, 9.0);
        steps[n] = rig_step_time(STEP_KIND_ACTIVE, 300, 9.0);
        steps[n].speed_end_kmh = 12.0; /* a progression ramp */
        n++;
        for (int i = 0; i < 12; i++) {
                steps[n++] = rig_step_dist(STEP_KIND_ACTIVE, 400, 16.0);
                steps[n++] = rig_step_time(STEP_KIND_RECOVERY, 90, 7.0);
        }
        for (int i = 0; i < 6; i++) {
                steps[n++] = rig_step_time(STEP_KIND_STRIDE, 20, 18.0);
                steps[n++] = rig_step_time(STEP_KIND_RECOVERY, 60, 9.0);
        }
        steps[n++] = rig_step_time(STEP_KIND_COOLDOWN, 300, 8.0);
        for (size_t i = 0; i < n; i++)
                total += steps[i].end == STEP_END_TIME ? steps[i].end_value : 90;
        *ret_total_s = total;
        return rig_workout("bench hour", steps, n);
}

typedef struct Stats {
        uint64_t worst_time_err_usec;
        double worst_dist_err_m;
        unsigned wakeups, changes;
        double workout_s;
} Stats;

static uint32_t lcg(uint32_t *s)
{
        *s = *s * 1664525u + 1013904223u;
        return *s >> 8;
}

static void run_once(Stats *st, uint32_t seed)
{
        static Rig r; /* large: keep it off the stack */
        EngineConfig cfg;
        ResolvedWorkout *w;
        double total;
        uint64_t sched_start = 0, t_start;
        int step = -1;
        double belt_at_start = 0;
        const ResolvedWorkout *wk;

        engine_config_init(&cfg);
        rig_init_with(&r, &cfg, true);
        rig_console_start(&r, 8.0);
        rig_run_for(&r, 5);
        w = hour_workout(&total);
        if (workout_engine_load(r.e, r.now, w) < 0)
                abort();
        wk = workout_engine_get_workout(r.e);
        t_start = r.now;
        workout_engine_start(r.e, r.now);
        rig_drain(&r);

        while (workout_engine_get_state(r.e) == ENGINE_STATE_RUNNING) {
                uint64_t d = workout_engine_next_deadline(r.e);
                uint64_t late = (lcg(&seed) % 20000); /* 0-20 ms */
                size_t before = r.n_events;

                /* Data, CP responses and HR come first if due; the timer fires late. */
                rig_run_until(&r, d == USEC_INFINITY ? r.now + USEC_PER_SEC : d - 1);
                if (d != USEC_INFINITY && workout_engine_next_deadline(r.e) == d) {
                        r.now = d + late;
                        workout_engine_tick(r.e, r.now);
                        rig_drain(&r);
                        st->wakeups++;
                }
                for (size_t i = before; i < r.n_events; i++) {
                        const EngineEvent *ev = &r.events[i];

                        if (ev->type != ENGINE_EVENT_STEP_CHANGED)
                                continue;
                        if (step >= 0) {
                                const ResolvedStep *s = &wk->steps[step];

                                if (s->end == STEP_END_TIME) {
                                        uint64_t due = sched_start +
                                                       (uint64_t)(s->end_value * USEC_PER_SEC);
                                        uint64_t err = ev->time_usec > due ? ev->time_usec - due
                                                                           : due - ev->time_usec;
                                        if (err > st->worst_time_err_usec)
                                                st->worst_time_err_usec = err;
                                        sched_start = due;
                                } else {
                                        /* Where the belt really was vs. the step's length. */
                                        double e = fabs(r.tm.distance_m - belt_at_start -
                                                        s->end_value);
                                        if (e > st->worst_dist_err_m)
                                                st->worst_dist_err_m = e;
                                        sched_start = ev->time_usec;
                                }
                        } else
                                sched_start = ev->time_usec;
                        belt_at_start = r.tm.distance_m;
                        step = ev->step_index;
                        st->changes++;
                }
                if (r.n_events > RIG_MAX_LOG - 64)
                        r.n_events = 0; /* the log is only for this pass */
                if (r.n_writes > RIG_MAX_LOG - 64)
                        r.n_writes = 0;
                if (r.n_cues > RIG_MAX_LOG - 64)
                        r.n_cues = 0;
        }
        st->workout_s += (double)(r.now - t_start) / USEC_PER_SEC;
        rig_free(&r);
}

int main(int argc, char **argv)
{
        int reps = argc > 1 ? atoi(argv[1]) : 20;
        Stats st = {};
        clock_t c0, c1;
        double cpu;

        if (reps <= 0)
                reps = 1;
        c0 = clock();
        for (int i = 0; i < reps; i++)
                run_once(&st, 12345u + (uint32_t)i);
        c1 = clock();
        cpu = (double)(c1 - c0) / CLOCKS_PER_SEC;

        printf("workouts:                  %d x %.1f min (virtual)\n", reps,
               st.workout_s / reps / 60);
        printf("step changes:              %u\n", st.changes);
        printf("timer wake-ups per hour:   %.0f\n", st.wakeups / (st.workout_s / 3600));
        printf("worst time-step change error: %.3f ms (glue wakes 0-20 ms late)\n",
               st.worst_time_err_usec / 1000.0);
        printf("worst distance-step end error: %.3f m of belt (1 Hz data, 1 m resolution)\n",
               st.worst_dist_err_m);
        printf("CPU time per hour of workout: %.3f ms (engine + fake treadmill + 1 Hz data)\n",
               cpu / (st.workout_s / 3600) * 1000);
        return 0;
}
