package io.xenabi.races;

import static io.xenabi.evtchn.EvtchnOp.*;

import io.xenabi.abi.AbiVariant;
import io.xenabi.abi.DomId;
import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.MemoryOp;
import io.xenabi.abi.SchedOp;
import io.xenabi.abi.SharedInfo;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.impl.HypervisorImpl;
import io.xenabi.evtchn.EvtchnFifo;
import io.xenabi.evtchn.fifo.impl.EvtchnFifoVariant;
import io.xenabi.evtchn.twolevel.impl.Evtchn2lVariant;
import io.xenabi.gnttab.GnttabOp;
import io.xenabi.gnttab.GrantEntryLayout;
import io.xenabi.gnttab.GrantFlags;
import io.xenabi.gnttab.v1.impl.GrantTableV1;
import io.xenabi.gnttab.v2.impl.GrantTableV2;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * A minimal Linux-like guest kernel for the race tests: it reaches the hypervisor only through
 * the door, with Xen's argument structs in its own memory, and plays the guest's half of each
 * ABI as Linux does (drivers/xen/events/events_2l.c, events_fifo.c; grant-table.c).
 *
 * <p>Each vCPU has its own 512-byte argument slot, so threads acting as different vCPUs of one
 * domain never share a struct. Nothing here is thread-safe beyond that: one thread per vCPU.
 */
public final class Kernel {
    /** The two event-channel ABIs. */
    public enum Abi { TWO_LEVEL, FIFO }

    static final long SCRATCH_GFN = 1;
    static final long SHARED_INFO_GFN = 2;
    static final long CONTROL_GFN = 16; // + vcpu
    static final long ARRAY_GFN = 64;
    static final long GRANT_FRAME_GFN = 100;
    static final long STATUS_FRAME_GFN = 200;
    /** First gfn of pages the tests grant or map into. */
    public static final long DATA_GFN = 0x400;

    public final HypervisorImpl hv;
    public final int domid;
    public final GuestMemory mem;
    public final Abi abi;
    /** shared_info, once mapped at {@link #SHARED_INFO_GFN}. */
    private GuestPage shared;
    /** Linux's per-cpu {@code evtchn_fifo_queue.head[]}: where each queue's consumer resumes. */
    private final int[] fifoHead;
    /** Linux's evtchn_to_cpu: the vCPU a port is bound to (2-level consumers filter by it). */
    private final int[] portVcpu = new int[4096];
    private int grantVersion = 1;

    private Kernel(HypervisorImpl hv, int domid, Abi abi, int vcpus) {
        this.hv = hv;
        this.domid = domid;
        this.mem = hv.memory(domid);
        this.abi = abi;
        this.fifoHead = new int[vcpus * EvtchnFifo.EVTCHN_FIFO_MAX_QUEUES];
    }

    /** A hypervisor with the four real variants registered as DS would. */
    public static HypervisorImpl hypervisor() {
        HypervisorImpl hv = new HypervisorImpl();
        hv.addEvtchnVariant(new Evtchn2lVariant(), props("evtchn", "2l", -1));
        hv.addEvtchnVariant(new EvtchnFifoVariant(), props("evtchn", "fifo", 0));
        hv.addGrantVersion(new GrantTableV1(), props("gnttab", "v1", -1));
        hv.addGrantVersion(new GrantTableV2(), props("gnttab", "v2", 1));
        if (hv.variants().size() != 4) {
            throw new IllegalStateException("a variant is missing: " + hv.refusals());
        }
        return hv;
    }

    private static Map<String, Object> props(String family, String variant, int capability) {
        return Map.of(AbiVariant.PROP_FAMILY, family, AbiVariant.PROP_VARIANT, variant,
                AbiVariant.PROP_CAPABILITY, capability);
    }

