/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pacectl analyze FILE|SESSION-ID: offline analysis of an RR recording (paced's
 * CSV, a plain list, an HRV Logger, FatMaxxer or Polar Sensor Logger export,
 * or a FIT activity: rr-file.h) or of a stored session. Prints whole-file alpha1,
 * artifact rate, the aerobic (HRVT1) and anaerobic (HRVT2) thresholds with speeds and confidence,
 * HR deflection, drift and time in zones.
 */
#include <ctype.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>

#include "bus-client.h"
#include "pacectl.h"
#include "rr-analysis.h"
#include "rr-file.h"
#include "session-store.h"
#include "time-util.h"
#include "units-cli.h"
#include "util.h"

static const char options_help[] =
        "  --windows          print the windowed series (t, alpha1, HR, artifact %)\n"
        "  --json             machine-readable output\n"
        "  --no-correct       do not correct artifacts (still counted)\n"
        "  --no-smoothness-priors  do not detrend each window first (lambda 500, as\n"
        "                     Kubios; on by default)\n"
        "  --hr-max BPM       maximum HR for %HRmax/HRR zones\n"
        "  --hr-rest BPM      resting HR for HRR zones\n"
        "  --lthr BPM         lactate threshold HR for Friel zones\n"
        "  --age YEARS        estimate max HR as 208 - 0.7 * age (marked estimated)\n"
        "  --zones MODEL      hrmax, hrr, friel or three (default: three when both\n"
        "                     thresholds are found, else the best the profile allows)\n"
        "  --db PATH          session database (for a SESSION-ID)\n"
        "  --state-dir DIR    paced's state directory (for a SESSION-ID)\n"
        "  -h --help          this help\n"
        "\n"
        "FILE is detected as paced's CSV (an rr_ms column), a plain RR list (Kubios,\n"
        "Welltory: one or more values a line, ms or s), an HRV Logger (date,rr,since\n"
        "start), FatMaxxer (timestamp, rr, since_start) or Polar Sensor Logger\n"
        "(Phone timestamp;RR-interval [ms]) export, or a FIT activity with hrv\n"
        "messages; '-' reads stdin.\n";

static void json_num(const char *key, double v, int prec, bool comma)
{
        if (isfinite(v))
                printf("\"%s\":%.*f%s", key, prec, v, comma ? "," : "");
        else
                printf("\"%s\":null%s", key, comma ? "," : "");
}

static void print_mmss(double s)
{
        long t = lround(s);

        printf("%ld:%02ld", t / 60, t % 60);
}

