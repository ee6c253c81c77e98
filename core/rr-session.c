/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A stored session as an RR recording, for `pacectl analyze SESSION-ID`. Pure. */
#include <math.h>

#include "rr-analysis.h"
#include "session-store.h"
#include "util.h"

int rr_recording_from_session(const SessionData *d, RrRecording **ret)
{
        _cleanup_(rr_recording_freep) RrRecording *rec = NULL;
        size_t s = 0;
        double last_t = -INFINITY;

        if (!d || !ret)
                return -EINVAL;
        if (d->n_rr == 0)
                return -ENODATA;

        rec = calloc(1, sizeof(*rec));
        if (!rec)
                return -ENOMEM;
        rec->rows = calloc(d->n_rr, sizeof(RrRow));
        if (!rec->rows)
                return -ENOMEM;
        rec->has_t = true;
        rec->cleaned = true;
        for (size_t i = 0; i < d->n_samples; i++) {
                rec->has_speed = rec->has_speed || isfinite(d->samples[i].speed_kmh);
                rec->has_hr = rec->has_hr || d->samples[i].hr_bpm > 0;
        }

        for (size_t i = 0; i < d->n_rr; i++) {
                const SessionRr *b = &d->rr[i];
                RrRow *row = &rec->rows[rec->n_rows];

                /* the reader's guarantees: positive RR, time never going back */
                if (b->rr_ms == 0 || !isfinite(b->t_s) || b->t_s < last_t)
                        continue;
                last_t = b->t_s;
                while (s + 1 < d->n_samples && d->samples[s + 1].t_s <= b->t_s)
                        s++;
                *row = (RrRow){.rr_ms = b->rr_ms,
                               .t_s = b->t_s,
                               .speed_kmh = NAN,
                               .hr_bpm = NAN,
                               .artifact = b->artifact,
                               .line = (unsigned)MIN(i + 1, (size_t)UINT32_MAX)};
                if (d->n_samples > 0 && d->samples[s].t_s <= b->t_s) {
                        row->speed_kmh = d->samples[s].speed_kmh;
                        row->hr_bpm = d->samples[s].hr_bpm > 0 ? d->samples[s].hr_bpm : NAN;
                }
                rec->n_rows++;
        }
        if (rec->n_rows == 0)
                return -ENODATA;

        *ret = TAKE_PTR(rec);
        return 0;
}
