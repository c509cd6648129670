package io.xenabi.domain.impl.domains;

import io.xenabi.evtchn.EvtchnFifo;
import io.xenabi.evtchn.EvtchnOp;
import io.xenabi.evtchn.EvtchnPort;

/**
 * One event channel: Xen's {@code struct evtchn}. Binding state is changed with the owning
 * domain's event lock and this object's monitor held; the notify vCPU and the FIFO fields are
 * read without locks by the variants, hence volatile.
 */
public final class Port implements EvtchnPort {
    /** Xen's internal ECS_* states (xen/include/xen/sched.h). */
    public static final int ECS_FREE = 0;
    public static final int ECS_RESERVED = 1;
    public static final int ECS_UNBOUND = 2;
    public static final int ECS_INTERDOMAIN = 3;
    public static final int ECS_PIRQ = 4;
    public static final int ECS_VIRQ = 5;
    public static final int ECS_IPI = 6;

    private final int port;
    public volatile int state = ECS_FREE;
    public volatile int notifyVcpu;
    /** ECS_UNBOUND: the domid allowed to bind. */
    public int unboundRemoteDomid;
    /** ECS_INTERDOMAIN: the peer. */
    public Domain remoteDomain;
    public int remotePort;
    /** ECS_VIRQ / ECS_PIRQ. */
    public int virq;
    public int pirq;

    private volatile int priority = EvtchnFifo.EVTCHN_FIFO_PRIORITY_DEFAULT;
    /** Xen's {@code fifo_lastq}: one word the ABI encodes, 0 (as Xen's zeroed struct) until queued. */
    private volatile int lastQueue;
    /** Xen's {@code evtchn->pending}: never cleared, so it survives close, reset and ABI changes. */
    private volatile boolean savedPending;

    Port(int port) {
        this.port = port;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public int notifyVcpu() {
        return notifyVcpu;
    }

    @Override
    public int priority() {
        return priority;
    }

    @Override
    public void setPriority(int priority) {
        this.priority = priority;
    }

    @Override
    public int lastQueue() {
        return lastQueue;
    }

    @Override
    public void setLastQueue(int raw) {
        this.lastQueue = raw;
    }

    @Override
    public boolean savedPending() {
        return savedPending;
    }

    @Override
    public void setSavedPending(boolean pending) {
        this.savedPending = pending;
    }

    /** The EVTCHNSTAT_* value EVTCHNOP_status reports for the current state. */
    public int publicStatus() {
        return switch (state) {
            case ECS_UNBOUND -> EvtchnOp.EVTCHNSTAT_unbound;
            case ECS_INTERDOMAIN -> EvtchnOp.EVTCHNSTAT_interdomain;
            case ECS_PIRQ -> EvtchnOp.EVTCHNSTAT_pirq;
            case ECS_VIRQ -> EvtchnOp.EVTCHNSTAT_virq;
            case ECS_IPI -> EvtchnOp.EVTCHNSTAT_ipi;
            default -> EvtchnOp.EVTCHNSTAT_closed;
        };
    }

    public boolean isOpen() {
        int s = state;
        return s != ECS_FREE && s != ECS_RESERVED;
    }

    @Override
    public String toString() {
        return "port " + port;
    }
}
