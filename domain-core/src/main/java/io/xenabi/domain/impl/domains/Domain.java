package io.xenabi.domain.impl.domains;

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

/**
 * One domain: Xen's {@code struct domain} as far as event channels need it.
 *
 * <p>Lock order, outermost first: {@link #eventLock} (Xen's {@code d->event_lock}; of two
 * domains, the lower domid first), then port monitors (of two ports, the lower domid then
 * port first), then the domain's own monitor (the held events).
 *
 * <p>Port ops (set pending, unmask, ...) use {@link #ops} without a lock of their own: each
 * runs holding the monitor of its port, or for a send to an interdomain port the monitor of
 * the sending peer port (Xen's per-channel lock), and reads {@link #portOps()}. Whatever
 * changes {@code ops} (the ABI switch, reset, a hot swap, a variant's setup op) holds the event
 * lock and brackets the change with {@link #quiesce()} and {@link #reopen}: quiesce closes the
 * gate, then takes each port's monitor and each interdomain peer's once, so no op on the old
 * ops is still running when it returns (a grace period, as RCU's); ops meanwhile hold their
 * events, and reopen replays them in order before it opens the gate again. A send thus costs
 * two volatile reads here, and vCPUs of one domain share no written word.
 */
public final class Domain implements EvtchnDomain {
    /**
     * Ports per bucket: Xen's internal EVTCHNS_PER_BUCKET (xen/include/xen/sched.h) for a
     * 64-byte struct evtchn.
     */
    public static final int EVTCHNS_PER_BUCKET = 64;
    /** The largest port space of any ABI (FIFO: 2^17). */
    public static final int MAX_PORTS = 1 << 17;

    public final int domid;
    public final DomainConfig config;
    public final GuestMemory memory;
    /** The physmap mutators of {@link #memory}: the hypervisor's alone. */
    public final io.xenabi.abi.GuestPhysmap physmap;
    public final GuestPage sharedInfo;
    /** Where this domain's grant and status frames come from: files for a native guest. */
    public final io.xenabi.domain.impl.memory.HypervisorPages hypervisorPages;
    public final Vcpu[] vcpus;
    /** Xen's {@code d->max_evtchn_port}. */
    public final int maxEvtchnPort;
    /** Xen's {@code d->nr_pirqs}: nr_static_irqs + extra_domU_irqs (xen/common/domain.c). */
    public final int nrPirqs;
    /**
     * Xen's {@code pirq_to_evtchn}: the port bound to each PIRQ, 0 for none; under the event
     * lock. Only a HVM or PVH domain binds one (xenabi gives no domain a physical IRQ).
     */
    public final int[] pirqToEvtchn;
    public final boolean privileged;

    public final ReentrantLock eventLock = new ReentrantLock();
    /** Set while {@link #ops} changes: port ops hold their events or wait (see the class comment). */
    private volatile boolean quiescing;

    /**
     * Xen's {@code d->evtchn_group}/buckets: as many bucket slots as the domain's
     * max_event_channels needs (no port beyond it is ever allocated), not the largest ABI's
     * 2048, which would cost 8 KiB of references per idle domain.
     */
    private final Port[][] buckets;
    private volatile int validPorts;
    public final AtomicInteger activePorts = new AtomicInteger();

    /**
     * While the implementation of the domain's variant is away (hot swap): its exported state,
     * and the ports set pending meanwhile, in order, to replay on the new implementation.
     */
    public byte[] handoverState;
    private final java.util.List<Port> held = new java.util.ArrayList<>();

    /**
     * The ops a port op may use now, or null while they change or are away; the caller holds
     * the monitor of the port, or of the interdomain peer port it sends from.
     */
    public EvtchnPortOps portOps() {
        return quiescing ? null : ops;
    }

    /** Whether the ops are changing right now (a port op that cannot hold its event waits). */
    public boolean quiescing() {
        return quiescing;
    }

    /**
     * Holds an event whose port op found no ops (see {@link #portOps()}): true when held, false
     * when the ops came back meanwhile and the caller should try again.
     */
    public synchronized boolean holdIfClosed(Port p) {
        if (quiescing || ops == null) {
            held.add(p);
            return true;
        }
        return false;
    }

