/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Parses our TCX with expat and checks its structure against the session;
 * schema validity against Garmin's XSD is checked with xmllint in
 * tests/integration/test-export-tcx.sh.
 */
#define _GNU_SOURCE 1
#include <expat.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "export-tcx.h"
#include "session-fixture.h"

typedef struct Parsed {
        unsigned laps, trackpoints, tp_hr, tp_speed, tp_distance, notes;
        char path[2048];
        char text[256];
        size_t text_len;
        char first_time[32], lap_trigger[8][16], lap_intensity[8][16];
        double speeds[2000];
        double lap_distance[8];
        bool creator_device;
} Parsed;

static void XMLCALL on_start(void *data, const XML_Char *name, const XML_Char **attrs)
{
        Parsed *p = data;

        strncat(p->path, ">", sizeof(p->path) - strlen(p->path) - 1);
        strncat(p->path, name, sizeof(p->path) - strlen(p->path) - 1);
        p->text_len = 0;
        p->text[0] = '\0';
        if (streq(name, TCX_NS "|Lap"))
                p->laps++;
        if (streq(name, TCX_NS "|Trackpoint"))
                p->trackpoints++;
        if (streq(name, TCX_NS "|Creator"))
                for (size_t i = 0; attrs[i]; i += 2)
                        if (streq(attrs[i], "http://www.w3.org/2001/XMLSchema-instance|type") &&
                            streq(attrs[i + 1], "Device_t"))
                                p->creator_device = true;
}

static bool ends_with(const char *s, const char *suffix)
{
        size_t a = strlen(s), b = strlen(suffix);
        return a >= b && streq(s + a - b, suffix);
}

static void XMLCALL on_end(void *data, const XML_Char *name)
{
        Parsed *p = data;
        char *slash;

        if (ends_with(p->path, "|Trackpoint>" TCX_NS "|Time") && p->trackpoints == 1)
                snprintf(p->first_time, sizeof(p->first_time), "%.31s", p->text);
        if (ends_with(p->path, "|Trackpoint>" TCX_NS "|HeartRateBpm>" TCX_NS "|Value"))
                p->tp_hr++;
        if (ends_with(p->path, "|Trackpoint>" TCX_NS "|DistanceMeters"))
                p->tp_distance++;
        if (ends_with(p->path, "|TPX>" TCX_ACTIVITY_EXT "|Speed") && p->tp_speed < 2000)
                p->speeds[p->tp_speed++] = strtod(p->text, NULL);
        if (ends_with(p->path, "|Lap>" TCX_NS "|TriggerMethod") && p->laps <= 8)
                snprintf(p->lap_trigger[p->laps - 1], 16, "%.15s", p->text);
        if (ends_with(p->path, "|Lap>" TCX_NS "|Intensity") && p->laps <= 8)
                snprintf(p->lap_intensity[p->laps - 1], 16, "%.15s", p->text);
        if (ends_with(p->path, "|Lap>" TCX_NS "|DistanceMeters") && p->laps <= 8)
                p->lap_distance[p->laps - 1] = strtod(p->text, NULL);
        if (ends_with(p->path, "|Lap>" TCX_NS "|Notes"))
                p->notes++;
        slash = strrchr(p->path, '>');
        if (slash)
                *slash = '\0';
        p->text_len = 0;
}

static void XMLCALL on_text(void *data, const XML_Char *s, int len)
{
        Parsed *p = data;
        size_t n = MIN((size_t)len, sizeof(p->text) - 1 - p->text_len);

        memcpy(p->text + p->text_len, s, n);
        p->text_len += n;
        p->text[p->text_len] = '\0';
}

