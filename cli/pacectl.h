/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * pacectl commands register themselves with PACECTL_COMMAND() in their own
 * cli/cmd-*.c file; main() finds them through the linker section, so adding a
 * command never edits a shared table.
 *
 * A command gets argv starting at its own name (argv[0] = "decode") and
 * parses its options with getopt_long(). Exit codes: 0 success, 1 failure at
 * run time (daemon unreachable, operation refused), 2 invalid input or usage.
 */

#include <stdbool.h>

#define PACECTL_EXIT_OK      0
#define PACECTL_EXIT_FAILURE 1
#define PACECTL_EXIT_USAGE   2

typedef struct PacectlCommand {
        const char *name;
        const char *args;    /* "<characteristic> <hex>" */
        const char *summary; /* one line for the command list */
        int (*run)(int argc, char *argv[]);
} PacectlCommand;

#define PACECTL_COMMAND(id, ...)                                                                   \
        static const PacectlCommand pacectl_command_##id = {__VA_ARGS__};                          \
        __attribute__((used, section("pacectl_commands"),                                          \
                       aligned(sizeof(void *)))) static const PacectlCommand                       \
                *const pacectl_command_ptr_##id = &pacectl_command_##id

/*
 * A command's argv[0] is "pacectl NAME", so that getopt's own messages
 * ("pacectl status: unrecognized option '--bogus'") carry pacectl's error
 * prefix; this is NAME.
 */
const char *pacectl_command_name(const char *argv0);

/* For getopt-based commands: prints "pacectl <name> <args>\n<summary>" and options. */
void pacectl_print_usage(const char *name, const char *options_help);
