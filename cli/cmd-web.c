/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pacectl web pair [--name NAME] [--read-only] | devices | revoke ID: pairs
 * phones and tablets with paced-web (io.paced.web1 on the bus; root and
 * group paced only) and shows the pairing URL as a QR code in the terminal.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef HAVE_QRENCODE
#include <qrencode.h>
#endif

#include "bus-client.h"
#include "session-cli.h"
#include "util.h"

#define WEB_BUS_NAME  "io.paced.web1"
#define WEB_BUS_PATH  "/io/paced/web1"
#define WEB_BUS_IFACE "io.paced.web1.Pairing"

static const char usage_text[] =
        "  pair [--name NAME] [--read-only] [--no-qr]\n"
        "                     A single-use code (5 minutes), its URL and QR code: open it\n"
        "                     on the phone. --read-only: a spectator display, no controls\n"
        "  devices            The paired devices\n"
        "  revoke ID          Unpair a device at once (its open pages stop)\n";

/* Two rows of modules per line: upper half block, lower half block, full, space. */
static void print_qr(const char *text)
{
#ifdef HAVE_QRENCODE
        QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
        int n, quiet = 2;

        if (!qr)
                return;
        n = qr->width;
        /* Light modules drawn, dark ones left as the (dark) terminal background. */
        for (int y = -quiet; y < n + quiet; y += 2) {
                fputs("  ", stdout);
                for (int x = -quiet; x < n + quiet; x++) {
                        bool top = y >= 0 && y < n && x >= 0 && x < n && (qr->data[y * n + x] & 1);
                        bool bottom = y + 1 >= 0 && y + 1 < n && x >= 0 && x < n &&
                                      (qr->data[(y + 1) * n + x] & 1);

                        fputs(!top && !bottom ? "\u2588"
                              : !top          ? "\u2580"
                              : !bottom       ? "\u2584"
                                              : " ",
                              stdout);
                }
                fputc('\n', stdout);
        }
        QRcode_free(qr);
#else
        (void)text;
#endif
}

static int call(const char *method, sd_bus_message **ret_reply, const char *types, ...)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        sd_bus *bus = NULL;
        va_list ap;
        int r;

        r = pacectl_bus_open(&bus);
        if (r < 0)
                return pacectl_bus_open_failed(r);
        r = sd_bus_message_new_method_call(bus, &msg, WEB_BUS_NAME, WEB_BUS_PATH, WEB_BUS_IFACE,
                                           method);
        if (r >= 0 && types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(msg, types, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = sd_bus_call(bus, msg, 0, &error, ret_reply);
        sd_bus_flush_close_unref(bus);
        if (r < 0) {
                if (sd_bus_error_has_names(&error, "org.freedesktop.DBus.Error.ServiceUnknown",
                                           "org.freedesktop.DBus.Error.NameHasNoOwner")) {
                        fprintf(stderr, "pacectl web: paced-web is not running "
                                        "(systemctl start paced-web).\n");
                        return PACECTL_EXIT_UNAVAILABLE;
                }
                r = pacectl_error_exit(method, &error, r);
                /* paced-web's own refusal is the same as paced's. */
                if (sd_bus_error_has_name(&error, "io.paced.web1.Error.NotPermitted"))
                        return PACECTL_EXIT_NOT_PERMITTED;
                return r;
        }
        return PACECTL_EXIT_OK;
}

static int web_pair(int argc, char *argv[])
{
        static const struct option options[] = {
                {"name", required_argument, NULL, 'n'},
                {"read-only", no_argument, NULL, 'r'},
                {"no-qr", no_argument, NULL, 'q'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *name = "", *code, *url;
        bool read_only = false, qr = true;
        uint64_t expires;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'n':
                        name = optarg;
                        break;
                case 'r':
                        read_only = true;
                        break;
                case 'q':
                        qr = false;
                        break;
                case 'h':
                        pacectl_print_usage("web", usage_text);
                        return PACECTL_EXIT_OK;
                default:
                        return PACECTL_EXIT_USAGE;
                }
        if (optind < argc) {
                fprintf(stderr, "pacectl web pair: unexpected argument '%s'\n", argv[optind]);
                return PACECTL_EXIT_USAGE;
        }
        r = call("Pair", &reply, "sb", name, (int)read_only);
        if (r != PACECTL_EXIT_OK)
                return r;
        r = sd_bus_message_read(reply, "sst", &code, &url, &expires);
        if (r < 0)
                return pacectl_error_exit("Pair", NULL, r);
        printf("Pairing code: %.4s-%s   (%s; valid 5 minutes, once)\n", code, code + 4,
               read_only ? "read-only" : "with controls");
        printf("On the phone, open: %s\n", url);
        if (qr) {
                printf("or scan:\n\n");
                print_qr(url);
        }
        fflush(stdout);
        return PACECTL_EXIT_OK;
}

static int web_devices(void)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *id, *kind, *name;
        uint64_t created, used;
        unsigned n = 0;
        int r;

        r = call("ListDevices", &reply, NULL);
        if (r != PACECTL_EXIT_OK)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(ssstt)");
        if (r < 0)
                return pacectl_error_exit("ListDevices", NULL, r);
        while ((r = sd_bus_message_read(reply, "(ssstt)", &id, &kind, &name, &created, &used)) >
               0) {
                char c[32], u[32] = "-";

                if (n++ == 0)
                        printf("%-16s  %-7s  %-16s  %-16s  %s\n", "ID", "KIND", "PAIRED",
                               "LAST USED", "NAME");
                session_cli_format_time(c, sizeof(c), created);
                if (used)
                        session_cli_format_time(u, sizeof(u), used);
                printf("%-16s  %-7s  %-16s  %-16s  %s\n", id, kind, c, u, name);
        }
        if (r < 0)
                return pacectl_error_exit("ListDevices", NULL, r);
        if (n == 0)
                printf("No paired devices (pacectl web pair).\n");
        return PACECTL_EXIT_OK;
}

static int cmd_web(int argc, char *argv[])
{
        if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
                pacectl_print_usage("web", usage_text);
                return argc < 2 ? PACECTL_EXIT_USAGE : PACECTL_EXIT_OK;
        }
        if (streq(argv[1], "pair"))
                return web_pair(argc - 1, argv + 1);
        if (streq(argv[1], "devices")) {
                if (argc != 2) {
                        fprintf(stderr, "pacectl web devices: no arguments\n");
                        return PACECTL_EXIT_USAGE;
                }
                return web_devices();
        }
        if (streq(argv[1], "revoke")) {
                if (argc != 3) {
                        fprintf(stderr, "pacectl web revoke: expected one device ID "
                                        "(pacectl web devices)\n");
                        return PACECTL_EXIT_USAGE;
                }
                return call("Revoke", NULL, "s", argv[2]);
        }
        fprintf(stderr, "pacectl web: unknown command '%s' (pair, devices, revoke)\n", argv[1]);
        return PACECTL_EXIT_USAGE;
}

PACECTL_COMMAND(web, .name = "web", .args = "pair|devices|revoke ID",
                .summary = "Pair phones and tablets with paced-web, list or revoke them.",
                .run = cmd_web);
