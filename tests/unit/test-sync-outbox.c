/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* paced-sync's outbox and secrets. */
#define _GNU_SOURCE /* asprintf */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "outbox.h"
#include "secret.h"

static char dir[] = "/tmp/test-sync-outbox.XXXXXX";

static char *path_in(const char *name)
{
        char *p;

        assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
        return p;
}

static void test_queue_once_and_survive(void **state)
{
        _cleanup_free_ char *db = path_in("outbox.db");
        Outbox *o = NULL;
        Job j = {};
        int64_t v = 0;

        assert_int_equal(outbox_open(db, &o), 0);
        assert_int_equal(outbox_add_upload(o, "strava", 7, 1000, "Easy", 10), 1);
        /* Asked again (a second SessionFinished, a rescan): still one job. */
        assert_int_equal(outbox_add_upload(o, "strava", 7, 1000, "Easy", 11), 0);
        assert_int_equal(outbox_add_upload(o, "intervals.icu", 7, 1000, "Easy", 11), 1);
        assert_int_equal(outbox_add_calendar(o, "intervals.icu", 12), 0);
        assert_int_equal(outbox_add_calendar(o, "intervals.icu", 13), 0);
        assert_int_equal(outbox_set_int(o, "watermark", 7), 0);

        assert_int_equal(outbox_next_due(o, "strava", 5, &j), -ENOENT); /* not yet */
        assert_int_equal(outbox_next_due(o, "strava", 10, &j), 0);
        assert_string_equal(j.external_id, "paced-1000-7");
        assert_int_equal(j.state, JOB_PENDING);
        assert_string_equal(j.name, "Easy");
        /* The state is written before the upload goes out, and survives a restart. */
        j.state = JOB_SENDING;
        j.failures = 1;
        j.next_usec = 500;
        free(j.detail);
        j.detail = strdup("timed out");
        assert_int_equal(outbox_update(o, &j, 20), 0);
        job_done(&j);
        o = outbox_free(o);

        assert_int_equal(outbox_open(db, &o), 0);
        assert_int_equal(outbox_get_int(o, "watermark", &v), 0);
        assert_int_equal(v, 7);
        assert_int_equal(outbox_get_int(o, "absent", &v), -ENOENT);
        assert_true(outbox_next_wakeup(o, "strava") == 500);
        assert_true(outbox_next_wakeup(o, NULL) == 11); /* intervals.icu's */
        assert_int_equal(outbox_next_due(o, "strava", 499, &j), -ENOENT);
        assert_int_equal(outbox_wake(o, "strava", 400), 0);
        job_done(&j);
        assert_int_equal(outbox_next_due(o, "strava", 400, &j), 0);
        assert_int_equal(j.state, JOB_SENDING);
        assert_int_equal(j.failures, 1);
        assert_string_equal(j.detail, "timed out");

        /* Done jobs are never due again; failed ones come back on retry. */
        j.state = JOB_FAILED;
        assert_int_equal(outbox_update(o, &j, 30), 0);
        job_done(&j);
        assert_int_equal(outbox_next_due(o, "strava", UINT64_MAX / 2, &j), -ENOENT);
        assert_int_equal(outbox_retry_failed(o, 40), 1);
        assert_int_equal(outbox_next_due(o, "strava", 40, &j), 0);
        assert_int_equal(j.state, JOB_PENDING);
        assert_int_equal(j.failures, 0);
        j.state = JOB_DONE;
        assert_int_equal(outbox_update(o, &j, 50), 0);
        job_done(&j);
        assert_int_equal(outbox_retry_failed(o, 60), 0);
        assert_int_equal(outbox_next_due(o, "strava", UINT64_MAX / 2, &j), -ENOENT);
        o = outbox_free(o);
}

