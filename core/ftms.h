/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Fitness Machine Service 1.0 codecs for treadmills. Pure: no I/O, no
 * logging. Parsers return 0 on success or -EBADMSG for a payload that cannot
 * be decoded at all (for Treadmill Data: shorter than its flags, or cut
 * before the first field they announce); oddities the spec tolerates
 * (truncation at the MTU after some fields, RFU bits, trailing bytes, vendor
 * "not available" sentinels) are decoded and reported in the result instead
 * of rejected.
 *
 * One header for the service, one source per characteristic
 * (ftms-treadmill-data.c, ftms-feature.c with the two ranges, ftms-status.c
 * with Training and Machine Status, ftms-control-point.c), sharing the
 * parameter codec of ftms-param.h: the op codes and result codes are one
 * vocabulary (a Machine Status op echoes a Control Point op), and every
 * user (transport, decoder, simulator, peripheral) speaks several of them.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FTMS_UUID_SERVICE         0x1826
#define FTMS_UUID_FEATURE         0x2ACC
#define FTMS_UUID_TREADMILL_DATA  0x2ACD
#define FTMS_UUID_TRAINING_STATUS 0x2AD3
#define FTMS_UUID_SPEED_RANGE     0x2AD4
#define FTMS_UUID_INCLINE_RANGE   0x2AD5
#define FTMS_UUID_CONTROL_POINT   0x2AD9
#define FTMS_UUID_MACHINE_STATUS  0x2ADA

/* ---- Treadmill Data (0x2ACD) ---- */

typedef enum FtmsField {
        FTMS_FIELD_SPEED,
        FTMS_FIELD_AVG_SPEED,
        FTMS_FIELD_DISTANCE,
        FTMS_FIELD_INCLINE,
        FTMS_FIELD_RAMP_ANGLE,
        FTMS_FIELD_ELEV_POS,
        FTMS_FIELD_ELEV_NEG,
        FTMS_FIELD_INST_PACE,
        FTMS_FIELD_AVG_PACE,
        FTMS_FIELD_ENERGY_TOTAL,
        FTMS_FIELD_ENERGY_PER_HOUR,
        FTMS_FIELD_ENERGY_PER_MIN,
        FTMS_FIELD_HEART_RATE,
        FTMS_FIELD_MET,
        FTMS_FIELD_ELAPSED,
        FTMS_FIELD_REMAINING,
        FTMS_FIELD_FORCE,
        FTMS_FIELD_POWER,
        _FTMS_FIELD_MAX,
        _FTMS_FIELD_INVALID = -EINVAL,
} FtmsField;

#define FTMS_FIELD_BIT(f) (UINT32_C(1) << (f))

typedef struct FtmsTreadmillData {
        uint16_t flags;   /* flags of the last packet (merged: OR of all packets) */
        uint32_t present; /* FTMS_FIELD_BIT() of every decoded field */
        uint32_t na;      /* fields holding the "not available" sentinel */
        bool more_data;   /* flags bit 0 of the (last) packet */

        double speed_kmh;       /* uint16, 0.01 km/h */
        double avg_speed_kmh;   /* uint16, 0.01 km/h */
        uint32_t distance_m;    /* uint24, 1 m */
        double incline_pct;     /* sint16, 0.1 % */
        double ramp_deg;        /* sint16, 0.1 degree */
        double elev_pos_m;      /* uint16, 0.1 m */
        double elev_neg_m;      /* uint16, 0.1 m */
        double inst_pace_kmmin; /* uint8, 0.1 km/min (FTMS v1.0) */
        double avg_pace_kmmin;  /* uint8, 0.1 km/min */
        uint16_t energy_total_kcal;
        uint16_t energy_per_hour_kcal;
        uint8_t energy_per_min_kcal;
        uint8_t heart_rate_bpm;
        double met; /* uint8, 0.1 */
        uint16_t elapsed_s;
        uint16_t remaining_s;
        int16_t force_n;
        int16_t power_w;

        bool truncated;        /* flags promised fields that did not arrive */
        size_t dangling_bytes; /* bytes of a field that arrived only in part */
        size_t trailing_bytes; /* bytes left after every announced field */
        uint16_t rfu_bits;     /* flag bits 13-15 that were set */
} FtmsTreadmillData;

const char *ftms_field_to_string(FtmsField f);
/* The value of one field in its unit (km/h, m, %, ...), NAN for an invalid f. */
double ftms_treadmill_field_value(const FtmsTreadmillData *d, FtmsField f);
/* Sets one field's value and its present bit (clears its na bit). */
void ftms_treadmill_field_set(FtmsTreadmillData *d, FtmsField f, double v);

