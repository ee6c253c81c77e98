/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The Manager's insides, shared by manager*.c and bus-*.c only. */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "analysis-worker.h"
#include "calibration-estimator.h"
#include "clock.h"
#include "cue-speaker.h"
#include "live-analysis.h"
#include "manager.h"
#include "paced-bus.h"
#include "planned-workouts.h"
#include "profile-config.h"
#include "profile.h"
#include "rr-clean.h"
#include "rr-clock.h"
#include "session-store.h"
#include "store-writer.h"
#include "transport.h"
#include "workout-engine.h"
#include "zones.h"

struct Plan;
typedef struct ManagerFootpod ManagerFootpod;
struct PlanDay;

/* A SyncStore call: answered once batch number `batch` is written. */
typedef struct StoreWaiter {
        sd_bus_message *message;
        uint64_t batch;
} StoreWaiter;

/* What a device object on the bus shows; filled from transport events. */
typedef struct Device {
        struct Manager *manager;
        TransportRole role;
        char *address;
        char *name;
        bool connected;
        bool link_lost;     /* went down since it last connected: the next link up is a restore */
        uint64_t malformed; /* payloads from this device that did not decode */
        bool malformed_logged; /* the first one was logged at warning level */
        int battery_pct;       /* -1: unknown */
        bool has_caps;
        TransportCapabilities caps;
} Device;

/* Live values shown as Manager properties. */
typedef struct ManagerLive {
        double speed_kmh;   /* NAN until the treadmill reports */
        double incline_pct; /* NAN until the treadmill reports */
        double distance_m;  /* treadmill total distance, NAN if unknown */
        unsigned heart_rate_bpm;
        unsigned last_rr_ms; /* the strap's newest RR interval, 0: none since connect */
        uint64_t rr_count;   /* RR intervals received since paced started */
        unsigned zone;       /* 1-based, 0: unknown */
        double alpha1;       /* NAN until a window is complete */
        /* The last threshold crossing seen in this session. */
        char crossover_kind[16]; /* "hrvt1", "hrvt2", "" */
        double crossover_t_s;
        unsigned crossover_hr_bpm;
        double crossover_speed_kmh;
        /* The footpod (manager-footpod.c): NAN / 0 when unknown. */
        double footpod_kmh;
        unsigned cadence_spm; /* steps per minute, both feet (RSC) */
        double stride_m;
        uint64_t footpod_usec; /* when it last reported; 0: never */
} ManagerLive;

/* What paced last sent in PropertiesChanged for one Manager property
 * (bus-manager.c), so that the next signal carries only what changed. */
typedef struct ManagerPropSent {
        bool sent;
        uint64_t bits; /* a number's bytes */
        char *text;    /* a string's copy */
} ManagerPropSent;

#define MANAGER_N_EMITTED_PROPS 44

typedef enum ManagerProperty {
        MANAGER_PROP_STATE = 1u << 0,
        MANAGER_PROP_WORKOUT = 1u << 1,
        MANAGER_PROP_STEP = 1u << 2, /* StepIndex, StepName, NextStepName, StepRepeat(Count) */
        MANAGER_PROP_LIVE = 1u << 3, /* every value that changes each second */
        MANAGER_PROP_CONTROL = 1u << 4,
        MANAGER_PROP_SESSION = 1u << 5,
        MANAGER_PROP_CROSSOVER = 1u << 6,
        MANAGER_PROP_SCHEDULE = 1u << 7,
        MANAGER_PROP_STORAGE = 1u << 8, /* Storage, StorageError */
        MANAGER_PROP_RESULT = 1u << 9,
} ManagerProperty;

sd_event *manager_get_event(Manager *m);
sd_bus *manager_get_bus(Manager *m);
const Config *manager_get_config(Manager *m);
uint64_t manager_now(Manager *m); /* virtual CLOCK_MONOTONIC usec */

