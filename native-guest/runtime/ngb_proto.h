/* SPDX-License-Identifier: MIT */
/*
 * The xenabi guest bridge wire protocol (docs/native-guests.md), version 1.
 *
 * Every frame is little-endian and of a fixed size per type: a 16-byte header
 * followed by the type's body. This header is plain C99 with no libc
 * dependency beyond <stdint.h>, so both the runtime and the tests use it.
 */
#ifndef NGB_PROTO_H
#define NGB_PROTO_H

#include <stdint.h>
#include <stddef.h>

#define NGB_MAGIC        0x4247584eu /* "NXGB" read as a little-endian u32 */
#define NGB_VERSION      1u
#define NGB_PATH_MAX     256
#define NGB_MSG_MAX      112
#define NGB_MAX_ARGS     6

/* Frame types. G->H: the guest process sends it; H->G: the hypervisor. */
enum ngb_type {
	NGB_HELLO        = 1, /* G->H, first frame of every connection */
	NGB_WELCOME      = 2, /* H->G, answer to HELLO */
	NGB_HYPERCALL    = 3, /* G->H */
	NGB_RESULT       = 4, /* H->G, answer to HYPERCALL (same seq) */
	NGB_UPCALL       = 5, /* H->G, evtchn_upcall_pending of this vCPU went up */
	NGB_PHYSMAP      = 6, /* H->G, a gfn range changed backing */
	NGB_PHYSMAP_DONE = 7, /* G->H, PHYSMAP applied (same seq) */
	NGB_ERROR        = 8, /* H->G, last frame before the hypervisor closes */
};

struct ngb_header {
	uint32_t magic;    /* NGB_MAGIC */
	uint16_t version;  /* NGB_VERSION */
	uint16_t type;     /* enum ngb_type */
	uint32_t length;   /* whole frame in bytes, header included */
	uint32_t seq;      /* sender's sequence number; answers echo it */
};

struct ngb_hello {
	struct ngb_header h;
	uint16_t domid;
	uint16_t vcpu;
	uint32_t pid;      /* informative; the bridge checks SO_PEERCRED */
	uint64_t ram_bytes;/* size the guest mapped, 0 if it asks the bridge */
};

struct ngb_welcome {
	struct ngb_header h;
	int32_t  status;   /* 0, or a negative Xen errno (the bridge then closes) */
	uint16_t domid;
	uint16_t vcpu;
	uint32_t nr_vcpus;
	uint32_t reserved;
	uint64_t ram_bytes;
	char     ram_path[NGB_PATH_MAX]; /* absolute, NUL-terminated */
};

struct ngb_hypercall {
	struct ngb_header h;
	uint64_t op;                  /* __HYPERVISOR_* number */
	uint64_t arg[NGB_MAX_ARGS];   /* guest addresses are offsets in RAM */
};

struct ngb_result {
	struct ngb_header h;
	int64_t  result;   /* >= 0, or a negative Xen errno */
};

struct ngb_upcall {
	struct ngb_header h;
	uint32_t vcpu;
	uint32_t reserved;
};

#define NGB_PHYSMAP_UNMAPPED 0u   /* no backing: any access faults */
#define NGB_PHYSMAP_FILE     1u   /* backed by path at file_offset */
#define NGB_PROT_READ        1u
#define NGB_PROT_WRITE       2u

struct ngb_physmap {
	struct ngb_header h;
	uint64_t gfn;
	uint64_t nr_frames;
	uint32_t kind;      /* NGB_PHYSMAP_* */
	uint32_t prot;      /* NGB_PROT_* (FILE only) */
	uint64_t file_offset; /* multiple of 4096 */
	char     path[NGB_PATH_MAX]; /* absolute, NUL-terminated; "" = own RAM file */
};

struct ngb_physmap_done {
	struct ngb_header h;
	int32_t  status;   /* 0 or a negative errno of mmap */
	uint32_t reserved;
};

struct ngb_error {
	struct ngb_header h;
	int32_t  code;     /* negative Xen errno */
	uint32_t reserved;
	char     message[NGB_MSG_MAX]; /* one line, NUL-terminated */
};

/* Fixed sizes, part of the protocol (checked at compile time in ngb_proto.c). */
#define NGB_SIZE_HEADER        16u
#define NGB_SIZE_HELLO         32u
#define NGB_SIZE_WELCOME       296u
#define NGB_SIZE_HYPERCALL     72u
#define NGB_SIZE_RESULT        24u
#define NGB_SIZE_UPCALL        24u
#define NGB_SIZE_PHYSMAP       304u
#define NGB_SIZE_PHYSMAP_DONE  24u
#define NGB_SIZE_ERROR         136u
#define NGB_SIZE_MAX           304u

/* Size of a frame of the given type, 0 for an unknown type. */
uint32_t ngb_frame_size(uint16_t type);

/* Fill a header for a frame of that type. */
void ngb_init_header(struct ngb_header *h, uint16_t type, uint32_t seq);

/*
 * Check a received header: returns 0, or a negative errno naming the fault
 * (-EPROTO bad magic, -EPROTONOSUPPORT other version, -EBADMSG unknown type or
 * a length that is not the type's size). Only as far as the header goes.
 */
int ngb_check_header(const struct ngb_header *h);

/*
 * Encoding and decoding to and from the byte image on the wire. The structs
 * above have the wire layout on a little-endian machine, which is all this
 * runtime supports (checked at compile time), so these copy and check; the
 * tests drive them byte by byte against hand-built images.
 */
size_t ngb_encode(const void *frame, unsigned char *wire, size_t cap);
int ngb_decode(const unsigned char *wire, size_t len, void *frame, size_t cap);

#endif
