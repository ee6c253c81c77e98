/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Parses the SVG report with expat and checks that the elements a runner
 * needs are there and placed from the data. tests/integration/
 * test-export-svg.sh renders it in headless Chromium.
 */
#define _GNU_SOURCE 1
#include <expat.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "report-svg.h"
#include "session-fixture.h"

#define SVG_NS "http://www.w3.org/2000/svg"

typedef struct Parsed {
        char ids[256][32];
        size_t n_ids;
        char paths[8][32];
        char *path_d[8];
        size_t n_paths;
        unsigned target_rects, lap_lines;
        double y_075, y_050;
        char texts[8192];
        bool in_target, in_laps;
        bool in_text;
} Parsed;

static const char *attr(const XML_Char **a, const char *name)
{
        for (size_t i = 0; a[i]; i += 2)
                if (streq(a[i], name))
                        return a[i + 1];
        return NULL;
}

static void XMLCALL on_start(void *data, const XML_Char *name, const XML_Char **a)
{
        Parsed *p = data;
        const char *id = attr(a, "id");

        assert_true(strncmp(name, SVG_NS "|", strlen(SVG_NS) + 1) == 0);
        name += strlen(SVG_NS) + 1;
        if (id && p->n_ids < 256)
                snprintf(p->ids[p->n_ids++], 32, "%.31s", id);
        if (id && streq(id, "target-band"))
                p->in_target = true;
        if (id && streq(id, "lap-markers"))
                p->in_laps = true;
        if (p->in_target && streq(name, "rect"))
                p->target_rects++;
        if (p->in_laps && streq(name, "line"))
                p->lap_lines++;
        if (id && streq(name, "path") && p->n_paths < 8 && strncmp(id, "crossover", 9) != 0) {
                snprintf(p->paths[p->n_paths], 32, "%.31s", id);
                p->path_d[p->n_paths++] = strdup(attr(a, "d"));
        }
        if (id && streq(id, "alpha1-075"))
                p->y_075 = strtod(attr(a, "y1"), NULL);
        if (id && streq(id, "alpha1-050"))
                p->y_050 = strtod(attr(a, "y1"), NULL);
        /* Tooltips (<title>) count as text: the full crossover sentence lives there. */
        p->in_text = streq(name, "text") || streq(name, "title");
}

static void XMLCALL on_end(void *data, const XML_Char *name)
{
        Parsed *p = data;

        if (streq(name, SVG_NS "|g")) {
                p->in_target = false;
                p->in_laps = false;
        }
        if (streq(name, SVG_NS "|text") || streq(name, SVG_NS "|title"))
                strncat(p->texts, "\n", sizeof(p->texts) - strlen(p->texts) - 1);
        p->in_text = false;
}

static void XMLCALL on_text(void *data, const XML_Char *s, int len)
{
        Parsed *p = data;
        size_t have = strlen(p->texts);
        size_t n = MIN((size_t)len, sizeof(p->texts) - 1 - have);

        if (!p->in_text)
                return;
        memcpy(p->texts + have, s, n);
        p->texts[have + n] = '\0';
}

static bool has_id(const Parsed *p, const char *id)
{
        for (size_t i = 0; i < p->n_ids; i++)
                if (streq(p->ids[i], id))
                        return true;
        return false;
}

static const char *path_of(const Parsed *p, const char *id)
{
        for (size_t i = 0; i < p->n_paths; i++)
                if (streq(p->paths[i], id))
                        return p->path_d[i];
        return NULL;
}

static size_t count_char(const char *s, char c)
{
        size_t n = 0;
        for (; s && *s; s++)
                n += *s == c;
        return n;
}

static void parse(const char *buf, size_t size, Parsed *p)
{
        XML_Parser parser = XML_ParserCreateNS("UTF-8", '|');

        memset(p, 0, sizeof(*p));
        XML_SetUserData(parser, p);
        XML_SetElementHandler(parser, on_start, on_end);
        XML_SetCharacterDataHandler(parser, on_text);
        assert_int_equal(XML_Parse(parser, buf, (int)size, 1), XML_STATUS_OK);
        XML_ParserFree(parser);
}

