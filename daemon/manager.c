/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "bus-device.h"
#include "bus-footpod.h"
#include "bus-manager.h"
#include "bus-simulator.h"
#include "log.h"
#include "manager-internal.h"
#include "string-table.h"

static const char *const manager_bus_kind_table[_MANAGER_BUS_KIND_MAX] = {
        [MANAGER_BUS_SYSTEM] = "system",
        [MANAGER_BUS_USER] = "user",
        [MANAGER_BUS_ADDRESS] = "address",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(manager_bus_kind, ManagerBusKind);

static void device_clear(Device *d)
{
        free(d->address);
        free(d->name);
        d->address = d->name = NULL;
}

int manager_new(Manager **ret, const ManagerOptions *options, Config *config)
{
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->options = *options;
        m->live = (ManagerLive){
                .speed_kmh = NAN,
                .incline_pct = NAN,
                .distance_m = NAN,
                .alpha1 = NAN,
                .crossover_t_s = NAN,
                .crossover_speed_kmh = NAN,
        };
        for (TransportRole role = 0; role < _TRANSPORT_ROLE_MAX; role++)
                m->devices[role] = (Device){.manager = m, .role = role, .battery_pct = -1};
        paced_clock_init(&m->clock,
                         options->simulate || options->test_time_scale ? options->time_scale : 1.0);
        if (options->test_time_scale && !options->simulate)
                log_warning("TEST MODE: the clock runs %gx faster than real time against BlueZ; "
                            "only for a virtual treadmill at the same scale.",
                            options->time_scale);

        r = sd_event_new(&m->event);
        if (r < 0)
                return r;
        cue_speaker_init(&m->speaker, m->event);
        /* Takes ownership only on success: the caller frees config on failure. */
        m->config = config;
        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m)
{
        if (!m)
                return NULL;
        manager_workout_done(m);
        manager_footpod_done(m);
        sd_event_source_unref(m->watchdog_source);
        sd_event_source_unref(m->props_source);
        sd_event_source_unref(m->sigterm_source);
        sd_event_source_unref(m->sigint_source);
        sd_event_source_unref(m->sighup_source);
        sd_event_source_unref(m->shutdown_timeout_source);
        sd_bus_slot_unref(m->manager_vtable_slot);
        sd_bus_slot_unref(m->object_manager_slot);
        sd_bus_slot_unref(m->device_vtable_slot);
        sd_bus_slot_unref(m->device_enumerator_slot);
        sd_bus_slot_unref(m->simulator_vtable_slot);
        sd_bus_flush_close_unref(m->bus);
        sd_bus_flush_close_unref(m->bluez_bus);
        for (TransportRole role = 0; role < _TRANSPORT_ROLE_MAX; role++)
                device_clear(&m->devices[role]);
        config_free(m->config);
        free(m->status_text);
        for (size_t i = 0; i < ELEMENTSOF(m->props_sent); i++)
                free(m->props_sent[i].text);
        sd_event_unref(m->event);
        free(m);
        return NULL;
}

sd_event *manager_get_event(Manager *m)
{
        return m->event;
}

sd_bus *manager_get_bus(Manager *m)
{
        return m->bus;
}

const Config *manager_get_config(Manager *m)
{
        return m->config;
}

uint64_t manager_now(Manager *m)
{
        return paced_clock_now(&m->clock);
}

Device *manager_get_device(Manager *m, TransportRole role)
{
        if (role < 0 || role >= _TRANSPORT_ROLE_MAX)
                return NULL;
        return &m->devices[role];
}

const ManagerLive *manager_get_live(Manager *m)
{
        return &m->live;
}

/* ---- sd_notify STATUS= ---- */

void manager_update_status(Manager *m)
{
        ManagerSnapshot s;

        manager_snapshot(m, &s);
        manager_update_status_from(m, &s);
}

void manager_update_status_from(Manager *m, const ManagerSnapshot *snap)
{
        _cleanup_free_ char *text = NULL;
        const Device *t = &m->devices[TRANSPORT_ROLE_TREADMILL];
        const ManagerSnapshot s = *snap;
        char conn[160], work[256] = "idle", store[320] = "";
        SessionStoreState st;

        if (t->connected)
                snprintf(conn, sizeof(conn), "connected to %s%s", t->name ? t->name : "treadmill",
                         s.monitor_only ? " (monitor only)" : "");
        else
                snprintf(conn, sizeof(conn), "%s",
                         m->transport ? "waiting for the treadmill" : "no treadmill transport");
        if (s.workout[0] && s.step_index >= 0)
                snprintf(work, sizeof(work), "%s '%s' step %d/%u", s.state, s.workout,
                         s.step_index + 1, s.step_count);
        else if (s.workout[0])
                snprintf(work, sizeof(work), "%s '%s'", s.state, s.workout);
        st = session_store_get_state(m->store);
        if (st == SESSION_STORE_BUFFERING || st == SESSION_STORE_DROPPING)
                /* What an admin looking at systemctl status needs to know. */
                snprintf(store, sizeof(store), "; session %s in memory: %s",
                         st == SESSION_STORE_DROPPING ? "dropping rows, memory full" : "kept",
                         session_store_last_error(m->store));
        if (asprintf(&text, "%s; %s%s", conn, work, store) < 0)
                return;
        if (streq_ptr(text, m->status_text))
                return;
        (void)sd_notifyf(false, "STATUS=%s", text);
        free(m->status_text);
        m->status_text = TAKE_PTR(text);
}

/* ---- PropertiesChanged, at most once a second ---- */

static int props_timer_handler(sd_event_source *s, uint64_t usec, void *userdata)
{
        Manager *m = userdata;
        unsigned mask = m->props_dirty;
        ManagerSnapshot snap;

        m->props_dirty = 0;
        m->props_last_emit_usec = usec;
        /* Once a second, one snapshot for the signal and the status line: the
         * engine's status and the NextAction sentence are made once, not
         * once per property. */
        manager_snapshot(m, &snap);
        if (m->bus && m->name_owned && mask) {
                m->props_snapshot = &snap;
                (void)bus_manager_emit_properties(m, m->bus, mask);
                m->props_snapshot = NULL;
        }
        manager_update_status_from(m, &snap);
        return 0;
}

/* A session's tick: what is dirty goes out now, with the tick's wake-up,
 * if the last emission was (within slack of) a second ago; else the timer
 * stays as it is. */
void manager_properties_tick(Manager *m, uint64_t slack_usec)
{
        uint64_t now;

        if (!m->props_dirty || sd_event_now(m->event, CLOCK_MONOTONIC, &now) < 0 ||
            now + slack_usec < m->props_last_emit_usec + USEC_PER_SEC)
                return;
        if (m->props_source)
                (void)sd_event_source_set_enabled(m->props_source, SD_EVENT_OFF);
        (void)props_timer_handler(m->props_source, now, m);
}

void manager_properties_changed(Manager *m, unsigned mask)
{
        uint64_t now, when;
        int enabled = SD_EVENT_OFF, r;

        m->props_dirty |= mask;
        /* While a session ticks, the live values go out with its tick
         * (manager_properties_tick()): no wake-up of their own. */
        if (m->session_ticking && !(m->props_dirty & ~MANAGER_PROP_LIVE))
                return;
        if (m->props_source && sd_event_source_get_enabled(m->props_source, &enabled) >= 0 &&
            enabled != SD_EVENT_OFF)
                return; /* already due: this change goes out with it */
        r = sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return;
        /* Real seconds, not virtual ones: this protects the bus and its listeners. */
        when = MAX(now, m->props_last_emit_usec + USEC_PER_SEC);
        if (m->props_source) {
                r = sd_event_source_set_time(m->props_source, when);
                if (r >= 0)
                        r = sd_event_source_set_enabled(m->props_source, SD_EVENT_ONESHOT);
        } else {
                r = sd_event_add_time(m->event, &m->props_source, CLOCK_MONOTONIC, when, 0,
                                      props_timer_handler, m);
                if (r >= 0)
                        (void)sd_event_source_set_description(m->props_source, "properties");
        }
        if (r < 0)
                log_warning_errno(r, "Failed to arm the property timer: %m");
}

/* ---- authorization ---- */

static bool gid_in(gid_t gid, const gid_t *gids, int n)
{
        for (int i = 0; i < n; i++)
                if (gids[i] == gid)
                        return true;
        return false;
}

/* 1 if the credentials show root or a member of gid, 0 if not, -ENODATA if they cannot tell. */
static int creds_allowed(sd_bus_creds *creds, bool have_group, gid_t admin, uid_t *ret_uid)
{
        const gid_t *gids = NULL;
        bool have_gids = false;
        uid_t uid;
        gid_t gid;
        int n;

        /* The bus driver's UnixUserID comes from SO_PEERCRED: the effective UID. */
        if (sd_bus_creds_get_euid(creds, &uid) < 0 && sd_bus_creds_get_uid(creds, &uid) < 0)
                return -ENODATA;
        *ret_uid = uid;
        if (uid == 0)
                return 1;
        if (!have_group)
                return 0;
        if (sd_bus_creds_get_egid(creds, &gid) >= 0) {
                have_gids = true;
                if (gid == admin)
                        return 1;
        }
        if (sd_bus_creds_get_gid(creds, &gid) >= 0) {
                have_gids = true;
                if (gid == admin)
                        return 1;
        }
        n = sd_bus_creds_get_supplementary_gids(creds, &gids);
        if (n >= 0) {
                have_gids = true;
                if (gid_in(admin, gids, n))
                        return 1;
        }
        return have_gids ? 0 : -ENODATA;
}

/* 1 if root or in one of the groups, 0 if not, <0 if the credentials cannot tell. */
static int creds_allowed_any(sd_bus_creds *creds, const struct group *admin,
                             const struct group *extra, uid_t *ret_uid)
{
        int r = creds_allowed(creds, admin, admin ? admin->gr_gid : 0, ret_uid);

        if (r != 0 || !extra)
                return r;
        return creds_allowed(creds, true, extra->gr_gid, ret_uid);
}

/*
 * 1 if the bus driver lists gid among the sender's groups, 0 if not,
 * negative errno if it cannot say. dbus-daemon (1.13.2 and later, from
 * SO_PEERGROUPS) puts UnixGroupIDs in GetConnectionCredentials, but
 * libsystemd 252 reads only UnixUserID from it, and its fallback, the
 * caller's /proc/PID/status, is hidden by the unit's ProtectProc=invisible:
 * under systemd, group "paced" was never recognized without this.
 */
static int driver_lists_gid(sd_bus_message *message, gid_t want)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *sender = sd_bus_message_get_sender(message), *key;
        int r, found = -ENODATA;

        if (!sender)
                return -ENODATA;
        r = sd_bus_call_method(sd_bus_message_get_bus(message), "org.freedesktop.DBus",
                               "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "GetConnectionCredentials", &error, &reply, "s", sender);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                r = sd_bus_message_read(reply, "s", &key);
                if (r < 0)
                        return r;
                if (strcmp(key, "UnixGroupIDs") != 0) {
                        r = sd_bus_message_skip(reply, "v");
                } else {
                        uint32_t gid;

                        r = sd_bus_message_enter_container(reply, 'v', "au");
                        if (r < 0)
                                return r;
                        r = sd_bus_message_enter_container(reply, 'a', "u");
                        if (r < 0)
                                return r;
                        found = 0;
                        while ((r = sd_bus_message_read(reply, "u", &gid)) > 0)
                                if ((gid_t)gid == want)
                                        found = 1;
                        if (r < 0)
                                return r;
                        r = sd_bus_message_exit_container(reply);
                        if (r < 0)
                                return r;
                        r = sd_bus_message_exit_container(reply);
                }
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
        }
        return r < 0 ? r : found;
}

