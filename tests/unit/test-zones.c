/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Zone models against the tables of docs/physiology.md, "Zones" (%HRmax,
 * Karvonen HRR, Friel running zones from LTHR, three zones from HRVT1/HRVT2),
 * Tanaka's age formula, and time-in-zone accumulation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <math.h>

#include "profile.h"
#include "util.h"
#include "zones.h"

static void test_tanaka_age_formula(void **state)
{
        double m = 0;

        assert_int_equal(hr_max_from_age(40, &m), 0);
        assert_float_equal(m, 180.0, 1e-12);
        assert_int_equal(hr_max_from_age(20, &m), 0);
        assert_float_equal(m, 194.0, 1e-12);
        m = 1;
        assert_int_equal(hr_max_from_age(-3, &m), -EDOM);
        assert_int_equal(hr_max_from_age(NAN, &m), -EDOM);
        assert_float_equal(m, 1, 0);
}

static void test_profile_defaults_marked_estimated(void **state)
{
        HrProfile p = {};

        assert_int_equal(hr_profile_fill_defaults(&p, 30), 0);
        assert_float_equal(p.max_bpm, 187.0, 1e-12);
        assert_int_equal(p.max_source, HR_SOURCE_AGE);
        assert_true(hr_profile_is_estimated(&p));
        assert_float_equal(p.rest_bpm, 60, 0);
        assert_int_equal(p.rest_source, HR_SOURCE_DEFAULT);
        assert_string_equal(hr_source_to_string(p.max_source), "estimated from age");

        /* a higher observed HR replaces the estimate */
        hr_profile_observe_hr(&p, 192);
        assert_float_equal(p.max_bpm, 192, 0);
        assert_false(hr_profile_is_estimated(&p));
        hr_profile_observe_hr(&p, 150);
        assert_float_equal(p.max_bpm, 192, 0);
}

static void test_hrmax_five_zones(void **state)
{
        HrProfile p = {.max_bpm = 200, .max_source = HR_SOURCE_MANUAL};
        ZoneTable t;

        assert_int_equal(zone_table_build(ZONE_MODEL_HRMAX, &p, &t), 0);
        assert_int_equal(t.n_zones, 5);
        assert_false(t.estimated);
        assert_float_equal(t.zones[1].lo_bpm, 120, 1e-9);
        assert_float_equal(t.zones[2].lo_bpm, 140, 1e-9);
        assert_float_equal(t.zones[3].lo_bpm, 160, 1e-9);
        assert_float_equal(t.zones[4].lo_bpm, 180, 1e-9);
        assert_int_equal(zone_table_classify(&t, 90), 0); /* below 50 %: open Z1 */
        assert_int_equal(zone_table_classify(&t, 119.9), 0);
        assert_int_equal(zone_table_classify(&t, 120), 1);
        assert_int_equal(zone_table_classify(&t, 159.99), 2);
        assert_int_equal(zone_table_classify(&t, 180), 4);
        assert_int_equal(zone_table_classify(&t, 205), 4); /* above max: open Z5 */
        assert_int_equal(zone_table_classify(&t, 0), -EINVAL);
        assert_int_equal(zone_table_classify(&t, NAN), -EINVAL);
        assert_string_equal(t.zones[4].name, "Z5");

        p.max_source = HR_SOURCE_AGE;
        assert_int_equal(zone_table_build(ZONE_MODEL_HRMAX, &p, &t), 0);
        assert_true(t.estimated);
        p.max_bpm = 0;
        assert_int_equal(zone_table_build(ZONE_MODEL_HRMAX, &p, &t), -ENODATA);
}

static void test_karvonen_zones(void **state)
{
        HrProfile p = {.max_bpm = 190, .rest_bpm = 50};
        ZoneTable t;

        assert_int_equal(zone_table_build(ZONE_MODEL_HRR, &p, &t), 0);
        /* rest + p * (max - rest): 60 % -> 50 + 0.6 * 140 = 134 */
        assert_float_equal(t.zones[1].lo_bpm, 134, 1e-9);
        assert_float_equal(t.zones[2].lo_bpm, 148, 1e-9);
        assert_float_equal(t.zones[3].lo_bpm, 162, 1e-9);
        assert_float_equal(t.zones[4].lo_bpm, 176, 1e-9);
        assert_int_equal(zone_table_classify(&t, 147.9), 1);
        assert_int_equal(zone_table_classify(&t, 148), 2);

        p.rest_bpm = 0;
        assert_int_equal(zone_table_build(ZONE_MODEL_HRR, &p, &t), -ENODATA);
        p.rest_bpm = 195;
        assert_int_equal(zone_table_build(ZONE_MODEL_HRR, &p, &t), -EINVAL);
}

