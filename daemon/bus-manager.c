/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Manager's face on the bus: io.paced.paced1.Manager at /io/paced/paced1. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "bus-manager.h"
#include "bus-util.h"
#include "log.h"
#include "manager-internal.h"

/* ---- property getters: snapshot fields ---- */

/* Inside PropertiesChanged, the emitter's snapshot; for a Get, a fresh one. */
static const ManagerSnapshot *snapshot_get(Manager *m, ManagerSnapshot *buf)
{
        if (m->props_snapshot)
                return m->props_snapshot;
        manager_snapshot(m, buf);
        return buf;
}

#define SNAPSHOT_GETTER(fname, type, expr)                                                         \
        static int fname(sd_bus *bus, const char *path, const char *interface,                     \
                         const char *property, sd_bus_message *reply, void *userdata,              \
                         sd_bus_error *error)                                                      \
        {                                                                                          \
                ManagerSnapshot buf;                                                               \
                const ManagerSnapshot s = *snapshot_get(userdata, &buf);                           \
                                                                                                   \
                return sd_bus_message_append(reply, type, expr);                                   \
        }

/* Strings may come from a workout file or the store: checked for D-Bus. */
#define SNAPSHOT_STRING_GETTER(fname, expr)                                                        \
        static int fname(sd_bus *bus, const char *path, const char *interface,                     \
                         const char *property, sd_bus_message *reply, void *userdata,              \
                         sd_bus_error *error)                                                      \
        {                                                                                          \
                ManagerSnapshot buf;                                                               \
                const ManagerSnapshot s = *snapshot_get(userdata, &buf);                           \
                                                                                                   \
                return bus_message_append_string_safe(reply, expr);                                \
        }

SNAPSHOT_GETTER(property_get_state, "s", s.state)
SNAPSHOT_GETTER(property_get_pause_reason, "s", s.pause_reason)
SNAPSHOT_STRING_GETTER(property_get_workout, s.workout)
SNAPSHOT_GETTER(property_get_step_index, "i", s.step_index)
SNAPSHOT_GETTER(property_get_step_count, "u", s.step_count)
SNAPSHOT_GETTER(property_get_step_repeat, "u", s.step_repeat)
SNAPSHOT_GETTER(property_get_step_repeat_count, "u", s.step_repeat_count)
SNAPSHOT_STRING_GETTER(property_get_step_name, s.step_name)
SNAPSHOT_STRING_GETTER(property_get_next_step_name, s.next_step_name)
SNAPSHOT_GETTER(property_get_step_remaining, "d", s.step_remaining_s)
SNAPSHOT_GETTER(property_get_step_elapsed, "d", s.step_elapsed_s)
SNAPSHOT_GETTER(property_get_target_speed, "d", s.target_speed_kmh)
SNAPSHOT_GETTER(property_get_speed_override, "d", s.override_kmh)
SNAPSHOT_GETTER(property_get_target_incline, "d", s.target_incline_pct)
SNAPSHOT_GETTER(property_get_elapsed, "d", s.elapsed_s)
SNAPSHOT_GETTER(property_get_workout_distance, "d", s.workout_distance_m)
SNAPSHOT_GETTER(property_get_total_time, "d", s.total_time_s)
SNAPSHOT_GETTER(property_get_monitor_only, "b", (int)s.monitor_only)
SNAPSHOT_GETTER(property_get_control_status, "s", s.control_status)
SNAPSHOT_GETTER(property_get_session_id, "t", s.session_id)
SNAPSHOT_STRING_GETTER(property_get_schedule, s.schedule)
SNAPSHOT_STRING_GETTER(property_get_last_result, s.last_result)
SNAPSHOT_STRING_GETTER(property_get_next_action, s.next_action)

/* ---- live values ---- */

#define LIVE_GETTER(fname, type, expr)                                                             \
        static int fname(sd_bus *bus, const char *path, const char *interface,                     \
                         const char *property, sd_bus_message *reply, void *userdata,              \
                         sd_bus_error *error)                                                      \
        {                                                                                          \
                const ManagerLive *l = manager_get_live(userdata);                                 \
                                                                                                   \
                return sd_bus_message_append(reply, type, expr);                                   \
        }

LIVE_GETTER(property_get_speed, "d", l->speed_kmh)
LIVE_GETTER(property_get_incline, "d", l->incline_pct)
LIVE_GETTER(property_get_distance, "d", l->distance_m)
LIVE_GETTER(property_get_heart_rate, "u", l->heart_rate_bpm)
LIVE_GETTER(property_get_zone, "u", l->zone)
LIVE_GETTER(property_get_alpha1, "d", l->alpha1)
LIVE_GETTER(property_get_last_rr, "u", l->last_rr_ms)
LIVE_GETTER(property_get_rr_count, "t", l->rr_count)

/* The footpod's values while it reports (manager-footpod.c): NAN / 0 otherwise. */
#define FOOTPOD_GETTER(fname, type, expr, none)                                                    \
        static int fname(sd_bus *bus, const char *path, const char *interface,                     \
                         const char *property, sd_bus_message *reply, void *userdata,              \
                         sd_bus_error *error)                                                      \
        {                                                                                          \
                const ManagerLive *l = manager_get_live(userdata);                                 \
                                                                                                   \
                return sd_bus_message_append(reply, type,                                          \
                                             manager_footpod_fresh(userdata) ? (expr) : (none));   \
        }

FOOTPOD_GETTER(property_get_footpod_speed, "d", l->footpod_kmh, NAN)
FOOTPOD_GETTER(property_get_cadence, "u", l->cadence_spm, 0u)
FOOTPOD_GETTER(property_get_stride, "d", l->stride_m, NAN)

