/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "ftms-param.h"
#include "ftms.h"
#include "string-table.h"
#include "util.h"

static const char *const ftms_training_status_table[] = {
        [FTMS_TRAINING_OTHER] = "other",
        [FTMS_TRAINING_IDLE] = "idle",
        [FTMS_TRAINING_WARMING_UP] = "warming-up",
        [FTMS_TRAINING_LOW_INTENSITY] = "low-intensity-interval",
        [FTMS_TRAINING_HIGH_INTENSITY] = "high-intensity-interval",
        [FTMS_TRAINING_RECOVERY] = "recovery-interval",
        [FTMS_TRAINING_ISOMETRIC] = "isometric",
        [FTMS_TRAINING_HEART_RATE_CONTROL] = "heart-rate-control",
        [FTMS_TRAINING_FITNESS_TEST] = "fitness-test",
        [FTMS_TRAINING_SPEED_LOW] = "speed-outside-control-region-low",
        [FTMS_TRAINING_SPEED_HIGH] = "speed-outside-control-region-high",
        [FTMS_TRAINING_COOL_DOWN] = "cool-down",
        [FTMS_TRAINING_WATT_CONTROL] = "watt-control",
        [FTMS_TRAINING_MANUAL_MODE] = "manual-mode",
        [FTMS_TRAINING_PRE_WORKOUT] = "pre-workout",
        [FTMS_TRAINING_POST_WORKOUT] = "post-workout",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(ftms_training_status, uint8_t);

#define FTMS_TS_FLAG_STRING          0x01
#define FTMS_TS_FLAG_EXTENDED_STRING 0x02

/*
 * FTMS v1.0, 4.10 Training Status: "Flags field (uint8): bit 0 Training
 * Status String present, bit 1 Extended String present; Training Status
 * field (uint8); Training Status String (utf8s), present if bit 0 is set."
 * The string runs to the end of the value. A FitShow treadmill sends
 * "01 01": the flag claims a string but none follows; that is an empty
 * string (string_missing), not an error. Bytes after the status when no
 * string is announced are reported in trailing_bytes.
 */
int ftms_parse_training_status(const uint8_t *buf, size_t len, FtmsTrainingStatus *ret)
{
        LeCursor c = le_cursor_init(buf, len);
        FtmsTrainingStatus s = {};
        size_t n;
        int r;

        r = le_cursor_pull_u8(&c, &s.flags);
        if (r >= 0)
                r = le_cursor_pull_u8(&c, &s.status);
        if (r < 0)
                return r;
        s.extended_string = s.flags & FTMS_TS_FLAG_EXTENDED_STRING;

        n = le_cursor_remaining(&c);
        if (!(s.flags & FTMS_TS_FLAG_STRING)) {
                s.trailing_bytes = n;
                *ret = s;
                return 0;
        }
        if (n == 0)
                s.string_missing = true;
        /* Copy up to the first NUL; the string is not terminated on the wire. */
        n = MIN(n, sizeof(s.string) - 1);
        for (size_t i = 0; i < n && c.data[c.off + i] != '\0'; i++)
                s.string[i] = (char)c.data[c.off + i];

        *ret = s;
        return 0;
}

int ftms_encode_training_status(const FtmsTrainingStatus *s, uint8_t *buf, size_t size,
                                size_t *ret_len)
{
        LeWriter w = le_writer_init(buf, size);
        size_t n = strnlen(s->string, sizeof(s->string));
        uint8_t flags = n > 0 ? FTMS_TS_FLAG_STRING : 0;
        int r;

        if (size < 2 + n)
                return -ENOBUFS;
        r = le_writer_put_u8(&w, flags);
        if (r >= 0)
                r = le_writer_put_u8(&w, s->status);
        if (r >= 0)
                r = le_writer_put_bytes(&w, s->string, n);
        if (r < 0)
                return r;
        *ret_len = w.off;
        return 0;
}

static const char *const status_op_table[] = {
        [FTMS_STATUS_RESET] = "reset",
        [FTMS_STATUS_STOPPED_OR_PAUSED] = "stopped-or-paused-by-user",
        [FTMS_STATUS_STOPPED_SAFETY_KEY] = "stopped-by-safety-key",
        [FTMS_STATUS_STARTED_OR_RESUMED] = "started-or-resumed-by-user",
        [FTMS_STATUS_TARGET_SPEED_CHANGED] = "target-speed-changed",
        [FTMS_STATUS_TARGET_INCLINE_CHANGED] = "target-incline-changed",
        [FTMS_STATUS_TARGET_RESISTANCE_CHANGED] = "target-resistance-level-changed",
        [FTMS_STATUS_TARGET_POWER_CHANGED] = "target-power-changed",
        [FTMS_STATUS_TARGET_HR_CHANGED] = "target-heart-rate-changed",
        [FTMS_STATUS_TARGETED_ENERGY_CHANGED] = "targeted-expended-energy-changed",
        [FTMS_STATUS_TARGETED_STEPS_CHANGED] = "targeted-number-of-steps-changed",
        [FTMS_STATUS_TARGETED_STRIDES_CHANGED] = "targeted-number-of-strides-changed",
        [FTMS_STATUS_TARGETED_DISTANCE_CHANGED] = "targeted-distance-changed",
        [FTMS_STATUS_TARGETED_TIME_CHANGED] = "targeted-training-time-changed",
        [FTMS_STATUS_TARGETED_TIME_2ZONES_CHANGED] = "targeted-time-in-two-hr-zones-changed",
        [FTMS_STATUS_TARGETED_TIME_3ZONES_CHANGED] = "targeted-time-in-three-hr-zones-changed",
        [FTMS_STATUS_TARGETED_TIME_5ZONES_CHANGED] = "targeted-time-in-five-hr-zones-changed",
        [FTMS_STATUS_BIKE_SIM_CHANGED] = "indoor-bike-simulation-parameters-changed",
        [FTMS_STATUS_WHEEL_CIRCUMFERENCE_CHANGED] = "wheel-circumference-changed",
        [FTMS_STATUS_SPIN_DOWN] = "spin-down-status",
        [FTMS_STATUS_TARGETED_CADENCE_CHANGED] = "targeted-cadence-changed",
};

const char *ftms_status_op_to_string(uint8_t op)
{
        if (op == FTMS_STATUS_CONTROL_PERMISSION_LOST)
                return "control-permission-lost";
        if (op >= ELEMENTSOF(status_op_table))
                return NULL;
        return status_op_table[op];
}

/*
 * Status ops 0x05-0x09 echo control-point ops 0x02-0x06; 0x0A-0x15 echo
 * 0x09-0x14 (the control point has Start 0x07 and Stop 0x08 in between).
 */
int ftms_status_op_to_cp_op(uint8_t status_op)
{
        if (status_op >= FTMS_STATUS_TARGET_SPEED_CHANGED &&
            status_op <= FTMS_STATUS_TARGET_HR_CHANGED)
                return status_op - 3;
        if (status_op >= FTMS_STATUS_TARGETED_ENERGY_CHANGED &&
            status_op <= FTMS_STATUS_TARGETED_CADENCE_CHANGED)
                return status_op - 1;
        return -EINVAL;
}

static FtmsParamKind status_param_kind(uint8_t op)
{
        int cp_op;

        switch (op) {
        case FTMS_STATUS_RESET:
        case FTMS_STATUS_STOPPED_SAFETY_KEY:
        case FTMS_STATUS_STARTED_OR_RESUMED:
        case FTMS_STATUS_CONTROL_PERMISSION_LOST:
                return FTMS_PARAM_NONE;
        case FTMS_STATUS_STOPPED_OR_PAUSED:
                return FTMS_PARAM_STOP_PAUSE;
        default:
                cp_op = ftms_status_op_to_cp_op(op);
                if (cp_op < 0)
                        return _FTMS_PARAM_INVALID;
                return ftms_cp_param_kind((uint8_t)cp_op);
        }
}

/*
 * FTMS v1.0, 4.17 Fitness Machine Status: "Op Code (uint8), Parameter (if
 * any)": 0x01 Reset; 0x02 Fitness Machine Stopped or Paused by the User
 * (uint8: 0x01 stop, 0x02 pause); 0x03 Stopped by Safety Key; 0x04 Started
 * or Resumed by the User; 0x05 Target Speed Changed (uint16, 0.01 km/h);
 * 0x06 Target Incline Changed (sint16, 0.1 %); 0x07 Target Resistance
 * Level Changed (uint8, 0.1); 0x08 Target Power Changed (sint16, W); 0x09
 * Target Heart Rate Changed (uint8, bpm); 0x0A Targeted Expended Energy
 * Changed (uint16, cal); 0x0B/0x0C Targeted Number of Steps/Strides Changed
 * (uint16); 0x0D Targeted Distance Changed (uint24, m); 0x0E Targeted
 * Training Time Changed (uint16, s); 0x0F/0x10/0x11 Targeted Time in 2/3/5
 * Heart Rate Zones Changed (2/3/5 x uint16, s); 0x12 Indoor Bike Simulation
 * Parameters Changed; 0x13 Wheel Circumference Changed (uint16, 0.1 mm);
 * 0x14 Spin Down Status (uint8); 0x15 Targeted Cadence Changed (uint16,
 * 0.5 rpm); 0xFF Control Permission Lost."
 * A missing parameter is malformed, except for "stopped or paused", which is
 * accepted with stop_pause = 0: a machine that says its belt stopped must be
 * heard even when it omits the detail. RFU op codes decode with known =
 * false and their bytes in trailing_bytes.
 */
int ftms_parse_machine_status(const uint8_t *buf, size_t len, FtmsMachineStatus *ret)
{
        LeCursor c = le_cursor_init(buf, len);
        FtmsMachineStatus s = {};
        FtmsParamKind k;
        FtmsParam p = {};
        size_t start;
        int r;

        r = le_cursor_pull_u8(&c, &s.op);
        if (r < 0)
                return r;

        k = status_param_kind(s.op);
        if (k < 0) {
                s.trailing_bytes = le_cursor_remaining(&c);
                *ret = s;
                return 0;
        }
        s.known = true;

        start = c.off;
        if (k == FTMS_PARAM_STOP_PAUSE && le_cursor_remaining(&c) == 0) {
                *ret = s;
                return 0;
        }
        r = ftms_param_pull(k, &c, &p);
        if (r < 0)
                return r;
        s.stop_pause = p.stop_pause;
        s.value = p.value;
        memcpy(s.zone_times, p.zone_times, sizeof(s.zone_times));
        s.n_zone_times = p.n_zone_times;
        s.n_raw_param = c.off - start;
        memcpy(s.raw_param, c.data + start, s.n_raw_param);
        s.trailing_bytes = le_cursor_remaining(&c);

        *ret = s;
        return 0;
}

int ftms_encode_machine_status(const FtmsMachineStatus *s, uint8_t *buf, size_t size,
                               size_t *ret_len)
{
        LeWriter w = le_writer_init(buf, size);
        FtmsParamKind k = status_param_kind(s->op);
        FtmsParam p = {.value = s->value, .stop_pause = s->stop_pause};
        uint8_t scratch[16];
        LeWriter probe = le_writer_init(scratch, sizeof(scratch));
        int r;

        if (k < 0)
                return -EINVAL;
        memcpy(p.zone_times, s->zone_times, sizeof(p.zone_times));
        r = ftms_param_put(k, &p, &probe);
        if (r < 0)
                return r;
        if (size < 1 + probe.off)
                return -ENOBUFS;

        r = le_writer_put_u8(&w, s->op);
        if (r >= 0)
                r = le_writer_put_bytes(&w, scratch, probe.off);
        if (r < 0)
                return r;
        *ret_len = w.off;
        return 0;
}
