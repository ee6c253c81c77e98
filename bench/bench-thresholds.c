/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Accuracy of the ramp-test thresholds against the simulator's runner
 * (core/sim-runner.h), whose true HRVT1/HRVT2 are known by construction.
 *
 * For a spread of runners (true thresholds), ramp rates and artifact rates
 * (missed + extra beats per beat), the runner does an incremental ramp test
 * on the simulated strap, notification by notification as paced sees it;
 * the recording (RR ticks with the belt speed) goes through the very
 * analysis `pacectl analyze` and the daemon run (rr_analysis_run), and the
 * bench prints the error distribution of HRVT1 and HRVT2: median and 90th
 * percentile of |detected - true|, the median signed error (bias), how
 * often the truth lies inside the reported 95 % interval, and how many
 * recordings were accepted as a valid threshold test.
 *
 *   bench-thresholds [--runners N] [--seed S] [--verbose] [--dump DIR]
 *
 * --dump writes every recording to DIR (runner-I-RATE-ART.csv, or
 * runner-I-SESSION.csv) for a look with `pacectl analyze --windows`.
 *
 * Deterministic: the same arguments print the same figures. Nothing here is
 * asserted by a test; docs/analysis.md records the figures.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hrs.h"
#include "rr-analysis.h"
#include "sim-runner.h"
#include "util.h"

typedef struct Protocol {
        const char *name;
        double step_kmh; /* speed added per step */
        double step_s;   /* step length */
} Protocol;

static const Protocol protocols[] = {
        {"0.25 km/h per min", 0.25, 60},
        {"0.5 km/h per min", 0.5, 60},
        {"1 km/h per min", 1.0, 60},
};

static const double artifact_rates[] = {0, 0.01, 0.02, 0.03, 0.04, 0.05};

#define WARMUP_S   480.0
#define COOLDOWN_S 180.0

/* Sessions that are not threshold tests: none of them may give thresholds. */
typedef enum Session {
        SESSION_RAMP,
        SESSION_STEADY,      /* 30 min at 90 % of the anaerobic threshold speed */
        SESSION_INTERVALS,   /* 6 x 3 min at vVO2max, 2 min jogs */
        SESSION_TIME_TRIAL,  /* warm-up, strides, then a hard 6 min */
        SESSION_PROGRESSION, /* 40 min from easy to threshold in 4 blocks */
        SESSION_SUBMAX_RAMP, /* a ramp stopped at the aerobic threshold speed + 1 km/h */
        _SESSION_MAX,
} Session;

static const char *const session_names[_SESSION_MAX] = {
        [SESSION_RAMP] = "ramp test",
        [SESSION_STEADY] = "steady run",
        [SESSION_INTERVALS] = "6 x 3 min intervals",
        [SESSION_TIME_TRIAL] = "time trial",
        [SESSION_PROGRESSION] = "progression run",
        [SESSION_SUBMAX_RAMP] = "ramp stopped early",
};

typedef struct Trial {
        SimRunnerProfile p;
        Session session;
        const Protocol *proto;
        double start_kmh, end_kmh; /* first ramp step, last (exhaustion) step */
} Trial;

