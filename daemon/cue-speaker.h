/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Spoken cues through espeak-ng, fire and forget. A speaker that fails (no
 * sound device: espeak-ng and ALSA write errors and exit non-zero) is said
 * once as a warning, with its first line of error output, and then left
 * alone for a while, twice as long after each further failure (30 s up to
 * 30 min): its error output goes nowhere else, so a session without a sound
 * device does not fill the journal. The first success after failures is said
 * too, and a later failure is warned about again.
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

typedef struct CueSpeaker {
        sd_event *event;
        unsigned failures;    /* in a row */
        uint64_t quiet_until; /* usec, the caller's clock: no attempt before */
        bool warned;          /* the current run of failures was logged */
        unsigned running;     /* children not reaped yet */
} CueSpeaker;

#define CUE_SPEAKER_QUIET_MIN_USEC (30ULL * 1000000ULL)
#define CUE_SPEAKER_QUIET_MAX_USEC (30ULL * 60ULL * 1000000ULL)
/* More cues than this at once (children not done) are not spoken. */
#define CUE_SPEAKER_MAX_RUNNING 4

void cue_speaker_init(CueSpeaker *s, sd_event *event);
/* Speaks text (in voice, if not NULL) unless the speaker is resting at now. */
void cue_speaker_say(CueSpeaker *s, uint64_t now, const char *voice, const char *text);