    /** Creates a domain and sets its ABI up as Linux does at boot (shared_info, then FIFO). */
    public static Kernel boot(HypervisorImpl hv, String name, int vcpus, Abi abi) {
        int domid = hv.create(DomainConfig.named(name).withVcpus(vcpus));
        Kernel k = new Kernel(hv, domid, abi, vcpus);
        GuestMemory m = k.mem;
        long a = slot(0);
        m.write16(a + MemoryOp.ADD_TO_PHYSMAP_DOMID, DomId.DOMID_SELF);
        m.write32(a + MemoryOp.ADD_TO_PHYSMAP_SPACE, MemoryOp.XENMAPSPACE_shared_info);
        m.write64(a + MemoryOp.ADD_TO_PHYSMAP_IDX, 0);
        m.write64(a + MemoryOp.ADD_TO_PHYSMAP_GPFN, SHARED_INFO_GFN);
        check(hv.hypercall(domid, 0, Hypercall.__HYPERVISOR_memory_op, MemoryOp.XENMEM_add_to_physmap, a),
                "add_to_physmap(shared_info)");
        k.shared = m.page(SHARED_INFO_GFN);
        if (abi == Abi.FIFO) {
            for (int v = 0; v < vcpus; v++) {
                m.write64(a + INIT_CONTROL_CONTROL_GFN, CONTROL_GFN + v);
                m.write32(a + INIT_CONTROL_OFFSET, 0);
                m.write32(a + INIT_CONTROL_VCPU, v);
                check(k.evtchn(0, EVTCHNOP_init_control), "init_control");
            }
            m.write64(a + EXPAND_ARRAY_ARRAY_GFN, ARRAY_GFN);
            check(k.evtchn(0, EVTCHNOP_expand_array), "expand_array");
        }
        return k;
    }

    static void check(long rc, String what) {
        if (rc != 0) {
            throw new IllegalStateException(what + " failed: " + rc);
        }
    }

    /** The argument slot of vCPU {@code vcpu}. */
    static long slot(int vcpu) {
        return SCRATCH_GFN * GuestPage.PAGE_SIZE + vcpu * 512L;
    }

    long evtchn(int vcpu, int cmd) {
        return hv.hypercall(domid, vcpu, Hypercall.__HYPERVISOR_event_channel_op, cmd, slot(vcpu));
    }

    private long portResult(long rc, int vcpu, int offset) {
        return rc < 0 ? rc : mem.read32(slot(vcpu) + offset);
    }

    // ------------------------------------------------------------------ event-channel ops

    public int bindIpi(int vcpu) {
        mem.write32(slot(0) + BIND_IPI_VCPU, vcpu);
        int port = (int) must(portResult(evtchn(0, EVTCHNOP_bind_ipi), 0, BIND_IPI_PORT), "bind_ipi");
        portVcpu[port] = vcpu;
        return port;
    }

    public int allocUnbound(int remoteDom) {
        mem.write16(slot(0) + ALLOC_UNBOUND_DOM, DomId.DOMID_SELF);
        mem.write16(slot(0) + ALLOC_UNBOUND_REMOTE_DOM, remoteDom);
        return (int) must(portResult(evtchn(0, EVTCHNOP_alloc_unbound), 0, ALLOC_UNBOUND_PORT), "alloc_unbound");
    }

    public int bindInterdomain(int remoteDom, int remotePort) {
        mem.write16(slot(0) + BIND_INTERDOMAIN_REMOTE_DOM, remoteDom);
        mem.write32(slot(0) + BIND_INTERDOMAIN_REMOTE_PORT, remotePort);
        return (int) must(portResult(evtchn(0, EVTCHNOP_bind_interdomain), 0, BIND_INTERDOMAIN_LOCAL_PORT),
                "bind_interdomain");
    }

    /** An interdomain channel between this kernel and {@code peer}: {this port, peer port}. */
    public int[] connect(Kernel peer) {
        int mine = allocUnbound(peer.domid);
        return new int[] {mine, peer.bindInterdomain(domid, mine)};
    }

    public void bindVcpu(int port, int vcpu) {
        mem.write32(slot(0) + BIND_VCPU_PORT, port);
        mem.write32(slot(0) + BIND_VCPU_VCPU, vcpu);
        check(evtchn(0, EVTCHNOP_bind_vcpu), "bind_vcpu");
        portVcpu[port] = vcpu;
    }

    private long onePort(int vcpu, int cmd, int port) {
        mem.write32(slot(vcpu) + PORT, port);
        return evtchn(vcpu, cmd);
    }

    public long send(int vcpu, int port) {
        return onePort(vcpu, EVTCHNOP_send, port);
    }

