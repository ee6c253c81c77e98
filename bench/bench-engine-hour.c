/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The workout engine on a simulated hour: a one-hour interval session
 * (10 min warm-up, 12 x (2 min at 14 km/h, 90 s at 8 km/h), 8 min cool-down)
 * against the fake treadmill of the engine tests, in virtual time.
 *
 * Measures the worst step-change error against the plan (the time each
 * StepChanged event carries minus the start time plus the planned step
 * durations) and the thread CPU time the whole hour costs. Run twice: with
 * tick() called exactly at the engine's deadline, and with every tick late
 * by a pseudo-random 0..MAX ms, as a loaded machine's timers would be; the
 * error must then stay within one tick's lateness (no drift accumulates).
 *
 *   bench-engine-hour [max-tick-lateness-ms, default 10]
 * Prints figures only; asserts nothing about time.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../tests/unit/fake-treadmill.h"

#define REPS 12

typedef struct Result {
        double worst_error_ms;
        size_t step_changes;
        double cpu_s;
        unsigned ticks;
        size_t writes;
        EngineState state;
} Result;

static double thread_cpu_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static ResolvedWorkout *hour(double planned_s[], size_t *ret_n)
{
        ResolvedStep steps[2 + 2 * REPS];
        size_t n = 0;

        steps[n++] = rig_step_time(STEP_KIND_WARMUP, 600, 9.0);
        for (int i = 0; i < REPS; i++) {
                steps[n++] = rig_step_time(STEP_KIND_ACTIVE, 120, 14.0);
                steps[n++] = rig_step_time(STEP_KIND_RECOVERY, 90, 8.0);
        }
        steps[n++] = rig_step_time(STEP_KIND_COOLDOWN, 480, 8.0);
        for (size_t i = 0; i < n; i++)
                planned_s[i] = steps[i].end_value;
        *ret_n = n;
        return rig_workout("hour", steps, n);
}

/*
 * rig_run_until() with late ticks: each deadline the engine asks for is
 * served a pseudo-random 0..max_late_usec after it; treadmill data, heart
 * rate and control-point responses keep arriving on time meanwhile.
 */
static void run_late(Rig *r, uint64_t until, uint64_t max_late_usec, uint32_t *seed)
{
        uint64_t seen = USEC_INFINITY, tick_at = USEC_INFINITY;
        bool fresh = true;

        for (;;) {
                uint64_t dl = workout_engine_next_deadline(r->e);
                uint64_t t_data = r->link && r->tm.report_data ? r->next_data : USEC_INFINITY;
                uint64_t t_hr = r->tm.hr_enabled ? r->next_hr : USEC_INFINITY;
                uint64_t t_cp = r->pending ? r->pending_at : USEC_INFINITY;
                uint64_t t;

                if (fresh || dl != seen) {
                        /* A new deadline: draw how late its timer fires. */
                        uint64_t late = 0;

                        if (max_late_usec > 0) {
                                *seed = *seed * 1103515245u + 12345u;
                                late = (*seed >> 8) % (max_late_usec + 1);
                        }
                        seen = dl;
                        fresh = false;
                        tick_at = dl == USEC_INFINITY ? USEC_INFINITY : MAX(dl + late, r->now);
                }
                t = tick_at;
                if (t_data < t)
                        t = t_data;
                if (t_hr < t)
                        t = t_hr;
                if (t_cp < t)
                        t = t_cp;
                if (t > until) {
                        fake_physics(r, (double)(until - r->now) / USEC_PER_SEC);
                        r->now = until;
                        return;
                }
                fake_physics(r, (double)(t - r->now) / USEC_PER_SEC);
                r->now = t;
                if (t == t_cp) {
                        TransportEvent ev = {
                                .type = TRANSPORT_EVENT_CP_RESPONSE,
                                .role = TRANSPORT_ROLE_TREADMILL,
                                .time_usec = r->now,
                        };

                        r->pending = false;
                        ev.cp_response.request_op = r->pending_cmd.op;
                        ev.cp_response.result = fake_apply(r, &r->pending_cmd);
                        rig_emit(r, &ev);
                } else if (t == t_data) {
                        r->next_data += r->tm.data_interval_usec;
                        rig_send_data(r);
                } else if (t == t_hr) {
                        r->next_hr += USEC_PER_SEC;
                        rig_send_hr(r, r->tm.hr_bpm);
                } else {
                        r->ticks++;
                        workout_engine_tick(r->e, r->now);
                        rig_drain(r);
                        fresh = true;
                }
        }
}

