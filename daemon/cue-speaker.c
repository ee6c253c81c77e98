/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cue-speaker.h"
#include "log.h"
#include "util.h"

extern char **environ;

/* One espeak-ng run: its error output lands in a memfd (never a pipe that
 * could fill and block it), read once it has exited. */
typedef struct Utterance {
        CueSpeaker *speaker;
        uint64_t now;
        int err_fd;
} Utterance;

static void utterance_free(Utterance *u)
{
        if (!u)
                return;
        if (u->err_fd >= 0)
                close(u->err_fd);
        free(u);
}

/* The first line espeak-ng (or ALSA under it) wrote, for the one warning. */
static void read_first_line(int fd, char *buf, size_t size)
{
        ssize_t n;

        buf[0] = '\0';
        n = pread(fd, buf, size - 1, 0);
        if (n <= 0)
                return;
        buf[n] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        for (char *p = buf; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        *p = ' ';
}

static void speaker_failed(CueSpeaker *s, uint64_t now, const char *why)
{
        uint64_t quiet = CUE_SPEAKER_QUIET_MIN_USEC;

        for (unsigned i = 0; i < s->failures && quiet < CUE_SPEAKER_QUIET_MAX_USEC; i++)
                quiet *= 2;
        if (quiet > CUE_SPEAKER_QUIET_MAX_USEC)
                quiet = CUE_SPEAKER_QUIET_MAX_USEC;
        s->failures++;
        s->quiet_until = now + quiet;
        if (!s->warned)
                log_warning("Cannot speak cues (%s); trying again later, with longer pauses. "
                            "Is there a sound device? See \"SPOKEN CUES\" in paced(8).",
                            why);
        else
                log_debug("Still cannot speak cues (%s); quiet for %llu s.", why,
                          (unsigned long long)(quiet / 1000000ULL));
        s->warned = true;
}

static void speaker_succeeded(CueSpeaker *s)
{
        if (s->warned)
                log_info("Spoken cues work again.");
        s->failures = 0;
        s->quiet_until = 0;
        s->warned = false;
}

static int on_speaker_exit(sd_event_source *source, const siginfo_t *si, void *userdata)
{
        Utterance *u = userdata;
        CueSpeaker *s = u->speaker;
        char line[160], why[200];
        struct stat st;
        bool wrote = u->err_fd >= 0 && fstat(u->err_fd, &st) == 0 && st.st_size > 0;

        s->running--;
        if (si->si_code == CLD_EXITED && si->si_status == 0 && !wrote)
                speaker_succeeded(s);
        else {
                read_first_line(u->err_fd, line, sizeof(line));
                if (si->si_code == CLD_EXITED)
                        snprintf(why, sizeof(why), "espeak-ng exited with status %d%s%s",
                                 si->si_status, line[0] ? ": " : "", line);
                else
                        snprintf(why, sizeof(why), "espeak-ng was killed by signal %d",
                                 si->si_status);
                speaker_failed(s, u->now, why);
        }
        utterance_free(u);
        sd_event_source_unref(source);
        return 0;
}

void cue_speaker_init(CueSpeaker *s, sd_event *event)
{
        *s = (CueSpeaker){.event = event};
}

void cue_speaker_say(CueSpeaker *s, uint64_t now, const char *voice, const char *text)
{
        const char *argv_voice[] = {"espeak-ng", "-v", voice, "--", text, NULL};
        const char *argv_plain[] = {"espeak-ng", "--", text, NULL};
        posix_spawn_file_actions_t actions;
        sd_event_source *child = NULL;
        Utterance *u;
        pid_t pid;
        int r;

        if (now < s->quiet_until || s->running >= CUE_SPEAKER_MAX_RUNNING)
                return;
        u = calloc(1, sizeof(*u));
        if (!u)
                return;
        *u = (Utterance){.speaker = s, .now = now, .err_fd = -1};
        u->err_fd = memfd_create("espeak-ng-stderr", MFD_CLOEXEC);
        if (u->err_fd < 0) {
                log_debug_errno(errno, "Cannot speak the cue: memfd_create: %m");
                utterance_free(u);
                return;
        }
        r = posix_spawn_file_actions_init(&actions);
        if (r != 0) {
                utterance_free(u);
                return;
        }
        /* Its output goes nowhere, its errors to the memfd: never the journal. */
        r = posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        if (r == 0)
                r = posix_spawn_file_actions_adddup2(&actions, u->err_fd, STDERR_FILENO);
        /* Fire and forget: audio never holds up or breaks the workout. */
        if (r == 0)
                r = posix_spawnp(&pid, "espeak-ng", &actions, NULL,
                                 (char *const *)(voice ? argv_voice : argv_plain), environ);
        posix_spawn_file_actions_destroy(&actions);
        if (r != 0) {
                char why[80];

                snprintf(why, sizeof(why), "espeak-ng: %s", strerror(r));
                utterance_free(u);
                speaker_failed(s, now, why);
                return;
        }
        /* Reaped by sd-event; the source frees itself when the child is gone. */
        r = sd_event_add_child(s->event, &child, pid, WEXITED, on_speaker_exit, u);
        if (r < 0) {
                log_debug_errno(r, "Cannot watch espeak-ng: %m");
                utterance_free(u);
                return;
        }
        s->running++;
}
