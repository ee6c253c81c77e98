/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Reading a whole small file without being tricked into blocking: the
 * file is opened O_NONBLOCK (a FIFO's open() would otherwise wait for a
 * writer, and its read() for data), it must be a regular file (a FIFO, a
 * device or a directory is refused after open, before any read), and it is
 * read up to a cap. READ_FILE_NOFOLLOW refuses a symbolic link at the last
 * component: the daemon reads only files that are what they say they are.
 */

#include <stddef.h>

typedef enum ReadFileFlags {
        READ_FILE_NOFOLLOW = 1 << 0, /* a symbolic link is -ELOOP */
} ReadFileFlags;

/*
 * Reads path into a NUL-terminated malloc'd buffer (*ret_len excludes the
 * NUL; ret_len may be NULL). Errors: the open()'s errno (-ENOENT, -EACCES,
 * -ELOOP for a link with READ_FILE_NOFOLLOW), -EISDIR, -EBADFD for any other
 * file that is not regular, -EFBIG past max bytes, -EIO.
 */
int read_file_regular(const char *path, size_t max, ReadFileFlags flags, char **ret,
                      size_t *ret_len);