static int verify_access(Manager *m, sd_bus_message *message, const char *extra_group,
                         sd_bus_error *error)
{
        const char *group = m->options.admin_group ? m->options.admin_group : PACED_ADMIN_GROUP;
        const uint64_t mask = SD_BUS_CREDS_EUID | SD_BUS_CREDS_UID | SD_BUS_CREDS_EGID |
                              SD_BUS_CREDS_GID | SD_BUS_CREDS_SUPPLEMENTARY_GIDS;
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        struct group gr_admin, gr_extra, *gr;
        const struct group *admin = NULL, *extra = NULL;
        uid_t uid = (uid_t)-1; /* unknown */
        int r;

        /* getgrnam()'s buffer is static: copy what is needed before the second call. */
        gr = getgrnam(group);
        if (gr) {
                gr_admin = (struct group){.gr_gid = gr->gr_gid};
                admin = &gr_admin;
        }
        gr = extra_group ? getgrnam(extra_group) : NULL;
        if (gr) {
                gr_extra = (struct group){.gr_gid = gr->gr_gid};
                extra = &gr_extra;
        }

        /*
         * The D-Bus policy already refuses other users; this check makes the
         * rule hold on a bus whose policy is missing or permissive too. The
         * credentials come from the bus (SO_PEERCRED and the driver), not
         * from the message, so a caller cannot forge them. First what the
         * driver knows; only if that lacks the groups, /proc (which the
         * unit's ProtectProc=invisible may hide).
         */
        r = sd_bus_query_sender_creds(message, mask, &creds);
        if (r >= 0)
                r = creds_allowed_any(creds, admin, extra, &uid);
        if (r == -ENODATA || r < 0) {
                creds = sd_bus_creds_unref(creds);
                r = sd_bus_query_sender_creds(message, mask | SD_BUS_CREDS_AUGMENT, &creds);
                if (r >= 0)
                        r = creds_allowed_any(creds, admin, extra, &uid);
        }
        /* A non-root caller the creds above did not place in a group: ask
         * the driver for its groups (driver_lists_gid() says why). */
        if (r <= 0 && uid != (uid_t)-1 && uid != 0) {
                if ((admin && driver_lists_gid(message, admin->gr_gid) > 0) ||
                    (extra && driver_lists_gid(message, extra->gr_gid) > 0))
                        return 0;
        }
        if (r > 0)
                return 0;
        if (r < 0 && uid == (uid_t)-1)
                return sd_bus_error_setf(error, PACED_ERROR_NOT_PERMITTED,
                                         "Cannot establish the caller's credentials; refusing.");
        log_notice("Refused a state-changing call from uid %u (%s): not root nor in group '%s'.",
                   (unsigned)uid, sd_bus_message_get_sender(message) ?: "?", group);
        return sd_bus_error_setf(error, PACED_ERROR_NOT_PERMITTED,
                                 "Only root and members of the '%s' group may control paced.",
                                 group);
}

