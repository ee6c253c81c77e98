/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RR artifact detection and correction: recall on injected missed, extra and
 * ectopic beats, no false alarms on clean series at rest (strong sinus
 * arrhythmia) and at exercise (small beat-to-beat variation).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "rr-clean.h"
#include "synth-rr.h"
#include "util.h"

/* Clean exercise series: RR 400 ms with AR(1) variation of a few ms. */
static void make_exercise(double *rr, size_t n, uint64_t seed)
{
        SynthRng g = {.s = seed};
        double x = 0;

        for (size_t i = 0; i < n; i++) {
                x = 0.5 * x + 3.0 * synth_gauss(&g);
                rr[i] = 400 + x;
        }
}

/* Clean resting series: RR 1000 ms, respiratory sinus arrhythmia of +-80 ms. */
static void make_rest(double *rr, size_t n, uint64_t seed)
{
        SynthRng g = {.s = seed};

        for (size_t i = 0; i < n; i++)
                rr[i] = 1000 + 80 * sin(2 * M_PI * (double)i / 4.5) + 15 * synth_gauss(&g);
}

static void test_ticks_conversion_exact(void **state)
{
        assert_true(rr_ticks_to_ms(1024) == 1000.0);
        assert_true(rr_ticks_to_ms(512) == 500.0);
        assert_true(rr_ticks_to_ms(1) == 0.9765625);
        assert_true(rr_ticks_to_ms(65535) == 65535.0 * 1000.0 / 1024.0);
}

static void test_kind_strings(void **state)
{
        assert_string_equal(rr_beat_kind_to_string(RR_BEAT_MISSED), "missed");
        assert_null(rr_beat_kind_to_string(_RR_BEAT_KIND_MAX));
        assert_null(rr_beat_kind_to_string(_RR_BEAT_KIND_INVALID));
}

static void check_clean(double *rr, size_t n)
{
        _cleanup_free_ RrBeat *b = NULL;
        size_t nb;

        assert_int_equal(rr_correct(rr, n, true, &b, &nb), 0);
        assert_int_equal(nb, n);
        /* at most 0.1 % false alarms */
        assert_true(rr_artifact_pct(b, nb) <= 0.1);
        for (size_t i = 0; i < nb; i++)
                if (b[i].kind == RR_BEAT_NORMAL)
                        assert_true(b[i].rr_ms == rr[i]);
}

static void test_clean_exercise_untouched(void **state)
{
        double rr[3000];

        make_exercise(rr, ELEMENTSOF(rr), 21);
        check_clean(rr, ELEMENTSOF(rr));
}

static void test_clean_rest_untouched(void **state)
{
        double rr[1000];

        make_rest(rr, ELEMENTSOF(rr), 22);
        check_clean(rr, ELEMENTSOF(rr));
}

/* Injects an artifact every 37 beats; returns the number injected. */
typedef enum Inject { INJECT_MISSED, INJECT_EXTRA, INJECT_ECTOPIC } Inject;

static size_t inject(const double *clean, size_t n, Inject what, double *out, size_t *ret_n)
{
        size_t k = 0, injected = 0;

        for (size_t i = 0; i < n; i++) {
                if (i > 20 && i % 37 == 0 && i + 1 < n) {
                        injected++;
                        switch (what) {
                        case INJECT_MISSED: /* the strap missed the R peak between two beats */
                                out[k++] = clean[i] + clean[i + 1];
                                i++;
                                break;
                        case INJECT_EXTRA: /* a spurious peak 30 % into the beat */
                                out[k++] = 0.3 * clean[i];
                                out[k++] = 0.7 * clean[i];
                                break;
                        case INJECT_ECTOPIC: /* premature by 25 %, compensatory pause */
                                out[k++] = 0.75 * clean[i];
                                out[k++] = clean[i + 1] + 0.25 * clean[i];
                                i++;
                                break;
                        }
                        continue;
                }
                out[k++] = clean[i];
        }
        *ret_n = k;
        return injected;
}

static void check_recall(Inject what, RrBeatKind kind, void (*make)(double *, size_t, uint64_t))
{
        double clean[2000], dirty[4000];
        _cleanup_free_ RrBeat *b = NULL;
        size_t n_dirty, nb, found = 0, other = 0, injected;
        double total_in = 0, total_out = 0;

        make(clean, ELEMENTSOF(clean), 31);
        injected = inject(clean, ELEMENTSOF(clean), what, dirty, &n_dirty);
        assert_int_equal(rr_correct(dirty, n_dirty, true, &b, &nb), 0);
        for (size_t i = 0; i < nb; i++) {
                if (b[i].kind == kind)
                        found++;
                else if (b[i].kind != RR_BEAT_NORMAL)
                        other++;
                total_out += b[i].rr_ms;
        }
        for (size_t i = 0; i < n_dirty; i++)
                total_in += dirty[i];
        /* missed: 2 output beats per event; extra: 1; ectopic: 2 */
        found /= what == INJECT_EXTRA ? 1 : 2;
        assert_true(found >= injected * 95 / 100);
        assert_true(other <= injected / 10);
        /* split/merge/pair repairs keep beat times: total duration preserved */
        assert_float_equal(total_out, total_in, 1e-6 * total_in + 3 * other * 100);
        /* the repaired series has the clean number of beats */
        assert_int_equal(nb, ELEMENTSOF(clean));
}

static void test_missed_beats_split_exercise(void **state)
{
        check_recall(INJECT_MISSED, RR_BEAT_MISSED, make_exercise);
}

static void test_missed_beats_split_rest(void **state)
{
        check_recall(INJECT_MISSED, RR_BEAT_MISSED, make_rest);
}

static void test_extra_beats_merged_exercise(void **state)
{
        check_recall(INJECT_EXTRA, RR_BEAT_EXTRA, make_exercise);
}

