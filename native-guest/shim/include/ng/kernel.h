/* SPDX-License-Identifier: MIT */
/*
 * The native-guest kernel shim: the part of the kernel API that Linux's
 * events_*.c and grant-table.c use, written for a user-space process whose
 * vCPUs are threads and whose memory is the domain's RAM file. Every
 * linux/... header of the shim forwards here.
 */
#ifndef NG_KERNEL_H
#define NG_KERNEL_H

#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>
#include <ng/host.h>

/* ---- types (the kernel's: 64-bit ones are long long) ---- */
typedef unsigned char u8; typedef unsigned short u16; typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8; typedef short s16; typedef int s32; typedef long long s64;
typedef u8 uint8_t; typedef u16 uint16_t; typedef u32 uint32_t; typedef u64 uint64_t;
typedef s8 int8_t; typedef s16 int16_t; typedef s32 int32_t; typedef s64 int64_t;
typedef unsigned long uintptr_t; typedef long intptr_t;
typedef u8 __u8; typedef u16 __u16; typedef u32 __u32; typedef u64 __u64;
typedef s8 __s8; typedef s16 __s16; typedef s32 __s32; typedef s64 __s64;
typedef u16 __le16; typedef u32 __le32; typedef u64 __le64;
typedef u16 __be16; typedef u32 __be32; typedef u64 __be64;
typedef long ssize_t; typedef long long loff_t;
typedef u64 phys_addr_t; typedef u64 dma_addr_t; typedef u64 resource_size_t;
typedef unsigned int gfp_t; typedef unsigned short umode_t;
typedef s64 ktime_t; typedef int pid_t;
typedef struct { int counter; } atomic_t;
typedef struct { s64 counter; } atomic64_t;
typedef atomic64_t atomic_long_t;
typedef u64 __attribute__((__aligned__(8))) aligned_u64;

/* ---- compiler ---- */
#define __always_inline inline __attribute__((__always_inline__))
#define noinline __attribute__((__noinline__))
#define __init
#define __initdata
#define __initconst
#define __exit
#define __ref
#define __read_mostly
#define __ro_after_init
#define __cold __attribute__((__cold__))
#define __maybe_unused __attribute__((__unused__))
#define __always_unused __attribute__((__unused__))
#define __used __attribute__((__used__))
#define __must_check __attribute__((__warn_unused_result__))
#define __packed __attribute__((__packed__))
#define __aligned(x) __attribute__((__aligned__(x)))
#define __printf(a, b) __attribute__((__format__(printf, a, b)))
#define __noreturn __attribute__((__noreturn__))
#define __weak __attribute__((__weak__))
#define __compiletime_error(m) __attribute__((__error__(m)))
#define __visible
#define __force
#define __iomem
#define __user
#define __percpu
#define __rcu
#define __bitwise
#define __kernel
#define __safe
#define __cacheline_aligned __aligned(64)
#define ____cacheline_aligned __aligned(64)
#define ____cacheline_aligned_in_smp __aligned(64)
#define notrace
#define noinstr
#define asmlinkage
#define fallthrough __attribute__((__fallthrough__))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define barrier() __asm__ __volatile__("" ::: "memory")
#define __stringify_1(x...) #x
#define __stringify(x...) __stringify_1(x)
#define ___PASTE(a, b) a##b
#define __PASTE(a, b) ___PASTE(a, b)
#define __UNIQUE_ID(p) __PASTE(__PASTE(__UNIQUE_ID_, p), __COUNTER__)
#define __same_type(a, b) __builtin_types_compatible_p(typeof(a), typeof(b))
#define __native_word(t) (sizeof(t) == 1 || sizeof(t) == 2 || sizeof(t) == 4 || sizeof(t) == 8)
#define READ_ONCE(x) (*(const volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, v) do { *(volatile typeof(x) *)&(x) = (v); } while (0)
#define ACCESS_ONCE(x) READ_ONCE(x)
#define BUILD_BUG_ON(c) _Static_assert(!(c), "BUILD_BUG_ON")
#define BUILD_BUG_ON_MSG(c, m) _Static_assert(!(c), m)
#define BUILD_BUG() do { } while (0)
#define container_of(p, t, m) ((t *)((char *)(p) - offsetof(t, m)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define IS_ENABLED(c) __is_defined(c)
#define __is_defined(x) ___is_defined(x)
#define ___is_defined(val) ____is_defined(__ARG_PLACEHOLDER_##val)
#define __ARG_PLACEHOLDER_1 0,
#define ____is_defined(arg1_or_junk) __take_second_arg(arg1_or_junk 1, 0)
#define __take_second_arg(__ignored, val, ...) val
#define IS_BUILTIN(c) IS_ENABLED(c)
#define EXPORT_SYMBOL(s)
#define EXPORT_SYMBOL_GPL(s)
#define EXPORT_SYMBOL_NS_GPL(s, n)
#define MODULE_LICENSE(s)
#define MODULE_AUTHOR(s)
#define MODULE_DESCRIPTION(s)
#define MODULE_PARM_DESC(p, d)
#define module_param(n, t, p)
#define module_param_named(n, v, t, p)
#define core_param(n, v, t, p)
#define early_param(s, f)
/* Initcalls are not run by themselves: the scenario drivers call what they need. */
#define ng_initcall(f) static __maybe_unused int (*__PASTE(ng_initcall_, f))(void) = f
#define core_initcall(f) ng_initcall(f)
#define core_initcall_sync(f) ng_initcall(f)
#define arch_initcall(f) ng_initcall(f)
#define subsys_initcall(f) ng_initcall(f)
#define device_initcall(f) ng_initcall(f)
#define late_initcall(f) ng_initcall(f)
#define module_init(f) ng_initcall(f)
#define module_exit(f)
#define THIS_MODULE ((void *)0)
#define NOKPROBE_SYMBOL(s)
#define ANNOTATE_NOENDBR

