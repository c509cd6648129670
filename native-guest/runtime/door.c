// SPDX-License-Identifier: MIT
/*
 * The hypercall door over the bridge socket, one connection per vCPU; the
 * vCPU's interrupt flag and upcall delivery; physmap changes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "ngb_proto.h"
#include "runtime.h"
#include "../shim/include/ng/host.h"

char *ng_ram_base;
unsigned long ng_ram_size;
int ng_nr_cpus = 1;
unsigned short ng_domid;
__thread int ng_this_cpu = -1;
__thread int ng_in_irq;
void *ng_percpu_base[NG_MAX_VCPUS];
void (*ng_upcall_handler)(void);
int ng_ram_fd = -1;

struct ng_vcpu ng_vcpus[NG_MAX_VCPUS];
static __thread struct ng_vcpu *self;

void ng_vcpu_enter(int cpu)
{
	ng_this_cpu = cpu;
	self = &ng_vcpus[cpu];
	self->irq_flag = 0; /* a vCPU starts with interrupts off, as at boot */
}

unsigned long ng_gpa(const void *p)
{
	const char *c = p;

	if (!p)
		return 0;
	if (c < ng_ram_base || c >= ng_ram_base + ng_ram_size)
		ng_panic("pointer %p passed to the hypervisor is outside guest RAM", p);
	return (unsigned long)(c - ng_ram_base);
}

void *ng_ptr(unsigned long gpa)
{
	if (gpa >= ng_ram_size)
		ng_panic("guest address %#lx is outside guest RAM (%#lx bytes)", gpa, ng_ram_size);
	return ng_ram_base + gpa;
}

/* ---- frames ---- */
static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len, int flags)
{
	char *p = buf;

	while (len) {
		ssize_t n = recv(fd, p, len, flags);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && p != buf) {
			flags &= ~MSG_DONTWAIT; /* part of a frame came: wait for the rest */
			continue;
		}
		if (n < 0 && errno == EAGAIN)
			return 1;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
		flags &= ~MSG_DONTWAIT;
	}
	return 0;
}

int ng_send_frame(int fd, const void *frame)
{
	unsigned char wire[NGB_SIZE_MAX];
	size_t n = ngb_encode(frame, wire, sizeof(wire));

	if (n == 0)
		return -1;
	return write_all(fd, wire, n);
}

/* Read one frame: 0, 1 if none is waiting (nonblocking), -1 on a closed or
 * malformed connection (after one line on stderr). */
int ng_recv_frame(int fd, void *frame, int nonblocking)
{
	unsigned char wire[NGB_SIZE_MAX];
	struct ngb_header h;
	int rc;

	rc = read_all(fd, wire, NGB_SIZE_HEADER, nonblocking ? MSG_DONTWAIT : 0);
	if (rc != 0) {
		if (rc < 0)
			fprintf(stderr, "native-guest: the bridge closed the connection\n");
		return rc;
	}
	memcpy(&h, wire, sizeof(h));
	rc = ngb_check_header(&h);
	if (rc != 0) {
		fprintf(stderr, "native-guest: malformed frame from the bridge (%s)\n", strerror(-rc));
		return -1;
	}
	if (read_all(fd, wire + NGB_SIZE_HEADER, h.length - NGB_SIZE_HEADER, 0) != 0) {
		fprintf(stderr, "native-guest: the bridge closed the connection mid-frame\n");
		return -1;
	}
	rc = ngb_decode(wire, h.length, frame, NGB_SIZE_MAX);
	if (rc != 0) {
		fprintf(stderr, "native-guest: malformed frame from the bridge (%s)\n", strerror(-rc));
		return -1;
	}
	return 0;
}

