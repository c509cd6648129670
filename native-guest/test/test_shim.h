/* SPDX-License-Identifier: MIT */
/* Shared by the two halves of the shim test. */
void *tk_percpu_addr(int cpu);
int tk_percpu_read(int cpu);
void tk_percpu_write(int cpu, int v);
int tk_this_cpu_read(void);
void tk_this_cpu_inc(void);
void *tk_other_addr(int cpu);
void tk_locked_adds(long n, int use_lock);
void tk_rw_adds(long n, int writer);
long tk_shared_value(void);
void tk_shared_reset(void);
int tk_spin_trylock_twice(void);
unsigned long tk_find_next_bit(const unsigned long *a, unsigned long size, unsigned long off);
unsigned long tk_find_next_zero_bit(const unsigned long *a, unsigned long size, unsigned long off);
int tk_work(int *order, int *cancelled, int *requeue);
const char *tk_irq(int *irq_out, int *second, int *busy);
