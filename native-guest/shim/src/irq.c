// SPDX-License-Identifier: MIT
/*
 * The generic-IRQ layer under events_base.c: a fixed table of descriptors,
 * each with a chip (events_base.c's xen_dynamic_chip and friends), a flow
 * handler and one action. Written from the kernel's documented semantics
 * (Documentation/core-api/genericirq.rst), not from kernel/irq/.
 */
#include <ng/irq.h>

static struct irq_desc descs[NR_IRQS];
static DEFINE_SPINLOCK(desc_alloc_lock);
struct cpumask ng_cpu_online_mask;
const struct cpumask ng_cpu_masks[NG_MAX_VCPUS] = {
	{ { 1UL << 0 } }, { { 1UL << 1 } }, { { 1UL << 2 } }, { { 1UL << 3 } },
	{ { 1UL << 4 } }, { { 1UL << 5 } }, { { 1UL << 6 } }, { { 1UL << 7 } },
};

struct irq_desc *irq_to_desc(unsigned int irq)
{
	if (irq >= NR_IRQS || !descs[irq].allocated)
		return NULL;
	return &descs[irq];
}

struct irq_data *irq_get_irq_data(unsigned int irq)
{
	struct irq_desc *d = irq_to_desc(irq);

	return d ? &d->irq_data : NULL;
}

/* Allocate cnt consecutive descriptors at irq (irq >= 0) or from 'from' on. */
int irq_alloc_descs(int irq, unsigned int from, unsigned int cnt, int node)
{
	unsigned int start, i;
	unsigned long flags;
	int ret = -ENOMEM;

	(void)node;
	if (cnt == 0)
		return -EINVAL;
	if (irq >= 0) {
		if ((unsigned int)irq < from)
			return -EINVAL;
		from = irq;
	}
	spin_lock_irqsave(&desc_alloc_lock, flags);
	for (start = from; start + cnt <= NR_IRQS; start++) {
		for (i = 0; i < cnt && !descs[start + i].allocated; i++)
			;
		if (i == cnt) {
			for (i = 0; i < cnt; i++) {
				struct irq_desc *d = &descs[start + i];

				memset(d, 0, sizeof(*d));
				d->allocated = 1;
				d->irq_data.irq = start + i;
				d->depth = 1; /* disabled until requested */
				d->masked = 1;
				cpumask_setall(&d->irq_data.affinity);
			}
			ret = start;
			break;
		}
		if (irq >= 0) {
			ret = -EEXIST;
			break;
		}
	}
	spin_unlock_irqrestore(&desc_alloc_lock, flags);
	return ret;
}

void irq_free_desc(unsigned int irq)
{
	unsigned long flags;

	if (irq >= NR_IRQS)
		return;
	spin_lock_irqsave(&desc_alloc_lock, flags);
	descs[irq].allocated = 0;
	spin_unlock_irqrestore(&desc_alloc_lock, flags);
}

void irq_set_chip_and_handler_name(unsigned int irq, struct irq_chip *chip,
				   irq_flow_handler_t handle, const char *name)
{
	struct irq_desc *d = irq_to_desc(irq);

	if (WARN_ON(!d))
		return;
	d->irq_data.chip = chip;
	d->handle_irq = handle;
	d->name = name;
}

int irq_set_chip_data(unsigned int irq, void *data)
{
	struct irq_desc *d = irq_to_desc(irq);

	if (!d)
		return -EINVAL;
	d->irq_data.chip_data = data;
	return 0;
}

void *irq_get_chip_data(unsigned int irq)
{
	struct irq_desc *d = irq_to_desc(irq);

	return d ? d->irq_data.chip_data : NULL;
}

void irq_set_status_flags(unsigned int irq, unsigned long set)
{
	struct irq_desc *d = irq_to_desc(irq);

	if (d)
		d->status |= set;
}

void irq_clear_status_flags(unsigned int irq, unsigned long clr)
{
	struct irq_desc *d = irq_to_desc(irq);

	if (d)
		d->status &= ~clr;
}

static void run_action(struct irq_desc *d)
{
	if (d->handler) {
		d->count++;
		d->handler(d->irq_data.irq, d->dev_id);
	}
}

static void chip_mask(struct irq_desc *d)
{
	struct irq_chip *c = d->irq_data.chip;

	if (c && c->irq_mask)
		c->irq_mask(&d->irq_data);
	d->masked = 1;
}

static void chip_unmask(struct irq_desc *d)
{
	struct irq_chip *c = d->irq_data.chip;

	if (c && c->irq_unmask)
		c->irq_unmask(&d->irq_data);
	d->masked = 0;
}

/*
 * Edge flow: acknowledge first (events_base.c's ack clears the event's
 * pending bit, or for late-EOI chips masks it), then run the action; an
 * interrupt that is disabled is masked and left pending.
 */
void handle_edge_irq(struct irq_desc *d)
{
	struct irq_chip *c = d->irq_data.chip;

	raw_spin_lock(&d->lock);
	if (d->depth > 0 || !d->handler) {
		if (c && c->irq_mask_ack)
			c->irq_mask_ack(&d->irq_data);
		else
			chip_mask(d);
		d->masked = 1;
		d->pending = 1;
		raw_spin_unlock(&d->lock);
		return;
	}
	if (c && c->irq_ack)
		c->irq_ack(&d->irq_data);
	raw_spin_unlock(&d->lock);
	run_action(d);
}

