package io.xenabi.domain.impl;

import static io.xenabi.abi.XenErrno.EFAULT;
import static io.xenabi.abi.XenErrno.EINVAL;
import static io.xenabi.abi.XenErrno.ENOSYS;
import static io.xenabi.gnttab.GnttabOp.*;
import static io.xenabi.gnttab.GnttabStatus.*;
import static io.xenabi.gnttab.GrantFlags.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.xenabi.abi.DomId;
import io.xenabi.abi.MemoryOp;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The grant-table ops around map and copy as Xen 4.17's do_grant_table_op and its sub-ops do
 * them (xen/common/grant_table.c), for the rows of FIDELITY-GAPS where xenabi differed: counts,
 * sub-ops x86 does not have, the frame list written one entry at a time, swap of a ref with itself.
 */
class GrantOpsFidelityTest {
    static final long PAGE_GFN = 50;
    static final long MAP_GFN = 400;
    /** A guest address beyond the guest's RAM: a copy to it faults. */
    static final long OUTSIDE = 1L << 40;

    private HypervisorImpl hv;
    private GrantGuest front;
    private GrantGuest back;

    @BeforeEach
    void boot() {
        hv = TestHypervisors.all();
        front = new GrantGuest(hv, hv.create(DomainConfig.named("front")));
        back = new GrantGuest(hv, hv.create(DomainConfig.named("back")));
    }

    /** Row G8: swap_grant_ref checks "the same ref" right after the bounds, before any pin. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void swapOfARefWithItselfIsANoOpEvenWhileMapped(int v) {
        assertEquals(0, front.setVersion(v));
        front.mapFrames(1);
        front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
        front.grant(11, back.domid, PAGE_GFN + 1, GTF_permit_access);
        assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map, GrantGuest.addr(MAP_GFN)));
        assertEquals(GNTST_okay, front.swap(10, 10));
        assertEquals(GNTST_eagain, front.swap(10, 11), "a mapped ref cannot be swapped with another");
        assertEquals(GNTST_bad_gntref, front.swap(10, 1 << 20), "the bounds come first");
        assertEquals(GTF_reading | GTF_writing, front.accessBits(10), "the mapping is untouched");
    }

    /** Row G9: Xen 4.17 has no dump_table case (nor has master): -ENOSYS, the struct untouched. */
    @Test
    void dumpTableIsAnUnknownSubOp() {
        front.mem.write16(GrantGuest.ARG + DUMP_DOM, DomId.DOMID_SELF);
        front.mem.write16(GrantGuest.ARG + DUMP_STATUS, 0x5555);
        assertEquals(-ENOSYS, front.op(GNTTABOP_dump_table, GrantGuest.ARG, 1));
        assertEquals(0x5555, front.mem.read16(GrantGuest.ARG + DUMP_STATUS));
    }

    /** Row G10: gnttab_set_version and gnttab_get_version take no count; the op runs whatever it is. */
    @ParameterizedTest
    @ValueSource(ints = {0, 2, 1000})
    void setAndGetVersionIgnoreTheirCount(int count) {
        front.mem.write32(GrantGuest.ARG + SET_VERSION_VERSION, 2);
        assertEquals(0, front.op(GNTTABOP_set_version, GrantGuest.ARG, count));
        front.mem.write16(GrantGuest.ARG + GET_VERSION_DOM, DomId.DOMID_SELF);
        assertEquals(0, front.op(GNTTABOP_get_version, GrantGuest.ARG, count));
        assertEquals(2, front.mem.read32(GrantGuest.ARG + GET_VERSION_VERSION));
    }