/* ---- arithmetic ---- */
#define min(a, b) ({ typeof(a) _a = (a); typeof(b) _b = (b); _a < _b ? _a : _b; })
#define max(a, b) ({ typeof(a) _a = (a); typeof(b) _b = (b); _a > _b ? _a : _b; })
#define min_t(t, a, b) min((t)(a), (t)(b))
#define max_t(t, a, b) max((t)(a), (t)(b))
#define clamp(v, lo, hi) min(max(v, lo), hi)
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define ALIGN(x, a) (((x) + ((typeof(x))(a) - 1)) & ~((typeof(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((typeof(x))(a) - 1)) == 0)
#define BITS_PER_LONG 64
#define BITS_PER_BYTE 8
#define BIT(n) (1UL << (n))
#define BIT_ULL(n) (1ULL << (n))
#define BIT_WORD(n) ((n) / BITS_PER_LONG)
#define BIT_MASK(n) (1UL << ((n) % BITS_PER_LONG))
#define BITS_TO_LONGS(n) DIV_ROUND_UP(n, BITS_PER_LONG)
#define DECLARE_BITMAP(name, bits) unsigned long name[BITS_TO_LONGS(bits)]
#define GENMASK(h, l) (((~0UL) << (l)) & (~0UL >> (BITS_PER_LONG - 1 - (h))))
#define U8_MAX 0xffU
#define U16_MAX 0xffffU
#define U32_MAX 0xffffffffU
#define U64_MAX (~0ULL)
#define INT_MAX 0x7fffffff
#define UINT_MAX 0xffffffffU
#define LONG_MAX 0x7fffffffffffffffL
#define ULONG_MAX (~0UL)
#define upper_32_bits(n) ((u32)(((n) >> 16) >> 16))
#define lower_32_bits(n) ((u32)((n) & 0xffffffff))
#define order_base_2(n) ((n) <= 1 ? 0 : fls((unsigned int)(n) - 1))
#define swap(a, b) do { typeof(a) _t = (a); (a) = (b); (b) = _t; } while (0)

#define _AC(x, y) (x##y)
#define _AT(t, x) ((t)(x))
#define _UL(x) (_AC(x, UL))
#define _ULL(x) (_AC(x, ULL))

/* ---- pages (one page size, 4 KiB; gfn == pfn == guest address >> 12) ---- */
#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PAGE_ALIGN(a) ALIGN(a, PAGE_SIZE)
#define offset_in_page(p) ((unsigned long)(p) & ~PAGE_MASK)
#define clear_page(p) __builtin_memset(p, 0, PAGE_SIZE)
#define PFN_DOWN(x) ((x) >> PAGE_SHIFT)
#define PFN_UP(x) (((x) + PAGE_SIZE - 1) >> PAGE_SHIFT)
#define PFN_PHYS(x) ((phys_addr_t)(x) << PAGE_SHIFT)

/* ---- printk, BUG, WARN ---- */
#define KERN_SOH "\001"
#define KERN_EMERG KERN_SOH "0"
#define KERN_ALERT KERN_SOH "1"
#define KERN_CRIT KERN_SOH "2"
#define KERN_ERR KERN_SOH "3"
#define KERN_WARNING KERN_SOH "4"
#define KERN_NOTICE KERN_SOH "5"
#define KERN_INFO KERN_SOH "6"
#define KERN_DEBUG KERN_SOH "7"
#define KERN_CONT KERN_SOH "c"
#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
#define printk(fmt, ...) ng_printk(fmt, ##__VA_ARGS__)
#define pr_emerg(fmt, ...) printk(KERN_EMERG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_crit(fmt, ...) printk(KERN_CRIT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...) printk(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...) printk(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_notice(fmt, ...) printk(KERN_NOTICE pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...) printk(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
#define pr_cont(fmt, ...) printk(KERN_CONT fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) do { if (0) printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__); } while (0)
#define pr_err_once pr_err
#define pr_warn_once pr_warn
#define pr_info_once pr_info
#define pr_err_ratelimited pr_err
#define pr_warn_ratelimited pr_warn
#define printk_once printk
#define printk_ratelimited printk
#define BUG() ng_bug(__FILE__, __LINE__)
#define BUG_ON(c) do { if (unlikely(c)) BUG(); } while (0)
#define WARN(c, fmt...) ({ int _c = !!(c); if (unlikely(_c)) ng_warn(__FILE__, __LINE__); _c; })
#define WARN_ON(c) WARN(c, "")
#define WARN_ONCE(c, fmt...) WARN(c, fmt)
#define WARN_ON_ONCE(c) WARN_ON(c)
#define dump_stack() do { } while (0)
#define panic(fmt, ...) ng_panic(fmt, ##__VA_ARGS__)

/* ---- errno (Linux's numbers, which Xen's public errno.h shares on x86) ---- */
#define EPERM 1
#define ENOENT 2
#define ESRCH 3
#define EINTR 4
#define EIO 5
#define ENXIO 6
#define E2BIG 7
#define ENOEXEC 8
#define EBADF 9
#define ECHILD 10
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOSPC 28
#define ERANGE 34
#define EDEADLK 35
#define ENOSYS 38
#define ENODATA 61
#define EOVERFLOW 75
#define EOPNOTSUPP 95
#define EISDIR 21
#define EROFS 30
#define ENOTEMPTY 39
#define EISCONN 106
#define ETIMEDOUT 110
#define MAX_ERRNO 4095
#define IS_ERR_VALUE(x) unlikely((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)
static inline void *ERR_PTR(long e) { return (void *)e; }
static inline long PTR_ERR(const void *p) { return (long)p; }
static inline bool IS_ERR(const void *p) { return IS_ERR_VALUE((unsigned long)p); }
static inline bool IS_ERR_OR_NULL(const void *p) { return !p || IS_ERR(p); }

/* ---- barriers and atomics (x86-TSO; Linux's own cmpxchg.h for xchg/cmpxchg) ---- */
#define mb() __asm__ __volatile__("mfence" ::: "memory")
#define rmb() barrier()
#define wmb() barrier()
#define smp_mb() mb()
#define smp_rmb() barrier()
#define smp_wmb() barrier()
#define virt_mb() mb()
#define virt_rmb() barrier()
#define virt_wmb() barrier()
#define smp_mb__before_atomic() barrier()
#define smp_mb__after_atomic() barrier()
#define smp_store_release(p, v) do { barrier(); WRITE_ONCE(*(p), v); } while (0)
#define smp_load_acquire(p) ({ typeof(*(p)) _v = READ_ONCE(*(p)); barrier(); _v; })
#define cpu_relax() __asm__ __volatile__("pause" ::: "memory")
#include <asm/asm.h>
#include <asm/cmpxchg.h>
#define xchg(p, v) arch_xchg(p, v)
#define xchg_acquire(p, v) arch_xchg(p, v)
#define xchg_release(p, v) arch_xchg(p, v)
#define cmpxchg(p, o, n) arch_cmpxchg(p, o, n)
#define cmpxchg64(p, o, n) arch_cmpxchg64(p, o, n)
#define sync_cmpxchg(p, o, n) arch_sync_cmpxchg(p, o, n)
#define try_cmpxchg(p, po, n) arch_try_cmpxchg(p, po, n)
#define ATOMIC_INIT(i) { (i) }
#define atomic_read(v) READ_ONCE((v)->counter)
#define atomic_set(v, i) WRITE_ONCE((v)->counter, i)
#define atomic_add(i, v) ((void)__atomic_add_fetch(&(v)->counter, i, __ATOMIC_SEQ_CST))
#define atomic_sub(i, v) ((void)__atomic_sub_fetch(&(v)->counter, i, __ATOMIC_SEQ_CST))
#define atomic_inc(v) atomic_add(1, v)
#define atomic_dec(v) atomic_sub(1, v)
#define atomic_add_return(i, v) __atomic_add_fetch(&(v)->counter, i, __ATOMIC_SEQ_CST)
#define atomic_inc_return(v) atomic_add_return(1, v)
#define atomic_dec_return(v) __atomic_sub_fetch(&(v)->counter, 1, __ATOMIC_SEQ_CST)
#define atomic_dec_and_test(v) (atomic_dec_return(v) == 0)
#define atomic_xchg(v, n) __atomic_exchange_n(&(v)->counter, n, __ATOMIC_SEQ_CST)
#define atomic_cmpxchg(v, o, n) cmpxchg(&(v)->counter, o, n)
static inline bool atomic_add_unless(atomic_t *v, int a, int u)
{
	int c = atomic_read(v);
	do {
		if (c == u)
			return false;
	} while (!__atomic_compare_exchange_n(&v->counter, &c, c + a, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	return true;
}
#define atomic64_read atomic_read
#define atomic64_inc_return atomic_inc_return
#define atomic64_dec_return atomic_dec_return
#define atomic64_set atomic_set
#define atomic64_inc atomic_inc
#define atomic64_add atomic_add

/* ---- bit operations on unsigned long arrays ---- */
static inline void set_bit(long nr, volatile unsigned long *a)
{ __atomic_fetch_or(&a[BIT_WORD(nr)], BIT_MASK(nr), __ATOMIC_SEQ_CST); }
static inline void clear_bit(long nr, volatile unsigned long *a)
{ __atomic_fetch_and(&a[BIT_WORD(nr)], ~BIT_MASK(nr), __ATOMIC_SEQ_CST); }
static inline bool test_and_set_bit(long nr, volatile unsigned long *a)
{ return __atomic_fetch_or(&a[BIT_WORD(nr)], BIT_MASK(nr), __ATOMIC_SEQ_CST) & BIT_MASK(nr); }
static inline bool test_and_clear_bit(long nr, volatile unsigned long *a)
{ return __atomic_fetch_and(&a[BIT_WORD(nr)], ~BIT_MASK(nr), __ATOMIC_SEQ_CST) & BIT_MASK(nr); }
static inline void __set_bit(long nr, volatile unsigned long *a) { a[BIT_WORD(nr)] |= BIT_MASK(nr); }
static inline void __clear_bit(long nr, volatile unsigned long *a) { a[BIT_WORD(nr)] &= ~BIT_MASK(nr); }
static inline bool test_bit(long nr, const volatile unsigned long *a)
{ return (a[BIT_WORD(nr)] >> (nr % BITS_PER_LONG)) & 1; }
static inline unsigned long __ffs(unsigned long w) { return __builtin_ctzl(w); }
static inline unsigned long __fls(unsigned long w) { return 63 - __builtin_clzl(w); }
static inline int ffs(int x) { return __builtin_ffs(x); }
static inline int fls(unsigned int x) { return x ? 32 - __builtin_clz(x) : 0; }
static inline unsigned int hweight_long(unsigned long w) { return __builtin_popcountl(w); }
unsigned long find_next_bit(const unsigned long *a, unsigned long size, unsigned long off);
unsigned long find_next_zero_bit(const unsigned long *a, unsigned long size, unsigned long off);
#define find_first_bit(a, size) find_next_bit(a, size, 0)
#define find_first_zero_bit(a, size) find_next_zero_bit(a, size, 0)
#define for_each_set_bit(b, a, size) \
	for ((b) = find_first_bit(a, size); (b) < (size); (b) = find_next_bit(a, size, (b) + 1))
void bitmap_set(unsigned long *map, unsigned int start, unsigned int n);
void bitmap_clear(unsigned long *map, unsigned int start, unsigned int n);
#define bitmap_zalloc(n, g) ((unsigned long *)kcalloc(BITS_TO_LONGS(n), sizeof(long), g))
#define bitmap_free(b) kfree(b)
static inline void bitmap_zero(unsigned long *d, unsigned int n)
{ __builtin_memset(d, 0, BITS_TO_LONGS(n) * sizeof(long)); }

/* ---- strings and memory (the compiler's builtins) ---- */
#define memset __builtin_memset
#define memcpy __builtin_memcpy
#define memmove __builtin_memmove
#define memcmp __builtin_memcmp
#define strlen __builtin_strlen
#define strcmp __builtin_strcmp
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int sscanf(const char *s, const char *fmt, ...);
char *kasprintf(gfp_t gfp, const char *fmt, ...) __printf(2, 3);

/* ---- CPUs are threads; per-CPU variables are copies of a template section ---- */
#define NR_CPUS CONFIG_NR_CPUS
#define nr_cpu_ids ((unsigned int)ng_nr_cpus)
#define num_possible_cpus() nr_cpu_ids
#define num_online_cpus() nr_cpu_ids
#define smp_processor_id() ng_this_cpu
#define raw_smp_processor_id() ng_this_cpu
#define get_cpu() ng_this_cpu
#define put_cpu() do { } while (0)
#define preempt_disable() barrier()
#define preempt_enable() barrier()
#define cpu_online(c) ((unsigned int)(c) < nr_cpu_ids)
#define cpu_possible(c) cpu_online(c)
#define for_each_possible_cpu(c) for ((c) = 0; (c) < (int)nr_cpu_ids; (c)++)
#define for_each_online_cpu(c) for_each_possible_cpu(c)
#define for_each_present_cpu(c) for_each_possible_cpu(c)
#define NG_PERCPU_SECTION __attribute__((__section__("ng_percpu"), __aligned__(8)))
#define DEFINE_PER_CPU(t, n) NG_PERCPU_SECTION __typeof__(t) n
#define DECLARE_PER_CPU(t, n) extern __typeof__(t) n
#define DEFINE_PER_CPU_READ_MOSTLY DEFINE_PER_CPU
#define DEFINE_PER_CPU_ALIGNED DEFINE_PER_CPU
extern char __start_ng_percpu[], __stop_ng_percpu[];
#define per_cpu_ptr(p, cpu) ((typeof(p))((char *)(p) - __start_ng_percpu + (char *)ng_percpu_base[cpu]))
#define this_cpu_ptr(p) per_cpu_ptr(p, ng_this_cpu)
#define raw_cpu_ptr(p) this_cpu_ptr(p)
#define per_cpu(v, cpu) (*per_cpu_ptr(&(v), cpu))
#define this_cpu_read(v) (*this_cpu_ptr(&(v)))
#define this_cpu_write(v, x) (*this_cpu_ptr(&(v)) = (x))
#define this_cpu_inc(v) ((*this_cpu_ptr(&(v)))++)
#define __this_cpu_read this_cpu_read
#define __this_cpu_write this_cpu_write
#define __this_cpu_inc this_cpu_inc
#define raw_cpu_read this_cpu_read
#define get_cpu_var(v) (*this_cpu_ptr(&(v)))
#define put_cpu_var(v) do { } while (0)

/* ---- interrupt flag: one per vCPU ---- */
#define local_irq_save(f) do { (f) = ng_irq_save(); } while (0)
#define local_irq_restore(f) ng_irq_restore(f)
#define local_irq_disable() ((void)ng_irq_save())
#define local_irq_enable() ng_irq_restore(NG_IRQ_FLAG_IF)
#define irqs_disabled() ng_irqs_disabled()
#define raw_local_irq_save local_irq_save
#define raw_local_irq_restore local_irq_restore
#define in_interrupt() ng_in_irq
#define in_irq() ng_in_irq
#define in_atomic() (ng_in_irq || ng_irqs_disabled())
#define might_sleep() do { } while (0)
#define lockdep_assert_held(l) do { } while (0)
#define lockdep_assert_irqs_disabled() do { } while (0)

/* ---- spinlocks and rwlocks: test-and-set words in the guest's memory ---- */
typedef struct { volatile int locked; } raw_spinlock_t;
typedef raw_spinlock_t spinlock_t;
typedef struct { volatile int cnt; } rwlock_t; /* -1 writer, > 0 readers */
#define __RAW_SPIN_LOCK_UNLOCKED(n) { 0 }
#define __SPIN_LOCK_UNLOCKED(n) { 0 }
#define DEFINE_SPINLOCK(n) spinlock_t n = { 0 }
#define DEFINE_RAW_SPINLOCK(n) raw_spinlock_t n = { 0 }
#define DEFINE_RWLOCK(n) rwlock_t n = { 0 }
void ng_spin_lock(raw_spinlock_t *l);
int ng_spin_trylock(raw_spinlock_t *l);
void ng_spin_unlock(raw_spinlock_t *l);
void ng_read_lock(rwlock_t *l);
void ng_read_unlock(rwlock_t *l);
void ng_write_lock(rwlock_t *l);
void ng_write_unlock(rwlock_t *l);
#define spin_lock_init(l) do { (l)->locked = 0; } while (0)
#define raw_spin_lock_init spin_lock_init
#define rwlock_init(l) do { (l)->cnt = 0; } while (0)
#define spin_lock(l) ng_spin_lock(l)
#define spin_trylock(l) ng_spin_trylock(l)
#define spin_unlock(l) ng_spin_unlock(l)
#define spin_lock_irq(l) do { local_irq_disable(); spin_lock(l); } while (0)
#define spin_unlock_irq(l) do { spin_unlock(l); local_irq_enable(); } while (0)
#define spin_lock_irqsave(l, f) do { local_irq_save(f); spin_lock(l); } while (0)
#define spin_unlock_irqrestore(l, f) do { spin_unlock(l); local_irq_restore(f); } while (0)
#define raw_spin_lock spin_lock
#define raw_spin_unlock spin_unlock
#define raw_spin_lock_irqsave spin_lock_irqsave
#define raw_spin_unlock_irqrestore spin_unlock_irqrestore
#define read_lock(l) ng_read_lock(l)
#define read_unlock(l) ng_read_unlock(l)
#define write_lock(l) ng_write_lock(l)
#define write_unlock(l) ng_write_unlock(l)
#define read_lock_irqsave(l, f) do { local_irq_save(f); read_lock(l); } while (0)
#define read_unlock_irqrestore(l, f) do { read_unlock(l); local_irq_restore(f); } while (0)
#define write_lock_irqsave(l, f) do { local_irq_save(f); write_lock(l); } while (0)
#define write_unlock_irqrestore(l, f) do { write_unlock(l); local_irq_restore(f); } while (0)

/* Sleeping locks: a vCPU may spin, there is no scheduler below it. */
struct mutex { raw_spinlock_t l; };
#define DEFINE_MUTEX(n) struct mutex n = { { 0 } }
#define mutex_init(m) spin_lock_init(&(m)->l)
#define mutex_lock(m) spin_lock(&(m)->l)
#define mutex_unlock(m) spin_unlock(&(m)->l)
struct completion { volatile int done; };
#define init_completion(c) ((c)->done = 0)
#define complete(c) __atomic_store_n(&(c)->done, 1, __ATOMIC_SEQ_CST)
void wait_for_completion(struct completion *c);

/* RCU: readers run with the vCPU's interrupts as they are; a grace period is
 * taken as over when the deferred work runs (from ng_run_deferred). */
#define rcu_read_lock() barrier()
#define rcu_read_unlock() barrier()
#define rcu_dereference(p) READ_ONCE(p)
#define rcu_assign_pointer(p, v) smp_store_release(&(p), v)
#define synchronize_rcu() barrier()

/* ---- memory: pages and kmalloc come from the guest's RAM ---- */
#define GFP_KERNEL 0x1u
#define GFP_ATOMIC 0x2u
#define GFP_NOWAIT 0x4u
#define GFP_NOIO 0x8u
#define __GFP_ZERO 0x100u
#define __GFP_NOWARN 0x200u
#define __GFP_HIGH 0x400u
#define __GFP_RETRY_MAYFAIL 0x800u
void *kmalloc(size_t size, gfp_t gfp);
void kfree(const void *p);
#define kzalloc(s, g) kmalloc(s, (g) | __GFP_ZERO)
#define kcalloc(n, s, g) kmalloc((n) * (s), (g) | __GFP_ZERO)
#define kmalloc_array(n, s, g) kmalloc((n) * (s), g)
#define kvmalloc kmalloc
#define kvfree kfree
#define vzalloc(s) kzalloc(s, GFP_KERNEL)
#define vfree kfree
unsigned long __get_free_pages(gfp_t gfp, unsigned int order);
#define __get_free_page(g) __get_free_pages(g, 0)
#define get_zeroed_page(g) __get_free_pages((g) | __GFP_ZERO, 0)
void free_pages(unsigned long addr, unsigned int order);
#define free_page(a) free_pages(a, 0)

/* ---- time: jiffies from the host's monotonic clock ---- */
#define HZ CONFIG_HZ
#define NSEC_PER_SEC 1000000000L
#define NSEC_PER_MSEC 1000000L
#define NSEC_PER_USEC 1000L
#define USEC_PER_SEC 1000000L
#define MSEC_PER_SEC 1000L
#define jiffies ((unsigned long)(ng_now_ns() / (NSEC_PER_SEC / HZ)))
#define get_jiffies_64() ((u64)jiffies)
#define jiffies_to_msecs(j) ((unsigned int)((j) * (MSEC_PER_SEC / HZ)))
#define msecs_to_jiffies(m) ((unsigned long)DIV_ROUND_UP((m), MSEC_PER_SEC / HZ))
#define time_after(a, b) ((long)((b) - (a)) < 0)
#define time_before(a, b) time_after(b, a)
#define time_after_eq(a, b) ((long)((a) - (b)) >= 0)
#define time_is_before_jiffies(a) time_after(jiffies, a)
#define ktime_get() ((ktime_t)ng_now_ns())
#define ktime_add_ms(k, ms) ((k) + (ktime_t)(ms) * NSEC_PER_MSEC)
#define ktime_add_us(k, us) ((k) + (ktime_t)(us) * NSEC_PER_USEC)
#define ktime_to_ns(k) (k)
#define ktime_compare(a, b) ((a) < (b) ? -1 : (a) > (b))
#define udelay(us) ng_delay_ns((u64)(us) * 1000)
#define mdelay(ms) ng_delay_ns((u64)(ms) * 1000000)
#define msleep(ms) mdelay(ms)
#define cond_resched() do { } while (0)

/* ---- odds and ends the Xen headers name ---- */
typedef struct { unsigned long pgprot; } pgprot_t;
#define PAGE_KERNEL ((pgprot_t){ 0 })
struct vm_area_struct;
enum dma_data_direction { DMA_BIDIRECTIONAL = 0, DMA_TO_DEVICE = 1, DMA_FROM_DEVICE = 2, DMA_NONE = 3 };
struct task_struct { char comm[16]; };
extern struct task_struct *ng_current;
#define current ng_current
/* The highest guest frame number plus one (RAM size in frames). */
extern unsigned long max_possible_pfn;
struct module;
struct kobj_uevent_env;
struct device { const char *init_name; void *driver_data; };
struct device_driver { const char *name; };
struct semaphore { volatile int count; };
struct resource { resource_size_t start, end; const char *name; unsigned long flags; };
#define __scanf(a, b) __attribute__((__format__(scanf, a, b)))
typedef unsigned int uint;
typedef unsigned long ulong;
#define SHRT_MAX 0x7fff
#define USHRT_MAX 0xffffU
struct notifier_block { int (*notifier_call)(struct notifier_block *, unsigned long, void *); };
/* The interrupted context of an upcall: only its interrupt flag matters. */
struct pt_regs { unsigned long flags; };
#define X86_EFLAGS_IF 0x200UL
#define raw_irqs_disabled_flags(f) (!((f) & X86_EFLAGS_IF))
struct pt_regs *get_irq_regs(void);
struct pt_regs *set_irq_regs(struct pt_regs *r);

#include <ng/list.h>
#include <ng/work.h>

#endif
