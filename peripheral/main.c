/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * paced-peripheral: a virtual BLE treadmill (FTMS) + heart-rate strap (HRS) +
 * battery, served through bluetoothd's GattManager1 and LEAdvertisingManager1
 * on one adapter. Used by the e2e tests (tests/e2e/) against paced, and on
 * any Linux box with Bluetooth to test fitness apps. See docs/peripheral.md.
 *
 * Control commands arrive one per line on stdin or on a FIFO (--control);
 * every Control Point request is logged, one line each, to --cp-log.
 * peripheral.h says which file holds what.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "config.h"
#include "peripheral.h"

void peripheral_log(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        Peripheral *p = userdata;

        /* Like a treadmill switched off: the link goes down with it. */
        links_drop(p, NULL, NULL);
        return sd_event_exit(p->event, 0);
}

static int parse_range(const char *arg, FtmsRange *ret)
{
        FtmsRange r;

        if (sscanf(arg, "%lf,%lf,%lf", &r.min, &r.max, &r.increment) != 3 || r.min > r.max ||
            r.increment <= 0)
                return -EINVAL;
        *ret = r;
        return 0;
}

static void help(void)
{
        printf("paced-peripheral [OPTIONS]\n\n"
               "A virtual FTMS treadmill + heart-rate strap served through bluetoothd.\n\n"
               "  -a --adapter=hciN        adapter to serve on (default hci0)\n"
               "  -n --name=NAME           advertised local name (default \"paced treadmill\")\n"
               "     --strap-adapter=hciN  serve the strap (HRS, battery) as a second device "
               "there\n"
               "     --strap-name=NAME     its advertised name (default \"paced strap\")\n"
               "     --footpod-adapter=hciN  serve a footpod (RSC) on the runner there\n"
               "     --footpod-name=NAME   its advertised name (default \"paced footpod\")\n"
               "     --footpod-factor=F    the belt runs F times what it reports, 0.8-1.25; the\n"
               "                           footpod measures that (default 1)\n"
               "  -c --control=FIFO        read control commands from FIFO instead of stdin\n"
               "  -l --cp-log=FILE         log every Control Point request to FILE\n"
               "     --speed-range=MIN,MAX,INC    km/h (default 1,20,0.1)\n"
               "     --incline-range=MIN,MAX,INC  %% (default 0,15,0.5)\n"
               "     --hr16                send heart rate as uint16\n"
               "     --treadmill-hr        also put the heart rate in Treadmill Data\n"
               "     --no-advertise        register the GATT application only\n"
               "     --time-scale=N        run the treadmill and runner models N times faster\n"
               "                           than real time (tests, with paced --test-time-scale)\n"
               "     --distance-every=N    Total Distance in every Nth Treadmill Data record only\n"
               "     --log-data            log each Treadmill Data record with the belt's travel\n"
               "  -h --help\n\n"
               "Commands: console stop|pause|start|safety-key,\n"
               "drop-link [treadmill|strap|footpod [ADDRESS]],\n"
               "refuse-control on|off, fail speed|incline|start|stop|all on|off,\n"
               "lose-control, malformed treadmill|hr|status|cp, advertise on|off "
               "[treadmill|strap|footpod],\n"
               "hr16 on|off, hr BPM|auto, status, quit. See docs/peripheral.md.\n");
}