static double trial_speed(const Trial *t, double s, double *ret_end_s)
{
        const SimRunnerProfile *p = &t->p;
        double easy = 0.65 * p->vt1_speed_kmh, n_steps, ramp_end;

        switch (t->session) {
        case SESSION_STEADY:
                if (ret_end_s)
                        *ret_end_s = 1800;
                return s < 600 ? easy : 0.9 * p->vt2_speed_kmh;
        case SESSION_INTERVALS:
                if (ret_end_s)
                        *ret_end_s = 600 + 6 * 300 + 600;
                if (s < 600 || s >= 600 + 6 * 300)
                        return easy;
                return fmod(s - 600, 300) < 180 ? p->vo2max_speed_kmh : easy;
        case SESSION_TIME_TRIAL:
                if (ret_end_s)
                        *ret_end_s = 900 + 240 + 120 + 360 + 600;
                if (s < 900)
                        return easy;
                if (s < 1140)
                        return fmod(s - 900, 60) < 20 ? p->vo2max_speed_kmh : 5.0;
                if (s < 1260)
                        return 5.0;
                if (s < 1620)
                        return p->vo2max_speed_kmh * (0.97 + 0.01 * floor((s - 1260) / 90));
                return 5.0;
        case SESSION_PROGRESSION:
                if (ret_end_s)
                        *ret_end_s = 2400;
                return easy + (p->vt2_speed_kmh - easy) * floor(s / 600) / 3;
        case SESSION_RAMP:
        case SESSION_SUBMAX_RAMP:
        case _SESSION_MAX:
                break;
        }
        n_steps = floor((t->end_kmh - t->start_kmh) / t->proto->step_kmh + 1e-9) + 1;
        ramp_end = WARMUP_S + n_steps * t->proto->step_s;
        if (ret_end_s)
                *ret_end_s = ramp_end + COOLDOWN_S;
        if (s < WARMUP_S)
                return t->start_kmh - 1.0; /* flat easy warm-up */
        if (s < ramp_end)
                return t->start_kmh + t->proto->step_kmh * floor((s - WARMUP_S) / t->proto->step_s);
        return 5.0; /* walking cool-down */
}

static uint64_t mix(uint64_t *s)
{
        uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}

static double uniform(uint64_t *s, double lo, double hi)
{
        return lo + (hi - lo) * ((double)(mix(s) >> 11) / 9007199254740992.0);
}

/* A runner: threshold speeds, HR range and kinetics spread over what runners have. */
static void random_runner(uint64_t *s, SimRunnerProfile *p)
{
        sim_runner_profile_default(p);
        p->vt2_speed_kmh = uniform(s, 10.0, 17.0);
        p->vt1_speed_kmh = p->vt2_speed_kmh * uniform(s, 0.76, 0.88);
        p->vo2max_speed_kmh = p->vt2_speed_kmh * uniform(s, 1.12, 1.30);
        p->hr_max_bpm = round(uniform(s, 172, 205));
        p->hr_rest_bpm = round(uniform(s, 42, 68));
        p->tau_on_s = uniform(s, 20, 45);
        p->tau_off_s = p->tau_on_s * 1.5;
        p->rr_sd_rest_ms = uniform(s, 30, 60);
        p->rr_sd_max_ms = uniform(s, 2, 5);
        p->seed = mix(s);
}

/* dump: write the recording there as a CSV `pacectl analyze` reads (NULL: don't). */
static int run_trial(const Trial *t, const char *dump, RrAnalysis **ret)
{
        _cleanup_free_ RrRow *rows = NULL;
        RrRecording rec = {.has_speed = true, .has_hr = true};
        SimRunner *sim = NULL;
        size_t cap = 0;
        double end_s, speed = -1;
        int r;

        (void)trial_speed(t, 0, &end_s);
        r = sim_runner_new(&sim, &t->p, 0);
        if (r < 0)
                return r;
        for (double s = 1; s <= end_s; s += 1) {
                HrsMeasurement m;

                if (trial_speed(t, s - 1, NULL) != speed) {
                        speed = trial_speed(t, s - 1, NULL);
                        sim_runner_set_load(sim, (uint64_t)((s - 1) * 1e6), speed, 0);
                }
                (void)sim_runner_measurement(sim, (uint64_t)(s * 1e6), &m);
                for (size_t i = 0; i < m.n_rr; i++) {
                        if (rec.n_rows == cap) {
                                RrRow *n;

                                cap = cap ? 2 * cap : 8192;
                                n = realloc(rows, cap * sizeof(RrRow));
                                if (!n) {
                                        sim_runner_free(sim);
                                        return -ENOMEM;
                                }
                                rows = n;
                        }
                        rows[rec.n_rows++] = (RrRow){.rr_ms = hrs_rr_to_ms(m.rr_raw[i]),
                                                     .t_s = NAN,
                                                     .speed_kmh = speed,
                                                     .hr_bpm = m.heart_rate_bpm};
                }
        }
        sim_runner_free(sim);
        rec.rows = rows;
        if (dump) {
                FILE *f = fopen(dump, "we");

                if (!f)
                        return -errno;
                fprintf(f, "rr_ms,speed_kmh\n");
                for (size_t i = 0; i < rec.n_rows; i++)
                        fprintf(f, "%.4f,%.2f\n", rows[i].rr_ms, rows[i].speed_kmh);
                if (fclose(f) != 0)
                        return -errno;
        }
        return rr_analysis_run(&rec, NULL, ret);
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return (x > y) - (x < y);
}