    public long close(int vcpu, int port) {
        return onePort(vcpu, EVTCHNOP_close, port);
    }

    /** EVTCHNOP_unmask itself (Xen clears the mask and re-delivers a pending event). */
    public long unmaskHypercall(int vcpu, int port) {
        return onePort(vcpu, EVTCHNOP_unmask, port);
    }

    /** EVTCHNOP_reset of the domain itself. */
    public long reset(int vcpu) {
        mem.write16(slot(vcpu) + RESET_DOM, DomId.DOMID_SELF);
        return evtchn(vcpu, EVTCHNOP_reset);
    }

    /**
     * SCHEDOP_poll on one port of vCPU {@code vcpu}: returns when the port is pending, an upcall
     * is pending, or Xen system time reaches {@code deadline} (nanoseconds since the hypervisor
     * started; the caller keeps its own estimate).
     */
    public long poll(int vcpu, int port, long deadline) {
        long s = slot(vcpu);
        mem.write32(s + 64, port);
        mem.write64(s + SchedOp.SCHED_POLL_PORTS, s + 64);
        mem.write32(s + SchedOp.SCHED_POLL_NR_PORTS, 1);
        mem.write64(s + SchedOp.SCHED_POLL_TIMEOUT, deadline);
        return hv.hypercall(domid, vcpu, Hypercall.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_poll, s);
    }

    private static long must(long rc, String what) {
        if (rc < 0) {
            throw new IllegalStateException(what + " failed: " + rc);
        }
        return rc;
    }

    // ------------------------------------------------------------------ the guest's view

    private int wordOffset(int port) {
        return port * 4; // the tests bind ports of the first array page only
    }

    /** The FIFO event word of {@code port}. */
    public int fifoWord(int port) {
        return mem.page(ARRAY_GFN).get32(wordOffset(port));
    }

    private GuestPage control(int vcpu) {
        return mem.page(CONTROL_GFN + vcpu);
    }

    /** The control block's READY word of {@code vcpu}. */
    public int ready(int vcpu) {
        return control(vcpu).get32(EvtchnFifo.CONTROL_BLOCK_READY);
    }

    public boolean pending(int port) {
        return abi == Abi.TWO_LEVEL ? shared.testBit(SharedInfo.EVTCHN_PENDING, port)
                : (fifoWord(port) & (1 << EvtchnFifo.EVTCHN_FIFO_PENDING)) != 0;
    }

    public boolean masked(int port) {
        return abi == Abi.TWO_LEVEL ? shared.testBit(SharedInfo.EVTCHN_MASK, port)
                : (fifoWord(port) & (1 << EvtchnFifo.EVTCHN_FIFO_MASKED)) != 0;
    }

    public boolean linked(int port) {
        return (fifoWord(port) & (1 << EvtchnFifo.EVTCHN_FIFO_LINKED)) != 0;
    }

    /** The guest masks a port: a bit in shared_info (2-level) or MASKED in its word (FIFO). */
    public void mask(int port) {
        if (abi == Abi.TWO_LEVEL) {
            shared.testAndSetBit(SharedInfo.EVTCHN_MASK, port);
        } else {
            mem.page(ARRAY_GFN).getAndOr32(wordOffset(port), 1 << EvtchnFifo.EVTCHN_FIFO_MASKED);
        }
    }

    public boolean upcallPending(int vcpu) {
        return shared.get8(SharedInfo.vcpuInfo(vcpu) + SharedInfo.VCPU_EVTCHN_UPCALL_PENDING) != 0;
    }

    /** The selector bit of {@code port}'s word in {@code vcpu}'s evtchn_pending_sel (2-level). */
    public boolean selectorBit(int vcpu, int port) {
        long sel = shared.get64(SharedInfo.vcpuInfo(vcpu) + SharedInfo.VCPU_EVTCHN_PENDING_SEL);
        return (sel & (1L << (port / 64))) != 0;
    }

