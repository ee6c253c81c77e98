/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Where paced's shipped data is: the workout library (workouts/) and
 * paced-web's page (web/). PACED_DATADIR as installed; $PACED_DATA_DIR
 * instead, for programs run from a build tree (the tests, tools/demo), whose
 * build directory has share/paced/ linking to the source tree. Installed
 * binaries know nothing of the tree they were built in.
 */

const char *paced_data_dir(void);
