/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Logging for the daemon's glue (manager, BlueZ client, bus faces, main).
 * Pure core modules never log: they return errors and the caller logs.
 *
 * Modelled on systemd's log.h: log_info(...), log_warning_errno(r, ...)
 * returning -abs(r) so that "return log_error_errno(r, "Failed to ...: %m");"
 * works (errno is set from r, so %m prints the error). Messages go to the
 * journal with structured fields (CODE_FILE=, CODE_LINE=, ERRNO=, plus any
 * context fields such as SESSION_ID= and STEP=) when stderr is not a
 * terminal and the journal is reachable, and to stderr with a level prefix
 * otherwise. One process-wide max level; --verbose raises it to LOG_DEBUG.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <syslog.h>

#include "util.h"

typedef enum LogTarget {
        LOG_TARGET_AUTO,    /* console on a tty or without a journal, journal otherwise */
        LOG_TARGET_CONSOLE, /* stderr */
        LOG_TARGET_JOURNAL,
        _LOG_TARGET_MAX,
        _LOG_TARGET_INVALID = -EINVAL,
} LogTarget;

void log_set_max_level(int level);
int log_get_max_level(void);
void log_set_target(LogTarget target);
LogTarget log_get_target(void);
const char *log_target_to_string(LogTarget t);
/* "debug", "info", "notice", "warning", "err"/"error", "crit", "alert", "emerg" or 0-7. */
int log_level_from_string(const char *s);
const char *log_level_to_string(int level);

/*
 * Context fields are appended to every journal entry until cleared: the
 * manager sets SESSION_ID and STEP while a workout runs. key is a journal
 * field name (upper case, digits, underscore); value NULL removes it.
 * -E2BIG when the (small, fixed) context table is full.
 */
int log_context_set(const char *key, const char *value);
void log_context_clear(void);

int log_internal(int level, int error, const char *file, int line, const char *func,
                 const char *format, ...) _printf_(6, 7);

/*
 * fields: NULL-terminated array of "KEY=value" strings attached to this
 * message only (e.g. "DEVICE=AA:BB:..."); may be NULL.
 */
int log_fields_internal(int level, int error, const char *file, int line, const char *func,
                        const char *const *fields, const char *format, ...) _printf_(7, 8);

#define log_full_errno(level, error, ...)                                                          \
        ({                                                                                         \
                int _l_ = (level), _e_ = (error);                                                  \
                (log_get_max_level() >= _l_)                                                       \
                        ? log_internal(_l_, _e_, __FILE__, __LINE__, __func__, __VA_ARGS__)        \
                        : -abs(_e_);                                                               \
        })
#define log_full(level, ...) ((void)log_full_errno(level, 0, __VA_ARGS__))

#define log_debug(...)   log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)    log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...)  log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...)   log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(error, ...)   log_full_errno(LOG_DEBUG, error, __VA_ARGS__)
#define log_info_errno(error, ...)    log_full_errno(LOG_INFO, error, __VA_ARGS__)
#define log_notice_errno(error, ...)  log_full_errno(LOG_NOTICE, error, __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(LOG_WARNING, error, __VA_ARGS__)
#define log_error_errno(error, ...)   log_full_errno(LOG_ERR, error, __VA_ARGS__)

/* A message with extra structured fields: log_fields(LOG_INFO, 0, fields, "fmt", ...). */
#define log_fields(level, error, fields, ...)                                                      \
        ({                                                                                         \
                int _l_ = (level), _e_ = (error);                                                  \
                (log_get_max_level() >= _l_) ? log_fields_internal(_l_, _e_, __FILE__, __LINE__,   \
                                                                   __func__, fields, __VA_ARGS__)  \
                                             : -abs(_e_);                                          \
        })

/* Logs "Out of memory." at LOG_ERR and returns -ENOMEM. */
#define log_oom() log_full_errno(LOG_ERR, ENOMEM, "Out of memory.")
