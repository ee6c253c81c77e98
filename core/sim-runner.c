/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <string.h>

#include "profile.h"
#include "sim-runner.h"
#include "util.h"

/*
 * Fractional filter length. DFA alpha1 looks at boxes of 4-16 beats, so a
 * memory of 256 beats is long enough for the exponent at those scales.
 */
#define ARFIMA_TAPS 256
#define RR_QUEUE    512

typedef struct Rng {
        uint64_t s[4];
        bool has_spare;
        double spare;
} Rng;

struct SimRunner {
        SimRunnerProfile p;
        Rng rng;

        uint64_t now_usec;       /* the physiology is integrated up to here */
        uint64_t next_beat_usec; /* when the next heart beat happens */
        double speed_kmh, incline_pct;
        double hr_base; /* HR without the slow component */
        double drift;   /* slow component, bpm */

        /* ARFIMA(0,d,0): innovations (ring) and the filter for the current d */
        double innov[ARFIMA_TAPS];
        size_t innov_pos;
        double psi[ARFIMA_TAPS];
        double psi_norm;
        double d;

        /* RR out (ms), after artifacts */
        double queue[RR_QUEUE];
        size_t q_head, q_len;
        double pending_missed; /* a beat whose RR merges into the next one, ms */
        double last_rr[3];
        size_t n_last;

        SimRunnerStats stats;
};

/* xoshiro256** seeded through splitmix64 (Vigna; public domain algorithms). */
static uint64_t splitmix64(uint64_t *x)
{
        uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}

/* util.h's CLAMP nests MIN in MAX, which -Wshadow rejects. */
static double clampd(double x, double lo, double hi)
{
        return fmin(fmax(x, lo), hi);
}