/* SIGHUP: re-reads the config file; keeps the old one if the new one is invalid. */
int manager_reload(Manager *m);
/* manager-profile.c: the profile paced trains with, as `pacectl profile` prints it. */
int manager_get_profile(Manager *m, bool json, char **ret);
/* Sets [Runner] KEY=VALUE assignments in paced.conf.d/90-profile.conf and reloads. */
int manager_set_profile(Manager *m, char **assignments, char **ret_path, sd_bus_error *error);
/* SIGTERM: safe stop of the belt, session flushed, then exit 0. */
void manager_begin_shutdown(Manager *m);

/* Marks properties changed; emitted together at most once a second. */
void manager_properties_changed(Manager *m, unsigned mask);
void manager_properties_tick(Manager *m, uint64_t slack_usec);

/*
 * Checks that the sender of a state-changing call is root or in the admin
 * group (euid 0, or "paced" among its primary/supplementary groups).
 * 0 or -EPERM with error set.
 */
int manager_verify_write_access(Manager *m, sd_bus_message *message, sd_bus_error *error);
/* The same, or a member of the paced-sync group: for the methods paced-sync calls
 * (it reads finished sessions and writes planned workouts, never drives the belt). */
int manager_verify_sync_access(Manager *m, sd_bus_message *message, sd_bus_error *error);

Device *manager_get_device(Manager *m, TransportRole role);

/* ---- what the bus face calls; negative errno with error set ---- */

int manager_start_workout(Manager *m, const char *name, bool arm_only, sd_bus_error *error);
/* The workout file's contents, read by the client (which may read files paced may not). */
/* Contents of any format paced reads (workout_parse_data()), e.g. a FIT workout. */
int manager_start_workout_bytes(Manager *m, const char *filename, const void *data, size_t len,
                                bool arm_only, sd_bus_error *error);
int manager_start_workout_data(Manager *m, const char *filename, const char *data, bool arm_only,
                               sd_bus_error *error);
int manager_pause(Manager *m, sd_bus_error *error);
int manager_resume(Manager *m, sd_bus_error *error);
/* ret_note: what the belt is doing now (the stop policy), for the reply. */
int manager_stop(Manager *m, const char **ret_note, sd_bus_error *error);
int manager_skip_step(Manager *m, sd_bus_error *error);
/* Skips step index (0-based) only if it is the current one (Busy if it ended). */
int manager_skip_step_index(Manager *m, int32_t index, sd_bus_error *error);
/* "main", "trial", "cooldown": jumps forward to that part of the workout. */
int manager_skip_to(Manager *m, const char *target, sd_bus_error *error);
/* Deletes a stored session (not the one being recorded). */
/* Replies to message itself (1) once the database is done, or fails (< 0, error set). */
int manager_delete_session(Manager *m, sd_bus_message *message, uint64_t id, sd_bus_error *error);
/* ret_note: a sentence for the reply (what was done, and any limit applied). */
int manager_extend_step(Manager *m, uint32_t seconds, char **ret_note, sd_bus_error *error);
int manager_adjust_speed(Manager *m, double delta_kmh, char **ret_note, sd_bus_error *error);
int manager_set_schedule(Manager *m, const char *plan_json, sd_bus_error *error);
int manager_clear_schedule(Manager *m, sd_bus_error *error);
/* Replaces source's planned workouts with items[0..n) (taken over, freed either way). */
int manager_set_planned_workouts(Manager *m, const char *source, PlannedWorkout *items, size_t n,
                                 sd_bus_error *error);
/* The finished sessions after after_id (at most max), for paced-sync: replies
 * to message itself (1, bus_reply_list_sessions()) or fails (< 0, error set). */
int manager_list_sessions(Manager *m, sd_bus_message *message, uint64_t after_id, unsigned max,
                          sd_bus_error *error);
int bus_reply_list_sessions(sd_bus_message *message, const SessionListEntry *l, size_t n);
/* A finished session as a file: format "fit" or "tcx". */
int manager_export_session(Manager *m, uint64_t id, const char *format, uint8_t **ret,
                           size_t *ret_size, sd_bus_error *error);
