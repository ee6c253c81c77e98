/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kept apart from ftms-control.c: the state machine is testable without the
 * codecs; only the glue that writes bytes needs this.
 */
#include "ftms-control.h"

int ftms_control_command_encode(const FtmsControlCommand *c, uint8_t *buf, size_t size,
                                size_t *ret_len)
{
        switch (c->op) {
        case FTMS_CP_REQUEST_CONTROL:
                return ftms_cp_encode_request_control(buf, size, ret_len);
        case FTMS_CP_RESET:
                return ftms_cp_encode_reset(buf, size, ret_len);
        case FTMS_CP_SET_TARGET_SPEED:
                return ftms_cp_encode_set_target_speed(c->value, buf, size, ret_len);
        case FTMS_CP_SET_TARGET_INCLINATION:
                return ftms_cp_encode_set_target_incline(c->value, buf, size, ret_len);
        case FTMS_CP_START_OR_RESUME:
                return ftms_cp_encode_start_resume(buf, size, ret_len);
        case FTMS_CP_STOP_OR_PAUSE:
                return ftms_cp_encode_stop_pause(c->stop_pause, buf, size, ret_len);
        default:
                return -EOPNOTSUPP;
        }
}