static void test_tcx_structure_matches_session(void **state)
{
        char dir[] = "/tmp/test-export-tcx-XXXXXX", cmd[64];
        SessionStore *s = NULL;
        SessionData *d = NULL;
        char *buf = NULL;
        size_t size = 0;
        int64_t id;
        FILE *f;
        static Parsed p;
        XML_Parser parser;

        assert_non_null(mkdtemp(dir));
        assert_int_equal(session_store_open(&s, dir), 0);
        assert_int_equal(fixture_run(s, 3, 3000, SESSION_END_FINISHED, &id), 0);
        assert_int_equal(session_store_load(s, id, &d), 0);
        session_store_free(s);

        f = open_memstream(&buf, &size);
        assert_non_null(f);
        assert_int_equal(export_tcx_write(d, f), 0);
        fclose(f);

        memset(&p, 0, sizeof(p));
        parser = XML_ParserCreateNS("UTF-8", '|');
        XML_SetUserData(parser, &p);
        XML_SetElementHandler(parser, on_start, on_end);
        XML_SetCharacterDataHandler(parser, on_text);
        assert_int_equal(XML_Parse(parser, buf, (int)size, 1), XML_STATUS_OK);
        XML_ParserFree(parser);

        assert_int_equal(p.laps, FIXTURE_N_STEPS);
        assert_int_equal(p.trackpoints, d->n_samples);
        assert_int_equal(p.tp_distance, d->n_samples);
        assert_int_equal(p.tp_speed, d->n_samples);
        size_t with_hr = 0;
        for (size_t i = 0; i < d->n_samples; i++)
                with_hr += d->samples[i].hr_bpm > 0;
        assert_int_equal(p.tp_hr, with_hr);
        assert_true(with_hr < d->n_samples); /* the dropout has no HeartRateBpm */
        assert_string_equal(p.first_time, "2025-11-24T16:00:00Z");
        for (size_t i = 0; i < 200; i++)
                assert_float_equal(p.speeds[i], d->samples[i].speed_kmh / 3.6, 0.0005);
        assert_string_equal(p.lap_trigger[0], "Time");
        assert_string_equal(p.lap_trigger[1], "Distance");
        assert_string_equal(p.lap_intensity[1], "Active");
        assert_string_equal(p.lap_intensity[2], "Resting");
        assert_true(p.lap_distance[1] >= 400 && p.lap_distance[1] < 405);
        assert_int_equal(p.notes, FIXTURE_N_STEPS);
        assert_true(p.creator_device);

        free(buf);
        session_data_free(d);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
}

static void test_tcx_escapes_and_free_run(void **state)
{
        SessionSample x[3];
        SessionData d = {.start_wall_usec = FIXTURE_START_USEC,
                         .samples = x,
                         .n_samples = 3,
                         .workout_name = (char *)"<5k> & \"more\""};
        char *buf = NULL;
        size_t size = 0;
        FILE *f;

        for (unsigned i = 0; i < 3; i++)
                x[i] = (SessionSample){.t_s = i,
                                       .speed_kmh = NAN,
                                       .distance_m = NAN,
                                       .step_index = -1,
                                       .alpha1 = NAN};
        f = open_memstream(&buf, &size);
        assert_int_equal(export_tcx_write(&d, f), 0);
        fclose(f);
        assert_non_null(
                strstr(buf, "<Notes>&lt;5k&gt; &amp; &quot;more&quot; (treadmill)</Notes>"));
        /* One lap holding all trackpoints, no speed/HR/distance elements. */
        assert_non_null(strstr(buf, "<Lap StartTime=\"2025-11-24T16:00:00Z\">"));
        assert_null(strstr(buf, "HeartRateBpm"));
        assert_null(strstr(buf, "TPX"));
        assert_non_null(strstr(buf, "<TotalTimeSeconds>3.0</TotalTimeSeconds>"));
        free(buf);

        /* Whatever the store holds (an old row, another writer), the XML is well-formed. */
        d.workout_name = (char *)"Caf\xe9 \x1b[31mred\xc2\x9b \xe2\x82";
        f = open_memstream(&buf, &size);
        assert_int_equal(export_tcx_write(&d, f), 0);
        fclose(f);
        {
                XML_Parser xp = XML_ParserCreate(NULL);

                if (XML_Parse(xp, buf, (int)size, XML_TRUE) != XML_STATUS_OK)
                        fail_msg("malformed TCX: %s", XML_ErrorString(XML_GetErrorCode(xp)));
                XML_ParserFree(xp);
        }
        assert_non_null(strstr(
                buf,
                "<Notes>Caf\xef\xbf\xbd [31mred \xef\xbf\xbd\xef\xbf\xbd (treadmill)</Notes>"));
        free(buf);

        d.n_samples = 0;
        f = open_memstream(&buf, &size);
        assert_int_equal(export_tcx_write(&d, f), -ENODATA);
        fclose(f);
        free(buf);
}

/* paced was stopped for a minute: a new track after the gap, and the lap's
 * time is the recorded time. */
