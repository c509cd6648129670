// SPDX-License-Identifier: MIT
/* The kernel-environment half of the shim test: code that uses the shim's
 * per-CPU variables, locks, bit searches, work items and IRQ layer as the
 * Linux files do. test_shim.c (libc) drives it and checks the answers. */
#include <ng/kernel.h>
#include <ng/irq.h>
#include "test_shim.h"

static DEFINE_PER_CPU(int, tk_counter) = 7;
static DEFINE_PER_CPU(long, tk_other);
static DEFINE_SPINLOCK(tk_lock);
static DEFINE_RWLOCK(tk_rw);
static volatile long tk_shared;

void *tk_percpu_addr(int cpu) { return &per_cpu(tk_counter, cpu); }
int tk_percpu_read(int cpu) { return per_cpu(tk_counter, cpu); }
void tk_percpu_write(int cpu, int v) { per_cpu(tk_counter, cpu) = v; }
int tk_this_cpu_read(void) { return this_cpu_read(tk_counter); }
void tk_this_cpu_inc(void) { __this_cpu_inc(tk_counter); }
void *tk_other_addr(int cpu) { return &per_cpu(tk_other, cpu); }

/* A read-modify-write that loses updates unless the lock is held. */
void tk_locked_adds(long n, int use_lock)
{
	long i, v;
	unsigned long flags;

	for (i = 0; i < n; i++) {
		if (use_lock)
			spin_lock_irqsave(&tk_lock, flags);
		v = tk_shared;
		barrier();
		tk_shared = v + 1;
		if (use_lock)
			spin_unlock_irqrestore(&tk_lock, flags);
	}
}

void tk_rw_adds(long n, int writer)
{
	long i, v;

	for (i = 0; i < n; i++) {
		if (writer) {
			write_lock(&tk_rw);
			v = tk_shared;
			barrier();
			tk_shared = v + 1;
			write_unlock(&tk_rw);
		} else {
			read_lock(&tk_rw);
			v = tk_shared;
			barrier();
			/* a reader never sees a writer half-way: the value is stable */
			if (tk_shared != v)
				BUG();
			read_unlock(&tk_rw);
		}
	}
}

long tk_shared_value(void) { return tk_shared; }
void tk_shared_reset(void) { tk_shared = 0; }
int tk_spin_trylock_twice(void)
{
	int a = spin_trylock(&tk_lock), b = spin_trylock(&tk_lock);

	spin_unlock(&tk_lock);
	return a * 10 + b;
}

unsigned long tk_find_next_bit(const unsigned long *a, unsigned long size, unsigned long off)
{
	return find_next_bit(a, size, off);
}

unsigned long tk_find_next_zero_bit(const unsigned long *a, unsigned long size, unsigned long off)
{
	return find_next_zero_bit(a, size, off);
}

/* ---- work: three items, one far in the future ---- */
static int tk_order[8], tk_ran;
static struct work_struct tk_w1, tk_w2;
static struct delayed_work tk_late;
static void tk_fn1(struct work_struct *w) { (void)w; tk_order[tk_ran++] = 1; }
static void tk_fn2(struct work_struct *w) { (void)w; tk_order[tk_ran++] = 2; }
static void tk_fn3(struct work_struct *w) { (void)w; tk_order[tk_ran++] = 3; }

int tk_work(int *order, int *cancelled, int *requeue)
{
	int ran;

	tk_ran = 0;
	INIT_WORK(&tk_w1, tk_fn1);
	INIT_WORK(&tk_w2, tk_fn2);
	INIT_DELAYED_WORK(&tk_late, tk_fn3);
	schedule_delayed_work(&tk_late, 1000 * HZ);
	schedule_work(&tk_w2);
	*requeue = schedule_work(&tk_w2); /* already queued: false */
	schedule_work(&tk_w1);
	ran = ng_run_deferred();
	*cancelled = cancel_delayed_work(&tk_late);
	memcpy(order, tk_order, sizeof(int) * 3);
	return ran;
}

/* ---- IRQ layer: a chip that records what the layer asks of it ---- */
static char tk_log[64];
static int tk_nlog;
static void tk_note(char c) { if (tk_nlog < 63) tk_log[tk_nlog++] = c; tk_log[tk_nlog] = 0; }
static void tk_mask(struct irq_data *d) { (void)d; tk_note('m'); }
static void tk_unmask(struct irq_data *d) { (void)d; tk_note('u'); }
static void tk_ack(struct irq_data *d) { (void)d; tk_note('a'); }
static void tk_mask_ack(struct irq_data *d) { (void)d; tk_note('M'); }
static int tk_retrigger(struct irq_data *d) { (void)d; tk_note('r'); return 1; }
static int tk_affinity(struct irq_data *d, const struct cpumask *m, bool f)
{ (void)d; (void)f; tk_note('0' + cpumask_first(m)); return 0; }
static struct irq_chip tk_chip = {
	.name = "tk", .irq_mask = tk_mask, .irq_disable = tk_mask, .irq_unmask = tk_unmask,
	.irq_ack = tk_ack, .irq_mask_ack = tk_mask_ack, .irq_retrigger = tk_retrigger,
	.irq_set_affinity = tk_affinity,
};
static int tk_handled;
static irqreturn_t tk_handler(int irq, void *dev) { (void)irq; (void)dev; tk_note('h'); tk_handled++; return IRQ_HANDLED; }

const char *tk_irq(int *irq_out, int *second, int *busy)
{
	int irq = irq_alloc_desc_from(0, -1);

	tk_nlog = 0;
	tk_log[0] = 0;
	*irq_out = irq;
	*second = irq_alloc_desc_from(0, -1);
	irq_set_chip_and_handler_name(irq, &tk_chip, handle_edge_irq, "tk");
	generic_handle_irq(irq);                    /* no action yet: M */
	request_irq(irq, tk_handler, 0, "tk", NULL); /* u */
	*busy = request_irq(irq, tk_handler, 0, "tk", NULL);
	generic_handle_irq(irq);                    /* a h */
	disable_irq(irq);                           /* m */
	generic_handle_irq(irq);                    /* M (kept pending) */
	enable_irq(irq);                            /* u r */
	irq_set_affinity(irq, cpumask_of(1));       /* 1 */
	free_irq(irq, NULL);                        /* m */
	irq_free_desc(*second);
	irq_free_desc(irq);
	return tk_log;
}
