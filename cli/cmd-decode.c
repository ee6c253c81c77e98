/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pacectl decode <characteristic> <hex>: decodes one HRS/FTMS value with the
 * daemon's own codecs, so a runner can see what their treadmill or strap
 * sends (hex as nRF Connect or a debug log prints it).
 */
#include <ctype.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ftms.h"
#include "hrs.h"
#include "json-writer.h"
#include "pacectl.h"
#include "util.h"

#define DECODE_MAX_LEN 512

typedef struct Characteristic {
        const char *name;
        uint16_t uuid;
        const char *title;
} Characteristic;

static const Characteristic characteristics[] = {
        {"treadmill-data", FTMS_UUID_TREADMILL_DATA, "Treadmill Data"},
        {"heart-rate", HRS_UUID_MEASUREMENT, "Heart Rate Measurement"},
        {"control-point", FTMS_UUID_CONTROL_POINT, "Fitness Machine Control Point"},
        {"machine-status", FTMS_UUID_MACHINE_STATUS, "Fitness Machine Status"},
        {"feature", FTMS_UUID_FEATURE, "Fitness Machine Feature"},
        {"speed-range", FTMS_UUID_SPEED_RANGE, "Supported Speed Range"},
        {"incline-range", FTMS_UUID_INCLINE_RANGE, "Supported Inclination Range"},
        {"training-status", FTMS_UUID_TRAINING_STATUS, "Training Status"},
};

/* Output that is either "label  value unit" lines or one JSON object. */
typedef struct Out {
        bool json;
        JsonWriter w;
} Out;

static void out_header(Out *o, const Characteristic *c, size_t len)
{
        if (o->json) {
                json_writer_begin_object(&o->w);
                json_writer_key_string(&o->w, "characteristic", c->name);
                char uuid[8];
                snprintf(uuid, sizeof(uuid), "0x%04x", c->uuid);
                json_writer_key_string(&o->w, "uuid", uuid);
                json_writer_key_uint(&o->w, "length", len);
        } else
                printf("%s (0x%04X), %zu bytes\n", c->title, c->uuid, len);
}

static void out_footer(Out *o)
{
        if (o->json) {
                json_writer_end_object(&o->w);
                fputc('\n', stdout);
        }
}

static void out_number(Out *o, const char *key, const char *label, double v, int decimals,
                       const char *unit)
{
        if (o->json)
                json_writer_key_number(&o->w, key, v);
        else
                printf("  %-28s %.*f%s%s\n", label, decimals, v, unit ? " " : "", unit ? unit : "");
}

static void out_uint(Out *o, const char *key, const char *label, uint64_t v, const char *unit)
{
        if (o->json)
                json_writer_key_uint(&o->w, key, v);
        else
                printf("  %-28s %" PRIu64 "%s%s\n", label, v, unit ? " " : "", unit ? unit : "");
}

static void out_hex(Out *o, const char *key, const char *label, uint64_t v, int width)
{
        if (o->json)
                json_writer_key_uint(&o->w, key, v);
        else
                printf("  %-28s 0x%0*" PRIx64 "\n", label, width, v);
}

static void out_string(Out *o, const char *key, const char *label, const char *s)
{
        if (o->json)
                json_writer_key_string(&o->w, key, s);
        else
                printf("  %-28s %s\n", label, s ? s : "(unknown)");
}

static void out_bool(Out *o, const char *key, const char *label, bool v)
{
        if (o->json)
                json_writer_key_bool(&o->w, key, v);
        else
                printf("  %-28s %s\n", label, v ? "yes" : "no");
}

static void out_na(Out *o, const char *key, const char *label)
{
        if (o->json)
                json_writer_key_null(&o->w, key);
        else
                printf("  %-28s not available\n", label);
}

/* A count worth a note in text mode only when non-zero: "note: <n> <what>". */
static void out_note(Out *o, const char *key, const char *what, size_t n)
{
        if (o->json)
                json_writer_key_uint(&o->w, key, n);
        else if (n > 0)
                printf("  note: %zu %s\n", n, what);
}

