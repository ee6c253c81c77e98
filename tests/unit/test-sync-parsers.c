/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* paced-sync's pure parts: the services' JSON, Retry-After and backoff, the configuration. */
#define _GNU_SOURCE /* open_memstream */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "backoff.h"
#include "intervals-json.h"
#include "plan.h"
#include "strava-json.h"
#include "sync-config.h"
#include "sync-json.h"

#define S(x) x, strlen(x)

static void test_intervals_events(void **state)
{
        IntervalsEvent *e = NULL;
        size_t n = 0;
        const char *ok = "[{\"id\":11,\"start_date_local\":\"2027-01-04T00:00:00\","
                         "\"category\":\"WORKOUT\",\"type\":\"Run\",\"name\":\"Tempo\","
                         "\"description\":\"- 10m 80% Pace\",\"icu_training_load\":40},"
                         "{\"id\":12,\"start_date_local\":\"2027-01-05T07:30:00\","
                         "\"category\":\"NOTE\",\"type\":null,\"name\":null}]";

        assert_int_equal(intervals_parse_events(S(ok), &e, &n), 0);
        assert_int_equal(n, 2);
        assert_int_equal(e[0].id, 11);
        assert_int_equal(e[0].date, plan_date_from_civil(2027, 1, 4));
        assert_string_equal(e[0].type, "Run");
        assert_string_equal(e[0].description, "- 10m 80% Pace");
        assert_null(e[1].type);
        assert_null(e[1].description);
        intervals_events_free(e, n);

        assert_int_equal(intervals_parse_events(S("[]"), &e, &n), 0);
        assert_int_equal(n, 0);
        intervals_events_free(e, n);
        /* Truncated, not an array, a bad date, an id as a string, no category. */
        assert_int_equal(intervals_parse_events(S("[{\"id\":1,"), &e, &n), -EBADMSG);
        assert_int_equal(intervals_parse_events(S("{\"id\":1}"), &e, &n), -EBADMSG);
        assert_int_equal(intervals_parse_events(S("[{\"id\":1,\"start_date_local\":"
                                                  "\"2027-13-01T00:00:00\",\"category\":\"W\"}]"),
                                                &e, &n),
                         -EBADMSG);
        assert_int_equal(intervals_parse_events(S("[{\"id\":\"1\",\"start_date_local\":"
                                                  "\"2027-01-01\",\"category\":\"W\"}]"),
                                                &e, &n),
                         -EBADMSG);
        assert_int_equal(intervals_parse_events(S("[{\"id\":1,\"start_date_local\":"
                                                  "\"2027-01-01\"}]"),
                                                &e, &n),
                         -EBADMSG);
        assert_true(intervals_type_is_run("VirtualRun"));
        assert_false(intervals_type_is_run("Ride"));
        assert_false(intervals_type_is_run(NULL));
}

static void test_intervals_upload_and_lookup(void **state)
{
        char *id = NULL;
        const char *list = "[{\"id\":\"i9\",\"external_id\":null},{\"id\":\"i10\","
                           "\"external_id\":\"other\"},{\"id\":\"i11\",\"external_id\":\"mine\"}]";

        assert_int_equal(
                intervals_parse_upload(S("{\"icu_athlete_id\":\"i1\",\"id\":\"i42\"}"), &id), 0);
        assert_string_equal(id, "i42");
        free(id);
        /* An id that would be a path in the next URL. */
        assert_int_equal(intervals_parse_upload(S("{\"id\":\"../x\"}"), &id), -EBADMSG);
        assert_int_equal(intervals_parse_upload(S("{\"id\":42}"), &id), -EBADMSG);
        assert_int_equal(intervals_parse_upload(S("{\"id\":\"i4"), &id), -EBADMSG);

        assert_int_equal(intervals_find_external_id(S(list), "mine", &id), 0);
        assert_string_equal(id, "i11");
        free(id);
        assert_int_equal(intervals_find_external_id(S(list), "absent", &id), -ENOENT);
        assert_int_equal(intervals_find_external_id(S("[1]"), "mine", &id), -EBADMSG);
}

static void test_intervals_settings(void **state)
{
        IntervalsRunSettings s;

        assert_int_equal(intervals_parse_sport_settings(
                                 S("{\"types\":[\"Run\",\"VirtualRun\"],\"lthr\":171,"
                                   "\"max_hr\":191,\"threshold_pace\":4.0,\"ftp\":null}"),
                                 &s),
                         0);
        assert_int_equal(s.lthr, 171);
        assert_int_equal(s.max_hr, 191);
        assert_true(fabs(s.threshold_pace_s_per_km - 250.0) < 1e-9);
        assert_int_equal(
                intervals_parse_sport_settings(S("{\"types\":[\"Run\"],\"lthr\":null}"), &s), 0);
        assert_int_equal(s.lthr, 0);
        assert_true(s.threshold_pace_s_per_km == 0);
        /* Cycling settings, a pace of 0.2 m/s, an LTHR of 900: refused. */
        assert_int_equal(
                intervals_parse_sport_settings(S("{\"types\":[\"Ride\"],\"lthr\":160}"), &s),
                -EBADMSG);
        assert_int_equal(intervals_parse_sport_settings(
                                 S("{\"types\":[\"Run\"],\"threshold_pace\":0.2}"), &s),
                         -EBADMSG);
        assert_int_equal(
                intervals_parse_sport_settings(S("{\"types\":[\"Run\"],\"lthr\":900}"), &s),
                -EBADMSG);
}

