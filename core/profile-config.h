/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The runner profile paced trains with: the [Runner] section of the config
 * with the newest accepted thresholds (pacectl profile --accept-thresholds)
 * filling what the config leaves unset. LTHR comes from the accepted HRVT2
 * unless the config sets LTHR; the 3-zone boundaries come from the accepted
 * HRVT1/HRVT2 unless the config sets both. Shared by the daemon and
 * `pacectl profile` so that both show the same thing. Pure code.
 */

#include "config.h"
#include "profile.h"
#include "session-store.h"
#include "zones.h"

typedef struct ProfileSettings {
        RunnerProfile runner; /* paces (Riegel-derived where unset) and HR anchors */
        HrProfile hr;         /* zones and the live analysis */
        ZoneModel zone_model;
        bool lthr_accepted; /* LTHR is the accepted HRVT2 */
        bool vt_accepted;   /* HRVT1/HRVT2 are the accepted ones */
        bool mile_accepted; /* the mile is an accepted time-trial result */
        bool lthr_config;   /* the config sets LTHR: an accepted HRVT2 does not replace it */
        bool vt_config;     /* the config sets HRVT1 and HRVT2 */
} ProfileSettings;

/* What the runner's history and plan add to the config. */
typedef struct ProfileOverrides {
        double accepted_mile_s; /* pacectl profile --accept-result: replaces [Runner] mile; 0 none
                                 */
        double goal_mile_s;     /* the training plan's goal mile; 0 none */
} ProfileOverrides;

/* accepted may be NULL. */
void profile_settings_from_config(const Config *c, const SessionAccepted *accepted,
                                  ProfileSettings *ret);
/* The same with overrides (o may be NULL). */
void profile_settings_from_config_with(const Config *c, const SessionAccepted *accepted,
                                       const ProfileOverrides *o, ProfileSettings *ret);
