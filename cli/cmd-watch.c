/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pacectl watch: a live view of the running workout, redrawn once a second:
 * the step and its countdown, the next step, target against actual pace,
 * heart rate with a zone bar, alpha1, distance and elapsed time, and the
 * latest cue. On a terminal the screen is redrawn in place; otherwise one
 * line per second (logs, tests, the demo's transcript).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include "bus-client.h"
#include "time-util.h"
#include "utf8.h"
#include "util.h"

typedef struct Watch {
        sd_bus *bus;
        sd_event *event;
        sd_event_source *timer;
        ManagerProps props;
        bool json, tty, until_done, seen_active;
        unsigned count, max_count;
        char cue[192];
        char result[192]; /* a time trial's result (Cue "result"), shown to the end */
        uint64_t cue_time;
        uint64_t finished_session;
        char finished_reason[32];
        int exit_code;
} Watch;

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

static void zone_bar(unsigned zone, char *buf, size_t size)
{
        char bar[8] = "-----";

        for (unsigned i = 0; i < 5 && i < zone; i++)
                bar[i] = '#';
        if (zone)
                snprintf(buf, size, "[%s] Z%u", bar, zone);
        else
                snprintf(buf, size, "[-----]");
}

static bool is_imperial(const ManagerProps *p)
{
        return p->units && streq(p->units, "mi");
}

static void draw_tty(Watch *w)
{
        const ManagerProps *p = &w->props;
        bool mi = is_imperial(p);
        char remain[32], elapsed[32], tp[32], ap[32], zb[32], ts[32], as[32];

        format_duration(remain, sizeof(remain), p->step_remaining, 0);
        format_duration(elapsed, sizeof(elapsed), p->elapsed, 0);
        format_pace(tp, sizeof(tp), p->target_speed, mi, TIME_FORMAT_UNIT);
        format_pace(ap, sizeof(ap), p->speed, mi, TIME_FORMAT_UNIT);
        zone_bar(p->zone, zb, sizeof(zb));

        printf("\033[H\033[2J");
        printf("paced  %s  %s%s", p->workout && *p->workout ? p->workout : "(no workout)",
               p->state ? p->state : "?", p->pause_reason && *p->pause_reason ? " — " : "");
        if (p->pause_reason && *p->pause_reason)
                printf("%s", p->pause_reason);
        if (p->simulated)
                printf("   [simulator x%g]", p->time_scale);
        printf("\n\n");
        if (p->next_action && *p->next_action)
                printf("  >>> %s\n\n", p->next_action);
        if (p->step_index >= 0 && p->step_repeat_count > 0)
                printf("  Step %d/%u   %-36s %s left   Rep %u/%u\n", p->step_index + 1,
                       p->step_count, p->step_name, remain, p->step_repeat,
                       p->step_repeat_count);
        else if (p->step_index >= 0)
                printf("  Step %d/%u   %-36s %s left\n", p->step_index + 1, p->step_count,
                       p->step_name, remain);
        else
                printf("  Step       -\n");
        printf("  Next       %s\n",
               p->next_step_name && *p->next_step_name ? p->next_step_name : "-");
        printf("  Pace       target %-10s actual %-10s", tp, ap);
        if (isfinite(p->target_speed) || isfinite(p->speed))
                printf(" (%s / %s)", format_speed(ts, sizeof(ts), p->target_speed, mi, 0),
                       format_speed(as, sizeof(as), p->speed, mi, TIME_FORMAT_UNIT));
        if (p->speed_override != 0)
                printf(" override %s%s", p->speed_override > 0 ? "+" : "",
                       format_speed(ts, sizeof(ts), p->speed_override, mi, TIME_FORMAT_UNIT));
        printf("\n");
        if (p->heart_rate)
                printf("  HR         %u bpm  %s\n", p->heart_rate, zb);
        else
                printf("  HR         -\n");
        /* Only with a footpod reporting: its pace next to the treadmill's. */
        if (isfinite(p->footpod_speed)) {
                char fp[32];

                format_pace(fp, sizeof(fp), p->footpod_speed, mi, TIME_FORMAT_UNIT);
                printf("  Footpod    %-10s %u steps/min", fp, p->cadence);
                if (isfinite(p->stride))
                        printf("  stride %.2f m", p->stride);
                printf("\n");
        }
        if (isfinite(p->alpha1))
                printf("  Alpha1     %.2f", p->alpha1);
        else
                printf("  Alpha1     -");
        if (p->crossover_kind && *p->crossover_kind)
                printf("   crossed %s at %u bpm / %s", p->crossover_kind, p->crossover_hr,
                       format_speed(ts, sizeof(ts), p->crossover_speed, mi, TIME_FORMAT_UNIT));
        printf("\n");
        if (isfinite(p->workout_distance) && p->workout_distance > 0)
                printf("  Distance   %s",
                       format_distance(ts, sizeof(ts), p->workout_distance, mi, TIME_FORMAT_UNIT));
        else
                printf("  Distance   -");
        printf("     Elapsed %s\n", elapsed);
        if (w->result[0])
                printf("\n  Result     %s\n", w->result);
        if (w->cue[0])
                printf("\n  >> %s\n", w->cue);
        fflush(stdout);
}

static void draw_line(Watch *w)
{
        const ManagerProps *p = &w->props;
        bool mi = is_imperial(p);
        char remain[32], elapsed[32], tp[32], ap[32], dist[32], fp[32];

        format_duration(remain, sizeof(remain), p->step_remaining, 0);
        format_duration(elapsed, sizeof(elapsed), p->elapsed, 0);
        format_pace(tp, sizeof(tp), p->target_speed, mi, TIME_FORMAT_UNIT);
        format_pace(ap, sizeof(ap), p->speed, mi, TIME_FORMAT_UNIT);
        printf("%-8s %s", p->state ? p->state : "?", elapsed);
        if (p->step_index >= 0) {
                printf(" step %d/%u", p->step_index + 1, p->step_count);
                if (p->step_repeat_count > 0)
                        printf(" rep %u/%u", p->step_repeat, p->step_repeat_count);
                printf(" %s (%s left)", p->step_name, remain);
        }
        printf(" | pace %s (target %s)", ap, tp);
        if (p->heart_rate) {
                printf(" | HR %u", p->heart_rate);
                if (p->zone)
                        printf(" Z%u", p->zone);
        }
        if (isfinite(p->alpha1))
                printf(" | a1 %.2f", p->alpha1);
        /* The footpod's speed in the runner's units, as the belt's pace is. */
        if (isfinite(p->footpod_speed))
                printf(" | footpod %s %u spm",
                       format_speed(fp, sizeof(fp), p->footpod_speed, mi, TIME_FORMAT_UNIT),
                       p->cadence);
        if (isfinite(p->workout_distance) && p->workout_distance > 0)
                printf(" | %s", format_distance(dist, sizeof(dist), p->workout_distance, mi,
                                                TIME_FORMAT_UNIT));
        if (p->next_action && *p->next_action)
                printf(" | %s", p->next_action);
        printf("\n");
        fflush(stdout);
}

static bool finished_state(const char *s)
{
        return s && (streq(s, "finished") || streq(s, "aborted"));
}

static int refresh(Watch *w)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        manager_props_done(&w->props);
        r = manager_props_get(w->bus, &w->props, &error);
        if (r < 0) {
                /*
                 * paced may have ended the session and exited
                 * (--exit-when-done) while we waited: its SessionFinished is
                 * then queued behind the failed call. Dispatch it first.
                 */
                while (sd_bus_process(w->bus, NULL) > 0)
                        ;
                if (w->finished_session)
                        return sd_event_exit(w->event, PACECTL_EXIT_OK);
                w->exit_code = pacectl_error_exit("lost paced", &error, r);
                return sd_event_exit(w->event, w->exit_code);
        }
        if (w->props.state && (streq(w->props.state, "running") ||
                               streq(w->props.state, "paused") || streq(w->props.state, "armed")))
                w->seen_active = true;
        if (w->json)
                status_print_json(stdout, &w->props, NULL, 0);
        else if (w->tty)
                draw_tty(w);
        else
                draw_line(w);
        fflush(stdout);
        w->count++;
        if (w->max_count && w->count >= w->max_count)
                return sd_event_exit(w->event, PACECTL_EXIT_OK);
        if (w->until_done &&
            (w->finished_session || (w->seen_active && finished_state(w->props.state))))
                return sd_event_exit(w->event, PACECTL_EXIT_OK);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        Watch *w = userdata;
        int r;

        r = refresh(w);
        if (r < 0)
                return r;
        /* Re-armed one second after the previous deadline: no drift. */
        r = sd_event_source_set_time(s, usec + USEC_PER_SEC);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

static int on_cue(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Watch *w = userdata;
        const char *kind, *text;
        int32_t secs;

        _cleanup_free_ char *clean = NULL;

        if (sd_bus_message_read(m, "ssi", &kind, &text, &secs) < 0)
                return 0;
        /* Shown on a terminal: no escape sequence gets through. */
        clean = utf8_sanitize(text);
        if (!clean)
                return 0;
        text = clean;
        snprintf(w->cue, sizeof(w->cue), "%s", text);
        utf8_truncate(w->cue, sizeof(w->cue) - 1);
        if (streq(kind, "result")) {
                snprintf(w->result, sizeof(w->result), "%s", text);
                utf8_truncate(w->result, sizeof(w->result) - 1);
        }
        w->cue_time = now_usec();
        if (w->json) {
                printf("{\"cue\":");
                pacectl_json_string(stdout, text);
                printf(",\"kind\":");
                pacectl_json_string(stdout, kind);
                printf(",\"seconds_to_change\":%d}\n", secs);
        } else if (!w->tty)
                printf("cue: %s\n", text);
        fflush(stdout);
        return 0;
}

static int on_session_finished(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Watch *w = userdata;
        const char *reason;
        uint64_t id;

        if (sd_bus_message_read(m, "ts", &id, &reason) < 0)
                return 0;
        w->finished_session = id;
        snprintf(w->finished_reason, sizeof(w->finished_reason), "%s", reason);
        if (w->json)
                printf("{\"session_finished\":%llu,\"reason\":\"%s\"}\n", (unsigned long long)id,
                       w->finished_reason);
        else {
                printf("%sSession %llu %s.\n", w->tty ? "\n" : "", (unsigned long long)id,
                       w->finished_reason);
                /* What the runner ran it for, last: the time trial's result. */
                if (w->result[0])
                        printf("Result: %s\n", w->result);
        }
        fflush(stdout);
        if (w->until_done)
                return sd_event_exit(w->event, PACECTL_EXIT_OK);
        return 0;
}

static int on_name_lost(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Watch *w = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0)
                return 0;
        if (!streq(name, PACED_BUS_NAME) || *new_owner)
                return 0;
        if (!w->json)
                printf("paced went away.\n");
        /* After the session ended, the daemon exiting (--exit-when-done) is expected. */
        w->exit_code = w->finished_session ? PACECTL_EXIT_OK : PACECTL_EXIT_UNAVAILABLE;
        return sd_event_exit(w->event, w->exit_code);
}

