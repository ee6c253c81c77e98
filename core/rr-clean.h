/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * RR intervals: exact conversion from the strap's 1/1024 s ticks, and
 * artifact detection and correction in the spirit of Lipponen & Tarvainen
 * 2019 (doi:10.1080/03091902.2019.1640306); the rules are documented in
 * docs/analysis.md. Streaming, so the live tracker and the offline analysis
 * use the very same decisions. Pure code: no I/O, no logging.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RR_TICKS_PER_SEC 1024

/* Exact: x * 1000 / 1024 is representable in a double for every uint16_t. */
static inline double rr_ticks_to_ms(uint16_t ticks)
{
        return (double)ticks * (1000.0 / (double)RR_TICKS_PER_SEC);
}

/* What the cleaner did with a beat. Every kind but NORMAL counts as an artifact. */
typedef enum RrBeatKind {
        RR_BEAT_NORMAL,
        RR_BEAT_MISSED,     /* one long interval (a missed R peak) split into 2-3 equal beats */
        RR_BEAT_EXTRA,      /* two short intervals (a spurious peak) merged into one */
        RR_BEAT_ECTOPIC,    /* premature + compensatory pair, both set to their mean */
        RR_BEAT_LONG_SHORT, /* an isolated outlier replaced by the local median */
        RR_BEAT_DROPOUT,    /* a gap of more than 3 beats split into flagged beats */
        RR_BEAT_CORRECTED,  /* corrected before (a stored session's artifact flag) */
        _RR_BEAT_KIND_MAX,
        _RR_BEAT_KIND_INVALID = -EINVAL,
} RrBeatKind;

const char *rr_beat_kind_to_string(RrBeatKind k);

typedef struct RrBeat {
        double rr_ms;
        RrBeatKind kind;
        /* One beat per repair carries it (every beat of a dropout): what the
         * artifact percentage counts, as Kubios counts corrections. A missed
         * beat split in two is one artifact, not two. */
        bool counted;
} RrBeat;

/* The beat's value was produced or changed by a repair. */
static inline bool rr_beat_is_artifact(const RrBeat *b)
{
        return b->kind != RR_BEAT_NORMAL;
}

/* Neighbours each side for the local median (11 beats with the beat itself). */
#define RR_CLEANER_LOOKAHEAD 5
/* Beats over which the adaptive threshold's quartile deviation is taken. */
#define RR_CLEANER_HISTORY 91

typedef struct RrCleaner RrCleaner;

/*
 * correct = false keeps every input value as it is (one output beat per input)
 * but still classifies it, so artifact percentages stay meaningful.
 */
int rr_cleaner_new(RrCleaner **ret, bool correct);
RrCleaner *rr_cleaner_free(RrCleaner *c);
static inline void rr_cleaner_freep(RrCleaner **c)
{
        if (*c)
                *c = rr_cleaner_free(*c);
}

/*
 * Feeds one raw RR interval (ms, > 0 and finite, else -EINVAL). Decisions are
 * made RR_CLEANER_LOOKAHEAD beats late; the beats decided by this call are
 * returned through *ret_beats (owned by the cleaner, valid until the next
 * call). Returns their number (0 while the lookahead fills).
 */
int rr_cleaner_push(RrCleaner *c, double rr_ms, const RrBeat **ret_beats);
/* Input intervals not decided yet (at most RR_CLEANER_LOOKAHEAD + 1): the
 * beats the last push returned stand for the input that many before the newest. */
size_t rr_cleaner_pending(const RrCleaner *c);
/* End of the recording: decides every pending beat. Same return as push. */
int rr_cleaner_flush(RrCleaner *c, const RrBeat **ret_beats);

/* Batch form over a whole recording. *ret_beats is malloc'd. */
int rr_correct(const double *rr_ms, size_t n, bool correct, RrBeat **ret_beats,
               size_t *ret_n_beats);

/* Artifacts (counted beats) per 100 beats of beats[0..n), 0 for n = 0. */
double rr_artifact_pct(const RrBeat *beats, size_t n);
