/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "session-fixture.h"

static double fixture_rand(uint64_t *state)
{
        /* xorshift64*: deterministic noise in [0, 1) */
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        return (double)((*state * UINT64_C(2685821657736338717)) >> 11) / 9007199254740992.0;
}

void fixture_workout(ResolvedWorkout *w, ResolvedStep steps[FIXTURE_N_STEPS])
{
        memset(steps, 0, sizeof(ResolvedStep) * FIXTURE_N_STEPS);
        steps[0] = (ResolvedStep){.kind = STEP_KIND_WARMUP,
                                  .end = STEP_END_TIME,
                                  .end_value = 300,
                                  .control = STEP_CONTROL_SPEED,
                                  .speed_start_kmh = 9,
                                  .speed_end_kmh = 9,
                                  .speed_lo_kmh = 9,
                                  .speed_hi_kmh = 9,
                                  .label = "5 min warm-up"};
        for (int k = 0; k < 3; k++) {
                steps[1 + 2 * k] = (ResolvedStep){.kind = STEP_KIND_ACTIVE,
                                                  .end = STEP_END_DISTANCE,
                                                  .end_value = 400,
                                                  .control = STEP_CONTROL_SPEED,
                                                  .speed_start_kmh = 14,
                                                  .speed_end_kmh = 14,
                                                  .speed_lo_kmh = 13.8,
                                                  .speed_hi_kmh = 14.2,
                                                  .has_incline = true,
                                                  .incline_start_pct = 1,
                                                  .incline_end_pct = 1,
                                                  .repeat_index = k + 1,
                                                  .repeat_count = 3,
                                                  .label = "400 m at 4:17/km"};
                steps[2 + 2 * k] = (ResolvedStep){.kind = STEP_KIND_RECOVERY,
                                                  .end = STEP_END_TIME,
                                                  .end_value = 90,
                                                  .control = STEP_CONTROL_SPEED,
                                                  .speed_start_kmh = 8,
                                                  .speed_end_kmh = 8,
                                                  .speed_lo_kmh = 8,
                                                  .speed_hi_kmh = 8,
                                                  .repeat_index = k + 1,
                                                  .repeat_count = 3,
                                                  .label = "90 s easy"};
        }
        steps[7] = (ResolvedStep){.kind = STEP_KIND_COOLDOWN,
                                  .end = STEP_END_TIME,
                                  .end_value = 180,
                                  .control = STEP_CONTROL_SPEED,
                                  .speed_start_kmh = 8,
                                  .speed_end_kmh = 8,
                                  .speed_lo_kmh = 8,
                                  .speed_hi_kmh = 8,
                                  .label = "3 min cool-down"};
        *w = (ResolvedWorkout){.name = (char *)"3 x 400 m",
                               .source = (char *)"fixture",
                               .steps = steps,
                               .n_steps = FIXTURE_N_STEPS};
}

const SessionInfo *fixture_info(SessionInfo *info, const ResolvedWorkout *w)
{
        *info = (SessionInfo){.workout = w,
                              .profile_json = "{\"max_hr\":190,\"rest_hr\":50}",
                              .zone_max_bpm = {123, 142, 157, 172, 190},
                              .n_zones = 5,
                              .treadmill_address = "F0:00:00:00:18:26",
                              .treadmill_name = "Sim Treadmill",
                              .hrm_address = "F0:00:00:00:18:0D",
                              .hrm_name = "Sim HRM"};
        return info;
}

static unsigned fixture_zone(unsigned hr)
{
        static const unsigned max[5] = {123, 142, 157, 172, 190};
        if (hr == 0)
                return 0;
        for (unsigned z = 0; z < 5; z++)
                if (hr <= max[z])
                        return z + 1;
        return 5;
}