static void test_extra_beats_merged_rest(void **state)
{
        check_recall(INJECT_EXTRA, RR_BEAT_EXTRA, make_rest);
}

static void test_ectopic_interpolated_exercise(void **state)
{
        check_recall(INJECT_ECTOPIC, RR_BEAT_ECTOPIC, make_exercise);
}

static void test_split_values_are_halves(void **state)
{
        double rr[40];
        _cleanup_free_ RrBeat *b = NULL;
        size_t nb;

        for (size_t i = 0; i < ELEMENTSOF(rr); i++)
                rr[i] = 500 + (i % 3);
        rr[20] = 1001;
        assert_int_equal(rr_correct(rr, ELEMENTSOF(rr), true, &b, &nb), 0);
        assert_int_equal(nb, 41);
        assert_int_equal(b[20].kind, RR_BEAT_MISSED);
        assert_int_equal(b[21].kind, RR_BEAT_MISSED);
        assert_float_equal(b[20].rr_ms, 500.5, 1e-12);
        assert_float_equal(b[21].rr_ms, 500.5, 1e-12);
        /* one missed beat is one artifact (Kubios counts corrections), not two */
        assert_true(b[20].counted);
        assert_false(b[21].counted);
        assert_float_equal(rr_artifact_pct(b, nb), 100.0 / 41, 1e-9);
}

static void test_extra_and_ectopic_count_once(void **state)
{
        double rr[60];
        _cleanup_free_ RrBeat *b = NULL;
        size_t nb, counted = 0, extra = 0, ectopic = 0;

        for (size_t i = 0; i < ELEMENTSOF(rr); i++)
                rr[i] = 500 + (i % 3);
        rr[20] = 230, rr[21] = 271; /* a spurious detection splits one beat */
        rr[40] = 380, rr[41] = 621; /* a premature beat and its pause */
        assert_int_equal(rr_correct(rr, ELEMENTSOF(rr), true, &b, &nb), 0);
        for (size_t i = 0; i < nb; i++) {
                counted += b[i].counted;
                extra += b[i].kind == RR_BEAT_EXTRA;
                ectopic += b[i].kind == RR_BEAT_ECTOPIC;
        }
        assert_int_equal(extra, 1);
        assert_int_equal(ectopic, 2);
        assert_int_equal(counted, 2);
}

static void test_dropout_flagged_not_interpolated_silently(void **state)
{
        double rr[60];
        _cleanup_free_ RrBeat *b = NULL;
        size_t nb, flagged = 0;

        for (size_t i = 0; i < ELEMENTSOF(rr); i++)
                rr[i] = 500;
        rr[30] = 5000; /* 5 s with no beats */
        assert_int_equal(rr_correct(rr, ELEMENTSOF(rr), true, &b, &nb), 0);
        for (size_t i = 0; i < nb; i++)
                flagged += b[i].kind == RR_BEAT_DROPOUT;
        assert_int_equal(flagged, 10);
        assert_int_equal(nb, 69);
        /* every beat of a dropout is made up, and each counts */
        assert_float_equal(rr_artifact_pct(b, nb), 100.0 * 10 / 69, 1e-9);
}

static void test_no_correct_keeps_values_but_counts(void **state)
{
        double clean[600], dirty[1200];
        _cleanup_free_ RrBeat *b = NULL;
        size_t n_dirty, nb, flagged = 0;

        make_exercise(clean, ELEMENTSOF(clean), 41);
        inject(clean, ELEMENTSOF(clean), INJECT_MISSED, dirty, &n_dirty);
        assert_int_equal(rr_correct(dirty, n_dirty, false, &b, &nb), 0);
        assert_int_equal(nb, n_dirty);
        for (size_t i = 0; i < nb; i++) {
                assert_true(b[i].rr_ms == dirty[i]);
                flagged += b[i].kind == RR_BEAT_MISSED;
        }
        assert_true(flagged >= 14);
}

static void test_streaming_rejects_bad_input(void **state)
{
        RrCleaner *c = NULL;
        const RrBeat *b;

        assert_int_equal(rr_cleaner_new(&c, true), 0);
        assert_int_equal(rr_cleaner_push(c, NAN, &b), -EINVAL);
        assert_int_equal(rr_cleaner_push(c, 0, &b), -EINVAL);
        assert_int_equal(rr_cleaner_push(c, -5, &b), -EINVAL);
        /* lookahead: nothing is decided before 6 beats are in */
        for (int i = 0; i < 6; i++)
                assert_int_equal(rr_cleaner_push(c, 500, &b), 0);
        assert_int_equal(rr_cleaner_push(c, 500, &b), 1);
        assert_int_equal(rr_cleaner_flush(c, &b), 6);
        assert_null(rr_cleaner_free(c));
        assert_null(rr_cleaner_free(NULL));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ticks_conversion_exact),
                cmocka_unit_test(test_kind_strings),
                cmocka_unit_test(test_clean_exercise_untouched),
                cmocka_unit_test(test_clean_rest_untouched),
                cmocka_unit_test(test_missed_beats_split_exercise),
                cmocka_unit_test(test_missed_beats_split_rest),
                cmocka_unit_test(test_extra_beats_merged_exercise),
                cmocka_unit_test(test_extra_beats_merged_rest),
                cmocka_unit_test(test_ectopic_interpolated_exercise),
                cmocka_unit_test(test_split_values_are_halves),
                cmocka_unit_test(test_extra_and_ectopic_count_once),
                cmocka_unit_test(test_dropout_flagged_not_interpolated_silently),
                cmocka_unit_test(test_no_correct_keeps_values_but_counts),
                cmocka_unit_test(test_streaming_rejects_bad_input),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