/* format: what the file held; _RR_FILE_FORMAT_INVALID for a stored session. */
static void print_json(const char *path, RrFileFormat format, const RrAnalysis *a, bool windows)
{
        /* Thresholds only from a threshold test: null otherwise, the fit stays for a look. */
        bool valid = a->test.status == THRESHOLD_TEST_VALID;

        printf("{\"file\":\"");
        for (const char *p = path; *p; p++) {
                if (*p == '"' || *p == '\\')
                        printf("\\%c", *p);
                else if ((unsigned char)*p < 0x20)
                        printf("\\u%04x", *p);
                else
                        putchar(*p);
        }
        printf("\",\"format\":\"%s\",\"rr_count\":%zu,\"beats\":%zu,\"artifacts\":%zu,",
               format >= 0 ? rr_file_format_to_string(format) : "paced session", a->n_rows,
               a->n_beats, a->n_artifacts);
        json_num("artifact_pct", a->artifact_pct, 2, true);
        json_num("duration_s", a->duration_s, 1, true);
        json_num("alpha1", a->alpha1, 3, true);
        json_num("hr_mean_bpm", a->hr_mean_bpm, 1, true);
        json_num("hr_max_bpm", a->hr_max_bpm, 1, true);
        printf("\"windows_total\":%zu,\"windows_valid\":%zu,\"windows_low_quality\":%zu,"
               "\"windows_suppressed\":%zu,",
               a->n_windows, a->n_valid, a->n_low_quality, a->n_suppressed);
        json_num("ramp_start_s", a->ramp_start_s, 1, true);
        json_num("ramp_end_s", a->ramp_end_s, 1, true);
        {
                char why[256];

                printf("\"test\":{\"valid\":%s,\"status\":\"%s\",\"reason\":\"%s\",",
                       valid ? "true" : "false", threshold_test_status_key_to_string(a->test.status),
                       threshold_test_describe(&a->test, why, sizeof(why)));
                json_num("start_alpha1", a->test.start_alpha1, 3, true);
                json_num("end_alpha1", a->test.end_alpha1, 3, true);
                printf("\"windows\":%zu,\"artifact_windows\":%zu,\"one_sided\":%s},",
                       a->test.n_windows, a->test.n_artifact_windows,
                       a->test.one_sided ? "true" : "false");
        }
        printf("\"fit\":{\"status\":\"%s\",\"windows\":%zu,", ramp_status_to_string(a->ramp.status),
               a->ramp.n_windows);
        json_num("intercept", a->ramp.intercept, 4, true);
        json_num("slope", a->ramp.slope, 6, true);
        json_num("r", a->ramp.r, 4, false);
        printf("},");
        for (size_t k = 0; k < _THRESHOLD_KIND_MAX; k++) {
                const ThresholdEstimate *t = &a->ramp.t[k];
                const char *key = threshold_kind_key_to_string((ThresholdKind)k);
                bool f = valid && t->found;
                char name[64];

                snprintf(name, sizeof(name), "%s_bpm", key);
                json_num(name, f ? t->hr_bpm : NAN, 1, true);
                snprintf(name, sizeof(name), "%s_kmh", key);
                json_num(name, f ? t->speed_kmh : NAN, 2, true);
                snprintf(name, sizeof(name), "%s_kmh_ramp", key);
                json_num(name, f ? t->speed_ramp_kmh : NAN, 2, true);
                snprintf(name, sizeof(name), "%s_ci_lo_bpm", key);
                json_num(name, f ? t->hr_ci_lo_bpm : NAN, 1, true);
                snprintf(name, sizeof(name), "%s_ci_hi_bpm", key);
                json_num(name, f ? t->hr_ci_hi_bpm : NAN, 1, true);
                snprintf(name, sizeof(name), "%s_ci_lo_kmh", key);
                json_num(name, f ? t->speed_ci_lo_kmh : NAN, 2, true);
                snprintf(name, sizeof(name), "%s_ci_hi_kmh", key);
                json_num(name, f ? t->speed_ci_hi_kmh : NAN, 2, true);
                snprintf(name, sizeof(name), "%s_confidence", key);
                json_num(name, f ? t->confidence : NAN, 2, true);
                printf("\"%s_grade\":\"%c\",\"%s_reached\":%s,", key, f ? t->grade : '-', key,
                       f && t->reached ? "true" : "false");
        }
        printf("\"deflection\":");
        if (a->deflection_error < 0)
                printf("null,");
        else {
                printf("{\"found\":%s,\"stages\":%zu,", a->deflection.found ? "true" : "false",
                       a->n_stages);
                json_num("dmax_kmh", a->deflection.dmax_speed_kmh, 2, true);
                json_num("dmax_bpm", a->deflection.dmax_hr_bpm, 1, true);
                json_num("break_kmh", a->deflection.break_speed_kmh, 2, true);
                json_num("break_bpm", a->deflection.break_hr_bpm, 1, true);
                json_num("delta_bic", a->deflection.delta_bic, 2, false);
                printf("},");
        }
        printf("\"steady\":[");
        for (size_t i = 0; i < a->n_steady; i++) {
                const SteadySegment *s = &a->steady[i];

                printf("%s{", i ? "," : "");
                json_num("t_start_s", s->t_start_s, 1, true);
                json_num("t_end_s", s->t_end_s, 1, true);
                json_num("speed_kmh", s->speed_kmh, 2, true);
                json_num("hr_mean_bpm", s->hr_mean_bpm, 1, true);
                json_num("drift_bpm_per_10min", s->drift_bpm_per_10min, 2, false);
                printf("}");
        }
        printf("],\"zones\":");
        if (!a->has_zones)
                printf("null");
        else {
                printf("{\"model\":\"%s\",\"estimated\":%s,\"zones\":[",
                       zone_model_to_string(a->zones.model), a->zones.estimated ? "true" : "false");
                for (size_t i = 0; i < a->zones.n_zones; i++) {
                        const Zone *z = &a->zones.zones[i];

                        printf("%s{\"name\":\"%s\",", i ? "," : "", z->name);
                        json_num("lo_bpm", i == 0 ? NAN : z->lo_bpm, 1, true);
                        json_num("hi_bpm", z->hi_bpm, 1, true);
                        json_num("time_s", a->zone_times.s[i], 1, false);
                        printf("}");
                }
                printf("]}");
        }
        if (windows) {
                printf(",\"windows\":[");
                for (size_t i = 0; i < a->n_windows; i++) {
                        const Alpha1Eval *w = &a->windows[i];

                        printf("%s{", i ? "," : "");
                        json_num("t_s", w->t_s, 1, true);
                        json_num("alpha1", w->alpha1, 4, true);
                        json_num("hr_bpm", w->hr_bpm, 2, true);
                        json_num("artifact_pct", w->artifact_pct, 2, true);
                        json_num("speed_kmh", a->window_speed_kmh[i], 2, true);
                        printf("\"beats\":%zu,\"valid\":%s,\"low_quality\":%s}", w->n_beats,
                               w->valid ? "true" : "false", w->low_quality ? "true" : "false");
                }
                printf("]");
        }
        printf("}\n");
}

