/* SPDX-License-Identifier: MIT */
/*
 * xlcfg-dump: reads an xl.cfg file with Xen's own libxlutil and prints, for each key xenabi
 * reads, what libxlutil made of it. xenabi's differential test (toolstack) runs this and
 * xenabi's parser on the same files and requires the same verdict and the same values.
 *
 * Usage: xlcfg-dump FILE KEY...
 *        xlcfg-dump --batch KEY...   reads one FILE per line on stdin; for each prints
 *                                    "file<TAB>FILE", its lines as below, then "end"
 * Output, one line each:
 *   parse<TAB>ok                       the file was accepted
 *   parse<TAB>refused<TAB>ERRNO        xlu_cfg_readfile failed (then nothing else is printed)
 *   parse<TAB>crashed<TAB>SIGNAL       (batch mode) libxlutil killed the process reading it
 *   KEY<TAB>absent
 *   KEY<TAB>string<TAB>ESC<TAB>long<TAB>N|error<TAB>ERRNO
 *   KEY<TAB>list<TAB>COUNT<TAB>ITEM...  each ITEM is s:ESC for a string or l:COUNT for a nested list
 * ESC is the value with \\, \t, \n and every byte outside 0x20-0x7e written as \xHH.
 * libxlutil's own diagnostics go to stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libxlutil.h>

static void put_escaped(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\\')
            fputs("\\\\", stdout);
        else if (*p < 0x20 || *p > 0x7e)
            printf("\\x%02x", *p);
        else
            putchar(*p);
    }
}

static void dump_key(XLU_Config *cfg, const char *key)
{
    const char *str;
    XLU_ConfigList *list;
    int count;

    if (xlu_cfg_get_string(cfg, key, &str, 1) == 0) {
        long value;
        int rc;

        printf("%s\tstring\t", key);
        put_escaped(str);
        rc = xlu_cfg_get_long(cfg, key, &value, 1);
        if (rc == 0)
            printf("\tlong\t%ld\n", value);
        else
            printf("\tlong\terror\t%d\n", rc);
        return;
    }
    if (xlu_cfg_get_list(cfg, key, &list, &count, 1) == 0) {
        printf("%s\tlist\t%d", key, count);
        for (int i = 0; i < count; i++) {
            XLU_ConfigValue *item = xlu_cfg_get_listitem2(list, i);

            if (item && xlu_cfg_value_type(item) == XLU_STRING) {
                fputs("\ts:", stdout);
                put_escaped(xlu_cfg_get_listitem(list, i));
            } else if (item) {
                XLU_ConfigList *inner;
                int n = 0;

                if (xlu_cfg_value_get_list(cfg, item, &inner, 1) == 0)
                    while (xlu_cfg_get_listitem2(inner, n))
                        n++;
                printf("\tl:%d", n);
            }
        }
        putchar('\n');
        return;
    }
    printf("%s\tabsent\n", key);
}

/* Reads FILE and prints what libxlutil made of each key; returns the exit status. */
static int dump_file(const char *file, int nkeys, char **keys)
{
    XLU_Config *cfg;
    int rc;

    cfg = xlu_cfg_init(stderr, file);
    if (!cfg) {
        fprintf(stderr, "xlcfg-dump: out of memory\n");
        return 2;
    }
    rc = xlu_cfg_readfile(cfg, file);
    if (rc) {
        printf("parse\trefused\t%d\n", rc);
        xlu_cfg_destroy(cfg);
        return 0;
    }
    printf("parse\tok\n");
    for (int i = 0; i < nkeys; i++)
        dump_key(cfg, keys[i]);
    xlu_cfg_destroy(cfg);
    return 0;
}

/*
 * Batch mode: each file is read in a child process of its own, so that a file on which
 * libxlutil aborts (it asserts on a NUL byte inside a string) is reported and the batch goes on.
 */
static int batch(int nkeys, char **keys)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;

    while ((len = getline(&line, &cap, stdin)) > 0) {
        pid_t pid;
        int status;

        if (line[len - 1] == '\n')
            line[--len] = 0;
        printf("file\t%s\n", line);
        fflush(stdout);
        pid = fork();
        if (pid < 0) {
            perror("xlcfg-dump: fork");
            return 2;
        }
        if (pid == 0) {
            int rc = dump_file(line, nkeys, keys);

            fflush(stdout);
            _exit(rc);
        }
        if (waitpid(pid, &status, 0) < 0) {
            perror("xlcfg-dump: waitpid");
            return 2;
        }
        if (WIFSIGNALED(status))
            printf("parse\tcrashed\t%d\n", WTERMSIG(status));
        else if (WEXITSTATUS(status) != 0)
            return WEXITSTATUS(status);
        printf("end\n");
        fflush(stdout);
    }
    free(line);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--batch") == 0)
        return batch(argc - 2, argv + 2);
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE KEY... | --batch KEY...\n", argv[0]);
        return 2;
    }
    return dump_file(argv[1], argc - 2, argv + 2);
}