static int cmd_watch(int argc, char *argv[])
{
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},       {"json", no_argument, NULL, 'j'},
                {"until-done", no_argument, NULL, 'u'}, {"count", required_argument, NULL, 'n'},
                {"lines", no_argument, NULL, 'l'},      {},
        };
        Watch w = {.exit_code = PACECTL_EXIT_OK};
        bool force_lines = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "hjun:l", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        pacectl_print_usage("watch",
                                            "  --json        One JSON object per second (and "
                                            "per cue)\n"
                                            "  --until-done  Exit when the session ends\n"
                                            "  --count N     Exit after N refreshes\n"
                                            "  --lines       One line per second even on a "
                                            "terminal\n");
                        return PACECTL_EXIT_OK;
                case 'j':
                        w.json = true;
                        break;
                case 'u':
                        w.until_done = true;
                        break;
                case 'l':
                        force_lines = true;
                        break;
                case 'n': {
                        char *end;

                        w.max_count = (unsigned)strtoul(optarg, &end, 10);
                        if (*end || w.max_count == 0) {
                                fprintf(stderr, "pacectl watch: --count needs a positive "
                                                "number\n");
                                return PACECTL_EXIT_USAGE;
                        }
                        break;
                }
                default:
                        return PACECTL_EXIT_USAGE;
                }
        if (optind < argc) {
                fprintf(stderr, "pacectl watch: unexpected argument '%s'\n", argv[optind]);
                return PACECTL_EXIT_USAGE;
        }
        w.tty = !w.json && !force_lines && isatty(STDOUT_FILENO);
        manager_props_init(&w.props);

        r = pacectl_bus_open(&w.bus);
        if (r < 0)
                return pacectl_bus_open_failed(r);
        r = sd_event_default(&w.event);
        if (r >= 0)
                r = sd_bus_attach_event(w.bus, w.event, 0);
        if (r >= 0)
                r = sd_bus_match_signal(w.bus, NULL, PACED_BUS_NAME, PACED_BUS_PATH,
                                        PACED_BUS_IFACE_MANAGER, "Cue", on_cue, &w);
        if (r >= 0)
                r = sd_bus_match_signal(w.bus, NULL, PACED_BUS_NAME, PACED_BUS_PATH,
                                        PACED_BUS_IFACE_MANAGER, "SessionFinished",
                                        on_session_finished, &w);
        if (r >= 0)
                r = sd_bus_add_match(w.bus, NULL,
                                     "type='signal',sender='org.freedesktop.DBus',"
                                     "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
                                     "arg0='" PACED_BUS_NAME "'",
                                     on_name_lost, &w);
        if (r >= 0)
                r = sd_event_add_time(w.event, &w.timer, CLOCK_MONOTONIC, now_usec(), 0, on_timer,
                                      &w);
        if (r < 0) {
                w.exit_code = pacectl_error_exit("cannot watch", NULL, r);
                goto finish;
        }
        r = sd_event_loop(w.event);
        if (r < 0 && w.exit_code == PACECTL_EXIT_OK)
                w.exit_code = PACECTL_EXIT_FAILURE;
        else if (r > 0)
                w.exit_code = r;
finish:
        manager_props_done(&w.props);
        sd_event_source_unref(w.timer);
        sd_bus_flush_close_unref(w.bus);
        sd_event_unref(w.event);
        return w.exit_code;
}

PACECTL_COMMAND(watch, .name = "watch", .args = "[--json] [--until-done] [--count N]",
                .summary = "Follow the workout live: step, pace, heart rate, zone, alpha1.",
                .run = cmd_watch);