    /**
     * Row G11: setup_table and get_status_frames copy each gfn out on its own; a frame list the
     * guest has not mapped gives rc 0 and GNTST_bad_virt_addr, and the table still grew.
     */
    @Test
    void anUnmappedFrameListIsBadVirtAddrWithRcZero() {
        long a = GrantGuest.ARG;
        front.mem.write16(a + SETUP_DOM, DomId.DOMID_SELF);
        front.mem.write32(a + SETUP_NR_FRAMES, 2);
        front.mem.write64(a + SETUP_FRAME_LIST, OUTSIDE);
        assertEquals(0, front.op(GNTTABOP_setup_table, a, 1));
        assertEquals(GNTST_bad_virt_addr, front.status(SETUP_STATUS));
        front.querySize(DomId.DOMID_SELF);
        assertEquals(2, front.mem.read32(a + QUERY_NR_FRAMES), "the table grew before the copy out");

        assertEquals(0, front.setVersion(2));
        front.mem.write32(a + STATUS_FRAMES_NR_FRAMES, 1);
        front.mem.write16(a + STATUS_FRAMES_DOM, DomId.DOMID_SELF);
        front.mem.write64(a + STATUS_FRAMES_FRAME_LIST, OUTSIDE);
        assertEquals(0, front.op(GNTTABOP_get_status_frames, a, 1));
        assertEquals(GNTST_bad_virt_addr, front.status(STATUS_FRAMES_STATUS));
    }

    /**
     * Row G14: do_grant_table_op's count is an unsigned int, so a count with bits above 32 is
     * its lower half: (1 << 32) | 1 is one struct. What reads negative as an int is -EINVAL.
     */
    @Test
    void theCountIsA32BitUnsignedInt() {
        front.mem.write16(GrantGuest.ARG + QUERY_DOM, DomId.DOMID_SELF);
        assertEquals(0, front.op(GNTTABOP_query_size, GrantGuest.ARG, (1L << 32) | 1));
        assertEquals(GNTST_okay, front.status(QUERY_STATUS));
        assertEquals(-EINVAL, front.op(GNTTABOP_query_size, GrantGuest.ARG, (1L << 32) | 2), "a count of 2");
        assertEquals(-EINVAL, front.op(GNTTABOP_copy, GrantGuest.ARG, 0x80000000L));
        assertEquals(0, front.op(GNTTABOP_copy, GrantGuest.ARG, 1L << 32), "an empty batch");
    }

    /**
     * Row G13: v1 has no sub-page grants; acquire_grant_for_copy reads a v1 entry's frame and
     * takes the whole page, so a GTF_sub_page bit in a v1 entry changes nothing for a copy
     * (while a map still refuses it: _set_status checks GTF_sub_page for every map).
     */
    @Test
    void aV1EntryWithTheSubPageFlagIsCopiedAsTheWholePage() {
        front.mapFrames(1);
        front.grant(10, back.domid, PAGE_GFN, GTF_permit_access | GTF_sub_page);
        front.mem.write64(GrantGuest.addr(PAGE_GFN) + 4000, 0x1122334455667788L);
        assertEquals(GNTST_okay, back.copy(10, front.domid, 4000, MAP_GFN, DomId.DOMID_SELF, 0, 8, GNTCOPY_source_gref));
        assertEquals(0x1122334455667788L, back.mem.read64(GrantGuest.addr(MAP_GFN)));
        assertEquals(GNTST_general_error, back.map(front.domid, 10, GNTMAP_host_map, GrantGuest.addr(MAP_GFN + 1)));
    }

    /**
     * Row G12: gnttab_copy_lock_domains checks the source whole before the destination: a
     * source gref of a domain that does not exist is bad_domain even when the destination is
     * a frame of another domain (which alone is permission_denied).
     */
    @Test
    void aCopyChecksItsSourceWholeBeforeItsDestination() {
        assertEquals(GNTST_bad_domain, back.copy(10, 999, 0, MAP_GFN, front.domid, 0, 8, GNTCOPY_source_gref));
        assertEquals(GNTST_permission_denied, back.copy(MAP_GFN, front.domid, 0, 10, 999, 0, 8, GNTCOPY_dest_gref),
                "a source frame of another domain, before the destination's missing domain");
        assertEquals(GNTST_bad_domain, back.copy(MAP_GFN, DomId.DOMID_SELF, 0, 10, 999, 0, 8, GNTCOPY_dest_gref));
    }

