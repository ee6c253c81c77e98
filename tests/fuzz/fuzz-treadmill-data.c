/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>

#include "ftms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The whole input is one notification for the parser; then, for the
 * assembler, it is cut into packets: each packet is a length byte (mod 40)
 * followed by that many bytes.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        FtmsTreadmillAssembler a;
        FtmsTreadmillData d, again;
        uint8_t buf[64];
        size_t len;

        if (ftms_parse_treadmill_data(data, size, &d) >= 0) {
                if (d.trailing_bytes + d.dangling_bytes > size)
                        abort();
                /*
                 * Re-encoding what was decoded must give a value that decodes the same
                 * fields (a truncated record lacks group members the encoder would add).
                 */
                if (!d.truncated && ftms_encode_treadmill_data(&d, buf, sizeof(buf), &len) >= 0) {
                        if (ftms_parse_treadmill_data(buf, len, &again) < 0)
                                abort();
                        if (again.present != d.present || again.na != d.na)
                                abort();
                }
        }

        ftms_treadmill_assembler_reset(&a);
        for (size_t off = 0; off < size;) {
                size_t n = data[off++] % 40;

                if (n > size - off)
                        n = size - off;
                (void)ftms_treadmill_assembler_push(&a, data + off, n, &d);
                off += n;
        }
        return 0;
}