static void test_svg_has_the_runner_elements(void **state)
{
        char dir[] = "/tmp/test-report-svg-XXXXXX", cmd[64];
        SessionStore *s = NULL;
        SessionData *d = NULL;
        char *buf = NULL;
        size_t size = 0;
        int64_t id;
        static Parsed p;
        FILE *f;

        assert_non_null(mkdtemp(dir));
        assert_int_equal(session_store_open(&s, dir), 0);
        assert_int_equal(fixture_run(s, 2, 3000, SESSION_END_FINISHED, &id), 0);
        assert_int_equal(session_store_load(s, id, &d), 0);
        session_store_free(s);

        f = open_memstream(&buf, &size);
        assert_int_equal(report_svg_write(d, 3600, f), 0);
        fclose(f);
        parse(buf, size, &p);

        static const char *const want[] = {
                "background",  "title",           "subtitle",       "legend",       "speed-panel",
                "target-band", "speed-commanded", "speed-measured", "hr-panel",     "zone-bands",
                "zone-band-1", "zone-band-5",     "hr-line",        "alpha1-panel", "alpha1-075",
                "alpha1-050",  "alpha1-line",     "lap-markers",    "crossovers",   "crossover-0",
        };
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                if (!has_id(&p, want[i]))
                        fail_msg("missing element #%s", want[i]);
        }
        /* All eight steps are speed-controlled: a band and a marker each. */
        assert_int_equal(p.target_rects, FIXTURE_N_STEPS);
        assert_int_equal(p.lap_lines, FIXTURE_N_STEPS);
        /* 0.75 is drawn above 0.5. */
        assert_true(p.y_075 > 0 && p.y_075 < p.y_050);
        /* Every sample is a point; the HR line breaks at the strap dropout. */
        assert_int_equal(count_char(path_of(&p, "speed-measured"), 'M') +
                                 count_char(path_of(&p, "speed-measured"), 'L'),
                         d->n_samples);
        assert_int_equal(count_char(path_of(&p, "hr-line"), 'M'), 2);
        /* alpha1 is unknown for the first two minutes. */
        assert_int_equal(count_char(path_of(&p, "alpha1-line"), 'M') +
                                 count_char(path_of(&p, "alpha1-line"), 'L'),
                         d->n_samples - 120);
        /* Axis titles with units, local start time (UTC+1 here), summary. */
        assert_non_null(strstr(p.texts, "Speed (km/h)"));
        assert_non_null(strstr(p.texts, "Pace (min/km)"));
        assert_non_null(strstr(p.texts, "Heart rate (bpm)"));
        assert_non_null(strstr(p.texts, "Time (min)"));
        assert_non_null(strstr(p.texts, "3 x 400 m \xe2\x80\x94 Mon 24 Nov 2025, 17:00"));
        /* An interval session is not a threshold test: its live crossing is
         * marked, but no threshold is claimed. */
        assert_null(strstr(p.texts, "threshold"));
        assert_non_null(strstr(p.texts, "alpha1 crossed 0.75"));
        /* The visible label is the short form: up-arrow, VT1, bpm. */
        assert_non_null(strstr(p.texts, "\xe2\x86\x91VT1 "));
        assert_non_null(strstr(p.texts, "mile 1"));

        for (size_t i = 0; i < p.n_paths; i++)
                free(p.path_d[i]);
        free(buf);
        session_data_free(d);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
}

/* A threshold test's result heads the report, each number with its interval. */
static void test_svg_subtitle_test_result(void **state)
{
        char dir[] = "/tmp/test-report-svg-XXXXXX", cmd[64];
        SessionStore *s = NULL;
        SessionData *d = NULL;
        char *buf = NULL;
        size_t size = 0;
        int64_t id;
        static Parsed p;
        FILE *f;

        assert_non_null(mkdtemp(dir));
        assert_int_equal(session_store_open(&s, dir), 0);
        assert_int_equal(fixture_run(s, 2, 3000, SESSION_END_FINISHED, &id), 0);
        assert_int_equal(fixture_add_test_result(s, id, 150, 170), 0);
        assert_int_equal(session_store_load(s, id, &d), 0);
        session_store_free(s);

        f = open_memstream(&buf, &size);
        assert_int_equal(report_svg_write(d, 3600, f), 0);
        fclose(f);
        parse(buf, size, &p);
        assert_non_null(strstr(p.texts, "aerobic threshold 150 bpm (146\xe2\x80\x93"
                                        "154)"));
        assert_non_null(strstr(p.texts, "anaerobic threshold 170 bpm (166\xe2\x80\x93"
                                        "174)"));

        for (size_t i = 0; i < p.n_paths; i++)
                free(p.path_d[i]);
        free(buf);
        session_data_free(d);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
}