/* Replies to message with a(sssn) (address, name, kind, rssi) once the scan ends. */
int manager_scan_devices(Manager *m, sd_bus_message *message, uint32_t timeout_s,
                         sd_bus_error *error);

/* ---- snapshot for property getters ---- */

typedef struct ManagerSnapshot {
        const char *state;        /* "idle", "armed", "running", "paused", "finished", "aborted" */
        const char *pause_reason; /* "" unless paused */
        const char *workout;      /* "" if none */
        int step_index;           /* -1: none */
        unsigned step_count;
        unsigned step_repeat, step_repeat_count; /* "rep 2/6"; 0 outside a repeat block */
        const char *step_name;
        const char *next_step_name;
        double step_remaining_s; /* NAN if open-ended */
        double step_elapsed_s;
        double target_speed_kmh; /* NAN if none */
        double override_kmh;
        double target_incline_pct;
        double elapsed_s;
        double workout_distance_m;
        double total_time_s; /* estimate for the whole workout, NAN if unknown */
        bool monitor_only;
        const char *control_status;
        uint64_t session_id;
        const char *schedule;    /* today's scheduled workout, "" if none */
        const char *last_result; /* the last time trial's result, "" if none */
        char next_action[160];   /* the one thing the runner should do next, "" if nothing */
} ManagerSnapshot;

void manager_snapshot(Manager *m, ManagerSnapshot *ret);
const ManagerLive *manager_get_live(Manager *m);

struct Manager {
        ManagerOptions options;
        Config *config;
        PacedClock clock;

        sd_event *event;
        sd_event_source *sigterm_source, *sigint_source, *sighup_source;
        sd_event_source *watchdog_source;
        uint64_t watchdog_usec;

        sd_bus *bus;
        /* What the bus faces registered, released with the Manager. */
        sd_bus_slot *manager_vtable_slot;    /* bus-manager.c: io.paced.paced1.Manager */
        sd_bus_slot *object_manager_slot;    /* bus-manager.c: ObjectManager at the root */
        sd_bus_slot *device_vtable_slot;     /* bus-device.c: the devices' fallback vtable */
        sd_bus_slot *device_enumerator_slot; /* bus-device.c: their node enumerator */
        sd_bus_slot *simulator_vtable_slot;  /* bus-simulator.c, only with --simulate */
        bool name_owned;

        /* Coalesced PropertiesChanged: a one-shot timer, at most one emission per second. */
        sd_event_source *props_source;
        unsigned props_dirty;
        uint64_t props_last_emit_usec;
        /* While a PropertiesChanged is built: the one snapshot all its getters
         * read, instead of each taking (and formatting) its own. */
        const ManagerSnapshot *props_snapshot;
        /* The end-of-session analyses, off the loop (manager-thresholds.c). */
        AnalysisWorker *analysis_worker;
        /* Sessions whose end-of-session analysis is under way (loading or
         * on the worker), and the AcceptThresholds calls waiting for it. */
        int64_t *ramp_pending;
        size_t n_ramp_pending, alloc_ramp_pending;
        struct AcceptJob *accept_waiting;
        ManagerPropSent props_sent[MANAGER_N_EMITTED_PROPS];

        bool shutting_down;
        bool stopped; /* manager_finish_shutdown() ran: devices released, loop exiting */
        sd_event_source *shutdown_timeout_source;
        int exit_code;
        char *status_text;

        Transport *transport;
        sd_bus *bluez_bus; /* the system bus, for BlueZ (not necessarily the one we serve) */
        Device devices[_TRANSPORT_ROLE_MAX];
        ManagerLive live;

