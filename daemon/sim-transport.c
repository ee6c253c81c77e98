/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "sim-transport.h"
#include "string-table.h"
#include "util.h"

typedef struct SimTransport {
        Transport transport; /* first: Transport* <-> SimTransport* */
        sd_event *event;
        sd_event_source *timer;
        const PacedClock *clock;
        SimConfig cfg;
        char *treadmill_name, *strap_name;

        SimTreadmill *treadmill;
        SimRunner *runner;
        FtmsTreadmillAssembler assembler;

        bool linked[_TRANSPORT_ROLE_MAX];
        uint64_t connect_at[_TRANSPORT_ROLE_MAX]; /* USEC_INFINITY: no connection pending */
        bool drop_pending[_TRANSPORT_ROLE_MAX];
        uint64_t deliver_at; /* queued treadmill packets go out then */
        bool deliver_pending;
        uint64_t next_hr_usec;
        SimFootpod footpod;
        uint64_t next_footpod_usec;

        bool cp_write_fails;
        bool malformed_hr_next;
        bool write_failed_pending;
        bool shut_down;
} SimTransport;

static const TransportOps sim_ops;

static const char *const sim_fault_table[_SIM_FAULT_MAX] = {
        [SIM_FAULT_REFUSE_CONTROL] = "refuse-control",
        [SIM_FAULT_LOSE_CONTROL] = "lose-control",
        [SIM_FAULT_DROP_TREADMILL] = "drop-treadmill",
        [SIM_FAULT_DROP_STRAP] = "drop-strap",
        [SIM_FAULT_MALFORMED_TREADMILL_DATA] = "malformed-treadmill-data",
        [SIM_FAULT_MALFORMED_HEART_RATE] = "malformed-heart-rate",
        [SIM_FAULT_CP_WRITE_FAILS] = "cp-write-fails",
        [SIM_FAULT_DROP_FOOTPOD] = "drop-footpod",
};

DEFINE_STRING_TABLE_LOOKUP(sim_fault, SimFault);

void sim_config_default(SimConfig *c)
{
        *c = (SimConfig){
                .treadmill_enabled = true,
                .strap_enabled = true,
                .connect_delay_usec = 500 * USEC_PER_MSEC,
                .cp_latency_usec = 50 * USEC_PER_MSEC,
                .hr_interval_usec = USEC_PER_SEC,
                .treadmill_name = "paced-sim treadmill",
                .strap_name = "paced-sim strap",
                .footpod_factor = 1.0,
                .footpod_interval_usec = USEC_PER_SEC,
        };
        sim_treadmill_config_default(&c->treadmill);
        sim_runner_profile_default(&c->runner);
}

bool sim_transport_is_sim(const Transport *t)
{
        return t && t->ops == &sim_ops;
}

static SimTransport *sim_from(Transport *t)
{
        return sim_transport_is_sim(t) ? (SimTransport *)t : NULL;
}

static void emit(SimTransport *s, TransportEvent *ev, uint64_t now)
{
        ev->time_usec = now;
        transport_emit(&s->transport, ev);
}

static void emit_malformed(SimTransport *s, TransportRole role, uint16_t uuid, int error,
                           size_t len, uint64_t now)
{
        TransportEvent ev = {.type = TRANSPORT_EVENT_MALFORMED, .role = role};

        ev.malformed.uuid = uuid;
        ev.malformed.error = error;
        ev.malformed.len = len;
        emit(s, &ev, now);
}

/* A treadmill packet through the same parsers the BlueZ client uses. */
static void dispatch_packet(SimTransport *s, const SimPacket *p, uint64_t now)
{
        TransportEvent ev = {.role = TRANSPORT_ROLE_TREADMILL};
        int r;

        switch (p->uuid) {
        case FTMS_UUID_TREADMILL_DATA:
                r = ftms_treadmill_assembler_push(&s->assembler, p->data, p->len, &ev.treadmill);
                if (r == 0)
                        return;
                ev.type = TRANSPORT_EVENT_TREADMILL_DATA;
                break;
        case FTMS_UUID_MACHINE_STATUS:
                r = ftms_parse_machine_status(p->data, p->len, &ev.status);
                ev.type = TRANSPORT_EVENT_MACHINE_STATUS;
                break;
        case FTMS_UUID_CONTROL_POINT:
                r = ftms_cp_parse_response(p->data, p->len, &ev.cp_response);
                ev.type = TRANSPORT_EVENT_CP_RESPONSE;
                break;
        case FTMS_UUID_TRAINING_STATUS:
                r = ftms_parse_training_status(p->data, p->len, &ev.training);
                ev.type = TRANSPORT_EVENT_TRAINING_STATUS;
                break;
        default:
                return;
        }
        if (r < 0) {
                emit_malformed(s, TRANSPORT_ROLE_TREADMILL, p->uuid, r, p->len, now);
                return;
        }
        emit(s, &ev, now);
}

