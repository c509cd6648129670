package io.xenabi.bench;

import io.xenabi.domain.testkit.TestHosts;
import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.SharedInfo;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.impl.HypervisorImpl;
import io.xenabi.evtchn.EvtchnOp;
import io.xenabi.guest.front.ArgStack;
import io.xenabi.guest.front.EvtchnBoot;
import io.xenabi.guest.front.EvtchnOps;
import io.xenabi.guest.front.FifoEvents;
import io.xenabi.guest.front.Hypercalls;
import io.xenabi.guest.front.Layout;
import java.util.function.IntConsumer;

/**
 * A guest set up the way a Linux kernel does it, through the door, by the guest front-end
 * library: shared_info mapped, and under FIFO a control block per vCPU and event-array pages.
 * It has no thread of its own, so a few driver threads can run a thousand of them; its upcall
 * takes delivered events with the library's 2-level or FIFO consumer.
 */
final class BenchGuest {
    /** Scratch page for the measured hypercalls' argument structs: 64 bytes per vCPU. */
    static final long ARG_GFN = 1;
    static final long SHARED_GFN = 2;
    /** vCPU v's FIFO control block lives alone in page CONTROL_GFN + v. */
    static final long CONTROL_GFN = 16;
    /** Event array page i is page ARRAY_GFN + i. */
    static final long ARRAY_GFN = 64;
    /** The set-up hypercalls' argument pages (one per vCPU), beyond the largest event array. */
    private static final long SETUP_ARG_GFN = 256;
    private static final EvtchnOps.Dispatcher IGNORE = (vcpu, port) -> { };

    final HypervisorImpl hv;
    final int domid;
    final GuestMemory mem;
    final GuestPage shared;
    final boolean fifo;
    private final Hypercalls calls;
    private final ArgStack args;
    private final EvtchnOps ops;

    /**
     * A hypervisor of its own with both event-channel ABIs, and one domain on {@code abi}
     * ("2l" or "fifo") whose FIFO event array covers {@code ports} ports.
     */
    BenchGuest(String abi, DomainConfig config, int ports) {
        this(withBothAbis(), config, abi.equals("fifo"), ports);
    }

    /** A new domain of {@code config} in {@code hv}, on FIFO (array for {@code ports}) or 2-level. */
    BenchGuest(HypervisorImpl hv, DomainConfig config, boolean fifo, int ports) {
        this.hv = hv;
        this.fifo = fifo;
        domid = hv.create(config);
        mem = hv.memory(domid);
        Layout layout = new Layout(config.vcpus(), SHARED_GFN, CONTROL_GFN, ARRAY_GFN, 0, 0);
        long[] argGfns = new long[config.vcpus()];
        for (int v = 0; v < argGfns.length; v++) {
            argGfns[v] = SETUP_ARG_GFN + v;
        }
        calls = new Hypercalls(hv::hypercall, domid, mem);
        args = new ArgStack(mem, argGfns, () -> -1);
        shared = EvtchnBoot.mapSharedInfo(calls, args, layout);
        EvtchnBoot.Chosen chosen = EvtchnBoot.boot(calls, args, layout, shared, fifo);
        if (fifo != chosen.ops() instanceof FifoEvents) {
            throw new IllegalStateException("d" + domid + ": FIFO set-up failed: " + chosen.fallbackReason());
        }
        ops = chosen.ops();
        check(ops.setup(ports));
    }

    /** A hypervisor with both event-channel ABIs, as SCR binds their components. */
    static HypervisorImpl withBothAbis() {
        return TestHosts.of("evtchn-2l", "evtchn-fifo");
    }

    /** vCPU {@code vcpu}'s FIFO control block (null under 2-level). */
    GuestPage control(int vcpu) {
        return fifo ? ((FifoEvents) ops).controlBlock(vcpu) : null;
    }

    /** The FIFO event array page holding {@code port}'s event word. */
    GuestPage eventPage(int port) {
        return fifo ? ((FifoEvents) ops).eventPage(port) : null;
    }

    /** Where vCPU {@code vcpu} puts its measured hypercall structs (one cache line each). */
    static long arg(int vcpu) {
        return ARG_GFN * GuestPage.PAGE_SIZE + 64L * vcpu;
    }

    private long check(long rc) {
        if (rc < 0) {
            throw new IllegalStateException("d" + domid + ": set-up hypercall failed: " + rc);
        }
        return rc;
    }

    /**
     * A freshly bound port made deliverable, as Linux's bind does: the ABI covers it (its pages
     * come up masked) and it is unmasked.
     */
    private int bound(int port) {
        check(ops.setup(port));
        ops.unmask(0, port);
        return port;
    }

    /** EVTCHNOP_bind_ipi to {@code vcpu}: the port. */
    int bindIpi(int vcpu) {
        int port;
        try (ArgStack.Frame f = args.enter(0)) {
            port = (int) check(calls.bindIpi(f.vcpu(), f.gpa(), vcpu));
        }
        return bound(port);
    }

    /** EVTCHNOP_alloc_unbound for {@code remote}: the new port. */
    int allocUnbound(int remote) {
        int port;
        try (ArgStack.Frame f = args.enter(0)) {
            port = (int) check(calls.allocUnbound(f.vcpu(), f.gpa(), remote));
        }
        return bound(port);
    }

    /** EVTCHNOP_bind_interdomain to {@code remotePort} of {@code remote}: the local port. */
    int bindInterdomain(int remote, int remotePort) {
        int port;
        try (ArgStack.Frame f = args.enter(0)) {
            port = (int) check(calls.bindInterdomain(f.vcpu(), f.gpa(), remote, remotePort));
        }
        return bound(port);
    }

    /** Writes the struct of EVTCHNOP_send for {@code port} at vCPU {@code vcpu}'s argument slot. */
    long sendArg(int vcpu, int port) {
        mem.write32(arg(vcpu) + EvtchnOp.PORT, port);
        return arg(vcpu);
    }

    /** EVTCHNOP_send on {@code port} from vCPU {@code vcpu}: Xen's result. */
    long send(int vcpu, int port) {
        return hv.hypercall(domid, vcpu, Hypercall.__HYPERVISOR_event_channel_op, EvtchnOp.EVTCHNOP_send,
                sendArg(vcpu, port));
    }

    /** The upcall on {@code vcpu}: every pending event taken; returns how many. */
    int consume(int vcpu) {
        return consume(vcpu, IGNORE);
    }

    /**
     * The upcall on {@code vcpu}: clears {@code evtchn_upcall_pending} and hands every pending,
     * unmasked port to {@code handler} after clearing its pending bit; the number handled.
     */
    int consume(int vcpu, IntConsumer handler) {
        return consume(vcpu, (v, port) -> handler.accept(port));
    }

    private int consume(int vcpu, EvtchnOps.Dispatcher dispatcher) {
        shared.set8(SharedInfo.vcpuInfo(vcpu) + SharedInfo.VCPU_EVTCHN_UPCALL_PENDING, (byte) 0);
        return ops.handleEvents(vcpu, dispatcher);
    }
}