static double quantile(double *v, size_t n, double q)
{
        double pos;
        size_t i;

        if (n == 0)
                return NAN;
        qsort(v, n, sizeof(double), cmp_double);
        pos = q * (double)(n - 1);
        i = (size_t)pos;
        return i + 1 < n ? v[i] + (pos - (double)i) * (v[i + 1] - v[i]) : v[i];
}

typedef struct Tally {
        size_t n, n_valid, n_inside[_THRESHOLD_KIND_MAX], n_ci[_THRESHOLD_KIND_MAX];
        double *abs_err[_THRESHOLD_KIND_MAX], *err[_THRESHOLD_KIND_MAX];
        double *half_width[_THRESHOLD_KIND_MAX];
} Tally;

static void tally_print(const char *label, Tally *t)
{
        printf("%-22s %4zu %5zu", label, t->n, t->n_valid);
        for (size_t k = 0; k < _THRESHOLD_KIND_MAX; k++) {
                double med = quantile(t->abs_err[k], t->n_valid, 0.5);
                double p90 = quantile(t->abs_err[k], t->n_valid, 0.9);
                double bias = quantile(t->err[k], t->n_valid, 0.5);

                printf("   %5.1f %5.1f %+6.1f %4.0f%% %5.1f", med, p90, bias,
                       t->n_valid ? 100.0 * (double)t->n_inside[k] / (double)t->n_valid : NAN,
                       quantile(t->half_width[k], t->n_ci[k], 0.5));
        }
        printf("\n");
}

