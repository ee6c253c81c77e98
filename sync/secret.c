/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret.h"

Secret *secret_free(Secret *s)
{
        if (!s)
                return NULL;
        if (s->value) {
                explicit_bzero(s->value, s->map_size);
                munlock(s->value, s->map_size);
                munmap(s->value, s->map_size);
        }
        free(s);
        return NULL;
}

static int secret_alloc(size_t size, Secret **ret)
{
        _cleanup_(secret_freep) Secret *s = calloc(1, sizeof(*s));
        long page = sysconf(_SC_PAGESIZE);
        void *p;

        if (!s)
                return -ENOMEM;
        s->map_size = ((size + 1 + (size_t)page - 1) / (size_t)page) * (size_t)page;
        p = mmap(NULL, s->map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
                return -errno;
        s->value = p;
        /* Out of core dumps; out of swap where RLIMIT_MEMLOCK allows (best effort). */
        (void)madvise(p, s->map_size, MADV_DONTDUMP);
        (void)mlock(p, s->map_size);
        *ret = TAKE_PTR(s);
        return 0;
}

int secret_new(const char *value, Secret **ret)
{
        size_t n = strlen(value);
        Secret *s;
        int r;

        if (n > SECRET_MAX)
                return -EFBIG;
        r = secret_alloc(n, &s);
        if (r < 0)
                return r;
        memcpy(s->value, value, n + 1);
        s->size = n;
        *ret = s;
        return 0;
}

static int read_fd(int fd, Secret **ret)
{
        _cleanup_(secret_freep) Secret *s = NULL;
        size_t n = 0;
        int r;

        r = secret_alloc(SECRET_MAX + 1, &s);
        if (r < 0)
                return r;
        for (;;) {
                ssize_t k = read(fd, s->value + n, SECRET_MAX + 1 - n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += (size_t)k;
                if (n > SECRET_MAX)
                        return -EFBIG;
        }
        /* A file written with echo ends in a newline that is not part of the key. */
        while (n > 0 && (s->value[n - 1] == '\n' || s->value[n - 1] == '\r'))
                n--;
        s->value[n] = '\0';
        if (n == 0)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)s->value[i] <= 0x20 || (unsigned char)s->value[i] == 0x7f)
                        return -EBADMSG;
        s->size = n;
        *ret = TAKE_PTR(s);
        return 0;
}

int secret_read_file(const char *path, Secret **ret)
{
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADMSG;
        /* Like ssh with a private key: a secret others can read is refused. */
        if (st.st_mode & (S_IRWXG | S_IRWXO))
                return -EPERM;
        return read_fd(fd, ret);
}

int secret_read_credential(const char *name, Secret **ret)
{
        _cleanup_close_ int dfd = -EBADF, fd = -EBADF;
        const char *dir = getenv("CREDENTIALS_DIRECTORY");

        if (!dir || dir[0] != '/' || strchr(name, '/'))
                return -ENOENT;
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        return read_fd(fd, ret);
}

int secret_write_file(const char *path, const char *value)
{
        _cleanup_free_ char *tmp = NULL;
        size_t n = strlen(value);
        int fd, r = 0;

        if (asprintf(&tmp, "%s.tmp", path) < 0)
                return -ENOMEM;
        (void)unlink(tmp);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        if (write(fd, value, n) != (ssize_t)n || write(fd, "\n", 1) != 1)
                r = errno ? -errno : -EIO;
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void)unlink(tmp);
        return r;
}
