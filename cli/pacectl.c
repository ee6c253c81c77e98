/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pacectl: control and inspect paced. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacectl.h"
#include "util.h"

extern const PacectlCommand *const __start_pacectl_commands[];
extern const PacectlCommand *const __stop_pacectl_commands[];

static const PacectlCommand *command_find(const char *name)
{
        for (const PacectlCommand *const *c = __start_pacectl_commands; c < __stop_pacectl_commands;
             c++)
                if (streq((*c)->name, name))
                        return *c;
        return NULL;
}

const char *pacectl_command_name(const char *argv0)
{
        static const char prefix[] = "pacectl ";

        return strncmp(argv0, prefix, strlen(prefix)) == 0 ? argv0 + strlen(prefix) : argv0;
}

void pacectl_print_usage(const char *name, const char *options_help)
{
        const PacectlCommand *c = command_find(pacectl_command_name(name));

        if (!c)
                return;
        printf("Usage: pacectl %s %s\n\n%s\n", c->name, c->args ? c->args : "", c->summary);
        if (options_help)
                printf("\nOptions:\n%s", options_help);
}

/* "pacectl NAME", a command's argv[0] (see pacectl_command_name()). */
static char *command_argv0(const PacectlCommand *c)
{
        static char buf[64];

        snprintf(buf, sizeof(buf), "pacectl %s", c->name);
        return buf;
}

/* The command list in the order a runner meets them, grouped as systemctl
 * groups its own (the linker section's order is the link order, which
 * says nothing). */
static const struct {
        const char *title;
        const char *names; /* space-separated */
} help_groups[] = {
        {"Workout", "status watch start pause resume stop skip extend faster slower speed"},
        {"Library and plan", "workouts validate export-workout schedule plan profile"},
        {"Sessions", "history show report export delete analyze thresholds"},
        {"Devices and services", "devices calibrate web sync sim decode version"},
};

/* Whether name is a word of the space-separated list. */
static bool word_in(const char *list, const char *name)
{
        size_t n = strlen(name);

        for (const char *p = list; (p = strstr(p, name)); p += n)
                if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
                        return true;
        return false;
}

static bool command_placed(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(help_groups); i++)
                if (word_in(help_groups[i].names, name))
                        return true;
        return false;
}

static void help_command(const PacectlCommand *c)
{
        printf("  %-14s %s\n", c->name, c->summary);
}

static void help(void)
{
        bool other = false;

        printf("Usage: pacectl [--version] [--bus ADDRESS] [COMMAND [ARGS...]]\n\n"
               "Control and inspect paced, the treadmill workout daemon. Without a command:\n"
               "status.\n");
        for (size_t i = 0; i < ELEMENTSOF(help_groups); i++) {
                const char *p = help_groups[i].names;

                printf("\n%s:\n", help_groups[i].title);
                while (*p) {
                        char name[32];
                        size_t n = strcspn(p, " ");
                        const PacectlCommand *c;

                        snprintf(name, sizeof(name), "%.*s", (int)n, p);
                        c = command_find(name);
                        if (c)
                                help_command(c);
                        p += n + (p[n] == ' ');
                }
        }
        /* A command not placed above is still listed, never hidden. */
        for (const PacectlCommand *const *c = __start_pacectl_commands; c < __stop_pacectl_commands;
             c++)
                if (!command_placed((*c)->name)) {
                        if (!other)
                                printf("\nOther:\n");
                        other = true;
                        help_command(*c);
                }
        printf("\nRun 'pacectl help COMMAND' (or 'pacectl COMMAND --help') for a command's "
               "options.\n");
}

/*
 * Global options before the command. --bus reaches paced on another bus
 * than the system bus (tests use a private one); it is passed to the
 * commands as PACED_BUS_ADDRESS, which may also be set directly.
 */
static int parse_global(int *argc, char ***argv)
{
        while (*argc >= 2 && strncmp((*argv)[1], "--bus", 5) == 0) {
                const char *value;

                if ((*argv)[1][5] == '=')
                        value = (*argv)[1] + 6;
                else if ((*argv)[1][5] == '\0' && *argc >= 3) {
                        value = (*argv)[2];
                        (*argc)--;
                        (*argv)++;
                } else {
                        fprintf(stderr, "pacectl: --bus needs an address (or 'system')\n");
                        return -1;
                }
                if (streq(value, "system"))
                        unsetenv("PACED_BUS_ADDRESS");
                else
                        setenv("PACED_BUS_ADDRESS", value, 1);
                (*argc)--;
                (*argv)++;
        }
        return 0;
}

int main(int argc, char *argv[])
{
        const PacectlCommand *c;

        if (parse_global(&argc, &argv) < 0)
                return PACECTL_EXIT_USAGE;

        /* pacectl help CMD: the command's own help, as CMD --help. */
        if (argc == 3 && streq(argv[1], "help")) {
                char *help_argv[] = {NULL, (char *)"--help", NULL};

                c = command_find(argv[2]);
                if (!c) {
                        fprintf(stderr, "pacectl: unknown command '%s' (see 'pacectl --help')\n",
                                argv[2]);
                        return PACECTL_EXIT_USAGE;
                }
                help_argv[0] = command_argv0(c);
                return c->run(2, help_argv);
        }
        /* Bare pacectl: the status, as bare systemctl, timedatectl and
         * iwctl's first screen show what is going on. */
        if (argc < 2) {
                static char status[] = "status";
                char *args[] = {status, NULL};

                c = command_find("status");
                if (c) {
                        args[0] = command_argv0(c);
                        return c->run(1, args);
                }
        }
        if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h") ||
            streq(argv[1], "help")) {
                help();
                return PACECTL_EXIT_OK;
        }
        if (streq(argv[1], "--version")) {
                printf("pacectl %s\n", PACED_VERSION);
                return PACECTL_EXIT_OK;
        }
        c = command_find(argv[1]);
        if (!c) {
                fprintf(stderr, "pacectl: unknown command '%s' (see 'pacectl --help')\n", argv[1]);
                return PACECTL_EXIT_USAGE;
        }
        argv[1] = command_argv0(c);
        return c->run(argc - 1, argv + 1);
}
