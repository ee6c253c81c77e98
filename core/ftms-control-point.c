/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "ftms-param.h"
#include "ftms.h"
#include "string-table.h"
#include "util.h"

static const char *const cp_op_table[] = {
        [FTMS_CP_REQUEST_CONTROL] = "request-control",
        [FTMS_CP_RESET] = "reset",
        [FTMS_CP_SET_TARGET_SPEED] = "set-target-speed",
        [FTMS_CP_SET_TARGET_INCLINATION] = "set-target-inclination",
        [FTMS_CP_SET_TARGET_RESISTANCE] = "set-target-resistance-level",
        [FTMS_CP_SET_TARGET_POWER] = "set-target-power",
        [FTMS_CP_SET_TARGET_HEART_RATE] = "set-target-heart-rate",
        [FTMS_CP_START_OR_RESUME] = "start-or-resume",
        [FTMS_CP_STOP_OR_PAUSE] = "stop-or-pause",
        [FTMS_CP_SET_TARGETED_ENERGY] = "set-targeted-expended-energy",
        [FTMS_CP_SET_TARGETED_STEPS] = "set-targeted-number-of-steps",
        [FTMS_CP_SET_TARGETED_STRIDES] = "set-targeted-number-of-strides",
        [FTMS_CP_SET_TARGETED_DISTANCE] = "set-targeted-distance",
        [FTMS_CP_SET_TARGETED_TIME] = "set-targeted-training-time",
        [FTMS_CP_SET_TARGETED_TIME_2ZONES] = "set-targeted-time-in-two-hr-zones",
        [FTMS_CP_SET_TARGETED_TIME_3ZONES] = "set-targeted-time-in-three-hr-zones",
        [FTMS_CP_SET_TARGETED_TIME_5ZONES] = "set-targeted-time-in-five-hr-zones",
        [FTMS_CP_SET_BIKE_SIM] = "set-indoor-bike-simulation-parameters",
        [FTMS_CP_SET_WHEEL_CIRCUMFERENCE] = "set-wheel-circumference",
        [FTMS_CP_SPIN_DOWN_CONTROL] = "spin-down-control",
        [FTMS_CP_SET_TARGETED_CADENCE] = "set-targeted-cadence",
};

const char *ftms_cp_op_to_string(uint8_t op)
{
        if (op == FTMS_CP_RESPONSE_CODE)
                return "response-code";
        if (op >= ELEMENTSOF(cp_op_table))
                return NULL;
        return cp_op_table[op];
}

