/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The footpod side of the Manager (docs/relay.md): the footpod's live values,
 * the treadmill's calibration estimated against it, and the calibration in
 * use, which is the configured one ([Safety] speed_factor, speed_offset)
 * until the runner accepts an estimate (AcceptCalibration, `pacectl calibrate
 * --accept`). Nothing here commands the treadmill: an accepted calibration
 * reaches the engine through manager_apply_config(), like a configuration
 * reload, and only while no workout is under way.
 *
 * The accepted calibration is kept in the state directory as a paced.conf
 * fragment ([Safety] speed_factor, speed_offset), read back with the same
 * strict parser and ranges as the configuration.
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bus-footpod.h"
#include "calibration-estimator.h"
#include "log.h"
#include "manager-internal.h"

#define CALIBRATION_FILE "calibration.conf"
/* A footpod that has said nothing for this long is gone from the live values. */
#define FOOTPOD_STALE_USEC (5 * USEC_PER_SEC)

struct ManagerFootpod {
        CalibrationEstimator *estimator; /* NULL: no footpod configured */
        bool have_accepted;
        SpeedCalibration accepted;
};

void manager_calibration(Manager *m, SpeedCalibration *ret)
{
        if (m->footpod && m->footpod->have_accepted) {
                *ret = m->footpod->accepted;
                return;
        }
        *ret = (SpeedCalibration){m->config->speed_factor, m->config->speed_offset_kmh};
}

bool manager_footpod_enabled(Manager *m)
{
        return m->footpod && m->footpod->estimator;
}

bool manager_calibration_accepted(Manager *m)
{
        return m->footpod && m->footpod->have_accepted;
}

static char *calibration_path(Manager *m)
{
        char *path;

        if (!m->state_dir || asprintf(&path, "%s/%s", m->state_dir, CALIBRATION_FILE) < 0)
                return NULL;
        return path;
}

static void load_accepted(Manager *m)
{
        _cleanup_free_ char *path = calibration_path(m);
        Config *c = NULL;
        ConfigError e = {};
        int r;

        if (!path)
                return;
        r = config_load_file(path, &c, &e);
        if (r == -ENOENT)
                return;
        if (r < 0) {
                /* Never a half-read calibration: the configured one applies. */
                log_warning("%s:%u: %s; using the configured calibration.", path, e.line,
                            e.message);
                return;
        }
        m->footpod->accepted = (SpeedCalibration){c->speed_factor, c->speed_offset_kmh};
        m->footpod->have_accepted = true;
        config_free(c);
        log_info("Treadmill calibration: speed x %.4f %+.2f km/h (accepted, %s).",
                 m->footpod->accepted.factor, m->footpod->accepted.offset_kmh, path);
}

int manager_footpod_setup(Manager *m)
{
        CalibrationEstimatorConfig ec;
        int r;

        m->live.footpod_kmh = NAN;
        m->live.stride_m = NAN;
        m->live.cadence_spm = 0;
        m->footpod = calloc(1, sizeof(*m->footpod));
        if (!m->footpod)
                return log_oom();
        /* An accepted calibration applies with or without a footpod today. */
        load_accepted(m);
        /* Said rather than silently ignored: the runner relies on it. */
        if (m->config->footpod_distance == CONFIG_FOOTPOD_DISTANCE_FOOTPOD && !m->config->footpod)
                log_warning("[Footpod] distance = footpod without [Devices] footpod: the "
                            "treadmill's calibrated distance measures distance steps.");

        if (!m->config->footpod)
                return 0; /* no footpod: no estimator, nothing fed, nothing kept */
        calibration_estimator_config_init(&ec);
        r = calibration_estimator_new(&m->footpod->estimator, &ec);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the calibration estimator: %m");
        return 0;
}