static void test_svg_minimal_session(void **state)
{
        SessionSample x[2] = {
                {.t_s = 0,
                 .speed_kmh = NAN,
                 .commanded_kmh = NAN,
                 .distance_m = NAN,
                 .incline_pct = NAN,
                 .step_index = -1,
                 .alpha1 = NAN},
                {.t_s = 1,
                 .speed_kmh = NAN,
                 .commanded_kmh = NAN,
                 .distance_m = NAN,
                 .incline_pct = NAN,
                 .step_index = -1,
                 .alpha1 = NAN},
        };
        SessionData d = {.start_wall_usec = FIXTURE_START_USEC,
                         .samples = x,
                         .n_samples = 2,
                         .workout_name = (char *)"<b>&"};
        char *buf = NULL;
        size_t size = 0;
        static Parsed p;
        FILE *f;

        f = open_memstream(&buf, &size);
        assert_int_equal(report_svg_write(&d, 0, f), 0);
        fclose(f);
        parse(buf, size, &p); /* still well-formed, name escaped */
        assert_non_null(strstr(p.texts, "<b>& \xe2\x80\x94"));
        assert_false(has_id(&p, "crossover-0"));
        assert_false(has_id(&p, "zone-band-1"));
        for (size_t i = 0; i < p.n_paths; i++)
                free(p.path_d[i]);
        free(buf);

        /* Invalid UTF-8 and terminal escapes in the name: still well-formed. */
        d.workout_name = (char *)"Caf\xe9 \x1b[31mred\xc2\x9b";
        memset(&p, 0, sizeof(p));
        f = open_memstream(&buf, &size);
        assert_int_equal(report_svg_write(&d, 0, f), 0);
        fclose(f);
        parse(buf, size, &p);
        assert_non_null(strstr(p.texts, "Caf\xef\xbf\xbd [31mred \xe2\x80\x94"));
        for (size_t i = 0; i < p.n_paths; i++)
                free(p.path_d[i]);
        free(buf);

        d.n_samples = 0;
        f = open_memstream(&buf, &size);
        assert_int_equal(report_svg_write(&d, 0, f), -ENODATA);
        fclose(f);
        free(buf);
}

/* paced was stopped for a minute: shaded, no line across it, said in the summary. */
static void test_svg_gap(void **state)
{
        SessionSample x[120];
        SessionData d = {.start_wall_usec = FIXTURE_START_USEC, .samples = x, .n_samples = 120};
        char *buf = NULL;
        size_t size = 0;
        static Parsed p;
        const char *path;
        FILE *f;

        for (unsigned i = 0; i < 120; i++)
                x[i] = (SessionSample){.t_s = i < 60 ? i : i + 60,
                                       .speed_kmh = 12,
                                       .commanded_kmh = 12,
                                       .distance_m = i * 3.3,
                                       .hr_bpm = 140,
                                       .incline_pct = NAN,
                                       .step_index = -1,
                                       .alpha1 = NAN};
        f = open_memstream(&buf, &size);
        assert_int_equal(report_svg_write(&d, 0, f), 0);
        fclose(f);
        parse(buf, size, &p);
        assert_true(has_id(&p, "gap-0"));
        assert_false(has_id(&p, "gap-1"));
        path = path_of(&p, "speed-measured");
        assert_non_null(path);
        assert_int_equal(count_char(path, 'M'), 2);
        path = path_of(&p, "hr-line");
        assert_int_equal(count_char(path, 'M'), 2);
        assert_non_null(strstr(p.texts, "1:00 not recorded (paced was stopped)"));
        for (size_t i = 0; i < p.n_paths; i++)
                free(p.path_d[i]);
        free(buf);
}

