/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The runner profile as `pacectl profile` prints it, text or JSON: the
 * daemon prints it for GetProfile() (what it trains with) and pacectl for a
 * configuration file it reads itself. Pure code.
 */

#include <stdbool.h>
#include <stdio.h>

#include "profile-config.h"

typedef struct ProfileView {
        const char *config_path;
        const char *dropins; /* the drop-ins read, ", "-separated; NULL or "" none */
        const char *origin;  /* where it comes from: "paced" (the daemon), NULL: a file read */
        bool config_found;
        ProfileSettings p;
        bool have_accepted;
        SessionAccepted accepted;
        bool have_accepted_mile;
        SessionAcceptedResult accepted_mile;
        double goal_mile_s; /* the stored plan's goal, 0 if none */
        ZoneTable zones;
        bool have_zones;
} ProfileView;

void profile_view_print_text(FILE *f, const ProfileView *v);
void profile_view_print_json(FILE *f, const ProfileView *v);