static const char *const ftms_cp_result_table[] = {
        [FTMS_RESULT_SUCCESS] = "success",
        [FTMS_RESULT_NOT_SUPPORTED] = "op-code-not-supported",
        [FTMS_RESULT_INVALID_PARAMETER] = "invalid-parameter",
        [FTMS_RESULT_OPERATION_FAILED] = "operation-failed",
        [FTMS_RESULT_CONTROL_NOT_PERMITTED] = "control-not-permitted",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(ftms_cp_result, uint8_t);

static int encode_request(uint8_t op, const FtmsParam *p, uint8_t *buf, size_t size,
                          size_t *ret_len)
{
        LeWriter w = le_writer_init(buf, size);
        FtmsParamKind k = ftms_cp_param_kind(op);
        int r;

        if (k < 0)
                return -EINVAL;
        /* Check the value before touching the buffer, so that a failure leaves it unchanged. */
        if (k != FTMS_PARAM_NONE) {
                uint8_t scratch[FTMS_CP_MAX_LEN];
                LeWriter probe = le_writer_init(scratch, sizeof(scratch));

                r = ftms_param_put(k, p, &probe);
                if (r < 0)
                        return r;
        }
        if (size < 1 + ftms_param_size(k))
                return -ENOBUFS;

        r = le_writer_put_u8(&w, op);
        if (r >= 0)
                r = ftms_param_put(k, p, &w);
        if (r < 0)
                return r;
        *ret_len = w.off;
        return 0;
}

/*
 * FTMS v1.0, 4.16 Fitness Machine Control Point, op code table: "Request Control 0x00, no
 * parameter; Reset 0x01, no parameter; Set Target Speed 0x02, uint16 in km/h with a resolution of
 * 0.01 km/h; Set Target Inclination 0x03, sint16 in percent with a resolution of 0.1 %;
 * [...] Start or Resume 0x07, no parameter; Stop or Pause 0x08, uint8:
 * 0x01 Stop, 0x02 Pause." The encoders send exactly the defined length.
 */
int ftms_cp_encode_request_control(uint8_t *buf, size_t size, size_t *ret_len)
{
        return encode_request(FTMS_CP_REQUEST_CONTROL, &(FtmsParam){}, buf, size, ret_len);
}

int ftms_cp_encode_reset(uint8_t *buf, size_t size, size_t *ret_len)
{
        return encode_request(FTMS_CP_RESET, &(FtmsParam){}, buf, size, ret_len);
}

int ftms_cp_encode_set_target_speed(double kmh, uint8_t *buf, size_t size, size_t *ret_len)
{
        return encode_request(FTMS_CP_SET_TARGET_SPEED, &(FtmsParam){.value = kmh}, buf, size,
                              ret_len);
}

int ftms_cp_encode_set_target_incline(double pct, uint8_t *buf, size_t size, size_t *ret_len)
{
        return encode_request(FTMS_CP_SET_TARGET_INCLINATION, &(FtmsParam){.value = pct}, buf, size,
                              ret_len);
}

int ftms_cp_encode_start_resume(uint8_t *buf, size_t size, size_t *ret_len)
{
        return encode_request(FTMS_CP_START_OR_RESUME, &(FtmsParam){}, buf, size, ret_len);
}

int ftms_cp_encode_stop_pause(uint8_t stop_pause, uint8_t *buf, size_t size, size_t *ret_len)
{
        if (stop_pause != FTMS_STOP_PARAM_STOP && stop_pause != FTMS_STOP_PARAM_PAUSE)
                return -EINVAL;
        return encode_request(FTMS_CP_STOP_OR_PAUSE, &(FtmsParam){.stop_pause = stop_pause}, buf,
                              size, ret_len);
}

/*
 * FTMS v1.0, 4.16 op code table (as above), read on the server side: the op
 * code, then the parameter the op code defines. A parameter that is shorter
 * than defined is malformed; bytes after it are reported (the simcline
 * client pads every write to 8 bytes and real trainers accept that). RFU op
 * codes (0x15-0xFF) are decoded with their bytes kept raw, so that a server
 * can answer "Op Code Not Supported".
 */
int ftms_cp_parse_request(const uint8_t *buf, size_t len, FtmsCpRequest *ret)
{
        LeCursor c = le_cursor_init(buf, len);
        FtmsCpRequest q = {};
        FtmsParamKind k;
        FtmsParam p = {};
        size_t start;
        int r;

        r = le_cursor_pull_u8(&c, &q.op);
        if (r < 0)
                return r;

        k = ftms_cp_param_kind(q.op);
        start = c.off;
        if (k < 0) {
                q.n_raw_param = MIN(le_cursor_remaining(&c), sizeof(q.raw_param));
                memcpy(q.raw_param, c.data + c.off, q.n_raw_param);
                q.trailing_bytes = le_cursor_remaining(&c) - q.n_raw_param;
                *ret = q;
                return 0;
        }

        r = ftms_param_pull(k, &c, &p);
        if (r < 0)
                return r;
        q.value = p.value;
        q.stop_pause = p.stop_pause;
        q.n_raw_param = c.off - start;
        memcpy(q.raw_param, c.data + start, q.n_raw_param);
        q.trailing_bytes = le_cursor_remaining(&c);

        *ret = q;
        return 0;
}

/*
 * FTMS v1.0, 4.16 Fitness Machine Control Point, Response Code: "Response Code
 * 0x80; Request Op Code; Result Code: 0x01 Success, 0x02 Op Code not
 * supported, 0x03 Invalid Parameter, 0x04 Operation Failed, 0x05 Control Not
 * Permitted; Response Parameter (if any)." Only Spin Down Control defines a
 * response parameter; whatever follows is kept raw.
 */
int ftms_cp_parse_response(const uint8_t *buf, size_t len, FtmsCpResponse *ret)
{
        LeCursor c = le_cursor_init(buf, len);
        FtmsCpResponse resp = {};
        uint8_t code;
        int r;

        r = le_cursor_pull_u8(&c, &code);
        if (r < 0)
                return r;
        if (code != FTMS_CP_RESPONSE_CODE)
                return -EBADMSG;
        r = le_cursor_pull_u8(&c, &resp.request_op);
        if (r < 0)
                return r;
        r = le_cursor_pull_u8(&c, &resp.result);
        if (r < 0)
                return r;
        if (le_cursor_remaining(&c) > sizeof(resp.param))
                return -EBADMSG;
        resp.n_param = le_cursor_remaining(&c);
        r = le_cursor_pull_bytes(&c, resp.param, resp.n_param);
        if (r < 0)
                return r;

        *ret = resp;
        return 0;
}

int ftms_cp_encode_response(const FtmsCpResponse *resp, uint8_t *buf, size_t size, size_t *ret_len)
{
        LeWriter w = le_writer_init(buf, size);
        int r;

        if (resp->n_param > sizeof(resp->param))
                return -EINVAL;
        if (size < 3 + resp->n_param)
                return -ENOBUFS;
        r = le_writer_put_u8(&w, FTMS_CP_RESPONSE_CODE);
        if (r >= 0)
                r = le_writer_put_u8(&w, resp->request_op);
        if (r >= 0)
                r = le_writer_put_u8(&w, resp->result);
        if (r >= 0)
                r = le_writer_put_bytes(&w, resp->param, resp->n_param);
        if (r < 0)
                return r;
        *ret_len = w.off;
        return 0;
}