static void link_treadmill_up(SimTransport *s, uint64_t now)
{
        TransportEvent ev = {.type = TRANSPORT_EVENT_IDENTITY, .role = TRANSPORT_ROLE_TREADMILL};
        SimPacket p;

        s->linked[TRANSPORT_ROLE_TREADMILL] = true;
        s->connect_at[TRANSPORT_ROLE_TREADMILL] = USEC_INFINITY;
        ftms_treadmill_assembler_reset(&s->assembler);
        /* Whatever the model queued while unlinked never reached anyone. */
        sim_treadmill_link_lost(s->treadmill, now);

        ev.identity.name = s->treadmill_name;
        ev.identity.address = "00:00:5E:00:53:01"; /* RFC 7042 documentation range */
        emit(s, &ev, now);

        /* Capabilities as a client reads them at connect: bytes, then the parsers. */
        ev = (TransportEvent){.type = TRANSPORT_EVENT_CAPABILITIES,
                              .role = TRANSPORT_ROLE_TREADMILL};
        if (sim_treadmill_read(s->treadmill, FTMS_UUID_FEATURE, &p) >= 0)
                (void)ftms_parse_feature(p.data, p.len, &ev.caps.feature);
        if (sim_treadmill_read(s->treadmill, FTMS_UUID_SPEED_RANGE, &p) >= 0)
                ev.caps.has_speed_range =
                        ftms_parse_speed_range(p.data, p.len, &ev.caps.speed_range) >= 0;
        if (sim_treadmill_read(s->treadmill, FTMS_UUID_INCLINE_RANGE, &p) >= 0)
                ev.caps.has_incline_range =
                        ftms_parse_incline_range(p.data, p.len, &ev.caps.incline_range) >= 0;
        ev.caps.has_control_point = true;
        emit(s, &ev, now);

        ev = (TransportEvent){.type = TRANSPORT_EVENT_LINK, .role = TRANSPORT_ROLE_TREADMILL};
        ev.link.up = true;
        emit(s, &ev, now);

        if (sim_treadmill_read(s->treadmill, FTMS_UUID_TRAINING_STATUS, &p) >= 0)
                dispatch_packet(s, &p, now);
}

static void link_strap_up(SimTransport *s, uint64_t now)
{
        TransportEvent ev = {.type = TRANSPORT_EVENT_IDENTITY, .role = TRANSPORT_ROLE_STRAP};

        s->linked[TRANSPORT_ROLE_STRAP] = true;
        s->connect_at[TRANSPORT_ROLE_STRAP] = USEC_INFINITY;
        s->next_hr_usec = now + s->cfg.hr_interval_usec;
        ev.identity.name = s->strap_name;
        ev.identity.address = "00:00:5E:00:53:02";
        emit(s, &ev, now);

        ev = (TransportEvent){.type = TRANSPORT_EVENT_LINK, .role = TRANSPORT_ROLE_STRAP};
        ev.link.up = true;
        emit(s, &ev, now);

        /* Straps carry the Battery Service; BlueZ clients read it at connect. */
        ev = (TransportEvent){.type = TRANSPORT_EVENT_BATTERY, .role = TRANSPORT_ROLE_STRAP};
        ev.battery_pct = 87;
        emit(s, &ev, now);
}

