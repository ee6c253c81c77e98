/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "read-file.h"
#include "util.h"

int read_file_regular(const char *path, size_t max, ReadFileFlags flags, char **ret,
                      size_t *ret_len)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, cap;
        struct stat st;

        if (!path || !ret)
                return -EINVAL;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
                                ((flags & READ_FILE_NOFOLLOW) ? O_NOFOLLOW : 0));
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if ((uint64_t)st.st_size > max)
                return -EFBIG;

        /* The size may change under us: read to EOF, never past the cap. */
        cap = (size_t)st.st_size + 1;
        buf = malloc(cap + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k;

                if (n == cap) {
                        char *b;

                        if (cap > max)
                                return -EFBIG;
                        cap = MIN(cap * 2, max + 1);
                        b = realloc(buf, cap + 1);
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                }
                k = read(fd, buf + n, cap - n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return errno == EAGAIN ? -EIO : -errno;
                }
                if (k == 0)
                        break;
                n += (size_t)k;
        }
        if (n > max)
                return -EFBIG;
        buf[n] = '\0';
        if (ret_len)
                *ret_len = n;
        *ret = TAKE_PTR(buf);
        return 0;
}
