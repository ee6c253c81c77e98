/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzzes the RR file detection and the other apps' layouts (rr-file.h):
 * HRV Logger, FatMaxxer, Polar Sensor Logger, plain lists, byte-order
 * marks; whatever it accepts goes through the cleaner and the alpha1
 * tracker, as `pacectl analyze` does. FIT input has its own target.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "alpha1-tracker.h"
#include "rr-file.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        RrRecording *rec = NULL;
        RrFileFormat format = _RR_FILE_FORMAT_INVALID;
        RrCsvError err;
        Alpha1Tracker *t = NULL;
        const Alpha1Eval *ev;
        double last_t = -INFINITY;

        if (size > 1 << 20)
                return 0;
        if (rr_file_parse(data, size, &rec, &format, &err) < 0) {
                if (strlen(err.message) >= sizeof(err.message))
                        abort();
                return 0;
        }
        if (!rr_file_format_to_string(format) || rec->n_rows == 0)
                abort();
        for (size_t i = 0; i < rec->n_rows; i++) {
                const RrRow *r = &rec->rows[i];

                if (!(r->rr_ms > 0 && r->rr_ms <= RR_CSV_MAX_RR_MS))
                        abort();
                /* times never go backwards where the file has them */
                if (rec->has_t) {
                        if (!(r->t_s >= last_t))
                                abort();
                        last_t = r->t_s;
                }
        }
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
