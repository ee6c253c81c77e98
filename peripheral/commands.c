/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The control channel: one command a line on stdin or the --control FIFO
 * (docs/peripheral.md lists them), for tests and people at a terminal.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peripheral.h"

static bool parse_on_off(const char *arg, bool *ret)
{
        if (streq(arg, "on"))
                *ret = true;
        else if (streq(arg, "off"))
                *ret = false;
        else
                return false;
        return true;
}

static void send_malformed(Peripheral *p, const char *what)
{
        /* Payloads no parser can decode: shorter than the mandatory fields. */
        static const uint8_t td[] = {0x00, 0x00, 0xb0}; /* cut inside the speed */
        static const uint8_t hr[] = {0x01, 0x48};       /* uint16 HR, 1 byte of it */
        static const uint8_t status[] = {0x05, 0x20};   /* target speed, 1 of 2 bytes */
        static const uint8_t cp[] = {0x80};             /* response without op/result */

        if (streq(what, "treadmill"))
                gatt_char_notify(&p->chars[CHAR_TREADMILL_DATA], td, sizeof(td));
        else if (streq(what, "hr"))
                gatt_char_notify(&p->chars[CHAR_HR_MEASUREMENT], hr, sizeof(hr));
        else if (streq(what, "status"))
                gatt_char_notify(&p->chars[CHAR_MACHINE_STATUS], status, sizeof(status));
        else if (streq(what, "cp"))
                gatt_char_notify(&p->chars[CHAR_CONTROL_POINT], cp, sizeof(cp));
        else {
                peripheral_log("error: malformed treadmill|hr|status|cp");
                return;
        }
        peripheral_log("sent malformed %s", what);
}

static void handle_command(Peripheral *p, char *line)
{
        char *argv[4] = {};
        int argc = 0;
        bool on;

        for (char *tok = strtok(line, " \t\r"); tok && argc < 4; tok = strtok(NULL, " \t\r"))
                argv[argc++] = tok;
        if (argc == 0 || argv[0][0] == '#')
                return;

        if (streq(argv[0], "console") && argc == 2) {
                SimConsoleButton b = sim_console_button_from_string(argv[1]);
                int r;

                if (b < 0) {
                        peripheral_log("error: console start|stop|pause|safety-key|key-replace");
                        return;
                }
                r = sim_treadmill_console(p->treadmill, peripheral_now(p), b);
                peripheral_log("console %s%s%s", argv[1], r < 0 ? ": " : "",
                               r < 0 ? strerror(-r) : "");
                machine_flush(p);
                (void)machine_arm_data_timer(p);
        } else if (streq(argv[0], "drop-link") && argc <= 3 &&
                   (argc == 1 || streq(argv[1], "treadmill") || streq(argv[1], "strap") ||
                    streq(argv[1], "footpod"))) {
                links_drop(p, argc > 1 ? argv[1] : NULL, argc > 2 ? argv[2] : NULL);
        } else if (streq(argv[0], "refuse-control") && argc == 2 && parse_on_off(argv[1], &on)) {
                sim_treadmill_set_refuse_control(p->treadmill, on);
                peripheral_log("refuse-control %s", argv[1]);
        } else if (streq(argv[0], "fail") && argc == 3 && parse_on_off(argv[2], &on)) {
                unsigned bit = streq(argv[1], "speed")     ? FAIL_SPEED
                               : streq(argv[1], "incline") ? FAIL_INCLINE
                               : streq(argv[1], "start")   ? FAIL_START
                               : streq(argv[1], "stop")    ? FAIL_STOP
                               : streq(argv[1], "all")     ? FAIL_ALL
                                                           : 0;
                if (bit == 0) {
                        peripheral_log("error: fail speed|incline|start|stop|all on|off");
                        return;
                }
                p->fail_mask = on ? p->fail_mask | bit : p->fail_mask & ~bit;
                peripheral_log("fail %s %s", argv[1], argv[2]);
        } else if (streq(argv[0], "lose-control") && argc == 1) {
                sim_treadmill_revoke_control(p->treadmill, peripheral_now(p));
                peripheral_log("control permission lost");
                machine_flush(p);
        } else if (streq(argv[0], "malformed") && argc == 2) {
                send_malformed(p, argv[1]);
        } else if (streq(argv[0], "advertise") && (argc == 2 || argc == 3) &&
                   parse_on_off(argv[1], &on)) {
                /* "advertise on strap": one device only (tests order the connections). */
                bool any = false;

                for (size_t i = 0; i < p->n_apps; i++) {
                        App *a = &p->apps[i];

                        if (argc == 3 && !streq(argv[2], a->role))
                                continue;
                        any = true;
                        a->advertise = on;
                        if (on)
                                advertising_register(a);
                        else
                                advertising_withdraw(a);
                }
                if (!any)
                        peripheral_log("error: advertise on|off [treadmill|strap|footpod]");
        } else if (streq(argv[0], "hr16") && argc == 2 && parse_on_off(argv[1], &on)) {
                p->hr16 = on;
                peripheral_log("hr16 %s", argv[1]);
        } else if (streq(argv[0], "hr") && argc == 2) {
                if (streq(argv[1], "auto"))
                        p->hr_override = 0;
                else
                        p->hr_override = strtod(argv[1], NULL);
                peripheral_log("hr %s", argv[1]);
        } else if (streq(argv[0], "status") && argc == 1) {
                const SimTreadmill *t = p->treadmill;

                peripheral_log("status belt=%s speed=%.2f target=%.2f incline=%.1f target=%.1f "
                               "distance=%.0f hr=%.0f control=%s",
                               sim_belt_state_to_string(sim_treadmill_state(t)),
                               sim_treadmill_speed_kmh(t), sim_treadmill_target_speed_kmh(t),
                               sim_treadmill_incline_pct(t), sim_treadmill_target_incline_pct(t),
                               sim_treadmill_distance_m(t), sim_runner_heart_rate(p->runner),
                               sim_treadmill_has_control(t) ? "yes" : "no");
        } else if (streq(argv[0], "quit") && argc == 1) {
                sd_event_exit(p->event, 0);
        } else
                peripheral_log("error: unknown command (see docs/peripheral.md)");
}

int commands_on_input(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Peripheral *p = userdata;
        ssize_t n;

        n = read(fd, p->line + p->line_len, sizeof(p->line) - 1 - p->line_len);
        if (n < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : -errno;
        if (n == 0) {
                /* stdin closed: an interactive session ended. */
                peripheral_log("control channel closed");
                return sd_event_exit(p->event, 0);
        }
        p->line_len += (size_t)n;
        for (;;) {
                char *nl = memchr(p->line, '\n', p->line_len);
                size_t used;

                if (!nl) {
                        if (p->line_len == sizeof(p->line) - 1)
                                p->line_len = 0; /* overlong line: drop it */
                        break;
                }
                *nl = '\0';
                used = (size_t)(nl - p->line) + 1;
                handle_command(p, p->line);
                memmove(p->line, p->line + used, p->line_len - used);
                p->line_len -= used;
        }
        return 0;
}
