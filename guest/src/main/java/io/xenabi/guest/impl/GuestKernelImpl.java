package io.xenabi.guest.impl;

import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import io.xenabi.abi.SharedInfo;
import io.xenabi.abi.XenErrno;
import io.xenabi.domain.Hypervisor;
import io.xenabi.guest.AbiMode;
import io.xenabi.guest.EventHandler;
import io.xenabi.guest.EvtchnAbi;
import io.xenabi.guest.GuestException;
import io.xenabi.guest.GuestKernel;
import io.xenabi.guest.GuestStats;
import io.xenabi.guest.front.ArgStack;
import io.xenabi.guest.front.EvtchnBoot;
import io.xenabi.guest.front.EvtchnOps;
import io.xenabi.guest.front.FrontException;
import io.xenabi.guest.front.Hypercalls;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * A Linux-like kernel in one domain. The generic layer, after Linux's
 * {@code drivers/xen/events/events_base.c}: boot (map shared_info, choose the ABI with FIFO
 * first and 2-level as the fallback, mask everything) or resume (the ABI it used set up again,
 * nothing probed), a port-to-handler table, binding and closing through the door, and the
 * per-vCPU upcall loop of {@code xen_evtchn_do_upcall}. The hypercalls, what lives in guest
 * memory and the boot and resume sequences are the front-end library's
 * ({@code io.xenabi.guest.front}).
 */
final class GuestKernelImpl implements GuestKernel, EvtchnOps.Dispatcher {
    private static final System.Logger LOG = System.getLogger(GuestKernelImpl.class.getName());
    private static final long JOIN_MILLIS = 2000;
    /** How long a vCPU naps when Xen lets it run without an event (domain paused or shut down). */
    private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** One bound port: the vCPU it is bound to and its handler (Linux's irq_info). */
    private record Binding(int vcpu, EventHandler handler) {
    }

    private final int domid;
    private final String name;
    private final AbiMode mode;
    private final int vcpus;
    private final GuestMemory memory;
    private final Physmap physmap;
    private final Hypercalls calls;
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
    private final GrantDriver grants;
    private EvtchnOps ops;
    private String fallbackReason = "";
    private volatile boolean stopping;
    private volatile boolean booted;

    GuestKernelImpl(Hypervisor hv, int domid, String name, int vcpus, AbiMode mode) {
        this.domid = domid;
        this.name = name;
        this.mode = mode;
        this.vcpus = vcpus;
        this.memory = hv.memory(domid);
        this.physmap = new Physmap(vcpus);
        this.calls = new Hypercalls(hv::hypercall, domid, memory);
        this.args = ArgStack.standard(memory, physmap.layout(), this::currentVcpu);
        this.grants = new GrantDriver(calls, physmap, args);
        this.threads = new Thread[vcpus];
        this.wakeIpi = new int[vcpus];
    }

    // ---------------------------------------------------------------- boot

    /**
     * Boots the kernel; on failure nothing keeps running and the exception names the step.
     */
    void boot() {
        start(null);
    }

    /**
     * Resumes the kernel in a restored domain on the ABI it was using, as Linux's
     * {@code xen_irq_resume} does: FIFO's control blocks set up again on every vCPU, 2-level left
     * as it is, nothing probed; then the per-vCPU IPIs are bound again and the vCPUs run.
     */
    void resume(EvtchnAbi abi) {
        start(abi);
    }

    private void start(EvtchnAbi resumeOn) {
        if (memory.nrPages() < physmap.pagesNeeded()) {
            throw new GuestException("domain " + domid + " has " + memory.nrPages() + " pages of RAM; the guest kernel"
                    + " needs " + physmap.pagesNeeded());
        }
        try {
            sharedInfo = EvtchnBoot.mapSharedInfo(calls, args, physmap.layout());
            for (int v = 0; v < vcpus; v++) {
                setUpcallMask(v, true); // a CPU comes up with interrupts off
            }
            if (resumeOn == null) {
                EvtchnBoot.Chosen chosen = EvtchnBoot.boot(calls, args, physmap.layout(), sharedInfo,
                        mode != AbiMode.TWO_LEVEL);
                ops = chosen.ops();
                fallbackReason = chosen.fallbackReason();
            } else {
                ops = EvtchnBoot.resume(calls, args, physmap.layout(), sharedInfo, resumeOn.variantName());
            }
        } catch (FrontException e) {
            throw failure(e.what(), e.rc());
        }
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
        LOG.log(System.Logger.Level.INFO, "guest {0} (domain {1}): {2} vCPUs, event channels {3}{4}{5}", name, domid,
                vcpus, ops.name(), fallbackReason.isEmpty() ? "" : " (" + fallbackReason + ")",
                resumeOn == null ? "" : ", resumed");
    }

    private long reset() {
        try (ArgStack.Frame f = args.enter()) {
            return calls.reset(f.vcpu(), f.gpa());
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
            long rc = calls.block(vcpu);
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

    /**
     * Linux's cpu_evtchn mask: a port bound to another vCPU is left to that vCPU; a port nobody
     * handles belongs to vCPU 0, as every port does at first.
     */
    @Override
    public boolean owns(int vcpu, int port) {
        Binding b = bindings.get(port);
        return b == null ? vcpu == 0 : b.vcpu == vcpu;
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
                    calls.send(f.vcpu(), f.gpa(), wakeIpi[v]);
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
        return abiOf(ops);
    }

    private static EvtchnAbi abiOf(EvtchnOps ops) {
        return ops.name().equals(EvtchnAbi.FIFO.variantName()) ? EvtchnAbi.FIFO : EvtchnAbi.TWO_LEVEL;
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
        return new GuestStats(domid, abiOf(ops), fallbackReason, upcalls.sum(), spuriousUpcalls.sum(),
                eventsHandled.sum(), spuriousEvents.sum(), ports);
    }

    @Override
    public int allocUnbound(int remoteDom, EventHandler handler) {
        ensureUsable();
        int port;
        try (ArgStack.Frame f = args.enter()) {
            port = (int) check(calls.allocUnbound(f.vcpu(), f.gpa(), remoteDom), "EVTCHNOP_alloc_unbound");
        }
        bindHandler(port, 0, handler);
        return port;
    }

    @Override
    public int bindInterdomain(int remoteDom, int remotePort, EventHandler handler) {
        ensureUsable();
        int port;
        try (ArgStack.Frame f = args.enter()) {
            port = (int) check(calls.bindInterdomain(f.vcpu(), f.gpa(), remoteDom, remotePort),
                    "EVTCHNOP_bind_interdomain");
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
            port = (int) check(calls.bindIpi(f.vcpu(), f.gpa(), vcpu), "EVTCHNOP_bind_ipi");
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
            port = (int) check(calls.bindVirq(f.vcpu(), f.gpa(), virq, vcpu), "EVTCHNOP_bind_virq");
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
            throw failure("setting up port " + port + " (" + ops.name() + ")", rc);
        }
        ops.unmask(args.currentVcpu(), port);
    }

    @Override
    public void send(int port) {
        try (ArgStack.Frame f = args.enter()) {
            check(calls.send(f.vcpu(), f.gpa(), port), "EVTCHNOP_send(port " + port + ")");
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
            return calls.close(f.vcpu(), f.gpa(), port);
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

    GrantDriver grants() {
        ensureUsable();
        return grants;
    }

    @Override
    public int grantVersion() {
        return grants.version();
    }

    @Override
    public String toString() {
        return "guest " + name + " (domain " + domid + ", " + (ops == null ? "booting" : ops.name())
                + ")";
    }
}
