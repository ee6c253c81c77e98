/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzzes the FIT reader (rr-fit.h). A random byte fails the file CRC long
 * before it reaches a record, so the harness first fixes the header and
 * file CRCs of whatever it is given (when there is room for them): the
 * mutations then reach the definition and data messages. The reader itself
 * always checks them.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "export-fit.h"
#include "rr-fit.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ uint8_t *b = NULL;
        RrRecording *rec = NULL;
        RrCsvError err;

        if (size > 1 << 20)
                return 0;
        b = malloc(MAX(size, (size_t)1));
        if (!b)
                return 0;
        memcpy(b, data, size);
        if (rr_fit_is_fit(b, size)) {
                size_t h = b[0], n = (size_t)b[4] | (size_t)b[5] << 8 | (size_t)b[6] << 16 |
                                     (size_t)b[7] << 24;

                if (h == 14 && size >= 14) {
                        uint16_t c = fit_crc16(0, b, 12);

                        b[12] = (uint8_t)c;
                        b[13] = (uint8_t)(c >> 8);
                }
                if (size >= h + 2 && n <= size - h - 2) {
                        uint16_t c = fit_crc16(0, b, h + n);

                        b[h + n] = (uint8_t)c;
                        b[h + n + 1] = (uint8_t)(c >> 8);
                }
        }
        if (rr_fit_parse(b, size, &rec, &err) < 0) {
                if (strlen(err.message) >= sizeof(err.message))
                        abort();
                return 0;
        }
        if (rec->n_rows == 0)
                abort();
        for (size_t i = 0; i < rec->n_rows; i++)
                if (!(rec->rows[i].rr_ms > 0 && rec->rows[i].rr_ms < 65536) ||
                    (rec->has_speed && !(rec->rows[i].speed_kmh >= 0)))
                        abort();
        rr_recording_free(rec);
        return 0;
}
