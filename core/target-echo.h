/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Which Target Speed Changed notices are late echoes of our own commands.
 *
 * A treadmill echoes each accepted Set Target Speed as a Fitness Machine
 * Status notice. Those notices and the Control Point's indications are two
 * characteristics: over BlueZ they may arrive in either order, so an echo
 * of an older command can come after the response to a newer one. Taken as
 * "what the treadmill accepted", it moves the rate limit's reference back
 * and the next step jumps twice max_accel from the belt's real target
 * (seen in e2e at 30x: 16.4 -> 15.4 -> 15.9 -> 14.9). A notice repeating a
 * command older than the newest one, sent within a few seconds, is such an
 * echo; anything else (the newest command, or a value we never sent) is the
 * machine's word, a console change included. The engine and the safety
 * monitor each keep one, independently.
 */

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#define TARGET_ECHO_N           8
#define TARGET_ECHO_WINDOW_USEC (10ULL * 1000000ULL)

typedef struct TargetEcho {
        double value[TARGET_ECHO_N]; /* as written, in the machine's units */
        uint64_t at[TARGET_ECHO_N];
        unsigned n, head;
} TargetEcho;

static inline void target_echo_reset(TargetEcho *t)
{
        t->n = t->head = 0;
}

static inline void target_echo_sent(TargetEcho *t, uint64_t now, double value)
{
        t->value[t->head] = value;
        t->at[t->head] = now;
        t->head = (t->head + 1) % TARGET_ECHO_N;
        if (t->n < TARGET_ECHO_N)
                t->n++;
}

/* The newest command sent within the window: false if none. */
static inline bool target_echo_newest(const TargetEcho *t, uint64_t now, double *ret,
                                      uint64_t *ret_at)
{
        unsigned newest;

        if (t->n == 0)
                return false;
        newest = (t->head + TARGET_ECHO_N - 1) % TARGET_ECHO_N;
        if (now - t->at[newest] > TARGET_ECHO_WINDOW_USEC)
                return false;
        *ret = t->value[newest];
        *ret_at = t->at[newest];
        return true;
}

/* true: `value` repeats an older command of ours, not the newest: stale. */
static inline bool target_echo_is_stale(const TargetEcho *t, uint64_t now, double value)
{
        const double tol = 0.005; /* the wire's 0.01 resolution */
        unsigned newest, i, k;

        if (t->n == 0)
                return false;
        newest = (t->head + TARGET_ECHO_N - 1) % TARGET_ECHO_N;
        if (fabs(t->value[newest] - value) <= tol)
                return false;
        for (i = 1; i < t->n; i++) {
                k = (newest + TARGET_ECHO_N - i) % TARGET_ECHO_N;
                if (now - t->at[k] <= TARGET_ECHO_WINDOW_USEC && fabs(t->value[k] - value) <= tol)
                        return true;
        }
        return false;
}
