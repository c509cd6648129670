package io.xenabi.bench;

import io.xenabi.abi.AbiVariant;
import io.xenabi.abi.DomId;
import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.MemoryOp;
import io.xenabi.abi.SharedInfo;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.impl.HypervisorImpl;
import io.xenabi.evtchn.EvtchnFifo;
import io.xenabi.evtchn.EvtchnOp;
import io.xenabi.evtchn.fifo.impl.EvtchnFifoVariant;
import io.xenabi.evtchn.twolevel.impl.Evtchn2lVariant;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * A guest set up the way a Linux kernel does it, through the door: shared_info mapped, and under
 * FIFO a control block per vCPU and event-array pages. It has no thread of its own, so a few
 * driver threads can run a thousand of them; its upcall handlers take delivered events as Linux's
 * {@code drivers/xen/events/events_2l.c} and {@code events_fifo.c} do.
 */
final class BenchGuest {
    /** Scratch page for hypercall argument structs: 64 bytes per vCPU. */
    static final long ARG_GFN = 1;
    static final long SHARED_GFN = 2;
    /** vCPU v's FIFO control block lives alone in page CONTROL_GFN + v. */
    static final long CONTROL_GFN = 16;
    /** Event array page i is page ARRAY_GFN + i. */
    static final long ARRAY_GFN = 64;
    private static final int PENDING = 1 << EvtchnFifo.EVTCHN_FIFO_PENDING;
    private static final int MASKED = 1 << EvtchnFifo.EVTCHN_FIFO_MASKED;
    private static final int LINKED = 1 << EvtchnFifo.EVTCHN_FIFO_LINKED;
    private static final IntConsumer IGNORE = port -> { };

