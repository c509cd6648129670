package io.xenabi.domain.impl.domains;

import io.xenabi.evtchn.EvtchnOp;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A virtual CPU: the thread(s) of the guest that are blocked in it, its VIRQ bindings and its
 * poll state. Waking follows Xen's {@code vcpu_kick}/{@code vcpu_unblock}: every kick bumps a
 * counter and unparks the blocked threads, which re-check their condition, so a wake-up that
 * races with going to sleep is never lost. The counter is what ends a poll; a
 * {@link #recheck()} (Xen's {@code vcpu_wake} of a vCPU still blocked, as by an unpause)
 * unparks the threads without bumping it, so they re-check their conditions and a poll sleeps
 * on. A kick or recheck while no thread waits costs one volatile read:
 * a waiter announces itself ({@link #beginWait}) before it checks its condition, and a waker
 * changes the condition (a volatile or atomic write) before it kicks, so one of them sees the
 * other.
 */
public final class Vcpu {
    public final int id;
    /** Xen's {@code v->virq_to_evtchn}: written under the event lock, read lock-free. */
    public final AtomicIntegerArray virqToEvtchn = new AtomicIntegerArray(EvtchnOp.NR_VIRQS);
    /** Xen's {@code v->poll_evtchn}: 0 not polling, -1 any port, else the one port polled. */
    public volatile int pollEvtchn;
    /**
     * Xen's {@code v->vcpu_info_area}: the page holding this vCPU's vcpu_info once
     * {@code VCPUOP_register_vcpu_info} moved it, else null (its slot in shared_info). Written
     * once, after {@link #vcpuInfoOffset}, so a reader that sees the page sees its offset.
     */
    public volatile io.xenabi.abi.GuestPage vcpuInfoPage;
    public volatile int vcpuInfoOffset;
    /** Told each time this vCPU's {@code evtchn_upcall_pending} goes 0 to 1 (a native guest's bridge), or null. */
    public volatile Runnable upcallListener;
    private final AtomicLong kicks = new AtomicLong();
    /** Threads between beginWait and endWait. */
    private final java.util.concurrent.atomic.AtomicInteger sleepers = new java.util.concurrent.atomic.AtomicInteger();
    private final Set<Thread> waiting = ConcurrentHashMap.newKeySet();

    Vcpu(int id) {
        this.id = id;
    }

    /**
     * Xen's {@code vcpu_kick}/{@code vcpu_unblock}: ends a poll and wakes whatever else waits on
     * this vCPU (block, a call waiting for the domain or its ABI) to re-check its condition.
     */
    public void kick() {
        if (sleepers.get() == 0) {
            return; // nobody waits, and a later waiter sees the condition changed before this kick
        }
        kicks.incrementAndGet();
        unparkAll();
    }

    /**
     * Wakes the threads waiting on this vCPU to re-check their conditions without ending a poll:
     * Xen's {@code vcpu_wake} (domain_unpause) leaves a vCPU blocked in SCHEDOP_poll asleep.
     */
    public void recheck() {
        if (sleepers.get() == 0) {
            return;
        }
        unparkAll();
    }

    private void unparkAll() {
        for (Thread t : waiting) {
            LockSupport.unpark(t);
        }
    }

    public long kickCount() {
        return kicks.get();
    }

    /**
     * The calling thread is about to check its condition and maybe wait: kicks count from now
     * on. Returns the kick count; pair with {@link #endWait()}.
     */
    public long beginWait() {
        sleepers.incrementAndGet();
        return kicks.get();
    }

    public void endWait() {
        sleepers.decrementAndGet();
    }

    /**
     * Parks the calling thread until {@code done} holds or {@code deadlineNanos} (a
     * {@link System#nanoTime()} value, or {@code Long.MAX_VALUE}) passes. Returns whether
     * {@code done} held.
     */
    public boolean waitUntil(BooleanSupplier done, long deadlineNanos) {
        Thread me = Thread.currentThread();
        beginWait();
        waiting.add(me);
        try {
            while (true) {
                if (done.getAsBoolean()) {
                    return true;
                }
                if (me.isInterrupted()) {
                    return false;
                }
                if (deadlineNanos == Long.MAX_VALUE) {
                    LockSupport.park(this);
                } else {
                    long left = deadlineNanos - System.nanoTime();
                    if (left <= 0) {
                        return done.getAsBoolean();
                    }
                    LockSupport.parkNanos(this, left);
                }
            }
        } finally {
            waiting.remove(me);
            endWait();
        }
    }
}
