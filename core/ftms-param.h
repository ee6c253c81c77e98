/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Parameter layouts shared by the Control Point requests (FTMS v1.0 4.16)
 * and the Fitness Machine Status notifications (4.17): a "target changed" status op carries the
 * parameter of the request it echoes (ftms_status_op_to_cp_op()). Private to the ftms-*.c codecs.
 */

#include <stdint.h>

#include "le-cursor.h"

typedef enum FtmsParamKind {
        FTMS_PARAM_NONE,
        FTMS_PARAM_STOP_PAUSE, /* uint8: 1 stop, 2 pause */
        FTMS_PARAM_SPEED,      /* uint16, 0.01 km/h */
        FTMS_PARAM_INCLINE,    /* sint16, 0.1 % */
        FTMS_PARAM_RESISTANCE, /* uint8, 0.1 */
        FTMS_PARAM_POWER,      /* sint16, 1 W */
        FTMS_PARAM_U8,         /* uint8 (heart rate, spin-down) */
        FTMS_PARAM_U16,        /* uint16 (energy cal, steps, strides, time s) */
        FTMS_PARAM_U24,        /* uint24 distance m */
        FTMS_PARAM_ZONES2,     /* 2 x uint16 s */
        FTMS_PARAM_ZONES3,
        FTMS_PARAM_ZONES5,
        FTMS_PARAM_BIKE_SIM, /* sint16 wind, sint16 grade, uint8 crr, uint8 cw */
        FTMS_PARAM_WHEEL,    /* uint16, 0.1 mm */
        FTMS_PARAM_CADENCE,  /* uint16, 0.5 rpm */
        _FTMS_PARAM_MAX,
        _FTMS_PARAM_INVALID = -EINVAL,
} FtmsParamKind;

typedef struct FtmsParam {
        double value;
        uint8_t stop_pause;
        uint16_t zone_times[5];
        size_t n_zone_times;
} FtmsParam;

/* The parameter of control-point request op, _FTMS_PARAM_INVALID for RFU ops. */
FtmsParamKind ftms_cp_param_kind(uint8_t op);
size_t ftms_param_size(FtmsParamKind k);
/* -EBADMSG when the cursor holds less than the parameter. */
int ftms_param_pull(FtmsParamKind k, LeCursor *c, FtmsParam *ret);
/* -ERANGE when the value does not fit the wire type, -EINVAL for NaN. */
int ftms_param_put(FtmsParamKind k, const FtmsParam *p, LeWriter *w);

/*
 * v counted in steps of resolution, rounded, as a wire integer in [lo, hi]
 * (every encoder's scaling): -EINVAL for NaN or infinity, -ERANGE outside.
 */
int ftms_scale_to_raw(double v, double resolution, double lo, double hi, int32_t *ret);
