/* SPDX-License-Identifier: MIT */
/*
 * xlcfg-dump: reads an xl.cfg file with Xen's own libxlutil and prints, for each key xenabi
 * reads, what libxlutil made of it. xenabi's differential test (toolstack) runs this and
 * xenabi's parser on the same files and requires the same verdict and the same values.
 *
 * Usage: xlcfg-dump FILE KEY...
 * Output, one line each:
 *   parse<TAB>ok                       the file was accepted
 *   parse<TAB>refused<TAB>ERRNO        xlu_cfg_readfile failed (then nothing else is printed)
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

int main(int argc, char **argv)
{
    XLU_Config *cfg;
    int rc;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE KEY...\n", argv[0]);
        return 2;
    }
    cfg = xlu_cfg_init(stderr, argv[1]);
    if (!cfg) {
        fprintf(stderr, "%s: out of memory\n", argv[0]);
        return 2;
    }
    rc = xlu_cfg_readfile(cfg, argv[1]);
    if (rc) {
        printf("parse\trefused\t%d\n", rc);
        xlu_cfg_destroy(cfg);
        return 0;
    }
    printf("parse\tok\n");
    for (int i = 2; i < argc; i++)
        dump_key(cfg, argv[i]);
    xlu_cfg_destroy(cfg);
    return 0;
}
