/* SPDX-License-Identifier: MIT */
/*
 * A minimal generic-IRQ layer for events_base.c: descriptors with a chip and
 * a flow handler, one action each, cpumasks of up to 64 vCPUs.
 */
#ifndef NG_IRQ_H
#define NG_IRQ_H
#include <ng/kernel.h>

#define NR_IRQS 1024
#define nr_irqs NR_IRQS
/* No legacy (ISA) interrupts in a native guest. */
#define NR_IRQS_LEGACY 16
#define nr_legacy_irqs() 0
/* The vector Linux asks Xen to raise (arch/x86 irq_vectors.h numbers it 0xf3). */
#define HYPERVISOR_CALLBACK_VECTOR 0xf3
#define alloc_intr_gate(v, f) do { (void)(v); } while (0)
#define native_init_IRQ() do { } while (0)

struct cpumask { unsigned long bits[1]; };
typedef struct cpumask cpumask_t;
typedef struct cpumask cpumask_var_t[1];
extern struct cpumask ng_cpu_online_mask;
extern const struct cpumask ng_cpu_masks[NG_MAX_VCPUS];
#define cpu_online_mask (&ng_cpu_online_mask)
#define cpu_possible_mask (&ng_cpu_online_mask)
#define cpumask_of(cpu) (&ng_cpu_masks[cpu])
#define cpumask_bits(m) ((m)->bits)
#define nr_cpumask_bits nr_cpu_ids
#define cpumask_test_cpu(c, m) test_bit(c, (m)->bits)
#define cpumask_set_cpu(c, m) set_bit(c, (m)->bits)
#define cpumask_clear_cpu(c, m) clear_bit(c, (m)->bits)
#define cpumask_copy(d, s) (*(d) = *(s))
#define cpumask_first(m) ((unsigned int)find_first_bit((m)->bits, nr_cpu_ids))
#define cpumask_empty(m) (((m)->bits[0] & ((1UL << nr_cpu_ids) - 1)) == 0)
#define cpumask_clear(m) ((m)->bits[0] = 0)
#define cpumask_setall(m) ((m)->bits[0] = (1UL << nr_cpu_ids) - 1)
#define for_each_cpu(c, m) for_each_set_bit(c, (m)->bits, nr_cpu_ids)
#define for_each_cpu_and(c, a, b) \
	for ((c) = 0; (c) < nr_cpu_ids; (c)++) \
		if (test_bit(c, (a)->bits) && test_bit(c, (b)->bits))

typedef enum irqreturn { IRQ_NONE = 0, IRQ_HANDLED = 1, IRQ_WAKE_THREAD = 2 } irqreturn_t;
typedef irqreturn_t (*irq_handler_t)(int, void *);

#define IRQF_SHARED 0x80u
#define IRQF_PERCPU 0x400u
#define IRQF_NOBALANCING 0x800u
#define IRQF_NO_SUSPEND 0x4000u
#define IRQF_FORCE_RESUME 0x8000u
#define IRQF_NO_THREAD 0x10000u
#define IRQF_EARLY_RESUME 0x20000u
#define IRQF_NO_AUTOEN 0x80000u
#define IRQ_NOREQUEST 0x800u
#define IRQ_NOPROBE 0x400u
#define IRQ_NOAUTOEN 0x1000u
#define IRQ_NO_BALANCING 0x2000u
#define IRQ_MOVE_PCNTXT 0x4000u
#define IRQ_NESTED_THREAD 0x8000u
#define IRQ_PER_CPU 0x200u