        /* manager-workout.c */
        WorkoutEngine *engine;
        /* Checks every write and every report; aborts in tests and the
         * simulator, refuses + logs once + SafetyViolation in production. */
        SafetyMonitor *monitor;
        bool monitor_abort;
        bool monitor_logged[_SAFETY_INVARIANT_MAX];
        CueSpeaker speaker;            /* [Cues] audio = yes */
        unsigned recover_samples;      /* Treadmill Data seen while recover_pending */
        sd_event_source *engine_timer; /* one-shot at the engine's next deadline */
        RunnerProfile profile;
        HrProfile hr_profile; /* from [Runner], for zones and the live analysis */
        ZoneModel zone_model;
        ZoneTable zones; /* the live zone outside a session */
        bool have_zones;
        /* "Heart-rate zones are off" was said for zones_off_model: said again
         * only when that changes (build_zones() runs at every apply). */
        bool zones_off_said;
        ZoneModel zones_off_model;
        char *pending_run;       /* --run: started once the treadmill is ready */
        char *pending_run_data;  /* --run FILE: its contents, read at start */
        struct Plan *schedule;   /* from SetSchedule, stored in the state directory */
        PlannedWorkouts planned; /* from SetPlannedWorkouts, ditto; before the plan's */

        SessionStore *store;         /* NULL only if it could not be set up (OOM) */
        StoreWriter *store_writer;   /* commits off the loop; NULL: on it (no thread) */
        char store_logged[256];      /* the store error last logged: a full disk is said once */
        uint64_t store_batches_done; /* by the writer thread (store_writer_batches()) */
        StoreWaiter *store_waiters;  /* SyncStore calls waiting for a batch to be written */
        size_t n_store_waiters;
        SessionStoreState store_state; /* as last told (log, Storage property) */
        SessionAccepted accepted;      /* manager-thresholds.c: overlays the config's [Runner] */
        bool have_accepted;
        SessionAcceptedResult accepted_mile; /* a time trial taken as the mile reference */
        bool have_accepted_mile;
        char *state_dir;
        bool session_active;   /* a session runs */
        bool session_recorded; /* ... and the store took it (written, or kept in memory) */
        int64_t session_id;    /* its id in the store; 0 while it waits in memory */
        /* Virtual monotonic. Signed: a session resumed after a reboot
         * began before this boot's clock did (its start is negative). */
        int64_t session_start_usec;
        /* The session's 1 Hz tick runs: it flushes the store and emits the
         * live properties (manager-session.c), no timer of their own. */
        bool session_ticking;
        SessionSample last_sample; /* the newest sample stored, for catching up */
        bool have_last_sample;
        uint64_t samples_caught_up; /* slots the 1 Hz timer missed, filled in */
        uint64_t session_start_wall_usec;
        sd_event_source *sample_timer; /* 1 Hz of virtual time while a session runs */
        sd_event_source *flush_timer;  /* the store's next flush */
        RrCleaner *rr_cleaner;         /* artifact flags of the stored RR intervals */
        RrClock rr_clock;              /* when each stored beat ended */
        /* heart rate of the lap in progress (running time only) */
        double lap_hr_sum, lap_hr_max;
        unsigned lap_hr_n;
        LiveAnalysis *analysis; /* alpha1, zones and crossovers of the session */
        int last_step_index;
        char last_result[192]; /* the last time trial's result sentence, "" if none */
        /* The best earlier result at the workout's trial distance, read off
         * the loop when the session began: INFINITY none, NAN not known. */
        double trial_best_m, trial_best_s;
        int64_t trial_best_tag; /* the session it was read for (its start) */
        bool session_moved;     /* the belt moved in this session: it is a run to keep */
        /* A session a crash left unfinished: resumed if the belt is found running. */
        bool recover_pending;
        SessionResume recover;
        bool exit_after_session;

        /* manager-footpod.c and bus-footpod.c */
        ManagerFootpod *footpod;
        sd_bus_slot *footpod_slot;
        /* manager-relay.c: paced as a BLE sensor (docs/relay.md); NULL when off */
        struct Relay *relay;
};