static void test_strava_token(void **state)
{
        StravaToken t = {};

        assert_int_equal(
                strava_parse_token(S("{\"token_type\":\"Bearer\",\"access_token\":\"a1\","
                                     "\"refresh_token\":\"r1\",\"expires_at\":1700000000,"
                                     "\"expires_in\":21600,\"athlete\":{\"id\":5,"
                                     "\"firstname\":\"Eliud\",\"lastname\":\"Kipchoge\"}}"),
                                   &t),
                0);
        assert_string_equal(t.access_token, "a1");
        assert_string_equal(t.refresh_token, "r1");
        assert_int_equal(t.expires_at, 1700000000);
        assert_string_equal(t.athlete, "Eliud K.");
        strava_token_done(&t);
        assert_null(t.access_token);
        /* A token with a space or a newline would break the header it goes into. */
        assert_int_equal(strava_parse_token(S("{\"access_token\":\"a b\",\"refresh_token\":\"r\","
                                              "\"expires_at\":1}"),
                                            &t),
                         -EBADMSG);
        assert_int_equal(strava_parse_token(S("{\"access_token\":\"a\",\"expires_at\":1}"), &t),
                         -EBADMSG);
        assert_int_equal(strava_parse_token(S("{\"message\":\"Bad Request\"}"), &t), -EBADMSG);
}

static void test_strava_upload(void **state)
{
        StravaUpload u = {};
        int64_t a = 0;

        assert_int_equal(strava_parse_upload(S("{\"id\":12345678901,\"id_str\":\"12345678901\","
                                               "\"external_id\":\"x\",\"error\":null,\"status\":"
                                               "\"Your activity is still being processed.\","
                                               "\"activity_id\":null}"),
                                             &u),
                         0);
        assert_int_equal(u.id, 12345678901LL);
        assert_int_equal(u.activity_id, 0);
        assert_false(strava_upload_duplicate_of(&u, &a));
        strava_upload_done(&u);
        assert_int_equal(strava_parse_upload(S("{\"id\":1,\"error\":\"x.fit duplicate of "
                                               "<a href='/activities/987'>activity 987</a>\","
                                               "\"status\":\"There was an error processing your "
                                               "activity.\",\"activity_id\":null}"),
                                             &u),
                         0);
        assert_true(strava_upload_duplicate_of(&u, &a));
        assert_int_equal(a, 987);
        strava_upload_done(&u);
        assert_int_equal(strava_parse_upload(S("{\"id\":\"1\"}"), &u), -EBADMSG);
        assert_int_equal(strava_parse_upload(S("{\"id\":1,\"activity_id\":\"9\"}"), &u), -EBADMSG);

        assert_int_equal(strava_find_external_id(S("[{\"id\":4,\"external_id\":\"a\"},"
                                                   "{\"id\":5,\"external_id\":\"b\"}]"),
                                                 "b", &a),
                         0);
        assert_int_equal(a, 5);
        assert_int_equal(strava_find_external_id(S("[]"), "b", &a), -ENOENT);
}

static void test_error_message(void **state)
{
        char *m;

        m = sync_error_message(S("{\"error\":\"Access denied\"}"));
        assert_string_equal(m, "Access denied");
        free(m);
        m = sync_error_message(S("{\"message\":\"Bad Request\",\"errors\":[{\"resource\":"
                                 "\"Upload\",\"field\":\"data\",\"code\":\"empty\"}]}"));
        assert_string_equal(m, "Bad Request: data empty");
        free(m);
        m = sync_error_message(S("{\"error\":\"line\\none\\u0007\"}"));
        assert_string_equal(m, "line?one?");
        free(m);
        assert_null(sync_error_message(S("<html>502</html>")));
        assert_null(sync_error_message(S("{\"x\":1}")));
}

static void test_retry_after(void **state)
{
        const uint64_t now = 1700000000ULL * USEC_PER_SEC;
        uint64_t t;

        assert_int_equal(retry_after_parse("120", now, &t), 0);
        assert_true(t == now + 120 * USEC_PER_SEC);
        assert_int_equal(retry_after_parse(" 7\r\n", now, &t), 0);
        assert_true(t == now + 7 * USEC_PER_SEC);
        /* 1700000000 is Tue, 14 Nov 2023 22:13:20 GMT. */
        assert_int_equal(retry_after_parse("Tue, 14 Nov 2023 22:14:20 GMT", now, &t), 0);
        assert_true(t == now + 60 * USEC_PER_SEC);
        /* A date in the past means now; a huge wait is capped. */
        assert_int_equal(retry_after_parse("Tue, 14 Nov 2023 20:00:00 GMT", now, &t), 0);
        assert_true(t == now);
        assert_int_equal(retry_after_parse("99999999999", now, &t), 0);
        assert_true(t == now + RETRY_AFTER_MAX_USEC);
        assert_int_equal(retry_after_parse("soon", now, &t), -EINVAL);
        assert_int_equal(retry_after_parse("-5", now, &t), -EINVAL);
        assert_int_equal(retry_after_parse("5 s", now, &t), -EINVAL);
}

