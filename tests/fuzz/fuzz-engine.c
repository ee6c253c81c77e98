/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The engine under arbitrary sequences of runner, treadmill, strap and user
 * actions (console start/stop, safety key, link drops, HR samples, forced
 * control-point results, start/pause/resume/skip/extend/overrides/shutdown),
 * in virtual time against the scripted fake treadmill. Besides the
 * sanitizers, it checks the safety invariants after every step:
 *  - no Set Target Speed above the configured cap (14 km/h) or below the
 *    machine minimum, none that is NaN;
 *  - never Start or Resume (remote start is not allowed in this config);
 *  - two different speeds are never written less than a second apart;
 *  - next_deadline() is never in the past.
 */
#include <math.h>
#include <stdio.h>

#include "fake-treadmill.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP_KMH 14.0

static void check(bool ok)
{
        if (!ok)
                abort();
}

static ResolvedWorkout *fuzz_workout(void)
{
        ResolvedStep steps[6] = {
                rig_step_time(STEP_KIND_WARMUP, 60, 9.0),
                rig_step_dist(STEP_KIND_ACTIVE, 400, 16.0), /* above the cap */
                rig_step_time(STEP_KIND_STRIDE, 20, 18.0),
                rig_step_time(STEP_KIND_ACTIVE, 120, 0),
                rig_step_time(STEP_KIND_ACTIVE, 90, 8.0),
                rig_step_time(STEP_KIND_COOLDOWN, 60, 0),
        };

        steps[3].control = STEP_CONTROL_HR;
        steps[3].hr_lo_bpm = 140;
        steps[3].hr_hi_bpm = 150;
        steps[3].hr_fallback_kmh = 10.0;
        steps[4].speed_end_kmh = 12.0;
        steps[4].has_incline = true;
        steps[4].incline_start_pct = 0;
        steps[4].incline_end_pct = 25; /* above the machine's 15 % */
        steps[5].control = STEP_CONTROL_FREE;
        return rig_workout("fuzz", steps, 6);
}

static void check_writes(const Rig *r, size_t from)
{
        for (size_t i = from; i < r->n_writes; i++) {
                const FtmsControlCommand *c = &r->writes[i].cmd;

                check(c->op != FTMS_CP_START_OR_RESUME);
                if (c->op != FTMS_CP_SET_TARGET_SPEED)
                        continue;
                check(isfinite(c->value));
                check(c->value <= CAP_KMH + 1e-9);
                check(c->value >= 1.0 - 1e-9);
                for (size_t j = i; j > 0; j--) {
                        const RigWrite *p = &r->writes[j - 1];

                        if (p->cmd.op != FTMS_CP_SET_TARGET_SPEED)
                                continue;
                        if (fabs(p->cmd.value - c->value) > 1e-9)
                                check(r->writes[i].time_usec - p->time_usec >= USEC_PER_SEC);
                        break;
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static Rig r; /* big: not on the stack */
        EngineConfig cfg;
        size_t checked = 0;

        engine_config_init(&cfg);
        cfg.safety.max_speed_kmh = CAP_KMH;
        cfg.safety.hr_ceiling_bpm = 185;
        cfg.allow_remote_start = false;
        rig_init_with(&r, &cfg, true);
        r.tm.hr_enabled = true;
        if (workout_engine_load(r.e, r.now, fuzz_workout()) < 0)
                abort();

        for (size_t i = 0; i + 1 < size && i < 2 * 400; i += 2) {
                uint8_t op = data[i] % 20, arg = data[i + 1];
                uint64_t d;

                switch (op) {
                case 0:
                case 1:
                case 2:
                        rig_run_for(&r, arg * 0.5);
                        break;
                case 3:
                        rig_console_start(&r, 1.0 + arg % 15);
                        break;
                case 4:
                        rig_console_stop(&r);
                        break;
                case 5:
                        r.tm.running = false;
                        r.tm.target_kmh = 0;
                        rig_status(&r, FTMS_STATUS_STOPPED_SAFETY_KEY, 0);
                        break;
                case 6:
                        rig_link(&r, !r.link);
                        break;
                case 7:
                        r.tm.hr_silent = arg & 1;
                        r.tm.hr_bpm = 40 + arg;
                        break;
                case 8:
                        (void)workout_engine_start(r.e, r.now);
                        break;
                case 9:
                        (void)workout_engine_pause(r.e, r.now);
                        break;
                case 10:
                        (void)workout_engine_resume(r.e, r.now);
                        break;
                case 11:
                        (void)workout_engine_skip(r.e, r.now);
                        break;
                case 12:
                        (void)workout_engine_extend(r.e, r.now, arg - 20.0);
                        break;
                case 13:
                        (void)workout_engine_adjust_speed(r.e, r.now, (arg - 128) / 10.0);
                        break;
                case 14:
                        (void)workout_engine_set_speed(r.e, r.now,
                                                       arg == 255 ? NAN : arg / 5.0 - 5.0);
                        break;
                case 15:
                        r.tm.in_control = false;
                        rig_status(&r, FTMS_STATUS_CONTROL_PERMISSION_LOST, 0);
                        break;
                case 16:
                        r.tm.force_result[FTMS_CP_SET_TARGET_SPEED] = arg % 7;
                        r.tm.force_count[FTMS_CP_SET_TARGET_SPEED] = 1 + arg % 3;
                        r.tm.respond = arg != 0;
                        break;
                case 17:
                        (void)workout_engine_shutdown(r.e, r.now);
                        break;
                case 18:
                        (void)workout_engine_arm(r.e, r.now);
                        break;
                case 19:
                        (void)workout_engine_set_incline(r.e, r.now, arg / 4.0 - 10.0);
                        break;
                }
                rig_drain(&r);
                d = workout_engine_next_deadline(r.e);
                check(d == USEC_INFINITY || d > r.now);
                check_writes(&r, checked);
                checked = r.n_writes;
                if (r.n_writes > RIG_MAX_LOG - 256 || r.n_events > RIG_MAX_LOG - 256 ||
                    r.n_cues > RIG_MAX_LOG - 256)
                        break;
                /* paced exits once its shutdown is done: nothing comes after. */
                if (workout_engine_shutdown_done(r.e))
                        break;
        }
        rig_free(&r);
        return 0;
}