int main(int argc, char *argv[])
{
        static const struct option options[] = {
                {"runners", required_argument, NULL, 'n'},
                {"seed", required_argument, NULL, 's'},
                {"verbose", no_argument, NULL, 'v'},
                {"dump", required_argument, NULL, 'd'},
                {},
        };
        size_t n_runners = 30;
        uint64_t seed0 = 1;
        bool verbose = false;
        const char *dump_dir = NULL;
        Tally by_rate[ELEMENTSOF(artifact_rates)] = {}, by_proto[ELEMENTSOF(protocols)] = {};
        size_t n_reasons[_THRESHOLD_TEST_STATUS_MAX] = {};
        size_t n_neg[_SESSION_MAX] = {}, n_neg_valid[_SESSION_MAX] = {};
        int c;

        while ((c = getopt_long(argc, argv, "n:s:vd:", options, NULL)) >= 0)
                switch (c) {
                case 'n':
                        n_runners = strtoul(optarg, NULL, 10);
                        break;
                case 's':
                        seed0 = strtoull(optarg, NULL, 10);
                        break;
                case 'v':
                        verbose = true;
                        break;
                case 'd':
                        dump_dir = optarg;
                        break;
                default:
                        fprintf(stderr,
                                "usage: %s [--runners N] [--seed S] [--verbose] [--dump DIR]\n",
                                argv[0]);
                        return 2;
                }

        for (size_t a = 0; a < ELEMENTSOF(artifact_rates); a++)
                for (size_t k = 0; k < _THRESHOLD_KIND_MAX; k++) {
                        size_t n = n_runners * ELEMENTSOF(protocols);

                        by_rate[a].abs_err[k] = calloc(n, sizeof(double));
                        by_rate[a].err[k] = calloc(n, sizeof(double));
                        by_rate[a].half_width[k] = calloc(n, sizeof(double));
                }
        for (size_t p = 0; p < ELEMENTSOF(protocols); p++)
                for (size_t k = 0; k < _THRESHOLD_KIND_MAX; k++) {
                        size_t n = n_runners * ELEMENTSOF(artifact_rates);

                        by_proto[p].abs_err[k] = calloc(n, sizeof(double));
                        by_proto[p].err[k] = calloc(n, sizeof(double));
                        by_proto[p].half_width[k] = calloc(n, sizeof(double));
                }

        for (size_t i = 0; i < n_runners; i++) {
                uint64_t s = seed0 * 1000003 + i;
                SimRunnerProfile base;

                random_runner(&s, &base);
                for (size_t p = 0; p < ELEMENTSOF(protocols); p++)
                        for (size_t a = 0; a < ELEMENTSOF(artifact_rates); a++) {
                                Trial t = {.p = base, .proto = &protocols[p]};
                                SimThresholds truth;
                                RrAnalysis *an = NULL;
                                Tally *ts[] = {&by_rate[a], &by_proto[p]};
                                bool ok;

                                t.session = SESSION_RAMP;
                                t.p.artifact_rate = artifact_rates[a];
                                t.p.seed = base.seed + 7919 * p + a;
                                t.start_kmh = round(2 * 0.6 * base.vt1_speed_kmh) / 2;
                                t.end_kmh = base.vo2max_speed_kmh + protocols[p].step_kmh;
                                sim_runner_true_thresholds(&t.p, &truth);
                                char path[PATH_MAX];

                                if (dump_dir)
                                        snprintf(path, sizeof(path), "%s/runner-%zu-%.2f-%.2f.csv",
                                                 dump_dir, i, protocols[p].step_kmh,
                                                 artifact_rates[a]);
                                if (run_trial(&t, dump_dir ? path : NULL, &an) < 0) {
                                        fprintf(stderr, "runner %zu: analysis failed\n", i);
                                        return 1;
                                }
                                ok = an->test.status == THRESHOLD_TEST_VALID;
                                n_reasons[an->test.status]++;
                                for (size_t j = 0; j < ELEMENTSOF(ts); j++) {
                                        Tally *tl = ts[j];

                                        tl->n++;
                                        if (!ok)
                                                continue;
                                        for (size_t k = 0; k < _THRESHOLD_KIND_MAX; k++) {
                                                const ThresholdEstimate *e = &an->ramp.t[k];
                                                double tr = k == THRESHOLD_HRVT1 ? truth.vt1_hr_bpm
                                                                                 : truth.vt2_hr_bpm;

                                                tl->err[k][tl->n_valid] = e->hr_bpm - tr;
                                                tl->abs_err[k][tl->n_valid] = fabs(e->hr_bpm - tr);
                                                tl->n_inside[k] += tr >= e->hr_ci_lo_bpm &&
                                                                   tr <= e->hr_ci_hi_bpm;
                                                if (isfinite(e->hr_ci_lo_bpm))
                                                        tl->half_width[k][tl->n_ci[k]++] =
                                                                (e->hr_ci_hi_bpm -
                                                                 e->hr_ci_lo_bpm) /
                                                                2;
                                        }
                                        tl->n_valid++;
                                }
                                if (verbose)
                                        printf("runner %2zu %-18s art %.2f: true %5.1f %5.1f "
                                               "found %5.1f [%5.1f %5.1f] %c  %5.1f [%5.1f %5.1f] "
                                               "%c  %s (%.2f %.2f) fit HR %.0f-%.0f max %.0f ramp "
                                               "%.0f-%.0f\n",
                                               i, protocols[p].name, artifact_rates[a],
                                               truth.vt1_hr_bpm, truth.vt2_hr_bpm,
                                               an->ramp.t[0].hr_bpm, an->ramp.t[0].hr_ci_lo_bpm,
                                               an->ramp.t[0].hr_ci_hi_bpm, an->ramp.t[0].grade,
                                               an->ramp.t[1].hr_bpm, an->ramp.t[1].hr_ci_lo_bpm,
                                               an->ramp.t[1].hr_ci_hi_bpm, an->ramp.t[1].grade,
                                               threshold_test_status_key_to_string(an->test.status),
                                               an->test.start_alpha1, an->test.end_alpha1,
                                               an->ramp.hr_min_bpm, an->ramp.hr_max_bpm,
                                               t.p.hr_max_bpm, an->ramp_start_s, an->ramp_end_s);
                                rr_analysis_free(an);
                        }
                /* The same runner in sessions that are not threshold tests (1 % artifacts). */
                for (Session k = SESSION_STEADY; k < _SESSION_MAX; k++) {
                        Trial t = {.p = base, .session = k, .proto = &protocols[1]};
                        RrAnalysis *an = NULL;

                        t.p.artifact_rate = 0.01;
                        t.start_kmh = round(2 * 0.6 * base.vt1_speed_kmh) / 2;
                        t.end_kmh = base.vt1_speed_kmh + 1;
                        char path[PATH_MAX];

                        if (dump_dir)
                                snprintf(path, sizeof(path), "%s/runner-%zu-session-%d.csv",
                                         dump_dir, i, (int)k);
                        if (run_trial(&t, dump_dir ? path : NULL, &an) < 0) {
                                fprintf(stderr, "runner %zu: analysis failed\n", i);
                                return 1;
                        }
                        n_neg[k]++;
                        n_neg_valid[k] += an->test.status == THRESHOLD_TEST_VALID;
                        rr_analysis_free(an);
                }
        }

        printf("%zu simulated runners x %zu ramp rates x %zu artifact rates\n", n_runners,
               ELEMENTSOF(protocols), ELEMENTSOF(artifact_rates));
        printf("|error| in bpm: median and 90th percentile; bias: median signed error; in CI: "
               "truth inside\nthe reported 95 %% interval; +-CI: median half-width of that "
               "interval; valid: tests that\ngave thresholds (the figures are over those)\n\n");
        printf("%-22s %4s %5s   %-33s   %-33s\n", "", "runs", "valid", "HRVT1 (aerobic)",
               "HRVT2 (anaerobic)");
        printf("%-22s %4s %5s   %5s %5s %6s %5s %5s   %5s %5s %6s %5s %5s\n", "", "", "", "med",
               "p90", "bias", "in CI", "+-CI", "med", "p90", "bias", "in CI", "+-CI");
        for (size_t a = 0; a < ELEMENTSOF(artifact_rates); a++) {
                char label[32];

                snprintf(label, sizeof(label), "artifacts %.0f %%", 100 * artifact_rates[a]);
                tally_print(label, &by_rate[a]);
        }
        printf("\n");
        for (size_t p = 0; p < ELEMENTSOF(protocols); p++)
                tally_print(protocols[p].name, &by_proto[p]);
        printf("\nRamp tests not accepted as threshold tests, by reason:");
        for (size_t k = 1; k < _THRESHOLD_TEST_STATUS_MAX; k++)
                if (n_reasons[k])
                        printf(" %s %zu", threshold_test_status_key_to_string((ThresholdTestStatus)k),
                               n_reasons[k]);
        printf("\nOther sessions accepted as threshold tests (must be 0):");
        for (Session k = SESSION_STEADY; k < _SESSION_MAX; k++)
                printf(" %s %zu/%zu%s", session_names[k], n_neg_valid[k], n_neg[k],
                       k + 1 < _SESSION_MAX ? "," : "\n");
        return 0;
}
