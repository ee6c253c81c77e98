/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "transport.h"
#include "string-table.h"
#include "util.h"

static const char *const transport_role_table[_TRANSPORT_ROLE_MAX] = {
        [TRANSPORT_ROLE_TREADMILL] = "treadmill",
        [TRANSPORT_ROLE_STRAP] = "strap",
        [TRANSPORT_ROLE_FOOTPOD] = "footpod",
};

DEFINE_STRING_TABLE_LOOKUP(transport_role, TransportRole);

static const char *const transport_event_type_table[_TRANSPORT_EVENT_MAX] = {
        [TRANSPORT_EVENT_LINK] = "link",
        [TRANSPORT_EVENT_IDENTITY] = "identity",
        [TRANSPORT_EVENT_CAPABILITIES] = "capabilities",
        [TRANSPORT_EVENT_HEART_RATE] = "heart-rate",
        [TRANSPORT_EVENT_TREADMILL_DATA] = "treadmill-data",
        [TRANSPORT_EVENT_MACHINE_STATUS] = "machine-status",
        [TRANSPORT_EVENT_TRAINING_STATUS] = "training-status",
        [TRANSPORT_EVENT_CP_RESPONSE] = "cp-response",
        [TRANSPORT_EVENT_CP_WRITE_FAILED] = "cp-write-failed",
        [TRANSPORT_EVENT_BATTERY] = "battery",
        [TRANSPORT_EVENT_MALFORMED] = "malformed",
        [TRANSPORT_EVENT_FOOTPOD] = "footpod",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(transport_event_type, TransportEventType);

int transport_hr_from_treadmill(const FtmsTreadmillData *d, HrsMeasurement *ret)
{
        if (!(d->present & FTMS_FIELD_BIT(FTMS_FIELD_HEART_RATE)) ||
            (d->na & FTMS_FIELD_BIT(FTMS_FIELD_HEART_RATE)) || d->heart_rate_bpm == 0 ||
            d->heart_rate_bpm == 0xFF)
                return -ENODATA;
        *ret = (HrsMeasurement){
                .heart_rate_bpm = d->heart_rate_bpm,
                .contact = HRS_CONTACT_NOT_SUPPORTED,
        };
        return 0;
}
