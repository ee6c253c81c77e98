/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzzes the RR file reader, and pushes whatever it accepts through the
 * cleaner and the alpha1 tracker, as `pacectl analyze` does.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "alpha1-tracker.h"
#include "rr-csv.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        RrRecording *rec = NULL;
        RrCsvError err;
        Alpha1Tracker *t = NULL;
        const Alpha1Eval *ev;

        if (size > 1 << 20)
                return 0;
        if (rr_csv_parse((const char *)data, size, &rec, &err) < 0) {
                /* the message must be a terminated string */
                if (strlen(err.message) >= sizeof(err.message))
                        abort();
                return 0;
        }
        if (rec->n_rows == 0 || !(rec->rows[0].rr_ms > 0))
                abort();
        if (alpha1_tracker_new(&t, NULL) == 0) {
                for (size_t i = 0; i < rec->n_rows && i < 20000; i++) {
                        int r = alpha1_tracker_push_rr(t, rec->rows[i].rr_ms, &ev);

                        if (r < 0)
                                abort();
                        for (int k = 0; k < r; k++)
                                if (ev[k].valid && !isfinite(ev[k].alpha1))
                                        abort();
                }
                if (alpha1_tracker_flush(t, &ev) < 0)
                        abort();
                alpha1_tracker_free(t);
        }
        rr_recording_free(rec);
        return 0;
}
