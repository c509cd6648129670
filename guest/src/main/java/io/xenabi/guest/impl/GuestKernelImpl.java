package io.xenabi.guest.impl;

import io.xenabi.abi.DomId;
import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.MemoryOp;
import io.xenabi.abi.SchedOp;
import io.xenabi.abi.SharedInfo;
import io.xenabi.abi.XenErrno;
import io.xenabi.domain.Hypervisor;
import io.xenabi.evtchn.EvtchnOp;
import io.xenabi.guest.AbiMode;
import io.xenabi.guest.EventHandler;
import io.xenabi.guest.EvtchnAbi;
import io.xenabi.guest.GuestException;
import io.xenabi.guest.GuestKernel;
import io.xenabi.guest.GuestStats;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * A Linux-like kernel in one domain. The generic layer, after Linux's
 * {@code drivers/xen/events/events_base.c}: boot (map shared_info, choose the ABI with FIFO
 * first and 2-level as the fallback, mask everything), a port-to-handler table, binding and
 * closing through the door, and the per-vCPU upcall loop of {@code xen_evtchn_do_upcall}. What
 * lives in guest memory is left to the ABI's {@link EvtchnOps}.
 */
final class GuestKernelImpl implements GuestKernel, EvtchnOps.Dispatcher {
    private static final System.Logger LOG = System.getLogger(GuestKernelImpl.class.getName());
    private static final long JOIN_MILLIS = 2000;
    /** How long a vCPU naps when Xen lets it run without an event (domain paused or shut down). */
    private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** One bound port: the vCPU it is bound to and its handler (Linux's irq_info). */
    private record Binding(int vcpu, EventHandler handler) {
    }

    private final Hypervisor hv;
    private final int domid;
    private final String name;
    private final AbiMode mode;
    private final int vcpus;
    private final GuestMemory memory;
    private final Physmap physmap;
    private final ArgStack args;
    private final Thread[] threads;
    private final int[] wakeIpi;
    private final Map<Integer, Binding> bindings = new ConcurrentHashMap<>();

    private final LongAdder upcalls = new LongAdder();
    private final LongAdder spuriousUpcalls = new LongAdder();
    private final LongAdder eventsHandled = new LongAdder();
    private final LongAdder spuriousEvents = new LongAdder();
    private final Map<Integer, LongAdder> perPort = new ConcurrentHashMap<>();

    private GuestPage sharedInfo;
    private final GrantFront grants;
    private EvtchnOps ops;
    private String fallbackReason = "";
    private volatile boolean stopping;
    private volatile boolean booted;

    GuestKernelImpl(Hypervisor hv, int domid, String name, int vcpus, AbiMode mode) {
        this.hv = hv;
        this.domid = domid;
        this.name = name;
        this.mode = mode;
        this.vcpus = vcpus;
        this.memory = hv.memory(domid);
        this.physmap = new Physmap(vcpus);
        this.args = new ArgStack(hv, domid, memory, physmap, this::currentVcpu);
        this.grants = new GrantFront(memory, physmap, args);
        this.threads = new Thread[vcpus];
        this.wakeIpi = new int[vcpus];
    }

    // ---------------------------------------------------------------- boot

    /**
     * Boots the kernel; on failure nothing keeps running and the exception names the step.
     */
    void boot() {
        if (memory.nrPages() < physmap.pagesNeeded()) {
            throw new GuestException("domain " + domid + " has " + memory.nrPages() + " pages of RAM; the guest kernel"
                    + " needs " + physmap.pagesNeeded());
        }
        mapSharedInfo();
        sharedInfo = memory.page(Physmap.SHARED_INFO_GFN);
        for (int v = 0; v < vcpus; v++) {
            setUpcallMask(v, true); // a CPU comes up with interrupts off
        }
        ops = chooseAbi();
        ops.maskAll();
        try {
            for (int v = 0; v < vcpus; v++) {
                wakeIpi[v] = bindIpi(v, (port, vcpu) -> { });
            }
            for (int v = 0; v < vcpus; v++) {
                int vcpu = v;
                Thread t = new Thread(() -> runVcpu(vcpu), "guest-" + name + "-vcpu" + v);
                t.setDaemon(true);
                threads[v] = t;
            }
            booted = true;
            for (Thread t : threads) {
                t.start();
            }
        } catch (RuntimeException e) {
            shutdown();
            throw e;
        }
        LOG.log(System.Logger.Level.INFO, "guest {0} (domain {1}): {2} vCPUs, event channels {3}{4}", name, domid,
                vcpus, ops.abi().variantName(), fallbackReason.isEmpty() ? "" : " (" + fallbackReason + ")");
    }

    private void mapSharedInfo() {
        try (ArgStack.Frame f = args.enter(0)) {
            f.put16(MemoryOp.ADD_TO_PHYSMAP_DOMID, DomId.DOMID_SELF)
                    .put32(MemoryOp.ADD_TO_PHYSMAP_SPACE, MemoryOp.XENMAPSPACE_shared_info)
                    .put64(MemoryOp.ADD_TO_PHYSMAP_IDX, 0)
                    .put64(MemoryOp.ADD_TO_PHYSMAP_GPFN, Physmap.SHARED_INFO_GFN);
            check(f.memoryOp(MemoryOp.XENMEM_add_to_physmap), "XENMEM_add_to_physmap(shared_info)");
        }
    }

    /**
     * Linux's {@code xen_evtchn_fifo_init} then {@code xen_evtchn_2l_init}: FIFO on every vCPU,
     * and on any error 2-level. If a later vCPU fails after the first succeeded, the domain has
     * already switched to FIFO, so the kernel returns it to 2-level with EVTCHNOP_reset before
     * driving the bitmaps; otherwise guest and hypervisor would talk past each other.
     */
    private EvtchnOps chooseAbi() {
        TwoLevelEvents twoLevel = new TwoLevelEvents(sharedInfo, args, vcpus);
        if (mode == AbiMode.TWO_LEVEL) {
            return twoLevel;
        }
        FifoEvents fifo = new FifoEvents(memory, physmap, args);
        for (int v = 0; v < vcpus; v++) {
            long rc = fifo.initControl(v);
            if (rc < 0) {
                fallbackReason = "EVTCHNOP_init_control(vcpu " + v + "): " + errno(rc);
                if (v > 0) {
                    check(reset(), "EVTCHNOP_reset after a failed EVTCHNOP_init_control");
                }
                return twoLevel;
            }
        }
        return fifo;
    }

    private long reset() {
        try (ArgStack.Frame f = args.enter()) {
            f.put16(EvtchnOp.RESET_DOM, DomId.DOMID_SELF);
            return f.evtchnOp(EvtchnOp.EVTCHNOP_reset);
        }
    }

    // ---------------------------------------------------------------- vCPUs

    private int currentVcpu() {
        Thread me = Thread.currentThread();
        for (int v = 0; v < threads.length; v++) {
            if (threads[v] == me) {
                return v;
            }
        }
        return -1;
    }

    private void setUpcallMask(int vcpu, boolean masked) {
        sharedInfo.set8(SharedInfo.vcpuInfo(vcpu) + SharedInfo.VCPU_EVTCHN_UPCALL_MASK, (byte) (masked ? 1 : 0));
    }

    private boolean upcallPending(int vcpu) {
        return sharedInfo.get8(SharedInfo.vcpuInfo(vcpu) + SharedInfo.VCPU_EVTCHN_UPCALL_PENDING) != 0;
    }

    /**
     * The idle loop of one vCPU: block (Xen enables event delivery and sleeps until an upcall
     * is pending), then take the upcall with delivery masked again. Ends when the kernel stops
     * or the domain is gone ({@code -ESRCH}).
     */
    private void runVcpu(int vcpu) {
        while (!stopping) {
            long rc = hv.hypercall(domid, vcpu, Hypercall.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_block, 0);
            if (rc == -XenErrno.ESRCH) {
                LOG.log(System.Logger.Level.DEBUG, "guest {0} vCPU {1}: domain gone", name, vcpu);
                return;
            }
            setUpcallMask(vcpu, true);
            if (upcallPending(vcpu)) {
                upcall(vcpu);
            } else {
                LockSupport.parkNanos(IDLE_NANOS);
            }
        }
    }

    /**
     * Linux's {@code xen_evtchn_do_upcall}: clear {@code evtchn_upcall_pending}, handle
     * events, and go round again while Xen set it meanwhile.
     */
    private void upcall(int vcpu) {
        upcalls.increment();
        int found = 0;
        int off = SharedInfo.vcpuInfo(vcpu) + SharedInfo.VCPU_EVTCHN_UPCALL_PENDING;
        do {
            sharedInfo.set8(off, (byte) 0);
            found += ops.handleEvents(vcpu, this);
        } while (sharedInfo.get8(off) != 0);
        if (found == 0) {
            spuriousUpcalls.increment();
        }
    }

    @Override
    public int vcpuOf(int port) {
        Binding b = bindings.get(port);
        return b == null ? -1 : b.vcpu;
    }

    @Override
    public void deliver(int vcpu, int port) {
        Binding b = bindings.get(port);
        if (b == null) {
            spuriousEvents.increment();
            return;
        }
        eventsHandled.increment();
        perPort.computeIfAbsent(port, p -> new LongAdder()).increment();
        try {
            b.handler.onEvent(port, vcpu);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "guest " + name + ": handler of port " + port + " failed: "
                    + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- stop

    /**
     * Stops the vCPUs (each woken by its IPI, then joined), then resets the domain's event
     * channels, as a kernel does on its way out through kexec. Idempotent; quiet when the
     * domain is already gone.
     */
    synchronized void shutdown() {
        shutdown(true);
    }

    /**
     * Stops the vCPUs; with {@code reset} the kernel also closes its event channels
     * (EVTCHNOP_reset, as a kexec'd kernel does), without it the domain is left as a suspended
     * Linux leaves it for xl save: every binding and the ABI in use still in place.
     */
    synchronized void shutdown(boolean reset) {
        if (stopping) {
            return;
        }
        stopping = true;
        for (int v = 0; v < vcpus; v++) {
            if (wakeIpi[v] > 0) {
                try (ArgStack.Frame f = args.enter()) {
                    f.put32(EvtchnOp.PORT, wakeIpi[v]);
                    f.evtchnOp(EvtchnOp.EVTCHNOP_send);
                }
            }
        }
        boolean interrupted = false;
        for (Thread t : threads) {
            if (t == null || !booted) {
                continue;
            }
            try {
                t.join(JOIN_MILLIS);
                if (t.isAlive()) {
                    // Missed its IPI somehow: an interrupt ends SCHEDOP_block too.
                    t.interrupt();
                    t.join(JOIN_MILLIS);
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (reset) {
            long rc = reset();
            if (rc < 0 && rc != -XenErrno.ESRCH) {
                LOG.log(System.Logger.Level.WARNING, "guest {0}: EVTCHNOP_reset on stop failed: {1}", name, errno(rc));
            }
        }
        bindings.clear();
        for (Thread t : threads) {
            if (t != null && t.isAlive()) {
                throw new GuestException("guest " + name + ": thread " + t.getName() + " did not stop");
            }
        }
    }

    /** Whether any vCPU thread is still alive (for tests). */
    boolean anyThreadAlive() {
        for (Thread t : threads) {
            if (t != null && t.isAlive()) {
                return true;
            }
        }
        return false;
    }

    Thread[] threads() {
        return threads.clone();
    }

    // ---------------------------------------------------------------- GuestKernel

    @Override
    public int domid() {
        return domid;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int vcpus() {
        return vcpus;
    }

    @Override
    public AbiMode mode() {
        return mode;
    }

    @Override
    public EvtchnAbi abi() {
        return ops.abi();
    }

    /** Why FIFO was not used, or empty. */
    String fallbackReason() {
        return fallbackReason;
    }

    EvtchnOps ops() {
        return ops;
    }

    @Override
    public boolean isRunning() {
        return booted && !stopping && anyThreadAlive();
    }

    @Override
    public GuestStats stats() {
        Map<Integer, Long> ports = new HashMap<>();
        perPort.forEach((p, n) -> ports.put(p, n.sum()));
        return new GuestStats(domid, ops.abi(), fallbackReason, upcalls.sum(), spuriousUpcalls.sum(),
                eventsHandled.sum(), spuriousEvents.sum(), ports);
    }

    @Override
    public int allocUnbound(int remoteDom, EventHandler handler) {
        ensureUsable();
        int port;
        try (ArgStack.Frame f = args.enter()) {
            f.put16(EvtchnOp.ALLOC_UNBOUND_DOM, DomId.DOMID_SELF).put16(EvtchnOp.ALLOC_UNBOUND_REMOTE_DOM, remoteDom);
            check(f.evtchnOp(EvtchnOp.EVTCHNOP_alloc_unbound), "EVTCHNOP_alloc_unbound");
            port = f.u32(EvtchnOp.ALLOC_UNBOUND_PORT);
        }
        bindHandler(port, 0, handler);
        return port;
    }

    @Override
    public int bindInterdomain(int remoteDom, int remotePort, EventHandler handler) {
        ensureUsable();
        int port;
        try (ArgStack.Frame f = args.enter()) {
            f.put16(EvtchnOp.BIND_INTERDOMAIN_REMOTE_DOM, remoteDom)
                    .put32(EvtchnOp.BIND_INTERDOMAIN_REMOTE_PORT, remotePort);
            check(f.evtchnOp(EvtchnOp.EVTCHNOP_bind_interdomain), "EVTCHNOP_bind_interdomain");
            port = f.u32(EvtchnOp.BIND_INTERDOMAIN_LOCAL_PORT);
        }
        bindHandler(port, 0, handler);
        return port;
    }

    @Override
    public int bindIpi(int vcpu, EventHandler handler) {
        ensureUsable();
        checkVcpu(vcpu);
        int port;
        try (ArgStack.Frame f = args.enter()) {
            f.put32(EvtchnOp.BIND_IPI_VCPU, vcpu);
            check(f.evtchnOp(EvtchnOp.EVTCHNOP_bind_ipi), "EVTCHNOP_bind_ipi");
            port = f.u32(EvtchnOp.BIND_IPI_PORT);
        }
        bindHandler(port, vcpu, handler);
        return port;
    }

    @Override
    public int bindVirq(int virq, int vcpu, EventHandler handler) {
        ensureUsable();
        checkVcpu(vcpu);
        int port;
        try (ArgStack.Frame f = args.enter()) {
            f.put32(EvtchnOp.BIND_VIRQ_VIRQ, virq).put32(EvtchnOp.BIND_VIRQ_VCPU, vcpu);
            check(f.evtchnOp(EvtchnOp.EVTCHNOP_bind_virq), "EVTCHNOP_bind_virq");
            port = f.u32(EvtchnOp.BIND_VIRQ_PORT);
        }
        bindHandler(port, vcpu, handler);
        return port;
    }

    /**
     * Linux's {@code xen_irq_info_common_setup} and startup: record the handler, let the ABI
     * cover the port ({@code evtchn_ops->setup}), then unmask. The port was masked all along,
     * so nothing is delivered before the handler is in place.
     */
    private void bindHandler(int port, int vcpu, EventHandler handler) {
        if (handler == null) {
            throw new IllegalArgumentException("no handler for port " + port);
        }
        bindings.put(port, new Binding(vcpu, handler));
        perPort.remove(port); // a new binding counts afresh, as a new irq would
        long rc = ops.setup(port);
        if (rc < 0) {
            bindings.remove(port);
            closePort(port);
            throw failure("setting up port " + port + " (" + ops.abi().variantName() + ")", rc);
        }
        ops.unmask(port);
    }

    @Override
    public void send(int port) {
        try (ArgStack.Frame f = args.enter()) {
            f.put32(EvtchnOp.PORT, port);
            check(f.evtchnOp(EvtchnOp.EVTCHNOP_send), "EVTCHNOP_send(port " + port + ")");
        }
    }

    @Override
    public void close(int port) {
        ops.mask(port);
        bindings.remove(port);
        check(closePort(port), "EVTCHNOP_close(port " + port + ")");
        ops.remove(port, currentVcpu() >= 0);
    }

    private long closePort(int port) {
        try (ArgStack.Frame f = args.enter()) {
            f.put32(EvtchnOp.PORT, port);
            return f.evtchnOp(EvtchnOp.EVTCHNOP_close);
        }
    }

    private void ensureUsable() {
        if (stopping) {
            throw new GuestException("the guest kernel in domain " + domid + " (" + name + ") is stopped");
        }
    }

    private void checkVcpu(int vcpu) {
        if (vcpu < 0 || vcpu >= vcpus) {
            throw new GuestException("domain " + domid + " (" + name + ") has no vCPU " + vcpu);
        }
    }

    private long check(long rc, String what) {
        if (rc < 0) {
            throw failure(what, rc);
        }
        return rc;
    }

    private GuestException failure(String what, long rc) {
        return new GuestException(what + " failed in domain " + domid + " (" + name + "): " + errno(rc));
    }

    static String errno(long rc) {
        return "-" + XenErrno.name(rc);
    }

    GrantFront grants() {
        ensureUsable();
        return grants;
    }

    @Override
    public int grantVersion() {
        return grants.version();
    }

    @Override
    public String toString() {
        return "guest " + name + " (domain " + domid + ", " + (ops == null ? "booting" : ops.abi().variantName())
                + ")";
    }
}
