/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * LD_PRELOAD shim for tests and benches: a slow disk without FUSE. Every
 * fsync()/fdatasync() sleeps PACED_TEST_FSYNC_DELAY_MS (default 0) first,
 * and, with PACED_TEST_FSYNC_LOG set, appends one line to that file saying
 * which thread asked: "main <file>" for the process's main thread (paced's
 * event loop), "thread <file>" for any other. A test then checks that the
 * loop never waited for the disk, without timing anything.
 */
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void slow_disk(int fd)
{
        const char *delay = getenv("PACED_TEST_FSYNC_DELAY_MS");
        const char *log = getenv("PACED_TEST_FSYNC_LOG");
        char proc[64], target[512] = "?", line[600];
        ssize_t n;

        if (log && log[0]) {
                int lfd;

                snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
                n = readlink(proc, target, sizeof(target) - 1);
                target[n > 0 ? n : 1] = '\0';
                n = snprintf(line, sizeof(line), "%s %s\n",
                             gettid() == getpid() ? "main" : "thread", target);
                lfd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
                if (lfd >= 0) {
                        (void)!write(lfd, line, (size_t)n);
                        close(lfd);
                }
        }
        if (delay) {
                long ms = strtol(delay, NULL, 10);
                struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

                if (ms > 0)
                        nanosleep(&ts, NULL);
        }
}

int fsync(int fd)
{
        static int (*real)(int);

        if (!real)
                real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
        slow_disk(fd);
        return real(fd);
}

int fdatasync(int fd)
{
        static int (*real)(int);

        if (!real)
                real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
        slow_disk(fd);
        return real(fd);
}
