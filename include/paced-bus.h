/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/*
 * The D-Bus contract of paced: the names every client (pacectl, paced-web,
 * paced-sync) and the daemon agree on. docs/dbus-api.md documents what each
 * interface, method and error means; this header is its single spelling.
 */

#define PACED_BUS_NAME            "io.paced.paced1"
#define PACED_BUS_PATH            "/io/paced/paced1"
#define PACED_BUS_DEVICE_PREFIX   "/io/paced/paced1/device"
#define PACED_BUS_IFACE_MANAGER   "io.paced.paced1.Manager"
#define PACED_BUS_IFACE_DEVICE    "io.paced.paced1.Device"
#define PACED_BUS_IFACE_SIMULATOR "io.paced.paced1.Simulator"
#define PACED_BUS_IFACE_FOOTPOD   "io.paced.paced1.Footpod"
#define PACED_BUS_ERROR_PREFIX    "io.paced.paced1.Error."

/* Members of this group (and root) may call the methods that change state. */
#define PACED_ADMIN_GROUP "paced"
/* Members of this group may call paced-sync's three methods (SetPlannedWorkouts,
 * ListSessions, ExportSession) and no others. */
#define PACED_SYNC_GROUP "paced-sync"

#define PACED_ERROR_NOT_CONNECTED    PACED_BUS_ERROR_PREFIX "NotConnected"
#define PACED_ERROR_INVALID_WORKOUT  PACED_BUS_ERROR_PREFIX "InvalidWorkout"
#define PACED_ERROR_NOT_PERMITTED    PACED_BUS_ERROR_PREFIX "NotPermitted"
#define PACED_ERROR_INVALID_ARGUMENT PACED_BUS_ERROR_PREFIX "InvalidArgument"
#define PACED_ERROR_BUSY             PACED_BUS_ERROR_PREFIX "Busy"
#define PACED_ERROR_NO_WORKOUT       PACED_BUS_ERROR_PREFIX "NoWorkout"
#define PACED_ERROR_MONITOR_ONLY     PACED_BUS_ERROR_PREFIX "MonitorOnly"
#define PACED_ERROR_NOT_SUPPORTED    PACED_BUS_ERROR_PREFIX "NotSupported"
#define PACED_ERROR_FAILED           PACED_BUS_ERROR_PREFIX "Failed"
#define PACED_ERROR_NO_DATA          PACED_BUS_ERROR_PREFIX "NoData"
/* AcceptThresholds: the session is not a threshold test (the message says why). */
#define PACED_ERROR_NOT_A_THRESHOLD_TEST PACED_BUS_ERROR_PREFIX "NotAThresholdTest"
/* AcceptThresholds: the session gives the aerobic threshold only. */
#define PACED_ERROR_ONE_SIDED PACED_BUS_ERROR_PREFIX "OneSided"

/* AcceptThresholdsEx flags: accept the fit of a session that is not a threshold test. */
#define PACED_ACCEPT_THRESHOLDS_FORCE (UINT64_C(1) << 0)
#define _PACED_ACCEPT_THRESHOLDS_ALL  PACED_ACCEPT_THRESHOLDS_FORCE
