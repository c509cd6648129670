// SPDX-License-Identifier: MIT
/*
 * Guest-RAM allocator: every page, object, stack and per-CPU area the guest
 * uses lies inside the RAM mapping, so each pointer is a guest address.
 * Pages: first fit, naturally aligned to their order, over a bitmap.
 * Objects up to 2 KiB: power-of-two classes carved from pages; larger ones
 * get whole pages. What each frame holds is kept outside guest RAM, where
 * the guest cannot corrupt it.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "alloc.h"
#include "../shim/include/ng/host.h"

#define FRAME 4096UL
#define NR_CLASSES 7            /* 32, 64, ..., 2048 */
#define MIN_SHIFT 5
#define KIND_FREE 0
#define KIND_PAGE_HEAD(o) (0x10 + (o))   /* start of a page allocation */
#define KIND_PAGE_TAIL 0x08
#define KIND_SLAB(c) (0x40 + (c))

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *ram;
static unsigned long nr_frames, first, used;
static unsigned char *kind;           /* one byte per frame */
static void *free_obj[NR_CLASSES];    /* singly linked through the objects */

int ng_alloc_init(char *base, unsigned long size, unsigned long first_frame)
{
	ram = base;
	nr_frames = size / FRAME;
	first = first_frame;
	used = 0;
	memset(free_obj, 0, sizeof(free_obj));
	free(kind);
	kind = calloc(nr_frames ? nr_frames : 1, 1);
	return kind && first < nr_frames ? 0 : -1;
}

void ng_alloc_set_floor(unsigned long frame)
{
	pthread_mutex_lock(&lock);
	if (frame > first && frame < nr_frames)
		first = frame;
	pthread_mutex_unlock(&lock);
}

unsigned long ng_alloc_frames_used(void)
{
	return used;
}

static void *pages_locked(unsigned int order)
{
	unsigned long n = 1UL << order, f, i;

	for (f = (first + n - 1) & ~(n - 1); f + n <= nr_frames; f += n) {
		for (i = 0; i < n && kind[f + i] == KIND_FREE; i++)
			;
		if (i == n) {
			kind[f] = KIND_PAGE_HEAD(order);
			for (i = 1; i < n; i++)
				kind[f + i] = KIND_PAGE_TAIL;
			used += n;
			return ram + f * FRAME;
		}
	}
	return NULL;
}

static long frame_of(const void *p)
{
	const char *c = p;

	if (!ram || c < ram || c >= ram + nr_frames * FRAME)
		return -1;
	return (c - ram) / FRAME;
}

void *ng_alloc_pages(unsigned int order, int zero)
{
	void *p;

	if (order > 20)
		return NULL;
	pthread_mutex_lock(&lock);
	p = pages_locked(order);
	pthread_mutex_unlock(&lock);
	if (p && zero)
		memset(p, 0, FRAME << order);
	return p;
}

void ng_free_pages(void *p, unsigned int order)
{
	long f = frame_of(p);
	unsigned long i;

	if (f < 0 || ((unsigned long)((char *)p - ram) % FRAME) != 0)
		ng_panic("free_pages(%p): not a page of guest RAM", p);
	pthread_mutex_lock(&lock);
	if (kind[f] != KIND_PAGE_HEAD(order)) {
		pthread_mutex_unlock(&lock);
		ng_panic("free_pages(%p, %u): not an allocation of that order", p, order);
	}
	for (i = 0; i < (1UL << order); i++)
		kind[f + i] = KIND_FREE;
	used -= 1UL << order;
	pthread_mutex_unlock(&lock);
}

static int class_of(unsigned long size)
{
	int c = 0;

	while ((1UL << (c + MIN_SHIFT)) < size)
		c++;
	return c;
}

void *ng_kmalloc(unsigned long size, int zero)
{
	void *p = NULL;
	int c;

	if (size == 0)
		size = 1;
	if (size > (1UL << (MIN_SHIFT + NR_CLASSES - 1))) {
		unsigned int order = 0;

		while ((FRAME << order) < size)
			order++;
		return ng_alloc_pages(order, zero);
	}
	c = class_of(size);
	pthread_mutex_lock(&lock);
	if (!free_obj[c]) {
		char *page = pages_locked(0);
		unsigned long objsz = 1UL << (c + MIN_SHIFT), off;

		if (page) {
			kind[frame_of(page)] = KIND_SLAB(c);
			for (off = FRAME; off >= objsz; off -= objsz) {
				void **o = (void **)(page + off - objsz);

				*o = free_obj[c];
				free_obj[c] = o;
			}
		}
	}
	if (free_obj[c]) {
		p = free_obj[c];
		free_obj[c] = *(void **)p;
	}
	pthread_mutex_unlock(&lock);
	if (p && zero)
		memset(p, 0, 1UL << (c + MIN_SHIFT));
	return p;
}

void ng_kfree(const void *p)
{
	long f;
	unsigned char k;

	if (!p)
		return;
	f = frame_of(p);
	if (f < 0)
		ng_panic("kfree(%p): outside guest RAM", p);
	k = kind[f];
	if (k >= KIND_SLAB(0) && k < KIND_SLAB(NR_CLASSES)) {
		int c = k - KIND_SLAB(0);

		if (((const char *)p - ram) % (1UL << (c + MIN_SHIFT)))
			ng_panic("kfree(%p): not an object start", p);
		pthread_mutex_lock(&lock);
		*(void **)p = free_obj[c];
		free_obj[c] = (void *)p;
		pthread_mutex_unlock(&lock);
		return;
	}
	if (k >= KIND_PAGE_HEAD(0) && k <= KIND_PAGE_HEAD(20)) {
		ng_free_pages((void *)p, k - KIND_PAGE_HEAD(0));
		return;
	}
	ng_panic("kfree(%p): not allocated", p);
}