static int property_get_last_crossover(sd_bus *bus, const char *path, const char *interface,
                                       const char *property, sd_bus_message *reply, void *userdata,
                                       sd_bus_error *error)
{
        const ManagerLive *l = manager_get_live(userdata);

        return sd_bus_message_append(reply, "(sdud)", l->crossover_kind, l->crossover_t_s,
                                     l->crossover_hr_bpm, l->crossover_speed_kmh);
}

static int property_get_steps(sd_bus *bus, const char *path, const char *interface,
                              const char *property, sd_bus_message *reply, void *userdata,
                              sd_bus_error *error)
{
        return manager_append_steps(userdata, reply);
}

/* Each step's own cue, as its author wrote it ("Stride"; docs/workouts.md), in
 * the order of Steps, "" for a step without one. A property of its own, not a
 * tenth field of Steps: a struct's signature cannot grow without breaking the
 * clients that read it (docs/dbus-api.md). */
static int property_get_step_cues(sd_bus *bus, const char *path, const char *interface,
                                  const char *property, sd_bus_message *reply, void *userdata,
                                  sd_bus_error *error)
{
        Manager *m = userdata;
        const ResolvedWorkout *w = m->engine ? workout_engine_get_workout(m->engine) : NULL;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "s");
        if (r < 0)
                return r;
        for (size_t i = 0; w && i < w->n_steps; i++) {
                r = bus_message_append_string_safe(reply, w->steps[i].cue);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

/* How the loaded workout's file was read (docs/workouts.md): metres or
 * seconds, fallbacks, warnings. Empty without a workout. */
static int property_get_workout_notes(sd_bus *bus, const char *path, const char *interface,
                                      const char *property, sd_bus_message *reply, void *userdata,
                                      sd_bus_error *error)
{
        Manager *m = userdata;
        const ResolvedWorkout *w = m->engine ? workout_engine_get_workout(m->engine) : NULL;

        return sd_bus_message_append_strv(reply, w ? w->notes : NULL);
}

static int property_get_workout_remaining(sd_bus *bus, const char *path, const char *interface,
                                          const char *property, sd_bus_message *reply,
                                          void *userdata, sd_bus_error *error)
{
        double s, d;

        manager_workout_remaining(userdata, &s, &d);
        return sd_bus_message_append(reply, "(dd)", s, d);
}

static int property_get_time_scale(sd_bus *bus, const char *path, const char *interface,
                                   const char *property, sd_bus_message *reply, void *userdata,
                                   sd_bus_error *error)
{
        Manager *m = userdata;

        return sd_bus_message_append(reply, "d", m->clock.scale);
}

static int property_get_simulated(sd_bus *bus, const char *path, const char *interface,
                                  const char *property, sd_bus_message *reply, void *userdata,
                                  sd_bus_error *error)
{
        Manager *m = userdata;

        return sd_bus_message_append(reply, "b", (int)m->options.simulate);
}

static int property_get_units(sd_bus *bus, const char *path, const char *interface,
                              const char *property, sd_bus_message *reply, void *userdata,
                              sd_bus_error *error)
{
        Manager *m = userdata;

        return sd_bus_message_append(reply, "s", config_units_to_string(m->config->units));
}

static int property_get_storage(sd_bus *bus, const char *path, const char *interface,
                                const char *property, sd_bus_message *reply, void *userdata,
                                sd_bus_error *error)
{
        Manager *m = userdata;

        return sd_bus_message_append(
                reply, "s", session_store_state_to_string(session_store_get_state(m->store)));
}

static int property_get_storage_error(sd_bus *bus, const char *path, const char *interface,
                                      const char *property, sd_bus_message *reply, void *userdata,
                                      sd_bus_error *error)
{
        Manager *m = userdata;
        SessionStoreState st = session_store_get_state(m->store);

        return bus_message_append_string_safe(
                reply, st == SESSION_STORE_OK ? "" : session_store_last_error(m->store));
}

static int property_get_version(sd_bus *bus, const char *path, const char *interface,
                                const char *property, sd_bus_message *reply, void *userdata,
                                sd_bus_error *error)
{
        return sd_bus_message_append(reply, "s", PACED_VERSION);
}

/* ---- methods ---- */

/* Every state-changing method starts here: the in-daemon half of the authorization. */
#define REQUIRE_WRITE_ACCESS(m, message, error)                                                    \
        do {                                                                                       \
                int _r_ = manager_verify_write_access((m), (message), (error));                    \
                if (_r_ < 0)                                                                       \
                        return _r_;                                                                \
        } while (0)

static int method_start_workout(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        const char *name;
        int arm_only, r;

        r = sd_bus_message_read(message, "sb", &name, &arm_only);
        if (r < 0)
                return r;
        REQUIRE_WRITE_ACCESS(m, message, error);
        r = manager_start_workout(m, name, arm_only, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, NULL);
}

static int method_start_workout_data(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        const char *filename, *data;
        int arm_only, r;

        r = sd_bus_message_read(message, "ssb", &filename, &data, &arm_only);
        if (r < 0)
                return r;
        REQUIRE_WRITE_ACCESS(m, message, error);
        r = manager_start_workout_data(m, filename, data, arm_only, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, NULL);
}

static int method_start_workout_bytes(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        const char *filename;
        const void *data;
        size_t len;
        int arm_only, r;

        r = sd_bus_message_read(message, "s", &filename);
        if (r < 0)
                return r;
        r = sd_bus_message_read_array(message, 'y', &data, &len);
        if (r < 0)
                return r;
        r = sd_bus_message_read(message, "b", &arm_only);
        if (r < 0)
                return r;
        REQUIRE_WRITE_ACCESS(m, message, error);
        if (!*filename || strchr(filename, '\n'))
                return sd_bus_error_set(error, PACED_ERROR_INVALID_ARGUMENT,
                                        "The workout needs a file name (for its messages).");
        r = manager_start_workout_bytes(m, filename, data, len, arm_only, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, NULL);
}

#define SIMPLE_METHOD(fname, call)                                                                 \
        static int fname(sd_bus_message *message, void *userdata, sd_bus_error *error)             \
        {                                                                                          \
                Manager *m = userdata;                                                             \
                int r;                                                                             \
                                                                                                   \
                REQUIRE_WRITE_ACCESS(m, message, error);                                           \
                r = call(m, error);                                                                \
                if (r < 0)                                                                         \
                        return r;                                                                  \
                return sd_bus_reply_method_return(message, NULL);                                  \
        }

SIMPLE_METHOD(method_pause, manager_pause)
SIMPLE_METHOD(method_resume, manager_resume)
SIMPLE_METHOD(method_skip_step, manager_skip_step)
SIMPLE_METHOD(method_clear_schedule, manager_clear_schedule)

static int method_skip_step_index(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        int32_t index;
        int r;

        r = sd_bus_message_read(message, "i", &index);
        if (r < 0)
                return r;
        REQUIRE_WRITE_ACCESS(m, message, error);
        r = manager_skip_step_index(m, index, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, NULL);
}

static int method_skip_to(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        const char *target;
        int r;

        r = sd_bus_message_read(message, "s", &target);
        if (r < 0)
                return r;
        REQUIRE_WRITE_ACCESS(m, message, error);
        r = manager_skip_to(m, target, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, NULL);
}

static int method_delete_session(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        uint64_t id;
        int r;

        r = sd_bus_message_read(message, "t", &id);
        if (r < 0)
                return r;
        REQUIRE_WRITE_ACCESS(m, message, error);
        /* Replied once the database is done (manager_delete_session()). */
        return manager_delete_session(m, message, id, error);
}

static int method_sync_store(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        int r;

        /* Those who may read the database (its directory is 0750 paced:paced). */
        r = manager_verify_sync_access(m, message, error);
        if (r < 0)
                return r;
        return manager_sync_store(m, message, error);
}

static int method_stop(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        const char *note = "";
        int r;

        REQUIRE_WRITE_ACCESS(m, message, error);
        r = manager_stop(m, &note, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, "s", note ?: "");
}

static int method_extend_step(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        _cleanup_free_ char *note = NULL;
        uint32_t seconds;
        int r;

        r = sd_bus_message_read(message, "u", &seconds);
        if (r < 0)
                return r;
        REQUIRE_WRITE_ACCESS(m, message, error);
        if (seconds == 0 || seconds > 3600)
                return sd_bus_error_setf(
                        error, PACED_ERROR_INVALID_ARGUMENT,
                        "Cannot extend a step by %" PRIu32 " s (1 to 3600 s allowed).", seconds);
        r = manager_extend_step(m, seconds, &note, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, "s", note ?: "");
}

static int method_adjust_speed(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        _cleanup_free_ char *note = NULL;
        double delta;
        int r;

        r = sd_bus_message_read(message, "d", &delta);
        if (r < 0)
                return r;
        REQUIRE_WRITE_ACCESS(m, message, error);
        if (!isfinite(delta) || delta == 0 || fabs(delta) > 5)
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "Speed adjustment %g km/h is not a change between "
                                         "-5 and +5 km/h.",
                                         delta);
        r = manager_adjust_speed(m, delta, &note, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, "s", note ?: "");
}

