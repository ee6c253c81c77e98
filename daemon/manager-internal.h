/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The Manager's insides, shared by manager*.c and bus-*.c only. */

#include "live-analysis.h"
#include "manager.h"
#include "profile-config.h"
#include "profile.h"
#include "rr.h"
#include "session-store.h"
#include "workout-engine.h"
#include "zones.h"

struct Plan;

struct Manager {
        ManagerOptions options;
        Config *config;
        PacedClock clock;

        sd_event *event;
        sd_event_source *sigterm_source, *sigint_source, *sighup_source;
        sd_event_source *watchdog_source;
        uint64_t watchdog_usec;

        sd_bus *bus;
        sd_bus_slot *bus_slots[8];
        bool name_owned;

        /* Coalesced PropertiesChanged: a one-shot timer, at most one emission per second. */
        sd_event_source *props_source;
        unsigned props_dirty;
        uint64_t props_last_emit_usec;

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
        sd_event_source *engine_timer; /* one-shot at the engine's next deadline */
        RunnerProfile profile;
        HrProfile hr_profile; /* from [Runner], for zones and the live analysis */
        ZoneModel zone_model;
        ZoneTable zones; /* the live zone outside a session */
        bool have_zones;
        char *pending_run;     /* --run: started once the treadmill is ready */
        struct Plan *schedule; /* from SetSchedule, stored in the state directory */

        SessionStore *store;      /* NULL: running without a store (logged) */
        int store_error;          /* last flush result, so a full disk is logged once */
        SessionAccepted accepted; /* manager-thresholds.c: overlays the config's [Runner] */
        bool have_accepted;
        char *state_dir;
        int64_t session_id;
        uint64_t session_start_usec; /* virtual monotonic */
        uint64_t session_start_wall_usec;
        sd_event_source *sample_timer; /* 1 Hz of virtual time while a session runs */
        sd_event_source *flush_timer;  /* the store's next flush */
        RrCleaner *rr_cleaner;         /* artifact flags of the stored RR intervals */
        LiveAnalysis *analysis;        /* alpha1, zones and crossovers of the session */
        int last_step_index;
        char last_result[192]; /* the last time trial's result sentence, "" if none */
        /* A session a crash left unfinished: resumed if the belt is found running. */
        bool recover_pending;
        SessionResume recover;
        bool exit_after_session;
};

void manager_update_status(Manager *m);
/* Ends the process once the belt is safe: called by the workout side when it is done. */
void manager_finish_shutdown(Manager *m);

/* manager-workout.c: the transport, engine, analysis and store side. */
int manager_setup_workout(Manager *m);
void manager_on_ready(Manager *m); /* the bus name is ours */
void manager_apply_config(Manager *m);

/* manager-thresholds.c: threshold results into the store and the profile. */
/* Reads the newest accepted thresholds from the store and re-applies the profile. */
void manager_load_accepted(Manager *m);
/* At a session's end: the offline ramp fit over its RR, stored when it succeeded. */
void manager_store_ramp_thresholds(Manager *m, int64_t session_id);
/* AcceptThresholds: records the session's estimates and applies them. */
int manager_accept_thresholds(Manager *m, int64_t session_id, SessionAccepted *ret);
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
void manager_rearm_flush_timer(Manager *m);
void manager_handle_heart_rate(Manager *m, const HrsMeasurement *hr);

/* manager-recovery.c: on the first Treadmill Data after a crash. */
void manager_try_recover(Manager *m);

/* manager-schedule.c */
int manager_load_schedule(Manager *m);
const char *manager_schedule_today(Manager *m); /* "" if nothing today */

/*
 * manager-transport.c: the simulator (--simulate) or BlueZ transport on the
 * Manager's event loop. -EOPNOTSUPP if this build has no such transport.
 */
int manager_transport_new(Manager *m, Transport **ret);
