/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <string.h>

#include "sim-treadmill.h"
#include "string-table.h"
#include "util.h"

#define SIM_QUEUE_SIZE 64

struct SimTreadmill {
        SimTreadmillConfig cfg;
        SimBeltState state;
        bool control;
        bool refuse_control;
        bool malformed_next;

        uint64_t created_usec;
        uint64_t now_usec;
        uint64_t next_data_usec;

        double speed_kmh;
        double target_speed_kmh;
        double incline_pct;
        double target_incline_pct;
        double distance_m;
        double elapsed_s;
        unsigned n_records;
        double elev_pos_m;
        double elev_neg_m;
        double energy_kcal;

        SimPacket queue[SIM_QUEUE_SIZE];
        size_t q_head, q_len;

        SimCommand log[SIM_COMMAND_LOG_SIZE];
        size_t log_head, log_len;
};

static const char *const sim_belt_state_table[_SIM_BELT_MAX] = {
        [SIM_BELT_IDLE] = "idle",
        [SIM_BELT_RUNNING] = "running",
        [SIM_BELT_PAUSED] = "paused",
        [SIM_BELT_SAFETY] = "safety-key",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(sim_belt_state, SimBeltState);

static const char *const sim_console_button_table[_SIM_CONSOLE_MAX] = {
        [SIM_CONSOLE_START] = "start",
        [SIM_CONSOLE_STOP] = "stop",
        [SIM_CONSOLE_PAUSE] = "pause",
        [SIM_CONSOLE_SAFETY_KEY] = "safety-key",
        [SIM_CONSOLE_KEY_REPLACE] = "key-replace",
};

DEFINE_STRING_TABLE_LOOKUP(sim_console_button, SimConsoleButton);

void sim_treadmill_config_default(SimTreadmillConfig *c)
{
        *c = (SimTreadmillConfig){
                .speed_range = {.min = 1.0, .max = 20.0, .increment = 0.1},
                .incline_range = {.min = -3.0, .max = 15.0, .increment = 0.5},
                .accel_kmh_per_s = 0.8,
                .decel_kmh_per_s = 0.8,
                .incline_pct_per_s = 0.5,
                .safety_decel_kmh_per_s = 5.0,
                .data_interval_usec = USEC_PER_SEC,
                .split_data = false,
                .start_on_set_speed = false,
                .strict_increment = true,
                .runner_mass_kg = 70.0,
        };
}

static bool target_valid(const FtmsRange *r, double v, double resolution, bool strict);

static bool range_valid(const FtmsRange *r)
{
        return isfinite(r->min) && isfinite(r->max) && isfinite(r->increment) && r->min <= r->max &&
               r->increment > 0;
}

int sim_treadmill_new(SimTreadmill **ret, const SimTreadmillConfig *cfg, uint64_t now_usec)
{
        SimTreadmill *t;

        if (!range_valid(&cfg->speed_range) || !range_valid(&cfg->incline_range) ||
            cfg->speed_range.min < 0 || !(cfg->accel_kmh_per_s > 0) ||
            !(cfg->decel_kmh_per_s > 0) || !(cfg->incline_pct_per_s > 0) ||
            !(cfg->safety_decel_kmh_per_s > 0) || cfg->data_interval_usec == 0)
                return -EINVAL;
        if (cfg->initial_speed_kmh != 0 &&
            !target_valid(&cfg->speed_range, cfg->initial_speed_kmh, 0.01, false))
                return -EINVAL;

        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->cfg = *cfg;
        t->state = SIM_BELT_IDLE;
        t->created_usec = t->now_usec = now_usec;
        t->next_data_usec = now_usec + cfg->data_interval_usec;
        /* The belt rests at 0 % unless the range excludes it. */
        t->incline_pct = t->target_incline_pct =
                fmin(fmax(0.0, cfg->incline_range.min), cfg->incline_range.max);
        if (cfg->initial_speed_kmh > 0) {
                t->state = SIM_BELT_RUNNING;
                t->speed_kmh = t->target_speed_kmh = cfg->initial_speed_kmh;
        }
        *ret = t;
        return 0;
}

SimTreadmill *sim_treadmill_free(SimTreadmill *t)
{
        free(t);
        return NULL;
}

static void queue_push(SimTreadmill *t, const SimPacket *p)
{
        if (t->q_len == SIM_QUEUE_SIZE) {
                /* Nobody is draining: drop the oldest, as a full BLE buffer would. */
                t->q_head = (t->q_head + 1) % SIM_QUEUE_SIZE;
                t->q_len--;
        }
        t->queue[(t->q_head + t->q_len) % SIM_QUEUE_SIZE] = *p;
        t->q_len++;
}

bool sim_treadmill_pop(SimTreadmill *t, SimPacket *ret)
{
        if (t->q_len == 0)
                return false;
        *ret = t->queue[t->q_head];
        t->q_head = (t->q_head + 1) % SIM_QUEUE_SIZE;
        t->q_len--;
        return true;
}

static void queue_status(SimTreadmill *t, const FtmsMachineStatus *s)
{
        SimPacket p = {.uuid = FTMS_UUID_MACHINE_STATUS};

        if (ftms_encode_machine_status(s, p.data, sizeof(p.data), &p.len) >= 0)
                queue_push(t, &p);
}

static void queue_status_op(SimTreadmill *t, uint8_t op)
{
        queue_status(t, &(FtmsMachineStatus){.op = op});
}

static void queue_response(SimTreadmill *t, uint8_t op, uint8_t result)
{
        SimPacket p = {.uuid = FTMS_UUID_CONTROL_POINT};
        FtmsCpResponse r = {.request_op = op, .result = result};

        if (ftms_cp_encode_response(&r, p.data, sizeof(p.data), &p.len) >= 0)
                queue_push(t, &p);
}

/* Moves v towards target at rate units/s for dt s; returns the mean of v over dt. */
static double ramp(double *v, double target, double rate, double dt)
{
        double v0 = *v, t_ramp, mean;

        if (v0 == target || dt <= 0)
                return v0;
        t_ramp = fabs(target - v0) / rate;
        if (dt <= t_ramp) {
                *v = v0 + copysign(rate * dt, target - v0);
                return (v0 + *v) / 2;
        }
        /* Ramp, then hold: the exact integral of the piecewise-linear speed. */
        mean = ((v0 + target) / 2 * t_ramp + target * (dt - t_ramp)) / dt;
        *v = target;
        return mean;
}

/* Where the belt is heading and how fast its speed changes. */
static double belt_target(const SimTreadmill *t, double *ret_rate)
{
        double target = t->state == SIM_BELT_RUNNING ? t->target_speed_kmh : 0.0;

        if (t->state == SIM_BELT_SAFETY)
                *ret_rate = t->cfg.safety_decel_kmh_per_s;
        else
                *ret_rate = target > t->speed_kmh ? t->cfg.accel_kmh_per_s : t->cfg.decel_kmh_per_s;
        return target;
}

double sim_treadmill_distance_at(const SimTreadmill *t, uint64_t now_usec)
{
        double v = t->speed_kmh, rate, target, dt, mean_speed;

        if (now_usec <= t->now_usec)
                return t->distance_m;
        dt = (double)(now_usec - t->now_usec) / USEC_PER_SEC;
        target = belt_target(t, &rate);
        mean_speed = ramp(&v, target, rate, dt);
        return t->distance_m + mean_speed / 3.6 * dt;
}

void sim_treadmill_advance(SimTreadmill *t, uint64_t now_usec)
{
        double dt, target, rate, mean_speed, d;

        if (now_usec <= t->now_usec)
                return;
        dt = (double)(now_usec - t->now_usec) / USEC_PER_SEC;
        t->now_usec = now_usec;

        target = belt_target(t, &rate);
        mean_speed = ramp(&t->speed_kmh, target, rate, dt);
        d = mean_speed / 3.6 * dt;
        t->distance_m += d;

        if (t->incline_pct > 0)
                t->elev_pos_m += d * t->incline_pct / 100;
        else
                t->elev_neg_m -= d * t->incline_pct / 100;
        (void)ramp(&t->incline_pct, t->target_incline_pct, t->cfg.incline_pct_per_s, dt);

        /* About 1 kcal per kg per km on the flat, plus the climb. */
        t->energy_kcal += t->cfg.runner_mass_kg * d / 1000 * (1 + MAX(t->incline_pct, 0.0) * 0.045);

        if (t->state == SIM_BELT_RUNNING)
                t->elapsed_s += dt;
}

uint64_t sim_treadmill_next_data_usec(const SimTreadmill *t)
{
        return t->next_data_usec;
}

static void fill_record(const SimTreadmill *t, FtmsTreadmillData *d)
{
        double kmh = round(t->speed_kmh * 100) / 100;

        *d = (FtmsTreadmillData){};
        ftms_treadmill_field_set(d, FTMS_FIELD_SPEED, kmh);
        ftms_treadmill_field_set(d, FTMS_FIELD_AVG_SPEED,
                                 t->elapsed_s >= 1 ? MIN(t->distance_m / t->elapsed_s * 3.6, 600.0)
                                                   : 0.0);
        ftms_treadmill_field_set(d, FTMS_FIELD_DISTANCE, MIN(floor(t->distance_m), 0xFFFFFE));
        ftms_treadmill_field_set(d, FTMS_FIELD_INCLINE, t->incline_pct);
        /* No ramp angle on a treadmill: the sentinel, as Life Fitness sends it. */
        d->present |= FTMS_FIELD_BIT(FTMS_FIELD_RAMP_ANGLE);
        d->na |= FTMS_FIELD_BIT(FTMS_FIELD_RAMP_ANGLE);
        ftms_treadmill_field_set(d, FTMS_FIELD_ELEV_POS, MIN(t->elev_pos_m, 6553.4));
        ftms_treadmill_field_set(d, FTMS_FIELD_ELEV_NEG, MIN(t->elev_neg_m, 6553.4));
        ftms_treadmill_field_set(d, FTMS_FIELD_ENERGY_TOTAL, MIN(floor(t->energy_kcal), 65534.0));
        ftms_treadmill_field_set(d, FTMS_FIELD_ENERGY_PER_HOUR,
                                 MIN(t->cfg.runner_mass_kg * kmh, 65534.0));
        ftms_treadmill_field_set(d, FTMS_FIELD_ENERGY_PER_MIN,
                                 MIN(t->cfg.runner_mass_kg * kmh / 60, 254.0));
        ftms_treadmill_field_set(d, FTMS_FIELD_ELAPSED, MIN(floor(t->elapsed_s), 65534.0));
}

static void queue_record(SimTreadmill *t)
{
        static const uint32_t first_half =
                FTMS_FIELD_BIT(FTMS_FIELD_AVG_SPEED) | FTMS_FIELD_BIT(FTMS_FIELD_DISTANCE) |
                FTMS_FIELD_BIT(FTMS_FIELD_INCLINE) | FTMS_FIELD_BIT(FTMS_FIELD_RAMP_ANGLE) |
                FTMS_FIELD_BIT(FTMS_FIELD_ELEV_POS) | FTMS_FIELD_BIT(FTMS_FIELD_ELEV_NEG);
        SimPacket p = {.uuid = FTMS_UUID_TREADMILL_DATA};
        FtmsTreadmillData d, part;

        if (t->malformed_next) {
                /* Cut before its first field: flags announcing the speed, one byte of it. */
                t->malformed_next = false;
                p.data[0] = 0x00;
                p.data[1] = 0x00;
                p.data[2] = 0xB0;
                p.len = 3;
                queue_push(t, &p);
                return;
        }

        fill_record(t, &d);
        if (t->cfg.distance_every > 1 && t->n_records % t->cfg.distance_every != 0)
                d.present &= ~FTMS_FIELD_BIT(FTMS_FIELD_DISTANCE);
        t->n_records++;
        if (t->cfg.split_data) {
                /* As Technogym does: More Data packet first, the speed last. */
                part = d;
                part.present &= first_half;
                if (ftms_encode_treadmill_data(&part, p.data, sizeof(p.data), &p.len) >= 0)
                        queue_push(t, &p);
                part = d;
                part.present &= ~first_half;
                if (ftms_encode_treadmill_data(&part, p.data, sizeof(p.data), &p.len) >= 0)
                        queue_push(t, &p);
                return;
        }
        if (ftms_encode_treadmill_data(&d, p.data, sizeof(p.data), &p.len) >= 0)
                queue_push(t, &p);
}

void sim_treadmill_tick(SimTreadmill *t, uint64_t now_usec)
{
        sim_treadmill_advance(t, now_usec);
        if (now_usec < t->next_data_usec)
                return;
        queue_record(t);
        t->next_data_usec += t->cfg.data_interval_usec;
        /* After a long gap send one record, not a burst of stale ones. */
        if (t->next_data_usec <= now_usec)
                t->next_data_usec = now_usec + t->cfg.data_interval_usec;
}

/* Within range and, if strict, on the increment grid (in the wire's raw units). */
static bool target_valid(const FtmsRange *r, double v, double resolution, bool strict)
{
        long raw = lround(v / resolution);
        long lo = lround(r->min / resolution), hi = lround(r->max / resolution);
        long inc = lround(r->increment / resolution);

        if (!isfinite(v) || raw < lo || raw > hi)
                return false;
        return !strict || inc <= 1 || raw % inc == 0;
}

static void start_belt(SimTreadmill *t)
{
        t->state = SIM_BELT_RUNNING;
        if (t->target_speed_kmh < t->cfg.speed_range.min)
                t->target_speed_kmh = t->cfg.speed_range.min;
}

static void stop_belt(SimTreadmill *t, uint8_t stop_pause)
{
        if (stop_pause == FTMS_STOP_PARAM_PAUSE) {
                if (t->state == SIM_BELT_RUNNING)
                        t->state = SIM_BELT_PAUSED;
                return;
        }
        if (t->state != SIM_BELT_SAFETY)
                t->state = SIM_BELT_IDLE;
        t->target_speed_kmh = 0;
        t->target_incline_pct = fmin(fmax(0.0, t->cfg.incline_range.min), t->cfg.incline_range.max);
}

static uint8_t handle_request(SimTreadmill *t, const FtmsCpRequest *q)
{
        switch (q->op) {
        case FTMS_CP_REQUEST_CONTROL:
                if (t->refuse_control)
                        return FTMS_RESULT_CONTROL_NOT_PERMITTED;
                t->control = true;
                return FTMS_RESULT_SUCCESS;
        default:
                break;
        }

        if (!t->control)
                return FTMS_RESULT_CONTROL_NOT_PERMITTED;

        switch (q->op) {
        case FTMS_CP_RESET:
                /* Back to power-on: belt stops, session cleared, control released. */
                stop_belt(t, FTMS_STOP_PARAM_STOP);
                t->distance_m = t->elapsed_s = t->elev_pos_m = t->elev_neg_m = 0;
                t->energy_kcal = 0;
                t->control = false;
                queue_status_op(t, FTMS_STATUS_RESET);
                return FTMS_RESULT_SUCCESS;

        case FTMS_CP_SET_TARGET_SPEED:
                if (!target_valid(&t->cfg.speed_range, q->value, 0.01, t->cfg.strict_increment))
                        return FTMS_RESULT_INVALID_PARAMETER;
                t->target_speed_kmh = q->value;
                queue_status(t, &(FtmsMachineStatus){.op = FTMS_STATUS_TARGET_SPEED_CHANGED,
                                                     .value = q->value});
                if (t->state == SIM_BELT_IDLE && t->cfg.start_on_set_speed) {
                        t->state = SIM_BELT_RUNNING;
                        queue_status_op(t, FTMS_STATUS_STARTED_OR_RESUMED);
                }
                return FTMS_RESULT_SUCCESS;

        case FTMS_CP_SET_TARGET_INCLINATION:
                if (!target_valid(&t->cfg.incline_range, q->value, 0.1, t->cfg.strict_increment))
                        return FTMS_RESULT_INVALID_PARAMETER;
                t->target_incline_pct = q->value;
                queue_status(t, &(FtmsMachineStatus){.op = FTMS_STATUS_TARGET_INCLINE_CHANGED,
                                                     .value = q->value});
                return FTMS_RESULT_SUCCESS;

        case FTMS_CP_START_OR_RESUME:
                if (t->state == SIM_BELT_SAFETY)
                        return FTMS_RESULT_OPERATION_FAILED;
                if (t->state != SIM_BELT_RUNNING) {
                        start_belt(t);
                        queue_status_op(t, FTMS_STATUS_STARTED_OR_RESUMED);
                }
                return FTMS_RESULT_SUCCESS;

        case FTMS_CP_STOP_OR_PAUSE:
                if (q->stop_pause != FTMS_STOP_PARAM_STOP && q->stop_pause != FTMS_STOP_PARAM_PAUSE)
                        return FTMS_RESULT_INVALID_PARAMETER;
                stop_belt(t, q->stop_pause);
                queue_status(t, &(FtmsMachineStatus){.op = FTMS_STATUS_STOPPED_OR_PAUSED,
                                                     .stop_pause = q->stop_pause});
                return FTMS_RESULT_SUCCESS;

        default:
                /* Resistance, power, heart rate, targeted ..., bike, spin down, RFU. */
                return FTMS_RESULT_NOT_SUPPORTED;
        }
}

static void log_command(SimTreadmill *t, uint64_t now_usec, const FtmsCpRequest *q, uint8_t result)
{
        SimCommand c = {.t_usec = now_usec - t->created_usec, .op = q->op, .result = result};

        if (q->op == FTMS_CP_SET_TARGET_SPEED || q->op == FTMS_CP_SET_TARGET_INCLINATION)
                c.value = q->value;
        else if (q->op == FTMS_CP_STOP_OR_PAUSE)
                c.value = q->stop_pause;
        if (t->log_len == SIM_COMMAND_LOG_SIZE) {
                t->log_head = (t->log_head + 1) % SIM_COMMAND_LOG_SIZE;
                t->log_len--;
        }
        t->log[(t->log_head + t->log_len) % SIM_COMMAND_LOG_SIZE] = c;
        t->log_len++;
}

size_t sim_treadmill_n_commands(const SimTreadmill *t)
{
        return t->log_len;
}

const SimCommand *sim_treadmill_command(const SimTreadmill *t, size_t i)
{
        if (i >= t->log_len)
                return NULL;
        return &t->log[(t->log_head + i) % SIM_COMMAND_LOG_SIZE];
}

int sim_treadmill_write_control_point(SimTreadmill *t, uint64_t now_usec, const uint8_t *buf,
                                      size_t len)
{
        FtmsCpRequest q;
        uint8_t result;
        int r;

        if (len == 0)
                return -EBADMSG;
        sim_treadmill_advance(t, now_usec);

        r = ftms_cp_parse_request(buf, len, &q);
        if (r < 0) {
                /* A parameter shorter than the op code defines. */
                queue_response(t, buf[0], FTMS_RESULT_INVALID_PARAMETER);
                return 0;
        }
        /* The response comes first, then the status notifications it caused. */
        size_t before = t->q_len;
        result = handle_request(t, &q);
        log_command(t, now_usec, &q, result);
        SimPacket resp = {.uuid = FTMS_UUID_CONTROL_POINT};
        FtmsCpResponse rr = {.request_op = q.op, .result = result};
        if (ftms_cp_encode_response(&rr, resp.data, sizeof(resp.data), &resp.len) < 0)
                return -EINVAL;
        if (t->q_len == before) {
                queue_push(t, &resp);
                return 0;
        }
        /* Insert the response before the notifications handle_request() queued. */
        size_t n_new = t->q_len - before;
        SimPacket tmp[SIM_QUEUE_SIZE];
        for (size_t i = 0; i < n_new; i++)
                tmp[i] = t->queue[(t->q_head + before + i) % SIM_QUEUE_SIZE];
        t->q_len = before;
        queue_push(t, &resp);
        for (size_t i = 0; i < n_new; i++)
                queue_push(t, &tmp[i]);
        return 0;
}

int sim_treadmill_read(const SimTreadmill *t, uint16_t uuid, SimPacket *ret)
{
        SimPacket p = {.uuid = uuid};
        int r;

        switch (uuid) {
        case FTMS_UUID_FEATURE: {
                FtmsFeature f = {
                        .machine = FTMS_FEATURE_AVG_SPEED | FTMS_FEATURE_TOTAL_DISTANCE |
                                   FTMS_FEATURE_INCLINATION | FTMS_FEATURE_ELEVATION_GAIN |
                                   FTMS_FEATURE_EXPENDED_ENERGY | FTMS_FEATURE_ELAPSED_TIME,
                        .target = FTMS_TARGET_SPEED | FTMS_TARGET_INCLINATION,
                };
                r = ftms_encode_feature(&f, p.data, sizeof(p.data), &p.len);
                break;
        }
        case FTMS_UUID_SPEED_RANGE:
                r = ftms_encode_speed_range(&t->cfg.speed_range, p.data, sizeof(p.data), &p.len);
                break;
        case FTMS_UUID_INCLINE_RANGE:
                r = ftms_encode_incline_range(&t->cfg.incline_range, p.data, sizeof(p.data),
                                              &p.len);
                break;
        case FTMS_UUID_TRAINING_STATUS: {
                FtmsTrainingStatus s = {
                        .status = t->state == SIM_BELT_RUNNING ? FTMS_TRAINING_MANUAL_MODE
                                                               : FTMS_TRAINING_IDLE,
                };
                r = ftms_encode_training_status(&s, p.data, sizeof(p.data), &p.len);
                break;
        }
        default:
                return -ENOENT;
        }
        if (r < 0)
                return r;
        *ret = p;
        return 0;
}

int sim_treadmill_console(SimTreadmill *t, uint64_t now_usec, SimConsoleButton b)
{
        sim_treadmill_advance(t, now_usec);

        switch (b) {
        case SIM_CONSOLE_START:
                if (t->state == SIM_BELT_SAFETY)
                        return -EPERM;
                if (t->state != SIM_BELT_RUNNING) {
                        start_belt(t);
                        queue_status_op(t, FTMS_STATUS_STARTED_OR_RESUMED);
                }
                return 0;
        case SIM_CONSOLE_STOP:
                stop_belt(t, FTMS_STOP_PARAM_STOP);
                queue_status(t, &(FtmsMachineStatus){.op = FTMS_STATUS_STOPPED_OR_PAUSED,
                                                     .stop_pause = FTMS_STOP_PARAM_STOP});
                return 0;
        case SIM_CONSOLE_PAUSE:
                if (t->state != SIM_BELT_RUNNING)
                        return -EALREADY;
                stop_belt(t, FTMS_STOP_PARAM_PAUSE);
                queue_status(t, &(FtmsMachineStatus){.op = FTMS_STATUS_STOPPED_OR_PAUSED,
                                                     .stop_pause = FTMS_STOP_PARAM_PAUSE});
                return 0;
        case SIM_CONSOLE_SAFETY_KEY:
                t->state = SIM_BELT_SAFETY;
                stop_belt(t, FTMS_STOP_PARAM_STOP);
                queue_status_op(t, FTMS_STATUS_STOPPED_SAFETY_KEY);
                return 0;
        case SIM_CONSOLE_KEY_REPLACE:
                if (t->state != SIM_BELT_SAFETY)
                        return -EALREADY;
                t->state = SIM_BELT_IDLE;
                return 0;
        case _SIM_CONSOLE_MAX:
        case _SIM_CONSOLE_INVALID:
        default:
                return -EINVAL;
        }
}

int sim_treadmill_console_set_speed(SimTreadmill *t, uint64_t now_usec, double kmh)
{
        if (!target_valid(&t->cfg.speed_range, kmh, 0.01, false))
                return -ERANGE;
        sim_treadmill_advance(t, now_usec);
        t->target_speed_kmh = kmh;
        queue_status(t, &(FtmsMachineStatus){.op = FTMS_STATUS_TARGET_SPEED_CHANGED, .value = kmh});
        return 0;
}

void sim_treadmill_set_refuse_control(SimTreadmill *t, bool refuse)
{
        t->refuse_control = refuse;
}

void sim_treadmill_revoke_control(SimTreadmill *t, uint64_t now_usec)
{
        sim_treadmill_advance(t, now_usec);
        t->control = false;
        queue_status_op(t, FTMS_STATUS_CONTROL_PERMISSION_LOST);
}

void sim_treadmill_link_lost(SimTreadmill *t, uint64_t now_usec)
{
        sim_treadmill_advance(t, now_usec);
        t->control = false;
        t->q_head = t->q_len = 0;
}

void sim_treadmill_inject_malformed(SimTreadmill *t)
{
        t->malformed_next = true;
}

SimBeltState sim_treadmill_state(const SimTreadmill *t)
{
        return t->state;
}

bool sim_treadmill_has_control(const SimTreadmill *t)
{
        return t->control;
}

double sim_treadmill_speed_kmh(const SimTreadmill *t)
{
        return t->speed_kmh;
}

double sim_treadmill_target_speed_kmh(const SimTreadmill *t)
{
        return t->target_speed_kmh;
}

double sim_treadmill_incline_pct(const SimTreadmill *t)
{
        return t->incline_pct;
}

double sim_treadmill_target_incline_pct(const SimTreadmill *t)
{
        return t->target_incline_pct;
}

double sim_treadmill_distance_m(const SimTreadmill *t)
{
        return t->distance_m;
}

double sim_treadmill_elapsed_s(const SimTreadmill *t)
{
        return t->elapsed_s;
}

const SimTreadmillConfig *sim_treadmill_config(const SimTreadmill *t)
{
        return &t->cfg;
}
