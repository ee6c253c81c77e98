/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Cost of one GATT notification in the BlueZ transport, client side only:
 * CPU time (and instructions, where perf counters are allowed) from the
 * PropertiesChanged(Value) message arriving on the bus socket to the decoded
 * TransportEvent, over a private dbus-daemon with the fake org.bluez of the
 * unit tests. The fake emits a batch first, then only the client's
 * processing of that batch is measured (thread CPU time).
 *
 * Both subscription paths of the transport are measured: StartNotify
 * (a PropertiesChanged message per value) and AcquireNotify (one
 * SOCK_SEQPACKET datagram per value, BluezConfig.acquire_notify), plus the
 * bare floor of the latter: recv() + decoding without the transport.
 *
 *   ./build/bench/bench-bluez-notify [notifications]
 * Prints figures only; asserts nothing.
 */
#define _GNU_SOURCE
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <inttypes.h>

#include "bluez-client.h"
#include "fake-bluez.h"
#include "log.h"
#include "test-helpers.h"
#include "util.h"

typedef struct Bench {
        uint64_t events;
        bool up[_TRANSPORT_ROLE_MAX];
} Bench;

static void on_event(const TransportEvent *ev, void *userdata)
{
        Bench *b = userdata;

        if (ev->type == TRANSPORT_EVENT_LINK)
                b->up[ev->role] = ev->link.up;
        else if (ev->type == TRANSPORT_EVENT_HEART_RATE ||
                 ev->type == TRANSPORT_EVENT_TREADMILL_DATA)
                b->events++;
}

static bool pred_up(void *p)
{
        Bench *b = p;

        return b->up[TRANSPORT_ROLE_TREADMILL] && b->up[TRANSPORT_ROLE_STRAP];
}

typedef struct Want {
        Bench *b;
        uint64_t n;
} Want;

static bool pred_events(void *p)
{
        Want *w = p;

        return w->b->events >= w->n;
}

static uint64_t thread_cpu_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Instructions retired by this thread, or -1 if perf counters are not allowed. */
static int perf_open(void)
{
        struct perf_event_attr a = {
                .type = PERF_TYPE_HARDWARE,
                .size = sizeof(a),
                .config = PERF_COUNT_HW_INSTRUCTIONS,
                .disabled = 1,
                .exclude_kernel = 1,
                .exclude_hv = 1,
        };

        return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

static int64_t perf_read(int fd)
{
        int64_t v = -1;

        if (fd < 0 || read(fd, &v, sizeof(v)) != sizeof(v))
                return -1;
        return v;
}

typedef struct Measure {
        uint64_t cpu_ns;
        int64_t instructions;
} Measure;

static void print_row(const char *what, uint64_t n, const Measure *m)
{
        printf("%-44s %8" PRIu64 " notif  %8.2f us CPU/notif", what, n,
               (double)m->cpu_ns / 1000.0 / (double)n);
        if (m->instructions >= 0)
                printf("  %10.0f instr/notif", (double)m->instructions / (double)n);
        else
                printf("  instr/notif n/a (perf counters not permitted)");
        printf("\n");
}

static void bench_transport(uint64_t total, bool acquire)
{
        static const uint16_t tm_svcs[] = {0x1826}, hr_svcs[] = {0x180D};
        uint8_t hr[8], td[32];
        size_t n_hr, n_td;
        const size_t batch = 200;
        TestBus bus = {};
        sd_event *e = NULL;
        sd_bus *client = NULL;
        FakeBluez *f = NULL;
        FakeObject *hci0;
        FakeTreadmillGatt tm = {};
        FakeStrapGatt strap = {};
        BluezConfig cfg = {.acquire_notify = acquire};
        Transport *t = NULL;
        Bench b = {};
        Measure m = {};
        int pfd = perf_open();

        /* Polar H7 and Life Fitness, from TMIW's tests (tests/vectors/). */
        n_hr = test_unhex("167310020d02", hr, sizeof(hr));
        n_td = test_unhex("9e04730233022500003c00ff7f0000ff7f0200ffffff1f00", td, sizeof(td));

        if (test_bus_start(&bus) < 0 || sd_event_new(&e) < 0 ||
            test_bus_connect(&bus, e, &client) < 0 || fake_bluez_new(&f, e, &bus) < 0) {
                fprintf(stderr, "cannot start a private bus (dbus-daemon missing?)\n");
                exit(1);
        }
        hci0 = fake_add_adapter(f, "hci0", "00:AA:01:00:00:00", true);
        tm.dev = fake_add_device(f, hci0, "F0:AA:00:00:00:01", "Treadmill", tm_svcs, 1, false);
        fake_treadmill_gatt(f, &tm);
        strap.dev = fake_add_device(f, hci0, "F0:AA:00:00:00:02", "Strap", hr_svcs, 1, false);
        fake_strap_gatt(f, &strap, false);
        if (bluez_transport_new(&t, e, client, &cfg) < 0) {
                fprintf(stderr, "cannot create the transport\n");
                exit(1);
        }
        t->handler = on_event;
        t->userdata = &b;
        if (!run_until(e, pred_up, &b)) {
                fprintf(stderr, "links did not come up\n");
                exit(1);
        }

        for (uint64_t sent = 0; sent < total;) {
                Want w = {&b, 0};
                uint64_t t0;
                int64_t i0, i1;

                for (size_t i = 0; i < batch && sent < total; i++, sent++) {
                        if (sent % 2)
                                fake_notify(f, tm.data, td, n_td);
                        else
                                fake_notify(f, strap.hrm, hr, n_hr);
                }
                sd_bus_flush(f->bus);
                w.n = sent;
                if (pfd >= 0) {
                        ioctl(pfd, PERF_EVENT_IOC_RESET, 0);
                        ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0);
                }
                i0 = perf_read(pfd);
                t0 = thread_cpu_ns();
                if (!run_until(e, pred_events, &w)) {
                        fprintf(stderr, "notifications lost\n");
                        exit(1);
                }
                m.cpu_ns += thread_cpu_ns() - t0;
                i1 = perf_read(pfd);
                if (pfd >= 0)
                        ioctl(pfd, PERF_EVENT_IOC_DISABLE, 0);
                if (i0 >= 0 && i1 >= 0)
                        m.instructions = (m.instructions < 0 ? 0 : m.instructions) + (i1 - i0);
                else
                        m.instructions = -1;
        }
        print_row(acquire ? "AcquireNotify socket (transport)"
                          : "StartNotify + PropertiesChanged (transport)",
                  total, &m);

        transport_free(t);
        fake_bluez_free(f);
        sd_bus_flush_close_unref(client);
        sd_event_unref(e);
        test_bus_stop(&bus);
        if (pfd >= 0)
                close(pfd);
}

