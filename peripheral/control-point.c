/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The FTMS Control Point: the model's server, plus injected failures. */
#include <errno.h>
#include <string.h>

#include "peripheral.h"

static void cp_log_request(Peripheral *p, const uint8_t *buf, size_t len, uint8_t result)
{
        FtmsCpRequest q = {};
        bool parsed = ftms_cp_parse_request(buf, len, &q) >= 0;
        const char *op = ftms_cp_op_to_string(buf[0]);
        const char *res = ftms_cp_result_to_string(result);
        char name[16], param[32] = "";

        if (!op) {
                snprintf(name, sizeof(name), "op-0x%02x", buf[0]);
                op = name;
        }
        if (!parsed)
                snprintf(param, sizeof(param), " malformed");
        else
                switch (q.op) {
                case FTMS_CP_SET_TARGET_SPEED:
                        snprintf(param, sizeof(param), " %.2f", q.value);
                        break;
                case FTMS_CP_SET_TARGET_INCLINATION:
                        snprintf(param, sizeof(param), " %.1f", q.value);
                        break;
                case FTMS_CP_STOP_OR_PAUSE:
                        snprintf(param, sizeof(param), " %s",
                                 q.stop_pause == FTMS_STOP_PARAM_STOP    ? "stop"
                                 : q.stop_pause == FTMS_STOP_PARAM_PAUSE ? "pause"
                                                                         : "invalid");
                        break;
                default:
                        break;
                }

        peripheral_log("cp: %s%s -> %s", op, param, res ?: "?");
        if (p->cp_log) {
                fprintf(p->cp_log, "%s%s -> %s\n", op, param, res ?: "?");
                fflush(p->cp_log);
        }
}

static unsigned fail_bit(uint8_t op)
{
        switch (op) {
        case FTMS_CP_SET_TARGET_SPEED:
                return FAIL_SPEED;
        case FTMS_CP_SET_TARGET_INCLINATION:
                return FAIL_INCLINE;
        case FTMS_CP_START_OR_RESUME:
                return FAIL_START;
        case FTMS_CP_STOP_OR_PAUSE:
                return FAIL_STOP;
        default:
                return 0;
        }
}

int control_point_write(Peripheral *p, sd_bus_message *m, const uint8_t *buf, size_t len,
                        sd_bus_error *error)
{
        Characteristic *cp = &p->chars[CHAR_CONTROL_POINT];
        uint64_t now = peripheral_now(p);
        uint8_t result = 0;
        int r;

        if (len == 0)
                return sd_bus_error_set(error, "org.bluez.Error.InvalidValueLength",
                                        "empty control point write");
        /*
         * FTMS 4.16.2: without indications enabled the server rejects the
         * write ("Client Characteristic Configuration Descriptor Improperly
         * Configured").
         */
        if (!cp->notifying)
                return sd_bus_error_set(error, "org.bluez.Error.Failed",
                                        "control point indications not enabled");

        if ((p->fail_mask & fail_bit(buf[0])) && sim_treadmill_has_control(p->treadmill)) {
                FtmsCpResponse resp = {.request_op = buf[0],
                                       .result = FTMS_RESULT_OPERATION_FAILED};
                uint8_t out[FTMS_CP_MAX_LEN];
                size_t out_len;

                result = resp.result;
                r = sd_bus_reply_method_return(m, NULL);
                if (r < 0)
                        return r;
                cp_log_request(p, buf, len, result);
                if (ftms_cp_encode_response(&resp, out, sizeof(out), &out_len) >= 0)
                        gatt_char_notify(cp, out, out_len);
                return 1;
        }

        r = sim_treadmill_write_control_point(p->treadmill, now, buf, len);
        if (r < 0)
                return sd_bus_error_set(error, "org.bluez.Error.InvalidValueLength",
                                        "malformed control point write");

        /* The write response must reach the client before the indication. */
        r = sd_bus_reply_method_return(m, NULL);
        if (r < 0)
                return r;
        /* The model queues the 0x80 response first: log its result. */
        for (SimPacket pkt; sim_treadmill_pop(p->treadmill, &pkt);) {
                if (pkt.uuid == FTMS_UUID_CONTROL_POINT && pkt.len >= 3 &&
                    pkt.data[0] == FTMS_CP_RESPONSE_CODE && result == 0) {
                        result = pkt.data[2];
                        cp_log_request(p, buf, len, result);
                }
                gatt_char_notify(gatt_char_by_uuid(p, pkt.uuid), pkt.data, pkt.len);
        }
        machine_flush(p);
        /* A start or a new target changes when the next record is due. */
        (void)machine_arm_data_timer(p);
        return 1;
}
