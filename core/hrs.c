/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "hrs.h"
#include "le-cursor.h"
#include "string-table.h"

static const char *const hrs_contact_table[_HRS_CONTACT_MAX] = {
        [HRS_CONTACT_NOT_SUPPORTED] = "not-supported",
        [HRS_CONTACT_NOT_DETECTED] = "not-detected",
        [HRS_CONTACT_DETECTED] = "detected",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(hrs_contact, HrsContact);

#define HRS_FLAG_HR_UINT16    0x01
#define HRS_FLAG_CONTACT_MASK 0x06
#define HRS_FLAG_ENERGY       0x08
#define HRS_FLAG_RR           0x10

/*
 * Heart Rate Service 1.0, 3.1.1 Heart Rate Measurement (characteristic XML
 * org.bluetooth.characteristic.heart_rate_measurement):
 *   "Flags: bit 0 Heart Rate Value Format bit (0 = UINT8, 1 = UINT16);
 *    bits 1-2 Sensor Contact Status bits; bit 3 Energy Expended Status bit;
 *    bit 4 RR-Interval bit; bits 5-7 RFU."
 *   "Energy Expended: uint16, kilo Joules."
 *   "RR-Interval: uint16, resolution of 1/1024 second. [...] RR-Interval
 *    value 0 is older than the RR-Interval value 1."
 * The number of RR values is not encoded: it is whatever fits in the rest of
 * the value. A missing heart rate or energy field is malformed; an odd byte
 * after the RR list is reported in trailing_bytes.
 */
int hrs_parse_measurement(const uint8_t *buf, size_t len, HrsMeasurement *ret)
{
        LeCursor c = le_cursor_init(buf, len);
        HrsMeasurement m = {};
        int r;

        r = le_cursor_pull_u8(&c, &m.flags);
        if (r < 0)
                return r;

        m.hr_uint16 = m.flags & HRS_FLAG_HR_UINT16;
        if (m.hr_uint16)
                r = le_cursor_pull_u16(&c, &m.heart_rate_bpm);
        else {
                uint8_t hr8;

                r = le_cursor_pull_u8(&c, &hr8);
                m.heart_rate_bpm = hr8;
        }
        if (r < 0)
                return r;

        /* Bit 2 = "supported", bit 1 = "detected"; 00 and 01 both mean not supported. */
        switch ((m.flags & HRS_FLAG_CONTACT_MASK) >> 1) {
        case 2:
                m.contact = HRS_CONTACT_NOT_DETECTED;
                break;
        case 3:
                m.contact = HRS_CONTACT_DETECTED;
                break;
        default:
                m.contact = HRS_CONTACT_NOT_SUPPORTED;
                break;
        }

        if (m.flags & HRS_FLAG_ENERGY) {
                m.has_energy = true;
                r = le_cursor_pull_u16(&c, &m.energy_kj);
                if (r < 0)
                        return r;
        }

        if (m.flags & HRS_FLAG_RR) {
                while (le_cursor_remaining(&c) >= 2) {
                        uint16_t rr;

                        r = le_cursor_pull_u16(&c, &rr);
                        if (r < 0)
                                return r;
                        if (m.n_rr < HRS_MAX_RR)
                                m.rr_raw[m.n_rr++] = rr;
                        else
                                m.rr_dropped++;
                }
        }
        m.trailing_bytes = le_cursor_remaining(&c);

        *ret = m;
        return 0;
}

int hrs_encode_measurement(const HrsMeasurement *m, uint8_t *buf, size_t size, size_t *ret_len)
{
        LeWriter w = le_writer_init(buf, size);
        bool hr16 = m->hr_uint16 || m->heart_rate_bpm > UINT8_MAX;
        uint8_t flags = 0;
        int r;

        if (m->n_rr > HRS_MAX_RR)
                return -EINVAL;
        if (hr16)
                flags |= HRS_FLAG_HR_UINT16;
        switch (m->contact) {
        case HRS_CONTACT_NOT_DETECTED:
                flags |= 0x04;
                break;
        case HRS_CONTACT_DETECTED:
                flags |= 0x06;
                break;
        case HRS_CONTACT_NOT_SUPPORTED:
                break;
        case _HRS_CONTACT_MAX:
        case _HRS_CONTACT_INVALID:
        default:
                return -EINVAL;
        }
        if (m->has_energy)
                flags |= HRS_FLAG_ENERGY;
        if (m->n_rr > 0)
                flags |= HRS_FLAG_RR;

        r = le_writer_put_u8(&w, flags);
        if (r >= 0)
                r = hr16 ? le_writer_put_u16(&w, m->heart_rate_bpm)
                         : le_writer_put_u8(&w, (uint8_t)m->heart_rate_bpm);
        if (r >= 0 && m->has_energy)
                r = le_writer_put_u16(&w, m->energy_kj);
        for (size_t i = 0; r >= 0 && i < m->n_rr; i++)
                r = le_writer_put_u16(&w, m->rr_raw[i]);
        if (r < 0)
                return r;

        *ret_len = w.off;
        return 0;
}