static void test_friel_running_zones(void **state)
{
        HrProfile p = {.lthr_bpm = 170};
        ZoneTable t;
        const char *names[] = {"Z1", "Z2", "Z3", "Z4", "Z5a", "Z5b", "Z5c"};

        assert_int_equal(zone_table_build(ZONE_MODEL_FRIEL, &p, &t), 0);
        assert_int_equal(t.n_zones, 7);
        for (size_t i = 0; i < 7; i++)
                assert_string_equal(t.zones[i].name, names[i]);
        /* docs/physiology.md, Friel: <85, 85-89, 90-94, 95-99, 100-102, 103-106, >106 % */
        assert_int_equal(zone_table_classify(&t, 0.849 * 170), 0);
        assert_int_equal(zone_table_classify(&t, 0.85 * 170), 1);
        assert_int_equal(zone_table_classify(&t, 0.899 * 170), 1);
        assert_int_equal(zone_table_classify(&t, 0.90 * 170), 2);
        assert_int_equal(zone_table_classify(&t, 0.949 * 170), 2);
        assert_int_equal(zone_table_classify(&t, 0.95 * 170), 3);
        assert_int_equal(zone_table_classify(&t, 0.999 * 170), 3);
        assert_int_equal(zone_table_classify(&t, 1.00 * 170), 4);
        assert_int_equal(zone_table_classify(&t, 1.025 * 170), 4);
        assert_int_equal(zone_table_classify(&t, 1.03 * 170), 5);
        assert_int_equal(zone_table_classify(&t, 1.065 * 170), 5);
        assert_int_equal(zone_table_classify(&t, 1.07 * 170), 6);
        assert_int_equal(zone_table_classify(&t, 230), 6);

        p.lthr_bpm = 0;
        assert_int_equal(zone_table_build(ZONE_MODEL_FRIEL, &p, &t), -ENODATA);
        /* LTHR is seeded from HRVT2 when unset */
        p.hrvt2_bpm = 168;
        p.hrvt2_source = HR_SOURCE_RAMP_TEST;
        assert_int_equal(hr_profile_fill_defaults(&p, 35), 0);
        assert_float_equal(p.lthr_bpm, 168, 0);
        assert_int_equal(zone_table_build(ZONE_MODEL_FRIEL, &p, &t), 0);
}

static void test_three_zone_model(void **state)
{
        HrProfile p = {.hrvt1_bpm = 150, .hrvt2_bpm = 170};
        ZoneTable t;

        assert_int_equal(zone_table_build(ZONE_MODEL_THREE, &p, &t), 0);
        assert_int_equal(t.n_zones, 3);
        assert_int_equal(zone_table_classify(&t, 149.9), 0);
        assert_int_equal(zone_table_classify(&t, 150), 1);
        assert_int_equal(zone_table_classify(&t, 169.9), 1);
        assert_int_equal(zone_table_classify(&t, 170), 2);

        p.hrvt2_bpm = 0;
        assert_int_equal(zone_table_build(ZONE_MODEL_THREE, &p, &t), -ENODATA);
        p.hrvt2_bpm = 140;
        assert_int_equal(zone_table_build(ZONE_MODEL_THREE, &p, &t), -EINVAL);
}

static void test_model_strings(void **state)
{
        for (int m = 0; m < _ZONE_MODEL_MAX; m++)
                assert_int_equal(zone_model_from_string(zone_model_to_string(m)), m);
        assert_int_equal(zone_model_from_string("bogus"), _ZONE_MODEL_INVALID);
        assert_null(zone_model_to_string(_ZONE_MODEL_MAX));
}

