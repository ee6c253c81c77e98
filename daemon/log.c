/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "log.h"
#include "string-table.h"

/*
 * Logging is the one piece of process-wide state besides the Manager: every
 * module that logs would otherwise have to thread a logger through pure
 * code that must not log at all.
 */

#define LOG_CONTEXT_MAX 8
#define LOG_KEY_MAX     32
#define LOG_VALUE_MAX   160

typedef struct LogContextField {
        char key[LOG_KEY_MAX];
        char value[LOG_VALUE_MAX];
} LogContextField;

static int log_max_level = LOG_INFO;
static LogTarget log_target = LOG_TARGET_AUTO;
static LogContextField log_context[LOG_CONTEXT_MAX];

void log_set_max_level(int level)
{
        log_max_level = level < LOG_EMERG ? LOG_EMERG : level > LOG_DEBUG ? LOG_DEBUG : level;
}

int log_get_max_level(void)
{
        return log_max_level;
}

void log_set_target(LogTarget target)
{
        if (target >= 0 && target < _LOG_TARGET_MAX)
                log_target = target;
}

LogTarget log_get_target(void)
{
        return log_target;
}

static const char *const log_target_table[_LOG_TARGET_MAX] = {
        [LOG_TARGET_AUTO] = "auto",
        [LOG_TARGET_CONSOLE] = "console",
        [LOG_TARGET_JOURNAL] = "journal",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(log_target, LogTarget);

static const char *const log_level_table[] = {
        [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert",     [LOG_CRIT] = "crit",
        [LOG_ERR] = "error",   [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
        [LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(log_level, int);

int log_level_from_string(const char *s)
{
        if (!s)
                return -EINVAL;
        if (streq(s, "err"))
                return LOG_ERR;
        for (int i = 0; i < (int)ELEMENTSOF(log_level_table); i++)
                if (streq(s, log_level_table[i]))
                        return i;
        if (s[0] >= '0' && s[0] <= '7' && s[1] == '\0')
                return s[0] - '0';
        return -EINVAL;
}

static bool field_name_valid(const char *key)
{
        size_t n = strlen(key);

        if (n == 0 || n >= LOG_KEY_MAX || key[0] == '_' || (key[0] >= '0' && key[0] <= '9'))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((key[i] >= 'A' && key[i] <= 'Z') || (key[i] >= '0' && key[i] <= '9') ||
                      key[i] == '_'))
                        return false;
        return true;
}

int log_context_set(const char *key, const char *value)
{
        LogContextField *free_slot = NULL;

        if (!key || !field_name_valid(key))
                return -EINVAL;
        for (size_t i = 0; i < LOG_CONTEXT_MAX; i++) {
                LogContextField *f = &log_context[i];

                if (f->key[0] == '\0') {
                        if (!free_slot)
                                free_slot = f;
                        continue;
                }
                if (!streq(f->key, key))
                        continue;
                if (!value) {
                        f->key[0] = '\0';
                        return 0;
                }
                snprintf(f->value, sizeof(f->value), "%s", value);
                return 0;
        }
        if (!value)
                return 0;
        if (!free_slot)
                return -E2BIG;
        snprintf(free_slot->key, sizeof(free_slot->key), "%s", key);
        snprintf(free_slot->value, sizeof(free_slot->value), "%s", value);
        return 0;
}

void log_context_clear(void)
{
        memset(log_context, 0, sizeof(log_context));
}

static bool use_journal(void)
{
        switch (log_target) {
        case LOG_TARGET_CONSOLE:
                return false;
        case LOG_TARGET_JOURNAL:
                return true;
        case LOG_TARGET_AUTO:
        case _LOG_TARGET_MAX:
        case _LOG_TARGET_INVALID:
                break;
        }
        /* A terminal wants plain text; without journald (containers, CI) so does everyone. */
        if (isatty(STDERR_FILENO))
                return false;
        return access("/run/systemd/journal/socket", W_OK) == 0;
}

static int write_journal(int level, int error, const char *file, int line, const char *func,
                         const char *const *fields, const char *message)
{
        char prio[16], code_line[32], errno_field[32];
        _cleanup_free_ char *msg = NULL, *code_file = NULL, *code_func = NULL;
        struct iovec iov[8 + LOG_CONTEXT_MAX + 16];
        _cleanup_free_ char *ctx[LOG_CONTEXT_MAX] = {};
        size_t n = 0;

        if (asprintf(&msg, "MESSAGE=%s", message) < 0 ||
            asprintf(&code_file, "CODE_FILE=%s", file) < 0 ||
            asprintf(&code_func, "CODE_FUNC=%s", func) < 0)
                return -ENOMEM;
        snprintf(prio, sizeof(prio), "PRIORITY=%d", level);
        snprintf(code_line, sizeof(code_line), "CODE_LINE=%d", line);

        iov[n++] = (struct iovec){msg, strlen(msg)};
        iov[n++] = (struct iovec){prio, strlen(prio)};
        iov[n++] = (struct iovec){code_file, strlen(code_file)};
        iov[n++] = (struct iovec){code_line, strlen(code_line)};
        iov[n++] = (struct iovec){code_func, strlen(code_func)};
        if (error != 0) {
                snprintf(errno_field, sizeof(errno_field), "ERRNO=%d", abs(error));
                iov[n++] = (struct iovec){errno_field, strlen(errno_field)};
        }
        for (size_t i = 0; i < LOG_CONTEXT_MAX; i++) {
                if (log_context[i].key[0] == '\0')
                        continue;
                if (asprintf(&ctx[i], "%s=%s", log_context[i].key, log_context[i].value) < 0)
                        return -ENOMEM;
                iov[n++] = (struct iovec){ctx[i], strlen(ctx[i])};
        }
        for (size_t i = 0; fields && fields[i] && n < ELEMENTSOF(iov); i++)
                iov[n++] = (struct iovec){(void *)fields[i], strlen(fields[i])};

        return sd_journal_sendv(iov, (int)n);
}

static void write_console(int level, const char *message)
{
        const char *prefix = log_level_to_string(level);

        /* Info is the normal case: keep it clean like systemd's own tools. */
        if (level == LOG_INFO)
                fprintf(stderr, "%s\n", message);
        else
                fprintf(stderr, "%s: %s\n", prefix ? prefix : "log", message);
}

static int log_dispatch(int level, int error, const char *file, int line, const char *func,
                        const char *const *fields, const char *format, va_list ap)
        __attribute__((__format__(printf, 7, 0)));

static int log_dispatch(int level, int error, const char *file, int line, const char *func,
                        const char *const *fields, const char *format, va_list ap)
{
        _cleanup_free_ char *message = NULL;
        int saved_errno = errno;

        /* %m prints the error being logged, not whatever errno happens to hold. */
        if (error != 0)
                errno = abs(error);
        if (vasprintf(&message, format, ap) < 0)
                message = NULL;
        errno = saved_errno;

        if (!message)
                return -abs(error);
        if (!use_journal() || write_journal(level, error, file, line, func, fields, message) < 0)
                write_console(level, message);
        errno = saved_errno;
        return -abs(error);
}

int log_internal(int level, int error, const char *file, int line, const char *func,
                 const char *format, ...)
{
        va_list ap;
        int r;

        va_start(ap, format);
        r = log_dispatch(level, error, file, line, func, NULL, format, ap);
        va_end(ap);
        return r;
}

int log_fields_internal(int level, int error, const char *file, int line, const char *func,
                        const char *const *fields, const char *format, ...)
{
        va_list ap;
        int r;

        va_start(ap, format);
        r = log_dispatch(level, error, file, line, func, fields, format, ap);
        va_end(ap);
        return r;
}
