/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <time.h>

#include "export-csv.h"
#include "util.h"

static void put_num(FILE *f, double v, int decimals)
{
        fputc(',', f);
        if (isfinite(v))
                fprintf(f, "%.*f", decimals, v);
}

/* ISO 8601 UTC with milliseconds: spreadsheets and pandas parse it. */
static void put_time(FILE *f, uint64_t start_usec, double t_s)
{
        double unix_s = (double)(start_usec / USEC_PER_SEC) +
                        (double)(start_usec % USEC_PER_SEC) / USEC_PER_SEC + t_s;
        time_t whole = (time_t)floor(unix_s);
        int ms = (int)lround((unix_s - (double)whole) * 1000);
        struct tm tm;
        char buf[32];

        if (ms >= 1000) {
                whole++;
                ms -= 1000;
        }
        if (!gmtime_r(&whole, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
                buf[0] = '\0';
        fprintf(f, ",%s.%03dZ", buf, ms);
}

int export_csv_samples_write(const SessionData *d, FILE *out)
{
        if (!d || !out)
                return -EINVAL;
        fputs("t_s,time_utc,step,commanded_kmh,speed_kmh,pace_min_km,incline_pct,distance_m,"
              "hr_bpm,zone,alpha1\r\n",
              out);
        for (size_t i = 0; i < d->n_samples; i++) {
                const SessionSample *x = &d->samples[i];

                fprintf(out, "%.3f", x->t_s);
                put_time(out, d->start_wall_usec, x->t_s);
                fputc(',', out);
                if (x->step_index >= 0)
                        fprintf(out, "%d", x->step_index + 1);
                put_num(out, x->commanded_kmh, 2);
                put_num(out, x->speed_kmh, 2);
                put_num(out,
                        isfinite(x->speed_kmh) && x->speed_kmh >= 0.5 ? 60 / x->speed_kmh : NAN, 3);
                put_num(out, x->incline_pct, 1);
                put_num(out, x->distance_m, 1);
                put_num(out, x->hr_bpm > 0 ? x->hr_bpm : NAN, 0);
                put_num(out, x->zone > 0 ? x->zone : NAN, 0);
                put_num(out, x->alpha1, 3);
                fputs("\r\n", out);
        }
        return ferror(out) ? -EIO : 0;
}

int export_csv_rr_write(const SessionData *d, FILE *out)
{
        if (!d || !out)
                return -EINVAL;
        fputs("t_s,time_utc,rr_ms,artifact\r\n", out);
        for (size_t i = 0; i < d->n_rr; i++) {
                fprintf(out, "%.3f", d->rr[i].t_s);
                put_time(out, d->start_wall_usec, d->rr[i].t_s);
                fprintf(out, ",%u,%d\r\n", d->rr[i].rr_ms, d->rr[i].artifact ? 1 : 0);
        }
        return ferror(out) ? -EIO : 0;
}