static int method_set_schedule(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        const char *plan;
        int r;

        r = sd_bus_message_read(message, "s", &plan);
        if (r < 0)
                return r;
        REQUIRE_WRITE_ACCESS(m, message, error);
        r = manager_set_schedule(m, plan, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, NULL);
}

/* The answer to an AcceptThresholds(Ex) call, sent when the manager has it. */
static void accept_thresholds_done(Manager *m, int64_t session_id, int r, const SessionAccepted *a,
                                   const char *why, void *userdata)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *message = userdata;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        uint64_t id;

        /* The id as the caller gave it, for the message. */
        if (sd_bus_message_rewind(message, true) < 0 || sd_bus_message_read(message, "t", &id) < 0)
                id = (uint64_t)session_id;
        switch (r) {
        case 0:
                (void)sd_bus_reply_method_return(message, "dd", a->hrvt1_bpm, a->hrvt2_bpm);
                return;
        case -ENOENT:
                sd_bus_error_setf(&error, PACED_ERROR_INVALID_ARGUMENT, "No session %" PRIu64 ".",
                                  id);
                break;
        case -EINVAL:
                sd_bus_error_setf(&error, PACED_ERROR_INVALID_ARGUMENT,
                                  "Session %" PRIu64 "'s aerobic threshold is not "
                                  "below its anaerobic one; not accepted.",
                                  id);
                break;
        case -EBADE:
                sd_bus_error_setf(&error, PACED_ERROR_NOT_A_THRESHOLD_TEST,
                                  "Session %" PRIu64 " is %s; its alpha1 crossings are "
                                  "not thresholds. Force to accept its fit anyway.",
                                  id, why);
                break;
        case -EDOM:
                sd_bus_error_setf(&error, PACED_ERROR_ONE_SIDED,
                                  "Session %" PRIu64 " gives the aerobic threshold "
                                  "(HRVT1) only: the profile takes LTHR from HRVT2 and "
                                  "the zones need both, so nothing would use it. Run a "
                                  "ramp until alpha1 falls to 0.5 (%s).",
                                  id, why);
                break;
        case -ENODATA:
                sd_bus_error_setf(&error, PACED_ERROR_INVALID_ARGUMENT,
                                  "Session %" PRIu64 " has no threshold estimate%s%s.", id,
                                  why[0] ? ": " : "", why);
                break;
        case -ENOMEDIUM:
                sd_bus_error_set(&error, PACED_ERROR_FAILED, "paced runs without a session store.");
                break;
        case -EBUSY:
                /* paced never waits for the lock on its event loop. */
                sd_bus_error_set(&error, PACED_ERROR_BUSY,
                                 "Another process holds the session database's lock: "
                                 "try again.");
                break;
        default:
                sd_bus_error_set_errnof(&error, r, "Cannot accept the thresholds: %m");
                break;
        }
        (void)sd_bus_reply_method_error(message, &error);
}