/* No two placed boxes overlap and every box lies inside [x0, x1] and its rows. */
static void assert_layout_clean(const ReportLabelBox *b, size_t n, double x0, double x1, double y0,
                                double line_h, unsigned max_rows)
{
        for (size_t i = 0; i < n; i++) {
                if (!b[i].placed)
                        continue;
                if (b[i].x < x0 - 1e-9 || b[i].x + b[i].w > x1 + 1e-9)
                        fail_msg("label %zu [%.1f, %.1f] leaves the plot [%.1f, %.1f]", i, b[i].x,
                                 b[i].x + b[i].w, x0, x1);
                assert_true(b[i].y >= y0 && b[i].y + b[i].h <= y0 + max_rows * line_h + 1e-9);
                for (size_t j = 0; j < i; j++) {
                        if (!b[j].placed)
                                continue;
                        if (b[i].x < b[j].x + b[j].w && b[j].x < b[i].x + b[i].w &&
                            b[i].y < b[j].y + b[j].h && b[j].y < b[i].y + b[i].h)
                                fail_msg("labels %zu and %zu overlap", j, i);
                }
        }
}

static void test_crossover_labels_do_not_overlap(void **state)
{
        /*
         * The ramp test demo's four crossovers (x in pixels of the 1020 px
         * plot): up through VT1 and VT2 a few minutes apart, then both back
         * down within 20 s of each other, 120 px from the right edge.
         */
        const char *labels[] = {"\xe2\x86\x91VT1 150", "\xe2\x86\x91VT2 161", "\xe2\x86\x93VT2",
                                "\xe2\x86\x93VT1"};
        double mx[] = {664.3, 754.7, 971.4, 979.8}, w[4];
        ReportLabelBox b[4];

        for (size_t i = 0; i < 4; i++)
                w[i] = report_label_width(labels[i], 11);
        /* Code points, not bytes: the arrow is one character. */
        assert_float_equal(w[2], 4 * 11 * 0.62, 1e-9);
        assert_int_equal(report_label_layout(mx, w, 4, 84, 1104, 433, 14, 15, b), 2);
        assert_layout_clean(b, 4, 84, 1104, 433, 14, 15);
        for (size_t i = 0; i < 4; i++)
                assert_true(b[i].placed);
        /* The two downward ones are 8 px apart: stacked. */
        assert_true(b[3].y > b[2].y);
        assert_true(b[0].y == b[1].y);

        /* A marker near the right edge puts its label on its left. */
        double edge[] = {1100}, we[] = {60};
        ReportLabelBox be[1];
        assert_int_equal(report_label_layout(edge, we, 1, 84, 1104, 433, 14, 15, be), 1);
        assert_true(be[0].anchor_end);
        assert_float_equal(be[0].x + be[0].w, 1100 - REPORT_LABEL_GAP, 1e-9);
        assert_layout_clean(be, 1, 84, 1104, 433, 14, 15);
}

static void test_crossover_labels_crowded(void **state)
{
        /* 40 labels within 60 px, some at both edges: whatever fits is clean, the rest dropped. */
        double mx[40], w[40];
        ReportLabelBox b[40];
        unsigned placed = 0;

        for (size_t i = 0; i < 40; i++) {
                mx[i] = i < 20 ? 84 + i * 1.5 : 1104 - (i - 20) * 1.5;
                w[i] = 40 + (double)(i % 5) * 10;
        }
        assert_int_equal(report_label_layout(mx, w, 40, 84, 1104, 433, 14, 15, b), 15);
        assert_layout_clean(b, 40, 84, 1104, 433, 14, 15);
        for (size_t i = 0; i < 40; i++)
                placed += b[i].placed;
        assert_true(placed >= 15 && placed < 40);

        /* Wider than the plot: never placed. */
        double wide[] = {2000}, x[] = {500};
        assert_int_equal(report_label_layout(x, wide, 1, 84, 1104, 433, 14, 15, b), 0);
        assert_false(b[0].placed);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_svg_has_the_runner_elements),
                cmocka_unit_test(test_svg_subtitle_test_result),
                cmocka_unit_test(test_svg_minimal_session),
                cmocka_unit_test(test_svg_gap),
                cmocka_unit_test(test_crossover_labels_do_not_overlap),
                cmocka_unit_test(test_crossover_labels_crowded),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