    /** Waits (the caller holding no port monitor) until the ops have finished changing. */
    public void awaitQuiesced() {
        while (quiescing) {
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /**
     * Closes the gate (event lock held): returns once no port op runs on the current ops, every
     * later one holding its event or waiting until {@link #reopen}.
     */
    public void quiesce() {
        quiescing = true;
        for (int p = 0; p < validPorts; p++) {
            Port chn = port(p);
            Port peer = null;
            synchronized (chn) {
                Domain rd = chn.state == Port.ECS_INTERDOMAIN ? chn.remoteDomain : null;
                if (rd != null) {
                    peer = rd.port(chn.remotePort);
                }
            }
            if (peer != null) {
                synchronized (peer) {
                    // empty: a send from the peer runs holding this monitor; wait it out
                }
            }
        }
    }

    /**
     * Opens the gate again (event lock held): the events held meanwhile are set pending on the
     * ops now in place, in order (their pollers checked as for a send), then port ops go
     * straight to them. With no ops (the implementation is away) events go on being held.
     */
    public void reopen() {
        while (true) {
            java.util.List<Port> batch;
            EvtchnPortOps o;
            synchronized (this) {
                o = ops;
                if (o == null || held.isEmpty()) {
                    quiescing = false;
                    break;
                }
                batch = java.util.List.copyOf(held);
                held.clear();
            }
            for (Port p : batch) {
                if (p.isOpen()) {
                    o.setPending(p);
                    afterSetPending(o, p);
                }
            }
        }
        for (Vcpu v : vcpus) {
            // Calls waiting for the ops, and polls that could not read their ports while the
            // implementation was away, look again; a poll sleeps on (a setup op or a swap
            // wakes no poller in Xen, and the events replayed above checked the pollers).
            v.recheck();
        }
    }

    public synchronized void unhold(Port p) {
        held.removeIf(x -> x == p);
    }

    public synchronized java.util.List<Port> takeHeld() {
        java.util.List<Port> out = java.util.List.copyOf(held);
        held.clear();
        return out;
    }

    /** Whether the domain waits for an implementation of its variant (its ops are away). */
    public boolean waitingForVariant() {
        return ops == null && evtchnVariant != null;
    }

    /** The variant in use and its per-domain instance; changed under eventLock between quiesce and reopen. */
    public volatile AbiVariant evtchnVariant;
    public volatile EvtchnPortOps ops;

    /**
     * The advanced variants the guest may use, fixed when the domain was created: (its permit
     * bitmap ∩ the host maximum) ∩ the variants present then; kept across save and restore.
     */
    public final PermitSet permit;

    /**
     * The grant table (the grant-table package's own class); null until a base grant-table
     * version is present.
     */
    public volatile io.xenabi.gnttab.GrantTable grants;

    /** vCPUs polling (Xen's {@code d->poll_mask}). */
    public final AtomicLong pollMask = new AtomicLong();

    /**
     * Three separate fields, as Xen's {@code struct domain}: the toolstack's pauses
     * ({@code controller_pause_count}, changed under the hypervisor's domain lock), the
     * shutdown ({@code is_shutting_down} and {@code shutdown_code}, set by the guest or the
     * toolstack without that lock) and {@code is_dying}. The state shown is derived from them,
     * so a pause racing a guest's SCHEDOP_shutdown can no longer hide the shutdown.
     */
    public volatile int pauseCount;
    public volatile boolean shuttingDown;
    /**
     * Xen's internal {@code SHUTDOWN_CODE_INVALID} (~0u, xen/include/xen/sched.h): no shutdown
     * code, as the guest never shut down or resumed since.
     */
    public static final int SHUTDOWN_CODE_INVALID = ~0;
    /** Xen's {@code shutdown_code}: the last SHUTDOWN_* reason, else SHUTDOWN_CODE_INVALID. */
    public volatile int shutdownReason = SHUTDOWN_CODE_INVALID;
    public volatile boolean dying;

    /** The lifecycle state as xl list shows it: dying, else shut down, else paused, else running. */
    public DomainState state() {
        if (dying) {
            return DomainState.DYING;
        }
        if (shuttingDown) {
            return shutdownReason == io.xenabi.abi.SchedOp.SHUTDOWN_crash ? DomainState.CRASHED : DomainState.SHUTDOWN;
        }
        return pauseCount > 0 ? DomainState.PAUSED : DomainState.RUNNING;
    }
    /** Every port below this one is bound (not ECS_FREE): changed under the event lock. */
    private int inUseBelow;
    /** Xen's {@code d->next_evtchn}: non-zero while an EVTCHNOP_reset is preempted. */
    public int nextEvtchn;

    public Domain(int domid, DomainConfig config, int nrPirqs, PermitSet permit) {
        this(domid, config, nrPirqs, permit, io.xenabi.abi.GuestPhysmap.ofMiB(config.memoryMiB()), new GuestPage(),
                io.xenabi.domain.impl.memory.HypervisorPages.HEAP);
    }

    /** A domain whose RAM and shared_info are given (a native guest's, in files). */
    public Domain(int domid, DomainConfig config, int nrPirqs, PermitSet permit, io.xenabi.abi.GuestPhysmap physmap,
            GuestPage sharedInfo, io.xenabi.domain.impl.memory.HypervisorPages hypervisorPages) {
        this.domid = domid;
        this.hypervisorPages = hypervisorPages;
        this.config = config;
        this.permit = permit;
        this.sharedInfo = sharedInfo;
        this.physmap = physmap;
        this.memory = physmap.memory();
        this.vcpus = new Vcpu[config.vcpus()];
        for (int i = 0; i < vcpus.length; i++) {
            vcpus[i] = new Vcpu(i);
        }
        this.maxEvtchnPort = config.maxEventChannels();
        this.buckets = new Port[maxEvtchnPort / EVTCHNS_PER_BUCKET + 1][];
        this.nrPirqs = nrPirqs;
        this.pirqToEvtchn = new int[nrPirqs];
        this.privileged = domid == 0;
    }

    /** The gfn shared_info is mapped at, or -1 (Xen finds it through the M2P); under its own monitor. */
    private long sharedInfoGfn = -1;
    private final Object sharedInfoMapping = new Object();

    /**
     * XENMAPSPACE_shared_info at {@code gpfn} (x86 xenmem_add_to_physmap_one,
     * xen/arch/x86/mm/p2m.c): the page is at one gfn at a time, so it leaves its old gfn ("Unmap
     * from old location"). xenabi's physmap has no holes: the old gfn gets a fresh RAM page, as
     * a grant frame's old gfn does. An old gfn that something else has replaced since is left alone.
     */
    public void mapSharedInfo(long gpfn) {
        synchronized (sharedInfoMapping) {
            unmapSharedInfoExcept(gpfn);
            physmap.map(gpfn, sharedInfo);
            sharedInfoGfn = gpfn;
        }
    }

    /**
     * Soft reset of an HVM domain (x86 arch_domain_soft_reset, xen/arch/x86/domain.c): a fresh
     * page replaces shared_info at its gfn, so that the guest can map it again.
     */
    public void replaceSharedInfoInPhysmap() {
        synchronized (sharedInfoMapping) {
            unmapSharedInfoExcept(-1);
        }
    }

    private void unmapSharedInfoExcept(long keep) {
        long old = sharedInfoGfn;
        if (old >= 0 && old != keep && memory.page(old) == sharedInfo) {
            physmap.map(old, physmap.ramPage(old));
        }
        sharedInfoGfn = -1;
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

    /** The page holding vCPU {@code vcpu}'s vcpu_info: shared_info until it registers one of its own. */
    @Override
    public GuestPage vcpuInfoPage(int vcpu) {
        GuestPage p = vcpus[vcpu].vcpuInfoPage;
        return p != null ? p : sharedInfo;
    }

    /** The offset of vCPU {@code vcpu}'s vcpu_info in {@link #vcpuInfoPage}. */
    @Override
    public int vcpuInfoOffset(int vcpu) {
        Vcpu v = vcpus[vcpu];
        return v.vcpuInfoPage != null ? v.vcpuInfoOffset : SharedInfo.vcpuInfo(vcpu);
    }

    /** Xen's {@code vcpu_mark_events_pending}: set the upcall flag, kick if it was clear. */
    @Override
    public void markEventsPending(int vcpu) {
        if (vcpu < 0 || vcpu >= vcpus.length) {
            return;
        }
        Vcpu v = vcpus[vcpu];
        GuestPage p = v.vcpuInfoPage;
        int off = p != null ? v.vcpuInfoOffset : SharedInfo.vcpuInfo(vcpu);
        if ((p != null ? p : sharedInfo).getAndSet8(off + SharedInfo.VCPU_EVTCHN_UPCALL_PENDING, (byte) 1) == 0) {
            Runnable l = v.upcallListener;
            if (l != null) {
                l.run(); // before the kick: a native vCPU's UPCALL comes before its block's RESULT
            }
            v.kick();
        }
    }

    /**
     * Xen's {@code evtchn_check_pollers} (xen/common/event_channel.c): wakes each vCPU polling
     * this port alone or any port, clearing its poll_mask bit first so that one wake-up ends
     * one poll. An ABI calls it when a port became newly pending
     * ({@link EvtchnPortOps#checksPollers()}); for an ABI that does not, domain-core calls it
     * after every set_pending ({@link #afterSetPending}).
     */
    @Override
    public void checkPollers(int port) {
        long mask = pollMask.get();
        while (mask != 0) {
            int id = Long.numberOfTrailingZeros(mask);
            mask &= mask - 1;
            Vcpu v = vcpus[id];
            int polled = v.pollEvtchn;
            if (polled <= 0 || polled == port) {
                long bit = 1L << id;
                if ((pollMask.getAndUpdate(m -> m & ~bit) & bit) != 0) {
                    v.pollEvtchn = 0;
                    v.kick();
                }
            }
        }
    }

    /** After {@code o.setPending(p)}: the pollers, when the ABI does not check them itself. */
    public void afterSetPending(EvtchnPortOps o, EvtchnPort p) {
        if (!o.checksPollers()) {
            checkPollers(p.port());
        }
    }

    public boolean upcallPending(int vcpu) {
        return vcpuInfoPage(vcpu).get8(vcpuInfoOffset(vcpu) + SharedInfo.VCPU_EVTCHN_UPCALL_PENDING) != 0;
    }

    public boolean upcallMasked(int vcpu) {
        return vcpuInfoPage(vcpu).get8(vcpuInfoOffset(vcpu) + SharedInfo.VCPU_EVTCHN_UPCALL_MASK) != 0;
    }

    /** Xen's {@code local_event_delivery_enable}. */
    public void enableEventDelivery(int vcpu) {
        vcpuInfoPage(vcpu).set8(vcpuInfoOffset(vcpu) + SharedInfo.VCPU_EVTCHN_UPCALL_MASK, (byte) 0);
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
    public boolean portIsValid(long port) {
        return port >= 0 && port < validPorts;
    }

    /**
     * Xen's {@code evtchn_allocate_port} (event lock held): 0, -ENOSPC beyond the limits,
     * -EBUSY when the port is in use or still busy in the ABI.
     */
    public int allocatePort(int port) {
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

    /**
     * Xen's {@code get_free_port} (event lock held): a port number or a negative errno. Xen
     * scans from port 0; the scan here starts at {@link #inUseBelow}, as every port below it is
     * bound and would answer -EBUSY, so the answer is Xen's and binding n ports costs O(n).
     */
    public int getFreePort() {
        if (dying) {
            return -io.xenabi.abi.XenErrno.EINVAL;
        }
        for (int port = inUseBelow; port <= maxEvtchnPort; port++) {
            int rc = allocatePort(port);
            if (rc == 0) {
                return port;
            } else if (rc != -io.xenabi.abi.XenErrno.EBUSY) {
                return rc;
            }
            if (port == inUseBelow && port(port).state != Port.ECS_FREE) {
                inUseBelow = port + 1; // bound (a free port still busy in the ABI may free up any time)
            }
        }
        return -io.xenabi.abi.XenErrno.ENOSPC;
    }

    /** A port became free (event lock held): the next scan for a free port starts no later. */
    public void portFreed(int port) {
        inUseBelow = Math.min(inUseBelow, port);
    }

    /** Xen's {@code check_free_port}: undo the count of a port allocated but left free. */
    public void checkFreePort(int port) {
        Port p = port(port);
        if (p != null && p.state == Port.ECS_FREE) {
            activePorts.decrementAndGet();
        }
    }

    public String name() {
        return config.name();
    }

    /**
     * Whether the guest may use {@code v} (an implementation of it being present is the
     * caller's check): base variants always, others when in the domain's fixed
     * {@link #permit} set by name and bit.
     */
    public boolean permits(AbiVariant v) {
        return permit.permits(v);
    }

    /**
     * domain_shutdown: the domain stops running; its vCPUs are woken to find it so. Xen pauses
     * them where they are; xenabi ends their polls and blocks, so that the guest's threads
     * leave the door.
     */
    public void shutdown(int reason) {
        shutdownReason = reason;
        shuttingDown = true; // after the code: whoever sees it shut down sees why
        for (Vcpu w : vcpus) {
            w.kick();
        }
    }
}