static uint64_t rotl(uint64_t x, int k)
{
        return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(Rng *g)
{
        uint64_t result = rotl(g->s[1] * 5, 7) * 9, t = g->s[1] << 17;

        g->s[2] ^= g->s[0];
        g->s[3] ^= g->s[1];
        g->s[1] ^= g->s[2];
        g->s[0] ^= g->s[3];
        g->s[2] ^= t;
        g->s[3] = rotl(g->s[3], 45);
        return result;
}

static void rng_seed(Rng *g, uint64_t seed)
{
        for (size_t i = 0; i < 4; i++)
                g->s[i] = splitmix64(&seed);
        g->has_spare = false;
}

/* Uniform in (0, 1). */
static double rng_uniform(Rng *g)
{
        return ((double)(rng_next(g) >> 11) + 0.5) / 9007199254740992.0;
}

static double rng_gauss(Rng *g)
{
        double u, v, m;

        if (g->has_spare) {
                g->has_spare = false;
                return g->spare;
        }
        u = rng_uniform(g);
        v = rng_uniform(g);
        m = sqrt(-2 * log(u));
        g->spare = m * sin(2 * M_PI * v);
        g->has_spare = true;
        return m * cos(2 * M_PI * v);
}

void sim_runner_profile_default(SimRunnerProfile *p)
{
        *p = (SimRunnerProfile){
                .hr_rest_bpm = 55,
                .hr_max_bpm = 190,
                .vt1_speed_kmh = 10.5,
                .vt2_speed_kmh = 13.0,
                .vo2max_speed_kmh = 16.0,
                .tau_on_s = 30,
                .tau_off_s = 45,
                .drift_bpm_per_min = 2,
                .rr_sd_rest_ms = 40,
                .rr_sd_max_ms = 3,
                .artifact_rate = 0,
                .seed = 1,
        };
}

void sim_runner_profile_from_runner(SimRunnerProfile *p, const RunnerProfile *rp)
{
        double vt2 = runner_profile_speed_kmh(rp, PACE_REF_THRESHOLD);
        double v5k = runner_profile_speed_kmh(rp, PACE_REF_5K);

        sim_runner_profile_default(p);
        if (vt2 > 0) {
                p->vt2_speed_kmh = vt2;
                p->vt1_speed_kmh = 0.82 * vt2;
                /* keep vo2max above vt2 even for odd profiles */
                p->vo2max_speed_kmh = fmax(v5k > 0 ? v5k / 0.95 : 0, 1.1 * vt2);
        }
        if (rp->max_hr > 0)
                p->hr_max_bpm = rp->max_hr;
        if (rp->resting_hr > 0 && rp->resting_hr < p->hr_max_bpm)
                p->hr_rest_bpm = rp->resting_hr;
}

static double effective_speed(double speed_kmh, double incline_pct)
{
        /* ACSM running: VO2 = 0.2 v + 0.9 v grade, so each % of grade adds 4.5 %. */
        return MAX(speed_kmh, 0.0) * MAX(1 + 0.045 * incline_pct, 0.5);
}

static double steady_hr_eff(const SimRunnerProfile *p, double v_eff)
{
        double f = clampd(v_eff / p->vo2max_speed_kmh, 0.0, 1.0);

        return p->hr_rest_bpm + (p->hr_max_bpm - p->hr_rest_bpm) * f;
}

double sim_runner_steady_hr(const SimRunnerProfile *p, double speed_kmh, double incline_pct)
{
        return steady_hr_eff(p, effective_speed(speed_kmh, incline_pct));
}

void sim_runner_true_thresholds(const SimRunnerProfile *p, SimThresholds *ret)
{
        *ret = (SimThresholds){
                .vt1_speed_kmh = p->vt1_speed_kmh,
                .vt1_hr_bpm = steady_hr_eff(p, p->vt1_speed_kmh),
                .vt2_speed_kmh = p->vt2_speed_kmh,
                .vt2_hr_bpm = steady_hr_eff(p, p->vt2_speed_kmh),
        };
}

/*
 * One straight line through (vt1, 0.75) and (vt2, 0.5) (Rogers et al. 2021: alpha1 0.75 at
 * VT1, 0.5 at VT2), between a plateau of 1.1 at easy intensities ("about 1.0 or more") and a
 * floor of 0.3 at the hardest. Straight through both thresholds because that is the relation
 * the published method rests on: Rogers et al. and Runalyze read both thresholds off one line
 * alpha1 = a + b HR over a ramp, linear over roughly alpha1 1.2 to 0.3 (docs/physiology.md).
 * A bend at vt2 itself (this model once halved the slope there) is no physiology anyone has
 * reported, and any estimator that fits a line near the threshold reads it high.
 */
#define ALPHA1_EASY  1.1
#define ALPHA1_FLOOR 0.3

double sim_runner_alpha1_at(const SimRunnerProfile *p, double v)
{
        double a = 0.75 - 0.25 * (v - p->vt1_speed_kmh) / (p->vt2_speed_kmh - p->vt1_speed_kmh);

        return clampd(a, ALPHA1_FLOOR, ALPHA1_EASY);
}

/* The intensity the drift-free HR reflects (inverse of steady_hr_eff). */
static double hr_intensity(const SimRunner *r)
{
        return (r->hr_base - r->p.hr_rest_bpm) / (r->p.hr_max_bpm - r->p.hr_rest_bpm) *
               r->p.vo2max_speed_kmh;
}

double sim_runner_alpha1_target(const SimRunner *r)
{
        return sim_runner_alpha1_at(&r->p, hr_intensity(r));
}

/*
 * DFA alpha of ARFIMA(0,d,0) is d + 0.5 in the limit, but over boxes of 4-16
 * beats it reads higher (white noise gives ~0.58, not 0.5). So d comes from
 * a calibration: the mean dfa_alpha1() of 120-beat windows of this very
 * generator (256 taps, 200000 samples) for d = -0.60, -0.55, ..., 0.95 (below
 * d = -0.5 the process is still stationary, only not invertible).
 */
static const double calib_alpha[] = {
        0.290, 0.306, 0.324, 0.343, 0.360, 0.388, 0.409, 0.433, 0.465, 0.488, 0.517,
        0.546, 0.578, 0.612, 0.647, 0.681, 0.721, 0.758, 0.799, 0.845, 0.878, 0.924,
        0.971, 1.018, 1.061, 1.117, 1.169, 1.229, 1.285, 1.341, 1.396, 1.442,
};
#define CALIB_D0   (-0.60)
#define CALIB_STEP 0.05

static double alpha_to_d(double alpha)
{
        size_t n = ELEMENTSOF(calib_alpha);

        if (alpha <= calib_alpha[0])
                return CALIB_D0;
        for (size_t i = 1; i < n; i++)
                if (alpha <= calib_alpha[i])
                        return CALIB_D0 +
                               CALIB_STEP * ((double)(i - 1) +
                                             (alpha - calib_alpha[i - 1]) /
                                                     (calib_alpha[i] - calib_alpha[i - 1]));
        return CALIB_D0 + CALIB_STEP * (double)(n - 1);
}

static void set_d(SimRunner *r, double d)
{
        double sum2 = 0;

        if (fabs(d - r->d) < 0.005)
                return;
        r->d = d;
        /* psi_0 = 1, psi_k = psi_{k-1} (k - 1 + d) / k: the MA(inf) weights of (1-B)^-d. */
        r->psi[0] = 1;
        for (size_t k = 1; k < ARFIMA_TAPS; k++)
                r->psi[k] = r->psi[k - 1] * ((double)k - 1 + d) / (double)k;
        for (size_t k = 0; k < ARFIMA_TAPS; k++)
                sum2 += r->psi[k] * r->psi[k];
        r->psi_norm = 1 / sqrt(sum2);
}

/* The next unit-variance correlated fluctuation. */
static double arfima_next(SimRunner *r)
{
        double x = 0;

        r->innov_pos = (r->innov_pos + 1) % ARFIMA_TAPS;
        r->innov[r->innov_pos] = rng_gauss(&r->rng);
        for (size_t k = 0; k < ARFIMA_TAPS; k++)
                x += r->psi[k] * r->innov[(r->innov_pos + ARFIMA_TAPS - k) % ARFIMA_TAPS];
        return x * r->psi_norm;
}

int sim_runner_new(SimRunner **ret, const SimRunnerProfile *p, uint64_t now_usec)
{
        SimRunner *r;

        if (!(p->hr_rest_bpm > 20) || !(p->hr_max_bpm > p->hr_rest_bpm) ||
            !(p->vt1_speed_kmh > 0) || !(p->vt2_speed_kmh > p->vt1_speed_kmh) ||
            !(p->vo2max_speed_kmh > p->vt2_speed_kmh) || !(p->tau_on_s > 0) ||
            !(p->tau_off_s > 0) || !(p->drift_bpm_per_min >= 0) || !(p->rr_sd_rest_ms >= 0) ||
            !(p->rr_sd_max_ms >= 0) || !(p->artifact_rate >= 0 && p->artifact_rate <= 0.5))
                return -EINVAL;

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->p = *p;
        rng_seed(&r->rng, p->seed);
        r->now_usec = now_usec;
        r->hr_base = p->hr_rest_bpm;
        r->d = NAN;
        set_d(r, alpha_to_d(sim_runner_alpha1_at(p, 0)));
        /* Warm the filter up so the first beats already carry the correlation. */
        for (size_t i = 0; i < ARFIMA_TAPS; i++)
                r->innov[i] = rng_gauss(&r->rng);
        r->next_beat_usec = now_usec + (uint64_t)(60e6 / r->hr_base);
        *ret = r;
        return 0;
}

SimRunner *sim_runner_free(SimRunner *r)
{
        free(r);
        return NULL;
}

/* Integrates HR and the slow component from r->now_usec to t (exact for a constant load). */
static void physiology_to(SimRunner *r, uint64_t t)
{
        double dt, v, target, tau, above;

        if (t <= r->now_usec)
                return;
        dt = (double)(t - r->now_usec) / USEC_PER_SEC;
        r->now_usec = t;

        v = effective_speed(r->speed_kmh, r->incline_pct);
        target = steady_hr_eff(&r->p, v);
        tau = target > r->hr_base ? r->p.tau_on_s : r->p.tau_off_s;
        r->hr_base = target + (r->hr_base - target) * exp(-dt / tau);

        /* The slow component grows above vt2 (scaled to reach the set rate at vo2max speed)
         * and fades with a 2-minute time constant below it. */
        above = (v - r->p.vt2_speed_kmh) / (r->p.vo2max_speed_kmh - r->p.vt2_speed_kmh);
        if (above > 0)
                r->drift += r->p.drift_bpm_per_min / 60 * MIN(above, 1.5) * dt;
        else
                r->drift *= exp(-dt / 120);
}

double sim_runner_heart_rate(const SimRunner *r)
{
        return MIN(r->hr_base + r->drift, r->p.hr_max_bpm);
}

static void queue_rr(SimRunner *r, double ms)
{
        if (r->q_len == RR_QUEUE) {
                r->q_head = (r->q_head + 1) % RR_QUEUE;
                r->q_len--;
        }
        r->queue[(r->q_head + r->q_len) % RR_QUEUE] = ms;
        r->q_len++;
        r->stats.rr_out++;
        r->last_rr[r->n_last++ % ELEMENTSOF(r->last_rr)] = ms;
}

/* One true beat of length rr ms: delivered as is, merged, or split. */
static void deliver_beat(SimRunner *r, double rr)
{
        double u;

        r->stats.beats++;
        if (r->pending_missed > 0) {
                /* The strap missed the previous beat: the two RR arrive as one. */
                rr += r->pending_missed;
                r->pending_missed = 0;
                queue_rr(r, rr);
                return;
        }
        if (r->p.artifact_rate > 0) {
                u = rng_uniform(&r->rng);
                if (u < r->p.artifact_rate / 2) {
                        r->stats.missed++;
                        r->pending_missed = rr;
                        return;
                }
                if (u < r->p.artifact_rate) {
                        /* A spurious detection splits the interval. */
                        r->stats.extra++;
                        queue_rr(r, rr * 0.45);
                        queue_rr(r, rr * 0.55);
                        return;
                }
        }
        queue_rr(r, rr);
}

void sim_runner_advance(SimRunner *r, uint64_t now_usec)
{
        while (r->next_beat_usec <= now_usec) {
                double hr, frac, sd, rr;

                physiology_to(r, r->next_beat_usec);
                hr = sim_runner_heart_rate(r);
                set_d(r, alpha_to_d(sim_runner_alpha1_target(r)));

                /* Fluctuation amplitude falls geometrically from rest to max HR. */
                frac = clampd((hr - r->p.hr_rest_bpm) / (r->p.hr_max_bpm - r->p.hr_rest_bpm), 0.0,
                              1.0);
                sd = r->p.rr_sd_rest_ms > 0 && r->p.rr_sd_max_ms > 0
                             ? r->p.rr_sd_rest_ms *
                                       pow(r->p.rr_sd_max_ms / r->p.rr_sd_rest_ms, frac)
                             : 0;
                rr = 60000.0 / hr + sd * arfima_next(r);
                rr = clampd(rr, 250.0, 2000.0);

                deliver_beat(r, rr);
                r->next_beat_usec += (uint64_t)llround(rr * 1000);
        }
        physiology_to(r, now_usec);
}

void sim_runner_set_load(SimRunner *r, uint64_t now_usec, double speed_kmh, double incline_pct)
{
        sim_runner_advance(r, now_usec);
        r->speed_kmh = isfinite(speed_kmh) ? speed_kmh : 0;
        r->incline_pct = isfinite(incline_pct) ? incline_pct : 0;
}

size_t sim_runner_take_rr(SimRunner *r, double *ret_ms, size_t max)
{
        size_t n = MIN(max, r->q_len);

        for (size_t i = 0; i < n; i++)
                ret_ms[i] = r->queue[(r->q_head + i) % RR_QUEUE];
        r->q_head = (r->q_head + n) % RR_QUEUE;
        r->q_len -= n;
        return n;
}

int sim_runner_measurement(SimRunner *r, uint64_t now_usec, HrsMeasurement *ret)
{
        HrsMeasurement m = {.contact = HRS_CONTACT_DETECTED};
        double rr[HRS_MAX_RR], sum = 0;
        size_t n, k;

        sim_runner_advance(r, now_usec);
        n = sim_runner_take_rr(r, rr, HRS_MAX_RR);
        for (size_t i = 0; i < n; i++)
                m.rr_raw[i] = (uint16_t)clampd(round(rr[i] * 1.024), 1, 65535);
        m.n_rr = n;

        /* Like a strap: HR from the last few detected intervals. */
        k = MIN(r->n_last, ELEMENTSOF(r->last_rr));
        for (size_t i = 0; i < k; i++)
                sum += r->last_rr[i];
        m.heart_rate_bpm =
                (uint16_t)lround(k > 0 ? 60000.0 * (double)k / sum : sim_runner_heart_rate(r));
        *ret = m;
        return 0;
}

void sim_runner_stats(const SimRunner *r, SimRunnerStats *ret)
{
        *ret = r->stats;
}

const SimRunnerProfile *sim_runner_profile(const SimRunner *r)
{
        return &r->p;
}
