/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The FTMS Control Point (0x2AD9) client state machine. Pure: time and
 * decoded events in, commands and results out; no I/O, no logging.
 *
 * Rules it enforces (FTMS 1.0 section 4.16; docs/protocol.md):
 *  - Request Control precedes every other command; it is re-requested after
 *    "Control Permission Lost" (machine status 0xFF), after a "Control Not
 *    Permitted" result and after every reconnect;
 *  - one procedure at a time: a command is written only when the previous
 *    one got its 0x80 response, failed, or timed out (response_timeout);
 *  - bounded retries (timeouts, Operation Failed, write errors), then the
 *    command is dropped and an error result reported; Start or Resume is
 *    never retried (a safety key put back must not start the belt);
 *  - coalescing: a newer target speed (incline) replaces a queued, unsent one;
 *  - monitor-only: when configured, or automatically when the machine does
 *    not support Set Target Speed (feature bit or Op Code Not Supported),
 *    nothing is ever written.
 * Values are in the machine's units (the caller applies calibration and the
 * mph quirk before queueing).
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ftms.h"
#include "transport.h"
#include "util.h"

typedef enum FtmsControlState {
        FTMS_CONTROL_OFFLINE,      /* no link */
        FTMS_CONTROL_NO_CONTROL,   /* linked, control not (yet) requested */
        FTMS_CONTROL_REQUESTING,   /* Request Control in flight */
        FTMS_CONTROL_READY,        /* control granted */
        FTMS_CONTROL_REFUSED,      /* the machine kept refusing control: backing off */
        FTMS_CONTROL_MONITOR_ONLY, /* never writes */
        _FTMS_CONTROL_STATE_MAX,
        _FTMS_CONTROL_STATE_INVALID = -EINVAL,
} FtmsControlState;

/* Why the controller is monitor-only. */
typedef enum FtmsMonitorReason {
        FTMS_MONITOR_NONE,
        FTMS_MONITOR_CONFIGURED,       /* monitor_only = true */
        FTMS_MONITOR_NO_CONTROL_POINT, /* the treadmill has no 0x2AD9 */
        FTMS_MONITOR_NO_SPEED_TARGET,  /* Target Setting Features bit 0 clear */
        FTMS_MONITOR_OP_NOT_SUPPORTED, /* Request Control / Set Target Speed: 0x02 */
        _FTMS_MONITOR_REASON_MAX,
        _FTMS_MONITOR_REASON_INVALID = -EINVAL,
} FtmsMonitorReason;

/* A control-point command: what to write, before encoding. */
typedef struct FtmsControlCommand {
        uint8_t op;         /* FTMS_CP_* */
        double value;       /* SET_TARGET_SPEED: km/h (machine units), SET_TARGET_INCLINATION: % */
        uint8_t stop_pause; /* STOP_OR_PAUSE: FTMS_STOP_PARAM_* */
} FtmsControlCommand;

/* Encodes c with the ftms_cp_encode_*() helpers (exact defined length). */
int ftms_control_command_encode(const FtmsControlCommand *c, uint8_t *buf, size_t size,
                                size_t *ret_len);

/* Outcome of one command, reported once per command. */
typedef enum FtmsControlResultKind {
        FTMS_CONTROL_RESULT_OK,            /* 0x01 Success */
        FTMS_CONTROL_RESULT_NOT_SUPPORTED, /* 0x02 */
        FTMS_CONTROL_RESULT_INVALID_PARAM, /* 0x03 */
        FTMS_CONTROL_RESULT_FAILED,        /* 0x04, after the retries */
        FTMS_CONTROL_RESULT_NOT_PERMITTED, /* 0x05, control could not be regained */
        FTMS_CONTROL_RESULT_TIMEOUT,       /* no response, after the retries */
        FTMS_CONTROL_RESULT_WRITE_FAILED,  /* the GATT write failed, after the retries */
        FTMS_CONTROL_RESULT_RFU,           /* a result code FTMS 1.0 does not define */
        FTMS_CONTROL_RESULT_DROPPED,       /* link lost / monitor-only before it was sent */
        _FTMS_CONTROL_RESULT_KIND_MAX,
        _FTMS_CONTROL_RESULT_KIND_INVALID = -EINVAL,
} FtmsControlResultKind;

typedef struct FtmsControlResult {
        FtmsControlCommand command;
        FtmsControlResultKind kind;
        uint8_t result_code; /* raw FTMS result, 0 if none arrived */
        int error;           /* 0 or negative errno matching kind */
        unsigned attempts;
        uint64_t time_usec;
        char message[160]; /* human-readable, e.g. "Set Target Speed 12.00 km/h: Invalid
                              Parameter (value outside the supported range?)" */
} FtmsControlResult;