static void out_raw_bytes(Out *o, const char *key, const char *label, const uint8_t *p, size_t n)
{
        char hex[2 * FTMS_CP_MAX_LEN + 1] = "";

        n = MIN(n, (size_t)FTMS_CP_MAX_LEN);
        for (size_t i = 0; i < n; i++)
                snprintf(hex + 2 * i, 3, "%02x", p[i]);
        out_string(o, key, label, hex);
}

/* ---- Treadmill Data ---- */

typedef struct FieldFormat {
        const char *key;
        const char *label;
        const char *unit;
        int decimals;
} FieldFormat;

static const FieldFormat td_format[_FTMS_FIELD_MAX] = {
        [FTMS_FIELD_SPEED] = {"speed_kmh", "instantaneous speed", "km/h", 2},
        [FTMS_FIELD_AVG_SPEED] = {"avg_speed_kmh", "average speed", "km/h", 2},
        [FTMS_FIELD_DISTANCE] = {"distance_m", "total distance", "m", 0},
        [FTMS_FIELD_INCLINE] = {"incline_pct", "inclination", "%", 1},
        [FTMS_FIELD_RAMP_ANGLE] = {"ramp_deg", "ramp angle", "deg", 1},
        [FTMS_FIELD_ELEV_POS] = {"elev_pos_m", "positive elevation gain", "m", 1},
        [FTMS_FIELD_ELEV_NEG] = {"elev_neg_m", "negative elevation gain", "m", 1},
        [FTMS_FIELD_INST_PACE] = {"inst_pace_kmmin", "instantaneous pace", "km/min", 1},
        [FTMS_FIELD_AVG_PACE] = {"avg_pace_kmmin", "average pace", "km/min", 1},
        [FTMS_FIELD_ENERGY_TOTAL] = {"energy_total_kcal", "total energy", "kcal", 0},
        [FTMS_FIELD_ENERGY_PER_HOUR] = {"energy_per_hour_kcal", "energy per hour", "kcal/h", 0},
        [FTMS_FIELD_ENERGY_PER_MIN] = {"energy_per_min_kcal", "energy per minute", "kcal/min", 0},
        [FTMS_FIELD_HEART_RATE] = {"heart_rate_bpm", "heart rate", "bpm", 0},
        [FTMS_FIELD_MET] = {"met", "metabolic equivalent", "MET", 1},
        [FTMS_FIELD_ELAPSED] = {"elapsed_s", "elapsed time", "s", 0},
        [FTMS_FIELD_REMAINING] = {"remaining_s", "remaining time", "s", 0},
        [FTMS_FIELD_FORCE] = {"force_n", "force on belt", "N", 0},
        [FTMS_FIELD_POWER] = {"power_w", "power output", "W", 0},
};

static void print_treadmill_data(Out *o, const FtmsTreadmillData *d)
{
        out_hex(o, "flags", "flags", d->flags, 4);
        out_bool(o, "more_data", "more data follows", d->more_data);
        for (FtmsField f = 0; f < _FTMS_FIELD_MAX; f++) {
                const FieldFormat *ff = &td_format[f];

                if (!(d->present & FTMS_FIELD_BIT(f)))
                        continue;
                if (d->na & FTMS_FIELD_BIT(f))
                        out_na(o, ff->key, ff->label);
                else
                        out_number(o, ff->key, ff->label, ftms_treadmill_field_value(d, f),
                                   ff->decimals, ff->unit);
        }
        if (o->json) {
                json_writer_key(&o->w, "na");
                json_writer_begin_array(&o->w);
                for (FtmsField f = 0; f < _FTMS_FIELD_MAX; f++)
                        if (d->na & FTMS_FIELD_BIT(f))
                                json_writer_string(&o->w, td_format[f].key);
                json_writer_end_array(&o->w);
                json_writer_key_bool(&o->w, "truncated", d->truncated);
        } else if (d->truncated)
                printf("  note: truncated, the flags announce fields that did not arrive\n");
        out_note(o, "dangling_bytes", "byte(s) of a field that arrived only in part",
                 d->dangling_bytes);
        out_note(o, "trailing_bytes", "byte(s) after the last announced field", d->trailing_bytes);
        if (o->json)
                json_writer_key_uint(&o->w, "rfu_bits", d->rfu_bits);
        else if (d->rfu_bits)
                printf("  note: reserved flag bits set: 0x%04x\n", d->rfu_bits);
}