int manager_verify_write_access(Manager *m, sd_bus_message *message, sd_bus_error *error)
{
        return verify_access(m, message, NULL, error);
}

int manager_verify_sync_access(Manager *m, sd_bus_message *message, sd_bus_error *error)
{
        return verify_access(m, message,
                             m->options.sync_group ? m->options.sync_group : PACED_SYNC_GROUP,
                             error);
}

/* ---- watchdog ---- */

static int watchdog_handler(sd_event_source *s, uint64_t usec, void *userdata)
{
        Manager *m = userdata;
        int r;

        (void)sd_notify(false, "WATCHDOG=1");
        /* Half the period, re-armed each time: a hung loop stops the pings. */
        r = sd_event_source_set_time_relative(s, m->watchdog_usec / 2);
        if (r >= 0)
                r = sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        if (r < 0)
                log_warning_errno(r, "Failed to re-arm the watchdog timer: %m");
        return 0;
}

static int setup_watchdog(Manager *m)
{
        int r;

        r = sd_watchdog_enabled(false, &m->watchdog_usec);
        if (r <= 0)
                return r;
        r = sd_event_add_time_relative(m->event, &m->watchdog_source, CLOCK_MONOTONIC,
                                       m->watchdog_usec / 2, 0, watchdog_handler, m);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the watchdog timer: %m");
        (void)sd_event_source_set_description(m->watchdog_source, "watchdog");
        log_debug("Watchdog enabled, pinging every %" PRIu64 " ms.",
                  m->watchdog_usec / 2 / USEC_PER_MSEC);
        return 0;
}

