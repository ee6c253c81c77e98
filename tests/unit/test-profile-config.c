/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* profile_settings_from_config(): accepted thresholds fill only what the config leaves unset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "profile-config.h"
#include "util.h"

static Config *load(const char *text)
{
        Config *c = NULL;
        ConfigError e = {};

        if (config_load_string(text, strlen(text), &c, &e) < 0)
                fail_msg("config: %u: %s", e.line, e.message);
        return c;
}

static const SessionAccepted accepted = {
        .session_id = 4,
        .hrvt1_bpm = 147.4,
        .hrvt2_bpm = 170.6,
        .hrvt1_kmh = 10.8,
        .hrvt2_kmh = 13.5,
};

static void test_without_accepted_the_config_alone(void **state)
{
        Config *c = load("[Runner]\nmax_hr = 190\nresting_hr = 55\n");
        ProfileSettings p;

        profile_settings_from_config(c, NULL, &p);
        assert_false(p.lthr_accepted);
        assert_false(p.vt_accepted);
        assert_float_equal(p.hr.max_bpm, 190, 1e-9);
        assert_int_equal(p.hr.max_source, HR_SOURCE_MANUAL);
        assert_float_equal(p.hr.lthr_bpm, 0, 1e-9);
        assert_float_equal(p.hr.hrvt1_bpm, 0, 1e-9);
        assert_int_equal(p.zone_model, ZONE_MODEL_HRR); /* auto: resting + max */
        /* The runner profile still estimates LTHR from max HR. */
        assert_true(p.runner.lthr_derived);
        config_free(c);
}

static void test_accepted_fill_lthr_and_thresholds(void **state)
{
        Config *c = load("[Runner]\nmax_hr = 190\nresting_hr = 55\n");
        ProfileSettings p;
        ZoneTable z;

        profile_settings_from_config(c, &accepted, &p);
        assert_true(p.lthr_accepted);
        assert_true(p.vt_accepted);
        assert_float_equal(p.hr.lthr_bpm, 171, 1e-9);
        assert_int_equal(p.hr.lthr_source, HR_SOURCE_RAMP_TEST);
        assert_float_equal(p.hr.hrvt1_bpm, 147, 1e-9);
        assert_float_equal(p.hr.hrvt2_bpm, 171, 1e-9);
        assert_int_equal(p.hr.hrvt1_source, HR_SOURCE_RAMP_TEST);
        assert_int_equal(p.runner.lthr, 171);
        assert_false(p.runner.lthr_derived);
        /* auto now resolves to LTHR (Friel) zones. */
        assert_int_equal(p.zone_model, ZONE_MODEL_FRIEL);
        /* The three-zone model's boundaries are the accepted thresholds. */
        assert_int_equal(zone_table_build(ZONE_MODEL_THREE, &p.hr, &z), 0);
        assert_int_equal(z.n_zones, 3);
        assert_float_equal(z.zones[0].hi_bpm, 147, 1e-9);
        assert_float_equal(z.zones[2].lo_bpm, 171, 1e-9);
        config_free(c);
}

static void test_config_values_win(void **state)
{
        Config *c = load("[Runner]\nmax_hr = 190\nlthr = 165\nhrvt1 = 140\nhrvt2 = 160\n");
        ProfileSettings p;

        profile_settings_from_config(c, &accepted, &p);
        assert_false(p.lthr_accepted);
        assert_false(p.vt_accepted);
        assert_float_equal(p.hr.lthr_bpm, 165, 1e-9);
        assert_int_equal(p.hr.lthr_source, HR_SOURCE_MANUAL);
        assert_float_equal(p.hr.hrvt1_bpm, 140, 1e-9);
        assert_float_equal(p.hr.hrvt2_bpm, 160, 1e-9);
        config_free(c);

        /* Only LTHR configured: the thresholds still come from the session. */
        c = load("[Runner]\nmax_hr = 190\nlthr = 165\n");
        profile_settings_from_config(c, &accepted, &p);
        assert_false(p.lthr_accepted);
        assert_true(p.vt_accepted);
        assert_float_equal(p.hr.lthr_bpm, 165, 1e-9);
        assert_float_equal(p.hr.hrvt2_bpm, 171, 1e-9);
        config_free(c);
}

static void test_partial_accepted(void **state)
{
        Config *c = load("[Runner]\nage = 40\n");
        SessionAccepted only_vt2 = {.session_id = 2, .hrvt1_bpm = NAN, .hrvt2_bpm = 168};
        ProfileSettings p;

        /* HRVT2 alone: LTHR yes, no three-zone pair. */
        profile_settings_from_config(c, &only_vt2, &p);
        assert_true(p.lthr_accepted);
        assert_false(p.vt_accepted);
        assert_float_equal(p.hr.lthr_bpm, 168, 1e-9);
        assert_float_equal(p.hr.hrvt1_bpm, 0, 1e-9);
        /* Max HR is still the age estimate. */
        assert_int_equal(p.hr.max_source, HR_SOURCE_AGE);
        assert_true(hr_profile_is_estimated(&p.hr));
        config_free(c);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_without_accepted_the_config_alone),
                cmocka_unit_test(test_accepted_fill_lthr_and_thresholds),
                cmocka_unit_test(test_config_values_win),
                cmocka_unit_test(test_partial_accepted),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
