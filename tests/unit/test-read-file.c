/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* read_file_regular(): what the daemon opens must not block it or fool it. */
#define _GNU_SOURCE 1
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "read-file.h"
#include "util.h"

static char dir[] = "/tmp/paced-read-file.XXXXXX";

static char *path_in_dir(const char *name)
{
        char *p;

        assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
        return p;
}

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
}

static void test_read_file_regular(void **state)
{
        _cleanup_free_ char *p = path_in_dir("a.txt"), *buf = NULL;
        size_t len = 0;

        write_file(p, "hello\n");
        assert_int_equal(read_file_regular(p, 100, READ_FILE_NOFOLLOW, &buf, &len), 0);
        assert_string_equal(buf, "hello\n");
        assert_int_equal(len, 6);
        free(buf);
        buf = NULL;
        /* Exactly at the cap is fine, one byte over is not. */
        assert_int_equal(read_file_regular(p, 6, 0, &buf, NULL), 0);
        free(buf);
        buf = NULL;
        assert_int_equal(read_file_regular(p, 5, 0, &buf, NULL), -EFBIG);
        assert_null(buf);
        assert_int_equal(read_file_regular("/nonexistent/x", 5, 0, &buf, NULL), -ENOENT);
}

/* A FIFO without a writer: open() would block without O_NONBLOCK; refused, never read. */
static void test_read_file_fifo_refused(void **state)
{
        _cleanup_free_ char *p = path_in_dir("fifo"), *buf = NULL;

        assert_int_equal(mkfifo(p, 0600), 0);
        alarm(10); /* a regression hangs here: fail rather than wait forever */
        assert_int_equal(read_file_regular(p, 100, 0, &buf, NULL), -EBADFD);
        alarm(0);
        assert_null(buf);
        assert_int_equal(read_file_regular(dir, 100, 0, &buf, NULL), -EISDIR);
        assert_int_equal(read_file_regular("/dev/zero", 100, 0, &buf, NULL), -EBADFD);
}

static void test_read_file_nofollow(void **state)
{
        _cleanup_free_ char *target = path_in_dir("target.txt"), *link = path_in_dir("link.txt"),
                            *buf = NULL;

        write_file(target, "x");
        assert_int_equal(symlink(target, link), 0);
        assert_int_equal(read_file_regular(link, 100, READ_FILE_NOFOLLOW, &buf, NULL), -ELOOP);
        assert_int_equal(read_file_regular(link, 100, 0, &buf, NULL), 0);
        assert_string_equal(buf, "x");
}

/* The daemon's configuration is read the same way. */
static void test_read_file_config(void **state)
{
        _cleanup_free_ char *conf = path_in_dir("paced.conf"), *link = path_in_dir("link.conf"),
                            *fifo = path_in_dir("fifo.conf");
        Config *c = NULL;
        ConfigError e = {};

        write_file(conf, "[Safety]\nmax_speed = 12\n");
        assert_int_equal(config_load_file(conf, &c, &e), 0);
        c = config_free(c);
        assert_int_equal(symlink(conf, link), 0);
        assert_int_equal(config_load_file(link, &c, &e), -ELOOP);
        assert_non_null(strstr(e.message, "symbolic link"));
        assert_int_equal(mkfifo(fifo, 0600), 0);
        alarm(10);
        assert_int_equal(config_load_file(fifo, &c, &e), -EBADFD);
        alarm(0);
        assert_non_null(strstr(e.message, "not a regular file"));
}

static int setup(void **state)
{
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_read_file_regular),
                cmocka_unit_test(test_read_file_fifo_refused),
                cmocka_unit_test(test_read_file_nofollow),
                cmocka_unit_test(test_read_file_config),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
