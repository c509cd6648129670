// SPDX-License-Identifier: MIT
/* The bridge framing against hand-built little-endian byte images. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../runtime/ngb_proto.h"

static int failures, checks;
#define CHECK(c) do { checks++; if (!(c)) { failures++; \
	fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); } } while (0)

static void le16(unsigned char *p, unsigned v) { p[0] = v; p[1] = v >> 8; }
static void le32(unsigned char *p, unsigned long v) { for (int i = 0; i < 4; i++) p[i] = v >> (8 * i); }
static void le64(unsigned char *p, unsigned long long v) { for (int i = 0; i < 8; i++) p[i] = v >> (8 * i); }

static void header(unsigned char *w, unsigned type, unsigned len, unsigned seq)
{
	le32(w, 0x4247584e); le16(w + 4, 1); le16(w + 6, type); le32(w + 8, len); le32(w + 12, seq);
}

static void test_sizes(void)
{
	CHECK(ngb_frame_size(NGB_HELLO) == 32);
	CHECK(ngb_frame_size(NGB_WELCOME) == 296);
	CHECK(ngb_frame_size(NGB_HYPERCALL) == 72);
	CHECK(ngb_frame_size(NGB_RESULT) == 24);
	CHECK(ngb_frame_size(NGB_UPCALL) == 24);
	CHECK(ngb_frame_size(NGB_PHYSMAP) == 304);
	CHECK(ngb_frame_size(NGB_PHYSMAP_DONE) == 24);
	CHECK(ngb_frame_size(NGB_ERROR) == 136);
	CHECK(ngb_frame_size(0) == 0 && ngb_frame_size(9) == 0);
}

static void test_hypercall_bytes(void)
{
	struct ngb_hypercall c;
	unsigned char w[NGB_SIZE_MAX], want[72] = { 0 };

	ngb_init_header(&c.h, NGB_HYPERCALL, 0x01020304);
	c.op = 32;
	for (int i = 0; i < 6; i++)
		c.arg[i] = 0x1122334455667788ULL + i;
	CHECK(ngb_encode(&c, w, sizeof(w)) == 72);
	header(want, 3, 72, 0x01020304);
	le64(want + 16, 32);
	for (int i = 0; i < 6; i++)
		le64(want + 24 + 8 * i, 0x1122334455667788ULL + i);
	CHECK(memcmp(w, want, 72) == 0);
	CHECK(ngb_encode(&c, w, 71) == 0); /* no room */
}

static void test_decode_result(void)
{
	unsigned char w[24] = { 0 };
	struct ngb_result r;

	header(w, 4, 24, 9);
	le64(w + 16, (unsigned long long)-95LL);
	CHECK(ngb_decode(w, 24, &r, sizeof(r)) == 0);
	CHECK(r.h.seq == 9 && r.result == -95);
	CHECK(ngb_decode(w, 23, &r, sizeof(r)) == -EBADMSG); /* short */
	CHECK(ngb_decode(w, 24, &r, 16) == -EBADMSG);        /* no room */
}

static void test_physmap(void)
{
	unsigned char w[304] = { 0 }, back[NGB_SIZE_MAX];
	struct ngb_physmap m;

	header(w, 6, 304, 77);
	le64(w + 16, 0x1234);  /* gfn */
	le64(w + 24, 2);       /* nr_frames */
	le32(w + 32, NGB_PHYSMAP_FILE);
	le32(w + 36, NGB_PROT_READ);
	le64(w + 40, 0x5000);  /* file_offset */
	strcpy((char *)w + 48, "/run/xenabi/dom3/grant-7");
	CHECK(ngb_decode(w, 304, &m, sizeof(m)) == 0);
	CHECK(m.gfn == 0x1234 && m.nr_frames == 2 && m.kind == 1 && m.prot == 1);
	CHECK(m.file_offset == 0x5000 && strcmp(m.path, "/run/xenabi/dom3/grant-7") == 0);
	CHECK(ngb_encode(&m, back, sizeof(back)) == 304 && memcmp(back, w, 304) == 0);
	memset(w + 48, 'x', 256);  /* a path without its NUL */
	CHECK(ngb_decode(w, 304, &m, sizeof(m)) == -EBADMSG);
}

static void test_hello_welcome_roundtrip(void)
{
	struct ngb_hello h, h2;
	struct ngb_welcome wl, wl2;
	unsigned char w[NGB_SIZE_MAX];

	ngb_init_header(&h.h, NGB_HELLO, 0);
	h.domid = 7; h.vcpu = 3; h.pid = 4242; h.ram_bytes = 64ULL << 20;
	CHECK(ngb_encode(&h, w, sizeof(w)) == 32);
	CHECK(w[16] == 7 && w[17] == 0 && w[18] == 3 && w[19] == 0);
	CHECK(ngb_decode(w, 32, &h2, sizeof(h2)) == 0 && memcmp(&h, &h2, 32) == 0);

	ngb_init_header(&wl.h, NGB_WELCOME, 0);
	wl.status = -16; wl.domid = 7; wl.vcpu = 3; wl.nr_vcpus = 4; wl.ram_bytes = 1 << 24;
	strcpy(wl.ram_path, "/home/x/run/dom7.ram");
	CHECK(ngb_encode(&wl, w, sizeof(w)) == 296);
	CHECK(w[16] == 0xf0 && w[17] == 0xff && w[18] == 0xff && w[19] == 0xff); /* -16 LE */
	CHECK(ngb_decode(w, 296, &wl2, sizeof(wl2)) == 0 && wl2.status == -16 &&
	      strcmp(wl2.ram_path, wl.ram_path) == 0);
}

static void test_bad_headers(void)
{
	unsigned char w[24] = { 0 };
	struct ngb_result r;

	header(w, 4, 24, 1);
	w[0] ^= 1;
	CHECK(ngb_decode(w, 24, &r, sizeof(r)) == -EPROTO);
	header(w, 4, 24, 1);
	le16(w + 4, 2);
	CHECK(ngb_decode(w, 24, &r, sizeof(r)) == -EPROTONOSUPPORT);
	header(w, 99, 24, 1);
	CHECK(ngb_decode(w, 24, &r, sizeof(r)) == -EBADMSG);
	header(w, 4, 32, 1);   /* a length that is not the type's */
	CHECK(ngb_decode(w, 24, &r, sizeof(r)) == -EBADMSG);
	header(w, 5, 24, 1);   /* UPCALL is 24 too: accepted */
	CHECK(ngb_decode(w, 24, &r, sizeof(r)) == 0);
}

static void test_error_message(void)
{
	struct ngb_error e;
	unsigned char w[NGB_SIZE_MAX];

	ngb_init_header(&e.h, NGB_ERROR, 5);
	e.code = -14;
	memset(e.message, 'm', sizeof(e.message));
	CHECK(ngb_encode(&e, w, sizeof(w)) == 0); /* refuses an unterminated message */
	strcpy(e.message, "pointer outside RAM");
	CHECK(ngb_encode(&e, w, sizeof(w)) == 136);
}

int main(void)
{
	test_sizes();
	test_hypercall_bytes();
	test_decode_result();
	test_physmap();
	test_hello_welcome_roundtrip();
	test_bad_headers();
	test_error_message();
	printf("test-proto: %d checks, %d failed\n", checks, failures);
	return failures != 0;
}