/*
 * A change of the control state and why. Every change goes through one
 * place, which hands it to the owner's callback: the core does not log, the
 * daemon does, with the treadmill's address.
 */
typedef struct FtmsControlTransition {
        FtmsControlState from, to;
        uint64_t time_usec;
        const char *reason; /* a static string */
} FtmsControlTransition;

typedef void (*FtmsControlTransitionFn)(const FtmsControlTransition *t, void *userdata);

typedef struct FtmsControlConfig {
        bool monitor_only;
        uint64_t response_timeout_usec; /* default 3 s */
        unsigned max_attempts;          /* per command, default 3 */
        uint64_t refused_backoff_usec;  /* after max_attempts refusals of control, default 10 s */
        FtmsControlTransitionFn on_transition; /* optional: every state change */
        void *userdata;                        /* for on_transition */
} FtmsControlConfig;

void ftms_control_config_init(FtmsControlConfig *c);

typedef struct FtmsControl FtmsControl;

int ftms_control_new(FtmsControl **ret, const FtmsControlConfig *config);
FtmsControl *ftms_control_free(FtmsControl *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(FtmsControl *, ftms_control_free);

/* Link up: control will be requested before the next command. Link down: the queue is dropped. */
void ftms_control_link(FtmsControl *c, uint64_t now, bool up);
/* Feature / ranges read at connect: may switch to monitor-only. */
void ftms_control_set_capabilities(FtmsControl *c, uint64_t now, const TransportCapabilities *caps);

/*
 * Queue commands. Speed/incline coalesce with a queued unsent one. -EPERM in
 * monitor-only mode, -ENOTCONN when offline, -EINVAL for NaN/inf/negative speed.
 */
int ftms_control_set_speed(FtmsControl *c, uint64_t now, double kmh);
int ftms_control_set_incline(FtmsControl *c, uint64_t now, double pct);
int ftms_control_start_resume(FtmsControl *c, uint64_t now);
int ftms_control_stop_pause(FtmsControl *c, uint64_t now, uint8_t stop_pause);
/* Drops queued, unsent commands (the belt stopped: nothing may start it). */
void ftms_control_flush(FtmsControl *c, uint64_t now);
/* Drops queued, unsent commands of one op. */
void ftms_control_cancel(FtmsControl *c, uint64_t now, uint8_t op);
/* Makes sure control is held (requests it if not); no other command. */
int ftms_control_request(FtmsControl *c, uint64_t now);

/* Inputs from the transport. */
void ftms_control_handle_response(FtmsControl *c, uint64_t now, const FtmsCpResponse *r);
void ftms_control_handle_write_failed(FtmsControl *c, uint64_t now, int error);
void ftms_control_permission_lost(FtmsControl *c, uint64_t now);

/* Timeouts and backoff; absolute time at which tick() must run, USEC_INFINITY if none. */
uint64_t ftms_control_next_deadline(const FtmsControl *c);
void ftms_control_tick(FtmsControl *c, uint64_t now);

/*
 * Outputs. pop_write() returns 1 and the command the caller must write now
 * (at most one in flight: it returns 0 until that one is answered), 0 if
 * none. pop_result() returns 1 per finished command.
 */
int ftms_control_pop_write(FtmsControl *c, uint64_t now, FtmsControlCommand *ret);
int ftms_control_pop_result(FtmsControl *c, FtmsControlResult *ret);

FtmsControlState ftms_control_get_state(const FtmsControl *c);
FtmsMonitorReason ftms_control_get_monitor_reason(const FtmsControl *c);
bool ftms_control_has_control(const FtmsControl *c);
bool ftms_control_can_write(const FtmsControl *c); /* not offline, not monitor-only */
bool ftms_control_incline_supported(const FtmsControl *c);
bool ftms_control_busy(const FtmsControl *c); /* something queued or in flight */
bool ftms_control_pending(const FtmsControl *c, uint8_t op);   /* op queued or in flight */
bool ftms_control_in_flight(const FtmsControl *c, uint8_t op); /* op written, unanswered */

const char *ftms_control_state_to_string(FtmsControlState s);
const char *ftms_monitor_reason_to_string(FtmsMonitorReason r);
const char *ftms_control_result_kind_to_string(FtmsControlResultKind k);
/* "Invalid Parameter: ..." explanation of a raw result code for humans. */
const char *ftms_control_result_code_explain(uint8_t result);
