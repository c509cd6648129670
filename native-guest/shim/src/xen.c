// SPDX-License-Identifier: MIT
/*
 * What an x86_64 HVM Linux sets up around events_*.c and grant-table.c,
 * written for the native guest: the domain type, the feature bitmap
 * (XENVER_get_features), shared_info (XENMEM_add_to_physmap), each vCPU's
 * vcpu_info (VCPUOP_register_vcpu_info), the callback via
 * (HVMOP_set_param(HVM_PARAM_CALLBACK_IRQ)), Xen's CPUID leaves, ballooned
 * pages, the upcall entry and the boot sequence.
 */
#include <ng/kernel.h>
#include <ng/irq.h>
#include <ng/mm.h>
#include <ng/guest.h>
#include <xen/xen.h>
#include <xen/features.h>
#include <xen/events.h>
#include <xen/xen-ops.h>
#include <xen/grant_table.h>
#include <xen/interface/version.h>
#include <xen/interface/memory.h>
#include <xen/interface/vcpu.h>
#include <xen/interface/hvm/hvm_op.h>
#include <xen/interface/hvm/params.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/cpuid.h>

enum xen_domain_type xen_domain_type = XEN_HVM_DOMAIN;
bool xen_have_vector_callback;
bool xen_percpu_upcall;
struct shared_info *HYPERVISOR_shared_info;
struct start_info *xen_start_info;
u8 xen_features[XENFEAT_NR_SUBMAPS * 32];
DEFINE_PER_CPU(struct vcpu_info *, xen_vcpu);
DEFINE_PER_CPU(uint32_t, xen_vcpu_id);
/* Each vCPU's registered vcpu_info: 64 bytes, never across a page. */
static DEFINE_PER_CPU(struct vcpu_info, xen_vcpu_info) __aligned(64);

/* Xen's CPUID leaves as this guest sees them: leaf 4 without
 * XEN_HVM_CPUID_UPCALL_VECTOR, so Linux takes the global callback via. */
uint32_t xen_cpuid_base(void)
{
	return XEN_CPUID_FIRST_LEAF;
}

uint32_t cpuid_eax(uint32_t leaf)
{
	if (leaf == XEN_CPUID_FIRST_LEAF)
		return XEN_CPUID_LEAF(XEN_CPUID_MAX_NUM_LEAVES);
	if (leaf == XEN_CPUID_LEAF(4))
		return XEN_HVM_CPUID_VCPU_ID_PRESENT;
	return 0;
}

uint32_t cpuid_ebx(uint32_t leaf)
{
	if (leaf == XEN_CPUID_FIRST_LEAF)
		return XEN_CPUID_SIGNATURE_EBX;
	return 0;
}

void xen_setup_features(void)
{
	struct xen_feature_info *fi = kzalloc(sizeof(*fi), GFP_KERNEL);
	unsigned int i, j;

	BUG_ON(!fi);
	for (i = 0; i < XENFEAT_NR_SUBMAPS; i++) {
		fi->submap_idx = i;
		if (HYPERVISOR_xen_version(XENVER_get_features, fi) < 0)
			break;
		for (j = 0; j < 32; j++)
			xen_features[i * 32 + j] = !!(fi->submap & (1U << j));
	}
	kfree(fi);
}

/* HVM_PARAM_CALLBACK_IRQ: how Xen raises the upcall (events_base.c asks for
 * a vector; HVM_CALLBACK_VECTOR puts the type in the top byte). */
int xen_set_callback_via(uint64_t via)
{
	struct xen_hvm_param *a = kzalloc(sizeof(*a), GFP_KERNEL);
	int rc;

	if (!a)
		return -ENOMEM;
	a->domid = DOMID_SELF;
	a->index = HVM_PARAM_CALLBACK_IRQ;
	a->value = via;
	rc = (int)HYPERVISOR_hvm_op(HVMOP_set_param, a);
	kfree(a);
	return rc;
}

int xen_alloc_ballooned_pages(unsigned int nr_pages, struct page **pages)
{
	unsigned int i;

	for (i = 0; i < nr_pages; i++) {
		pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!pages[i]) {
			xen_free_ballooned_pages(i, pages);
			return -ENOMEM;
		}
	}
	return 0;
}

void xen_free_ballooned_pages(unsigned int nr_pages, struct page **pages)
{
	unsigned int i;

	for (i = 0; i < nr_pages; i++)
		if (pages[i])
			__free_page(pages[i]);
}