static void print_text(const char *path, RrFileFormat format, const RrAnalysis *a, bool windows)
{
        bool mi = pacectl_units_per_mile();
        char sa[32], sb[32], sc[32];

        printf("%s     %s\n", format < 0 ? "Session:" : "File:   ", path);
        if (format >= 0)
                printf("Format:      %s\n", rr_file_format_to_string(format));
        printf("Beats:       %zu (%zu RR read), duration ", a->n_beats, a->n_rows);
        print_mmss(a->duration_s);
        printf(", mean HR %.0f bpm", a->hr_mean_bpm);
        if (isfinite(a->hr_max_bpm))
                printf(", peak %.0f bpm", a->hr_max_bpm);
        printf("\n");
        printf("Artifacts:   %zu beats, %.2f %%%s\n", a->n_artifacts, a->artifact_pct,
               a->artifact_pct > ALPHA1_SUPPRESS_PCT      ? " (too many: alpha1 not trustworthy)"
               : a->artifact_pct > ALPHA1_LOW_QUALITY_PCT ? " (low quality)"
                                                          : "");
        if (isfinite(a->alpha1))
                printf("DFA alpha1:  %.2f (whole recording)\n", a->alpha1);
        else
                printf("DFA alpha1:  n/a (recording too short)\n");
        printf("Windows:     %zu of 120 s every 5 s: %zu valid (%zu low quality), "
               "%zu suppressed\n",
               a->n_windows, a->n_valid, a->n_low_quality, a->n_suppressed);
        if (isfinite(a->ramp_start_s)) {
                printf("Ramp:        ");
                print_mmss(a->ramp_start_s);
                printf(" to ");
                print_mmss(a->ramp_end_s);
                printf("\n");
        }

        {
                char why[256];

                printf("Test:        %s\n", threshold_test_describe(&a->test, why, sizeof(why)));
        }
        if (a->test.status != THRESHOLD_TEST_VALID)
                printf("Thresholds:  none (only a threshold test gives them; alpha1 above is "
                       "still measured)\n");
        else {
                printf("Fit:         alpha1 = %.3f %+.5f * HR, r = %.3f, %zu windows; local fits "
                       "at each crossing\n",
                       a->ramp.intercept, a->ramp.slope, a->ramp.r, a->ramp.n_windows);
                for (size_t k = 0; k < _THRESHOLD_KIND_MAX; k++) {
                        const ThresholdEstimate *t = &a->ramp.t[k];

                        printf("%s: %.0f bpm", threshold_kind_to_string((ThresholdKind)k),
                               t->hr_bpm);
                        if (isfinite(t->hr_ci_lo_bpm))
                                printf(" (95 %% interval %.0f-%.0f)", t->hr_ci_lo_bpm,
                                       t->hr_ci_hi_bpm);
                        else
                                printf(" (95 %% interval unknown)");
                        if (isfinite(t->speed_kmh)) {
                                printf(" at %s", format_speed(sa, sizeof(sa), t->speed_kmh, mi,
                                                              TIME_FORMAT_UNIT));
                                if (isfinite(t->speed_ci_lo_kmh))
                                        printf(" (%s-%s)",
                                               format_speed(sb, sizeof(sb), t->speed_ci_lo_kmh, mi,
                                                            0),
                                               format_speed(sc, sizeof(sc), t->speed_ci_hi_kmh, mi,
                                                            TIME_FORMAT_UNIT));
                                printf(", as run on the ramp %s",
                                       format_speed(sa, sizeof(sa), t->speed_ramp_kmh, mi,
                                                    TIME_FORMAT_UNIT));
                        }
                        printf(", grade %c%s%s\n", t->grade,
                               t->reached ? "" : ", NOT REACHED: extrapolated",
                               k == THRESHOLD_HRVT2 ? ", the anaerobic crossover" : "");
                }
        }
        if (a->deflection_error < 0)
                printf("HR deflection (Conconi): not computed (needs a stepped ramp, "
                       ">= 6 stages)\n");
        else if (a->deflection.found)
                printf("HR deflection (Conconi): %.0f bpm at %s (D-max %.0f bpm at %s)\n",
                       a->deflection.break_hr_bpm,
                       format_speed(sa, sizeof(sa), a->deflection.break_speed_kmh, mi,
                                    TIME_FORMAT_UNIT),
                       a->deflection.dmax_hr_bpm,
                       format_speed(sb, sizeof(sb), a->deflection.dmax_speed_kmh, mi,
                                    TIME_FORMAT_UNIT));
        else
                printf("HR deflection (Conconi): no deflection found (%zu stages)\n", a->n_stages);
        for (size_t i = 0; i < a->n_steady; i++) {
                const SteadySegment *s = &a->steady[i];

                printf("Steady:      ");
                print_mmss(s->t_start_s);
                printf("-");
                print_mmss(s->t_end_s);
                printf(" at %s, HR %.0f bpm",
                       format_speed(sa, sizeof(sa), s->speed_kmh, mi, TIME_FORMAT_UNIT),
                       s->hr_mean_bpm);
                if (isfinite(s->drift_bpm_per_10min))
                        printf(", cardiac drift %+.1f bpm per 10 min\n", s->drift_bpm_per_10min);
                else
                        printf(", too short for drift\n");
        }
        if (a->has_zones) {
                printf("Zones (%s%s):\n", zone_model_to_string(a->zones.model),
                       a->zones.estimated ? ", ESTIMATED from age" : "");
                for (size_t i = 0; i < a->zones.n_zones; i++) {
                        const Zone *z = &a->zones.zones[i];

                        printf("  %-4s ", z->name);
                        if (i == 0)
                                printf("   < %3.0f bpm  ", z->hi_bpm);
                        else if (isinf(z->hi_bpm))
                                printf("  >= %3.0f bpm  ", z->lo_bpm);
                        else
                                printf("%3.0f-%3.0f bpm  ", z->lo_bpm, z->hi_bpm);
                        print_mmss(a->zone_times.s[i]);
                        printf("\n");
                }
        }
        if (windows) {
                printf("\n%8s %7s %7s %6s %6s\n", "t_s", "alpha1", "hr_bpm", "art_%",
                       mi ? "mph" : "km/h");
                for (size_t i = 0; i < a->n_windows; i++) {
                        const Alpha1Eval *w = &a->windows[i];

                        printf("%8.1f ", w->t_s);
                        if (w->valid)
                                printf("%7.3f", w->alpha1);
                        else
                                printf("%7s", "-");
                        printf(" %7.1f %6.2f %6s%s\n", w->hr_bpm, w->artifact_pct,
                               format_speed(sa, sizeof(sa), a->window_speed_kmh[i], mi, 0),
                               w->low_quality ? " low-quality" : "");
                }
        }
}

