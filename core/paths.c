/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <stdlib.h>

#include "paths.h"

const char *paced_data_dir(void)
{
        /* secure_getenv: a set-id caller never takes it from the environment. */
        const char *e = secure_getenv("PACED_DATA_DIR");

        return e && e[0] == '/' ? e : PACED_DATADIR;
}
