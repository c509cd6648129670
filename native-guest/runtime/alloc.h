/* SPDX-License-Identifier: MIT */
/* The guest-RAM allocator of the runtime (pages and small objects). */
#ifndef NG_ALLOC_H
#define NG_ALLOC_H
#include <stddef.h>

/* Manage frames [first_frame, size / 4096) of the RAM at base. Returns 0 or -1. */
int ng_alloc_init(char *base, unsigned long size, unsigned long first_frame);
/* Hand out no frame below this one from now on (frames already given stay). */
void ng_alloc_set_floor(unsigned long frame);
/* Frames in use (pages handed out, including those slabs carve). */
unsigned long ng_alloc_frames_used(void);
#endif
