/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "pacectl.h"
#include "util.h"

static int cmd_version(int argc, char *argv[])
{
        if (argc > 1 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
                pacectl_print_usage("version", "  -h, --help    Show this help\n");
                return PACECTL_EXIT_OK;
        }
        if (argc > 1) {
                fprintf(stderr, "pacectl version: unexpected argument '%s'\n", argv[1]);
                return PACECTL_EXIT_USAGE;
        }
        printf("pacectl %s\n", PACED_VERSION);
        return PACECTL_EXIT_OK;
}

PACECTL_COMMAND(version, .name = "version", .args = "", .summary = "Print the version.",
                .run = cmd_version);
