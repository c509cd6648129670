/* SPDX-License-Identifier: MIT */
/* Frame sizes, header checks, encoding and decoding of the bridge protocol. */
#include <errno.h>
#include <string.h>
#include "ngb_proto.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the guest bridge runtime supports little-endian hosts only"
#endif

_Static_assert(sizeof(struct ngb_header) == NGB_SIZE_HEADER, "header");
_Static_assert(sizeof(struct ngb_hello) == NGB_SIZE_HELLO, "hello");
_Static_assert(sizeof(struct ngb_welcome) == NGB_SIZE_WELCOME, "welcome");
_Static_assert(sizeof(struct ngb_hypercall) == NGB_SIZE_HYPERCALL, "hypercall");
_Static_assert(sizeof(struct ngb_result) == NGB_SIZE_RESULT, "result");
_Static_assert(sizeof(struct ngb_upcall) == NGB_SIZE_UPCALL, "upcall");
_Static_assert(sizeof(struct ngb_physmap) == NGB_SIZE_PHYSMAP, "physmap");
_Static_assert(sizeof(struct ngb_physmap_done) == NGB_SIZE_PHYSMAP_DONE, "done");
_Static_assert(sizeof(struct ngb_error) == NGB_SIZE_ERROR, "error");
_Static_assert(offsetof(struct ngb_hypercall, arg) == 24, "args");
_Static_assert(offsetof(struct ngb_physmap, path) == 48, "path");
_Static_assert(offsetof(struct ngb_welcome, ram_path) == 40, "ram_path");

uint32_t ngb_frame_size(uint16_t type)
{
	switch (type) {
	case NGB_HELLO: return NGB_SIZE_HELLO;
	case NGB_WELCOME: return NGB_SIZE_WELCOME;
	case NGB_HYPERCALL: return NGB_SIZE_HYPERCALL;
	case NGB_RESULT: return NGB_SIZE_RESULT;
	case NGB_UPCALL: return NGB_SIZE_UPCALL;
	case NGB_PHYSMAP: return NGB_SIZE_PHYSMAP;
	case NGB_PHYSMAP_DONE: return NGB_SIZE_PHYSMAP_DONE;
	case NGB_ERROR: return NGB_SIZE_ERROR;
	default: return 0;
	}
}

void ngb_init_header(struct ngb_header *h, uint16_t type, uint32_t seq)
{
	uint32_t size = ngb_frame_size(type);

	memset(h, 0, size ? size : sizeof(*h));
	h->magic = NGB_MAGIC;
	h->version = NGB_VERSION;
	h->type = type;
	h->length = size;
	h->seq = seq;
}

int ngb_check_header(const struct ngb_header *h)
{
	uint32_t size;

	if (h->magic != NGB_MAGIC)
		return -EPROTO;
	if (h->version != NGB_VERSION)
		return -EPROTONOSUPPORT;
	size = ngb_frame_size(h->type);
	if (size == 0 || h->length != size)
		return -EBADMSG;
	return 0;
}

/* The string fields of a frame must hold a NUL inside their field. */
static int strings_terminated(const void *frame, uint16_t type)
{
	const struct ngb_welcome *w = frame;
	const struct ngb_physmap *p = frame;
	const struct ngb_error *e = frame;

	switch (type) {
	case NGB_WELCOME:
		return memchr(w->ram_path, 0, NGB_PATH_MAX) != NULL;
	case NGB_PHYSMAP:
		return memchr(p->path, 0, NGB_PATH_MAX) != NULL;
	case NGB_ERROR:
		return memchr(e->message, 0, NGB_MSG_MAX) != NULL;
	default:
		return 1;
	}
}

size_t ngb_encode(const void *frame, unsigned char *wire, size_t cap)
{
	const struct ngb_header *h = frame;

	if (ngb_check_header(h) != 0 || h->length > cap || !strings_terminated(frame, h->type))
		return 0;
	memcpy(wire, frame, h->length);
	return h->length;
}

int ngb_decode(const unsigned char *wire, size_t len, void *frame, size_t cap)
{
	struct ngb_header h;
	int rc;

	if (len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, wire, sizeof(h));
	rc = ngb_check_header(&h);
	if (rc != 0)
		return rc;
	if (len != h.length || cap < h.length)
		return -EBADMSG;
	memcpy(frame, wire, h.length);
	if (!strings_terminated(frame, h.type))
		return -EBADMSG;
	return 0;
}