/* ---- Heart Rate Measurement ---- */

static void print_heart_rate(Out *o, const HrsMeasurement *m)
{
        out_hex(o, "flags", "flags", m->flags, 2);
        out_uint(o, "heart_rate_bpm", "heart rate", m->heart_rate_bpm, "bpm");
        out_bool(o, "hr_uint16", "16-bit heart rate", m->hr_uint16);
        out_string(o, "contact", "sensor contact", hrs_contact_to_string(m->contact));
        if (m->has_energy)
                out_uint(o, "energy_kj", "energy expended", m->energy_kj, "kJ");
        if (o->json) {
                json_writer_key(&o->w, "rr_raw");
                json_writer_begin_array(&o->w);
                for (size_t i = 0; i < m->n_rr; i++)
                        json_writer_uint(&o->w, m->rr_raw[i]);
                json_writer_end_array(&o->w);
                json_writer_key(&o->w, "rr_ms");
                json_writer_begin_array(&o->w);
                for (size_t i = 0; i < m->n_rr; i++)
                        json_writer_number(&o->w, hrs_rr_to_ms(m->rr_raw[i]));
                json_writer_end_array(&o->w);
        } else
                for (size_t i = 0; i < m->n_rr; i++)
                        printf("  %-28s %.2f ms (%u/1024 s)\n", i == 0 ? "RR intervals" : "",
                               hrs_rr_to_ms(m->rr_raw[i]), m->rr_raw[i]);
        out_note(o, "rr_dropped", "RR value(s) beyond the decoder's limit", m->rr_dropped);
        out_note(o, "trailing_bytes", "odd byte(s) after the RR list", m->trailing_bytes);
}

/* ---- Control point parameters (shared by requests and machine status) ---- */

typedef struct ParamFormat {
        const char *key;
        const char *label;
        const char *unit;
        int decimals;
} ParamFormat;

/* Indexed by control-point op; status ops map through ftms_status_op_to_cp_op(). */
static const ParamFormat cp_param_format[] = {
        [FTMS_CP_SET_TARGET_SPEED] = {"speed_kmh", "speed", "km/h", 2},
        [FTMS_CP_SET_TARGET_INCLINATION] = {"incline_pct", "inclination", "%", 1},
        [FTMS_CP_SET_TARGET_RESISTANCE] = {"resistance", "resistance level", NULL, 1},
        [FTMS_CP_SET_TARGET_POWER] = {"power_w", "power", "W", 0},
        [FTMS_CP_SET_TARGET_HEART_RATE] = {"heart_rate_bpm", "heart rate", "bpm", 0},
        [FTMS_CP_SET_TARGETED_ENERGY] = {"energy_cal", "expended energy", "cal", 0},
        [FTMS_CP_SET_TARGETED_STEPS] = {"steps", "number of steps", NULL, 0},
        [FTMS_CP_SET_TARGETED_STRIDES] = {"strides", "number of strides", NULL, 0},
        [FTMS_CP_SET_TARGETED_DISTANCE] = {"distance_m", "distance", "m", 0},
        [FTMS_CP_SET_TARGETED_TIME] = {"time_s", "training time", "s", 0},
        [FTMS_CP_SET_BIKE_SIM] = {"grade_pct", "grade", "%", 2},
        [FTMS_CP_SET_WHEEL_CIRCUMFERENCE] = {"wheel_circumference_mm", "wheel circumference", "mm",
                                             1},
        [FTMS_CP_SPIN_DOWN_CONTROL] = {"spin_down", "spin down", NULL, 0},
        [FTMS_CP_SET_TARGETED_CADENCE] = {"cadence_rpm", "cadence", "rpm", 1},
};