    /**
     * Row G22: the active entry keeps a sub-page window's start in 15 bits (start:15), so a v2
     * sub-page grant with page_off 0x8064 and length 50 is the window 100..149.
     */
    @Test
    void aSubPageWindowStartKeepsFifteenBitsAsXensActiveEntry() {
        assertEquals(0, front.setVersion(2));
        front.mapFrames(1);
        front.grantV2(10, back.domid, GTF_permit_access | GTF_sub_page, 0x8064, 50, PAGE_GFN);
        front.mem.write32(GrantGuest.addr(PAGE_GFN) + 100, 0x01020304);
        assertEquals(GNTST_okay, back.copy(10, front.domid, 100, MAP_GFN, DomId.DOMID_SELF, 0, 50, GNTCOPY_source_gref));
        assertEquals(0x01020304, back.mem.read32(GrantGuest.addr(MAP_GFN)));
        assertEquals(GNTST_general_error,
                back.copy(10, front.domid, 100, MAP_GFN, DomId.DOMID_SELF, 0, 51, GNTCOPY_source_gref), "past the window");
        assertEquals(GNTST_general_error,
                back.copy(10, front.domid, 99, MAP_GFN, DomId.DOMID_SELF, 0, 8, GNTCOPY_source_gref), "before it");
    }

    /**
     * Row G19: leaving v2, gnttab_set_version keeps a reserved entry only when it is
     * permit_access (a sub-page one too, with its flags and frame) and zeroes the others, an
     * accept_transfer entry among them.
     */
    @Test
    void leavingV2KeepsOnlyPermitAccessReservedEntries() {
        assertEquals(0, front.setVersion(2));
        front.mapFrames(1);
        front.grantV2(3, back.domid, GTF_permit_access | GTF_sub_page, 16, 64, PAGE_GFN);
        front.grantV2(4, back.domid, GTF_accept_transfer, 0, 0, PAGE_GFN + 1);
        assertEquals(0, front.setVersion(1));
        long e3 = GrantGuest.FRAME_GFN * 4096 + 3 * 8L;
        long e4 = GrantGuest.FRAME_GFN * 4096 + 4 * 8L;
        assertEquals(GTF_permit_access | GTF_sub_page, front.mem.read16(e3), "0x101 kept");
        assertEquals(back.domid, front.mem.read16(e3 + 2));
        assertEquals(PAGE_GFN, front.mem.read32(e3 + 4));
        assertEquals(0L, front.mem.read64(e4), "accept_transfer zeroed");
    }

    /**
     * Row G15: a PVH or HVM guest reaches do_grant_table_op through hvm_grant_table_op, which
     * lets only query_size, setup_table, set/get_version, copy, map, unmap and swap through:
     * every other sub-op is -ENOSYS (continuation bits included, before the count is looked at),
     * and map_grant_ref refuses a device map of a paging_mode_external domain with general_error.
     */
    @ParameterizedTest
    @EnumSource(value = DomainType.class, names = {"PVH", "HVM"})
    void aPvhOrHvmGuestGetsOnlyTheSubOpsHvmGrantTableOpLetsThrough(DomainType type) {
        GrantGuest hvm = new GrantGuest(hv, hv.create(DomainConfig.named("hvm").withType(type, true)));
        assertEquals(0, hvm.setVersion(2));
        assertEquals(-ENOSYS, hvm.op(GNTTABOP_get_status_frames, GrantGuest.ARG, 1));
        assertEquals(-ENOSYS, hvm.op(GNTTABOP_unmap_and_replace, GrantGuest.ARG, 1));
        assertEquals(-ENOSYS, hvm.op(GNTTABOP_transfer, GrantGuest.ARG, 1));
        assertEquals(-ENOSYS, hvm.op(GNTTABOP_cache_flush, GrantGuest.ARG, 0));
        assertEquals(-ENOSYS, hvm.op(GNTTABOP_copy | (1 << 12), GrantGuest.ARG, 1), "the raw cmd is compared");
        assertEquals(-EINVAL, front.op(GNTTABOP_copy | (1 << 12), GrantGuest.ARG, 1), "a PV guest: do_grant_table_op");
        assertEquals(GNTST_okay, hvm.querySize(DomId.DOMID_SELF));

        front.mapFrames(1);
        front.grant(10, hvm.domid, PAGE_GFN, GTF_permit_access);
        assertEquals(GNTST_general_error, hvm.map(front.domid, 10, GNTMAP_device_map, 0));
        assertEquals(GNTST_general_error, hvm.map(front.domid, 10, GNTMAP_host_map | GNTMAP_device_map,
                GrantGuest.addr(MAP_GFN)));
        assertEquals(GNTST_general_error, hvm.map(777, 10, GNTMAP_device_map, 0), "before the granter is looked up");
        assertEquals(GNTST_general_error, hvm.map(front.domid, 10, GNTMAP_host_map | GNTMAP_application_map,
                GrantGuest.addr(MAP_GFN)));
        assertEquals(GNTST_bad_gntref, hvm.map(front.domid, 10, GNTMAP_readonly, 0), "no host or device flag first");
        assertEquals(0, front.accessBits(10), "nothing was pinned");
        assertEquals(GNTST_okay, hvm.map(front.domid, 10, GNTMAP_host_map, GrantGuest.addr(MAP_GFN)));
        front.grant(11, back.domid, PAGE_GFN + 1, GTF_permit_access);
        assertEquals(GNTST_okay, back.map(front.domid, 11, GNTMAP_device_map, 0), "a PV domain may");
    }

