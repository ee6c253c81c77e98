/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Everything the daemon's manager needs during a session, in one object fed
 * with each heart-rate notification: (session time, HR, RR list, treadmill
 * speed) in; current zone, alpha1 (median of the last 3 evaluations),
 * artifact rate, crossover events and time in zone per step / lap / session
 * out. Wraps the RR cleaner, the alpha1 tracker, the crossover detector and
 * the zone accumulator. Pure code: the caller owns time and logging.
 *
 * Beat times run on the strap's clock (cumulative RR). The offset to session
 * time is taken at the first RR; when RR values go missing (lost
 * notifications) the beat clock falls behind session time, and the missing
 * stretch is fed to the cleaner as one long interval, which it flags as a
 * dropout, so the affected windows show the loss in their artifact rate.
 */

#include "alpha1-tracker.h"
#include "crossover-detector.h"
#include "zones.h"

/* Beat clock behind session time by more than this: RR values were lost. */
#define LIVE_RESYNC_S 3.0
/* Lost for longer than this: windows restart from scratch. */
#define LIVE_RESTART_S 60.0

typedef struct LiveAnalysisConfig {
        HrProfile profile;
        ZoneModel zone_model; /* _ZONE_MODEL_INVALID = best the profile allows */
        bool correct;         /* artifact correction */
} LiveAnalysisConfig;

typedef struct LiveStatus {
        double t_s;         /* session time of the last push */
        double hr_bpm;      /* last HR from the strap */
        int zone;           /* index in live_analysis_zones(), -1 without zones */
        double alpha1;      /* median of the last 3 valid evaluations; NAN before, and when
                             * no window was valid for 30 s */
        double alpha1_last; /* last evaluation, NAN if it was suppressed */
        double window_hr_bpm;
        double artifact_pct; /* of the last window */
        bool low_quality;    /* last window > 3 % artifacts */
        bool suppressed;     /* last window > 5 %: alpha1_last not reported */
        double session_artifact_pct;
        size_t n_evaluations;
        bool above[_THRESHOLD_KIND_MAX];              /* by alpha1, with hysteresis */
        double time_above_s[_THRESHOLD_KIND_MAX];     /* session, by alpha1 */
        double time_above_lap_s[_THRESHOLD_KIND_MAX]; /* current lap, by alpha1 */
        /* By HR against the profile's HRVT1 / HRVT2 (instantaneous, unlike alpha1):
         * when and in which lap HR first reached each, NAN / 0 if not (yet) or
         * unknown. "The lap where the runner crossed" in a time trial. */
        double first_hr_above_t_s[_THRESHOLD_KIND_MAX];
        unsigned first_hr_above_lap[_THRESHOLD_KIND_MAX];
        unsigned step, lap;
        bool announcing; /* crossover events are queued (live_analysis_set_announce()) */
} LiveStatus;

typedef struct LiveAnalysis LiveAnalysis;

/* cfg NULL: no profile (no zones), correction on. */
int live_analysis_new(LiveAnalysis **ret, const LiveAnalysisConfig *cfg);
LiveAnalysis *live_analysis_free(LiveAnalysis *la);
static inline void live_analysis_freep(LiveAnalysis **la)
{
        if (*la)
                *la = live_analysis_free(*la);
}

/*
 * One notification: t_s session time (s, never decreasing), hr_bpm (<= 0 or
 * NAN: none), rr_ms[0..n_rr) oldest first, speed_kmh (NAN: unknown).
 * Returns the number of crossover events queued by this call, or -EINVAL
 * (time going backwards, bad RR) / -ENOMEM.
 */
int live_analysis_push(LiveAnalysis *la, double t_s, double hr_bpm, const double *rr_ms,
                       size_t n_rr, double speed_kmh);

/*
 * Whether crossover events are announced: only while the session is in the
 * ramp of a threshold test (the caller knows the workout). Elsewhere alpha1
 * crosses its levels in every hard effort and a 2-min window lags both ways
 * (it "comes back" at peak HR in a cool-down), so nothing is queued; alpha1,
 * above[] and the times above are kept all the same. Off until set.
 */
void live_analysis_set_announce(LiveAnalysis *la, bool announce);

/*
 * Pops the oldest queued crossover event. t_s is the moment the runner
 * crossed: the centre of the 2-min window whose median alpha1 reached the
 * level (interpolated between evaluations), in session time; hr_bpm and
 * speed_kmh are what the strap and the belt showed then (the window HR and
 * the speed at detection if that moment is no longer known). 1 popped, 0 none.
 */
int live_analysis_pop_event(LiveAnalysis *la, CrossoverEvent *ret);
/* Pops the oldest alpha1 evaluation (t_s in session time), for storing. 1 / 0. */
int live_analysis_pop_evaluation(LiveAnalysis *la, Alpha1Eval *ret);

void live_analysis_get_status(const LiveAnalysis *la, LiveStatus *ret);
/* NULL without zones. */
const ZoneTable *live_analysis_zones(const LiveAnalysis *la);
const ZoneTimes *live_analysis_zone_times(const LiveAnalysis *la, ZoneScope scope);

/* Step / lap boundaries from the engine; the closed scope's zone times in *ret_closed. */
void live_analysis_new_step(LiveAnalysis *la, double t_s, ZoneTimes *ret_closed);
void live_analysis_new_lap(LiveAnalysis *la, double t_s, ZoneTimes *ret_closed);
