/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* paced-web: the runner's screen, served to a phone or tablet (see paced-web(8)). */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "paths.h"
#include "read-file.h"
#include "web.h"

static void help(void)
{
        printf("Usage: paced-web [OPTIONS]\n\n"
               "Serves paced's live view and controls to a paired phone or tablet.\n\n"
               "Options:\n"
               "  -h --help                Show this help\n"
               "     --version             Show the version\n"
               "  -v --verbose             Log debug messages\n"
               "     --config FILE         Configuration (default %s)\n"
               "     --listen 'ADDR:PORT…' Listen here instead of the configuration's\n"
               "     --state-dir DIR       Paired devices (default $STATE_DIRECTORY or\n"
               "                           /var/lib/paced-web)\n"
               "     --paced-state-dir DIR paced's state directory, for its session history\n"
               "     --static-dir DIR      The page's files (default %s/web)\n"
               "\nThe bus is the system bus, or $PACED_BUS_ADDRESS. See paced-web(8).\n",
               WEB_CONFIG_DEFAULT_PATH, paced_data_dir());
}

static int read_pem(const char *path, char **ret)
{
        /* Non-blocking, a regular file, capped (a certificate chain is a
         * few KiB). Links are followed: certificates usually are links. */
        return read_file_regular(path, 1024 * 1024, 0, ret, NULL);
}

static int on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        Web *w = userdata;

        (void)sd_notify(false, "STOPPING=1");
        return sd_event_exit(w->event, 0);
}

static int setup(Web *w, const char *listen_opt, const char *paced_state_dir)
{
        const char *dir;
        int r;

        r = web_config_load(&w->config, w->config_path, w->config_path != NULL);
        if (r < 0)
                return EX_CONFIG;
        if (listen_opt) {
                _cleanup_free_ char *copy = strdup(listen_opt);
                char *save = NULL;

                if (!copy)
                        return EXIT_FAILURE;
                for (size_t i = 0; i < w->config.n_listen; i++)
                        free(w->config.listen[i]);
                w->config.n_listen = 0;
                for (char *a = strtok_r(copy, " ,", &save);
                     a && w->config.n_listen < WEB_LISTEN_MAX; a = strtok_r(NULL, " ,", &save))
                        w->config.listen[w->config.n_listen++] = strdup(a);
        }
        if (paced_state_dir) {
                free(w->config.paced_state_dir);
                w->config.paced_state_dir = strdup(paced_state_dir);
        }
        if (w->config.tls_certificate) {
                r = read_pem(w->config.tls_certificate, &w->tls_cert_pem);
                if (r >= 0)
                        r = read_pem(w->config.tls_key, &w->tls_key_pem);
                if (r < 0) {
                        log_error_errno(r, "Cannot read the TLS certificate or key: %m");
                        return EX_CONFIG;
                }
                w->tls = true;
        }
        if (!w->state_dir) {
                dir = getenv("STATE_DIRECTORY"); /* systemd's StateDirectory= */
                w->state_dir = strdup(dir && *dir ? dir : "/var/lib/paced-web");
        }
        if (mkdir(w->state_dir, 0700) < 0 && errno != EEXIST) {
                log_error_errno(errno, "Cannot create %s: %m", w->state_dir);
                return EXIT_FAILURE;
        }
        if (!w->static_dir) {
                if (asprintf(&w->static_dir, "%s/web", paced_data_dir()) < 0) {
                        w->static_dir = NULL;
                        log_oom();
                        return EXIT_FAILURE;
                }
        }
        w->static_fd = open(w->static_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (w->static_fd < 0) {
                log_error_errno(errno, "Cannot open %s: %m", w->static_dir);
                return EXIT_FAILURE;
        }
        if (web_pairing_load(w) < 0)
                return EXIT_FAILURE;
        r = sd_event_default(&w->event);
        if (r >= 0)
                r = sd_event_add_signal(w->event, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK,
                                        on_sigterm, w);
        if (r >= 0)
                r = sd_event_add_signal(w->event, NULL, SIGINT | SD_EVENT_SIGNAL_PROCMASK,
                                        on_sigterm, w);
        if (r < 0) {
                log_error_errno(r, "Cannot set up the event loop: %m");
                return EXIT_FAILURE;
        }
        if (web_paced_connect(w) < 0 || web_pairing_register(w) < 0)
                return EXIT_FAILURE;
        if (web_http_start(w) < 0)
                return EXIT_FAILURE;
        return 0;
}

int main(int argc, char *argv[])
{
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, 'V'},
                {"verbose", no_argument, NULL, 'v'},
                {"config", required_argument, NULL, 'c'},
                {"listen", required_argument, NULL, 'l'},
                {"state-dir", required_argument, NULL, 's'},
                {"paced-state-dir", required_argument, NULL, 'p'},
                {"static-dir", required_argument, NULL, 'd'},
                {},
        };
        const char *listen_opt = NULL, *paced_state_dir = NULL;
        Web w = {.static_fd = -EBADF, .remaining_s = NAN, .remaining_m = NAN};
        int c, r;

        while ((c = getopt_long(argc, argv, "hv", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case 'V':
                        printf("paced-web %s\n", PACED_VERSION);
                        return 0;
                case 'v':
                        log_set_max_level(LOG_DEBUG);
                        break;
                case 'c':
                        w.config_path = optarg;
                        break;
                case 'l':
                        listen_opt = optarg;
                        break;
                case 's':
                        w.state_dir = strdup(optarg);
                        break;
                case 'p':
                        paced_state_dir = optarg;
                        break;
                case 'd':
                        w.static_dir = strdup(optarg);
                        break;
                default:
                        return EX_USAGE;
                }
        if (optind < argc) {
                fprintf(stderr, "paced-web: unexpected argument '%s'\n", argv[optind]);
                return EX_USAGE;
        }
        manager_props_init(&w.props);
        if (!w.config_path && access(WEB_CONFIG_DEFAULT_PATH, F_OK) == 0)
                w.config_path = WEB_CONFIG_DEFAULT_PATH;

        r = setup(&w, listen_opt, paced_state_dir);
        if (r == 0) {
                (void)sd_notify(false, "READY=1\nSTATUS=Serving the runner's screen");
                r = sd_event_loop(w.event);
                r = r < 0 ? EXIT_FAILURE : 0;
        }
        web_http_stop(&w);
        w.bus = sd_bus_flush_close_unref(w.bus);
        w.event = sd_event_unref(w.event);
        manager_props_done(&w.props);
        for (size_t i = 0; i < ELEMENTSOF(w.devices); i++)
                device_props_done(&w.devices[i]);
        web_paced_steps_free(&w);
        free(w.state_dir);
        free(w.static_dir);
        free(w.tls_cert_pem);
        free(w.tls_key_pem);
        if (w.static_fd >= 0)
                close(w.static_fd);
        web_config_done(&w.config);
        return r;
}
