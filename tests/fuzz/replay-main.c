/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Replays a fuzz corpus without libFuzzer, so that every ctest run feeds the
 * seeds and every input a fuzzer ever found through the parser (and the
 * sanitizer build checks them). Arguments: files or directories.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
        FILE *f = fopen(path, "rb");
        uint8_t *buf = NULL;
        size_t n = 0, cap = 0;

        if (!f) {
                perror(path);
                return -1;
        }
        for (;;) {
                if (n == cap) {
                        uint8_t *b;

                        cap = cap ? cap * 2 : 4096;
                        b = realloc(buf, cap);
                        if (!b) {
                                free(buf);
                                fclose(f);
                                return -1;
                        }
                        buf = b;
                }
                size_t k = fread(buf + n, 1, cap - n, f);
                if (k == 0)
                        break;
                n += k;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
        free(buf);
        return 0;
}

static int replay_path(const char *path, unsigned *count)
{
        struct stat st;

        if (stat(path, &st) < 0) {
                perror(path);
                return -1;
        }
        if (S_ISDIR(st.st_mode)) {
                struct dirent **names;
                int n = scandir(path, &names, NULL, alphasort);
                int r = 0;

                if (n < 0) {
                        perror(path);
                        return -1;
                }
                for (int i = 0; i < n; i++) {
                        if (names[i]->d_name[0] != '.' && r == 0) {
                                char p[4096];

                                snprintf(p, sizeof(p), "%s/%s", path, names[i]->d_name);
                                r = replay_path(p, count);
                        }
                        free(names[i]);
                }
                free(names);
                return r;
        }
        (*count)++;
        return replay_file(path);
}

int main(int argc, char *argv[])
{
        unsigned count = 0;

        for (int i = 1; i < argc; i++)
                if (replay_path(argv[i], &count) < 0)
                        return EXIT_FAILURE;
        if (count == 0) {
                fprintf(stderr, "no corpus inputs found\n");
                return EXIT_FAILURE;
        }
        printf("replayed %u inputs\n", count);
        return EXIT_SUCCESS;
}
