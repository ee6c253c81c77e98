/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The runner's units, as every pacectl command shows them: paces, speeds and
 * distances in km or in miles. paced's D-Bus API speaks SI (km/h, metres);
 * the units are presentation, applied here.
 */

#include <stdbool.h>

#include "pacectl.h"

/*
 * Whether the runner reads miles: the Units of the running paced (never
 * started for this: no bus activation), else the [Runner] units of the
 * configuration file (CONFIG_DEFAULT_PATH), else km. Looked up once.
 */
bool pacectl_units_per_mile(void);