    /**
     * Row G17: under v2, add_to_physmap of status frame idx beyond the table grows it to
     * status_to_grant_frames(idx + 1) shared frames (8 per status frame), when that fits the
     * limit (gnttab_get_status_frame_mfn); a limit between two multiples of 8 is not rounded to.
     */
    @Test
    void aStatusFrameBeyondTheTableGrowsItToTheSharedFramesThatStatusServes() {
        assertEquals(0, front.setVersion(2));
        assertEquals(0, front.addToPhysmap(MemoryOp.XENMAPIDX_grant_table_status | 1, GrantGuest.STATUS_GFN + 1));
        front.querySize(DomId.DOMID_SELF);
        assertEquals(16, front.mem.read32(GrantGuest.ARG + QUERY_NR_FRAMES));
        assertEquals(GNTST_okay, front.getStatusFrames(DomId.DOMID_SELF, 2));
        assertEquals(GrantGuest.STATUS_GFN + 1, front.mem.read64(GrantGuest.LIST + 8), "status frame 1 is mapped");
        assertEquals(0, front.addToPhysmap(MemoryOp.XENMAPIDX_grant_table_status | 7, GrantGuest.STATUS_GFN + 7));
        front.querySize(DomId.DOMID_SELF);
        assertEquals(64, front.mem.read32(GrantGuest.ARG + QUERY_NR_FRAMES), "the default limit, 8 status frames");
        assertEquals(-EINVAL, front.addToPhysmap(MemoryOp.XENMAPIDX_grant_table_status | 8, GrantGuest.STATUS_GFN + 8));

        GrantGuest small = new GrantGuest(hv, hv.create(DomainConfig.named("small").withMaxGrantFrames(20)));
        assertEquals(0, small.setVersion(2));
        assertEquals(-EINVAL, small.addToPhysmap(MemoryOp.XENMAPIDX_grant_table_status | 2, GrantGuest.STATUS_GFN),
                "3 status frames are 24 shared frames, beyond 20");
        small.querySize(DomId.DOMID_SELF);
        assertEquals(1, small.mem.read32(GrantGuest.ARG + QUERY_NR_FRAMES), "nothing grew");
        assertEquals(0, small.addToPhysmap(MemoryOp.XENMAPIDX_grant_table_status | 1, GrantGuest.STATUS_GFN));
        small.querySize(DomId.DOMID_SELF);
        assertEquals(16, small.mem.read32(GrantGuest.ARG + QUERY_NR_FRAMES));

        assertEquals(-EINVAL, back.addToPhysmap(MemoryOp.XENMAPIDX_grant_table_status | 1, GrantGuest.STATUS_GFN),
                "v1: the status bit is part of a shared idx far beyond the table");
        back.querySize(DomId.DOMID_SELF);
        assertEquals(1, back.mem.read32(GrantGuest.ARG + QUERY_NR_FRAMES));
    }

