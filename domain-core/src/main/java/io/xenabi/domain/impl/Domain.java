package io.xenabi.domain.impl;

import io.xenabi.abi.AbiVariant;
import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import io.xenabi.abi.SharedInfo;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainState;
import io.xenabi.evtchn.EvtchnDomain;
import io.xenabi.evtchn.EvtchnPort;
import io.xenabi.evtchn.EvtchnPortOps;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One domain: Xen's {@code struct domain} as far as event channels need it.
 *
 * <p>Lock order, outermost first: {@link #eventLock} (Xen's {@code d->event_lock}; of two
 * domains, the lower domid first), then port monitors (of two ports, the lower domid then
 * port first), then {@link #opsLock} in read mode. The ABI switch (init_control, reset) holds
 * the event lock and {@code opsLock} in write mode, so no port op runs while the domain's
 * {@link EvtchnPortOps} changes.
 */
final class Domain implements EvtchnDomain {
    /** Ports per bucket (Xen's EVTCHNS_PER_BUCKET for a 64-byte struct evtchn). */
    static final int EVTCHNS_PER_BUCKET = 64;
    /** The largest port space of any ABI (FIFO: 2^17). */
    static final int MAX_PORTS = 1 << 17;

    final int domid;
    final DomainConfig config;
    final GuestMemory memory;
    final GuestPage sharedInfo = new GuestPage();
    final Vcpu[] vcpus;
    /** Xen's {@code d->max_evtchn_port}. */
    final int maxEvtchnPort;
    /** Xen's {@code d->nr_pirqs}: nr_static_irqs + extra_domU_irqs (xen/common/domain.c). */
    final int nrPirqs;
    final boolean privileged;

    final ReentrantLock eventLock = new ReentrantLock();
    final ReentrantReadWriteLock opsLock = new ReentrantReadWriteLock();

    /**
     * Xen's {@code d->evtchn_group}/buckets: as many bucket slots as the domain's
     * max_event_channels needs (no port beyond it is ever allocated), not the largest ABI's
     * 2048, which would cost 8 KiB of references per idle domain.
     */
    private final Port[][] buckets;
    private volatile int validPorts;
    final AtomicInteger activePorts = new AtomicInteger();

    /**
     * While the implementation of the domain's variant is away (hot swap): its exported state,
     * and the ports set pending meanwhile, in order, to replay on the new implementation.
     */
    byte[] handoverState;
    private final java.util.List<Port> held = new java.util.ArrayList<>();

    synchronized void hold(Port p) {
        held.add(p);
    }

    synchronized void unhold(Port p) {
        held.removeIf(x -> x == p);
    }

    synchronized java.util.List<Port> takeHeld() {
        java.util.List<Port> out = java.util.List.copyOf(held);
        held.clear();
        return out;
    }

    /** Whether the domain waits for an implementation of its variant (its ops are away). */
    boolean waitingForVariant() {
        return ops == null && evtchnVariant != null;
    }

    /** The variant in use and its per-domain instance; changed under eventLock + opsLock write. */
    volatile AbiVariant evtchnVariant;
    volatile EvtchnPortOps ops;

    /** The domain's permit bitmap ∩ the host maximum when it was created: fixed for its life. */
    volatile long effectivePermit;

    /** The grant table; null until a base grant-table version is present. */
    volatile Grants grants;

    /** vCPUs polling (Xen's {@code d->poll_mask}). */
    final AtomicLong pollMask = new AtomicLong();

    volatile DomainState state = DomainState.RUNNING;
    volatile int shutdownReason = -1;
    volatile boolean dying;
    /** Xen's {@code d->next_evtchn}: non-zero while an EVTCHNOP_reset is preempted. */
    int nextEvtchn;

    Domain(int domid, DomainConfig config, int nrPirqs) {
        this.domid = domid;
        this.config = config;
        this.memory = GuestMemory.ofMiB(config.memoryMiB());
        this.vcpus = new Vcpu[config.vcpus()];
        for (int i = 0; i < vcpus.length; i++) {
            vcpus[i] = new Vcpu(i);
        }
        this.maxEvtchnPort = config.maxEventChannels();
        this.buckets = new Port[maxEvtchnPort / EVTCHNS_PER_BUCKET + 1][];
        this.nrPirqs = nrPirqs;
        this.privileged = domid == 0;
    }

    @Override
    public int domid() {
        return domid;
    }

    @Override
    public int maxVcpus() {
        return vcpus.length;
    }

    @Override
    public GuestMemory memory() {
        return memory;
    }

    @Override
    public GuestPage sharedInfo() {
        return sharedInfo;
    }

    /** Xen's {@code vcpu_mark_events_pending}: set the upcall flag, kick if it was clear. */
    @Override
    public void markEventsPending(int vcpu) {
        if (vcpu < 0 || vcpu >= vcpus.length) {
            return;
        }
        int off = SharedInfo.vcpuInfo(vcpu) + SharedInfo.VCPU_EVTCHN_UPCALL_PENDING;
        if (sharedInfo.getAndSet8(off, (byte) 1) == 0) {
            vcpus[vcpu].kick();
        }
    }

    boolean upcallPending(int vcpu) {
        return sharedInfo.get8(SharedInfo.vcpuInfo(vcpu) + SharedInfo.VCPU_EVTCHN_UPCALL_PENDING) != 0;
    }

    boolean upcallMasked(int vcpu) {
        return sharedInfo.get8(SharedInfo.vcpuInfo(vcpu) + SharedInfo.VCPU_EVTCHN_UPCALL_MASK) != 0;
    }

    /** Xen's {@code local_event_delivery_enable}. */
    void enableEventDelivery(int vcpu) {
        sharedInfo.set8(SharedInfo.vcpuInfo(vcpu) + SharedInfo.VCPU_EVTCHN_UPCALL_MASK, (byte) 0);
    }

    @Override
    public Port port(int port) {
        if (port < 0 || port >= validPorts) {
            return null;
        }
        return buckets[port / EVTCHNS_PER_BUCKET][port % EVTCHNS_PER_BUCKET];
    }

    @Override
    public int validPorts() {
        return validPorts;
    }

    /** Xen's {@code port_is_valid}. */
    boolean portIsValid(long port) {
        return port >= 0 && port < validPorts;
    }

    /**
     * Xen's {@code evtchn_allocate_port} (event lock held): 0, -ENOSPC beyond the limits,
     * -EBUSY when the port is in use or still busy in the ABI.
     */
    int allocatePort(int port) {
        EvtchnPortOps o = ops;
        if (o == null) {
            return -io.xenabi.abi.XenErrno.EAGAIN; // waiting for its variant's implementation
        }
        if (port > maxEvtchnPort || port >= o.maxPorts()) {
            return -io.xenabi.abi.XenErrno.ENOSPC;
        }
        Port p = port(port);
        if (p != null) {
            if (p.state != Port.ECS_FREE || o.isBusy(p)) {
                return -io.xenabi.abi.XenErrno.EBUSY;
            }
        } else {
            int alloc = validPorts;
            do {
                Port[] bucket = new Port[EVTCHNS_PER_BUCKET];
                for (int i = 0; i < EVTCHNS_PER_BUCKET; i++) {
                    bucket[i] = new Port(alloc + i);
                }
                buckets[alloc / EVTCHNS_PER_BUCKET] = bucket;
                alloc += EVTCHNS_PER_BUCKET;
                validPorts = alloc; // volatile write publishes the bucket
            } while (port >= alloc);
        }
        activePorts.incrementAndGet();
        return 0;
    }

    /** Xen's {@code get_free_port} (event lock held): a port number or a negative errno. */
    int getFreePort() {
        if (dying) {
            return -io.xenabi.abi.XenErrno.EINVAL;
        }
        for (int port = 0; port <= maxEvtchnPort; port++) {
            int rc = allocatePort(port);
            if (rc == 0) {
                return port;
            } else if (rc != -io.xenabi.abi.XenErrno.EBUSY) {
                return rc;
            }
        }
        return -io.xenabi.abi.XenErrno.ENOSPC;
    }

    /** Xen's {@code check_free_port}: undo the count of a port allocated but left free. */
    void checkFreePort(int port) {
        Port p = port(port);
        if (p != null && p.state == Port.ECS_FREE) {
            activePorts.decrementAndGet();
        }
    }

    String name() {
        return config.name();
    }
}