/* The PV grant-frame mapping (arch/x86/xen/grant-table.c) has no use in an
 * auto-translated guest. */
int arch_gnttab_init(unsigned long nr_shared, unsigned long nr_status)
{
	(void)nr_shared; (void)nr_status;
	return 0;
}

int arch_gnttab_map_shared(xen_pfn_t *frames, unsigned long nr_gframes,
			   unsigned long max_nr_gframes, void **__shared)
{
	(void)frames; (void)nr_gframes; (void)max_nr_gframes; (void)__shared;
	return -ENOSYS;
}

int arch_gnttab_map_status(uint64_t *frames, unsigned long nr_gframes,
			   unsigned long max_nr_gframes, grant_status_t **__shared)
{
	(void)frames; (void)nr_gframes; (void)max_nr_gframes; (void)__shared;
	return -ENOSYS;
}

void arch_gnttab_unmap(void *shared, unsigned long nr_gframes)
{
	(void)shared; (void)nr_gframes;
}

/* shared_info at a page of RAM, placed there by the hypervisor. */
static int map_shared_info(void)
{
	struct xen_add_to_physmap *xatp = kzalloc(sizeof(*xatp), GFP_KERNEL);
	void *page = (void *)__get_free_page(GFP_KERNEL | __GFP_ZERO);
	int rc;

	if (!xatp || !page)
		return -ENOMEM;
	xatp->domid = DOMID_SELF;
	xatp->idx = 0;
	xatp->space = XENMAPSPACE_shared_info;
	xatp->gpfn = virt_to_gfn(page);
	rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, xatp);
	kfree(xatp);
	if (rc == 0)
		HYPERVISOR_shared_info = page;
	return rc;
}

/* Linux's xen_vcpu_setup: vcpu_info in shared_info first, then in the
 * vCPU's per-CPU area when VCPUOP_register_vcpu_info works. */
static int vcpu_setup(unsigned int cpu)
{
	struct vcpu_register_vcpu_info *info;
	struct vcpu_info *vi = &per_cpu(xen_vcpu_info, cpu);
	int rc;

	per_cpu(xen_vcpu_id, cpu) = cpu;
	per_cpu(xen_vcpu, cpu) = &HYPERVISOR_shared_info->vcpu_info[cpu];
	info = kzalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	info->mfn = virt_to_gfn(vi);
	info->offset = offset_in_page(vi);
	rc = HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, xen_vcpu_nr(cpu), info);
	kfree(info);
	if (rc == 0) {
		per_cpu(xen_vcpu, cpu) = vi;
	} else if (rc == -EBUSY) {
		/* Xen registers a vcpu_info once (domain.c, map_guest_area). A
		 * domain resumed from an earlier process of this runtime has it at
		 * this very address (per-CPU areas take the same first frames),
		 * as a resumed Linux has it in its restored per-CPU area. */
		pr_info("native-guest: vcpu_info of vCPU %u already registered: a resumed domain\n", cpu);
		per_cpu(xen_vcpu, cpu) = vi;
	} else if (cpu >= MAX_VIRT_CPUS) {
		return rc;
	}
	return 0;
}

/* The vector entry (arch/x86's sysvec_xen_hvm_callback): the real upcall of
 * events_base.c with interrupts off and the interrupted flags visible. */
static void kernel_upcall(void)
{
	struct pt_regs regs = { NG_IRQ_FLAG_IF };
	struct pt_regs *old = set_irq_regs(&regs);

	irq_enter();
	xen_evtchn_do_upcall();
	irq_exit();
	set_irq_regs(old);
}

/* ---- smp_call_function, as Linux's xen_smp_intr_init binds it: one IPI
 * event channel per vCPU, XEN_CALL_FUNCTION_VECTOR ---- */
struct call_box {
	void (*fn)(void *);
	void *arg;
	volatile int done;
};
static struct call_box call_boxes[NG_MAX_VCPUS];
static DEFINE_SPINLOCK(call_lock);
static volatile int stop_requested;

static irqreturn_t call_function_interrupt(int irq, void *dev_id)
{
	struct call_box *b = &call_boxes[smp_processor_id()];

	(void)irq; (void)dev_id;
	if (b->fn && !b->done) {
		b->fn(b->arg);
		__atomic_store_n(&b->done, 1, __ATOMIC_RELEASE);
	}
	return IRQ_HANDLED;
}