static void print_param(Out *o, bool status, uint8_t cp_op, double value, uint8_t stop_pause,
                        const uint16_t *zones, size_t n_zones)
{
        const char *prefix = status ? "target_" : "";
        char key[64], label[64];

        if (cp_op == FTMS_CP_STOP_OR_PAUSE) {
                const char *sp = stop_pause == FTMS_STOP_PARAM_STOP    ? "stop"
                                 : stop_pause == FTMS_STOP_PARAM_PAUSE ? "pause"
                                 : stop_pause == 0                     ? "unspecified"
                                                                       : "reserved";
                out_string(o, "stop_pause", "stop or pause", sp);
                return;
        }
        if (n_zones > 0) {
                if (o->json) {
                        json_writer_key(&o->w, "zone_times_s");
                        json_writer_begin_array(&o->w);
                        for (size_t i = 0; i < n_zones; i++)
                                json_writer_uint(&o->w, zones[i]);
                        json_writer_end_array(&o->w);
                } else
                        for (size_t i = 0; i < n_zones; i++) {
                                snprintf(label, sizeof(label), "time in zone %zu", i + 1);
                                out_uint(o, NULL, label, zones[i], "s");
                        }
                return;
        }
        if (cp_op >= ELEMENTSOF(cp_param_format) || !cp_param_format[cp_op].key)
                return;
        snprintf(key, sizeof(key), "%s%s", prefix, cp_param_format[cp_op].key);
        snprintf(label, sizeof(label), "%s%s", status ? "target " : "",
                 cp_param_format[cp_op].label);
        out_number(o, key, label, value, cp_param_format[cp_op].decimals,
                   cp_param_format[cp_op].unit);
}

static void print_cp_request(Out *o, const FtmsCpRequest *q)
{
        out_hex(o, "op_code", "op code", q->op, 2);
        out_string(o, "op_name", "operation", ftms_cp_op_to_string(q->op));
        if (ftms_cp_op_to_string(q->op))
                print_param(o, false, q->op, q->value, q->stop_pause, NULL, 0);
        else
                out_raw_bytes(o, "param_hex", "parameter bytes", q->raw_param, q->n_raw_param);
        out_note(o, "trailing_bytes", "byte(s) of padding after the parameter", q->trailing_bytes);
}

static void print_cp_response(Out *o, const FtmsCpResponse *r)
{
        out_hex(o, "op_code", "op code", FTMS_CP_RESPONSE_CODE, 2);
        out_string(o, "op_name", "operation", "response-code");
        out_hex(o, "request_op_code", "request op code", r->request_op, 2);
        out_string(o, "request_op_name", "request", ftms_cp_op_to_string(r->request_op));
        out_hex(o, "result_code", "result code", r->result, 2);
        out_string(o, "result", "result", ftms_cp_result_to_string(r->result));
        if (o->json || r->n_param > 0)
                out_raw_bytes(o, "param_hex", "response parameter", r->param, r->n_param);
}

static void print_machine_status(Out *o, const FtmsMachineStatus *s)
{
        out_hex(o, "op_code", "op code", s->op, 2);
        out_string(o, "op_name", "status", ftms_status_op_to_string(s->op));
        if (s->op == FTMS_STATUS_STOPPED_OR_PAUSED)
                print_param(o, true, FTMS_CP_STOP_OR_PAUSE, 0, s->stop_pause, NULL, 0);
        else if (s->op == FTMS_STATUS_SPIN_DOWN)
                out_uint(o, "spin_down_status", "spin down status", (uint64_t)s->value, NULL);
        else if (s->known && ftms_status_op_to_cp_op(s->op) >= 0)
                print_param(o, true, (uint8_t)ftms_status_op_to_cp_op(s->op), s->value, 0,
                            s->zone_times, s->n_zone_times);
        out_note(o, "trailing_bytes", "byte(s) after the defined parameter", s->trailing_bytes);
}

