/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The models behind the GATT objects: the simulated treadmill and runner on
 * the model clock (real time, or --time-scale times faster), their
 * notifications, and the timers that drive them.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "peripheral.h"

#define HR_INTERVAL_USEC (1000 * 1000ULL)

/*
 * Like a treadmill with a heart-rate receiver: the runner's heart rate in
 * the Treadmill Data record (FTMS 4.9.1.13). Records that do not decode (an
 * injected malformed one) pass unchanged.
 */
static void add_heart_rate(Peripheral *p, SimPacket *pkt)
{
        FtmsTreadmillData d;
        size_t len;

        if (p->last_hr_bpm == 0 || ftms_parse_treadmill_data(pkt->data, pkt->len, &d) < 0 ||
            d.more_data)
                return;
        d.present |= FTMS_FIELD_BIT(FTMS_FIELD_HEART_RATE);
        d.heart_rate_bpm = (uint8_t)MIN(p->last_hr_bpm, 255);
        if (ftms_encode_treadmill_data(&d, pkt->data, sizeof(pkt->data), &len) >= 0)
                pkt->len = len;
}

/* Sends what the treadmill model queued, and Training Status when the belt changed. */
void machine_flush(Peripheral *p)
{
        SimBeltState belt = sim_treadmill_state(p->treadmill);
        SimPacket pkt;

        while (sim_treadmill_pop(p->treadmill, &pkt)) {
                Characteristic *c = gatt_char_by_uuid(p, pkt.uuid);

                if (pkt.uuid == FTMS_UUID_TREADMILL_DATA && p->treadmill_hr)
                        add_heart_rate(p, &pkt);
                if (c)
                        gatt_char_notify(c, pkt.data, pkt.len);
        }
        if (belt != p->last_belt) {
                p->last_belt = belt;
                peripheral_log("belt %s", sim_belt_state_to_string(belt));
                if (sim_treadmill_read(p->treadmill, FTMS_UUID_TRAINING_STATUS, &pkt) >= 0)
                        gatt_char_notify(&p->chars[CHAR_TRAINING_STATUS], pkt.data, pkt.len);
        }
}

int machine_arm_data_timer(Peripheral *p)
{
        int r;

        r = sd_event_source_set_time(
                p->data_timer,
                paced_clock_to_real(&p->clock, sim_treadmill_next_data_usec(p->treadmill)));
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(p->data_timer, SD_EVENT_ONESHOT);
}

/*
 * The footpod on the runner, with each Treadmill Data record: it measures the
 * runner's true speed, which on a treadmill off by --footpod-factor is not
 * what the treadmill reports.
 */
static void footpod_measure(Peripheral *p, uint64_t now)
{
        RscMeasurement m;
        uint8_t buf[RSC_MEASUREMENT_MAX_LEN];
        size_t len;

        if (!p->services[SERVICE_RSC].app)
                return;
        sim_footpod_measure(&p->footpod, now, sim_treadmill_speed_kmh(p->treadmill), &m);
        if (rsc_encode_measurement(&m, buf, sizeof(buf), &len) >= 0)
                gatt_char_notify(&p->chars[CHAR_RSC_MEASUREMENT], buf, len);
}

static int on_data_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        Peripheral *p = userdata;
        uint64_t now = peripheral_now(p);

        sim_treadmill_tick(p->treadmill, now);
        footpod_measure(p, now);
        /* On CLOCK_MONOTONIC, to line up with paced's own log (e2e distance checks). */
        if (p->log_data)
                peripheral_log("data at CLOCK_MONOTONIC %.6f s: speed %.2f km/h, travel %.3f m",
                               (double)paced_clock_to_real(&p->clock, now) / USEC_PER_SEC,
                               sim_treadmill_speed_kmh(p->treadmill),
                               sim_treadmill_distance_m(p->treadmill));
        machine_flush(p);
        return machine_arm_data_timer(p);
}

static int on_hr_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        Peripheral *p = userdata;
        uint64_t now = peripheral_now(p);
        HrsMeasurement h;
        uint8_t buf[64];
        size_t len;
        int r;

        /* The runner runs on the belt: its load is the belt's actual speed and incline. */
        sim_treadmill_advance(p->treadmill, now);
        sim_runner_set_load(p->runner, now, sim_treadmill_speed_kmh(p->treadmill),
                            sim_treadmill_incline_pct(p->treadmill));
        r = sim_runner_measurement(p->runner, now, &h);
        if (r >= 0) {
                if (p->hr_override > 0) {
                        /* One beat per second's worth at the fixed rate, for exact checks. */
                        h.heart_rate_bpm = (uint16_t)lround(p->hr_override);
                        h.n_rr = 1;
                        h.rr_raw[0] = (uint16_t)lround(60.0 / p->hr_override * 1024.0);
                }
                h.hr_uint16 = p->hr16;
                p->last_hr_bpm = h.heart_rate_bpm;
                r = hrs_encode_measurement(&h, buf, sizeof(buf), &len);
        }
        if (r >= 0)
                gatt_char_notify(&p->chars[CHAR_HR_MEASUREMENT], buf, len);
        else
                peripheral_log("warning: cannot encode heart rate: %s", strerror(-r));

        r = sd_event_source_set_time(s,
                                     usec + paced_clock_span_to_real(&p->clock, HR_INTERVAL_USEC));
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

int machine_start(Peripheral *p)
{
        int r;

        r = sd_event_add_time(
                p->event, &p->data_timer, CLOCK_MONOTONIC,
                paced_clock_to_real(&p->clock, sim_treadmill_next_data_usec(p->treadmill)), 0,
                on_data_timer, p);
        if (r < 0)
                return r;
        return sd_event_add_time_relative(p->event, &p->hr_timer, CLOCK_MONOTONIC,
                                          paced_clock_span_to_real(&p->clock, HR_INTERVAL_USEC), 0,
                                          on_hr_timer, p);
}