static Result run(uint64_t max_late_usec)
{
        double planned_s[2 + 2 * REPS];
        size_t n_steps;
        ResolvedWorkout *w = hour(planned_s, &n_steps);
        EngineConfig cfg;
        Result res = {};
        uint32_t seed = 42;
        uint64_t t_start;
        double t0, t1, plan_s = 0;
        static Rig r;

        engine_config_init(&cfg);
        rig_init_with(&r, &cfg, true);
        r.tm.hr_enabled = true;
        if (workout_engine_load(r.e, r.now, w) < 0 || workout_engine_arm(r.e, r.now) < 0)
                abort();
        rig_drain(&r);
        rig_console_start(&r, 1.0);
        t_start = r.now;
        /* Notifications out of phase with the step boundaries (a real belt's clock is not
         * ours), so that only the engine's own timer can end a step on time. */
        r.next_data = t_start + 437 * USEC_PER_MSEC;
        r.next_hr = t_start + 771 * USEC_PER_MSEC;

        t0 = thread_cpu_s();
        run_late(&r, t_start + 3700 * USEC_PER_SEC, max_late_usec, &seed);
        t1 = thread_cpu_s();

        /* Step k (k >= 1) must begin at t_start + sum of the durations before it. */
        for (size_t i = 0, k = 0; i < r.n_events; i++) {
                const EngineEvent *ev = &r.events[i];
                double err_ms;

                if (ev->type != ENGINE_EVENT_STEP_CHANGED || ev->step_index <= 0)
                        continue;
                k = (size_t)ev->step_index;
                plan_s = 0;
                for (size_t j = 0; j < k; j++)
                        plan_s += planned_s[j];
                err_ms = ((double)ev->time_usec - (double)t_start) / 1e3 - plan_s * 1e3;
                if (err_ms < 0)
                        err_ms = -err_ms;
                if (err_ms > res.worst_error_ms)
                        res.worst_error_ms = err_ms;
                res.step_changes++;
        }
        res.cpu_s = t1 - t0;
        res.ticks = r.ticks;
        res.writes = r.n_writes;
        res.state = workout_engine_get_state(r.e);
        rig_free(&r);
        return res;
}

int main(int argc, char *argv[])
{
        uint64_t max_late_ms = argc > 1 ? strtoull(argv[1], NULL, 10) : 10;
        uint64_t lateness[2] = {0, max_late_ms};

        printf("workout engine, one simulated hour: 10 min warm-up, %d x (2 min at 14 km/h, "
               "90 s at 8 km/h), 8 min cool-down; fake treadmill (1 Hz data, 80 ms CP latency), "
               "HR 1 Hz\n",
               REPS);
        for (size_t i = 0; i < ELEMENTSOF(lateness); i++) {
                Result res = run(lateness[i] * USEC_PER_MSEC);

                printf("ticks late by 0..%" PRIu64 " ms: end state %s, %zu step changes, worst "
                       "step-change error %.3f ms, %u ticks, %zu CP writes, thread CPU time "
                       "%.3f ms per simulated hour\n",
                       lateness[i], engine_state_to_string(res.state), res.step_changes,
                       res.worst_error_ms, res.ticks, res.writes, res.cpu_s * 1e3);
        }
        return 0;
}
