// SPDX-License-Identifier: MIT
/*
 * Unit test of the shim's pieces the Linux files lean on: per-CPU copies in
 * guest RAM, spinlocks and rwlocks under two threads, the guest-RAM
 * allocator, bit searches, work items and the IRQ layer's flow.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "../runtime/alloc.h"
#include "../runtime/runtime.h"
#include "../shim/include/ng/host.h"
#include "test_shim.h"

extern char __start_ng_percpu[], __stop_ng_percpu[];
void ng_boot_done(void) { }

static int failures, checks;
#define CHECK(c) do { checks++; if (!(c)) { failures++; \
	fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); } } while (0)

static int in_ram(const void *p, size_t len)
{
	const char *c = p;

	return c >= ng_ram_base && c + len <= ng_ram_base + ng_ram_size;
}

static void setup(int cpus)
{
	size_t sz = (size_t)(__stop_ng_percpu - __start_ng_percpu);

	ng_ram_size = 8UL << 20;
	ng_ram_base = mmap(NULL, ng_ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ng_ram_base == MAP_FAILED || ng_alloc_init(ng_ram_base, ng_ram_size, 1) != 0)
		exit(2);
	ng_nr_cpus = cpus;
	for (int i = 0; i < cpus; i++) {
		ng_percpu_base[i] = ng_alloc_pages(0, 1);
		memcpy(ng_percpu_base[i], __start_ng_percpu, sz);
		ng_vcpus[i].id = i;
	}
}

static void test_percpu(void)
{
	CHECK(__stop_ng_percpu - __start_ng_percpu <= 4096);
	for (int c = 0; c < 4; c++) {
		CHECK(in_ram(tk_percpu_addr(c), sizeof(int)));
		CHECK(tk_percpu_read(c) == 7);          /* the template's initial value */
		CHECK(in_ram(tk_other_addr(c), sizeof(long)));
	}
	CHECK(tk_percpu_addr(0) != tk_percpu_addr(1));
	CHECK((char *)tk_percpu_addr(1) - (char *)tk_percpu_addr(0) ==
	      (char *)ng_percpu_base[1] - (char *)ng_percpu_base[0]);
	tk_percpu_write(2, 42);
	CHECK(tk_percpu_read(2) == 42 && tk_percpu_read(1) == 7);
	ng_vcpu_enter(2);
	CHECK(tk_this_cpu_read() == 42);
	tk_this_cpu_inc();
	ng_vcpu_enter(3);
	CHECK(tk_this_cpu_read() == 7);
	CHECK(tk_percpu_read(2) == 43);
}

struct adder { int cpu; long n; int lock; int rw_writer; };

static void *adder_main(void *arg)
{
	struct adder *a = arg;

	ng_vcpu_enter(a->cpu);
	if (a->rw_writer >= 0)
		tk_rw_adds(a->n, a->rw_writer);
	else
		tk_locked_adds(a->n, a->lock);
	return NULL;
}

static void run2(struct adder *a, struct adder *b)
{
	pthread_t t1, t2;

	tk_shared_reset();
	pthread_create(&t1, NULL, adder_main, a);
	pthread_create(&t2, NULL, adder_main, b);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
}

static void test_locks(void)
{
	struct adder a = { 0, 2000000, 1, -1 }, b = { 1, 2000000, 1, -1 };
	struct adder w1 = { 0, 500000, 0, 1 }, w2 = { 1, 500000, 0, 1 };
	struct adder r = { 1, 500000, 0, 0 };

	run2(&a, &b);
	CHECK(tk_shared_value() == 4000000);
	a.lock = b.lock = 0; /* the same without the lock loses updates on 2 cores */
	run2(&a, &b);
	printf("test-shim: without the spinlock %ld of 4000000 increments survived\n", tk_shared_value());
	run2(&w1, &w2);
	CHECK(tk_shared_value() == 1000000);
	run2(&w1, &r);    /* readers BUG() if a writer is half-way */
	CHECK(tk_shared_value() == 500000);
	ng_vcpu_enter(0);
	CHECK(tk_spin_trylock_twice() == 10);
	/* the irqsave variant left the vCPU's interrupt flag as it found it */
	CHECK(ng_irqs_disabled());
	ng_irq_restore(NG_IRQ_FLAG_IF);
	CHECK(!ng_irqs_disabled());
	CHECK(ng_irq_save() == NG_IRQ_FLAG_IF && ng_irqs_disabled());
}

