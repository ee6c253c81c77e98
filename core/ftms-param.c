/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>

#include "ftms-param.h"
#include "ftms.h"
#include "util.h"

static const FtmsParamKind cp_param_table[] = {
        [FTMS_CP_REQUEST_CONTROL] = FTMS_PARAM_NONE,
        [FTMS_CP_RESET] = FTMS_PARAM_NONE,
        [FTMS_CP_SET_TARGET_SPEED] = FTMS_PARAM_SPEED,
        [FTMS_CP_SET_TARGET_INCLINATION] = FTMS_PARAM_INCLINE,
        [FTMS_CP_SET_TARGET_RESISTANCE] = FTMS_PARAM_RESISTANCE,
        [FTMS_CP_SET_TARGET_POWER] = FTMS_PARAM_POWER,
        [FTMS_CP_SET_TARGET_HEART_RATE] = FTMS_PARAM_U8,
        [FTMS_CP_START_OR_RESUME] = FTMS_PARAM_NONE,
        [FTMS_CP_STOP_OR_PAUSE] = FTMS_PARAM_STOP_PAUSE,
        [FTMS_CP_SET_TARGETED_ENERGY] = FTMS_PARAM_U16,
        [FTMS_CP_SET_TARGETED_STEPS] = FTMS_PARAM_U16,
        [FTMS_CP_SET_TARGETED_STRIDES] = FTMS_PARAM_U16,
        [FTMS_CP_SET_TARGETED_DISTANCE] = FTMS_PARAM_U24,
        [FTMS_CP_SET_TARGETED_TIME] = FTMS_PARAM_U16,
        [FTMS_CP_SET_TARGETED_TIME_2ZONES] = FTMS_PARAM_ZONES2,
        [FTMS_CP_SET_TARGETED_TIME_3ZONES] = FTMS_PARAM_ZONES3,
        [FTMS_CP_SET_TARGETED_TIME_5ZONES] = FTMS_PARAM_ZONES5,
        [FTMS_CP_SET_BIKE_SIM] = FTMS_PARAM_BIKE_SIM,
        [FTMS_CP_SET_WHEEL_CIRCUMFERENCE] = FTMS_PARAM_WHEEL,
        [FTMS_CP_SPIN_DOWN_CONTROL] = FTMS_PARAM_U8,
        [FTMS_CP_SET_TARGETED_CADENCE] = FTMS_PARAM_CADENCE,
};

FtmsParamKind ftms_cp_param_kind(uint8_t op)
{
        if (op >= ELEMENTSOF(cp_param_table))
                return _FTMS_PARAM_INVALID;
        return cp_param_table[op];
}

size_t ftms_param_size(FtmsParamKind k)
{
        switch (k) {
        case FTMS_PARAM_NONE:
                return 0;
        case FTMS_PARAM_STOP_PAUSE:
        case FTMS_PARAM_RESISTANCE:
        case FTMS_PARAM_U8:
                return 1;
        case FTMS_PARAM_SPEED:
        case FTMS_PARAM_INCLINE:
        case FTMS_PARAM_POWER:
        case FTMS_PARAM_U16:
        case FTMS_PARAM_WHEEL:
        case FTMS_PARAM_CADENCE:
                return 2;
        case FTMS_PARAM_U24:
                return 3;
        case FTMS_PARAM_ZONES2:
                return 4;
        case FTMS_PARAM_ZONES3:
                return 6;
        case FTMS_PARAM_ZONES5:
                return 10;
        case FTMS_PARAM_BIKE_SIM:
                return 6;
        case _FTMS_PARAM_MAX:
        case _FTMS_PARAM_INVALID:
                break;
        }
        return 0;
}

static size_t zone_count(FtmsParamKind k)
{
        return k == FTMS_PARAM_ZONES2 ? 2 : k == FTMS_PARAM_ZONES3 ? 3 : 5;
}