int main(int argc, char *argv[])
{
        enum {
                ARG_SPEED_RANGE = 0x100,
                ARG_INCLINE_RANGE,
                ARG_HR16,
                ARG_NO_ADVERTISE,
                ARG_STRAP_ADAPTER,
                ARG_STRAP_NAME,
                ARG_TREADMILL_HR,
                ARG_TIME_SCALE,
                ARG_DISTANCE_EVERY,
                ARG_LOG_DATA,
                ARG_FOOTPOD_ADAPTER,
                ARG_FOOTPOD_NAME,
                ARG_FOOTPOD_FACTOR,
        };
        static const struct option options[] = {
                {"adapter", required_argument, NULL, 'a'},
                {"strap-adapter", required_argument, NULL, ARG_STRAP_ADAPTER},
                {"strap-name", required_argument, NULL, ARG_STRAP_NAME},
                {"footpod-adapter", required_argument, NULL, ARG_FOOTPOD_ADAPTER},
                {"footpod-name", required_argument, NULL, ARG_FOOTPOD_NAME},
                {"footpod-factor", required_argument, NULL, ARG_FOOTPOD_FACTOR},
                {"name", required_argument, NULL, 'n'},
                {"control", required_argument, NULL, 'c'},
                {"cp-log", required_argument, NULL, 'l'},
                {"speed-range", required_argument, NULL, ARG_SPEED_RANGE},
                {"incline-range", required_argument, NULL, ARG_INCLINE_RANGE},
                {"hr16", no_argument, NULL, ARG_HR16},
                {"treadmill-hr", no_argument, NULL, ARG_TREADMILL_HR},
                {"no-advertise", no_argument, NULL, ARG_NO_ADVERTISE},
                {"time-scale", required_argument, NULL, ARG_TIME_SCALE},
                {"distance-every", required_argument, NULL, ARG_DISTANCE_EVERY},
                {"log-data", no_argument, NULL, ARG_LOG_DATA},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        Peripheral p = {};
        bool advertise = true;
        SimTreadmillConfig cfg;
        SimRunnerProfile profile;
        const char *adapter = "hci0", *strap_adapter = NULL, *control = NULL, *cp_log = NULL;
        const char *name = "paced treadmill", *strap_name = "paced strap";
        const char *footpod_adapter = NULL, *footpod_name = "paced footpod";
        double time_scale = 1.0, footpod_factor = 1.0;
        _cleanup_close_ int control_fd = -EBADF;
        sigset_t mask;
        int c, r;

        sim_treadmill_config_default(&cfg);
        sim_runner_profile_default(&profile);
        while ((c = getopt_long(argc, argv, "a:n:c:l:h", options, NULL)) >= 0)
                switch (c) {
                case 'a':
                        adapter = optarg;
                        break;
                case 'n':
                        name = optarg;
                        break;
                case ARG_STRAP_ADAPTER:
                        strap_adapter = optarg;
                        break;
                case ARG_STRAP_NAME:
                        strap_name = optarg;
                        break;
                case ARG_FOOTPOD_ADAPTER:
                        footpod_adapter = optarg;
                        break;
                case ARG_FOOTPOD_NAME:
                        footpod_name = optarg;
                        break;
                case ARG_FOOTPOD_FACTOR:
                        if (config_parse_number_range(optarg, 0.8, 1.25, &footpod_factor) < 0) {
                                fprintf(stderr,
                                        "--footpod-factor: expected 0.8 to 1.25, got '%s'\n",
                                        optarg);
                                return 2;
                        }
                        break;
                case 'c':
                        control = optarg;
                        break;
                case 'l':
                        cp_log = optarg;
                        break;
                case ARG_SPEED_RANGE:
                        if (parse_range(optarg, &cfg.speed_range) < 0) {
                                fprintf(stderr, "invalid --speed-range: %s\n", optarg);
                                return 2;
                        }
                        break;
                case ARG_INCLINE_RANGE:
                        if (parse_range(optarg, &cfg.incline_range) < 0) {
                                fprintf(stderr, "invalid --incline-range: %s\n", optarg);
                                return 2;
                        }
                        break;
                case ARG_HR16:
                        p.hr16 = true;
                        break;
                case ARG_TREADMILL_HR:
                        p.treadmill_hr = true;
                        break;
                case ARG_TIME_SCALE:
                        if (config_parse_number_range(optarg, 1, 1000, &time_scale) < 0) {
                                fprintf(stderr, "--time-scale: expected 1 to 1000, got '%s'\n",
                                        optarg);
                                return EXIT_FAILURE;
                        }
                        break;
                case ARG_DISTANCE_EVERY: {
                        double n;

                        if (config_parse_number_range(optarg, 1, 100, &n) < 0 || n != floor(n)) {
                                fprintf(stderr, "--distance-every: expected 1 to 100, got '%s'\n",
                                        optarg);
                                return EXIT_FAILURE;
                        }
                        cfg.distance_every = (unsigned)n;
                        break;
                }
                case ARG_LOG_DATA:
                        p.log_data = true;
                        break;
                case ARG_NO_ADVERTISE:
                        advertise = false;
                        break;
                case 'h':
                        help();
                        return 0;
                default:
                        return 2;
                }
        if (optind < argc) {
                fprintf(stderr, "unexpected argument: %s\n", argv[optind]);
                return 2;
        }
        if (strchr(adapter, '/') || (strap_adapter && strchr(strap_adapter, '/')) ||
            (footpod_adapter && strchr(footpod_adapter, '/'))) {
                fprintf(stderr, "invalid adapter name\n");
                return 2;
        }
        p.apps[0] = (App){
                .p = &p,
                .root = "/org/paced/treadmill",
                .adv_path = "/org/paced/treadmill_advertisement",
                .role = "treadmill",
                .name = name,
                .advertise = advertise,
                .services = (1u << SERVICE_FTMS) | (1u << SERVICE_HRS) | (1u << SERVICE_BATTERY),
        };
        snprintf(p.apps[0].adapter_path, sizeof(p.apps[0].adapter_path), "/org/bluez/%s", adapter);
        p.n_apps = 1;
        if (strap_adapter) {
                p.apps[0].services = 1u << SERVICE_FTMS;
                p.apps[1] = (App){
                        .p = &p,
                        .root = "/org/paced/strap",
                        .adv_path = "/org/paced/strap_advertisement",
                        .role = "strap",
                        .name = strap_name,
                        .advertise = advertise,
                        .services = (1u << SERVICE_HRS) | (1u << SERVICE_BATTERY),
                };
                snprintf(p.apps[1].adapter_path, sizeof(p.apps[1].adapter_path), "/org/bluez/%s",
                         strap_adapter);
                p.n_apps = 2;
        }
        if (footpod_adapter) {
                App *a = &p.apps[p.n_apps++];

                *a = (App){
                        .p = &p,
                        .root = "/org/paced/footpod",
                        .adv_path = "/org/paced/footpod_advertisement",
                        .role = "footpod",
                        .name = footpod_name,
                        .advertise = advertise,
                        .services = 1u << SERVICE_RSC,
                };
                snprintf(a->adapter_path, sizeof(a->adapter_path), "/org/bluez/%s",
                         footpod_adapter);
        }
        sim_footpod_init(&p.footpod, footpod_factor, 0);
        setvbuf(stdout, NULL, _IOLBF, 0);

        if (cp_log) {
                p.cp_log = fopen(cp_log, "we");
                if (!p.cp_log) {
                        fprintf(stderr, "cannot open %s: %m\n", cp_log);
                        return 1;
                }
        }
        if (control) {
                /* O_RDWR: the FIFO never reports EOF when a writer goes away. */
                control_fd = open(control, O_RDWR | O_NONBLOCK | O_CLOEXEC);
                if (control_fd < 0) {
                        fprintf(stderr, "cannot open %s: %m\n", control);
                        return 1;
                }
        }

        r = sd_event_default(&p.event);
        if (r >= 0)
                r = sd_bus_open_system(&p.bus);
        if (r >= 0)
                r = sd_bus_attach_event(p.bus, p.event, 0);
        if (r < 0) {
                fprintf(stderr, "cannot connect to the system bus: %s\n", strerror(-r));
                return 1;
        }
        r = gatt_add_objects(&p);
        if (r >= 0)
                r = advertising_add_objects(&p);
        if (r < 0) {
                fprintf(stderr, "cannot export objects: %s\n", strerror(-r));
                return 1;
        }
        paced_clock_init(&p.clock, time_scale);
        r = sim_treadmill_new(&p.treadmill, &cfg, peripheral_now(&p));
        if (r >= 0)
                r = sim_runner_new(&p.runner, &profile, peripheral_now(&p));
        if (r < 0) {
                fprintf(stderr, "cannot create the treadmill model: %s\n", strerror(-r));
                return 1;
        }
        p.last_belt = sim_treadmill_state(p.treadmill);
        gatt_read_static_values(&p);

        r = links_watch(&p);
        if (r < 0) {
                fprintf(stderr, "cannot add matches: %s\n", strerror(-r));
                return 1;
        }

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        r = sd_event_add_signal(p.event, NULL, SIGTERM, on_signal, &p);
        if (r >= 0)
                r = sd_event_add_signal(p.event, NULL, SIGINT, on_signal, &p);
        if (r >= 0)
                r = machine_start(&p);
        if (r >= 0)
                r = sd_event_add_io(p.event, &p.control_source,
                                    control_fd >= 0 ? control_fd : STDIN_FILENO, EPOLLIN,
                                    commands_on_input, &p);
        if (r == -EPERM) /* stdin is a regular file or /dev/null: no control channel */
                r = 0;
        if (r < 0) {
                fprintf(stderr, "cannot set up the event loop: %s\n", strerror(-r));
                return 1;
        }

        r = advertising_start(&p);
        if (r < 0) {
                fprintf(stderr, "cannot register with bluetoothd: %s\n", strerror(-r));
                return 1;
        }
        r = sd_event_loop(p.event);

        sd_event_source_unref(p.control_source);
        sd_event_source_unref(p.data_timer);
        sd_event_source_unref(p.hr_timer);
        for (size_t i = 0; i < p.n_apps; i++)
                sd_event_source_unref(p.apps[i].retry);
        sd_bus_flush_close_unref(p.bus);
        sd_event_unref(p.event);
        if (p.cp_log)
                fclose(p.cp_log);
        sim_treadmill_free(p.treadmill);
        sim_runner_free(p.runner);
        return r < 0 ? 1 : 0;
}
