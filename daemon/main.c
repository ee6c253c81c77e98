/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* paced: the treadmill workout daemon. */
#include <stdio.h>

int main(int argc, char *argv[])
{
        printf("paced %s\n", PACED_VERSION);
        return 0;
}
