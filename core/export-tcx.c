/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "export-tcx.h"
#include "session-summary.h"
#include "util.h"
#include "xml-escape.h"

/*
 * The trackpoint's extension: speed, and the footpod's cadence as
 * RunCadence, which TCX counts in strides (one foot) a minute as watches
 * write it; cadence_spm counts both feet.
 */
static void put_tpx(FILE *out, const SessionSample *x)
{
        bool speed = isfinite(x->speed_kmh) && x->speed_kmh >= 0;
        bool cadence = x->cadence_spm > 0 && x->cadence_spm < 2 * 255;

        if (!speed && !cadence)
                return;
        fputs("<Extensions><ns3:TPX>", out);
        if (speed)
                fprintf(out, "<ns3:Speed>%.3f</ns3:Speed>", x->speed_kmh / 3.6);
        if (cadence)
                fprintf(out, "<ns3:RunCadence>%u</ns3:RunCadence>", (x->cadence_spm + 1) / 2);
        fputs("</ns3:TPX></Extensions>", out);
}

static void put_time(FILE *f, uint64_t start_usec, double t_s)
{
        time_t whole = (time_t)(start_usec / USEC_PER_SEC) + (time_t)floor(t_s);
        struct tm tm;
        char buf[32];

        if (!gmtime_r(&whole, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                buf[0] = '\0';
        fputs(buf, f);
}

static const char *intensity(const SessionData *d, int step)
{
        if (step >= 0 && (size_t)step < d->n_steps &&
            (d->steps[step].kind == STEP_KIND_RECOVERY || d->steps[step].kind == STEP_KIND_REST))
                return "Resting";
        return "Active";
}

static const char *trigger(const SessionData *d, const SessionLap *l)
{
        if (l->kind != LAP_KIND_STEP)
                return "Distance";
        if (l->step_index >= 0 && (size_t)l->step_index < d->n_steps)
                switch (d->steps[l->step_index].end) {
                case STEP_END_TIME:
                        return "Time";
                case STEP_END_DISTANCE:
                        return "Distance";
                case STEP_END_OPEN:
                case _STEP_END_MAX:
                case _STEP_END_INVALID:
                        break;
                }
        return "Manual";
}

/* The laps: one per step run; for a free run, per kilometre. Either way the
 * laps are stretched to cover every sample (TCX keeps trackpoints in laps). */
static int make_laps(const SessionData *d, SessionLap **ret, size_t *ret_n)
{
        const SessionSample *x = d->samples;
        size_t n = d->n_samples;
        int r;

        r = session_summary_step_laps(x, n, ret, ret_n);
        if (r >= 0 && *ret_n == 0) {
                free(*ret);
                r = session_summary_splits(x, n, 1000, LAP_KIND_400M, ret, ret_n);
                for (size_t i = 0; r >= 0 && i < *ret_n; i++)
                        (*ret)[i].kind = _LAP_KIND_INVALID; /* marks "auto" below */
        }
        if (r < 0)
                return r;
        if (*ret_n == 0) {
                SessionLap *l = calloc(1, sizeof(*l));
                if (!l)
                        return -ENOMEM;
                *l = (SessionLap){.kind = _LAP_KIND_INVALID,
                                  .step_index = -1,
                                  .start_s = x[0].t_s,
                                  .end_s = x[n - 1].t_s + 1,
                                  .distance_m = NAN,
                                  .avg_hr_bpm = NAN,
                                  .max_hr_bpm = NAN,
                                  .avg_speed_kmh = NAN};
                *ret = l;
                *ret_n = 1;
        }
        (*ret)[0].start_s = MIN((*ret)[0].start_s, x[0].t_s);
        (*ret)[*ret_n - 1].end_s = MAX((*ret)[*ret_n - 1].end_s, x[n - 1].t_s + 1);
        return 0;
}

static void put_hr(FILE *f, const char *element, double bpm)
{
        if (isfinite(bpm) && bpm >= 1 && bpm < 255)
                fprintf(f, "<%s><Value>%ld</Value></%s>", element, lround(bpm), element);
}

int export_tcx_write(const SessionData *d, FILE *out)
{
        _cleanup_free_ SessionLap *laps = NULL;
        size_t n_laps = 0, i = 0;
        int r;

        if (!d || !out)
                return -EINVAL;
        if (d->n_samples == 0)
                return -ENODATA;
        r = make_laps(d, &laps, &n_laps);
        if (r < 0)
                return r;

        fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              "<TrainingCenterDatabase xmlns=\"" TCX_NS "\" xmlns:ns3=\"" TCX_ACTIVITY_EXT "\""
              " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
              " <Activities>\n"
              "  <Activity Sport=\"Running\">\n"
              "   <Id>",
              out);
        put_time(out, d->start_wall_usec, d->samples[0].t_s);
        fputs("</Id>\n", out);

        for (size_t k = 0; k < n_laps; k++) {
                const SessionLap *l = &laps[k];
                double max_kmh = NAN, d0 = NAN, d1 = NAN, hr_sum = 0, hr_n = 0, hr_max = NAN;
                size_t first = i, last;

                /* Samples belonging to this lap: up to the next lap's start. */
                last = first;
                while (last < d->n_samples &&
                       (k + 1 == n_laps || d->samples[last].t_s < laps[k + 1].start_s))
                        last++;
                for (size_t j = first; j < last; j++) {
                        const SessionSample *x = &d->samples[j];
                        if (isfinite(x->speed_kmh))
                                max_kmh =
                                        isnan(max_kmh) ? x->speed_kmh : MAX(max_kmh, x->speed_kmh);
                        if (isfinite(x->distance_m)) {
                                if (isnan(d0))
                                        d0 = x->distance_m;
                                d1 = x->distance_m;
                        }
                        if (x->hr_bpm > 0) {
                                hr_sum += x->hr_bpm;
                                hr_n++;
                                hr_max = isnan(hr_max) ? x->hr_bpm : MAX(hr_max, (double)x->hr_bpm);
                        }
                }
                if (last < d->n_samples && isfinite(d->samples[last].distance_m))
                        d1 = d->samples[last].distance_m;
                double t0 = first < last ? d->samples[first].t_s : 0;
                double t1 = first < last ? (last < d->n_samples ? d->samples[last].t_s
                                                                : d->samples[last - 1].t_s + 1)
                                         : 0;
                /* TotalTimeSeconds is the timer's time, without the pauses and the
                 * gaps (Garmin's own files: FIT total_timer_time); the trackpoints
                 * keep the clock, and a gap starts a new track. */
                double time_s = fmax(t1 - t0 - session_summary_paused_s(d, t0, t1), 0);
                double dist_m = isfinite(d0) ? d1 - d0 : 0;

                fputs("   <Lap StartTime=\"", out);
                put_time(out, d->start_wall_usec,
                         first < last ? d->samples[first].t_s : l->start_s);
                fprintf(out, "\">\n    <TotalTimeSeconds>%.1f</TotalTimeSeconds>\n", time_s);
                fprintf(out, "    <DistanceMeters>%.1f</DistanceMeters>\n", dist_m);
                if (isfinite(max_kmh))
                        fprintf(out, "    <MaximumSpeed>%.3f</MaximumSpeed>\n", max_kmh / 3.6);
                fputs("    <Calories>0</Calories>\n    ", out);
                put_hr(out, "AverageHeartRateBpm", hr_n > 0 ? hr_sum / hr_n : NAN);
                put_hr(out, "MaximumHeartRateBpm", hr_max);
                fprintf(out, "\n    <Intensity>%s</Intensity>\n", intensity(d, l->step_index));
                fprintf(out, "    <TriggerMethod>%s</TriggerMethod>\n", trigger(d, l));
                if (first < last) {
                        fputs("    <Track>\n", out);
                        for (size_t j = first; j < last; j++) {
                                const SessionSample *x = &d->samples[j];

                                /* A gap (paced was stopped): a new track, as a device
                                 * that stopped recording would start one. */
                                if (j > first && session_sample_gap(d->samples, d->n_samples, j))
                                        fputs("    </Track>\n    <Track>\n", out);
                                fputs("     <Trackpoint><Time>", out);
                                put_time(out, d->start_wall_usec, x->t_s);
                                fputs("</Time>", out);
                                if (isfinite(x->distance_m))
                                        fprintf(out, "<DistanceMeters>%.1f</DistanceMeters>",
                                                x->distance_m);
                                put_hr(out, "HeartRateBpm", x->hr_bpm > 0 ? x->hr_bpm : NAN);
                                put_tpx(out, x);
                                fputs("</Trackpoint>\n", out);
                        }
                        fputs("    </Track>\n", out);
                }
                if (l->step_index >= 0 && (size_t)l->step_index < d->n_steps &&
                    d->steps[l->step_index].label[0]) {
                        fputs("    <Notes>", out);
                        xml_put_escaped(out, d->steps[l->step_index].label,
                                        XML_ESCAPE_KEEP_WHITESPACE);
                        fputs("</Notes>\n", out);
                }
                if (time_s > 0)
                        fprintf(out,
                                "    <Extensions><ns3:LX><ns3:AvgSpeed>%.3f</ns3:AvgSpeed>"
                                "</ns3:LX></Extensions>\n",
                                dist_m / time_s);
                fputs("   </Lap>\n", out);
                i = last;
        }

        if (d->workout_name) {
                fputs("   <Notes>", out);
                xml_put_escaped(out, d->workout_name, XML_ESCAPE_KEEP_WHITESPACE);
                fputs(" (treadmill)</Notes>\n", out);
        }
        fputs("   <Creator xsi:type=\"Device_t\">\n"
              "    <Name>paced</Name>\n"
              "    <UnitId>0</UnitId>\n"
              "    <ProductID>0</ProductID>\n"
              "    <Version><VersionMajor>0</VersionMajor><VersionMinor>1</VersionMinor>"
              "</Version>\n"
              "   </Creator>\n"
              "  </Activity>\n"
              " </Activities>\n"
              "</TrainingCenterDatabase>\n",
              out);
        return ferror(out) ? -EIO : 0;
}
