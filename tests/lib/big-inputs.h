/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The largest inputs each outside-input parser accepts, built the way a
 * careless or hostile producer would fill them: for the parser benchmark
 * (bench/bench-parsers) and the test that the parsers are linear
 * (tests/unit/test-parser-scaling). Each returns a malloc'd NUL-terminated
 * buffer of about size bytes and its length.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct BigBuf {
        char *data;
        size_t len, cap;
} BigBuf;

static inline void big_append(BigBuf *b, const char *s)
{
        size_t n = strlen(s);

        if (b->len + n + 1 > b->cap) {
                b->cap = (b->len + n + 1) * 2;
                b->data = realloc(b->data, b->cap);
                if (!b->data)
                        abort();
        }
        memcpy(b->data + b->len, s, n + 1);
        b->len += n;
}

/* A .zwo whose one step carries text event after text event (Zwift shows
 * each at its time offset; paced joins them into the step's cue). */
static inline char *big_zwo_text_events(size_t size, size_t *ret_len)
{
        BigBuf b = {};
        char line[160];

        big_append(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<workout_file>"
                       "<name>Talkative</name><sportType>run</sportType><workout>\n"
                       "<SteadyState Duration=\"3600\" Power=\"0.8\" pace=\"2\">\n");
        for (unsigned i = 0; b.len + 200 < size; i++) {
                snprintf(line, sizeof(line),
                         "<textevent timeoffset=\"%u\" message=\"Keep it steady, relax the "
                         "shoulders, %u\"/>\n",
                         i % 3600, i);
                big_append(&b, line);
        }
        big_append(&b, "</SteadyState></workout></workout_file>\n");
        *ret_len = b.len;
        return b.data;
}

/* A .zwo of as many short steps as fit (parsed whole, then refused: too many steps). */
static inline char *big_zwo_steps(size_t size, size_t *ret_len)
{
        BigBuf b = {};

        big_append(&b, "<?xml version=\"1.0\"?>\n<workout_file><name>Long</name>"
                       "<sportType>run</sportType><workout>\n");
        while (b.len + 100 < size)
                big_append(&b, "<SteadyState Duration=\"60\" Power=\"0.8\" pace=\"2\"/>\n");
        big_append(&b, "</workout></workout_file>\n");
        *ret_len = b.len;
        return b.data;
}

/* A text workout of long cue words and steps (1 MiB is the format's cap). */
static inline char *big_text_workout(size_t size, size_t *ret_len)
{
        BigBuf b = {};

        big_append(&b, "# name: Long text\nWarmup\n");
        while (b.len + 200 < size)
                big_append(&b, "- keep it steady and relax the shoulders and arms now 10s "
                               "8km/h\n# a comment line that says nothing much at all here\n");
        *ret_len = b.len;
        return b.data;
}

/* A SetSchedule plan padded to size with days (only the options are read). */
static inline char *big_plan_json(size_t size, size_t *ret_len)
{
        BigBuf b = {};

        big_append(&b, "{\"version\":1,\"goal_mile_s\":360.0,\"weeks\":12,\"days_per_week\":4,"
                       "\"start\":\"2026-01-05\",\"end\":\"2026-03-29\",\"days\":[");
        for (unsigned i = 0; b.len + 200 < size; i++)
                big_append(&b, i ? ",{\"date\":\"2026-01-05\",\"week\":1,\"phase\":\"base\","
                                   "\"type\":\"run\",\"workout\":\"easy-run\",\"note\":null}"
                                 : "{\"date\":\"2026-01-05\",\"week\":1,\"phase\":\"base\","
                                   "\"type\":\"run\",\"workout\":\"easy-run\",\"note\":null}");
        big_append(&b, "]}");
        *ret_len = b.len;
        return b.data;
}

/* An RR recording for pacectl analyze: hours of beats, one CSV row each. */
static inline char *big_rr_csv(size_t size, size_t *ret_len)
{
        BigBuf b = {};
        char line[64];
        double t = 0;

        big_append(&b, "t_s,rr_ms,hr_bpm,speed_kmh\n");
        for (unsigned i = 0; b.len + 64 < size; i++) {
                double rr = 600 + (i % 37) * 3;

                t += rr / 1000;
                snprintf(line, sizeof(line), "%.3f,%.0f,%.0f,%.1f\n", t, rr, 60000 / rr,
                         10.0 + (i % 100) / 100.0);
                big_append(&b, line);
        }
        *ret_len = b.len;
        return b.data;
}

/* paced.conf at its 1 MiB cap: mostly comments. */
static inline char *big_config(size_t size, size_t *ret_len)
{
        BigBuf b = {};

        big_append(&b, "[Safety]\nmax_speed = 16\n");
        while (b.len + 100 < size)
                big_append(&b, "# a long comment line about the speed caps of this treadmill\n");
        big_append(&b, "[Runner]\nmax_hr = 190\n");
        *ret_len = b.len;
        return b.data;
}