int ftms_param_pull(FtmsParamKind k, LeCursor *c, FtmsParam *ret)
{
        FtmsParam p = {};
        uint8_t u8;
        uint16_t u16;
        int16_t s16;
        uint32_t u24;
        int r = 0;

        if (le_cursor_remaining(c) < ftms_param_size(k))
                return -EBADMSG;

        switch (k) {
        case FTMS_PARAM_NONE:
                break;
        case FTMS_PARAM_STOP_PAUSE:
                r = le_cursor_pull_u8(c, &p.stop_pause);
                p.value = p.stop_pause;
                break;
        case FTMS_PARAM_SPEED:
                r = le_cursor_pull_u16(c, &u16);
                p.value = u16 * 0.01;
                break;
        case FTMS_PARAM_INCLINE:
                r = le_cursor_pull_s16(c, &s16);
                p.value = s16 * 0.1;
                break;
        case FTMS_PARAM_RESISTANCE:
                r = le_cursor_pull_u8(c, &u8);
                p.value = u8 * 0.1;
                break;
        case FTMS_PARAM_POWER:
                r = le_cursor_pull_s16(c, &s16);
                p.value = s16;
                break;
        case FTMS_PARAM_U8:
                r = le_cursor_pull_u8(c, &u8);
                p.value = u8;
                break;
        case FTMS_PARAM_U16:
                r = le_cursor_pull_u16(c, &u16);
                p.value = u16;
                break;
        case FTMS_PARAM_U24:
                r = le_cursor_pull_u24(c, &u24);
                p.value = u24;
                break;
        case FTMS_PARAM_ZONES2:
        case FTMS_PARAM_ZONES3:
        case FTMS_PARAM_ZONES5:
                p.n_zone_times = zone_count(k);
                for (size_t i = 0; r >= 0 && i < p.n_zone_times; i++)
                        r = le_cursor_pull_u16(c, &p.zone_times[i]);
                break;
        case FTMS_PARAM_BIKE_SIM:
                /* Value: the grade (sint16, 0.01 %), the one a treadmill user would recognise. */
                r = le_cursor_pull_s16(c, &s16);
                if (r >= 0)
                        r = le_cursor_pull_s16(c, &s16);
                p.value = s16 * 0.01;
                if (r >= 0)
                        r = le_cursor_pull_bytes(c, NULL, 2);
                break;
        case FTMS_PARAM_WHEEL:
                r = le_cursor_pull_u16(c, &u16);
                p.value = u16 * 0.1;
                break;
        case FTMS_PARAM_CADENCE:
                r = le_cursor_pull_u16(c, &u16);
                p.value = u16 * 0.5;
                break;
        case _FTMS_PARAM_MAX:
        case _FTMS_PARAM_INVALID:
        default:
                return -EBADMSG;
        }
        if (r < 0)
                return r;
        *ret = p;
        return 0;
}

int ftms_scale_to_raw(double v, double resolution, double lo, double hi, int32_t *ret)
{
        if (!isfinite(v))
                return -EINVAL;
        v = round(v / resolution);
        if (v < lo || v > hi)
                return -ERANGE;
        *ret = (int32_t)v;
        return 0;
}

int ftms_param_put(FtmsParamKind k, const FtmsParam *p, LeWriter *w)
{
        int32_t raw;
        int r;

        switch (k) {
        case FTMS_PARAM_NONE:
                return 0;
        case FTMS_PARAM_STOP_PAUSE:
                return le_writer_put_u8(w, p->stop_pause);
        case FTMS_PARAM_SPEED:
                r = ftms_scale_to_raw(p->value, 0.01, 0, UINT16_MAX, &raw);
                return r < 0 ? r : le_writer_put_u16(w, (uint16_t)raw);
        case FTMS_PARAM_INCLINE:
                r = ftms_scale_to_raw(p->value, 0.1, INT16_MIN, INT16_MAX, &raw);
                return r < 0 ? r : le_writer_put_s16(w, (int16_t)raw);
        case FTMS_PARAM_RESISTANCE:
                r = ftms_scale_to_raw(p->value, 0.1, 0, UINT8_MAX, &raw);
                return r < 0 ? r : le_writer_put_u8(w, (uint8_t)raw);
        case FTMS_PARAM_POWER:
                r = ftms_scale_to_raw(p->value, 1, INT16_MIN, INT16_MAX, &raw);
                return r < 0 ? r : le_writer_put_s16(w, (int16_t)raw);
        case FTMS_PARAM_U8:
                r = ftms_scale_to_raw(p->value, 1, 0, UINT8_MAX, &raw);
                return r < 0 ? r : le_writer_put_u8(w, (uint8_t)raw);
        case FTMS_PARAM_U16:
                r = ftms_scale_to_raw(p->value, 1, 0, UINT16_MAX, &raw);
                return r < 0 ? r : le_writer_put_u16(w, (uint16_t)raw);
        case FTMS_PARAM_U24:
                r = ftms_scale_to_raw(p->value, 1, 0, 0xFFFFFF, &raw);
                return r < 0 ? r : le_writer_put_u24(w, (uint32_t)raw);
        case FTMS_PARAM_ZONES2:
        case FTMS_PARAM_ZONES3:
        case FTMS_PARAM_ZONES5:
                r = 0;
                for (size_t i = 0; r >= 0 && i < zone_count(k); i++)
                        r = le_writer_put_u16(w, p->zone_times[i]);
                return r;
        case FTMS_PARAM_BIKE_SIM:
                r = ftms_scale_to_raw(p->value, 0.01, INT16_MIN, INT16_MAX, &raw);
                if (r < 0)
                        return r;
                r = le_writer_put_s16(w, 0);
                if (r >= 0)
                        r = le_writer_put_s16(w, (int16_t)raw);
                if (r >= 0)
                        r = le_writer_put_u16(w, 0);
                return r;
        case FTMS_PARAM_WHEEL:
                r = ftms_scale_to_raw(p->value, 0.1, 0, UINT16_MAX, &raw);
                return r < 0 ? r : le_writer_put_u16(w, (uint16_t)raw);
        case FTMS_PARAM_CADENCE:
                r = ftms_scale_to_raw(p->value, 0.5, 0, UINT16_MAX, &raw);
                return r < 0 ? r : le_writer_put_u16(w, (uint16_t)raw);
        case _FTMS_PARAM_MAX:
        case _FTMS_PARAM_INVALID:
                break;
        }
        return -EINVAL;
}