static int accept_thresholds(sd_bus_message *message, Manager *m, uint64_t id, uint64_t flags,
                             sd_bus_error *error)
{
        REQUIRE_WRITE_ACCESS(m, message, error);
        /* Reading the session (and analysing it) would hold up the loop that
         * times the belt; and new thresholds move the zones under a workout. */
        if (manager_workout_under_way(m))
                return sd_bus_error_set(error, PACED_ERROR_BUSY,
                                        "A workout is under way: thresholds are accepted "
                                        "between workouts.");
        if (flags & ~_PACED_ACCEPT_THRESHOLDS_ALL)
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "Unknown flags 0x%" PRIx64 ".",
                                         flags & ~_PACED_ACCEPT_THRESHOLDS_ALL);
        /* Answered from the callback: at once, or when the session's analysis
         * comes back from the worker's thread (the loop serves meanwhile). */
        manager_accept_thresholds(m, id > INT64_MAX ? 0 : (int64_t)id,
                                  flags & PACED_ACCEPT_THRESHOLDS_FORCE, accept_thresholds_done,
                                  sd_bus_message_ref(message));
        return 1;
}

static int method_accept_thresholds(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        uint64_t id;
        int r;

        r = sd_bus_message_read(message, "t", &id);
        if (r < 0)
                return r;
        return accept_thresholds(message, userdata, id, 0, error);
}

static int method_accept_thresholds_ex(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        uint64_t id, flags;
        int r;

        r = sd_bus_message_read(message, "tt", &id, &flags);
        if (r < 0)
                return r;
        return accept_thresholds(message, userdata, id, flags, error);
}

static int method_accept_result(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        SessionAcceptedResult a;
        uint64_t id;
        int r;

        r = sd_bus_message_read(message, "t", &id);
        if (r < 0)
                return r;
        REQUIRE_WRITE_ACCESS(m, message, error);
        /* As AcceptThresholds: the loop would wait for the database, and the
         * mile moves every pace under a workout. */
        if (manager_workout_under_way(m))
                return sd_bus_error_set(error, PACED_ERROR_BUSY,
                                        "A workout is under way: a result is accepted between "
                                        "workouts.");
        r = manager_accept_result(m, id == 0 || id > INT64_MAX ? 0 : (int64_t)id, &a);
        switch (r) {
        case 0:
                break;
        case -ENOENT:
        case -EINVAL:
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "No session %" PRIu64 ".", id);
        case -ENODATA:
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "Session %" PRIu64 " has no completed time trial.", id);
        case -EMEDIUMTYPE:
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "Session %" PRIu64 "'s time trial is no mile.", id);
        case -ENOMEDIUM:
                return sd_bus_error_set(error, PACED_ERROR_FAILED,
                                        "paced runs without a session store.");
        default:
                return sd_bus_error_set_errnof(error, r, "Cannot accept the result: %m");
        }
        return sd_bus_reply_method_return(message, "d", a.time_s);
}

static int method_get_schedule(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        _cleanup_free_ char *json = NULL;
        Manager *m = userdata;
        int r;

        r = manager_get_schedule(m, &json);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, "s", json);
}

static int method_get_profile(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        _cleanup_free_ char *text = NULL;
        Manager *m = userdata;
        const char *format;
        int r;

        r = sd_bus_message_read(message, "s", &format);
        if (r < 0)
                return r;
        if (!streq(format, "text") && !streq(format, "json"))
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "Unknown format '%s': text or json.", format);
        r = manager_get_profile(m, streq(format, "json"), &text);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, "s", text);
}

static int method_set_profile(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        _cleanup_free_ char *path = NULL;
        Manager *m = userdata;
        char **assignments = NULL;
        int r;

        REQUIRE_WRITE_ACCESS(m, message, error);
        r = sd_bus_message_read_strv(message, &assignments);
        if (r < 0)
                return r;
        r = manager_set_profile(m, assignments, &path, error);
        for (size_t i = 0; assignments[i]; i++)
                free(assignments[i]);
        free(assignments);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, "s", path);
}

static int method_swap_schedule_days(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        const char *a, *b;
        int r;

        r = sd_bus_message_read(message, "ss", &a, &b);
        if (r < 0)
                return r;
        REQUIRE_WRITE_ACCESS(m, message, error);
        r = manager_swap_schedule_days(m, a, b, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, NULL);
}

static int method_scan_devices(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        uint32_t timeout;
        int r;

        r = sd_bus_message_read(message, "u", &timeout);
        if (r < 0)
                return r;
        /* Scanning changes the adapter's state (discovery): a privileged operation. */
        REQUIRE_WRITE_ACCESS(m, message, error);
        if (timeout == 0 || timeout > 120)
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "Scan time %" PRIu32 " s is not between 1 and 120 s.",
                                         timeout);
        /* Replies itself (possibly later, when the scan ends). */
        return manager_scan_devices(m, message, timeout, error);
}

