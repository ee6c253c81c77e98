/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Arbitrary control-point writes and console presses against the simulated
 * treadmill. Invariants: every packet it emits parses, every write gets one
 * response, and the belt never leaves the supported speed/incline range.
 * Input: a sequence of [len byte][len bytes]; len 0xF0-0xF4 presses console
 * button len - 0xF0 instead. Each step advances the model by 0.7 s.
 */
#include <stdlib.h>

#include "sim-treadmill.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_packets(SimTreadmill *t, unsigned *responses)
{
        const SimTreadmillConfig *c = sim_treadmill_config(t);
        SimPacket p;

        while (sim_treadmill_pop(t, &p)) {
                switch (p.uuid) {
                case FTMS_UUID_CONTROL_POINT: {
                        FtmsCpResponse r;
                        if (ftms_cp_parse_response(p.data, p.len, &r) < 0)
                                abort();
                        (*responses)++;
                        break;
                }
                case FTMS_UUID_MACHINE_STATUS: {
                        FtmsMachineStatus s;
                        if (ftms_parse_machine_status(p.data, p.len, &s) < 0 || !s.known)
                                abort();
                        break;
                }
                case FTMS_UUID_TREADMILL_DATA: {
                        FtmsTreadmillData d;
                        if (ftms_parse_treadmill_data(p.data, p.len, &d) < 0 || d.truncated)
                                abort();
                        break;
                }
                default:
                        abort();
                }
        }
        if (sim_treadmill_speed_kmh(t) > c->speed_range.max + 1e-9 ||
            sim_treadmill_speed_kmh(t) < 0 ||
            sim_treadmill_incline_pct(t) > c->incline_range.max + 1e-9 ||
            sim_treadmill_incline_pct(t) < c->incline_range.min - 1e-9)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        SimTreadmillConfig cfg;
        SimTreadmill *t;
        uint64_t now = 0;
        unsigned writes = 0, responses = 0;

        sim_treadmill_config_default(&cfg);
        if (sim_treadmill_new(&t, &cfg, 0) < 0)
                abort();
        for (size_t off = 0; off < size;) {
                size_t n = data[off++];

                if (n >= 0xF0 && n < 0xF0 + _SIM_CONSOLE_MAX) {
                        (void)sim_treadmill_console(t, now, (SimConsoleButton)(n - 0xF0));
                } else {
                        n %= 24;
                        if (n > size - off)
                                n = size - off;
                        if (n > 0) {
                                if (sim_treadmill_write_control_point(t, now, data + off, n) < 0)
                                        abort();
                                writes++;
                        }
                        off += n;
                }
                now += 700000;
                sim_treadmill_tick(t, now);
                check_packets(t, &responses);
        }
        if (responses != writes)
                abort();
        sim_treadmill_free(t);
        return 0;
}