static void test_tcx_gap_splits_track(void **state)
{
        SessionSample x[120];
        SessionData d = {.start_wall_usec = FIXTURE_START_USEC, .samples = x, .n_samples = 120};
        char *buf = NULL, *p;
        size_t size = 0, tracks = 0;
        FILE *f;

        for (unsigned i = 0; i < 120; i++)
                x[i] = (SessionSample){.t_s = i < 60 ? i : i + 60,
                                       .speed_kmh = 12,
                                       .distance_m = i * 3.3,
                                       .step_index = -1,
                                       .alpha1 = NAN};
        f = open_memstream(&buf, &size);
        assert_int_equal(export_tcx_write(&d, f), 0);
        fclose(f);
        for (p = buf; (p = strstr(p, "<Track>")); p++)
                tracks++;
        assert_int_equal(tracks, 2);
        /* The second track begins at the first sample after the gap. */
        p = strstr(buf, "<Track>\n     <Trackpoint><Time>2025-11-24T16:02:00Z");
        assert_non_null(p);
        assert_non_null(strstr(buf, "<TotalTimeSeconds>120.0</TotalTimeSeconds>"));
        free(buf);
}

/* The footpod's cadence as RunCadence, in strides (one foot) a minute. */
static void test_tcx_run_cadence(void **state)
{
        SessionSample x[3];
        SessionData d = {.start_wall_usec = FIXTURE_START_USEC, .samples = x, .n_samples = 3};
        static const unsigned spm[3] = {175, 0, 180};
        char *buf = NULL, *p;
        size_t size = 0, n = 0;
        FILE *f;

        for (unsigned i = 0; i < 3; i++)
                x[i] = (SessionSample){.t_s = i,
                                       .speed_kmh = 10,
                                       .distance_m = i * 2.8,
                                       .step_index = -1,
                                       .alpha1 = NAN,
                                       .cadence_spm = spm[i]};
        f = open_memstream(&buf, &size);
        assert_int_equal(export_tcx_write(&d, f), 0);
        fclose(f);
        assert_non_null(
                strstr(buf, "<ns3:Speed>2.778</ns3:Speed><ns3:RunCadence>88</ns3:RunCadence>"));
        assert_non_null(
                strstr(buf, "<ns3:Speed>2.778</ns3:Speed><ns3:RunCadence>90</ns3:RunCadence>"));
        for (p = buf; (p = strstr(p, "RunCadence>")); p++)
                n++;
        assert_int_equal(n, 4); /* two trackpoints, each opened and closed */
        free(buf);
}

/*
 * A lap's TotalTimeSeconds is the timer's (moving) time, as Garmin
 * writes it; it was the clock's, pauses included (29/20/30/41 s for laps whose
 * cues said 0:20.0).
 */
static void test_tcx_lap_time_without_pauses(void **state)
{
        SessionSample x[60];
        SessionEventRow ev[2] = {
                {.t_s = 8, .type = SESSION_EVENT_PAUSE},
                {.t_s = 17, .type = SESSION_EVENT_RESUME},
        };
        SessionData d = {.start_wall_usec = FIXTURE_START_USEC,
                         .samples = x,
                         .n_samples = 60,
                         .events = ev,
                         .n_events = 2};
        char *buf = NULL, *p;
        size_t size = 0;
        double dist = 0;
        FILE *f;

        /* Three 20 s steps at 12 km/h; the first one paused for 9 s (the belt stood). */
        for (unsigned i = 0; i < 60; i++) {
                bool paused = i >= 8 && i < 17;

                x[i] = (SessionSample){.t_s = i,
                                       .speed_kmh = paused ? 0 : 12,
                                       .distance_m = dist,
                                       .step_index = i < 29   ? 0
                                                     : i < 49 ? 1
                                                              : 2,
                                       .alpha1 = NAN};
                dist += paused ? 0 : 12 / 3.6;
        }
        f = open_memstream(&buf, &size);
        assert_int_equal(export_tcx_write(&d, f), 0);
        fclose(f);
        p = strstr(buf, "<TotalTimeSeconds>");
        assert_non_null(p);
        assert_true(strncmp(p, "<TotalTimeSeconds>20.0</TotalTimeSeconds>", 41) == 0);
        p = strstr(p + 1, "<TotalTimeSeconds>");
        assert_non_null(p);
        assert_true(strncmp(p, "<TotalTimeSeconds>20.0</TotalTimeSeconds>", 41) == 0);
        /* 12 km/h while moving, not 12 x 20/29. */
        assert_non_null(strstr(buf, "<ns3:AvgSpeed>3.333</ns3:AvgSpeed>"));
        free(buf);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_tcx_structure_matches_session),
                cmocka_unit_test(test_tcx_escapes_and_free_run),
                cmocka_unit_test(test_tcx_gap_splits_track),
                cmocka_unit_test(test_tcx_lap_time_without_pauses),
                cmocka_unit_test(test_tcx_run_cadence),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