static void bench_acquire_equivalent(uint64_t total)
{
        uint8_t hr[8], td[32], buf[600];
        size_t n_hr, n_td;
        int sv[2], pfd = perf_open();
        FtmsTreadmillAssembler a;
        Measure m = {};
        uint64_t decoded = 0;

        n_hr = test_unhex("167310020d02", hr, sizeof(hr));
        n_td = test_unhex("9e04730233022500003c00ff7f0000ff7f0200ffffff1f00", td, sizeof(td));
        ftms_treadmill_assembler_reset(&a);
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return;
        for (uint64_t done = 0; done < total;) {
                const size_t batch = 200;
                uint64_t t0, n = 0;
                int64_t i0, i1;

                for (size_t i = 0; i < batch && done + n < total; i++, n++)
                        (void)!send(sv[1], (done + n) % 2 ? td : hr, (done + n) % 2 ? n_td : n_hr,
                                    0);
                if (pfd >= 0) {
                        ioctl(pfd, PERF_EVENT_IOC_RESET, 0);
                        ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0);
                }
                i0 = perf_read(pfd);
                t0 = thread_cpu_ns();
                for (uint64_t i = 0; i < n; i++) {
                        ssize_t k = recv(sv[0], buf, sizeof(buf), 0);
                        HrsMeasurement hm;
                        FtmsTreadmillData d;

                        if (k <= 0)
                                break;
                        if (buf[0] == 0x16)
                                decoded += hrs_parse_measurement(buf, (size_t)k, &hm) >= 0;
                        else
                                decoded +=
                                        ftms_treadmill_assembler_push(&a, buf, (size_t)k, &d) > 0;
                }
                m.cpu_ns += thread_cpu_ns() - t0;
                i1 = perf_read(pfd);
                if (pfd >= 0)
                        ioctl(pfd, PERF_EVENT_IOC_DISABLE, 0);
                m.instructions = (i0 >= 0 && i1 >= 0)
                                         ? (m.instructions < 0 ? 0 : m.instructions) + (i1 - i0)
                                         : -1;
                done += n;
        }
        print_row("floor: recv() + decode, no transport", total, &m);
        if (decoded != total)
                fprintf(stderr, "decoded %" PRIu64 " of %" PRIu64 "\n", decoded, total);
        close(sv[0]);
        close(sv[1]);
        if (pfd >= 0)
                close(pfd);
}

int main(int argc, char *argv[])
{
        uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 20000;

        if (n == 0)
                n = 20000;
        log_set_max_level(LOG_WARNING);
        bench_transport(n, false);
        bench_transport(n, true);
        bench_acquire_equivalent(n);
        return 0;
}
