package io.xenabi.bench;

import io.xenabi.abi.AbiVariant;
import io.xenabi.abi.DomId;
import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.MemoryOp;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.impl.HypervisorImpl;
import io.xenabi.evtchn.fifo.impl.EvtchnFifoVariant;
import io.xenabi.evtchn.twolevel.impl.Evtchn2lVariant;
import io.xenabi.gnttab.GnttabOp;
import io.xenabi.gnttab.GrantEntryLayout;
import io.xenabi.gnttab.v1.impl.GrantTableV1;
import io.xenabi.gnttab.v2.impl.GrantTableV2;
import java.util.Map;

/**
 * The guest side the grant benchmarks share: a hypervisor with every variant added by hand, as
 * DS would add them, and a domain that maps its grant frames with XENMEM_add_to_physmap and
 * writes its grant entries itself (frame and domid first, flags last), as Linux does.
 */
final class Grantor {
    /** The struct area each domain builds its hypercall arguments in. */
    static final long ARG = 4096;
    /** Where each domain maps its shared grant frame 0 (and status frame 0 under v2). */
    static final long FRAME_GFN = 8;
    static final long STATUS_GFN = 9;
    /** Ports per event-channel bucket (domain-core allocates ports 64 at a time, as Xen does). */
    static final int BUCKET_PORTS = 64;

    final HypervisorImpl hv;
    final int domid;
    final GuestMemory mem;
    final int version;

    private Grantor(HypervisorImpl hv, int domid, int version) {
        this.hv = hv;
        this.domid = domid;
        this.mem = hv.memory(domid);
        this.version = version;
    }

    /** A hypervisor with evtchn 2l and fifo, gnttab v1 and v2. */
    static HypervisorImpl hypervisor() {
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

    /** A new domain on grant-table {@code version} with its frame 0 (and status frame) mapped. */
    static Grantor create(HypervisorImpl hv, String name, int version) {
        Grantor g = new Grantor(hv, hv.create(DomainConfig.named(name)), version);
        if (version != 1) {
            g.mem.write32(ARG + GnttabOp.SET_VERSION_VERSION, version);
            check(g.op(GnttabOp.GNTTABOP_set_version, ARG, 1), "set_version");
        }
        g.addToPhysmap(0, FRAME_GFN);
        if (version == 2) {
            g.addToPhysmap(MemoryOp.XENMAPIDX_grant_table_status, STATUS_GFN);
        }
        return g;
    }

    private void addToPhysmap(long idx, long gpfn) {
        mem.write16(ARG + MemoryOp.ADD_TO_PHYSMAP_DOMID, DomId.DOMID_SELF);
        mem.write32(ARG + MemoryOp.ADD_TO_PHYSMAP_SPACE, MemoryOp.XENMAPSPACE_grant_table);
        mem.write64(ARG + MemoryOp.ADD_TO_PHYSMAP_IDX, idx);
        mem.write64(ARG + MemoryOp.ADD_TO_PHYSMAP_GPFN, gpfn);
        check(hv.hypercall(domid, 0, Hypercall.__HYPERVISOR_memory_op, MemoryOp.XENMEM_add_to_physmap, ARG),
                "add_to_physmap");
    }

    long op(int cmd, long gpa, long count) {
        return hv.hypercall(domid, 0, Hypercall.__HYPERVISOR_grant_table_op, cmd, gpa, count);
    }

    /** Grants page {@code gfn} to {@code to} in entry {@code ref} (full page). */
    void grant(int ref, int to, long gfn, int flags) {
        if (version == 1) {
            long e = FRAME_GFN * 4096 + ref * 8L;
            mem.write32(e + GrantEntryLayout.V1_FRAME, (int) gfn);
            mem.write16(e + GrantEntryLayout.V1_DOMID, to);
            mem.write16(e + GrantEntryLayout.V1_FLAGS, flags);
        } else {
            long e = FRAME_GFN * 4096 + ref * 16L;
            mem.write64(e + GrantEntryLayout.V2_FULL_PAGE_FRAME, gfn);
            mem.write16(e + GrantEntryLayout.V2_DOMID, to);
            mem.write16(e + GrantEntryLayout.V2_FLAGS, flags);
        }
    }

    static void check(long rc, String what) {
        if (rc != 0) {
            throw new IllegalStateException(what + " failed: " + rc);
        }
    }
}
