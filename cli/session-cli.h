/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Shared by the offline session commands (history, show, export, report):
 * they read the database directly, no daemon needed.
 */

#include <stdbool.h>
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
/*
 * Where an export goes. A file is never written in place: the output is
 * written to a temporary file in the target's directory and renamed over
 * the target only when complete, so a failed export leaves an existing file
 * as it was. A symbolic link at the target is refused unless force is set
 * (then the file it points to is replaced); a target that is not a regular
 * file (a directory, FIFO or device) is refused.
 */
typedef struct SessionCliOutput {
        FILE *f;      /* where to write */
        char *target; /* the file replaced at the end; NULL for standard output */
        char *tmp;    /* the temporary file, in target's directory */
} SessionCliOutput;

/* Opens output (standard output if NULL); prints the error and returns <0 on failure. */
int session_cli_output_open(SessionCliOutput *o, const char *cmd, const char *output, bool force);
/*
 * Completes the output: with r >= 0 flushes, syncs and renames it into
 * place; else (or if that fails) removes the temporary file, leaving the
 * target untouched. Returns r, or the I/O error if r succeeded but the
 * output did not.
 */
int session_cli_output_finish(SessionCliOutput *o, int r);

/* "2026-11-25 06:30" in local time. */
char *session_cli_format_time(char *buf, size_t size, uint64_t wall_usec);
/* --since DATE: YYYY-MM-DD, 'YYYY-MM-DD HH:MM' (local time) or Nd (N days ago), as
 * wall-clock usec. -EINVAL if malformed. */
int session_cli_parse_since(const char *s, uint64_t *ret);
