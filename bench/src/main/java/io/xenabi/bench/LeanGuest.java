package io.xenabi.bench;

import io.xenabi.abi.DomId;
import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.MemoryOp;
import io.xenabi.abi.SharedInfo;
import io.xenabi.domain.impl.HypervisorImpl;
import io.xenabi.evtchn.EvtchnFifo;
import io.xenabi.evtchn.EvtchnOp;
import java.util.function.IntConsumer;

/**
 * A lean one-vCPU guest for benchmarks: no thread of its own, so a few driver threads can run a
 * thousand of them. It builds Xen's argument structs in its own scratch page, goes through the
 * hypercall door, and consumes events the way Linux does for its ABI
 * ({@code drivers/xen/events/events_2l.c} and {@code events_fifo.c}).
 */
public final class LeanGuest {
    private static final int PENDING = 1 << EvtchnFifo.EVTCHN_FIFO_PENDING;
    private static final int MASKED = 1 << EvtchnFifo.EVTCHN_FIFO_MASKED;
    private static final int LINKED = 1 << EvtchnFifo.EVTCHN_FIFO_LINKED;
    private static final long ARG = 4096;
    private static final long SEND_ARG = ARG + 512;
    private static final long SHARED_GFN = 2;
    private static final long CONTROL_GFN = 3;
    private static final long ARRAY_GFN = 4;

    private final HypervisorImpl hv;
    public final int domid;
    public final boolean fifo;
    private final GuestMemory mem;
    private final GuestPage shared;
    private GuestPage control;
    private GuestPage words;
    /** Linux's per-queue HEAD the guest keeps while it walks the LINKs (vCPU 0). */
    private final int[] queueHeads = new int[EvtchnFifo.EVTCHN_FIFO_MAX_QUEUES];

    /**
     * Maps shared_info into domain {@code domid} and, when {@code fifo}, switches it to FIFO
     * (EVTCHNOP_init_control for vCPU 0 and one event-array page: ports 0..1023).
     */
    public LeanGuest(HypervisorImpl hv, int domid, boolean fifo) {
        this.hv = hv;
        this.domid = domid;
        this.fifo = fifo;
        this.mem = hv.memory(domid);
        mem.write16(ARG + MemoryOp.ADD_TO_PHYSMAP_DOMID, DomId.DOMID_SELF);
        mem.write32(ARG + MemoryOp.ADD_TO_PHYSMAP_SPACE, MemoryOp.XENMAPSPACE_shared_info);
        mem.write64(ARG + MemoryOp.ADD_TO_PHYSMAP_GPFN, SHARED_GFN);
        check("add_to_physmap", hv.hypercall(domid, 0, Hypercall.__HYPERVISOR_memory_op,
                MemoryOp.XENMEM_add_to_physmap, ARG));
        shared = mem.page(SHARED_GFN);
        if (fifo) {
            mem.write64(ARG + EvtchnOp.INIT_CONTROL_CONTROL_GFN, CONTROL_GFN);
            mem.write32(ARG + EvtchnOp.INIT_CONTROL_OFFSET, 0);
            mem.write32(ARG + EvtchnOp.INIT_CONTROL_VCPU, 0);
            check("init_control", evtchn(EvtchnOp.EVTCHNOP_init_control, ARG));
            mem.write64(ARG + EvtchnOp.EXPAND_ARRAY_ARRAY_GFN, ARRAY_GFN);
            check("expand_array", evtchn(EvtchnOp.EVTCHNOP_expand_array, ARG));
            control = mem.page(CONTROL_GFN);
            words = mem.page(ARRAY_GFN);
        }
    }

    private long evtchn(int cmd, long arg) {
        return hv.hypercall(domid, 0, Hypercall.__HYPERVISOR_event_channel_op, cmd, arg);
    }

    private void check(String what, long rc) {
        if (rc < 0) {
            throw new IllegalStateException("d" + domid + ": " + what + " failed with " + rc);
        }
    }

    /** EVTCHNOP_bind_ipi on vCPU 0; the new port. */
    public int bindIpi() {
        mem.write32(ARG + EvtchnOp.BIND_IPI_VCPU, 0);
        check("bind_ipi", evtchn(EvtchnOp.EVTCHNOP_bind_ipi, ARG));
        return mem.read32(ARG + EvtchnOp.BIND_IPI_PORT);
    }