int ftms_parse_treadmill_data(const uint8_t *buf, size_t len, FtmsTreadmillData *ret);

/*
 * Encodes the fields in d->present (flag bits derived from it; bit 0 set when
 * speed is absent and more_data is requested). Used by the simulator and the
 * virtual peripheral. -ENOBUFS if the buffer is too small.
 */
int ftms_encode_treadmill_data(const FtmsTreadmillData *d, uint8_t *buf, size_t size,
                               size_t *ret_len);

/*
 * Reassembles records split over several notifications with the More Data
 * bit: fields are merged until a packet with bit 0 = 0 (speed present)
 * arrives. Returns 1 and fills *ret when a record is complete, 0 while
 * waiting for more, negative errno on a malformed packet (the pending record
 * is dropped).
 */
typedef struct FtmsTreadmillAssembler {
        FtmsTreadmillData pending;
        unsigned n_packets;
} FtmsTreadmillAssembler;

void ftms_treadmill_assembler_reset(FtmsTreadmillAssembler *a);
int ftms_treadmill_assembler_push(FtmsTreadmillAssembler *a, const uint8_t *buf, size_t len,
                                  FtmsTreadmillData *ret);

/* ---- Fitness Machine Feature (0x2ACC) ---- */

#define FTMS_FEATURE_AVG_SPEED       (UINT32_C(1) << 0)
#define FTMS_FEATURE_TOTAL_DISTANCE  (UINT32_C(1) << 2)
#define FTMS_FEATURE_INCLINATION     (UINT32_C(1) << 3)
#define FTMS_FEATURE_ELEVATION_GAIN  (UINT32_C(1) << 4)
#define FTMS_FEATURE_PACE            (UINT32_C(1) << 5)
#define FTMS_FEATURE_EXPENDED_ENERGY (UINT32_C(1) << 9)
#define FTMS_FEATURE_HEART_RATE      (UINT32_C(1) << 10)
#define FTMS_FEATURE_ELAPSED_TIME    (UINT32_C(1) << 12)
#define FTMS_TARGET_SPEED            (UINT32_C(1) << 0)
#define FTMS_TARGET_INCLINATION      (UINT32_C(1) << 1)

typedef struct FtmsFeature {
        uint32_t machine; /* Fitness Machine Features */
        uint32_t target;  /* Target Setting Features */
        size_t trailing_bytes;
} FtmsFeature;

int ftms_parse_feature(const uint8_t *buf, size_t len, FtmsFeature *ret);
int ftms_encode_feature(const FtmsFeature *f, uint8_t *buf, size_t size, size_t *ret_len);
/* Name of a feature bit (machine == true: Fitness Machine Features), NULL for RFU. */
const char *ftms_feature_bit_to_string(bool machine, unsigned bit);

/* ---- Supported Speed Range (0x2AD4) and Inclination Range (0x2AD5) ---- */

typedef struct FtmsRange {
        double min; /* km/h or % */
        double max;
        double increment;
} FtmsRange;

int ftms_parse_speed_range(const uint8_t *buf, size_t len, FtmsRange *ret);
int ftms_parse_incline_range(const uint8_t *buf, size_t len, FtmsRange *ret);
int ftms_encode_speed_range(const FtmsRange *r, uint8_t *buf, size_t size, size_t *ret_len);
int ftms_encode_incline_range(const FtmsRange *r, uint8_t *buf, size_t size, size_t *ret_len);

/* ---- Training Status (0x2AD3) ---- */

typedef enum FtmsTrainingStatusCode {
        FTMS_TRAINING_OTHER = 0x00,
        FTMS_TRAINING_IDLE = 0x01,
        FTMS_TRAINING_WARMING_UP = 0x02,
        FTMS_TRAINING_LOW_INTENSITY = 0x03,
        FTMS_TRAINING_HIGH_INTENSITY = 0x04,
        FTMS_TRAINING_RECOVERY = 0x05,
        FTMS_TRAINING_ISOMETRIC = 0x06,
        FTMS_TRAINING_HEART_RATE_CONTROL = 0x07,
        FTMS_TRAINING_FITNESS_TEST = 0x08,
        FTMS_TRAINING_SPEED_LOW = 0x09,
        FTMS_TRAINING_SPEED_HIGH = 0x0A,
        FTMS_TRAINING_COOL_DOWN = 0x0B,
        FTMS_TRAINING_WATT_CONTROL = 0x0C,
        FTMS_TRAINING_MANUAL_MODE = 0x0D,
        FTMS_TRAINING_PRE_WORKOUT = 0x0E,
        FTMS_TRAINING_POST_WORKOUT = 0x0F,
} FtmsTrainingStatusCode;

