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

/**
 * A hypervisor with both event-channel ABIs and one domain whose guest is set up the way a
 * Linux kernel does it, through the door: shared_info mapped, and under FIFO a control block
 * per vCPU and event array pages. Also the guest's consumers of delivered events, as Linux's
 * upcall handlers walk them.
 */
final class BenchGuest {
    /** Scratch page for hypercall argument structs: 64 bytes per vCPU. */
    static final long ARG_GFN = 1;
    static final long SHARED_GFN = 2;
    /** vCPU v's FIFO control block lives alone in page CONTROL_GFN + v. */
    static final long CONTROL_GFN = 16;
    /** Event array page i is page ARRAY_GFN + i. */
    static final long ARRAY_GFN = 64;

    final HypervisorImpl hv;
    final int domid;
    final GuestMemory mem;
    final GuestPage shared;
    final boolean fifo;
    private final GuestPage[] controls;
    private final GuestPage[] array = new GuestPage[EvtchnFifo.EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES];

    /** A domain on {@code abi} ("2l" or "fifo") whose FIFO event array covers {@code ports} ports. */
    BenchGuest(String abi, DomainConfig config, int ports) {
        hv = new HypervisorImpl();
        hv.addEvtchnVariant(new Evtchn2lVariant(), Map.of(AbiVariant.PROP_FAMILY, "evtchn",
                AbiVariant.PROP_VARIANT, "2l", AbiVariant.PROP_CAPABILITY, -1));
        hv.addEvtchnVariant(new EvtchnFifoVariant(), Map.of(AbiVariant.PROP_FAMILY, "evtchn",
                AbiVariant.PROP_VARIANT, "fifo", AbiVariant.PROP_CAPABILITY, 0));
        domid = hv.create(config);
        mem = hv.memory(domid);
        long arg = arg(0);
        mem.write16(arg + MemoryOp.ADD_TO_PHYSMAP_DOMID, DomId.DOMID_SELF);
        mem.write32(arg + MemoryOp.ADD_TO_PHYSMAP_SPACE, MemoryOp.XENMAPSPACE_shared_info);
        mem.write64(arg + MemoryOp.ADD_TO_PHYSMAP_GPFN, SHARED_GFN);
        check(hv.hypercall(domid, 0, Hypercall.__HYPERVISOR_memory_op, MemoryOp.XENMEM_add_to_physmap, arg));
        shared = mem.page(SHARED_GFN);
        fifo = abi.equals("fifo");
        controls = new GuestPage[config.vcpus()];
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

    static void check(long rc) {
        if (rc < 0) {
            throw new IllegalStateException("set-up hypercall failed: " + rc);
        }
    }

    /** EVTCHNOP_bind_ipi to {@code vcpu}: the port. */
    int bindIpi(int vcpu) {
        mem.write32(arg(0) + EvtchnOp.BIND_IPI_VCPU, vcpu);
        check(evtchn(0, EvtchnOp.EVTCHNOP_bind_ipi));
        return mem.read32(arg(0) + EvtchnOp.BIND_IPI_PORT);
    }

    /** Writes the struct of EVTCHNOP_send for {@code port} at vCPU {@code vcpu}'s argument slot. */
    long sendArg(int vcpu, int port) {
        mem.write32(arg(vcpu) + EvtchnOp.PORT, port);
        return arg(vcpu);
    }

    /**
     * The upcall on {@code vcpu}: every pending event is taken the way Linux's 2-level or FIFO
     * handler takes it; returns how many.
     */
    int consume(int vcpu) {
        shared.set8(SharedInfo.vcpuInfo(vcpu) + SharedInfo.VCPU_EVTCHN_UPCALL_PENDING, (byte) 0);
        return fifo ? consumeFifo(vcpu) : consume2l(vcpu);
    }

    /** Linux's 2-level handler: the selector word, then each selected word's pending & ~mask bits. */
    private int consume2l(int vcpu) {
        long sel = shared.getAndSet64(SharedInfo.vcpuInfo(vcpu) + SharedInfo.VCPU_EVTCHN_PENDING_SEL, 0);
        int n = 0;
        while (sel != 0) {
            int word = Long.numberOfTrailingZeros(sel);
            sel &= sel - 1;
            long bits = shared.get64(SharedInfo.EVTCHN_PENDING + 8 * word)
                    & ~shared.get64(SharedInfo.EVTCHN_MASK + 8 * word);
            while (bits != 0) {
                int bit = Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                shared.testAndClearBit(SharedInfo.EVTCHN_PENDING, word * 64 + bit);
                n++;
            }
        }
        return n;
    }

    /**
     * Linux's FIFO handler: READY, then each ready queue from its HEAD along the LINK fields,
     * unlinking each event word (LINKED, LINK and PENDING cleared at once).
     */
    private int consumeFifo(int vcpu) {
        GuestPage control = controls[vcpu];
        int n = 0;
        int ready = control.getAndAnd32(EvtchnFifo.CONTROL_BLOCK_READY, 0);
        while (ready != 0) {
            int q = Integer.numberOfTrailingZeros(ready);
            ready &= ready - 1;
            int port = control.get32(EvtchnFifo.head(q));
            while (port != 0) {
                GuestPage page = array[port / EvtchnFifo.EVENT_WORDS_PER_PAGE];
                int off = (port % EvtchnFifo.EVENT_WORDS_PER_PAGE) * 4;
                int old;
                do {
                    old = page.get32(off);
                } while (!page.compareAndSet32(off, old, old & ~((1 << EvtchnFifo.EVTCHN_FIFO_LINKED)
                        | EvtchnFifo.EVTCHN_FIFO_LINK_MASK | (1 << EvtchnFifo.EVTCHN_FIFO_PENDING))));
                n++;
                port = old & EvtchnFifo.EVTCHN_FIFO_LINK_MASK;
            }
        }
        return n;
    }
}