static void test_accumulator_step_lap_session(void **state)
{
        HrProfile p = {.hrvt1_bpm = 150, .hrvt2_bpm = 170};
        ZoneTable t;
        ZoneAccumulator a;
        ZoneTimes step1, lap1;
        double t_s = 0;

        assert_int_equal(zone_table_build(ZONE_MODEL_THREE, &p, &t), 0);
        zone_accumulator_init(&a, &t);
        /* 60 s in Z1, one sample per second */
        for (; t_s < 60; t_s += 1)
                assert_int_equal(zone_accumulator_sample(&a, t_s, 140), 0);
        /* 30 s in Z2 */
        for (; t_s < 90; t_s += 1)
                assert_int_equal(zone_accumulator_sample(&a, t_s, 160), 1);
        zone_accumulator_new_step(&a, 90, &step1);
        assert_float_equal(step1.s[0], 60, 1e-9);
        assert_float_equal(step1.s[1], 30, 1e-9);
        assert_float_equal(step1.total_s, 90, 1e-9);
        /* 20 s in Z3, then a 30 s strap dropout that must not count, then 10 s Z3 */
        for (; t_s < 110; t_s += 1)
                assert_int_equal(zone_accumulator_sample(&a, t_s, 175), 2);
        t_s += 30;
        for (int k = 0; k < 10; k++, t_s += 1)
                assert_int_equal(zone_accumulator_sample(&a, t_s, 175), 2);
        zone_accumulator_new_lap(&a, t_s, &lap1);
        assert_float_equal(lap1.s[0], 60, 1e-9);
        assert_float_equal(lap1.s[1], 30, 1e-9);
        assert_float_equal(lap1.s[2], 29, 1e-9);
        assert_float_equal(a.times[ZONE_SCOPE_STEP].s[2], 29, 1e-9);
        assert_float_equal(a.times[ZONE_SCOPE_SESSION].total_s, 119, 1e-9);
        assert_float_equal(a.times[ZONE_SCOPE_LAP].total_s, 0, 0);
        assert_int_equal(a.lap_index, 1);
        assert_int_equal(a.step_index, 1);
        assert_int_equal(zone_accumulator_sample(&a, t_s - 5, 150), -EINVAL);
}

static void test_from_runner_profile(void **state)
{
        RunnerProfile rp;
        HrProfile p;
        ZoneTable t;

        /* only the age known: everything derived is an estimate */
        runner_profile_init(&rp);
        assert_int_equal(runner_profile_set_key(&rp, "Age", "40"), 0);
        runner_profile_derive(&rp);
        hr_profile_from_runner(&p, &rp);
        assert_float_equal(p.max_bpm, 180, 0);
        assert_int_equal(p.max_source, HR_SOURCE_AGE);
        assert_int_equal(p.rest_source, HR_SOURCE_DEFAULT);
        assert_int_equal(p.lthr_source, HR_SOURCE_AGE);
        assert_int_equal(zone_table_build(ZONE_MODEL_HRMAX, &p, &t), 0);
        assert_true(t.estimated);
        assert_int_equal(zone_table_build(ZONE_MODEL_FRIEL, &p, &t), 0);
        assert_true(t.estimated);

        /* measured values are not */
        runner_profile_init(&rp);
        assert_int_equal(runner_profile_set_key(&rp, "MaxHR", "192"), 0);
        assert_int_equal(runner_profile_set_key(&rp, "LTHR", "172"), 0);
        runner_profile_derive(&rp);
        hr_profile_from_runner(&p, &rp);
        assert_int_equal(p.max_source, HR_SOURCE_MANUAL);
        assert_int_equal(p.lthr_source, HR_SOURCE_MANUAL);
        assert_int_equal(zone_table_build(ZONE_MODEL_FRIEL, &p, &t), 0);
        assert_false(t.estimated);
        assert_float_equal(t.zones[4].lo_bpm, 172, 1e-9);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_tanaka_age_formula),
                cmocka_unit_test(test_profile_defaults_marked_estimated),
                cmocka_unit_test(test_hrmax_five_zones),
                cmocka_unit_test(test_karvonen_zones),
                cmocka_unit_test(test_friel_running_zones),
                cmocka_unit_test(test_three_zone_model),
                cmocka_unit_test(test_model_strings),
                cmocka_unit_test(test_accumulator_step_lap_session),
                cmocka_unit_test(test_from_runner_profile),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