    /**
     * Linux's unmask of a masked port. FIFO (events_fifo.c evtchn_fifo_unmask): clear MASKED in
     * the word unless PENDING is set, by compare-exchange, and only otherwise ask Xen. 2-level
     * (events_2l.c, an HVM guest): the mask stays set and EVTCHNOP_unmask clears it.
     */
    public void unmask(int vcpu, int port) {
        if (abi == Abi.FIFO) {
            GuestPage page = mem.page(ARRAY_GFN);
            int off = wordOffset(port);
            int masked = 1 << EvtchnFifo.EVTCHN_FIFO_MASKED;
            while (true) {
                int w = page.get32(off);
                if ((w & masked) == 0) {
                    return;
                }
                if ((w & (1 << EvtchnFifo.EVTCHN_FIFO_PENDING)) != 0) {
                    break;
                }
                if (page.compareAndSet32(off, w, w & ~masked)) {
                    return;
                }
            }
        }
        unmaskHypercall(vcpu, port);
    }

    /**
     * The upcall handler of {@code vcpu}, as Linux's xen_evtchn_do_upcall runs it: clears
     * evtchn_upcall_pending, then consumes every pending, unmasked event of the vCPU, acking each
     * (clearing PENDING) before calling {@code handler}. Returns the number handled.
     */
    public int handleEvents(int vcpu, IntConsumer handler) {
        shared.set8(SharedInfo.vcpuInfo(vcpu) + SharedInfo.VCPU_EVTCHN_UPCALL_PENDING, (byte) 0);
        return abi == Abi.TWO_LEVEL ? handle2l(vcpu, handler) : handleFifo(vcpu, handler);
    }

    private int handle2l(int vcpu, IntConsumer handler) {
        int handled = 0;
        int selOffset = SharedInfo.vcpuInfo(vcpu) + SharedInfo.VCPU_EVTCHN_PENDING_SEL;
        long words = shared.getAndSet64(selOffset, 0);
        while (words != 0) {
            int w = Long.numberOfTrailingZeros(words);
            words &= words - 1;
            long bits = shared.get64(SharedInfo.EVTCHN_PENDING + w * 8) & ~shared.get64(SharedInfo.EVTCHN_MASK + w * 8);
            while (bits != 0) {
                int port = w * 64 + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (portVcpu[port] == vcpu && shared.testAndClearBit(SharedInfo.EVTCHN_PENDING, port)) {
                    handled++;
                    handler.accept(port);
                }
            }
        }
        return handled;
    }

    /** events_fifo.c __evtchn_fifo_handle_events and consume_one_event. */
    private int handleFifo(int vcpu, IntConsumer handler) {
        GuestPage cb = control(vcpu);
        int handled = 0;
        int ready = cb.getAndAnd32(EvtchnFifo.CONTROL_BLOCK_READY, 0);
        while (ready != 0) {
            int q = Integer.numberOfTrailingZeros(ready);
            int slot = vcpu * EvtchnFifo.EVTCHN_FIFO_MAX_QUEUES + q;
            int port = fifoHead[slot];
            if (port == 0) {
                port = cb.get32(EvtchnFifo.head(q)); // reached the tail last time: HEAD is new
            }
            int next = clearLinked(port);
            if (next == 0) {
                ready &= ~(1 << q);
            }
            int w = fifoWord(port);
            if ((w & (1 << EvtchnFifo.EVTCHN_FIFO_PENDING)) != 0 && (w & (1 << EvtchnFifo.EVTCHN_FIFO_MASKED)) == 0
                    && ackFifo(port)) {
                handled++;
                handler.accept(port);
            }
            fifoHead[slot] = next;
            ready |= cb.getAndAnd32(EvtchnFifo.CONTROL_BLOCK_READY, 0);
        }
        return handled;
    }

    /** events_fifo.c clear_linked: clears LINKED and LINK together, returns the old LINK. */
    private int clearLinked(int port) {
        GuestPage page = mem.page(ARRAY_GFN);
        int off = wordOffset(port);
        int clear = (1 << EvtchnFifo.EVTCHN_FIFO_LINKED) | EvtchnFifo.EVTCHN_FIFO_LINK_MASK;
        while (true) {
            int w = page.get32(off);
            if (page.compareAndSet32(off, w, w & ~clear)) {
                return w & EvtchnFifo.EVTCHN_FIFO_LINK_MASK;
            }
        }
    }

    /** The ack (clear_evtchn): clears PENDING; true when this call cleared it. */
    private boolean ackFifo(int port) {
        int bit = 1 << EvtchnFifo.EVTCHN_FIFO_PENDING;
        return (mem.page(ARRAY_GFN).getAndAnd32(wordOffset(port), ~bit) & bit) != 0;
    }