/* Fasteoi flow: run the action, then end of interrupt. */
void handle_fasteoi_irq(struct irq_desc *d)
{
	struct irq_chip *c = d->irq_data.chip;

	if (d->depth == 0)
		run_action(d);
	else
		chip_mask(d);
	if (c && c->irq_eoi)
		c->irq_eoi(&d->irq_data);
}

/* Per-CPU flow: ack, action, eoi; no disable depth. */
void handle_percpu_irq(struct irq_desc *d)
{
	struct irq_chip *c = d->irq_data.chip;

	if (c && c->irq_ack)
		c->irq_ack(&d->irq_data);
	run_action(d);
	if (c && c->irq_eoi)
		c->irq_eoi(&d->irq_data);
}

int generic_handle_irq(unsigned int irq)
{
	struct irq_desc *d = irq_to_desc(irq);

	if (!d || !d->handle_irq)
		return -EINVAL;
	d->handle_irq(d);
	return 0;
}

static void startup(struct irq_desc *d)
{
	struct irq_chip *c = d->irq_data.chip;

	d->depth = 0;
	if (c && c->irq_startup)
		c->irq_startup(&d->irq_data);
	else if (c && c->irq_enable)
		c->irq_enable(&d->irq_data);
	else
		chip_unmask(d);
	d->masked = 0;
	/* Linux's irq_startup resends an edge that came before the action. */
	if (d->pending) {
		d->pending = 0;
		if (c && c->irq_retrigger)
			c->irq_retrigger(&d->irq_data);
	}
}

int request_irq(unsigned int irq, irq_handler_t handler, unsigned long flags,
		const char *name, void *dev_id)
{
	struct irq_desc *d = irq_to_desc(irq);

	if (!d || !handler)
		return -EINVAL;
	if (d->status & IRQ_NOREQUEST)
		return -EINVAL;
	if (d->handler)
		return -EBUSY; /* no shared interrupts here */
	d->handler = handler;
	d->dev_id = dev_id;
	d->devname = name;
	if (!(flags & IRQF_NO_AUTOEN) && !(d->status & IRQ_NOAUTOEN))
		startup(d);
	return 0;
}

const void *free_irq(unsigned int irq, void *dev_id)
{
	struct irq_desc *d = irq_to_desc(irq);
	struct irq_chip *c;
	const char *name;

	if (!d || !d->handler || d->dev_id != dev_id)
		return NULL;
	c = d->irq_data.chip;
	if (c && c->irq_shutdown)
		c->irq_shutdown(&d->irq_data);
	else if (c && c->irq_disable)
		c->irq_disable(&d->irq_data);
	else
		chip_mask(d);
	d->depth = 1;
	name = d->devname;
	d->handler = NULL;
	d->dev_id = NULL;
	d->devname = NULL;
	return name;
}

void enable_irq(unsigned int irq)
{
	struct irq_desc *d = irq_to_desc(irq);

	if (!d)
		return;
	if (WARN_ON(d->depth == 0))
		return;
	if (--d->depth == 0) {
		struct irq_chip *c = d->irq_data.chip;

		if (c && c->irq_enable)
			c->irq_enable(&d->irq_data);
		else
			chip_unmask(d);
		d->masked = 0;
		/* An edge that came while disabled is raised again (Linux's resend). */
		if (d->pending) {
			d->pending = 0;
			if (c && c->irq_retrigger)
				c->irq_retrigger(&d->irq_data);
		}
	}
}

void disable_irq(unsigned int irq)
{
	struct irq_desc *d = irq_to_desc(irq);

	if (!d)
		return;
	if (d->depth++ == 0) {
		struct irq_chip *c = d->irq_data.chip;

		if (c && c->irq_disable)
			c->irq_disable(&d->irq_data);
		else
			chip_mask(d);
	}
}

int irq_set_affinity(unsigned int irq, const struct cpumask *m)
{
	struct irq_desc *d = irq_to_desc(irq);
	struct irq_chip *c;
	int ret;

	if (!d)
		return -EINVAL;
	c = d->irq_data.chip;
	if (!c || !c->irq_set_affinity)
		return -EINVAL;
	ret = c->irq_set_affinity(&d->irq_data, m, false);
	if (ret == 0)
		d->irq_data.affinity = *m;
	return ret;
}

/* CPU hotplug: the state's startup callback runs when a secondary vCPU is
 * brought up (ng_cpu_prepare), as Linux runs PREPARE states for a CPU that
 * comes online after the state was set up. */
#define NG_MAX_CPUHP 4
static struct { int (*startup)(unsigned int); int (*teardown)(unsigned int); } cpuhp[NG_MAX_CPUHP];
static int nr_cpuhp;

int cpuhp_setup_state_nocalls(enum cpuhp_state s, const char *name,
			      int (*startup)(unsigned int), int (*teardown)(unsigned int))
{
	(void)s; (void)name;
	if (nr_cpuhp == NG_MAX_CPUHP)
		return -ENOSPC;
	cpuhp[nr_cpuhp].startup = startup;
	cpuhp[nr_cpuhp].teardown = teardown;
	nr_cpuhp++;
	return 0;
}

int ng_cpu_prepare(unsigned int cpu)
{
	int i, rc;

	for (i = 0; i < nr_cpuhp; i++) {
		if (cpuhp[i].startup) {
			rc = cpuhp[i].startup(cpu);
			if (rc)
				return rc;
		}
	}
	return 0;
}