    final HypervisorImpl hv;
    final int domid;
    final GuestMemory mem;
    final GuestPage shared;
    final boolean fifo;
    private final GuestPage[] controls;
    private final GuestPage[] array = new GuestPage[EvtchnFifo.EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES];
    /** Linux's per-vCPU, per-queue HEAD kept between upcalls while it walks the LINKs. */
    private final int[][] queueHeads;

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
        long arg = arg(0);
        mem.write16(arg + MemoryOp.ADD_TO_PHYSMAP_DOMID, DomId.DOMID_SELF);
        mem.write32(arg + MemoryOp.ADD_TO_PHYSMAP_SPACE, MemoryOp.XENMAPSPACE_shared_info);
        mem.write64(arg + MemoryOp.ADD_TO_PHYSMAP_GPFN, SHARED_GFN);
        check(hv.hypercall(domid, 0, Hypercall.__HYPERVISOR_memory_op, MemoryOp.XENMEM_add_to_physmap, arg));
        shared = mem.page(SHARED_GFN);
        controls = new GuestPage[config.vcpus()];
        queueHeads = new int[config.vcpus()][EvtchnFifo.EVTCHN_FIFO_MAX_QUEUES];
        if (!fifo) {
            return;
        }
        for (int v = 0; v < config.vcpus(); v++) {
            mem.write64(arg + EvtchnOp.INIT_CONTROL_CONTROL_GFN, CONTROL_GFN + v);
            mem.write32(arg + EvtchnOp.INIT_CONTROL_OFFSET, 0);
            mem.write32(arg + EvtchnOp.INIT_CONTROL_VCPU, v);
            check(evtchn(0, EvtchnOp.EVTCHNOP_init_control));
            controls[v] = mem.page(CONTROL_GFN + v);
        }
        for (int i = 0; i * EvtchnFifo.EVENT_WORDS_PER_PAGE < ports + 1; i++) {
            mem.write64(arg + EvtchnOp.EXPAND_ARRAY_ARRAY_GFN, ARRAY_GFN + i);
            check(evtchn(0, EvtchnOp.EVTCHNOP_expand_array));
            array[i] = mem.page(ARRAY_GFN + i);
        }
    }

    /** A hypervisor with both event-channel ABIs, as SCR binds their components. */
    static HypervisorImpl withBothAbis() {
        HypervisorImpl hv = new HypervisorImpl();
        hv.addEvtchnVariant(new Evtchn2lVariant(), Map.of(AbiVariant.PROP_FAMILY, "evtchn",
                AbiVariant.PROP_VARIANT, "2l", AbiVariant.PROP_CAPABILITY, -1));
        hv.addEvtchnVariant(new EvtchnFifoVariant(), Map.of(AbiVariant.PROP_FAMILY, "evtchn",
                AbiVariant.PROP_VARIANT, "fifo", AbiVariant.PROP_CAPABILITY, 0));
        return hv;
    }

    /** vCPU {@code vcpu}'s FIFO control block (null under 2-level). */
    GuestPage control(int vcpu) {
        return controls[vcpu];
    }

    /** The FIFO event array page holding {@code port}'s event word. */
    GuestPage eventPage(int port) {
        return array[port / EvtchnFifo.EVENT_WORDS_PER_PAGE];
    }

    /** Where vCPU {@code vcpu} puts its hypercall structs (one cache line each). */
    static long arg(int vcpu) {
        return ARG_GFN * GuestPage.PAGE_SIZE + 64L * vcpu;
    }

    long evtchn(int vcpu, int cmd) {
        return hv.hypercall(domid, vcpu, Hypercall.__HYPERVISOR_event_channel_op, cmd, arg(vcpu));
    }

    void check(long rc) {
        if (rc < 0) {
            throw new IllegalStateException("d" + domid + ": set-up hypercall failed: " + rc);
        }
    }

    /** EVTCHNOP_bind_ipi to {@code vcpu}: the port. */
    int bindIpi(int vcpu) {
        mem.write32(arg(0) + EvtchnOp.BIND_IPI_VCPU, vcpu);
        check(evtchn(0, EvtchnOp.EVTCHNOP_bind_ipi));
        return mem.read32(arg(0) + EvtchnOp.BIND_IPI_PORT);
    }

    /** EVTCHNOP_alloc_unbound for {@code remote}: the new port. */
    int allocUnbound(int remote) {
        mem.write16(arg(0) + EvtchnOp.ALLOC_UNBOUND_DOM, DomId.DOMID_SELF);
        mem.write16(arg(0) + EvtchnOp.ALLOC_UNBOUND_REMOTE_DOM, remote);
        check(evtchn(0, EvtchnOp.EVTCHNOP_alloc_unbound));
        return mem.read32(arg(0) + EvtchnOp.ALLOC_UNBOUND_PORT);
    }

    /** EVTCHNOP_bind_interdomain to {@code remotePort} of {@code remote}: the local port. */
    int bindInterdomain(int remote, int remotePort) {
        mem.write16(arg(0) + EvtchnOp.BIND_INTERDOMAIN_REMOTE_DOM, remote);
        mem.write32(arg(0) + EvtchnOp.BIND_INTERDOMAIN_REMOTE_PORT, remotePort);
        check(evtchn(0, EvtchnOp.EVTCHNOP_bind_interdomain));
        return mem.read32(arg(0) + EvtchnOp.BIND_INTERDOMAIN_LOCAL_PORT);
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
        shared.set8(SharedInfo.vcpuInfo(vcpu) + SharedInfo.VCPU_EVTCHN_UPCALL_PENDING, (byte) 0);
        return fifo ? consumeFifo(vcpu, handler) : consume2l(vcpu, handler);
    }

    /** Linux's 2-level handler: the selector word, then each selected word's pending & ~mask bits. */
    private int consume2l(int vcpu, IntConsumer handler) {
        long sel = shared.getAndSet64(SharedInfo.vcpuInfo(vcpu) + SharedInfo.VCPU_EVTCHN_PENDING_SEL, 0);
        int n = 0;
        while (sel != 0) {
            int word = Long.numberOfTrailingZeros(sel);
            sel &= sel - 1;
            long bits = shared.get64(SharedInfo.EVTCHN_PENDING + 8 * word)
                    & ~shared.get64(SharedInfo.EVTCHN_MASK + 8 * word);
            while (bits != 0) {
                int port = word * 64 + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (shared.testAndClearBit(SharedInfo.EVTCHN_PENDING, port)) {
                    handler.accept(port);
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * Linux's {@code __evtchn_fifo_handle_events} and {@code consume_one_event}: READY, then each
     * ready queue from the HEAD it kept (or the control block's), unlinking one event word at a
     * time and taking it when pending and unmasked, until READY stays clear.
     */
    private int consumeFifo(int vcpu, IntConsumer handler) {
        GuestPage control = controls[vcpu];
        int[] heads = queueHeads[vcpu];
        int n = 0;
        int ready = control.getAndAnd32(EvtchnFifo.CONTROL_BLOCK_READY, 0);
        while (ready != 0) {
            int q = Integer.numberOfTrailingZeros(ready);
            int port = heads[q];
            if (port == 0) {
                port = control.get32(EvtchnFifo.head(q));
            }
            int next = 0;
            if (port != 0) {
                GuestPage page = array[port / EvtchnFifo.EVENT_WORDS_PER_PAGE];
                int off = (port % EvtchnFifo.EVENT_WORDS_PER_PAGE) * 4;
                int w;
                do {
                    w = page.get32(off);
                } while (!page.compareAndSet32(off, w, w & ~(LINKED | EvtchnFifo.EVTCHN_FIFO_LINK_MASK)));
                next = w & EvtchnFifo.EVTCHN_FIFO_LINK_MASK;
                if ((page.get32(off) & (PENDING | MASKED)) == PENDING) {
                    page.getAndAnd32(off, ~PENDING);
                    handler.accept(port);
                    n++;
                }
            }
            if (next == 0) {
                ready &= ~(1 << q);
            }
            heads[q] = next;
            ready |= control.getAndAnd32(EvtchnFifo.CONTROL_BLOCK_READY, 0);
        }
        return n;
    }
}