static void test_list_and_calendar(void **state)
{
        _cleanup_free_ char *db = path_in("list.db");
        Outbox *o = NULL;
        Job *l = NULL;
        CalendarEntry *c = NULL;
        size_t n = 0;
        CalendarEntry in[] = {
                {.date = (char *)"2027-01-05",
                 .event_id = (char *)"2",
                 .name = (char *)"Ride",
                 .type = (char *)"Ride",
                 .outcome = (char *)"skipped: not a run"},
                {.date = (char *)"2027-01-04",
                 .event_id = (char *)"1",
                 .name = (char *)"Tempo",
                 .type = (char *)"Run",
                 .outcome = (char *)"planned"},
        };

        assert_int_equal(outbox_open(db, &o), 0);
        assert_int_equal(outbox_add_upload(o, "strava", 1, 1, "a", 1), 1);
        assert_int_equal(outbox_add_upload(o, "strava", 2, 2, "b", 1), 1);
        assert_int_equal(outbox_add_calendar(o, "intervals.icu", 1), 0);
        assert_int_equal(outbox_list(o, 10, &l, &n), 0);
        assert_int_equal(n, 3);
        assert_int_equal(l[0].kind, JOB_CALENDAR);
        assert_int_equal(l[1].session_id, 2); /* newest session first */
        jobs_free(l, n);

        assert_int_equal(outbox_set_calendar(o, "intervals.icu", in, 2), 0);
        assert_int_equal(outbox_set_calendar(o, "intervals.icu", in, 2), 0); /* replaces */
        assert_int_equal(outbox_list_calendar(o, "intervals.icu", &c, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(c[0].name, "Tempo");
        assert_string_equal(c[1].outcome, "skipped: not a run");
        calendar_entries_free(c, n);
        outbox_free(o);
}

static void test_secrets(void **state)
{
        _cleanup_free_ char *p = path_in("key"), *cred = path_in("creds");
        _cleanup_(secret_freep) Secret *s = NULL;
        FILE *f;

        f = fopen(p, "we");
        assert_non_null(f);
        fputs("s3cr3t-key\n", f);
        fclose(f);
        /* Readable by others: refused, as ssh refuses such a private key. */
        assert_int_equal(chmod(p, 0644), 0);
        assert_int_equal(secret_read_file(p, &s), -EPERM);
        assert_int_equal(chmod(p, 0600), 0);
        assert_int_equal(secret_read_file(p, &s), 0);
        assert_string_equal(s->value, "s3cr3t-key");
        assert_int_equal(s->size, 10);
        s = secret_free(s);

        /* Written 0600, read back. */
        assert_int_equal(secret_write_file(p, "new-token"), 0);
        {
                struct stat st;

                assert_int_equal(stat(p, &st), 0);
                assert_int_equal(st.st_mode & 0777, 0600);
        }
        assert_int_equal(secret_read_file(p, &s), 0);
        assert_string_equal(s->value, "new-token");
        s = secret_free(s);

        /* A credential from $CREDENTIALS_DIRECTORY. */
        assert_int_equal(mkdir(cred, 0700), 0);
        {
                _cleanup_free_ char *c = NULL;

                assert_true(asprintf(&c, "%s/name", cred) > 0);
                f = fopen(c, "we");
                fputs("cred-value", f);
                fclose(f);
        }
        unsetenv("CREDENTIALS_DIRECTORY");
        assert_int_equal(secret_read_credential("name", &s), -ENOENT);
        setenv("CREDENTIALS_DIRECTORY", cred, 1);
        assert_int_equal(secret_read_credential("name", &s), 0);
        assert_string_equal(s->value, "cred-value");
        s = secret_free(s);
        assert_int_equal(secret_read_credential("other", &s), -ENOENT);
        assert_int_equal(secret_read_credential("../key", &s), -ENOENT);

        /* Empty or with a space inside: not a key. */
        f = fopen(p, "we");
        fputs("two words\n", f);
        fclose(f);
        assert_int_equal(secret_read_file(p, &s), -EBADMSG);
}

static int setup(void **state)
{
        assert_non_null(mkdtemp(dir));
        return 0;
}

static int teardown(void **state)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_queue_once_and_survive),
                cmocka_unit_test(test_list_and_calendar),
                cmocka_unit_test(test_secrets),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
