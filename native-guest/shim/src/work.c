// SPDX-License-Identifier: MIT
/* Deferred work and timers, run by ng_run_deferred in due-time order. */
#include <ng/kernel.h>

static struct workqueue_struct ng_system_wq;
struct workqueue_struct *system_wq = &ng_system_wq;
static LIST_HEAD(queue);
static DEFINE_SPINLOCK(queue_lock);

void ng_init_work(struct work_struct *w, work_func_t f)
{
	INIT_LIST_HEAD(&w->entry);
	w->func = f;
	w->due_ns = 0;
	w->queued = 0;
}

bool ng_queue_work(struct work_struct *w, unsigned long delay_jiffies, bool rearm)
{
	unsigned long flags;
	bool queued;

	if ((long)delay_jiffies < 0)
		delay_jiffies = 0;
	spin_lock_irqsave(&queue_lock, flags);
	queued = w->queued;
	if (!queued || rearm) {
		if (queued)
			list_del(&w->entry);
		w->due_ns = ng_now_ns() + (unsigned long long)delay_jiffies * (NSEC_PER_SEC / HZ);
		w->queued = 1;
		list_add_tail(&w->entry, &queue);
	}
	spin_unlock_irqrestore(&queue_lock, flags);
	return !queued;
}

bool ng_cancel_work(struct work_struct *w)
{
	unsigned long flags;
	bool was;

	spin_lock_irqsave(&queue_lock, flags);
	was = w->queued;
	if (was) {
		list_del(&w->entry);
		INIT_LIST_HEAD(&w->entry);
		w->queued = 0;
	}
	spin_unlock_irqrestore(&queue_lock, flags);
	return was;
}

int ng_run_deferred(void)
{
	int ran = 0;

	for (;;) {
		struct work_struct *w, *due = NULL;
		unsigned long long now = ng_now_ns();
		unsigned long flags;

		spin_lock_irqsave(&queue_lock, flags);
		list_for_each_entry(w, &queue, entry) {
			if (w->due_ns <= now && (!due || w->due_ns < due->due_ns))
				due = w;
		}
		if (due) {
			list_del(&due->entry);
			INIT_LIST_HEAD(&due->entry);
			due->queued = 0;
		}
		spin_unlock_irqrestore(&queue_lock, flags);
		if (!due)
			return ran;
		due->func(due);
		ran++;
	}
}

void ng_timer_fn(struct work_struct *w)
{
	struct timer_list *t = container_of(w, struct timer_list, work);

	t->function(t);
}
