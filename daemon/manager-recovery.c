/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Crash recovery: resuming a session a crash left unfinished, if the runner is still running. */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "manager-internal.h"

static uint64_t wall_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

static int resolved_from_session(const SessionData *d, ResolvedWorkout **ret)
{
        _cleanup_(resolved_workout_freep) ResolvedWorkout *w = NULL;

        if (d->n_steps == 0)
                return -ENODATA;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->name = strdup(d->workout_name ? d->workout_name : "Resumed workout");
        w->source = d->workout_source ? strdup(d->workout_source) : NULL;
        w->steps = calloc(d->n_steps, sizeof(ResolvedStep));
        if (!w->name || !w->steps)
                return -ENOMEM;
        w->n_steps = d->n_steps;
        for (size_t i = 0; i < d->n_steps; i++) {
                const SessionStep *s = &d->steps[i];

                w->steps[i] = (ResolvedStep){
                        .kind = s->kind,
                        .end = s->end,
                        .end_value = s->end_value,
                        .control = s->control,
                        .speed_start_kmh = s->speed_start_kmh,
                        .speed_end_kmh = s->speed_end_kmh,
                        .speed_lo_kmh = s->speed_lo_kmh,
                        .speed_hi_kmh = s->speed_hi_kmh,
                        .hr_lo_bpm = s->hr_lo_bpm,
                        .hr_hi_bpm = s->hr_hi_bpm,
                        .hr_fallback_kmh = s->speed_start_kmh,
                        .has_incline = s->has_incline,
                        .incline_start_pct = s->incline_start_pct,
                        .incline_end_pct = s->incline_end_pct,
                        .requested_speed_kmh = s->speed_start_kmh,
                };
                snprintf(w->steps[i].label, sizeof(w->steps[i].label), "%s", s->label);
                if (s->end == STEP_END_OPEN)
                        w->has_open_steps = true;
        }
        *ret = TAKE_PTR(w);
        return 0;
}

/*
 * After a crash, on the first Treadmill Data: a running belt means the
 * runner is still on it, so the interrupted session is resumed where it
 * stopped (the engine re-takes control and resumes, or slows to the
 * cool-down speed, as crash_recovery says). A stopped belt is left alone:
 * paced never starts a belt by itself.
 */
void manager_try_recover(Manager *m)
{
        const SessionResume *res = &m->recover;
        SessionData *d = NULL;
        ResolvedWorkout *w = NULL;
        EngineRecovery rec = {};
        uint64_t now = manager_now(m), wall = wall_usec();
        char text[96], json[64];
        double t_now;
        size_t step;
        int r;

        m->recover_pending = false;
        if (!m->store || workout_engine_get_workout(m->engine))
                return;
        if (!(m->live.speed_kmh > 0.5)) {
                log_notice("The belt is stopped: interrupted session %" PRIi64 " stays "
                           "interrupted.",
                           res->id);
                return;
        }
        /* The loop waits for the writer's batch (the one that opened the
         * store, at most): no workout runs yet, so nothing is commanded or
         * timed meanwhile, and the treadmill holds the speed its runner had. */
        manager_store_sync(m);
        r = session_store_load(m->store, res->id, &d);
        if (r >= 0)
                r = resolved_from_session(d, &w);
        if (r < 0) {
                log_warning_errno(r, "Cannot resume interrupted session %" PRIi64 ": %m", res->id);
                session_data_free(d);
                return;
        }
        step = res->last_step_index >= 0 ? (size_t)res->last_step_index : 0;
        if (step >= w->n_steps)
                step = w->n_steps - 1;
        rec.step_index = step;
        rec.elapsed_s = res->last_t_s;
        rec.distance_m = isfinite(res->last_distance_m) ? res->last_distance_m : 0;
        rec.n_laps = (unsigned)d->n_laps;
        /* Progress within the step: from its first stored sample to the last one. */
        for (size_t i = 0; i < d->n_samples; i++)
                if (d->samples[i].step_index == (int)step) {
                        rec.step_elapsed_s = res->last_t_s - d->samples[i].t_s;
                        if (isfinite(d->samples[i].distance_m))
                                rec.step_distance_m = rec.distance_m - d->samples[i].distance_m;
                        break;
                }
        m->session_start_wall_usec = d->start_wall_usec;
        session_data_free(d);

        r = workout_engine_load(m->engine, now, w);
        if (r < 0) {
                log_warning_errno(r, "Cannot load the interrupted workout: %m");
                return;
        }
        r = session_store_resume(m->store, res->id);
        if (r < 0) {
                log_warning_errno(r, "Cannot reopen session %" PRIi64 ": %s", res->id,
                                  session_store_last_error(m->store));
                (void)workout_engine_unload(m->engine, now);
                return;
        }
        m->session_active = m->session_recorded = true;
        m->session_id = res->id;
        /*
         * The session's clock is real time since it began (times the test
         * clock's scale), so the time paced was down is a gap in the
         * samples, the exports and the report, not hidden by stamping
         * everything after the resume that much early. (The engine's
         * workout clock, by contrast, carries on from the last sample.)
         */
        t_now = (double)(wall - MIN(wall, m->session_start_wall_usec)) / USEC_PER_SEC *
                m->clock.scale;
        t_now = MAX(t_now, res->last_t_s + 1.0); /* a wall clock set back */
        /* After a reboot the session began before this boot's monotonic
         * clock did: its start is negative, not clamped to zero (which made
         * the session's time run backwards from a small uptime). */
        m->session_start_usec = (int64_t)now - (int64_t)(t_now * (double)USEC_PER_SEC);
        m->last_step_index = (int)step;
        manager_session_runtime_start(m);
        snprintf(text, sizeof(text), "resumed after paced was interrupted (%.0f s not recorded)",
                 MAX(t_now - res->last_t_s - 1.0, 0.0));
        snprintf(json, sizeof(json), "{\"resumed\":true,\"gap_s\":%.1f}",
                 MAX(t_now - res->last_t_s - 1.0, 0.0));
        manager_store_event(m, SESSION_EVENT_NOTE, text, json);
        r = workout_engine_recover(m->engine, now, &rec);
        if (r < 0)
                log_warning_errno(r, "The engine could not resume the workout: %m");
        else
                log_notice("Resumed interrupted session %" PRIi64 " at step %zu (%s).", res->id,
                           step + 1, config_crash_recovery_to_string(m->config->crash_recovery));
        manager_drain_engine(m);
        manager_properties_changed(m, MANAGER_PROP_STATE | MANAGER_PROP_WORKOUT |
                                              MANAGER_PROP_STEP | MANAGER_PROP_LIVE);
}