/* ---- physmap ---- */
int ng_apply_physmap(const struct ngb_physmap *m)
{
	unsigned long off = m->gfn * 4096UL, len = m->nr_frames * 4096UL;
	void *addr, *got;
	int fd, prot = 0;

	if (m->nr_frames == 0 || m->gfn >= ng_ram_size / 4096UL ||
	    m->nr_frames > ng_ram_size / 4096UL - m->gfn || m->file_offset % 4096UL)
		return -EINVAL;
	addr = ng_ram_base + off;
	if (m->kind == NGB_PHYSMAP_UNMAPPED) {
		got = mmap(addr, len, PROT_NONE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return got == MAP_FAILED ? -errno : 0;
	}
	if (m->kind != NGB_PHYSMAP_FILE || !(m->prot & NGB_PROT_READ) ||
	    (m->prot & ~(NGB_PROT_READ | NGB_PROT_WRITE)))
		return -EINVAL;
	prot = PROT_READ | ((m->prot & NGB_PROT_WRITE) ? PROT_WRITE : 0);
	if (m->path[0] == 0) {
		fd = ng_ram_fd;
	} else {
		fd = open(m->path, (m->prot & NGB_PROT_WRITE) ? O_RDWR : O_RDONLY);
		if (fd < 0)
			return -errno;
	}
	got = mmap(addr, len, prot, MAP_FIXED | MAP_SHARED, fd, (off_t)m->file_offset);
	if (fd != ng_ram_fd)
		close(fd);
	return got == MAP_FAILED ? -errno : 0;
}

/* Handle a frame that is not the awaited RESULT; -1 ends the guest. */
static int handle_async(struct ng_vcpu *v, const void *frame)
{
	const struct ngb_header *h = frame;

	switch (h->type) {
	case NGB_UPCALL:
		__atomic_store_n(&v->upcall, 1, __ATOMIC_RELEASE);
		return 0;
	case NGB_PHYSMAP: {
		struct ngb_physmap_done d;
		int rc = ng_apply_physmap(frame);

		ngb_init_header(&d.h, NGB_PHYSMAP_DONE, h->seq);
		d.status = rc;
		if (rc)
			fprintf(stderr, "native-guest: physmap change of gfn %#llx x %llu failed: %s\n",
				(unsigned long long)((const struct ngb_physmap *)frame)->gfn,
				(unsigned long long)((const struct ngb_physmap *)frame)->nr_frames,
				strerror(-rc));
		return ng_send_frame(v->fd, &d);
	}
	case NGB_ERROR: {
		const struct ngb_error *e = frame;

		fprintf(stderr, "native-guest: the bridge ended vCPU %d: %s (%d)\n",
			v->id, e->message, e->code);
		return -1;
	}
	default:
		fprintf(stderr, "native-guest: unexpected frame type %u on vCPU %d\n", h->type, v->id);
		return -1;
	}
}

static void deliver_upcalls(struct ng_vcpu *v)
{
	while (v->irq_flag && !ng_in_irq && __atomic_load_n(&v->upcall, __ATOMIC_ACQUIRE)) {
		v->upcall = 0;
		v->irq_flag = 0; /* the interrupt gate clears IF */
		v->upcalls++;
		if (ng_upcall_handler)
			ng_upcall_handler();
		v->irq_flag = NG_IRQ_FLAG_IF;
	}
}

long ng_hypercall(unsigned long op, unsigned long a1, unsigned long a2,
		  unsigned long a3, unsigned long a4, unsigned long a5)
{
	struct ng_vcpu *v = self;
	struct ngb_hypercall c;
	union { struct ngb_header h; unsigned char b[NGB_SIZE_MAX]; } in;

	if (!v)
		ng_panic("hypercall %lu from a thread that is not a vCPU", op);
	ngb_init_header(&c.h, NGB_HYPERCALL, ++v->seq);
	c.op = op;
	c.arg[0] = a1; c.arg[1] = a2; c.arg[2] = a3; c.arg[3] = a4; c.arg[4] = a5; c.arg[5] = 0;
	if (ng_send_frame(v->fd, &c) != 0)
		ng_panic("vCPU %d: the bridge is gone (hypercall %lu)", v->id, op);
	v->hypercalls++;
	for (;;) {
		if (ng_recv_frame(v->fd, &in, 0) != 0)
			ng_panic("vCPU %d: no answer to hypercall %lu", v->id, op);
		if (in.h.type == NGB_RESULT && in.h.seq == v->seq)
			break;
		if (in.h.type == NGB_RESULT)
			ng_panic("vCPU %d: answer %u to hypercall %u", v->id, in.h.seq, v->seq);
		if (handle_async(v, &in) != 0)
			exit(1);
	}
	deliver_upcalls(v);
	return (long)((struct ngb_result *)&in)->result;
}

int ng_poll_bridge(void)
{
	struct ng_vcpu *v = self;
	union { struct ngb_header h; unsigned char b[NGB_SIZE_MAX]; } in;
	int n = 0, rc;

	while ((rc = ng_recv_frame(v->fd, &in, 1)) == 0) {
		if (in.h.type == NGB_RESULT || handle_async(v, &in) != 0)
			exit(1);
		n++;
	}
	if (rc < 0)
		exit(1);
	deliver_upcalls(v);
	return n;
}

unsigned long ng_upcalls(void)
{
	return self ? self->upcalls : 0;
}

unsigned long ng_irq_save(void)
{
	unsigned long f = self->irq_flag;

	self->irq_flag = 0;
	return f;
}

void ng_irq_restore(unsigned long flags)
{
	self->irq_flag = flags & NG_IRQ_FLAG_IF;
	if (self->irq_flag)
		deliver_upcalls(self);
}

int ng_irqs_disabled(void)
{
	return self ? !self->irq_flag : 1;
}

/* ---- host services ---- */
unsigned long long ng_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (unsigned long long)t.tv_sec * 1000000000ULL + (unsigned long long)t.tv_nsec;
}

