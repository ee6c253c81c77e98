/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * notify-recv SOCKET FILE: a stand-in for systemd's notification socket, for
 * tests. Binds an AF_UNIX datagram socket at SOCKET (point NOTIFY_SOCKET at
 * it), and appends every message received to FILE, one line per variable
 * followed by a line "--", until killed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char buf[4096];
        FILE *out;
        int fd;

        if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
                fprintf(stderr, "usage: notify-recv SOCKET FILE\n");
                return 2;
        }
        strcpy(sa.sun_path, argv[1]);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                fprintf(stderr, "notify-recv: %s: %s\n", argv[1], strerror(errno));
                return 1;
        }
        out = fopen(argv[2], "ae");
        if (!out) {
                fprintf(stderr, "notify-recv: %s: %s\n", argv[2], strerror(errno));
                return 1;
        }
        for (;;) {
                ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        fprintf(stderr, "notify-recv: %s\n", strerror(errno));
                        return 1;
                }
                buf[n] = '\0';
                fprintf(out, "%s\n--\n", buf);
                fflush(out);
        }
}
