/* SPDX-License-Identifier: MIT */
/*
 * Work items, delayed work, RCU work and timers. There are no asynchronous
 * interrupts: everything queued runs from ng_run_deferred(), which a vCPU
 * calls from its idle loop, in due-time order, outside any upcall.
 */
#ifndef NG_WORK_H
#define NG_WORK_H
struct work_struct;
typedef void (*work_func_t)(struct work_struct *);
struct work_struct {
	struct list_head entry;
	work_func_t func;
	unsigned long long due_ns;
	int queued;
};
struct delayed_work { struct work_struct work; };
struct rcu_work { struct work_struct work; };
struct workqueue_struct { int unused; };
extern struct workqueue_struct *system_wq;
#define WORK_CPU_UNBOUND NR_CPUS
#define INIT_WORK(w, f) ng_init_work(w, f)
#define INIT_DELAYED_WORK(d, f) ng_init_work(&(d)->work, f)
#define INIT_RCU_WORK(r, f) ng_init_work(&(r)->work, f)
#define DECLARE_WORK(n, f) struct work_struct n = { LIST_HEAD_INIT(n.entry), f, 0, 0 }
#define DECLARE_DELAYED_WORK(n, f) struct delayed_work n = { { LIST_HEAD_INIT(n.work.entry), f, 0, 0 } }
#define to_delayed_work(w) container_of(w, struct delayed_work, work)
#define to_rcu_work(w) container_of(w, struct rcu_work, work)
void ng_init_work(struct work_struct *w, work_func_t f);
/* Queue (or re-arm) a work item to run delay_jiffies from now; false if it was queued. */
bool ng_queue_work(struct work_struct *w, unsigned long delay_jiffies, bool rearm);
bool ng_cancel_work(struct work_struct *w);
/* Run every item that is due; returns how many ran. */
int ng_run_deferred(void);
#define queue_work(q, w) ng_queue_work(w, 0, false)
#define schedule_work(w) ng_queue_work(w, 0, false)
#define queue_rcu_work(q, r) ng_queue_work(&(r)->work, 0, false)
#define schedule_delayed_work(d, j) ng_queue_work(&(d)->work, j, false)
#define queue_delayed_work(q, d, j) ng_queue_work(&(d)->work, j, false)
#define queue_delayed_work_on(c, q, d, j) ng_queue_work(&(d)->work, j, false)
#define mod_delayed_work(q, d, j) ng_queue_work(&(d)->work, j, true)
#define mod_delayed_work_on(c, q, d, j) ng_queue_work(&(d)->work, j, true)
#define cancel_delayed_work(d) ng_cancel_work(&(d)->work)
#define cancel_delayed_work_sync(d) ng_cancel_work(&(d)->work)
#define cancel_work_sync(w) ng_cancel_work(w)
#define flush_work(w) ((void)ng_run_deferred())

struct timer_list {
	struct work_struct work;     /* a timer is a delayed work item */
	void (*function)(struct timer_list *);
	unsigned long expires;       /* jiffies */
};
void ng_timer_fn(struct work_struct *w);
#define DEFINE_TIMER(n, f) \
	struct timer_list n = { { LIST_HEAD_INIT(n.work.entry), ng_timer_fn, 0, 0 }, f, 0 }
#define timer_setup(t, f, fl) do { ng_init_work(&(t)->work, ng_timer_fn); (t)->function = (f); } while (0)
#define from_timer(var, t, field) container_of(t, typeof(*var), field)
#define timer_pending(t) ((t)->work.queued)
#define add_timer(t) ((void)ng_queue_work(&(t)->work, (t)->expires - jiffies, false))
#define mod_timer(t, e) ({ (t)->expires = (e); ng_queue_work(&(t)->work, (e) - jiffies, true); })
#define del_timer(t) ng_cancel_work(&(t)->work)
#define del_timer_sync(t) ng_cancel_work(&(t)->work)
#endif