#define LIVE SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Simulated", "b", property_get_simulated, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("TimeScale", "d", property_get_time_scale, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Units", "s", property_get_units, 0, LIVE),
        SD_BUS_PROPERTY("State", "s", property_get_state, 0, LIVE),
        SD_BUS_PROPERTY("PauseReason", "s", property_get_pause_reason, 0, LIVE),
        SD_BUS_PROPERTY("Workout", "s", property_get_workout, 0, LIVE),
        SD_BUS_PROPERTY("StepIndex", "i", property_get_step_index, 0, LIVE),
        SD_BUS_PROPERTY("StepCount", "u", property_get_step_count, 0, LIVE),
        SD_BUS_PROPERTY("StepName", "s", property_get_step_name, 0, LIVE),
        SD_BUS_PROPERTY("NextStepName", "s", property_get_next_step_name, 0, LIVE),
        SD_BUS_PROPERTY("StepRepeat", "u", property_get_step_repeat, 0, LIVE),
        SD_BUS_PROPERTY("StepRepeatCount", "u", property_get_step_repeat_count, 0, LIVE),
        SD_BUS_PROPERTY("StepRemaining", "d", property_get_step_remaining, 0, LIVE),
        SD_BUS_PROPERTY("StepElapsed", "d", property_get_step_elapsed, 0, LIVE),
        SD_BUS_PROPERTY("TargetSpeed", "d", property_get_target_speed, 0, LIVE),
        SD_BUS_PROPERTY("SpeedOverride", "d", property_get_speed_override, 0, LIVE),
        SD_BUS_PROPERTY("TargetIncline", "d", property_get_target_incline, 0, LIVE),
        SD_BUS_PROPERTY("Speed", "d", property_get_speed, 0, LIVE),
        SD_BUS_PROPERTY("Incline", "d", property_get_incline, 0, LIVE),
        SD_BUS_PROPERTY("Distance", "d", property_get_distance, 0, LIVE),
        SD_BUS_PROPERTY("WorkoutDistance", "d", property_get_workout_distance, 0, LIVE),
        SD_BUS_PROPERTY("Elapsed", "d", property_get_elapsed, 0, LIVE),
        SD_BUS_PROPERTY("TotalTime", "d", property_get_total_time, 0, LIVE),
        SD_BUS_PROPERTY("HeartRate", "u", property_get_heart_rate, 0, LIVE),
        SD_BUS_PROPERTY("Zone", "u", property_get_zone, 0, LIVE),
        SD_BUS_PROPERTY("LastRR", "u", property_get_last_rr, 0, LIVE),
        SD_BUS_PROPERTY("RRCount", "t", property_get_rr_count, 0, LIVE),
        SD_BUS_PROPERTY("Alpha1", "d", property_get_alpha1, 0, LIVE),
        SD_BUS_PROPERTY("FootpodSpeed", "d", property_get_footpod_speed, 0, LIVE),
        SD_BUS_PROPERTY("Cadence", "u", property_get_cadence, 0, LIVE),
        SD_BUS_PROPERTY("StrideLength", "d", property_get_stride, 0, LIVE),
        SD_BUS_PROPERTY("LastCrossover", "(sdud)", property_get_last_crossover, 0, LIVE),
        SD_BUS_PROPERTY("SessionId", "t", property_get_session_id, 0, LIVE),
        SD_BUS_PROPERTY("MonitorOnly", "b", property_get_monitor_only, 0, LIVE),
        SD_BUS_PROPERTY("ControlStatus", "s", property_get_control_status, 0, LIVE),
        SD_BUS_PROPERTY("Schedule", "s", property_get_schedule, 0, LIVE),
        SD_BUS_PROPERTY("Storage", "s", property_get_storage, 0, LIVE),
        SD_BUS_PROPERTY("StorageError", "s", property_get_storage_error, 0, LIVE),
        SD_BUS_PROPERTY("LastResult", "s", property_get_last_result, 0, LIVE),
        SD_BUS_PROPERTY("NextAction", "s", property_get_next_action, 0, LIVE),
        SD_BUS_PROPERTY("PlannedWorkouts", "a(ssss)", bus_property_get_planned_workouts, 0, LIVE),
        SD_BUS_PROPERTY("Steps", "a(sssdddduu)", property_get_steps, 0, LIVE),
        SD_BUS_PROPERTY("StepCues", "as", property_get_step_cues, 0, LIVE),
        SD_BUS_PROPERTY("WorkoutRemaining", "(dd)", property_get_workout_remaining, 0, LIVE),
        SD_BUS_PROPERTY("WorkoutNotes", "as", property_get_workout_notes, 0, LIVE),

        SD_BUS_METHOD_WITH_NAMES("StartWorkout", "sb", SD_BUS_PARAM(name) SD_BUS_PARAM(arm_only),
                                 "", , method_start_workout, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("StartWorkoutData", "ssb",
                                 SD_BUS_PARAM(filename) SD_BUS_PARAM(contents)
                                         SD_BUS_PARAM(arm_only),
                                 "", , method_start_workout_data, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("StartWorkoutBytes", "sayb",
                                 SD_BUS_PARAM(filename) SD_BUS_PARAM(contents)
                                         SD_BUS_PARAM(arm_only),
                                 "", , method_start_workout_bytes, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Pause", "", "", method_pause, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Resume", "", "", method_resume, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Stop", "", , "s", SD_BUS_PARAM(belt), method_stop,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("SkipStep", "", "", method_skip_step, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("SkipStepIndex", "i", SD_BUS_PARAM(index), "", ,
                                 method_skip_step_index, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("SkipTo", "s", SD_BUS_PARAM(target), "", , method_skip_to,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("DeleteSession", "t", SD_BUS_PARAM(id), "", ,
                                 method_delete_session, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("SyncStore", "", "", method_sync_store, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ExtendStep", "u", SD_BUS_PARAM(seconds), "s", SD_BUS_PARAM(note),
                                 method_extend_step, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("AdjustSpeed", "d", SD_BUS_PARAM(delta_kmh), "s",
                                 SD_BUS_PARAM(note), method_adjust_speed,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("SetSchedule", "s", SD_BUS_PARAM(plan_json), "", ,
                                 method_set_schedule, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("ClearSchedule", "", "", method_clear_schedule, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("GetSchedule", "", , "s", SD_BUS_PARAM(plan_json),
                                 method_get_schedule, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("GetProfile", "s", SD_BUS_PARAM(format), "s",
                                 SD_BUS_PARAM(profile), method_get_profile,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("SetProfile", "as", SD_BUS_PARAM(assignments), "s",
                                 SD_BUS_PARAM(file), method_set_profile,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("SwapScheduleDays", "ss", SD_BUS_PARAM(date) SD_BUS_PARAM(other),
                                 "", , method_swap_schedule_days, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("SetPlannedWorkouts", "sa(ssss)",
                                 SD_BUS_PARAM(source) SD_BUS_PARAM(workouts), "", ,
                                 bus_method_set_planned_workouts, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ListSessions", "t", SD_BUS_PARAM(after_id), "a(tttssdd)",
                                 SD_BUS_PARAM(sessions), bus_method_list_sessions,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ExportSession", "ts", SD_BUS_PARAM(id) SD_BUS_PARAM(format), "ay",
                                 SD_BUS_PARAM(data), bus_method_export_session,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("AcceptThresholds", "t", SD_BUS_PARAM(session_id), "dd",
                                 SD_BUS_PARAM(hrvt1_bpm) SD_BUS_PARAM(hrvt2_bpm),
                                 method_accept_thresholds, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("AcceptResult", "t", SD_BUS_PARAM(session_id), "d",
                                 SD_BUS_PARAM(time_s), method_accept_result,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("AcceptThresholdsEx", "tt",
                                 SD_BUS_PARAM(session_id) SD_BUS_PARAM(flags), "dd",
                                 SD_BUS_PARAM(hrvt1_bpm) SD_BUS_PARAM(hrvt2_bpm),
                                 method_accept_thresholds_ex, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ScanDevices", "u", SD_BUS_PARAM(timeout), "a(sssn)",
                                 SD_BUS_PARAM(devices), method_scan_devices,
                                 SD_BUS_VTABLE_UNPRIVILEGED),

        SD_BUS_SIGNAL_WITH_NAMES("StepChanged", "iss",
                                 SD_BUS_PARAM(index) SD_BUS_PARAM(name) SD_BUS_PARAM(kind), 0),
        SD_BUS_SIGNAL_WITH_NAMES(
                "Cue", "ssi", SD_BUS_PARAM(kind) SD_BUS_PARAM(text) SD_BUS_PARAM(seconds_to_change),
                0),
        SD_BUS_SIGNAL_WITH_NAMES("Crossover", "sddud",
                                 SD_BUS_PARAM(kind) SD_BUS_PARAM(alpha1) SD_BUS_PARAM(time)
                                         SD_BUS_PARAM(heart_rate) SD_BUS_PARAM(speed),
                                 0),
        SD_BUS_SIGNAL_WITH_NAMES("SafetyAction", "sbs",
                                 SD_BUS_PARAM(rule) SD_BUS_PARAM(active) SD_BUS_PARAM(message), 0),
        SD_BUS_SIGNAL_WITH_NAMES("SafetyViolation", "ss",
                                 SD_BUS_PARAM(invariant) SD_BUS_PARAM(message), 0),
        SD_BUS_SIGNAL_WITH_NAMES("Lap", "usddd",
                                 SD_BUS_PARAM(number) SD_BUS_PARAM(kind) SD_BUS_PARAM(distance)
                                         SD_BUS_PARAM(duration) SD_BUS_PARAM(avg_speed),
                                 0),
        SD_BUS_SIGNAL_WITH_NAMES("SessionFinished", "ts", SD_BUS_PARAM(id) SD_BUS_PARAM(reason), 0),
        SD_BUS_VTABLE_END,
};

int bus_manager_register(Manager *m, sd_bus *bus)
{
        int r;

        r = sd_bus_add_object_vtable(bus, &m->manager_vtable_slot, PACED_BUS_PATH,
                                     PACED_BUS_IFACE_MANAGER, manager_vtable, m);
        if (r < 0)
                return r;
        /* ObjectManager lets clients find the device objects with one call. */
        return sd_bus_add_object_manager(bus, &m->object_manager_slot, PACED_BUS_PATH);
}

/*
 * Where the emitter finds a property's value to tell whether it changed since
 * the last signal: a field of the snapshot or of the live values, or a string
 * a function returns. The others
 * (arrays and structs) go out whenever their group is
 * marked changed, as their owners mark it only on a change.
 */
typedef enum PropSource {
        PROP_FROM_GROUP,
        PROP_FROM_SNAPSHOT,
        PROP_FROM_LIVE,
        PROP_FROM_FUNCTION, /* a string the function returns */
} PropSource;

typedef enum PropKind {
        PROP_NUMBER, /* size bytes, compared bit for bit (a NAN stays a NAN) */
        PROP_STRING, /* a const char * */
        PROP_CHARS,  /* a char array */
} PropKind;

typedef struct EmittedProp {
        unsigned mask;
        const char *name;
        PropSource source;
        PropKind kind;
        size_t offset, size;
        const char *(*text)(Manager *m);
} EmittedProp;

static const char *units_text(Manager *m)
{
        return config_units_to_string(m->config->units);
}

static const char *storage_text(Manager *m)
{
        return session_store_state_to_string(session_store_get_state(m->store));
}

static const char *storage_error_text(Manager *m)
{
        return session_store_get_state(m->store) == SESSION_STORE_OK
                       ? ""
                       : session_store_last_error(m->store);
}

#define GROUP(m, n)                                                                                \
        {                                                                                          \
                m, n, PROP_FROM_GROUP, PROP_NUMBER, 0, 0, NULL                                     \
        }
#define FUNC(m, n, f)                                                                              \
        {                                                                                          \
                m, n, PROP_FROM_FUNCTION, PROP_STRING, 0, 0, f                                     \
        }
#define SNAP_NUM(m, n, f)                                                                          \
        {                                                                                          \
                m, n, PROP_FROM_SNAPSHOT, PROP_NUMBER, offsetof(ManagerSnapshot, f),               \
                        sizeof(((ManagerSnapshot *)NULL)->f), NULL                                 \
        }
#define SNAP_STR(m, n, f)                                                                          \
        {                                                                                          \
                m, n, PROP_FROM_SNAPSHOT, PROP_STRING, offsetof(ManagerSnapshot, f), 0, NULL       \
        }
#define SNAP_CHARS(m, n, f)                                                                        \
        {                                                                                          \
                m, n, PROP_FROM_SNAPSHOT, PROP_CHARS, offsetof(ManagerSnapshot, f), 0, NULL        \
        }
#define LIVE_NUM(m, n, f)                                                                          \
        {                                                                                          \
                m, n, PROP_FROM_LIVE, PROP_NUMBER, offsetof(ManagerLive, f),                       \
                        sizeof(((ManagerLive *)NULL)->f), NULL                                     \
        }

static const EmittedProp emitted_props[] = {
        SNAP_STR(MANAGER_PROP_STATE, "State", state),
        SNAP_STR(MANAGER_PROP_STATE, "PauseReason", pause_reason),
        SNAP_STR(MANAGER_PROP_WORKOUT, "Workout", workout),
        SNAP_NUM(MANAGER_PROP_WORKOUT, "StepCount", step_count),
        SNAP_NUM(MANAGER_PROP_WORKOUT, "TotalTime", total_time_s),
        SNAP_NUM(MANAGER_PROP_STEP, "StepIndex", step_index),
        SNAP_STR(MANAGER_PROP_STEP, "StepName", step_name),
        SNAP_STR(MANAGER_PROP_STEP, "NextStepName", next_step_name),
        SNAP_NUM(MANAGER_PROP_STEP, "StepRepeat", step_repeat),
        SNAP_NUM(MANAGER_PROP_STEP, "StepRepeatCount", step_repeat_count),
        SNAP_NUM(MANAGER_PROP_LIVE, "StepRemaining", step_remaining_s),
        SNAP_NUM(MANAGER_PROP_LIVE, "StepElapsed", step_elapsed_s),
        SNAP_NUM(MANAGER_PROP_LIVE, "TargetSpeed", target_speed_kmh),
        SNAP_NUM(MANAGER_PROP_LIVE, "SpeedOverride", override_kmh),
        SNAP_NUM(MANAGER_PROP_LIVE, "TargetIncline", target_incline_pct),
        LIVE_NUM(MANAGER_PROP_LIVE, "Speed", speed_kmh),
        LIVE_NUM(MANAGER_PROP_LIVE, "Incline", incline_pct),
        LIVE_NUM(MANAGER_PROP_LIVE, "Distance", distance_m),
        SNAP_NUM(MANAGER_PROP_LIVE, "WorkoutDistance", workout_distance_m),
        SNAP_NUM(MANAGER_PROP_LIVE, "Elapsed", elapsed_s),
        LIVE_NUM(MANAGER_PROP_LIVE, "HeartRate", heart_rate_bpm),
        LIVE_NUM(MANAGER_PROP_LIVE, "Zone", zone),
        LIVE_NUM(MANAGER_PROP_LIVE, "Alpha1", alpha1),
        SNAP_NUM(MANAGER_PROP_CONTROL, "MonitorOnly", monitor_only),
        SNAP_STR(MANAGER_PROP_CONTROL, "ControlStatus", control_status),
        FUNC(MANAGER_PROP_CONTROL, "Units", units_text),
        SNAP_NUM(MANAGER_PROP_SESSION, "SessionId", session_id),
        GROUP(MANAGER_PROP_CROSSOVER, "LastCrossover"),
        SNAP_STR(MANAGER_PROP_SCHEDULE, "Schedule", schedule),
        LIVE_NUM(MANAGER_PROP_LIVE, "LastRR", last_rr_ms),
        FUNC(MANAGER_PROP_STORAGE, "Storage", storage_text),
        FUNC(MANAGER_PROP_STORAGE, "StorageError", storage_error_text),
        SNAP_STR(MANAGER_PROP_RESULT, "LastResult", last_result),
        SNAP_CHARS(MANAGER_PROP_STATE | MANAGER_PROP_LIVE, "NextAction", next_action),
        LIVE_NUM(MANAGER_PROP_LIVE, "RRCount", rr_count),
        LIVE_NUM(MANAGER_PROP_LIVE, "FootpodSpeed", footpod_kmh),
        LIVE_NUM(MANAGER_PROP_LIVE, "Cadence", cadence_spm),
        LIVE_NUM(MANAGER_PROP_LIVE, "StrideLength", stride_m),
        GROUP(MANAGER_PROP_WORKOUT, "Steps"),
        GROUP(MANAGER_PROP_WORKOUT, "StepCues"),
        GROUP(MANAGER_PROP_WORKOUT, "WorkoutNotes"),
        GROUP(MANAGER_PROP_LIVE, "WorkoutRemaining"),
        GROUP(MANAGER_PROP_SCHEDULE, "PlannedWorkouts"),
};
_Static_assert(ELEMENTSOF(emitted_props) <= MANAGER_N_EMITTED_PROPS, "props_sent is too small");

/* The property's value now, as bits or text; false if it is not compared. */
static bool prop_value(const EmittedProp *p, Manager *m, const ManagerSnapshot *s,
                       const ManagerLive *l, uint64_t *ret_bits, const char **ret_text)
{
        const uint8_t *base = NULL;

        switch (p->source) {
        case PROP_FROM_GROUP:
                return false;
        case PROP_FROM_FUNCTION:
                *ret_bits = 0;
                *ret_text = p->text(m) ?: "";
                return true;
        case PROP_FROM_SNAPSHOT:
                base = (const uint8_t *)s;
                break;
        case PROP_FROM_LIVE:
                base = (const uint8_t *)l;
                break;
        }
        *ret_bits = 0;
        *ret_text = NULL;
        switch (p->kind) {
        case PROP_NUMBER:
                memcpy(ret_bits, base + p->offset, MIN(p->size, sizeof(*ret_bits)));
                break;
        case PROP_STRING:
                memcpy(ret_text, base + p->offset, sizeof(*ret_text));
                *ret_text = *ret_text ?: "";
                break;
        case PROP_CHARS:
                *ret_text = (const char *)(base + p->offset);
                break;
        }
        return true;
}

/*
 * One PropertiesChanged for the groups in mask, with only the properties
 * whose value differs from what the last signal said (or that were never
 * sent): a steady run changes a few values a second, not every one. The
 * getters read the caller's snapshot (m->props_snapshot), the very values
 * compared here.
 */
int bus_manager_emit_properties(Manager *m, sd_bus *bus, unsigned mask)
{
        const char *names[ELEMENTSOF(emitted_props) + 1];
        size_t idx[ELEMENTSOF(emitted_props)];
        ManagerSnapshot buf;
        const ManagerSnapshot *s = snapshot_get(m, &buf);
        const ManagerLive *l = manager_get_live(m);
        size_t n = 0;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(emitted_props); i++) {
                const EmittedProp *p = &emitted_props[i];
                const ManagerPropSent *sent = &m->props_sent[i];
                const char *text;
                uint64_t bits;

                if (!(mask & p->mask))
                        continue;
                if (sent->sent && prop_value(p, m, s, l, &bits, &text) &&
                    (text ? streq_ptr(text, sent->text) : bits == sent->bits))
                        continue;
                idx[n] = i;
                names[n++] = p->name;
        }
        if (n == 0)
                return 0;
        names[n] = NULL;
        r = sd_bus_emit_properties_changed_strv(bus, PACED_BUS_PATH, PACED_BUS_IFACE_MANAGER,
                                                (char **)names);
        if (r < 0)
                return r;
        /* Sent: what the clients now hold. */
        for (size_t k = 0; k < n; k++) {
                const EmittedProp *p = &emitted_props[idx[k]];
                ManagerPropSent *sent = &m->props_sent[idx[k]];
                const char *text;
                uint64_t bits;

                sent->sent = prop_value(p, m, s, l, &bits, &text);
                if (!sent->sent)
                        continue;
                sent->bits = bits;
                if (!streq_ptr(text, sent->text)) {
                        free(sent->text);
                        sent->text = text ? strdup(text) : NULL;
                        if (text && !sent->text)
                                sent->sent = false; /* sent again next time */
                }
        }
        return r;
}

int bus_manager_emit_step_changed(Manager *m, int index, const char *name, const char *kind)
{
        _cleanup_free_ char *tmp = NULL;

        if (!m->bus || !m->name_owned)
                return 0;
        return sd_bus_emit_signal(m->bus, PACED_BUS_PATH, PACED_BUS_IFACE_MANAGER, "StepChanged",
                                  "iss", index, bus_string_safe(name, &tmp), kind ? kind : "");
}

int bus_manager_emit_cue(Manager *m, const char *kind, const char *text, int seconds_to_change)
{
        _cleanup_free_ char *tmp = NULL;

        if (!m->bus || !m->name_owned)
                return 0;
        return sd_bus_emit_signal(m->bus, PACED_BUS_PATH, PACED_BUS_IFACE_MANAGER, "Cue", "ssi",
                                  kind, bus_string_safe(text, &tmp), seconds_to_change);
}

int bus_manager_emit_crossover(Manager *m, const char *kind, double alpha1, double t_s,
                               unsigned hr_bpm, double speed_kmh)
{
        if (!m->bus || !m->name_owned)
                return 0;
        return sd_bus_emit_signal(m->bus, PACED_BUS_PATH, PACED_BUS_IFACE_MANAGER, "Crossover",
                                  "sddud", kind, alpha1, t_s, hr_bpm, speed_kmh);
}

int bus_manager_emit_safety_action(Manager *m, const char *rule, bool active, const char *message)
{
        _cleanup_free_ char *tmp = NULL;

        if (!m->bus || !m->name_owned)
                return 0;
        return sd_bus_emit_signal(m->bus, PACED_BUS_PATH, PACED_BUS_IFACE_MANAGER, "SafetyAction",
                                  "sbs", rule, (int)active, bus_string_safe(message, &tmp));
}

int bus_manager_emit_safety_violation(Manager *m, const char *invariant, const char *message)
{
        _cleanup_free_ char *tmp = NULL;

        if (!m->bus || !m->name_owned)
                return 0;
        return sd_bus_emit_signal(m->bus, PACED_BUS_PATH, PACED_BUS_IFACE_MANAGER,
                                  "SafetyViolation", "ss", invariant,
                                  bus_string_safe(message, &tmp));
}

int bus_manager_emit_session_finished(Manager *m, uint64_t id, const char *reason)
{
        if (!m->bus || !m->name_owned)
                return 0;
        return sd_bus_emit_signal(m->bus, PACED_BUS_PATH, PACED_BUS_IFACE_MANAGER,
                                  "SessionFinished", "ts", id, reason);
}

int bus_manager_emit_lap(Manager *m, unsigned number, const char *kind, double distance_m,
                         double duration_s, double avg_speed_kmh)
{
        if (!m->bus || !m->name_owned)
                return 0;
        return sd_bus_emit_signal(m->bus, PACED_BUS_PATH, PACED_BUS_IFACE_MANAGER, "Lap", "usddd",
                                  number, kind, distance_m, duration_s, avg_speed_kmh);
}
