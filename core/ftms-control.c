/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>

#include "ftms-control.h"
#include "string-table.h"
#include "util.h"

#define QUEUE_MAX   8
#define RESULTS_MAX 32
/* A failed write is retried after a short pause, not in a tight loop. */
#define RETRY_DELAY_USEC (250 * USEC_PER_MSEC)

typedef struct Pending {
        FtmsControlCommand cmd;
        unsigned attempts;
        bool no_retry; /* flushed while in flight: not sent again */
} Pending;

struct FtmsControl {
        FtmsControlConfig config;
        FtmsControlState state;
        FtmsMonitorReason monitor_reason;
        bool linked;
        bool incline_supported;

        Pending queue[QUEUE_MAX];
        size_t n_queue;

        bool in_flight;
        Pending flight;
        uint64_t flight_deadline;

        bool request_wanted; /* ftms_control_request(): get control even with an empty queue */
        unsigned control_attempts; /* consecutive refusals / timeouts of Request Control */
        uint64_t not_before;       /* backoff or retry delay */

        FtmsControlResult results[RESULTS_MAX];
        size_t n_results;
};

static const char *const ftms_control_state_table[_FTMS_CONTROL_STATE_MAX] = {
        [FTMS_CONTROL_OFFLINE] = "offline",       [FTMS_CONTROL_NO_CONTROL] = "no-control",
        [FTMS_CONTROL_REQUESTING] = "requesting", [FTMS_CONTROL_READY] = "ready",
        [FTMS_CONTROL_REFUSED] = "refused",       [FTMS_CONTROL_MONITOR_ONLY] = "monitor-only",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(ftms_control_state, FtmsControlState);

static const char *const ftms_monitor_reason_table[_FTMS_MONITOR_REASON_MAX] = {
        [FTMS_MONITOR_NONE] = "none",
        [FTMS_MONITOR_CONFIGURED] = "configured",
        [FTMS_MONITOR_NO_CONTROL_POINT] = "no-control-point",
        [FTMS_MONITOR_NO_SPEED_TARGET] = "no-speed-target",
        [FTMS_MONITOR_OP_NOT_SUPPORTED] = "op-not-supported",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(ftms_monitor_reason, FtmsMonitorReason);

static const char *const ftms_control_result_kind_table[_FTMS_CONTROL_RESULT_KIND_MAX] = {
        [FTMS_CONTROL_RESULT_OK] = "ok",
        [FTMS_CONTROL_RESULT_NOT_SUPPORTED] = "not-supported",
        [FTMS_CONTROL_RESULT_INVALID_PARAM] = "invalid-parameter",
        [FTMS_CONTROL_RESULT_FAILED] = "operation-failed",
        [FTMS_CONTROL_RESULT_NOT_PERMITTED] = "control-not-permitted",
        [FTMS_CONTROL_RESULT_TIMEOUT] = "timeout",
        [FTMS_CONTROL_RESULT_WRITE_FAILED] = "write-failed",
        [FTMS_CONTROL_RESULT_RFU] = "unknown-result",
        [FTMS_CONTROL_RESULT_DROPPED] = "dropped",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(ftms_control_result_kind, FtmsControlResultKind);

const char *ftms_control_result_code_explain(uint8_t result)
{
        switch (result) {
        case FTMS_RESULT_SUCCESS:
                return "Success";
        case FTMS_RESULT_NOT_SUPPORTED:
                return "Op Code Not Supported: the treadmill does not implement this command";
        case FTMS_RESULT_INVALID_PARAMETER:
                return "Invalid Parameter: the value is outside what the treadmill accepts";
        case FTMS_RESULT_OPERATION_FAILED:
                return "Operation Failed: the treadmill could not carry it out now";
        case FTMS_RESULT_CONTROL_NOT_PERMITTED:
                return "Control Not Permitted: another client or the console holds control";
        default:
                return "reserved result code (not defined by FTMS 1.0)";
        }
}

/* FTMS result code -> errno, so that callers can use the usual strerror() paths. */
static int result_code_to_errno(uint8_t result)
{
        switch (result) {
        case FTMS_RESULT_SUCCESS:
                return 0;
        case FTMS_RESULT_NOT_SUPPORTED:
                return -EOPNOTSUPP;
        case FTMS_RESULT_INVALID_PARAMETER:
                return -EINVAL;
        case FTMS_RESULT_OPERATION_FAILED:
                return -EIO;
        case FTMS_RESULT_CONTROL_NOT_PERMITTED:
                return -EPERM;
        default:
                return -EPROTO;
        }
}

/* The one place the state changes; the owner's callback hears of each change. */
static void enter_state(FtmsControl *c, uint64_t now, FtmsControlState state, const char *why)
{
        FtmsControlTransition t = {.from = c->state, .to = state, .time_usec = now, .reason = why};

        if (c->state == state)
                return;
        c->state = state;
        if (c->config.on_transition)
                c->config.on_transition(&t, c->config.userdata);
}

void ftms_control_config_init(FtmsControlConfig *c)
{
        *c = (FtmsControlConfig){
                .monitor_only = false,
                .response_timeout_usec = 3 * USEC_PER_SEC,
                .max_attempts = 3,
                .refused_backoff_usec = 10 * USEC_PER_SEC,
        };
}

int ftms_control_new(FtmsControl **ret, const FtmsControlConfig *config)
{
        FtmsControl *c;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        if (config)
                c->config = *config;
        else
                ftms_control_config_init(&c->config);
        if (c->config.max_attempts == 0)
                c->config.max_attempts = 1;
        c->incline_supported = true;
        c->state = FTMS_CONTROL_OFFLINE; /* the initial state, not a transition */
        if (c->config.monitor_only) {
                enter_state(c, 0, FTMS_CONTROL_MONITOR_ONLY, "configured monitor-only");
                c->monitor_reason = FTMS_MONITOR_CONFIGURED;
        }
        *ret = c;
        return 0;
}

FtmsControl *ftms_control_free(FtmsControl *c)
{
        free(c);
        return NULL;
}

/* Our own names: this module must not depend on the codec's tables. */
static const char *cp_op_name(uint8_t op)
{
        switch (op) {
        case FTMS_CP_REQUEST_CONTROL:
                return "Request Control";
        case FTMS_CP_RESET:
                return "Reset";
        case FTMS_CP_SET_TARGET_SPEED:
                return "Set Target Speed";
        case FTMS_CP_SET_TARGET_INCLINATION:
                return "Set Target Inclination";
        case FTMS_CP_START_OR_RESUME:
                return "Start or Resume";
        case FTMS_CP_STOP_OR_PAUSE:
                return "Stop or Pause";
        default:
                return "Control Point command";
        }
}

static void describe(const FtmsControlCommand *cmd, char *buf, size_t size)
{
        const char *name = cp_op_name(cmd->op);
        switch (cmd->op) {
        case FTMS_CP_SET_TARGET_SPEED:
                snprintf(buf, size, "%s %.2f", name, cmd->value);
                break;
        case FTMS_CP_SET_TARGET_INCLINATION:
                snprintf(buf, size, "%s %.1f%%", name, cmd->value);
                break;
        case FTMS_CP_STOP_OR_PAUSE:
                snprintf(buf, size, "%s (%s)", name,
                         cmd->stop_pause == FTMS_STOP_PARAM_PAUSE ? "pause" : "stop");
                break;
        default:
                snprintf(buf, size, "%s", name);
        }
}

static void push_result(FtmsControl *c, uint64_t now, const Pending *p, FtmsControlResultKind kind,
                        uint8_t code, int error, const char *why)
{
        FtmsControlResult *r;
        char what[64];

        if (c->n_results >= RESULTS_MAX) {
                /* Nobody drained: keep the newest, they matter most. */
                memmove(c->results, c->results + 1, sizeof(c->results[0]) * (RESULTS_MAX - 1));
                c->n_results--;
        }
        r = &c->results[c->n_results++];
        *r = (FtmsControlResult){
                .command = p->cmd,
                .kind = kind,
                .result_code = code,
                .error = error,
                .attempts = p->attempts,
                .time_usec = now,
        };
        describe(&p->cmd, what, sizeof(what));
        snprintf(r->message, sizeof(r->message), "%s: %s", what, why);
}

static void set_monitor_only(FtmsControl *c, uint64_t now, FtmsMonitorReason reason)
{
        enter_state(c, now, FTMS_CONTROL_MONITOR_ONLY, ftms_monitor_reason_to_string(reason));
        c->monitor_reason = reason;
        c->request_wanted = false;
        for (size_t i = 0; i < c->n_queue; i++)
                push_result(c, now, &c->queue[i], FTMS_CONTROL_RESULT_DROPPED, 0, -EPERM,
                            "dropped: monitor-only mode");
        c->n_queue = 0;
}

void ftms_control_link(FtmsControl *c, uint64_t now, bool up)
{
        c->linked = up;
        if (!up) {
                if (c->in_flight)
                        push_result(c, now, &c->flight, FTMS_CONTROL_RESULT_DROPPED, 0, -ENOTCONN,
                                    "link lost before the response");
                for (size_t i = 0; i < c->n_queue; i++)
                        push_result(c, now, &c->queue[i], FTMS_CONTROL_RESULT_DROPPED, 0, -ENOTCONN,
                                    "link lost before it was sent");
                c->in_flight = false;
                c->n_queue = 0;
                c->request_wanted = false;
        }
        c->control_attempts = 0;
        c->not_before = 0;
        /* Monitor-only survives the link: the capabilities may arrive before
         * or after the link event, and only they (or the configuration)
         * decide it. Control itself is per connection. */
        if (c->state == FTMS_CONTROL_MONITOR_ONLY)
                return;
        enter_state(c, now, up ? FTMS_CONTROL_NO_CONTROL : FTMS_CONTROL_OFFLINE,
                    up ? "link up" : "link down");
}

void ftms_control_set_capabilities(FtmsControl *c, uint64_t now, const TransportCapabilities *caps)
{
        if (c->config.monitor_only) {
                set_monitor_only(c, now, FTMS_MONITOR_CONFIGURED);
                return;
        }
        c->incline_supported = (caps->feature.target & FTMS_TARGET_INCLINATION) != 0;
        if (!caps->has_control_point) {
                set_monitor_only(c, now, FTMS_MONITOR_NO_CONTROL_POINT);
                return;
        }
        if (!(caps->feature.target & FTMS_TARGET_SPEED)) {
                set_monitor_only(c, now, FTMS_MONITOR_NO_SPEED_TARGET);
                return;
        }
        if (c->state == FTMS_CONTROL_MONITOR_ONLY) {
                enter_state(c, now, c->linked ? FTMS_CONTROL_NO_CONTROL : FTMS_CONTROL_OFFLINE,
                            "the capabilities allow control");
                c->monitor_reason = FTMS_MONITOR_NONE;
        }
}

static int check_writable(const FtmsControl *c)
{
        if (c->state == FTMS_CONTROL_MONITOR_ONLY)
                return -EPERM;
        if (!c->linked)
                return -ENOTCONN;
        return 0;
}

static int enqueue(FtmsControl *c, const FtmsControlCommand *cmd, bool coalesce)
{
        int r = check_writable(c);
        if (r < 0)
                return r;

        if (coalesce)
                for (size_t i = 0; i < c->n_queue; i++)
                        if (c->queue[i].cmd.op == cmd->op) {
                                /* A newer target replaces the unsent one in place. */
                                c->queue[i] = (Pending){.cmd = *cmd};
                                return 0;
                        }
        if (c->n_queue >= QUEUE_MAX)
                return -ENOBUFS;
        c->queue[c->n_queue++] = (Pending){.cmd = *cmd};
        return 0;
}

/* Every command gets its one result, a flushed one too (-ECANCELED): its
 * owner must know it never reached the machine. */
static void drop_queue(FtmsControl *c, uint64_t now)
{
        for (size_t i = 0; i < c->n_queue; i++)
                push_result(c, now, &c->queue[i], FTMS_CONTROL_RESULT_DROPPED, 0, -ECANCELED,
                            "dropped before it was sent");
        c->n_queue = 0;
}

int ftms_control_set_speed(FtmsControl *c, uint64_t now, double kmh)
{
        if (!isfinite(kmh) || kmh < 0)
                return -EINVAL;
        return enqueue(c, &(FtmsControlCommand){.op = FTMS_CP_SET_TARGET_SPEED, .value = kmh},
                       true);
}

int ftms_control_set_incline(FtmsControl *c, uint64_t now, double pct)
{
        if (!isfinite(pct))
                return -EINVAL;
        if (!c->incline_supported)
                return -EOPNOTSUPP;
        return enqueue(c, &(FtmsControlCommand){.op = FTMS_CP_SET_TARGET_INCLINATION, .value = pct},
                       true);
}

int ftms_control_start_resume(FtmsControl *c, uint64_t now)
{
        return enqueue(c, &(FtmsControlCommand){.op = FTMS_CP_START_OR_RESUME}, true);
}

int ftms_control_stop_pause(FtmsControl *c, uint64_t now, uint8_t stop_pause)
{
        if (stop_pause != FTMS_STOP_PARAM_STOP && stop_pause != FTMS_STOP_PARAM_PAUSE)
                return -EINVAL;
        /* Stopping wins over anything queued: a queued speed-up or start must
         * not reach a belt that is being stopped. */
        drop_queue(c, now);
        return enqueue(c,
                       &(FtmsControlCommand){.op = FTMS_CP_STOP_OR_PAUSE, .stop_pause = stop_pause},
                       true);
}

void ftms_control_flush(FtmsControl *c, uint64_t now)
{
        drop_queue(c, now);
        /* The one on the wire is not retried either (a lost answer must not
         * resend a speed to a belt the runner just stopped). */
        if (c->in_flight && c->flight.cmd.op != FTMS_CP_REQUEST_CONTROL)
                c->flight.no_retry = true;
}

int ftms_control_request(FtmsControl *c, uint64_t now)
{
        int r = check_writable(c);
        if (r < 0)
                return r;
        if (c->state != FTMS_CONTROL_READY)
                c->request_wanted = true;
        return 0;
}

/* A Start the treadmill refused (or never answered) is never sent again:
 * the runner may have pulled the key, and a retry could start the belt the
 * moment it is back. Only a fresh user action sends another. */
static bool may_retry(const Pending *p)
{
        return p->cmd.op != FTMS_CP_START_OR_RESUME && !p->no_retry;
}

static void requeue_front(FtmsControl *c, const Pending *p)
{
        /* Drop the retry if a newer command of the same kind was queued meanwhile. */
        for (size_t i = 0; i < c->n_queue; i++)
                if (c->queue[i].cmd.op == p->cmd.op && p->cmd.op != FTMS_CP_STOP_OR_PAUSE)
                        return;
        if (c->n_queue >= QUEUE_MAX)
                c->n_queue--;
        memmove(c->queue + 1, c->queue, sizeof(c->queue[0]) * c->n_queue);
        c->queue[0] = *p;
        c->n_queue++;
}

static void control_refused(FtmsControl *c, uint64_t now, uint8_t code, const char *why)
{
        c->control_attempts++;
        if (c->control_attempts < c->config.max_attempts) {
                enter_state(c, now, FTMS_CONTROL_NO_CONTROL, why);
                c->not_before = now + RETRY_DELAY_USEC;
                return;
        }
        /* Give up for a while, and tell the owners of the queued commands. */
        push_result(c, now, &c->flight, FTMS_CONTROL_RESULT_NOT_PERMITTED, code, -EPERM, why);
        enter_state(c, now, FTMS_CONTROL_REFUSED, why);
        c->control_attempts = 0;
        c->not_before = now + c->config.refused_backoff_usec;
}

void ftms_control_handle_response(FtmsControl *c, uint64_t now, const FtmsCpResponse *r)
{
        Pending p;

        /* A late answer to a command that already timed out, or an unsolicited one. */
        if (!c->in_flight || r->request_op != c->flight.cmd.op)
                return;
        p = c->flight;
        c->in_flight = false;

        if (p.cmd.op == FTMS_CP_REQUEST_CONTROL) {
                switch (r->result) {
                case FTMS_RESULT_SUCCESS:
                        enter_state(c, now, FTMS_CONTROL_READY, "control granted");
                        c->control_attempts = 0;
                        c->request_wanted = false;
                        push_result(c, now, &p, FTMS_CONTROL_RESULT_OK, r->result, 0,
                                    "control granted");
                        return;
                case FTMS_RESULT_NOT_SUPPORTED:
                        push_result(c, now, &p, FTMS_CONTROL_RESULT_NOT_SUPPORTED, r->result,
                                    -EOPNOTSUPP, ftms_control_result_code_explain(r->result));
                        set_monitor_only(c, now, FTMS_MONITOR_OP_NOT_SUPPORTED);
                        return;
                default:
                        control_refused(c, now, r->result,
                                        ftms_control_result_code_explain(r->result));
                        return;
                }
        }

        switch (r->result) {
        case FTMS_RESULT_SUCCESS:
                push_result(c, now, &p, FTMS_CONTROL_RESULT_OK, r->result, 0, "Success");
                return;
        case FTMS_RESULT_NOT_SUPPORTED:
                push_result(c, now, &p, FTMS_CONTROL_RESULT_NOT_SUPPORTED, r->result, -EOPNOTSUPP,
                            ftms_control_result_code_explain(r->result));
                if (p.cmd.op == FTMS_CP_SET_TARGET_SPEED)
                        set_monitor_only(c, now, FTMS_MONITOR_OP_NOT_SUPPORTED);
                else if (p.cmd.op == FTMS_CP_SET_TARGET_INCLINATION)
                        c->incline_supported = false;
                return;
        case FTMS_RESULT_INVALID_PARAMETER:
                /* Retrying the same value cannot help. */
                push_result(c, now, &p, FTMS_CONTROL_RESULT_INVALID_PARAM, r->result, -EINVAL,
                            ftms_control_result_code_explain(r->result));
                return;
        case FTMS_RESULT_OPERATION_FAILED:
                if (p.attempts < c->config.max_attempts && may_retry(&p)) {
                        requeue_front(c, &p);
                        c->not_before = now + RETRY_DELAY_USEC;
                } else
                        push_result(c, now, &p, FTMS_CONTROL_RESULT_FAILED, r->result, -EIO,
                                    ftms_control_result_code_explain(r->result));
                return;
        case FTMS_RESULT_CONTROL_NOT_PERMITTED:
                /* Lost control (console, another app, a reset): ask again, then retry. */
                if (c->state == FTMS_CONTROL_READY || c->state == FTMS_CONTROL_REQUESTING)
                        enter_state(c, now, FTMS_CONTROL_NO_CONTROL, "control not permitted");
                if (p.attempts < c->config.max_attempts && may_retry(&p))
                        requeue_front(c, &p);
                else
                        push_result(c, now, &p, FTMS_CONTROL_RESULT_NOT_PERMITTED, r->result,
                                    -EPERM, ftms_control_result_code_explain(r->result));
                return;
        default:
                push_result(c, now, &p, FTMS_CONTROL_RESULT_RFU, r->result,
                            result_code_to_errno(r->result),
                            ftms_control_result_code_explain(r->result));
                return;
        }
}

void ftms_control_handle_write_failed(FtmsControl *c, uint64_t now, int error)
{
        Pending p;
        char why[96];

        if (!c->in_flight)
                return;
        p = c->flight;
        c->in_flight = false;

        if (p.cmd.op == FTMS_CP_REQUEST_CONTROL) {
                snprintf(why, sizeof(why), "write failed: %s", strerror(-error));
                control_refused(c, now, 0, why);
                return;
        }
        if (p.attempts < c->config.max_attempts && error != -ENOTCONN && may_retry(&p)) {
                requeue_front(c, &p);
                c->not_before = now + RETRY_DELAY_USEC;
                return;
        }
        snprintf(why, sizeof(why), "write failed: %s", strerror(-error));
        push_result(c, now, &p, FTMS_CONTROL_RESULT_WRITE_FAILED, 0, error, why);
}

void ftms_control_permission_lost(FtmsControl *c, uint64_t now)
{
        if (c->state == FTMS_CONTROL_MONITOR_ONLY || !c->linked)
                return;
        /* Re-request at once: the workout relies on holding control. */
        enter_state(c, now, FTMS_CONTROL_NO_CONTROL, "control permission lost");
        c->request_wanted = true;
        c->control_attempts = 0;
}

uint64_t ftms_control_next_deadline(const FtmsControl *c)
{
        if (c->in_flight)
                return c->flight_deadline;
        if (c->not_before > 0 && (c->n_queue > 0 || c->request_wanted))
                return c->not_before;
        return USEC_INFINITY;
}

void ftms_control_tick(FtmsControl *c, uint64_t now)
{
        Pending p;

        if (!c->in_flight || now < c->flight_deadline)
                return;
        p = c->flight;
        c->in_flight = false;

        if (p.cmd.op == FTMS_CP_REQUEST_CONTROL) {
                control_refused(c, now, 0, "no response to Request Control");
                return;
        }
        if (p.attempts < c->config.max_attempts && may_retry(&p))
                requeue_front(c, &p);
        else
                push_result(c, now, &p, FTMS_CONTROL_RESULT_TIMEOUT, 0, -ETIMEDOUT,
                            "no response from the treadmill");
}

int ftms_control_pop_write(FtmsControl *c, uint64_t now, FtmsControlCommand *ret)
{
        if (c->in_flight || c->state == FTMS_CONTROL_MONITOR_ONLY || !c->linked)
                return 0;
        if (c->n_queue == 0 && !c->request_wanted)
                return 0;
        if (now < c->not_before)
                return 0;
        if (c->state == FTMS_CONTROL_REFUSED)
                enter_state(c, now, FTMS_CONTROL_NO_CONTROL, "backoff over");

        if (c->state != FTMS_CONTROL_READY) {
                /* FTMS 4.16.2.1: Request Control comes before any other procedure. */
                c->flight = (Pending){
                        .cmd = {.op = FTMS_CP_REQUEST_CONTROL},
                        .attempts = c->control_attempts + 1,
                };
                enter_state(c, now, FTMS_CONTROL_REQUESTING, "requesting control");
        } else {
                c->flight = c->queue[0];
                c->flight.attempts++;
                memmove(c->queue, c->queue + 1, sizeof(c->queue[0]) * (c->n_queue - 1));
                c->n_queue--;
        }
        c->in_flight = true;
        c->flight_deadline = now + c->config.response_timeout_usec;
        c->not_before = 0;
        *ret = c->flight.cmd;
        return 1;
}

int ftms_control_pop_result(FtmsControl *c, FtmsControlResult *ret)
{
        if (c->n_results == 0)
                return 0;
        *ret = c->results[0];
        memmove(c->results, c->results + 1, sizeof(c->results[0]) * (c->n_results - 1));
        c->n_results--;
        return 1;
}

FtmsControlState ftms_control_get_state(const FtmsControl *c)
{
        return c->state;
}

FtmsMonitorReason ftms_control_get_monitor_reason(const FtmsControl *c)
{
        return c->state == FTMS_CONTROL_MONITOR_ONLY ? c->monitor_reason : FTMS_MONITOR_NONE;
}

bool ftms_control_has_control(const FtmsControl *c)
{
        return c->state == FTMS_CONTROL_READY;
}

bool ftms_control_can_write(const FtmsControl *c)
{
        return c->linked && c->state != FTMS_CONTROL_MONITOR_ONLY;
}

bool ftms_control_incline_supported(const FtmsControl *c)
{
        return c->incline_supported;
}

void ftms_control_cancel(FtmsControl *c, uint64_t now, uint8_t op)
{
        size_t j = 0;

        for (size_t i = 0; i < c->n_queue; i++)
                if (c->queue[i].cmd.op != op)
                        c->queue[j++] = c->queue[i];
        c->n_queue = j;
}

bool ftms_control_in_flight(const FtmsControl *c, uint8_t op)
{
        return c->in_flight && c->flight.cmd.op == op;
}

bool ftms_control_pending(const FtmsControl *c, uint8_t op)
{
        if (c->in_flight && c->flight.cmd.op == op)
                return true;
        for (size_t i = 0; i < c->n_queue; i++)
                if (c->queue[i].cmd.op == op)
                        return true;
        return false;
}

bool ftms_control_busy(const FtmsControl *c)
{
        return c->in_flight || c->n_queue > 0 || c->request_wanted;
}