static void link_footpod_up(SimTransport *s, uint64_t now)
{
        TransportEvent ev = {.type = TRANSPORT_EVENT_IDENTITY, .role = TRANSPORT_ROLE_FOOTPOD};

        s->linked[TRANSPORT_ROLE_FOOTPOD] = true;
        s->connect_at[TRANSPORT_ROLE_FOOTPOD] = USEC_INFINITY;
        ev.identity.name = "paced-sim footpod";
        ev.identity.address = "00:00:5E:00:53:03";
        emit(s, &ev, now);
        ev = (TransportEvent){.type = TRANSPORT_EVENT_LINK, .role = TRANSPORT_ROLE_FOOTPOD};
        ev.link.up = true;
        emit(s, &ev, now);
}

static void link_down(SimTransport *s, TransportRole role, uint64_t now)
{
        TransportEvent ev = {.type = TRANSPORT_EVENT_LINK, .role = role};

        s->drop_pending[role] = false;
        if (!s->linked[role])
                return;
        s->linked[role] = false;
        if (role == TRANSPORT_ROLE_TREADMILL) {
                /* The belt keeps going; control is gone with the link. */
                sim_treadmill_link_lost(s->treadmill, now);
                ftms_treadmill_assembler_reset(&s->assembler);
                s->deliver_pending = false;
        }
        ev.link.up = false;
        ev.link.reason = "link lost (simulated)";
        emit(s, &ev, now);
}

static uint64_t next_deadline(const SimTransport *s)
{
        uint64_t next = USEC_INFINITY;

        for (TransportRole r = 0; r < _TRANSPORT_ROLE_MAX; r++) {
                next = MIN(next, s->connect_at[r]);
                if (s->drop_pending[r])
                        next = 0;
        }
        if (s->write_failed_pending)
                next = 0;
        if (s->cfg.treadmill_enabled)
                next = MIN(next, sim_treadmill_next_data_usec(s->treadmill));
        if (s->deliver_pending)
                next = MIN(next, s->deliver_at);
        if (s->cfg.strap_enabled)
                next = MIN(next, s->next_hr_usec);
        if (s->cfg.footpod_enabled)
                next = MIN(next, s->next_footpod_usec);
        return next;
}

static int rearm(SimTransport *s)
{
        uint64_t next;
        int r;

        if (s->shut_down)
                return sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
        next = next_deadline(s);
        if (next == USEC_INFINITY)
                return sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
        r = sd_event_source_set_time(s->timer, paced_clock_to_real(s->clock, next));
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
}

static void run_treadmill(SimTransport *s, uint64_t now)
{
        SimPacket out[64];
        size_t n = 0;

        if (!s->cfg.treadmill_enabled)
                return;
        sim_treadmill_tick(s->treadmill, now);
        if (!s->linked[TRANSPORT_ROLE_TREADMILL]) {
                SimPacket p;

                while (sim_treadmill_pop(s->treadmill, &p))
                        ;
                return;
        }
        if (s->deliver_pending && now < s->deliver_at)
                return;
        s->deliver_pending = false;
        /* Take the batch first: a handler's write queues packets for later delivery. */
        while (n < ELEMENTSOF(out) && sim_treadmill_pop(s->treadmill, &out[n]))
                n++;
        for (size_t i = 0; i < n && s->linked[TRANSPORT_ROLE_TREADMILL]; i++)
                dispatch_packet(s, &out[i], now);
}

static void run_strap(SimTransport *s, uint64_t now)
{
        TransportEvent ev = {.type = TRANSPORT_EVENT_HEART_RATE, .role = TRANSPORT_ROLE_STRAP};
        HrsMeasurement m;
        uint8_t buf[64];
        size_t len;
        int r;

        if (!s->cfg.strap_enabled)
                return;
        /* The runner runs on whatever the belt does, linked or not. */
        sim_runner_set_load(s->runner, now,
                            s->cfg.treadmill_enabled ? sim_treadmill_speed_kmh(s->treadmill) : 0,
                            s->cfg.treadmill_enabled ? sim_treadmill_incline_pct(s->treadmill) : 0);
        if (now < s->next_hr_usec)
                return;
        s->next_hr_usec += s->cfg.hr_interval_usec;
        if (s->next_hr_usec <= now)
                s->next_hr_usec = now + s->cfg.hr_interval_usec;

        (void)sim_runner_measurement(s->runner, now, &m);
        if (!s->linked[TRANSPORT_ROLE_STRAP])
                return;
        r = hrs_encode_measurement(&m, buf, sizeof(buf), &len);
        if (r < 0)
                return;
        if (s->malformed_hr_next) {
                /* uint16 HR announced, one byte sent */
                s->malformed_hr_next = false;
                buf[0] = 0x01;
                len = 2;
        }
        r = hrs_parse_measurement(buf, len, &ev.hr);
        if (r < 0) {
                emit_malformed(s, TRANSPORT_ROLE_STRAP, HRS_UUID_MEASUREMENT, r, len, now);
                return;
        }
        emit(s, &ev, now);
}