static void test_backoff(void **state)
{
        const uint64_t min = 30 * USEC_PER_SEC, max = 3600 * USEC_PER_SEC;

        assert_true(backoff_delay(min, max, 1, 0.5) == min);
        assert_true(backoff_delay(min, max, 2, 0.5) == 2 * min);
        assert_true(backoff_delay(min, max, 4, 0.5) == 8 * min);
        assert_true(backoff_delay(min, max, 40, 0.5) == max);
        /* +-10 % */
        assert_true(backoff_delay(min, max, 1, 0.0) == min - min / 10);
        assert_true(backoff_delay(min, max, 1, 0.999999) <= min + min / 10);
}

static void test_config(void **state)
{
        SyncConfig *c = NULL;
        SyncConfigError e = {};
        const char *ok = "[intervals.icu]\nathlete_id = i123456\n\n[Strava]\nclient_id = 777\n"
                         "[Sync]\ndays_ahead = 3\nretry_min = 2s\ntimeout = 1min\n";

        assert_int_equal(sync_config_load_string(S(ok), &c, &e), 0);
        assert_true(c->intervals.enabled);
        assert_string_equal(c->intervals.athlete_id, "i123456");
        assert_string_equal(c->intervals.api_url, SYNC_INTERVALS_API_URL);
        assert_true(c->intervals.upload && c->intervals.calendar);
        assert_true(c->strava.enabled);
        assert_int_equal(c->days_ahead, 3);
        assert_true(c->retry_min_usec == 2 * USEC_PER_SEC);
        assert_true(c->timeout_usec == 60 * USEC_PER_SEC);
        c = sync_config_free(c);

        assert_int_equal(sync_config_load_string(S(""), &c, &e), 0);
        assert_false(c->intervals.enabled || c->strava.enabled);
        c = sync_config_free(c);

        /* TLS is not optional: no http:// service, not even for a test. */
        assert_int_equal(
                sync_config_load_string(S("[Strava]\napi_url = http://127.0.0.1:8/\n"), &c, &e),
                -EINVAL);
        assert_int_equal(e.line, 2);
        assert_int_equal(sync_config_load_string(S("[intervals.icu]\nathlete_id=a\n"
                                                   "athlete_id=b\n"),
                                                 &c, &e),
                         -EINVAL);
        assert_non_null(strstr(e.message, "already set on line 2"));
        assert_int_equal(sync_config_load_string(S("[intervals.icu]\napi_key = xyz\n"), &c, &e),
                         -EINVAL);
        assert_non_null(strstr(e.message, "unknown key 'api_key'"));
        assert_int_equal(sync_config_load_string(S("[intervals.icu]\nathlete_id = a/b\n"), &c, &e),
                         -EINVAL);
        assert_int_equal(sync_config_load_string(S("[Sync]\ndays_ahead = 40\n"), &c, &e), -EINVAL);
        assert_int_equal(
                sync_config_load_string(S("[Sync]\nretry_min = 2h\nretry_max = 1h\n"), &c, &e),
                -EINVAL);
        assert_int_equal(sync_config_load_string(S("[Garmin]\nx = 1\n"), &c, &e), -EINVAL);
        assert_null(c);
}

/* Every key the shipped sync.conf documents, uncommented, parses. */
static void test_shipped_config(void **state)
{
        FILE *f = fopen(PACED_SOURCE_DIR "/conf/sync.conf", "re");
        char line[512], *text = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&text, &len);
        SyncConfig *c = NULL;
        SyncConfigError e = {};
        unsigned keys = 0;

        assert_non_null(f);
        assert_non_null(out);
        while (fgets(line, sizeof(line), f)) {
                /* "#[Section]" and "#key = value" are the commented-out settings. */
                if (line[0] == '#' &&
                    (line[1] == '[' || (line[1] >= 'a' && line[1] <= 'z' && strstr(line, " =")))) {
                        fputs(line + 1, out);
                        keys += line[1] != '[';
                }
        }
        fclose(f);
        fclose(out);
        assert_true(keys >= 13);
        assert_int_equal(sync_config_load_string(text, len, &c, &e), 0);
        assert_true(c->intervals.enabled && c->strava.enabled);
        sync_config_free(c);
        free(text);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_intervals_events),
                cmocka_unit_test(test_intervals_upload_and_lookup),
                cmocka_unit_test(test_intervals_settings),
                cmocka_unit_test(test_strava_token),
                cmocka_unit_test(test_strava_upload),
                cmocka_unit_test(test_error_message),
                cmocka_unit_test(test_retry_after),
                cmocka_unit_test(test_backoff),
                cmocka_unit_test(test_config),
                cmocka_unit_test(test_shipped_config),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
