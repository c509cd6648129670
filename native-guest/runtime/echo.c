// SPDX-License-Identifier: MIT
/*
 * The runtime's echo mode (native-guest --echo PATH): the bare transport, no
 * hypervisor. It listens on a Unix socket at PATH and serves one connection
 * with the runtime's own framing (ng_recv_frame, ng_send_frame): a HELLO gets
 * a WELCOME (status 0, one vCPU, no RAM), each HYPERCALL a RESULT of 0 with
 * its seq. A benchmark measures a hypercall round trip against the bridge
 * and against this, the same socket type and frames both ways.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "ngb_proto.h"
#include "runtime.h"

int ng_echo(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	union { struct ngb_header h; unsigned char b[NGB_SIZE_MAX]; } in;
	int ls, fd;

	if (strlen(path) >= sizeof(a.sun_path)) {
		fprintf(stderr, "native-guest: echo socket path too long: %s\n", path);
		return 2;
	}
	strcpy(a.sun_path, path);
	unlink(path);
	ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 || chmod(path, 0600) != 0 ||
	    listen(ls, 1) != 0) {
		fprintf(stderr, "native-guest: cannot listen on %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("echo: listening on %s\n", path);
	fflush(stdout);
	fd = accept(ls, NULL, NULL);
	close(ls);
	unlink(path);
	if (fd < 0) {
		fprintf(stderr, "native-guest: accept on %s failed: %s\n", path, strerror(errno));
		return 1;
	}
	for (;;) {
		int rc = ng_recv_frame(fd, &in, 0);

		if (rc != 0)
			return 0; /* the client went away: the end */
		if (in.h.type == NGB_HELLO) {
			const struct ngb_hello *h = (const void *)&in;
			struct ngb_welcome w = { .status = 0, .domid = h->domid, .vcpu = h->vcpu, .nr_vcpus = 1 };

			ngb_init_header(&w.h, NGB_WELCOME, in.h.seq);
			rc = ng_send_frame(fd, &w);
		} else if (in.h.type == NGB_HYPERCALL) {
			struct ngb_result r = { .result = 0 };

			ngb_init_header(&r.h, NGB_RESULT, in.h.seq);
			rc = ng_send_frame(fd, &r);
		} else {
			fprintf(stderr, "native-guest: echo: frame type %u ignored\n", in.h.type);
		}
		if (rc != 0)
			return 0;
	}
}