typedef struct FtmsTrainingStatus {
        uint8_t flags;
        uint8_t status;
        char string[64];       /* NUL-terminated, truncated if longer */
        bool string_missing;   /* flags claim a string but none follows (FitShow quirk) */
        bool extended_string;  /* flags bit 1: the rest is in the Extended String (long read) */
        size_t trailing_bytes; /* bytes after the status when the flags announce no string */
} FtmsTrainingStatus;

const char *ftms_training_status_to_string(uint8_t status); /* NULL for RFU */
int ftms_parse_training_status(const uint8_t *buf, size_t len, FtmsTrainingStatus *ret);
int ftms_encode_training_status(const FtmsTrainingStatus *s, uint8_t *buf, size_t size,
                                size_t *ret_len);

/* ---- Fitness Machine Status (0x2ADA) ---- */

typedef enum FtmsStatusOp {
        FTMS_STATUS_RESET = 0x01,
        FTMS_STATUS_STOPPED_OR_PAUSED = 0x02,
        FTMS_STATUS_STOPPED_SAFETY_KEY = 0x03,
        FTMS_STATUS_STARTED_OR_RESUMED = 0x04,
        FTMS_STATUS_TARGET_SPEED_CHANGED = 0x05,
        FTMS_STATUS_TARGET_INCLINE_CHANGED = 0x06,
        FTMS_STATUS_TARGET_RESISTANCE_CHANGED = 0x07,
        FTMS_STATUS_TARGET_POWER_CHANGED = 0x08,
        FTMS_STATUS_TARGET_HR_CHANGED = 0x09,
        FTMS_STATUS_TARGETED_ENERGY_CHANGED = 0x0A,
        FTMS_STATUS_TARGETED_STEPS_CHANGED = 0x0B,
        FTMS_STATUS_TARGETED_STRIDES_CHANGED = 0x0C,
        FTMS_STATUS_TARGETED_DISTANCE_CHANGED = 0x0D,
        FTMS_STATUS_TARGETED_TIME_CHANGED = 0x0E,
        FTMS_STATUS_TARGETED_TIME_2ZONES_CHANGED = 0x0F,
        FTMS_STATUS_TARGETED_TIME_3ZONES_CHANGED = 0x10,
        FTMS_STATUS_TARGETED_TIME_5ZONES_CHANGED = 0x11,
        FTMS_STATUS_BIKE_SIM_CHANGED = 0x12,
        FTMS_STATUS_WHEEL_CIRCUMFERENCE_CHANGED = 0x13,
        FTMS_STATUS_SPIN_DOWN = 0x14,
        FTMS_STATUS_TARGETED_CADENCE_CHANGED = 0x15,
        FTMS_STATUS_CONTROL_PERMISSION_LOST = 0xFF,
} FtmsStatusOp;

#define FTMS_STOP_PARAM_STOP  0x01
#define FTMS_STOP_PARAM_PAUSE 0x02

typedef struct FtmsMachineStatus {
        uint8_t op;
        bool known;             /* op is defined by FTMS 1.0 */
        uint8_t stop_pause;     /* STOPPED_OR_PAUSED: FTMS_STOP_PARAM_* */
        double value;           /* target speed km/h, incline %, resistance, power W, HR bpm,
                                 * energy cal, steps, strides, distance m, time s, cadence rpm,
                                 * wheel circumference mm, spin-down status, per op */
        uint16_t zone_times[5]; /* TARGETED_TIME_{2,3,5}ZONES */
        size_t n_zone_times;
        uint8_t raw_param[16]; /* parameter bytes as sent (e.g. bike simulation) */
        size_t n_raw_param;
        size_t trailing_bytes; /* after the defined parameter, or all of an RFU op's bytes */
} FtmsMachineStatus;

const char *ftms_status_op_to_string(uint8_t op); /* NULL for RFU */
/*
 * The control-point op whose parameter a "target changed" status op echoes
 * (0x05 Target Speed Changed -> 0x02 Set Target Speed, ...), -EINVAL for
 * status ops that echo no request.
 */
int ftms_status_op_to_cp_op(uint8_t status_op);
int ftms_parse_machine_status(const uint8_t *buf, size_t len, FtmsMachineStatus *ret);
int ftms_encode_machine_status(const FtmsMachineStatus *s, uint8_t *buf, size_t size,
                               size_t *ret_len);