/* The footpod measures the belt whether or not paced hears it (its distance runs on). */
static void run_footpod(SimTransport *s, uint64_t now)
{
        TransportEvent ev = {.type = TRANSPORT_EVENT_FOOTPOD, .role = TRANSPORT_ROLE_FOOTPOD};
        RscMeasurement m;
        uint8_t buf[RSC_MEASUREMENT_MAX_LEN];
        size_t len;

        if (!s->cfg.footpod_enabled || now < s->next_footpod_usec)
                return;
        s->next_footpod_usec += s->cfg.footpod_interval_usec;
        if (s->next_footpod_usec <= now)
                s->next_footpod_usec = now + s->cfg.footpod_interval_usec;
        sim_treadmill_advance(s->treadmill, now);
        sim_footpod_measure(&s->footpod, now,
                            s->cfg.treadmill_enabled ? sim_treadmill_speed_kmh(s->treadmill) : 0,
                            &m);
        if (!s->linked[TRANSPORT_ROLE_FOOTPOD])
                return;
        /* Bytes and back, as from a real footpod. */
        if (rsc_encode_measurement(&m, buf, sizeof(buf), &len) < 0 ||
            rsc_parse_measurement(buf, len, &ev.footpod) < 0)
                return;
        emit(s, &ev, now);
}

static int on_timer(sd_event_source *source, uint64_t usec, void *userdata)
{
        SimTransport *s = userdata;
        uint64_t now = paced_clock_now(s->clock);

        for (TransportRole r = 0; r < _TRANSPORT_ROLE_MAX; r++)
                if (s->drop_pending[r])
                        link_down(s, r, now);
        if (s->write_failed_pending) {
                TransportEvent ev = {.type = TRANSPORT_EVENT_CP_WRITE_FAILED,
                                     .role = TRANSPORT_ROLE_TREADMILL};

                s->write_failed_pending = false;
                ev.cp_write_error.error = -EIO;
                ev.cp_write_error.message =
                        "org.bluez.Error.Failed: Operation failed with ATT error: 0x0e (simulated)";
                emit(s, &ev, now);
        }
        if (now >= s->connect_at[TRANSPORT_ROLE_TREADMILL])
                link_treadmill_up(s, now);
        if (now >= s->connect_at[TRANSPORT_ROLE_STRAP])
                link_strap_up(s, now);
        if (now >= s->connect_at[TRANSPORT_ROLE_FOOTPOD])
                link_footpod_up(s, now);

        run_treadmill(s, now);
        run_strap(s, now);
        run_footpod(s, now);

        (void)rearm(s);
        return 0;
}

static int sim_write_control_point(Transport *t, const uint8_t *buf, size_t len)
{
        SimTransport *s = sim_from(t);
        uint64_t now;
        int r;

        if (!s || s->shut_down || !s->linked[TRANSPORT_ROLE_TREADMILL])
                return -ENOTCONN;
        if (len == 0 || len > FTMS_CP_MAX_LEN)
                return -EINVAL;
        if (s->cp_write_fails) {
                /* The write itself fails (ATT error): no response indication. */
                s->cp_write_fails = false;
                s->write_failed_pending = true;
                return rearm(s);
        }
        now = paced_clock_now(s->clock);
        r = sim_treadmill_write_control_point(s->treadmill, now, buf, len);
        if (r < 0)
                return r;
        if (!s->deliver_pending) {
                s->deliver_pending = true;
                s->deliver_at = now + s->cfg.cp_latency_usec;
        }
        return rearm(s);
}