void manager_update_status(Manager *m);
/* The same, from a snapshot the caller has taken already. */
void manager_update_status_from(Manager *m, const ManagerSnapshot *s);
/* Ends the process once the belt is safe: called by the workout side when it is done. */
void manager_finish_shutdown(Manager *m);

/* manager-workout.c: the transport, engine, analysis and store side. */
int manager_setup_workout(Manager *m);
void manager_on_ready(Manager *m); /* the bus name is ours */
void manager_apply_config(Manager *m);

/* manager-thresholds.c: threshold results into the store and the profile. */
/* Reads the newest accepted thresholds from the store and re-applies the profile. */
void manager_load_accepted(Manager *m);
void manager_load_accepted_result(Manager *m);
/* Live crossovers are announced only in the ramp of a threshold test: at each step. */
void manager_update_announce(Manager *m, int step_index);
/* At a session's end: the offline ramp fit over its RR, stored when it was a threshold test. */
void manager_store_ramp_thresholds(Manager *m, int64_t session_id);
/*
 * AcceptThresholds: records the session's threshold-test result and applies
 * it, then calls done with 0 and the accepted values, or -ENOENT no such
 * session, -EBADE not a threshold test (force: its fit is taken all the
 * same), -EDOM one-sided (HRVT1 only, never taken), -ENODATA no estimate at
 * all, -EINVAL HRVT1 not below HRVT2, -EBUSY the database is locked,
 * -ENOMEDIUM no store; why is the verdict in words ("" if none). done is
 * called at once when the session's stored result answers, else when the
 * analysis of the session, on the analysis worker's thread, comes back:
 * the loop goes on meanwhile.
 */
typedef void (*ManagerAcceptDoneFn)(Manager *m, int64_t session_id, int error,
                                    const SessionAccepted *accepted, const char *why,
                                    void *userdata);
void manager_accept_thresholds(Manager *m, int64_t session_id, bool force, ManagerAcceptDoneFn done,
                               void *userdata);
/* At shutdown, after the last analysis: answers AcceptThresholds calls still waiting. */
void manager_accept_waiting_free(Manager *m);
/* pacectl profile --accept-result: session_id's time trial becomes the runner's mile. */
int manager_accept_result(Manager *m, int64_t session_id, SessionAcceptedResult *ret);
/* Real time the safe stop may take: the slowest allowed ramp from max_speed. */
uint64_t manager_stop_budget_real_usec(Manager *m);
/* Starts the safe stop; > 0 if there is nothing to wait for. */
int manager_workout_shutdown(Manager *m);
void manager_workout_done(Manager *m);

/* manager-workout.c: everything the engine produced, then its timer. */
void manager_drain_engine(Manager *m);

/* manager-session.c */
double manager_session_t(Manager *m); /* seconds since the session began (virtual) */
int manager_open_store(Manager *m);
void manager_session_begin(Manager *m);
/* Picks up a session (new or resumed): live analysis and the sample timer. */
void manager_session_runtime_start(Manager *m);
void manager_session_end(Manager *m, SessionEndReason reason);
void manager_store_event(Manager *m, SessionEventType type, const char *text, const char *json);
void manager_flush_store(Manager *m);
/* Waits for the writer thread's commit in flight: before the loop uses the
 * database itself (a read, a deletion, a result). Rare, user-initiated. */
void manager_store_sync(Manager *m);
/* Writes every row that waits in memory and waits for it: only where no belt moves. */
void manager_store_write_out(Manager *m);
/* Work on the database after the batch in flight, off the loop: a bus call
 * that reads or writes the database while a belt may be moving replies from
 * done(). See store_writer_queue(). */
int manager_store_queue(Manager *m, StoreJobRun run, StoreJobDone done, void *userdata);
/* A workout armed, running or paused: its belt may move under the loop's timers. */
bool manager_workout_under_way(Manager *m);
/* At the start of a session with a time trial: its earlier best, read ahead. */
void manager_prefetch_trial_best(Manager *m);
/* SyncStore: answers message once all it buffered before the call is
 * written (or the write failed), without waiting on the loop. */