    // ------------------------------------------------------------------ grant tables

    long gnttab(int vcpu, int cmd, long gpa, long count) {
        return hv.hypercall(domid, vcpu, Hypercall.__HYPERVISOR_grant_table_op, cmd, gpa, count);
    }

    /** Maps grant frames 0..n-1 (and v2's status frames) into the guest, as gnttab_setup does. */
    public void mapGrantFrames(int n) {
        for (int i = 0; i < n; i++) {
            addToPhysmapGrant(i, GRANT_FRAME_GFN + i);
        }
        if (grantVersion == 2) {
            for (int i = 0; i < (n + 7) / 8; i++) {
                addToPhysmapGrant(i | MemoryOp.XENMAPIDX_grant_table_status, STATUS_FRAME_GFN + i);
            }
        }
    }

    private void addToPhysmapGrant(long idx, long gpfn) {
        long a = slot(0);
        mem.write16(a + MemoryOp.ADD_TO_PHYSMAP_DOMID, DomId.DOMID_SELF);
        mem.write32(a + MemoryOp.ADD_TO_PHYSMAP_SPACE, MemoryOp.XENMAPSPACE_grant_table);
        mem.write64(a + MemoryOp.ADD_TO_PHYSMAP_IDX, idx);
        mem.write64(a + MemoryOp.ADD_TO_PHYSMAP_GPFN, gpfn);
        check(hv.hypercall(domid, 0, Hypercall.__HYPERVISOR_memory_op, MemoryOp.XENMEM_add_to_physmap, a),
                "add_to_physmap(grant frame " + idx + ")");
    }

    /** GNTTABOP_set_version; the guest's entry layout follows on success. */
    public long setVersion(int vcpu, int version) {
        mem.write32(slot(vcpu) + GnttabOp.SET_VERSION_VERSION, version);
        long rc = gnttab(vcpu, GnttabOp.GNTTABOP_set_version, slot(vcpu), 1);
        if (rc == 0) {
            grantVersion = version;
        }
        return rc;
    }

    /** The version the hypervisor reports for this domain's table. */
    public int grantVersion() {
        return hv.grantVersion(domid);
    }

    /** gnttab_update_entry_v1/v2: frame and domid first, flags last. */
    public void grantAccess(int ref, int to, long gfn, boolean readonly) {
        int flags = GrantFlags.GTF_permit_access | (readonly ? GrantFlags.GTF_readonly : 0);
        if (grantVersion == 1) {
            long e = GRANT_FRAME_GFN * GuestPage.PAGE_SIZE + ref * 8L;
            mem.write32(e + GrantEntryLayout.V1_FRAME, (int) gfn);
            mem.write16(e + GrantEntryLayout.V1_DOMID, to);
            mem.page(GRANT_FRAME_GFN + ref / 512).set16((ref % 512) * 8 + GrantEntryLayout.V1_FLAGS, (short) flags);
        } else {
            long e = GRANT_FRAME_GFN * GuestPage.PAGE_SIZE + ref * 16L;
            mem.write64(e + GrantEntryLayout.V2_FULL_PAGE_FRAME, gfn);
            mem.write16(e + GrantEntryLayout.V2_DOMID, to);
            mem.page(GRANT_FRAME_GFN + ref / 256).set16((ref % 256) * 16 + GrantEntryLayout.V2_FLAGS, (short) flags);
        }
    }

    /**
     * gnttab_end_foreign_access_ref: v1 swaps the flags to 0 unless the peer is reading or
     * writing; v2 clears the flags, then looks at the status word. True when access ended with
     * no use in flight (the page may be reused).
     */
    public boolean endAccess(int ref) {
        int inUse = GrantFlags.GTF_reading | GrantFlags.GTF_writing;
        if (grantVersion == 1) {
            GuestPage page = mem.page(GRANT_FRAME_GFN + ref / 512);
            int off = (ref % 512) * 8 + GrantEntryLayout.V1_FLAGS;
            while (true) {
                short flags = page.get16(off);
                if ((flags & inUse) != 0) {
                    return false;
                }
                if (page.compareAndSet16(off, flags, (short) 0)) {
                    return true;
                }
            }
        }
        GuestPage page = mem.page(GRANT_FRAME_GFN + ref / 256);
        page.set16((ref % 256) * 16 + GrantEntryLayout.V2_FLAGS, (short) 0);
        return (accessBits(ref) & inUse) == 0;
    }

