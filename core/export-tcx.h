/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * TCX export: Garmin TrainingCenterDatabase v2, valid against
 * TrainingCenterDatabasev2.xsd (a copy lives in tests/export/). One Activity
 * (Sport="Running"), one Lap per workout step (per kilometre for a free run),
 * a Trackpoint per second with DistanceMeters, HeartRateBpm and the speed in
 * the ActivityExtension v2 TPX element (allowed by the schema's lax
 * xsd:any in Extensions). Pure code: writes to the FILE* it is given.
 */

#include <stdio.h>

#include "session-store.h"

#define TCX_NS           "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
#define TCX_ACTIVITY_EXT "http://www.garmin.com/xmlschemas/ActivityExtension/v2"

/* -ENODATA without samples, -EIO if writing failed. */
int export_tcx_write(const SessionData *d, FILE *out);