/* ---- signals ---- */

static int on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        Manager *m = userdata;

        log_info("Received %s, stopping.", si->ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
        manager_begin_shutdown(m);
        return 0;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        (void)manager_reload(userdata);
        return 0;
}

static int setup_signals(Manager *m)
{
        int r;

        r = sd_event_add_signal(m->event, &m->sigterm_source, SIGTERM, on_sigterm, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, &m->sigint_source, SIGINT, on_sigterm, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, &m->sighup_source, SIGHUP, on_sighup, m);
        if (r < 0)
                return log_error_errno(r, "Failed to set up signal handlers: %m");
        return 0;
}

int manager_reload(Manager *m)
{
        const char *path = m->options.config_path ? m->options.config_path : CONFIG_DEFAULT_PATH;
        Config *c = NULL;
        ConfigError e = {};
        int r;

        (void)sd_notify(false, "RELOADING=1\nSTATUS=Reloading configuration");
        r = config_load_file(path, &c, &e);
        if (r == -ENOENT && !m->options.config_path)
                r = config_new(&c); /* no file at the default path: defaults, as at start */
        if (r < 0) {
                if (e.line)
                        log_error("%s:%u: %s", path, e.line, e.message);
                else
                        log_error_errno(r, "%s", e.message[0] ? e.message : path);
                log_warning("Keeping the previous configuration.");
                (void)sd_notify(false, "READY=1");
                free(m->status_text);
                m->status_text = NULL;
                manager_update_status(m);
                return r;
        }
        config_free(m->config);
        m->config = c;
        manager_apply_config(m);
        log_info("Reloaded configuration from %s.", path);
        (void)sd_notify(false, "READY=1");
        free(m->status_text);
        m->status_text = NULL;
        manager_update_status(m);
        return 0;
}