int fixture_run(SessionStore *s, uint64_t seed, double max_s, int end_reason, int64_t *ret_id)
{
        ResolvedStep steps[FIXTURE_N_STEPS];
        ResolvedWorkout w;
        SessionInfo info;
        uint64_t rng = seed * 2 + 1;
        double speed = 0, hr = 70, dist = 0, rr_clock = 0, step_start_t = 0, step_start_d = 0;
        double incline = 0;
        unsigned step = 0, beats = 0, t = 0;
        double cross_t = NAN;
        int r;

        fixture_workout(&w, steps);
        r = session_store_begin(s, FIXTURE_START_USEC, fixture_info(&info, &w), ret_id);
        if (r < 0)
                return r;
        r = session_store_add_event(
                s, &(SessionEvent){0, SESSION_EVENT_START, "Workout started", NULL});
        if (r < 0)
                return r;

        for (t = 0; t < max_s; t++) {
                const ResolvedStep *st = &steps[step];
                bool done = st->end == STEP_END_TIME ? t - step_start_t >= st->end_value
                                                     : dist - step_start_d >= st->end_value;
                if (done) {
                        char text[64];
                        SessionLap lap = {.kind = LAP_KIND_STEP,
                                          .step_index = (int)step,
                                          .start_s = step_start_t,
                                          .end_s = t,
                                          .distance_m = dist - step_start_d,
                                          .avg_hr_bpm = NAN,
                                          .max_hr_bpm = NAN,
                                          .avg_speed_kmh = (dist - step_start_d) /
                                                           MAX(t - step_start_t, 1.0) * 3.6};
                        r = session_store_add_lap(s, &lap);
                        if (r < 0)
                                return r;
                        if (++step >= FIXTURE_N_STEPS)
                                break;
                        st = &steps[step];
                        step_start_t = t;
                        step_start_d = dist;
                        snprintf(text, sizeof(text), "Step %u: %s", step + 1, st->label);
                        char json[32];
                        snprintf(json, sizeof(json), "{\"step\":%u}", step);
                        r = session_store_add_event(
                                s, &(SessionEvent){t, SESSION_EVENT_STEP_CHANGE, text, json});
                        if (r < 0)
                                return r;
                }
                double cmd = st->speed_start_kmh;
                incline = st->has_incline ? st->incline_start_pct : 0;
                /* The belt ramps towards the command. */
                if (speed < cmd)
                        speed = MIN(cmd, speed + 0.6);
                else
                        speed = MAX(cmd, speed - 0.6);
                double measured = speed + (fixture_rand(&rng) - 0.5) * 0.06;
                /* HR drifts towards a speed-dependent level. */
                double hr_target = 60 + speed * 8.5 + incline * 3 + t / 200.0;
                hr += (hr_target - hr) * 0.04;
                unsigned hr_bpm = (unsigned)lround(hr + (fixture_rand(&rng) - 0.5) * 2);
                double alpha1 = t >= 120 ? fmin(fmax(1.45 - (hr - 110) / 70.0, 0.3), 1.5) : NAN;

                if (isnan(cross_t) && isfinite(alpha1) && alpha1 < 0.75) {
                        /* The first crossing of 0.75, as the analysis would log it. */
                        char json[96];
                        cross_t = t;
                        snprintf(json, sizeof(json),
                                 "{\"alpha1\":0.75,\"hr_bpm\":%u,\"speed_kmh\":%.1f}", hr_bpm,
                                 speed);
                        r = session_store_add_event(s,
                                                    &(SessionEvent){t, SESSION_EVENT_CROSSOVER,
                                                                    "alpha1 crossed 0.75", json});
                        if (r < 0)
                                return r;
                }
                if (t == 400) {
                        r = session_store_add_event(s,
                                                    &(SessionEvent){t, SESSION_EVENT_LINK_LOST,
                                                                    "Heart-rate strap disconnected",
                                                                    "{\"device\":\"hrm\"}"});
                        if (r >= 0)
                                r = session_store_add_event(
                                        s, &(SessionEvent){t + 3, SESSION_EVENT_LINK_RESTORED,
                                                           "Heart-rate strap reconnected",
                                                           "{\"device\":\"hrm\"}"});
                        if (r < 0)
                                return r;
                }

                SessionSample x = {
                        .t_s = t,
                        .commanded_kmh = cmd,
                        .speed_kmh = measured,
                        .incline_pct = incline,
                        .distance_m = dist,
                        .hr_bpm = t >= 400 && t < 403 ? 0 : hr_bpm,
                        .zone = t >= 400 && t < 403 ? 0 : fixture_zone(hr_bpm),
                        .step_index = (int)step,
                        .alpha1 = alpha1,
                };
                r = session_store_add_sample(s, &x);
                if (r < 0)
                        return r;

                /* Beats that ended within this second. */
                while (rr_clock < t + 1) {
                        double rr = 60000.0 / hr * (1 + (fixture_rand(&rng) - 0.5) * 0.04);
                        bool artifact = ++beats % 97 == 0;
                        if (artifact)
                                rr *= 1.8; /* a missed beat */
                        rr_clock += rr / 1000.0;
                        if (t >= 400 && t < 403)
                                continue;
                        r = session_store_add_rr(
                                s, &(SessionRr){rr_clock, (unsigned)lround(rr), artifact});
                        if (r < 0)
                                return r;
                }
                dist += speed / 3.6;

                r = session_store_flush(s, (uint64_t)t * USEC_PER_SEC);
                if (r < 0)
                        return r;
        }

        /* The crossing stays an event: an interval session is not a threshold
         * test, so it stores no thresholds. */
        if (end_reason >= 0)
                return session_store_end(s, FIXTURE_START_USEC + (uint64_t)t * USEC_PER_SEC,
                                         (SessionEndReason)end_reason);
        return 0;
}

int fixture_add_test_result(SessionStore *s, int64_t id, double hrvt1_bpm, double hrvt2_bpm)
{
        for (int k = 0; k < 2; k++) {
                double hr = k ? hrvt2_bpm : hrvt1_bpm;
                char json[160];
                int r;

                snprintf(json, sizeof(json),
                         "{\"test\":true,\"grade\":\"B\",\"ci_lo_bpm\":%.1f,\"ci_hi_bpm\":%.1f,"
                         "\"reached\":true,\"windows\":200,\"r\":-0.950}",
                         hr - 4, hr + 4);
                r = session_store_add_threshold(
                        s, id,
                        &(SessionThreshold){.kind = k ? "ant" : "aet",
                                            .method = SESSION_METHOD_RAMP_TEST,
                                            .alpha1 = k ? 0.5 : 0.75,
                                            .hr_bpm = hr,
                                            .speed_kmh = (hr - 60) / 8.5,
                                            .t_s = NAN,
                                            .confidence = 0.85,
                                            .json = json});
                if (r < 0)
                        return r;
        }
        return 0;
}