/* Packets the model queued outside the timer (console, faults) go out at once. */
static int deliver_soon(SimTransport *s)
{
        if (!s->deliver_pending) {
                s->deliver_pending = true;
                s->deliver_at = paced_clock_now(s->clock);
        }
        return rearm(s);
}

static void sim_shutdown(Transport *t)
{
        SimTransport *s = sim_from(t);

        if (!s)
                return;
        s->shut_down = true;
        for (TransportRole r = 0; r < _TRANSPORT_ROLE_MAX; r++) {
                s->linked[r] = false;
                s->connect_at[r] = USEC_INFINITY;
        }
        (void)rearm(s);
}

static void sim_free(Transport *t)
{
        SimTransport *s = sim_from(t);

        if (!s)
                return;
        sd_event_source_disable_unref(s->timer);
        sd_event_unref(s->event);
        sim_treadmill_free(s->treadmill);
        sim_runner_free(s->runner);
        free(s->treadmill_name);
        free(s->strap_name);
        free(s);
}

static const TransportOps sim_ops = {
        .name = "sim",
        .write_control_point = sim_write_control_point,
        .shutdown = sim_shutdown,
        .free = sim_free,
};

int sim_transport_new(Transport **ret, sd_event *e, const PacedClock *clock, const SimConfig *cfg)
{
        SimTransport *s;
        uint64_t now;
        int r;

        if (!ret || !e || !clock || !cfg)
                return -EINVAL;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->transport.ops = &sim_ops;
        s->event = sd_event_ref(e);
        s->clock = clock;
        s->cfg = *cfg;
        s->treadmill_name =
                strdup(cfg->treadmill_name ? cfg->treadmill_name : "paced-sim treadmill");
        s->strap_name = strdup(cfg->strap_name ? cfg->strap_name : "paced-sim strap");
        s->cfg.treadmill_name = s->cfg.strap_name = NULL;
        if (!s->treadmill_name || !s->strap_name) {
                sim_free(&s->transport);
                return -ENOMEM;
        }
        if (cfg->hr_interval_usec == 0 ||
            (cfg->footpod_enabled && cfg->footpod_interval_usec == 0)) {
                sim_free(&s->transport);
                return -EINVAL;
        }

        now = paced_clock_now(clock);
        r = sim_treadmill_new(&s->treadmill, &cfg->treadmill, now);
        if (r >= 0)
                r = sim_runner_new(&s->runner, &cfg->runner, now);
        if (r < 0) {
                sim_free(&s->transport);
                return r;
        }
        ftms_treadmill_assembler_reset(&s->assembler);
        s->connect_at[TRANSPORT_ROLE_TREADMILL] =
                cfg->treadmill_enabled ? now + cfg->connect_delay_usec : USEC_INFINITY;
        s->connect_at[TRANSPORT_ROLE_STRAP] =
                cfg->strap_enabled ? now + cfg->connect_delay_usec : USEC_INFINITY;
        s->next_hr_usec = cfg->strap_enabled ? now + cfg->hr_interval_usec : USEC_INFINITY;
        s->connect_at[TRANSPORT_ROLE_FOOTPOD] =
                cfg->footpod_enabled ? now + cfg->connect_delay_usec : USEC_INFINITY;
        s->next_footpod_usec =
                cfg->footpod_enabled ? now + cfg->footpod_interval_usec : USEC_INFINITY;
        sim_footpod_init(&s->footpod, cfg->footpod_factor, cfg->footpod_offset_kmh);

        r = sd_event_add_time(e, &s->timer, CLOCK_MONOTONIC, 0, 1, on_timer, s);
        if (r < 0) {
                sim_free(&s->transport);
                return r;
        }
        (void)sd_event_source_set_description(s->timer, "sim-timer");
        r = rearm(s);
        if (r < 0) {
                sim_free(&s->transport);
                return r;
        }
        *ret = &s->transport;
        return 0;
}

int sim_transport_console(Transport *t, SimConsoleButton b)
{
        SimTransport *s = sim_from(t);
        int r;

        if (!s)
                return -EINVAL;
        r = sim_treadmill_console(s->treadmill, paced_clock_now(s->clock), b);
        if (r < 0)
                return r;
        return deliver_soon(s);
}