/* ---- bus ---- */

static int on_name_acquired(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
        Manager *m = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        if (e) {
                log_error("Failed to acquire the bus name %s: %s", PACED_BUS_NAME, e->message);
                m->exit_code = 1;
                manager_finish_shutdown(m);
                return 0;
        }
        m->name_owned = true;
        log_info("Acquired the bus name %s.", PACED_BUS_NAME);
        (void)sd_notify(false, "READY=1");
        manager_update_status(m);
        manager_on_ready(m);
        return 0;
}

static int open_bus(Manager *m, sd_bus **ret)
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        switch (m->options.bus_kind) {
        case MANAGER_BUS_SYSTEM:
                r = sd_bus_open_system_with_description(&bus, "paced");
                break;
        case MANAGER_BUS_USER:
                r = sd_bus_open_user_with_description(&bus, "paced");
                break;
        case MANAGER_BUS_ADDRESS:
                r = sd_bus_new(&bus);
                if (r < 0)
                        break;
                r = sd_bus_set_address(bus, m->options.bus_address);
                if (r < 0)
                        break;
                r = sd_bus_set_bus_client(bus, true);
                if (r < 0)
                        break;
                (void)sd_bus_set_description(bus, "paced");
                r = sd_bus_start(bus);
                break;
        case _MANAGER_BUS_KIND_MAX:
        case _MANAGER_BUS_KIND_INVALID:
        default:
                r = -EINVAL;
                break;
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(bus);
        return 0;
}