static bool parse_bpm(const char *s, double *ret)
{
        char *end;
        double v = strtod(s, &end);

        if (end == s || *end || !isfinite(v) || v <= 0 || v > 300)
                return false;
        *ret = v;
        return true;
}

static bool looks_like_session_id(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!isdigit((unsigned char)*s))
                        return false;
        return true;
}

static int load_session(const char *id_arg, const char *db_opt, const char *state_dir_opt,
                        RrRecording **ret)
{
        _cleanup_free_ char *db = session_store_db_path(db_opt, state_dir_opt);
        SessionStore *s = NULL;
        SessionData *d = NULL;
        long long id = strtoll(id_arg, NULL, 10);
        int r;

        if (!db)
                return PACECTL_EXIT_FAILURE;
        if (id <= 0) {
                fprintf(stderr, "pacectl analyze: invalid session id '%s'\n", id_arg);
                return PACECTL_EXIT_USAGE;
        }
        (void)pacectl_sync_store();
        r = session_store_open_db(&s, db, true);
        if (r < 0) {
                fprintf(stderr,
                        "pacectl analyze: '%s' is not a file, and the session database %s %s\n",
                        id_arg, db,
                        r == -ENOENT    ? "does not exist (no sessions yet?)"
                        : r == -EBADMSG ? "is damaged or another kind of file"
                        : r == -EACCES  ? "cannot be read (permission denied)"
                                        : "cannot be opened");
                return PACECTL_EXIT_FAILURE;
        }
        r = session_store_load(s, id, &d);
        session_store_free(s);
        if (r == -ENOENT) {
                fprintf(stderr, "pacectl analyze: no session %lld in %s\n", id, db);
                return PACECTL_EXIT_FAILURE;
        }
        if (r < 0) {
                fprintf(stderr, "pacectl analyze: cannot load session %lld: %s\n", id,
                        strerror(-r));
                return PACECTL_EXIT_FAILURE;
        }
        r = rr_recording_from_session(d, ret);
        session_data_free(d);
        if (r == -ENODATA) {
                fprintf(stderr, "pacectl analyze: session %lld has no RR intervals\n", id);
                return PACECTL_EXIT_FAILURE;
        }
        if (r < 0) {
                fprintf(stderr, "pacectl analyze: session %lld: %s\n", id, strerror(-r));
                return PACECTL_EXIT_FAILURE;
        }
        return PACECTL_EXIT_OK;
}