int sim_transport_console_set_speed(Transport *t, double kmh)
{
        SimTransport *s = sim_from(t);
        int r;

        if (!s)
                return -EINVAL;
        r = sim_treadmill_console_set_speed(s->treadmill, paced_clock_now(s->clock), kmh);
        if (r < 0)
                return r;
        return deliver_soon(s);
}

int sim_transport_inject(Transport *t, SimFault f)
{
        SimTransport *s = sim_from(t);

        if (!s)
                return -EINVAL;
        switch (f) {
        case SIM_FAULT_REFUSE_CONTROL:
                sim_treadmill_set_refuse_control(s->treadmill, true);
                return 0;
        case SIM_FAULT_LOSE_CONTROL:
                sim_treadmill_revoke_control(s->treadmill, paced_clock_now(s->clock));
                return deliver_soon(s);
        case SIM_FAULT_DROP_TREADMILL:
        case SIM_FAULT_DROP_STRAP:
        case SIM_FAULT_DROP_FOOTPOD: {
                TransportRole role = f == SIM_FAULT_DROP_TREADMILL ? TRANSPORT_ROLE_TREADMILL
                                     : f == SIM_FAULT_DROP_STRAP   ? TRANSPORT_ROLE_STRAP
                                                                   : TRANSPORT_ROLE_FOOTPOD;
                if (!s->linked[role])
                        return -ENOTCONN;
                s->drop_pending[role] = true;
                return rearm(s);
        }
        case SIM_FAULT_MALFORMED_TREADMILL_DATA:
                sim_treadmill_inject_malformed(s->treadmill);
                return 0;
        case SIM_FAULT_MALFORMED_HEART_RATE:
                s->malformed_hr_next = true;
                return 0;
        case SIM_FAULT_CP_WRITE_FAILS:
                s->cp_write_fails = true;
                return 0;
        case _SIM_FAULT_MAX:
        case _SIM_FAULT_INVALID:
        default:
                return -EINVAL;
        }
}

int sim_transport_clear(Transport *t, SimFault f)
{
        SimTransport *s = sim_from(t);

        if (!s)
                return -EINVAL;
        switch (f) {
        case SIM_FAULT_REFUSE_CONTROL:
                sim_treadmill_set_refuse_control(s->treadmill, false);
                return 0;
        case SIM_FAULT_MALFORMED_TREADMILL_DATA:
                /* A pending malformed record cannot be taken back; harmless. */
                return 0;
        case SIM_FAULT_MALFORMED_HEART_RATE:
                s->malformed_hr_next = false;
                return 0;
        case SIM_FAULT_CP_WRITE_FAILS:
                s->cp_write_fails = false;
                return 0;
        case SIM_FAULT_LOSE_CONTROL:
        case SIM_FAULT_DROP_TREADMILL:
        case SIM_FAULT_DROP_STRAP:
        case SIM_FAULT_DROP_FOOTPOD:
                return -EOPNOTSUPP; /* one-shot events; reconnect with sim_transport_reconnect() */
        case _SIM_FAULT_MAX:
        case _SIM_FAULT_INVALID:
        default:
                return -EINVAL;
        }
}

int sim_transport_reconnect(Transport *t, TransportRole role)
{
        SimTransport *s = sim_from(t);

        if (!s || role < 0 || role >= _TRANSPORT_ROLE_MAX || s->shut_down)
                return -EINVAL;
        if (s->linked[role] && !s->drop_pending[role])
                return -EALREADY;
        if ((role == TRANSPORT_ROLE_TREADMILL && !s->cfg.treadmill_enabled) ||
            (role == TRANSPORT_ROLE_STRAP && !s->cfg.strap_enabled) ||
            (role == TRANSPORT_ROLE_FOOTPOD && !s->cfg.footpod_enabled))
                return -ENODEV;
        s->connect_at[role] = paced_clock_now(s->clock) + s->cfg.connect_delay_usec;
        return rearm(s);
}

SimTreadmill *sim_transport_treadmill(Transport *t)
{
        SimTransport *s = sim_from(t);

        return s ? s->treadmill : NULL;
}

SimRunner *sim_transport_runner(Transport *t)
{
        SimTransport *s = sim_from(t);

        return s ? s->runner : NULL;
}
