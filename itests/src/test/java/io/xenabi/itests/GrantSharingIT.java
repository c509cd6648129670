package io.xenabi.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.xenabi.abi.DomId;
import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.MemoryOp;
import io.xenabi.abi.XenErrno;
import io.xenabi.domain.DomainConfig;
import io.xenabi.gnttab.GnttabOp;
import io.xenabi.gnttab.GnttabStatus;
import io.xenabi.gnttab.GrantEntryLayout;
import io.xenabi.gnttab.GrantFlags;
import io.xenabi.guest.AbiMode;
import io.xenabi.guest.ShareMode;
import io.xenabi.guest.ShareResult;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/** Grant tables in Felix: guest kernels share, map, copy, unmap and reclaim under v1 and v2. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class GrantSharingIT extends GuestDomains {
    private int domain(String name) {
        return domain(DomainConfig.named(name));
    }

    private void shareAndCheck(int version, ShareMode mode) {
        int front = domain("front" + version + mode);
        int back = domain("back" + version + mode);
        guests.start(front, AbiMode.AUTO);
        guests.start(back, AbiMode.AUTO);
        ShareResult r = guests.share(front, back, 16, version, mode);
        assertEquals(16, r.verified());
        assertEquals(0, r.failed());
        assertEquals(version, hypervisor.grantVersion(front));
        assertTrue("every grant ended and reclaimed", hypervisor.grants(front).isEmpty());
    }

    @Test
    public void mapUnderV1() {
        shareAndCheck(1, ShareMode.MAP);
    }

    @Test
    public void copyUnderV1() {
        shareAndCheck(1, ShareMode.COPY);
    }

    @Test
    public void mapUnderV2() {
        shareAndCheck(2, ShareMode.MAP);
    }

    @Test
    public void copyUnderV2() {
        shareAndCheck(2, ShareMode.COPY);
    }

    // -------------------------------------------------- set_version with grants in use, raw

    private static final long ARG = 8L * 4096;
    private static final long FRAME_GFN = 20;
    private static final long DATA_GFN = 30;
    private static final long MAP_GFN = 40;

    private long gnttab(int domid, int cmd) {
        return hypervisor.hypercall(domid, 0, Hypercall.__HYPERVISOR_grant_table_op, cmd, ARG, 1);
    }

    private long setVersion(int domid, int v) {
        hypervisor.memory(domid).write32(ARG, v);
        return gnttab(domid, GnttabOp.GNTTABOP_set_version);
    }

    @Test
    public void setVersionIsBusyWhileAGrantIsMappedAndFreeAfterTheUnmap() {
        int front = domain("vfront");
        int back = domain("vback");
        GuestMemory fm = hypervisor.memory(front);
        GuestMemory bm = hypervisor.memory(back);
        fm.write16(ARG + MemoryOp.ADD_TO_PHYSMAP_DOMID, DomId.DOMID_SELF);
        fm.write32(ARG + MemoryOp.ADD_TO_PHYSMAP_SPACE, MemoryOp.XENMAPSPACE_grant_table);
        fm.write64(ARG + MemoryOp.ADD_TO_PHYSMAP_IDX, 0);
        fm.write64(ARG + MemoryOp.ADD_TO_PHYSMAP_GPFN, FRAME_GFN);
        assertEquals(0, hypervisor.hypercall(front, 0, Hypercall.__HYPERVISOR_memory_op,
                MemoryOp.XENMEM_add_to_physmap, ARG));
        long entry = FRAME_GFN * 4096 + 10 * GrantEntryLayout.SIZEOF_GRANT_ENTRY_V1;
        fm.write32(entry + GrantEntryLayout.V1_FRAME, (int) DATA_GFN);
        fm.write16(entry + GrantEntryLayout.V1_DOMID, back);
        fm.write16(entry + GrantEntryLayout.V1_FLAGS, GrantFlags.GTF_permit_access);

        bm.write64(ARG + GnttabOp.MAP_HOST_ADDR, MAP_GFN * 4096);
        bm.write32(ARG + GnttabOp.MAP_FLAGS, GrantFlags.GNTMAP_host_map);
        bm.write32(ARG + GnttabOp.MAP_REF, 10);
        bm.write16(ARG + GnttabOp.MAP_DOM, front);
        assertEquals(0, gnttab(back, GnttabOp.GNTTABOP_map_grant_ref));
        assertEquals(GnttabStatus.GNTST_okay, (short) bm.read16(ARG + GnttabOp.MAP_STATUS));
        int handle = bm.read32(ARG + GnttabOp.MAP_HANDLE);
        assertEquals(1, hypervisor.grants(front).get(0).activeMaps());

        assertEquals(-XenErrno.EBUSY, setVersion(front, 2));
        assertEquals(1, hypervisor.grantVersion(front));

        bm.write64(ARG + GnttabOp.UNMAP_HOST_ADDR, MAP_GFN * 4096);
        bm.write64(ARG + GnttabOp.UNMAP_DEV_BUS_ADDR, 0);
        bm.write32(ARG + GnttabOp.UNMAP_HANDLE, handle);
        assertEquals(0, gnttab(back, GnttabOp.GNTTABOP_unmap_grant_ref));
        assertEquals(GnttabStatus.GNTST_okay, (short) bm.read16(ARG + GnttabOp.UNMAP_STATUS));

        assertEquals(0, setVersion(front, 2));
        assertEquals(2, hypervisor.grantVersion(front));
        assertEquals(0, setVersion(front, 1));
        assertEquals(1, hypervisor.grantVersion(front));
    }
}