static void print_feature(Out *o, const FtmsFeature *f)
{
        for (int machine = 1; machine >= 0; machine--) {
                uint32_t bits = machine ? f->machine : f->target;

                if (o->json) {
                        json_writer_key_uint(
                                &o->w, machine ? "machine_features" : "target_features", bits);
                        json_writer_key(&o->w,
                                        machine ? "machine_feature_names" : "target_feature_names");
                        json_writer_begin_array(&o->w);
                } else
                        printf("  %-28s 0x%08" PRIx32 "\n",
                               machine ? "fitness machine features" : "target setting features",
                               bits);
                for (unsigned b = 0; b < 32; b++) {
                        const char *n;
                        char rfu[16];

                        if (!(bits & (UINT32_C(1) << b)))
                                continue;
                        n = ftms_feature_bit_to_string(machine, b);
                        if (!n) {
                                snprintf(rfu, sizeof(rfu), "rfu-%u", b);
                                n = rfu;
                        }
                        if (o->json)
                                json_writer_string(&o->w, n);
                        else
                                printf("  %-28s   %s\n", "", n);
                }
                if (o->json)
                        json_writer_end_array(&o->w);
        }
        out_note(o, "trailing_bytes", "byte(s) after the two fields", f->trailing_bytes);
}

static void print_range(Out *o, const FtmsRange *r, bool speed)
{
        const char *unit = speed ? "km/h" : "%";
        int dec = speed ? 2 : 1;

        out_number(o, speed ? "min_kmh" : "min_pct", "minimum", r->min, dec, unit);
        out_number(o, speed ? "max_kmh" : "max_pct", "maximum", r->max, dec, unit);
        out_number(o, speed ? "increment_kmh" : "increment_pct", "minimum increment", r->increment,
                   dec, unit);
}

static void print_training_status(Out *o, const FtmsTrainingStatus *s)
{
        out_hex(o, "flags", "flags", s->flags, 2);
        out_hex(o, "status_code", "status code", s->status, 2);
        out_string(o, "status", "status", ftms_training_status_to_string(s->status));
        if (o->json || s->flags & 0x01)
                out_string(o, "string", "status string", s->string);
        if (o->json)
                json_writer_key_bool(&o->w, "string_missing", s->string_missing);
        else if (s->string_missing)
                printf("  note: the flags announce a string but none follows (treated as empty)\n");
        if (s->extended_string && !o->json)
                printf("  note: an extended string is announced (read the value in full)\n");
        else if (o->json)
                json_writer_key_bool(&o->w, "extended_string", s->extended_string);
        out_note(o, "trailing_bytes", "byte(s) after the status", s->trailing_bytes);
}

/* ---- argument parsing ---- */