static void test_alloc(void)
{
	unsigned long before = ng_alloc_frames_used();
	char *p0 = ng_alloc_pages(0, 1), *p3 = ng_alloc_pages(3, 1), *again;
	void *objs[200];

	CHECK(p0 && p3 && in_ram(p0, 4096) && in_ram(p3, 8 * 4096));
	CHECK((p0 - ng_ram_base) % 4096 == 0);
	CHECK((p3 - ng_ram_base) % (8 * 4096) == 0);       /* aligned to its order */
	CHECK(p0 != ng_ram_base && p3 != ng_ram_base);     /* frame 0 is never handed out */
	CHECK(ng_alloc_frames_used() == before + 9);
	memset(p3, 0x5a, 8 * 4096);
	ng_free_pages(p3, 3);
	again = ng_alloc_pages(3, 1);
	CHECK(again == p3 && again[100] == 0);             /* reused and zeroed */
	ng_free_pages(again, 3);
	ng_free_pages(p0, 0);
	CHECK(ng_alloc_frames_used() == before);
	for (int i = 0; i < 200; i++) {
		objs[i] = ng_kmalloc(48, 1);
		CHECK(objs[i] && in_ram(objs[i], 48) && ((char *)objs[i] - ng_ram_base) % 64 == 0);
	}
	for (int i = 1; i < 200; i++)
		CHECK(objs[i] != objs[i - 1]);
	CHECK(ng_alloc_frames_used() == before + 4);       /* 200 x 64 B in 4 pages */
	for (int i = 0; i < 200; i++)
		ng_kfree(objs[i]);
	CHECK(ng_kmalloc(48, 0) == objs[199]);             /* last freed, first reused */
	{
		char *big = ng_kmalloc(3 * 4096, 0);

		CHECK(big && (big - ng_ram_base) % 4096 == 0);
		ng_kfree(big);
	}
	CHECK(ng_alloc_pages(21, 0) == NULL);
	ng_alloc_set_floor(1024);                          /* 4 MiB */
	{
		char *hi = ng_alloc_pages(0, 0);

		CHECK(hi && hi - ng_ram_base >= 1024L * 4096);
		ng_free_pages(hi, 0);
	}
	CHECK(ng_alloc_pages(12, 0) == NULL);              /* 16 MiB > the 8 MiB RAM */
}

static void test_bits(void)
{
	unsigned long a[3] = { 0, 1UL << 63, 5 };

	CHECK(tk_find_next_bit(a, 192, 0) == 127);
	CHECK(tk_find_next_bit(a, 192, 128) == 128);
	CHECK(tk_find_next_bit(a, 192, 129) == 130);
	CHECK(tk_find_next_bit(a, 192, 131) == 192);
	CHECK(tk_find_next_bit(a, 100, 0) == 100);        /* beyond size: size */
	CHECK(tk_find_next_zero_bit(a, 192, 127) == 129);
}

static void test_work(void)
{
	int order[3] = { 0 }, cancelled = 0, requeue = 1;
	int ran = tk_work(order, &cancelled, &requeue);

	CHECK(ran == 2);
	CHECK(order[0] == 2 && order[1] == 1);   /* due-time order: w2 queued first */
	CHECK(cancelled == 1 && requeue == 0);
}

static void test_irq(void)
{
	int irq = -1, second = -1, busy = 0;
	const char *log;

	ng_vcpu_enter(0);
	log = tk_irq(&irq, &second, &busy);
	CHECK(irq >= 0 && second == irq + 1);
	CHECK(busy == -16);
	printf("test-shim: irq chip calls %s\n", log);
	CHECK(strcmp(log, "MurahmMur1m") == 0);
}

int main(void)
{
	setup(4);
	test_percpu();
	test_locks();
	test_alloc();
	test_bits();
	test_work();
	test_irq();
	printf("test-shim: %d checks, %d failed\n", checks, failures);
	return failures != 0;
}
