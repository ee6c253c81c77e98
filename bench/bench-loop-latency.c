/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How long paced's event loop keeps a D-Bus caller waiting: a cheap
 * property Get, every 10 ms for a while, timed round trip by round trip
 * (bus daemon included, so an upper bound of the loop's own latency).
 * Prints the count, median, 99th percentile and worst. With --big-zwo it
 * first sends StartWorkoutData with a 4 MiB .zwo of text events (the
 * largest a client may send; tests/lib/big-inputs.h), asynchronously, and
 * reports how long that call took as well. bench/loop-latency drives it.
 *
 *   bench-loop-latency ADDRESS SECONDS [--big-zwo]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

#include "../tests/lib/big-inputs.h"
#include "paced-bus.h"
#include "workout-zwo.h"

static double now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

static double big_sent_at = NAN, big_replied_at = NAN;
static char big_error[256];

static int on_big_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        const sd_bus_error *e = sd_bus_message_get_error(m);

        big_replied_at = now_s();
        if (e)
                snprintf(big_error, sizeof(big_error), "%s: %s", e->name, e->message);
        return 0;
}

static int connect_bus(const char *address, sd_bus **ret)
{
        sd_bus *bus = NULL;
        int r;

        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, true);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                sd_bus_unref(bus);
                return r;
        }
        *ret = bus;
        return 0;
}

int main(int argc, char *argv[])
{
        sd_bus *bus = NULL, *big_bus = NULL;
        double seconds, end, *rtt = NULL;
        size_t n = 0, cap = 0;
        bool big = argc > 3 && strcmp(argv[3], "--big-zwo") == 0;
        int r;

        if (argc < 3) {
                fprintf(stderr, "usage: bench-loop-latency ADDRESS SECONDS [--big-zwo]\n");
                return 2;
        }
        seconds = atof(argv[2]);
        /* Two connections: the probe's calls never queue behind the big one. */
        r = connect_bus(argv[1], &bus);
        if (r >= 0 && big)
                r = connect_bus(argv[1], &big_bus);
        if (r < 0) {
                fprintf(stderr, "cannot connect to %s: %s\n", argv[1], strerror(-r));
                return 1;
        }
        if (big) {
                sd_bus_message *m = NULL;
                size_t len;
                char *zwo = big_zwo_text_events(WORKOUT_ZWO_MAX - 1024, &len);

                r = sd_bus_message_new_method_call(big_bus, &m, PACED_BUS_NAME, PACED_BUS_PATH,
                                                   PACED_BUS_IFACE_MANAGER, "StartWorkoutData");
                if (r >= 0)
                        r = sd_bus_message_append(m, "ssb", "big.zwo", zwo, 0);
                big_sent_at = now_s();
                if (r >= 0)
                        r = sd_bus_call_async(big_bus, NULL, m, on_big_reply, NULL,
                                              60 * 1000000ULL);
                sd_bus_message_unref(m);
                free(zwo);
                if (r < 0) {
                        fprintf(stderr, "StartWorkoutData: %s\n", strerror(-r));
                        return 1;
                }
                printf("sent StartWorkoutData with a %zu-byte .zwo\n", len);
        }
        end = now_s() + seconds;
        while (now_s() < end) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                char *v = NULL;
                double t0 = now_s();
                struct timespec ts = {0, 10 * 1000 * 1000};

                r = sd_bus_get_property_string(bus, PACED_BUS_NAME, PACED_BUS_PATH,
                                               PACED_BUS_IFACE_MANAGER, "Version", &error, &v);
                if (r < 0) {
                        fprintf(stderr, "Get: %s\n", error.message ? error.message : strerror(-r));
                        return 1;
                }
                free(v);
                sd_bus_error_free(&error);
                if (n == cap) {
                        cap = cap ? cap * 2 : 1024;
                        rtt = realloc(rtt, cap * sizeof(*rtt));
                        if (!rtt)
                                return 1;
                }
                rtt[n++] = (now_s() - t0) * 1e3;
                /* The big call's connection: its message out, its reply in. */
                while (big_bus && sd_bus_process(big_bus, NULL) > 0)
                        ;
                nanosleep(&ts, NULL);
        }
        while (big && isnan(big_replied_at)) {
                r = sd_bus_wait(big_bus, 1000000);
                while (sd_bus_process(big_bus, NULL) > 0)
                        ;
                if (r < 0)
                        break;
        }
        qsort(rtt, n, sizeof(*rtt), cmp_double);
        printf("%zu Get calls over %.0f s: median %.2f ms, p99 %.2f ms, worst %.2f ms\n", n,
               seconds, n ? rtt[n / 2] : NAN, n ? rtt[(size_t)((double)n * 0.99)] : NAN,
               n ? rtt[n - 1] : NAN);
        if (big)
                printf("StartWorkoutData answered after %.1f ms%s%s\n",
                       (big_replied_at - big_sent_at) * 1e3, big_error[0] ? ": " : "", big_error);
        free(rtt);
        sd_bus_flush_close_unref(bus);
        sd_bus_flush_close_unref(big_bus);
        return 0;
}