void ng_delay_ns(unsigned long long ns)
{
	struct timespec t = { (time_t)(ns / 1000000000ULL), (long)(ns % 1000000000ULL) };

	nanosleep(&t, NULL);
}

int ng_vprintk(const char *fmt, va_list ap)
{
	char buf[512];
	const char *p = buf;
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	/* KERN_<level>: "\001" and one character */
	while (p[0] == '\001' && p[1])
		p += 2;
	if (ng_this_cpu >= 0)
		fprintf(stderr, "[vcpu%d] %s", ng_this_cpu, p);
	else
		fputs(p, stderr);
	return n;
}

int ng_printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = ng_vprintk(fmt, ap);
	va_end(ap);
	return n;
}

void ng_bug(const char *file, int line)
{
	fprintf(stderr, "native-guest: BUG at %s:%d on vCPU %d\n", file, line, ng_this_cpu);
	fflush(stderr);
	abort();
}

void ng_warn(const char *file, int line)
{
	fprintf(stderr, "native-guest: WARNING at %s:%d on vCPU %d\n", file, line, ng_this_cpu);
}

void ng_panic(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "native-guest: panic on vCPU %d: ", ng_this_cpu);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	abort();
}

int ng_wait_stdin_line(void)
{
	int c;

	while ((c = getchar()) != EOF)
		if (c == '\n')
			return 0;
	return -1;
}

/* ng_write_faults: one write tried under a SIGSEGV handler of this thread's
 * (a child process would share the stacks, which live in the shared RAM). */
static __thread sigjmp_buf probe_env;
static __thread volatile void *volatile probe_addr;

static void probe_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (probe_addr && si->si_addr == (void *)probe_addr) {
		probe_addr = NULL;
		siglongjmp(probe_env, 1);
	}
	signal(sig, SIG_DFL); /* any other fault is the guest's: it dies of it */
	raise(sig);
}

int ng_write_faults(volatile void *p)
{
	struct sigaction sa = { .sa_sigaction = probe_fault, .sa_flags = SA_SIGINFO }, old_segv, old_bus;
	volatile int faulted = 0;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &old_segv) != 0 || sigaction(SIGBUS, &sa, &old_bus) != 0)
		return -1;
	if (sigsetjmp(probe_env, 1) == 0) {
		probe_addr = p;
		*(volatile unsigned char *)p = *(volatile unsigned char *)p;
		probe_addr = NULL;
	} else {
		faulted = 1;
	}
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return faulted;
}

int ng_result(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	return n;
}

unsigned long ng_arg(int argc, char **argv, const char *name, unsigned long def)
{
	int i;

	for (i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0) {
			char *end;
			unsigned long v = strtoul(argv[i + 1], &end, 0);

			if (*argv[i + 1] == 0 || *end != 0)
				ng_panic("option %s wants a number, not %s", name, argv[i + 1]);
			return v;
		}
	return def;
}

int ng_flag(int argc, char **argv, const char *name)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

int ng_arg_list(int argc, char **argv, const char *name, unsigned long *out, int max)
{
	int i, n = 0;

	for (i = 1; i + 1 < argc; i++) {
		const char *p = argv[i + 1];

		if (strcmp(argv[i], name) != 0)
			continue;
		while (*p) {
			char *end;
			unsigned long v = strtoul(p, &end, 0);

			if (end == p || (*end && *end != ',') || n == max)
				ng_panic("option %s wants up to %d numbers separated by commas, not %s",
					 name, max, argv[i + 1]);
			out[n++] = v;
			p = *end ? end + 1 : end;
		}
		return n;
	}
	return 0;
}
