package io.xenabi.domain.impl;

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
 * races with going to sleep is never lost.
 */
final class Vcpu {
    final int id;
    /** Xen's {@code v->virq_to_evtchn}: written under the event lock, read lock-free. */
    final AtomicIntegerArray virqToEvtchn = new AtomicIntegerArray(EvtchnOp.NR_VIRQS);
    /** Xen's {@code v->poll_evtchn}: 0 not polling, -1 any port, else the one port polled. */
    volatile int pollEvtchn;
    private final AtomicLong kicks = new AtomicLong();
    private final Set<Thread> waiting = ConcurrentHashMap.newKeySet();

    Vcpu(int id) {
        this.id = id;
    }

    /** Wakes whatever waits on this vCPU (block, poll). */
    void kick() {
        kicks.incrementAndGet();
        for (Thread t : waiting) {
            LockSupport.unpark(t);
        }
    }

    long kickCount() {
        return kicks.get();
    }

    /**
     * Parks the calling thread until {@code done} holds or {@code deadlineNanos} (a
     * {@link System#nanoTime()} value, or {@code Long.MAX_VALUE}) passes. Returns whether
     * {@code done} held.
     */
    boolean waitUntil(BooleanSupplier done, long deadlineNanos) {
        Thread me = Thread.currentThread();
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
        }
    }
}