struct irq_chip;
struct irq_data {
	unsigned int irq;
	unsigned long hwirq;
	struct irq_chip *chip;
	void *chip_data;
	struct cpumask affinity;
	struct cpumask effective_affinity;
};
struct irq_chip {
	const char *name;
	unsigned int (*irq_startup)(struct irq_data *);
	void (*irq_shutdown)(struct irq_data *);
	void (*irq_enable)(struct irq_data *);
	void (*irq_disable)(struct irq_data *);
	void (*irq_ack)(struct irq_data *);
	void (*irq_mask)(struct irq_data *);
	void (*irq_mask_ack)(struct irq_data *);
	void (*irq_unmask)(struct irq_data *);
	void (*irq_eoi)(struct irq_data *);
	int (*irq_set_affinity)(struct irq_data *, const struct cpumask *, bool);
	int (*irq_retrigger)(struct irq_data *);
	unsigned long flags;
};
struct irq_desc;
typedef void (*irq_flow_handler_t)(struct irq_desc *);
struct irq_desc {
	struct irq_data irq_data;
	irq_flow_handler_t handle_irq;
	irq_handler_t handler;
	void *dev_id;
	const char *name;
	const char *devname;
	unsigned int status;   /* IRQ_* flags */
	unsigned int depth;    /* disable depth; 0 = enabled */
	int allocated;
	int masked;
	int pending;   /* arrived while disabled: replayed on enable */
	unsigned long count;   /* handler runs */
	raw_spinlock_t lock;
};
struct msi_desc;
struct pci_dev;

struct irq_desc *irq_to_desc(unsigned int irq);
struct irq_data *irq_get_irq_data(unsigned int irq);
#define irq_desc_get_irq_data(d) (&(d)->irq_data)
#define irq_desc_get_chip(d) ((d)->irq_data.chip)
int irq_alloc_descs(int irq, unsigned int from, unsigned int cnt, int node);
#define irq_alloc_desc_from(from, node) irq_alloc_descs(-1, from, 1, node)
#define irq_alloc_desc_at(at, node) irq_alloc_descs(at, at, 1, node)
void irq_free_desc(unsigned int irq);
void irq_set_chip_and_handler_name(unsigned int irq, struct irq_chip *chip,
				   irq_flow_handler_t handle, const char *name);
int irq_set_chip_data(unsigned int irq, void *data);
void *irq_get_chip_data(unsigned int irq);
#define irq_data_get_irq_chip_data(d) ((d)->chip_data)
void irq_set_status_flags(unsigned int irq, unsigned long set);
void irq_clear_status_flags(unsigned int irq, unsigned long clr);
#define irq_set_noprobe(irq) irq_set_status_flags(irq, IRQ_NOPROBE)
static inline int irq_set_msi_desc(unsigned int irq, struct msi_desc *d) { (void)irq; (void)d; return 0; }
static inline void irq_data_update_affinity(struct irq_data *d, const struct cpumask *m) { d->affinity = *m; }
static inline void irq_data_update_effective_affinity(struct irq_data *d, const struct cpumask *m)
{ d->effective_affinity = *m; }
#define irq_data_get_affinity_mask(d) (&(d)->affinity)
#define irq_data_get_effective_affinity_mask(d) (&(d)->effective_affinity)
void handle_edge_irq(struct irq_desc *desc);
void handle_fasteoi_irq(struct irq_desc *desc);
void handle_percpu_irq(struct irq_desc *desc);
int generic_handle_irq(unsigned int irq);
int request_irq(unsigned int irq, irq_handler_t handler, unsigned long flags,
		const char *name, void *dev_id);
const void *free_irq(unsigned int irq, void *dev_id);
void enable_irq(unsigned int irq);
void disable_irq(unsigned int irq);
#define disable_irq_nosync disable_irq
int irq_set_affinity(unsigned int irq, const struct cpumask *m);
static inline bool irq_move_masked_irq(struct irq_data *d) { (void)d; return false; }
#define irq_move_irq(d) do { (void)(d); } while (0)
static inline bool irqd_is_setaffinity_pending(struct irq_data *d) { (void)d; return false; }
static inline void irq_enter(void) { ng_in_irq++; }
static inline void irq_exit(void) { ng_in_irq--; }
#define kstat_incr_irq_this_cpu(irq) do { } while (0)

/* CPU hotplug states: all vCPUs exist from the start, so setting up a
 * state runs its startup callback on each vCPU but the boot one. */
enum cpuhp_state { CPUHP_XEN_EVTCHN_PREPARE = 1, CPUHP_XEN_PREPARE, CPUHP_AP_ONLINE_DYN };
int cpuhp_setup_state_nocalls(enum cpuhp_state s, const char *name,
			      int (*startup)(unsigned int), int (*teardown)(unsigned int));
#endif
