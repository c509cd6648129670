// SPDX-License-Identifier: MIT
/*
 * Library pieces of the shim: bit searches, bitmaps, spinlocks, rwlocks,
 * completions, memory from the guest's RAM (through the runtime's
 * allocator), struct page, the upcall's interrupted-register view.
 */
#include <ng/kernel.h>
#include <ng/mm.h>
#include <ng/irq.h>

unsigned long find_next_bit(const unsigned long *a, unsigned long size, unsigned long off)
{
	while (off < size) {
		unsigned long w = a[BIT_WORD(off)] >> (off % BITS_PER_LONG);

		if (w)
			return min(off + __ffs(w), size);
		off = (off | (BITS_PER_LONG - 1)) + 1;
	}
	return size;
}

unsigned long find_next_zero_bit(const unsigned long *a, unsigned long size, unsigned long off)
{
	while (off < size) {
		unsigned long w = ~a[BIT_WORD(off)] >> (off % BITS_PER_LONG);

		if (w)
			return min(off + __ffs(w), size);
		off = (off | (BITS_PER_LONG - 1)) + 1;
	}
	return size;
}

void bitmap_set(unsigned long *map, unsigned int start, unsigned int n)
{
	while (n--)
		__set_bit(start++, map);
}

void bitmap_clear(unsigned long *map, unsigned int start, unsigned int n)
{
	while (n--)
		__clear_bit(start++, map);
}

/* Test-and-test-and-set; the owner's word is the lock itself. */
void ng_spin_lock(raw_spinlock_t *l)
{
	for (;;) {
		if (!__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
			return;
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			cpu_relax();
	}
}

int ng_spin_trylock(raw_spinlock_t *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

void ng_spin_unlock(raw_spinlock_t *l)
{
	if (WARN_ON(!l->locked))
		return;
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

void ng_read_lock(rwlock_t *l)
{
	for (;;) {
		int c = __atomic_load_n(&l->cnt, __ATOMIC_RELAXED);

		if (c >= 0 && __atomic_compare_exchange_n(&l->cnt, &c, c + 1, false,
							  __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
		cpu_relax();
	}
}

void ng_read_unlock(rwlock_t *l)
{
	__atomic_sub_fetch(&l->cnt, 1, __ATOMIC_RELEASE);
}

void ng_write_lock(rwlock_t *l)
{
	for (;;) {
		int c = 0;

		if (__atomic_compare_exchange_n(&l->cnt, &c, -1, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
		cpu_relax();
	}
}

void ng_write_unlock(rwlock_t *l)
{
	__atomic_store_n(&l->cnt, 0, __ATOMIC_RELEASE);
}

void wait_for_completion(struct completion *c)
{
	while (!__atomic_load_n(&c->done, __ATOMIC_ACQUIRE)) {
		ng_run_deferred();
		cpu_relax();
	}
}

/* ---- memory ---- */
struct page *ng_mem_map;
unsigned long max_possible_pfn;
static struct task_struct ng_task = { "native-guest" };
struct task_struct *ng_current = &ng_task;

/* Before anything else on vCPU 0: a struct page for every frame of RAM. */
void ng_kernel_early_init(void)
{
	cpumask_setall(&ng_cpu_online_mask); /* every vCPU is online from the start */
	max_possible_pfn = ng_ram_size >> PAGE_SHIFT;
	ng_mem_map = kcalloc(max_possible_pfn, sizeof(struct page), GFP_KERNEL);
	BUG_ON(!ng_mem_map);
}

void *kmalloc(size_t size, gfp_t gfp)
{
	return ng_kmalloc(size, !!(gfp & __GFP_ZERO));
}

void kfree(const void *p)
{
	ng_kfree(p);
}

unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
	return (unsigned long)ng_alloc_pages(order, !!(gfp & __GFP_ZERO));
}

void free_pages(unsigned long addr, unsigned int order)
{
	if (addr)
		ng_free_pages((void *)addr, order);
}

struct page *alloc_page(gfp_t gfp)
{
	void *p = ng_alloc_pages(0, !!(gfp & __GFP_ZERO));

	return p ? virt_to_page(p) : NULL;
}

void __free_page(struct page *p)
{
	ng_free_pages(page_address(p), 0);
}

/* ---- the upcall's interrupted context ---- */
static DEFINE_PER_CPU(struct pt_regs *, irq_regs);

struct pt_regs *get_irq_regs(void)
{
	return this_cpu_read(irq_regs);
}

struct pt_regs *set_irq_regs(struct pt_regs *r)
{
	struct pt_regs *old = this_cpu_read(irq_regs);

	this_cpu_write(irq_regs, r);
	return old;
}