/* ---- Fitness Machine Control Point (0x2AD9) ---- */

typedef enum FtmsCpOp {
        FTMS_CP_REQUEST_CONTROL = 0x00,
        FTMS_CP_RESET = 0x01,
        FTMS_CP_SET_TARGET_SPEED = 0x02,
        FTMS_CP_SET_TARGET_INCLINATION = 0x03,
        FTMS_CP_SET_TARGET_RESISTANCE = 0x04,
        FTMS_CP_SET_TARGET_POWER = 0x05,
        FTMS_CP_SET_TARGET_HEART_RATE = 0x06,
        FTMS_CP_START_OR_RESUME = 0x07,
        FTMS_CP_STOP_OR_PAUSE = 0x08,
        FTMS_CP_SET_TARGETED_ENERGY = 0x09,
        FTMS_CP_SET_TARGETED_STEPS = 0x0A,
        FTMS_CP_SET_TARGETED_STRIDES = 0x0B,
        FTMS_CP_SET_TARGETED_DISTANCE = 0x0C,
        FTMS_CP_SET_TARGETED_TIME = 0x0D,
        FTMS_CP_SET_TARGETED_TIME_2ZONES = 0x0E,
        FTMS_CP_SET_TARGETED_TIME_3ZONES = 0x0F,
        FTMS_CP_SET_TARGETED_TIME_5ZONES = 0x10,
        FTMS_CP_SET_BIKE_SIM = 0x11,
        FTMS_CP_SET_WHEEL_CIRCUMFERENCE = 0x12,
        FTMS_CP_SPIN_DOWN_CONTROL = 0x13,
        FTMS_CP_SET_TARGETED_CADENCE = 0x14,
        FTMS_CP_RESPONSE_CODE = 0x80,
} FtmsCpOp;

typedef enum FtmsCpResult {
        FTMS_RESULT_SUCCESS = 0x01,
        FTMS_RESULT_NOT_SUPPORTED = 0x02,
        FTMS_RESULT_INVALID_PARAMETER = 0x03,
        FTMS_RESULT_OPERATION_FAILED = 0x04,
        FTMS_RESULT_CONTROL_NOT_PERMITTED = 0x05,
} FtmsCpResult;

#define FTMS_CP_MAX_LEN 20

/* A control-point request as written by a client (or received by a server). */
typedef struct FtmsCpRequest {
        uint8_t op;
        double value;                       /* speed km/h, incline %, ..., per op */
        uint8_t stop_pause;                 /* STOP_OR_PAUSE */
        uint8_t raw_param[FTMS_CP_MAX_LEN]; /* parameter bytes as sent */
        size_t n_raw_param;
        size_t trailing_bytes;
} FtmsCpRequest;

typedef struct FtmsCpResponse {
        uint8_t request_op;
        uint8_t result;
        uint8_t param[FTMS_CP_MAX_LEN];
        size_t n_param;
} FtmsCpResponse;

const char *ftms_cp_op_to_string(uint8_t op);         /* NULL for RFU */
const char *ftms_cp_result_to_string(uint8_t result); /* NULL for RFU */

/*
 * Encoders send exactly the defined length. Speed and incline are rounded to
 * the field's resolution; out-of-range values for the wire type give -ERANGE,
 * NaN/inf give -EINVAL.
 */
int ftms_cp_encode_request_control(uint8_t *buf, size_t size, size_t *ret_len);
int ftms_cp_encode_reset(uint8_t *buf, size_t size, size_t *ret_len);
int ftms_cp_encode_set_target_speed(double kmh, uint8_t *buf, size_t size, size_t *ret_len);
int ftms_cp_encode_set_target_incline(double pct, uint8_t *buf, size_t size, size_t *ret_len);
int ftms_cp_encode_start_resume(uint8_t *buf, size_t size, size_t *ret_len);
int ftms_cp_encode_stop_pause(uint8_t stop_pause, uint8_t *buf, size_t size, size_t *ret_len);

int ftms_cp_parse_request(const uint8_t *buf, size_t len, FtmsCpRequest *ret);
int ftms_cp_parse_response(const uint8_t *buf, size_t len, FtmsCpResponse *ret);
int ftms_cp_encode_response(const FtmsCpResponse *r, uint8_t *buf, size_t size, size_t *ret_len);

/* "0000xxxx-0000-1000-8000-00805f9b34fb" <-> 0xxxxx; -EINVAL if not a SIG base UUID. */
int bt_uuid16_from_string(const char *s, uint16_t *ret);
void bt_uuid16_to_string(uint16_t uuid, char buf[static 37]);
