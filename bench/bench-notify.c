/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Cost of one BLE notification from its bytes to the workout engine, the
 * pure part of the path that every notification takes in paced: the codec
 * (hrs_parse_measurement(), or the Treadmill Data assembler), the
 * TransportEvent, workout_engine_handle_event() and draining the engine's
 * output queue. The engine runs a one-step workout (the fake treadmill of
 * the engine tests links it and starts the belt), so each notification
 * meets a running engine.
 *
 * The bytes are real captures from tests/vectors/real-captures.jsonl
 * (sources there): Heart Rate Measurement from a Polar H7 and the
 * TrackMyIndoorWorkout "more HRM" fixture, Treadmill Data from Life
 * Fitness and Technogym MyRun treadmills (the latter split over two
 * packets with More Data).
 *
 *   bench-notify hr|treadmill [notifications]
 *
 * Prints thread CPU time per notification. Instructions are counted
 * deterministically by bench/notify-instructions, which runs this program
 * under callgrind with collection limited to bench_notify_one().
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake-treadmill.h"
#include "ftms.h"
#include "hrs.h"

typedef struct Capture {
        const char *hex;
} Capture;

static const Capture hr_captures[] = {
        {"167310020d02"}, /* Polar H7: 115 bpm, two RR */
        {"16730f021102"}, /* Polar H7 */
        {"167414021602"}, /* Polar H7 */
        {"16742902"},     /* Polar H7, one RR */
        {"1659a202"},     /* TMIW "more HRM" */
        {"165a9a02"},     /* TMIW "more HRM" */
};

static const Capture treadmill_captures[] = {
        {"9e04730233022500003c00ff7f0000ff7f0200ffffff1f00"},   /* Life Fitness */
        {"9e0492014d027a00008200ff7fab00ff7f1000ffffff4d00"},   /* Life Fitness */
        {"9e0517059202fb00000000ff7f7c00ff7f1b00ffffff698a00"}, /* Life Fitness, with HR */
        {"1f0084012a00000000000001000000"},                     /* Technogym MyRun, More Data */
        {"80064e020200ffffff372700"},                           /* Technogym MyRun, the rest */
};

typedef struct Packet {
        uint8_t buf[64];
        size_t len;
} Packet;

typedef struct Bench {
        Rig rig;
        bool hr;
        FtmsTreadmillAssembler assembler;
        Packet packets[8];
        size_t n_packets;
        uint64_t delivered, malformed;
} Bench;

static void unhex(const char *hex, Packet *ret)
{
        size_t n = strlen(hex) / 2;

        if (n > sizeof(ret->buf))
                abort();
        for (size_t i = 0; i < n; i++) {
                unsigned v;

                if (sscanf(hex + 2 * i, "%2x", &v) != 1)
                        abort();
                ret->buf[i] = (uint8_t)v;
        }
        ret->len = n;
}

/* One notification: bytes in, engine updated, outputs drained. Not inlined,
 * so that callgrind can count exactly this. */
__attribute__((noinline)) void bench_notify_one(Bench *b, const Packet *p);
__attribute__((noinline)) void bench_notify_one(Bench *b, const Packet *p)
{
        TransportEvent ev = {.time_usec = b->rig.now};
        EngineOutput o;

        if (b->hr) {
                ev.type = TRANSPORT_EVENT_HEART_RATE;
                ev.role = TRANSPORT_ROLE_STRAP;
                if (hrs_parse_measurement(p->buf, p->len, &ev.hr) < 0) {
                        b->malformed++;
                        return;
                }
        } else {
                int r = ftms_treadmill_assembler_push(&b->assembler, p->buf, p->len, &ev.treadmill);
                if (r < 0)
                        b->malformed++;
                if (r <= 0)
                        return;
                ev.type = TRANSPORT_EVENT_TREADMILL_DATA;
                ev.role = TRANSPORT_ROLE_TREADMILL;
        }
        workout_engine_handle_event(b->rig.e, b->rig.now, &ev);
        while (workout_engine_pop_output(b->rig.e, &o) > 0)
                if (o.type == ENGINE_OUTPUT_CP_WRITE)
                        abort(); /* steady state: the belt is at the target already */
        b->delivered++;
}

static double thread_cpu_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char *argv[])
{
        static Bench b; /* the Rig is large */
        ResolvedStep step = rig_step_time(STEP_KIND_ACTIVE, 100 * 3600, 10.0);
        const Capture *caps;
        EngineConfig cfg;
        uint64_t n = 1000000;
        double t0, t1;

        if (argc < 2 || (strcmp(argv[1], "hr") != 0 && strcmp(argv[1], "treadmill") != 0)) {
                fprintf(stderr, "usage: bench-notify hr|treadmill [notifications]\n");
                return 2;
        }
        b.hr = strcmp(argv[1], "hr") == 0;
        if (argc > 2)
                n = strtoull(argv[2], NULL, 10);
        caps = b.hr ? hr_captures : treadmill_captures;
        b.n_packets = b.hr ? ELEMENTSOF(hr_captures) : ELEMENTSOF(treadmill_captures);
        for (size_t i = 0; i < b.n_packets; i++)
                unhex(caps[i].hex, &b.packets[i]);

        /* A running workout in steady state at 10 km/h. */
        engine_config_init(&cfg);
        rig_init_with(&b.rig, &cfg, true);
        if (workout_engine_load(b.rig.e, b.rig.now, rig_workout("bench", &step, 1)) < 0 ||
            workout_engine_arm(b.rig.e, b.rig.now) < 0)
                abort();
        rig_drain(&b.rig);
        rig_console_start(&b.rig, 1.0);
        b.rig.tm.hr_enabled = true;
        rig_run_for(&b.rig, 60);
        if (workout_engine_get_state(b.rig.e) != ENGINE_STATE_RUNNING)
                abort();
        ftms_treadmill_assembler_reset(&b.assembler);

        /*
         * Time stands still during the loop (no tick() is due within it), so the
         * figure is the notification path alone, not timers.
         */
        t0 = thread_cpu_s();
        for (uint64_t i = 0; i < n; i++)
                bench_notify_one(&b, &b.packets[i % b.n_packets]);
        t1 = thread_cpu_s();

        printf("%s notifications: %" PRIu64 " (%zu real captures in turn), delivered to the "
               "engine: %" PRIu64 ", malformed: %" PRIu64 "\n",
               b.hr ? "heart-rate" : "treadmill-data", n, b.n_packets, b.delivered, b.malformed);
        printf("thread CPU time: %.3f s, %.1f ns per notification (bytes -> codec -> "
               "engine -> outputs drained)\n",
               t1 - t0, n ? (t1 - t0) * 1e9 / (double)n : 0.0);
        rig_free(&b.rig);
        return 0;
}