    /** EVTCHNOP_alloc_unbound for {@code remote}; the new port. */
    public int allocUnbound(int remote) {
        mem.write16(ARG + EvtchnOp.ALLOC_UNBOUND_DOM, DomId.DOMID_SELF);
        mem.write16(ARG + EvtchnOp.ALLOC_UNBOUND_REMOTE_DOM, remote);
        check("alloc_unbound", evtchn(EvtchnOp.EVTCHNOP_alloc_unbound, ARG));
        return mem.read32(ARG + EvtchnOp.ALLOC_UNBOUND_PORT);
    }

    /** EVTCHNOP_bind_interdomain to {@code remotePort} of {@code remote}; the local port. */
    public int bindInterdomain(int remote, int remotePort) {
        mem.write16(ARG + EvtchnOp.BIND_INTERDOMAIN_REMOTE_DOM, remote);
        mem.write32(ARG + EvtchnOp.BIND_INTERDOMAIN_REMOTE_PORT, remotePort);
        check("bind_interdomain", evtchn(EvtchnOp.EVTCHNOP_bind_interdomain, ARG));
        return mem.read32(ARG + EvtchnOp.BIND_INTERDOMAIN_LOCAL_PORT);
    }

    /** EVTCHNOP_send on {@code port}: Xen's result. */
    public long send(int port) {
        mem.write32(SEND_ARG + EvtchnOp.PORT, port);
        return evtchn(EvtchnOp.EVTCHNOP_send, SEND_ARG);
    }

    /**
     * The upcall on vCPU 0: clears {@code evtchn_upcall_pending} and hands every pending,
     * unmasked port to {@code handler} after clearing its pending bit; the number handled.
     */
    public int consume(IntConsumer handler) {
        shared.set8(SharedInfo.vcpuInfo(0) + SharedInfo.VCPU_EVTCHN_UPCALL_PENDING, (byte) 0);
        return fifo ? consumeFifo(handler) : consume2l(handler);
    }

    private int consume2l(IntConsumer handler) {
        int n = 0;
        long sel = shared.getAndSet64(SharedInfo.vcpuInfo(0) + SharedInfo.VCPU_EVTCHN_PENDING_SEL, 0);
        while (sel != 0) {
            int w = Long.numberOfTrailingZeros(sel);
            sel &= sel - 1;
            long bits = shared.get64(SharedInfo.EVTCHN_PENDING + 8 * w) & ~shared.get64(SharedInfo.EVTCHN_MASK + 8 * w);
            while (bits != 0) {
                int port = w * 64 + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (shared.testAndClearBit(SharedInfo.EVTCHN_PENDING, port)) {
                    handler.accept(port);
                    n++;
                }
            }
        }
        return n;
    }

    /** Linux's {@code __evtchn_fifo_handle_events} and {@code consume_one_event} for vCPU 0. */
    private int consumeFifo(IntConsumer handler) {
        int n = 0;
        int ready = control.getAndAnd32(EvtchnFifo.CONTROL_BLOCK_READY, 0);
        while (ready != 0) {
            int q = Integer.numberOfTrailingZeros(ready);
            int port = queueHeads[q];
            if (port == 0) {
                port = control.get32(EvtchnFifo.head(q));
            }
            int next = 0;
            if (port != 0) {
                int off = 4 * port;
                int w;
                do {
                    w = words.get32(off);
                } while (!words.compareAndSet32(off, w, w & ~(LINKED | EvtchnFifo.EVTCHN_FIFO_LINK_MASK)));
                next = w & EvtchnFifo.EVTCHN_FIFO_LINK_MASK;
                if ((words.get32(off) & (PENDING | MASKED)) == PENDING) {
                    words.getAndAnd32(off, ~PENDING);
                    handler.accept(port);
                    n++;
                }
            }
            if (next == 0) {
                ready &= ~(1 << q);
            }
            queueHeads[q] = next;
            ready |= control.getAndAnd32(EvtchnFifo.CONTROL_BLOCK_READY, 0);
        }
        return n;
    }
}