static int cmd_analyze(int argc, char *argv[])
{
        static const struct option options[] = {{"windows", no_argument, NULL, 'w'},
                                                {"json", no_argument, NULL, 'j'},
                                                {"no-correct", no_argument, NULL, 'n'},
                                                {"hr-max", required_argument, NULL, 'M'},
                                                {"hr-rest", required_argument, NULL, 'R'},
                                                {"lthr", required_argument, NULL, 'L'},
                                                {"age", required_argument, NULL, 'A'},
                                                {"zones", required_argument, NULL, 'Z'},
                                                {"smoothness-priors", no_argument, NULL, 'P'},
                                                {"no-smoothness-priors", no_argument, NULL, 'p'},
                                                {"db", required_argument, NULL, 'D'},
                                                {"state-dir", required_argument, NULL, 'S'},
                                                {"help", no_argument, NULL, 'h'},
                                                {}};
        RrAnalysisOptions o = RR_ANALYSIS_OPTIONS_DEFAULT;
        _cleanup_(rr_recording_freep) RrRecording *rec = NULL;
        RrAnalysis *a = NULL;
        bool json = false, windows = false, is_session;
        double age = NAN;
        const char *path, *db_opt = NULL, *state_dir_opt = NULL;
        RrCsvError err = {};
        RrFileFormat format = _RR_FILE_FORMAT_INVALID;
        struct stat st;
        FILE *f;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'w':
                        windows = true;
                        break;
                case 'j':
                        json = true;
                        break;
                case 'n':
                        o.correct = false;
                        break;
                case 'M':
                case 'R':
                case 'L': {
                        double v;

                        if (!parse_bpm(optarg, &v)) {
                                fprintf(stderr, "pacectl analyze: invalid heart rate '%s'\n",
                                        optarg);
                                return PACECTL_EXIT_USAGE;
                        }
                        if (c == 'M') {
                                o.profile.max_bpm = v;
                                o.profile.max_source = HR_SOURCE_MANUAL;
                        } else if (c == 'R') {
                                o.profile.rest_bpm = v;
                                o.profile.rest_source = HR_SOURCE_MANUAL;
                        } else {
                                o.profile.lthr_bpm = v;
                                o.profile.lthr_source = HR_SOURCE_MANUAL;
                        }
                        break;
                }
                case 'A': {
                        char *end;

                        age = strtod(optarg, &end);
                        if (end == optarg || *end || !(age >= 5 && age <= 110)) {
                                fprintf(stderr, "pacectl analyze: invalid age '%s'\n", optarg);
                                return PACECTL_EXIT_USAGE;
                        }
                        break;
                }
                case 'Z':
                        o.zone_model = zone_model_from_string(optarg);
                        if (o.zone_model < 0) {
                                fprintf(stderr,
                                        "pacectl analyze: unknown zone model '%s' "
                                        "(hrmax, hrr, friel, three)\n",
                                        optarg);
                                return PACECTL_EXIT_USAGE;
                        }
                        break;
                case 'P':
                        o.smoothness_priors = true;
                        break;
                case 'p':
                        o.smoothness_priors = false;
                        break;
                case 'D':
                        db_opt = optarg;
                        break;
                case 'S':
                        state_dir_opt = optarg;
                        break;
                case 'h':
                        pacectl_print_usage("analyze", options_help);
                        return PACECTL_EXIT_OK;
                default:
                        return PACECTL_EXIT_USAGE;
                }
        if (optind != argc - 1) {
                fprintf(stderr, "pacectl analyze: expected one FILE (see --help)\n");
                return PACECTL_EXIT_USAGE;
        }
        path = argv[optind];
        if (!isnan(age) && !(o.profile.max_bpm > 0))
                (void)hr_profile_fill_defaults(&o.profile, age);

        is_session = !streq(path, "-") && stat(path, &st) < 0 && looks_like_session_id(path);
        if (is_session) {
                r = load_session(path, db_opt, state_dir_opt, &rec);
                if (r != PACECTL_EXIT_OK)
                        return r;
        } else {
                if (streq(path, "-"))
                        f = stdin;
                else {
                        f = fopen(path, "re");
                        if (!f) {
                                fprintf(stderr, "pacectl analyze: %s: %m\n", path);
                                return PACECTL_EXIT_USAGE;
                        }
                }
                r = rr_file_read(f, &rec, &format, &err);
                if (f != stdin)
                        fclose(f);
                if (r == -EBADMSG) {
                        if (err.line > 0)
                                fprintf(stderr, "pacectl analyze: %s:%u: %s\n", path, err.line,
                                        err.message);
                        else
                                fprintf(stderr, "pacectl analyze: %s: %s\n", path, err.message);
                        return PACECTL_EXIT_USAGE;
                }
                if (r < 0) {
                        fprintf(stderr, "pacectl analyze: %s: %s\n", path, strerror(-r));
                        return PACECTL_EXIT_FAILURE;
                }
        }

        r = rr_analysis_run(rec, &o, &a);
        if (r < 0) {
                fprintf(stderr, "pacectl analyze: %s: analysis failed: %s\n", path, strerror(-r));
                return PACECTL_EXIT_FAILURE;
        }
        if (json)
                print_json(path, format, a, windows);
        else
                print_text(path, format, a, windows);
        rr_analysis_free(a);
        return PACECTL_EXIT_OK;
}

PACECTL_COMMAND(analyze, .name = "analyze", .args = "[OPTIONS] FILE|SESSION-ID",
                .summary = "Analyse an RR recording: alpha1, artifacts, thresholds, zones.",
                .run = cmd_analyze);