    /** One GNTTABOP_transfer element at {@code at}: frame {@code gmfn} to ref {@code ref} of {@code dom}. */
    private static void transferStruct(GrantGuest g, long at, long gmfn, int dom, int ref) {
        g.mem.write64(at + TRANSFER_MFN, gmfn);
        g.mem.write16(at + TRANSFER_DOMID, dom);
        g.mem.write32(at + TRANSFER_REF, ref);
        g.mem.write16(at + TRANSFER_STATUS, 0x5555);
    }

    private static int transfer(GrantGuest g, long gmfn, int dom, int ref) {
        transferStruct(g, GrantGuest.ARG, gmfn, dom, ref);
        assertEquals(0, g.op(GNTTABOP_transfer, GrantGuest.ARG, 1));
        return g.status(TRANSFER_STATUS);
    }

    /**
     * Row G16: a PV domain reaches gnttab_transfer; a frame steal_page cannot take (outside the
     * sender's RAM, a foreign mapping, shared_info or a grant frame, a frame a pinned grant names)
     * is GNTST_bad_page with rc 0, before the receiver is looked at, and only the status is
     * written back (the oracle's case gnttab.transfer.bad_frame). A copy-in fault is -EFAULT.
     */
    @Test
    void aPvTransferOfAFrameThatCannotBeStolenIsBadPageWithRcZero() {
        assertEquals(GNTST_bad_page, transfer(front, 0xffffffffffL, back.domid, 1));
        assertEquals(0xffffffffffL, front.mem.read64(GrantGuest.ARG + TRANSFER_MFN), "only the status is written");
        assertEquals(GNTST_bad_page, transfer(front, 0xffffffffffL, 999, 1), "before the receiver");
        assertEquals(GNTST_bad_page, transfer(front, -1L, DomId.DOMID_SELF, 0));

        front.mapFrames(1);
        assertEquals(GNTST_bad_page, transfer(front, GrantGuest.FRAME_GFN, back.domid, 1), "a grant frame");
        front.mem.write16(GrantGuest.LIST + 2048 + MemoryOp.ADD_TO_PHYSMAP_DOMID, DomId.DOMID_SELF);
        front.mem.write32(GrantGuest.LIST + 2048 + MemoryOp.ADD_TO_PHYSMAP_SPACE, MemoryOp.XENMAPSPACE_shared_info);
        front.mem.write64(GrantGuest.LIST + 2048 + MemoryOp.ADD_TO_PHYSMAP_IDX, 0);
        front.mem.write64(GrantGuest.LIST + 2048 + MemoryOp.ADD_TO_PHYSMAP_GPFN, 60);
        assertEquals(0, hv.hypercall(front.domid, 0, io.xenabi.abi.Hypercall.__HYPERVISOR_memory_op,
                MemoryOp.XENMEM_add_to_physmap, GrantGuest.LIST + 2048));
        assertEquals(GNTST_bad_page, transfer(front, 60, back.domid, 1), "shared_info");

        front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
        assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map, GrantGuest.addr(MAP_GFN)));
        assertEquals(GNTST_bad_page, transfer(front, PAGE_GFN, back.domid, 1), "a mapped frame");
        assertEquals(GNTST_bad_page, transfer(back, MAP_GFN, front.domid, 1), "a foreign mapping");

        front.mem.write64(GrantGuest.addr(PAGE_GFN + 1), 0x1234);
        assertEquals(GNTST_general_error, transfer(front, PAGE_GFN + 1, back.domid, 1),
                "a frame Xen would steal: the page move is not modelled");
        assertEquals(0x1234, front.mem.read64(GrantGuest.addr(PAGE_GFN + 1)), "the sender keeps its page");

        transferStruct(front, GrantGuest.ARG, 0xffffffffffL, back.domid, 1);
        long last = front.mem.nrPages() * 4096 - SIZEOF_TRANSFER;
        transferStruct(front, last, 0xffffffffffL, back.domid, 1);
        assertEquals(-EFAULT, front.op(GNTTABOP_transfer, last, 2), "the second element is outside RAM");
        assertEquals(GNTST_bad_page, (short) front.mem.read16(last + TRANSFER_STATUS), "the first was done");
    }
}