    /** The GTF_reading/GTF_writing bits of {@code ref} the guest sees. */
    public int accessBits(int ref) {
        if (grantVersion == 1) {
            return mem.page(GRANT_FRAME_GFN + ref / 512).get16((ref % 512) * 8 + GrantEntryLayout.V1_FLAGS)
                    & (GrantFlags.GTF_reading | GrantFlags.GTF_writing);
        }
        return mem.page(STATUS_FRAME_GFN + ref / 2048).get16((ref % 2048) * 2)
                & (GrantFlags.GTF_reading | GrantFlags.GTF_writing);
    }

    /** GNTTABOP_map_grant_ref of {@code dom}'s {@code ref} at {@code hostGfn}: the handle, or the GNTST status (< 0). */
    public int map(int vcpu, int dom, int ref, boolean readonly, long hostGfn) {
        long a = slot(vcpu);
        mem.write(a, new byte[GnttabOp.SIZEOF_MAP_GRANT_REF], 0, GnttabOp.SIZEOF_MAP_GRANT_REF);
        mem.write64(a + GnttabOp.MAP_HOST_ADDR, hostGfn * GuestPage.PAGE_SIZE);
        mem.write32(a + GnttabOp.MAP_FLAGS, GrantFlags.GNTMAP_host_map | (readonly ? GrantFlags.GNTMAP_readonly : 0));
        mem.write32(a + GnttabOp.MAP_REF, ref);
        mem.write16(a + GnttabOp.MAP_DOM, dom);
        check(gnttab(vcpu, GnttabOp.GNTTABOP_map_grant_ref, a, 1), "map_grant_ref hypercall");
        int status = (short) mem.read16(a + GnttabOp.MAP_STATUS);
        return status < 0 ? status : mem.read32(a + GnttabOp.MAP_HANDLE);
    }

    /** GNTTABOP_unmap_grant_ref: the GNTST status. */
    public int unmap(int vcpu, long hostGfn, int handle) {
        long a = slot(vcpu);
        mem.write(a, new byte[GnttabOp.SIZEOF_UNMAP_GRANT_REF], 0, GnttabOp.SIZEOF_UNMAP_GRANT_REF);
        mem.write64(a + GnttabOp.UNMAP_HOST_ADDR, hostGfn * GuestPage.PAGE_SIZE);
        mem.write32(a + GnttabOp.UNMAP_HANDLE, handle);
        check(gnttab(vcpu, GnttabOp.GNTTABOP_unmap_grant_ref, a, 1), "unmap_grant_ref hypercall");
        return (short) mem.read16(a + GnttabOp.UNMAP_STATUS);
    }

    /** GNTTABOP_copy of {@code len} bytes from {@code dom}'s {@code ref} into own {@code dstGfn}: the status. */
    public int copyFrom(int vcpu, int dom, int ref, long dstGfn, int len) {
        long a = slot(vcpu);
        mem.write(a, new byte[GnttabOp.SIZEOF_COPY], 0, GnttabOp.SIZEOF_COPY);
        mem.write64(a + GnttabOp.COPY_SOURCE + GnttabOp.COPY_PTR_U, ref);
        mem.write16(a + GnttabOp.COPY_SOURCE + GnttabOp.COPY_PTR_DOMID, dom);
        mem.write64(a + GnttabOp.COPY_DEST + GnttabOp.COPY_PTR_U, dstGfn);
        mem.write16(a + GnttabOp.COPY_DEST + GnttabOp.COPY_PTR_DOMID, DomId.DOMID_SELF);
        mem.write16(a + GnttabOp.COPY_LEN, len);
        mem.write16(a + GnttabOp.COPY_FLAGS, GrantFlags.GNTCOPY_source_gref);
        check(gnttab(vcpu, GnttabOp.GNTTABOP_copy, a, 1), "copy hypercall");
        return (short) mem.read16(a + GnttabOp.COPY_STATUS);
    }
}
