/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Shared by the offline session commands (history, show, export, report):
 * they read the database directly, no daemon needed.
 */

#include <stdint.h>
#include <stdio.h>

#include "session-store.h"

#define SESSION_CLI_DB_OPTIONS_HELP                                                                \
        "  --db PATH          Session database (default: $PACED_STATE_DIR/paced.db,\n"             \
        "                     else /var/lib/paced/paced.db)\n"                                     \
        "  --state-dir DIR    Directory holding paced.db\n"

/* Opens the database for reading; prints the error and returns <0 on failure. */
int session_cli_open(const char *db_opt, const char *state_dir_opt, SessionStore **ret);
/* Parses a session id (a positive integer); -EINVAL if malformed. */
int session_cli_parse_id(const char *s, int64_t *ret);
/* Loads the session with an error message on failure; PACECTL exit code. */
int session_cli_load(const char *db_opt, const char *state_dir_opt, const char *id_arg,
                     SessionData **ret);
/* Opens output for writing, standard output if NULL; prints the error and returns NULL. */
FILE *session_cli_output_open(const char *cmd, const char *output);
/*
 * Flushes out and closes it unless it is standard output. r is the
 * writer's result: returned unless it succeeded and the I/O failed.
 */
int session_cli_output_close(FILE *out, const char *output, int r);

/* "2026-11-25 06:30" in local time. */
char *session_cli_format_time(char *buf, size_t size, uint64_t wall_usec);
/* --since DATE: YYYY-MM-DD, 'YYYY-MM-DD HH:MM' (local time) or Nd (N days ago), as
 * wall-clock usec. -EINVAL if malformed. */
int session_cli_parse_since(const char *s, uint64_t *ret);
