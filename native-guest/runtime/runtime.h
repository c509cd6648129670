/* SPDX-License-Identifier: MIT */
/* Runtime internals shared by main.c and door.c. */
#ifndef NG_RUNTIME_H
#define NG_RUNTIME_H
#include <pthread.h>
#include <stdint.h>
#include "ngb_proto.h"

struct ng_vcpu {
	int id;
	int fd;                 /* this vCPU's connection */
	uint32_t seq;           /* last HYPERCALL sent */
	volatile int upcall;    /* an UPCALL frame came and is not delivered yet */
	unsigned long irq_flag; /* NG_IRQ_FLAG_IF when interrupts are on */
	unsigned long hypercalls, upcalls;
	pthread_t thread;
};
extern struct ng_vcpu ng_vcpus[];
extern int ng_ram_fd;

void ng_vcpu_enter(int cpu);
int ng_send_frame(int fd, const void *frame);
int ng_recv_frame(int fd, void *frame, int nonblocking);
int ng_apply_physmap(const struct ngb_physmap *m);
int ng_echo(const char *path);
#endif