int manager_sync_store(Manager *m, sd_bus_message *message, sd_bus_error *error);
/* The BlueZ client's settings from paced.conf (all but the clock). */
struct BluezConfig;
void manager_bluez_config(const Config *c, struct BluezConfig *ret);
void manager_store_waiters_free(Manager *m);
/* After a store operation: logs and emits a change of state or of the session's id,
 * and hands sessions now wholly written to the offline analysis. */
void manager_store_changed(Manager *m);
void manager_rearm_flush_timer(Manager *m);
void manager_handle_heart_rate(Manager *m, const HrsMeasurement *hr);

/* manager-progress.c: the Steps and WorkoutRemaining properties. */
int manager_append_steps(Manager *m, sd_bus_message *reply);
/* Seconds and metres left in the workout; NAN when unknown (no workout, open steps ahead). */
void manager_workout_remaining(Manager *m, double *ret_s, double *ret_m);

/*
 * manager-footpod.c: the footpod's values and the treadmill's calibration
 * against it (docs/relay.md). The calibration in use is the accepted one, or
 * paced.conf's [Safety] speed_factor and speed_offset.
 */
int manager_footpod_setup(Manager *m);
void manager_footpod_done(Manager *m);
/* [Devices] footpod is set: paced reads a footpod and estimates against it. */
bool manager_footpod_enabled(Manager *m);
void manager_footpod_handle_event(Manager *m, const TransportEvent *ev);
void manager_calibration(Manager *m, SpeedCalibration *ret);
bool manager_calibration_accepted(Manager *m);
/* The footpod reported within the last few seconds. */
bool manager_footpod_fresh(Manager *m);
/* NotSupported without a footpod. */
int manager_calibration_estimate(Manager *m, CalibrationEstimate *ret, sd_bus_error *error);
/* Busy during a workout, NoData unless the estimate is ready. */
int manager_accept_calibration(Manager *m, SpeedCalibration *ret, sd_bus_error *error);
int manager_reset_calibration(Manager *m, SpeedCalibration *ret, sd_bus_error *error);

/* manager-relay.c: [Relay] enabled = yes on BlueZ; nothing at all otherwise. */
int manager_relay_setup(Manager *m);
void manager_relay_done(Manager *m);

/* manager-recovery.c: on the first Treadmill Data after a crash. */
void manager_try_recover(Manager *m);

/* bus-manager-sync.c: what paced-sync calls, in the Manager's vtable. */
int bus_property_get_planned_workouts(sd_bus *bus, const char *path, const char *interface,
                                      const char *property, sd_bus_message *reply, void *userdata,
                                      sd_bus_error *error);
int bus_method_set_planned_workouts(sd_bus_message *message, void *userdata, sd_bus_error *error);
int bus_method_list_sessions(sd_bus_message *message, void *userdata, sd_bus_error *error);
int bus_method_export_session(sd_bus_message *message, void *userdata, sd_bus_error *error);

/* manager-schedule.c */
int manager_load_schedule(Manager *m);
const char *manager_schedule_today(Manager *m);               /* "" if nothing today */
const struct PlanDay *manager_schedule_today_day(Manager *m); /* NULL outside the plan */
/* The stored plan as JSON ("" if none), malloc'd. */
int manager_get_schedule(Manager *m, char **ret);
/* The runner moves a session: the two days' sessions swap. */
int manager_swap_schedule_days(Manager *m, const char *a, const char *b, sd_bus_error *error);
/* Today's first planned workout, NULL if none (then the plan's, if any, is today's). */
const PlannedWorkout *manager_planned_today(Manager *m);

/*
 * manager-transport.c: the simulator (--simulate) or BlueZ transport on the
 * Manager's event loop. -EOPNOTSUPP if this build has no such transport.
 */
int manager_transport_new(Manager *m, Transport **ret);