void manager_footpod_done(Manager *m)
{
        if (!m->footpod)
                return;
        m->footpod_slot = sd_bus_slot_unref(m->footpod_slot);
        calibration_estimator_free(m->footpod->estimator);
        free(m->footpod);
        m->footpod = NULL;
}

static void clear_live(Manager *m)
{
        m->live.footpod_kmh = NAN;
        m->live.stride_m = NAN;
        m->live.cadence_spm = 0;
        m->live.footpod_usec = 0;
}

bool manager_footpod_fresh(Manager *m)
{
        uint64_t now = manager_now(m);

        return m->live.footpod_usec > 0 && now >= m->live.footpod_usec &&
               now - m->live.footpod_usec <= FOOTPOD_STALE_USEC;
}

void manager_footpod_handle_event(Manager *m, const TransportEvent *ev)
{
        CalibrationEstimator *est = m->footpod ? m->footpod->estimator : NULL;
        const Device *d = manager_get_device(m, ev->role);

        switch (ev->type) {
        case TRANSPORT_EVENT_TREADMILL_DATA:
                /* What the treadmill reports, before any calibration: the estimate is
                 * of the calibration itself. */
                if (est && (ev->treadmill.present & FTMS_FIELD_BIT(FTMS_FIELD_SPEED)))
                        calibration_estimator_add_belt(est, ev->time_usec, ev->treadmill.speed_kmh);
                break;
        case TRANSPORT_EVENT_FOOTPOD: {
                const RscMeasurement *f = &ev->footpod;
                double kmh = rsc_speed_to_kmh(f->speed_raw);

                m->live.footpod_kmh = kmh;
                m->live.cadence_spm = f->cadence_spm;
                m->live.stride_m = f->has_stride ? f->stride_cm / 100.0 : NAN;
                m->live.footpod_usec = ev->time_usec;
                if (est)
                        calibration_estimator_add_footpod(est, ev->time_usec, kmh);
                break;
        }
        case TRANSPORT_EVENT_LINK:
                if (ev->link.up)
                        break;
                if (est &&
                    (ev->role == TRANSPORT_ROLE_TREADMILL || ev->role == TRANSPORT_ROLE_FOOTPOD))
                        calibration_estimator_break(est);
                if (ev->role == TRANSPORT_ROLE_FOOTPOD)
                        clear_live(m);
                break;
        case TRANSPORT_EVENT_IDENTITY:
                /* Another treadmill or footpod: what the estimate rests on is another pair's. */
                if (est && d && d->address && ev->identity.address &&
                    !streq(d->address, ev->identity.address) &&
                    (ev->role == TRANSPORT_ROLE_TREADMILL || ev->role == TRANSPORT_ROLE_FOOTPOD)) {
                        log_info("The %s changed: starting a new calibration estimate.",
                                 transport_role_to_string(ev->role));
                        calibration_estimator_reset(est);
                }
                break;
        case TRANSPORT_EVENT_CAPABILITIES:
        case TRANSPORT_EVENT_HEART_RATE:
        case TRANSPORT_EVENT_MACHINE_STATUS:
        case TRANSPORT_EVENT_TRAINING_STATUS:
        case TRANSPORT_EVENT_CP_RESPONSE:
        case TRANSPORT_EVENT_CP_WRITE_FAILED:
        case TRANSPORT_EVENT_BATTERY:
        case TRANSPORT_EVENT_MALFORMED:
        case _TRANSPORT_EVENT_MAX:
        case _TRANSPORT_EVENT_INVALID:
                break;
        }
}

int manager_calibration_estimate(Manager *m, CalibrationEstimate *ret, sd_bus_error *error)
{
        if (!m->footpod || !m->footpod->estimator)
                return sd_bus_error_set(error, PACED_ERROR_NOT_SUPPORTED,
                                        "No footpod is configured ([Devices] footpod).");
        calibration_estimator_get(m->footpod->estimator, ret);
        return 0;
}

