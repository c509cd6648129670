/* SPDX-License-Identifier: MIT */
/*
 * What the runtime (ordinary C with libc, runtime/) offers to code compiled
 * in the kernel environment (Linux's files, the shim, the scenarios). Plain
 * C types only: both sides include it.
 */
#ifndef NG_HOST_H
#define NG_HOST_H

#define NG_MAX_VCPUS 8

/* The domain's RAM: one mapping of its file; guest address = pointer - base. */
extern char *ng_ram_base;
extern unsigned long ng_ram_size;
extern int ng_nr_cpus;
extern unsigned short ng_domid;
/* This thread's vCPU, -1 on a thread that is not a vCPU. */
extern __thread int ng_this_cpu;
extern __thread int ng_in_irq;
/* Each vCPU's copy of the per-CPU section, inside guest RAM. */
extern void *ng_percpu_base[NG_MAX_VCPUS];

/* The guest address of a pointer into RAM; a pointer outside RAM is a guest
 * bug: the process reports it and exits (as a crashed guest). NULL gives 0. */
unsigned long ng_gpa(const void *p);
void *ng_ptr(unsigned long gpa);

/* The hypercall door: one round trip on this vCPU's connection. Pointer
 * arguments must already be guest addresses. */
long ng_hypercall(unsigned long op, unsigned long a1, unsigned long a2,
		  unsigned long a3, unsigned long a4, unsigned long a5);

/* The vCPU's interrupt flag. Restoring it to enabled delivers an upcall that
 * is pending (xen_evtchn_do_upcall of events_base.c, through ng_upcall). */
#define NG_IRQ_FLAG_IF 0x200UL /* as x86's EFLAGS.IF: set = enabled */
unsigned long ng_irq_save(void);
void ng_irq_restore(unsigned long flags);
int ng_irqs_disabled(void);

/* Read frames the bridge sent meanwhile (upcall notices, physmap changes)
 * without waiting, then deliver a pending upcall if interrupts are on. */
int ng_poll_bridge(void);
/* How many upcalls this vCPU has taken (entries into the upcall handler). */
unsigned long ng_upcalls(void);
/* The kernel is up on every vCPU: the secondaries may start taking upcalls. */
void ng_boot_done(void);

/* Upcall entry, set by the kernel side: runs xen_evtchn_do_upcall. */
extern void (*ng_upcall_handler)(void);

/* Guest-RAM allocator (pages and small objects), thread-safe. */
void *ng_alloc_pages(unsigned int order, int zero);
void ng_free_pages(void *p, unsigned int order);
void *ng_kmalloc(unsigned long size, int zero);
void ng_kfree(const void *p);

unsigned long long ng_now_ns(void);
void ng_delay_ns(unsigned long long ns);
int ng_printk(const char *fmt, ...) __attribute__((__format__(printf, 1, 2)));
int ng_vprintk(const char *fmt, __builtin_va_list ap);
/* A scenario's result line, on stdout (flushed). */
int ng_result(const char *fmt, ...) __attribute__((__format__(printf, 1, 2)));
/* Waits for one line on standard input (a test driver's go-ahead); 0, or -1
 * at end of file. */
int ng_wait_stdin_line(void);
/* Whether one write to the byte at p faults (SIGSEGV or SIGBUS at p): tried
 * under a signal handler, so that the guest lives on. 1 it faulted, 0 the
 * write went through (it rewrites the byte's own value), -1 no handler. */
int ng_write_faults(volatile void *p);
/* The value after option name in argv ("--count 5"), or def; a flag gives 1. */
unsigned long ng_arg(int argc, char **argv, const char *name, unsigned long def);
int ng_flag(int argc, char **argv, const char *name);
/* A comma-separated list of numbers after name ("--refs 8,9,10"): how many
 * were stored in out (at most max); 0 when the option is absent. */
int ng_arg_list(int argc, char **argv, const char *name, unsigned long *out, int max);
void ng_bug(const char *file, int line) __attribute__((__noreturn__));
void ng_warn(const char *file, int line);
void ng_panic(const char *fmt, ...) __attribute__((__noreturn__, __format__(printf, 1, 2)));

#endif