static int parse_hex_digit(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        c = (char)tolower((unsigned char)c);
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

/* 16-bit UUID as "2acd", "0x2A37" or the full SIG-base form; or a name. */
static const Characteristic *characteristic_find(const char *s)
{
        uint16_t uuid;
        const char *p = s;
        unsigned v = 0;

        for (size_t i = 0; i < ELEMENTSOF(characteristics); i++)
                if (strcasecmp(characteristics[i].name, s) == 0)
                        return &characteristics[i];

        if (bt_uuid16_from_string(s, &uuid) < 0) {
                size_t n;

                if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
                        p += 2;
                n = strlen(p);
                if (n == 0 || n > 4)
                        return NULL;
                for (size_t i = 0; i < n; i++) {
                        int d = parse_hex_digit(p[i]);
                        if (d < 0)
                                return NULL;
                        v = v * 16 + (unsigned)d;
                }
                uuid = (uint16_t)v;
        }
        for (size_t i = 0; i < ELEMENTSOF(characteristics); i++)
                if (characteristics[i].uuid == uuid)
                        return &characteristics[i];
        return NULL;
}

/* Hex bytes; spaces, colons and dashes between them are ignored. Returns length or -errno. */
static int parse_hex(const char *s, uint8_t *buf, size_t size, const char **ret_error)
{
        size_t n = 0;
        int hi = -1;

        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
                s += 2;
        for (; *s; s++) {
                int d;

                if (*s == ' ' || *s == ':' || *s == '-' || *s == '\t') {
                        if (hi >= 0) {
                                *ret_error = "a byte has a single hex digit";
                                return -EINVAL;
                        }
                        continue;
                }
                d = parse_hex_digit(*s);
                if (d < 0) {
                        *ret_error = "not a hex digit";
                        return -EINVAL;
                }
                if (hi < 0) {
                        hi = d;
                        continue;
                }
                if (n >= size) {
                        *ret_error = "value too long";
                        return -E2BIG;
                }
                buf[n++] = (uint8_t)(hi << 4 | d);
                hi = -1;
        }
        if (hi >= 0) {
                *ret_error = "odd number of hex digits";
                return -EINVAL;
        }
        if (n == 0) {
                *ret_error = "empty value";
                return -EINVAL;
        }
        return (int)n;
}

static int malformed(const Characteristic *c, const char *why, size_t len)
{
        fprintf(stderr, "pacectl decode: malformed %s value (%zu bytes): %s\n", c->name, len, why);
        return PACECTL_EXIT_USAGE;
}

static int decode(const Characteristic *c, const uint8_t *buf, size_t len, bool json)
{
        Out o = {.json = json};
        int r;

        if (json)
                json_writer_init(&o.w, stdout);

        switch (c->uuid) {
        case FTMS_UUID_TREADMILL_DATA: {
                FtmsTreadmillData d;
                r = ftms_parse_treadmill_data(buf, len, &d);
                if (r < 0)
                        return malformed(c,
                                         len < 2 ? "shorter than its 2-byte flags field"
                                                 : "cut before the first field its flags announce",
                                         len);
                out_header(&o, c, len);
                print_treadmill_data(&o, &d);
                break;
        }
        case HRS_UUID_MEASUREMENT: {
                HrsMeasurement m;
                r = hrs_parse_measurement(buf, len, &m);
                if (r < 0)
                        return malformed(
                                c, "too short for the heart rate or energy its flags announce",
                                len);
                out_header(&o, c, len);
                print_heart_rate(&o, &m);
                break;
        }
        case FTMS_UUID_CONTROL_POINT:
                if (buf[0] == FTMS_CP_RESPONSE_CODE) {
                        FtmsCpResponse resp;
                        r = ftms_cp_parse_response(buf, len, &resp);
                        if (r < 0)
                                return malformed(c,
                                                 len < 3 ? "a response needs at least 3 bytes"
                                                         : "response parameter too long",
                                                 len);
                        out_header(&o, c, len);
                        print_cp_response(&o, &resp);
                } else {
                        FtmsCpRequest q;
                        r = ftms_cp_parse_request(buf, len, &q);
                        if (r < 0)
                                return malformed(c, "parameter shorter than its op code defines",
                                                 len);
                        out_header(&o, c, len);
                        print_cp_request(&o, &q);
                }
                break;
        case FTMS_UUID_MACHINE_STATUS: {
                FtmsMachineStatus s;
                r = ftms_parse_machine_status(buf, len, &s);
                if (r < 0)
                        return malformed(c, "parameter shorter than its op code defines", len);
                out_header(&o, c, len);
                print_machine_status(&o, &s);
                break;
        }
        case FTMS_UUID_FEATURE: {
                FtmsFeature f;
                r = ftms_parse_feature(buf, len, &f);
                if (r < 0)
                        return malformed(c, "needs 8 bytes (two uint32 bit fields)", len);
                out_header(&o, c, len);
                print_feature(&o, &f);
                break;
        }
        case FTMS_UUID_SPEED_RANGE:
        case FTMS_UUID_INCLINE_RANGE: {
                bool speed = c->uuid == FTMS_UUID_SPEED_RANGE;
                FtmsRange rg;
                r = speed ? ftms_parse_speed_range(buf, len, &rg)
                          : ftms_parse_incline_range(buf, len, &rg);
                if (r < 0)
                        return malformed(c, "needs 6 bytes (minimum, maximum, increment)", len);
                out_header(&o, c, len);
                print_range(&o, &rg, speed);
                if (len > 6)
                        out_note(&o, "trailing_bytes", "byte(s) after the three fields", len - 6);
                else if (json)
                        json_writer_key_uint(&o.w, "trailing_bytes", 0);
                break;
        }
        case FTMS_UUID_TRAINING_STATUS: {
                FtmsTrainingStatus s;
                r = ftms_parse_training_status(buf, len, &s);
                if (r < 0)
                        return malformed(c, "needs at least 2 bytes (flags, status)", len);
                out_header(&o, c, len);
                print_training_status(&o, &s);
                break;
        }
        default:
                return PACECTL_EXIT_USAGE;
        }
        out_footer(&o);
        return PACECTL_EXIT_OK;
}

static int cmd_decode(int argc, char *argv[])
{
        static const struct option options[] = {
                {"json", no_argument, NULL, 'j'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        uint8_t buf[DECODE_MAX_LEN];
        const Characteristic *c;
        const char *error = NULL;
        bool json = false;
        int opt, n;

        optind = 0;
        /* "+": stop at the first operand, so that a hex value like "-1" is not taken for an option.
         */
        while ((opt = getopt_long(argc, argv, "+h", options, NULL)) >= 0)
                switch (opt) {
                case 'j':
                        json = true;
                        break;
                case 'h':
                        pacectl_print_usage(
                                "decode",
                                "  --json      print one JSON object\n"
                                "  -h, --help  show this help\n\n"
                                "Characteristics: treadmill-data (2acd), heart-rate (2a37),\n"
                                "control-point (2ad9), machine-status (2ada), feature (2acc),\n"
                                "speed-range (2ad4), incline-range (2ad5), training-status "
                                "(2ad3);\n"
                                "or a 16-bit UUID as 2acd / 0x2ACD / 00002acd-0000-1000-8000-"
                                "00805f9b34fb.\n"
                                "Hex bytes may be separated by spaces, colons or dashes.\n");
                        return PACECTL_EXIT_OK;
                default:
                        return PACECTL_EXIT_USAGE;
                }
        /*
         * Options may also follow the operands ("decode 2acd 9e04... --json"), and
         * a value pasted without quotes ("5c 16 00 00") arrives as several operands:
         * they are joined into one.
         */
        const char *name = NULL;
        char hex[4 * DECODE_MAX_LEN] = "";
        size_t hex_len = 0;
        for (int i = optind; i < argc; i++) {
                size_t l;

                if (streq(argv[i], "--json")) {
                        json = true;
                        continue;
                }
                if (!name) {
                        name = argv[i];
                        continue;
                }
                l = strlen(argv[i]);
                if (hex_len + l + 2 > sizeof(hex)) {
                        fprintf(stderr, "pacectl decode: invalid hex value: value too long\n");
                        return PACECTL_EXIT_USAGE;
                }
                if (hex_len > 0)
                        hex[hex_len++] = ' ';
                memcpy(hex + hex_len, argv[i], l + 1);
                hex_len += l;
        }
        if (!name || hex_len == 0) {
                fprintf(stderr, "pacectl decode: expected <characteristic> <hex> (see --help)\n");
                return PACECTL_EXIT_USAGE;
        }

        c = characteristic_find(name);
        if (!c) {
                fprintf(stderr, "pacectl decode: unknown characteristic '%s' (see --help)\n", name);
                return PACECTL_EXIT_USAGE;
        }
        n = parse_hex(hex, buf, sizeof(buf), &error);
        if (n < 0) {
                fprintf(stderr, "pacectl decode: invalid hex value '%s': %s\n", hex, error);
                return PACECTL_EXIT_USAGE;
        }
        return decode(c, buf, (size_t)n, json);
}

PACECTL_COMMAND(decode, .name = "decode", .args = "<characteristic> <hex> [--json]",
                .summary = "Decode a heart-rate or FTMS characteristic value.", .run = cmd_decode);
