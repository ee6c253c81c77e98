/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "pacectl.h"

static int cmd_version(int argc, char *argv[])
{
        printf("pacectl %s\n", PACED_VERSION);
        return PACECTL_EXIT_OK;
}

PACECTL_COMMAND(version, .name = "version", .args = "", .summary = "Print the version.",
                .run = cmd_version);