/* A calibration changes what the engine commands for a target: never mid-workout. */
static int refuse_during_workout(Manager *m, sd_bus_error *error)
{
        EngineState s = m->engine ? workout_engine_get_state(m->engine) : ENGINE_STATE_IDLE;

        if (s == ENGINE_STATE_ARMED || s == ENGINE_STATE_RUNNING || s == ENGINE_STATE_PAUSED)
                return sd_bus_error_set(error, PACED_ERROR_BUSY,
                                        "A workout is under way: the calibration changes only "
                                        "between workouts.");
        return 0;
}

static int write_accepted(Manager *m, const SpeedCalibration *cal, const CalibrationEstimate *est)
{
        _cleanup_free_ char *path = calibration_path(m), *tmp = NULL;
        FILE *f;
        int r = 0;

        if (!path || asprintf(&tmp, "%s.tmp", path) < 0)
                return -ENOMEM;
        /* Written then renamed, so a crash never leaves half a calibration. */
        f = fopen(tmp, "we");
        if (!f)
                return -errno;
        fprintf(f,
                "# The treadmill's calibration, accepted with `pacectl calibrate --accept`:\n"
                "# estimated against the footpod over %.0f s of steady running in %u segments\n"
                "# (belt %.1f-%.1f km/h, spread %.2f %%). `pacectl calibrate --reset` removes\n"
                "# this file; paced.conf's [Safety] speed_factor and speed_offset apply then.\n"
                "[Safety]\nspeed_factor = %.4f\nspeed_offset = %.3f\n",
                est->seconds, est->segments, est->speed_min_kmh, est->speed_max_kmh,
                est->spread * 100, cal->factor, cal->offset_kmh);
        if (fflush(f) != 0 || ferror(f))
                r = -errno ?: -EIO;
        if (fclose(f) != 0 && r >= 0)
                r = -errno;
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void)unlink(tmp);
        return r;
}

int manager_accept_calibration(Manager *m, SpeedCalibration *ret, sd_bus_error *error)
{
        CalibrationEstimate est;
        SpeedCalibration cal;
        int r;

        r = manager_calibration_estimate(m, &est, error);
        if (r < 0)
                return r;
        r = refuse_during_workout(m, error);
        if (r < 0)
                return r;
        if (est.status != CALIBRATION_READY)
                return sd_bus_error_setf(error, PACED_ERROR_NO_DATA,
                                         "The estimate is not ready (%s): nothing accepted.",
                                         calibration_status_to_string(est.status));
        /* As written to the file, so that a restart applies exactly this. */
        cal = (SpeedCalibration){round(est.factor * 1e4) / 1e4, round(est.offset_kmh * 1e3) / 1e3};
        r = write_accepted(m, &cal, &est);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot store the calibration: %m");
        m->footpod->accepted = cal;
        m->footpod->have_accepted = true;
        log_info("Treadmill calibration accepted: speed x %.4f %+.3f km/h (was from paced.conf), "
                 "from %.0f s of steady running against the footpod.",
                 cal.factor, cal.offset_kmh, est.seconds);
        manager_apply_config(m);
        (void)bus_footpod_emit_calibration_changed(m);
        *ret = cal;
        return 0;
}

int manager_reset_calibration(Manager *m, SpeedCalibration *ret, sd_bus_error *error)
{
        _cleanup_free_ char *path = NULL;
        int r;

        r = refuse_during_workout(m, error);
        if (r < 0)
                return r;
        if (m->footpod && m->footpod->have_accepted) {
                path = calibration_path(m);
                if (path && unlink(path) < 0 && errno != ENOENT)
                        return sd_bus_error_set_errnof(error, errno, "Cannot remove %s: %m", path);
                m->footpod->have_accepted = false;
                log_info("Accepted treadmill calibration removed: paced.conf's applies.");
                manager_apply_config(m);
                (void)bus_footpod_emit_calibration_changed(m);
        }
        manager_calibration(m, ret);
        return 0;
}