static int setup_bus(Manager *m)
{
        int r;

        r = open_bus(m, &m->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the %s bus%s%s: %m",
                                       manager_bus_kind_to_string(m->options.bus_kind),
                                       m->options.bus_address ? " at " : "",
                                       m->options.bus_address ? m->options.bus_address : "");
        r = bus_manager_register(m, m->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to register the manager object: %m");
        r = bus_device_register(m, m->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to register the device objects: %m");
        r = bus_simulator_register(m, m->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to register the simulator object: %m");
        r = bus_footpod_register(m, m->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to register the footpod interface: %m");
        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop: %m");
        /* Objects are in place before the name: a client that sees the name finds them. */
        r = sd_bus_request_name_async(m->bus, NULL, PACED_BUS_NAME, 0, on_name_acquired, m);
        if (r < 0)
                return log_error_errno(r, "Failed to request the bus name: %m");
        return 0;
}

int manager_start(Manager *m)
{
        int r;

        r = setup_signals(m);
        if (r < 0)
                return r;
        r = setup_watchdog(m);
        if (r < 0)
                return r;
        r = manager_setup_workout(m);
        if (r < 0)
                return r;
        r = setup_bus(m);
        if (r < 0)
                return r;
        return 0;
}

int manager_run(Manager *m)
{
        int r;

        r = sd_event_loop(m->event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");
        (void)sd_notify(false, "STOPPING=1");
        return m->exit_code ? m->exit_code : r;
}

/* ---- shutdown ---- */

void manager_finish_shutdown(Manager *m)
{
        /* Once: releasing the devices emits link-down events, which may end
         * here again through the engine. */
        if (m->stopped)
                return;
        m->stopped = true;
        /*
         * Release the devices (StopNotify, Disconnect) now, while the buses are
         * open: sd_event_exit() runs sd-bus's exit handler, which closes every
         * bus attached to the loop, so calls made after the loop are dropped
         * and a treadmill that stays connected refuses to power off.
         */
        if (m->transport)
                transport_shutdown(m->transport);
        log_info("Stopped.");
        (void)sd_event_exit(m->event, m->exit_code);
}

static int on_shutdown_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        Manager *m = userdata;

        log_warning("Safe stop did not complete in %.0f s; exiting anyway: the belt may still be "
                    "running, slow it on the console.",
                    (double)manager_stop_budget_real_usec(m) / USEC_PER_SEC);
        manager_finish_shutdown(m);
        return 0;
}

void manager_begin_shutdown(Manager *m)
{
        uint64_t budget;
        int r;

        if (m->shutting_down)
                return;
        m->shutting_down = true;
        (void)sd_notify(false, "STOPPING=1\nSTATUS=Stopping: bringing the belt to a safe state");
        /*
         * Real seconds: bounded so that systemd's stop timeout never has to
         * kill us, which would leave the session unfinished.
         */
        budget = manager_stop_budget_real_usec(m);
        r = sd_event_add_time_relative(m->event, &m->shutdown_timeout_source, CLOCK_MONOTONIC,
                                       budget, 0, on_shutdown_timeout, m);
        if (r < 0)
                log_warning_errno(r, "Failed to arm the shutdown timeout: %m");
        /* The slowest allowed ramp from max_speed may take longer than the
         * unit's TimeoutStopSec: ask systemd for what the config needs. */
        (void)sd_notifyf(false, "EXTEND_TIMEOUT_USEC=%" PRIu64, budget + 5 * USEC_PER_SEC);
        if (manager_workout_shutdown(m) > 0)
                manager_finish_shutdown(m);
}