void ng_run_on(int cpu, void (*fn)(void *), void *arg)
{
	struct call_box *b = &call_boxes[cpu];
	unsigned long flags;

	if (cpu == smp_processor_id()) {
		local_irq_save(flags);
		fn(arg);
		local_irq_restore(flags);
		return;
	}
	spin_lock(&call_lock);
	b->arg = arg;
	b->done = 0;
	__atomic_store_n(&b->fn, fn, __ATOMIC_RELEASE);
	xen_send_IPI_one(cpu, XEN_CALL_FUNCTION_VECTOR);
	while (!__atomic_load_n(&b->done, __ATOMIC_ACQUIRE))
		cpu_relax();
	b->fn = NULL;
	spin_unlock(&call_lock);
}

/* Wake each secondary so that it sees the request; do not wait for the IPI
 * to be handled: a secondary that had not gone to sleep yet leaves at once. */
void ng_stop_secondaries(void)
{
	unsigned int cpu;

	__atomic_store_n(&stop_requested, 1, __ATOMIC_SEQ_CST);
	for (cpu = 1; cpu < nr_cpu_ids; cpu++)
		xen_send_IPI_one(cpu, XEN_CALL_FUNCTION_VECTOR);
}

void ng_secondary_idle(void)
{
	local_irq_enable();
	while (!stop_requested) {
		ng_run_deferred();
		/* Xen's SCHEDOP_block: sleep until an event is pending, then the
		 * runtime delivers the upcall on return. */
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
	}
}

static unsigned long grant_frames_gpa;
static int grant_table_setup(void);

int ng_guest_boot(const struct ng_boot_options *opt)
{
	unsigned int cpu;
	int rc;

	ng_upcall_handler = kernel_upcall;
	xen_setup_features();
	xen_have_vector_callback = xen_feature(XENFEAT_hvm_callback_vector);
	rc = map_shared_info();
	if (rc) {
		pr_err("native-guest: XENMEM_add_to_physmap(shared_info) failed: %d\n", rc);
		return rc;
	}
	for_each_possible_cpu(cpu) {
		rc = vcpu_setup(cpu);
		if (rc) {
			pr_err("native-guest: vcpu_info of vCPU %u: %d\n", cpu, rc);
			return rc;
		}
	}
	xen_fifo_events = opt->fifo_events;
	xen_init_IRQ();
	for (cpu = 1; cpu < nr_cpu_ids; cpu++) {
		rc = ng_cpu_prepare(cpu);
		if (rc) {
			pr_err("native-guest: bringing up vCPU %u: %d\n", cpu, rc);
			return rc;
		}
	}
	for_each_possible_cpu(cpu) {
		rc = bind_ipi_to_irqhandler(XEN_CALL_FUNCTION_VECTOR, cpu,
					    call_function_interrupt,
					    IRQF_PERCPU | IRQF_NOBALANCING,
					    "callfunc", NULL);
		if (rc < 0) {
			pr_err("native-guest: call-function IPI of vCPU %u: %d\n", cpu, rc);
			return rc;
		}
	}
	if (opt->grant_table) {
		rc = grant_table_setup();
		if (rc)
			return rc;
	}
	ng_boot_done();
	return 0;
}

unsigned int ng_shutdown_reason = SHUTDOWN_poweroff;

void ng_shutdown(unsigned int reason)
{
	struct sched_shutdown *s = kzalloc(sizeof(*s), GFP_KERNEL);

	BUG_ON(!s);
	s->reason = reason;
	HYPERVISOR_sched_op(SCHEDOP_shutdown, s);
	kfree(s);
}

/* Linux's platform-pci path for an HVM guest: grant frames at a range of
 * guest frames (gnttab_setup_auto_xlat_frames), then gnttab_init. */
static int grant_table_setup(void)
{
	int rc, nr;

	nr = gnttab_max_grant_frames();
	grant_frames_gpa = ng_gpa((void *)__get_free_pages(GFP_KERNEL | __GFP_ZERO,
							   order_base_2(nr)));
	rc = gnttab_setup_auto_xlat_frames(grant_frames_gpa);
	if (rc == 0)
		rc = gnttab_init();
	if (rc)
		pr_err("native-guest: grant table: %d\n", rc);
	return rc;
}
