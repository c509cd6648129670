package io.xenabi.domain.impl;

import static io.xenabi.gnttab.GnttabStatus.*;
import static io.xenabi.gnttab.GrantFlags.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.abi.DomId;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.impl.gnttab.Grants;
import io.xenabi.gnttab.GrantEntryLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Map and unmap as Xen's map_grant_ref and unmap_common do them (xen/common/grant_table.c), for
 * the rows of FIDELITY-GAPS they differed in: which pins are refused and when the shared entry
 * is looked at again.
 */
class GrantMapFidelityTest {
    static final long PAGE_GFN = 50;
    static final long MAP_GFN = 400;

    private HypervisorImpl hv;
    private GrantGuest front;
    private GrantGuest back;

    @BeforeEach
    void boot() {
        hv = TestHypervisors.all();
        front = new GrantGuest(hv, hv.create(DomainConfig.named("front")));
        back = new GrantGuest(hv, hv.create(DomainConfig.named("back").withVcpus(2)));
    }

    private static void useVersion(int v, GrantGuest... guests) {
        for (GrantGuest g : guests) {
            assertEquals(0, g.setVersion(v));
            g.mapFrames(1);
        }
    }

    /** The granter sets GTF_readonly in entry {@code ref}, keeping the rest (v1's status bits too). */
    private static void setReadOnly(GrantGuest g, int ref) {
        long flags = GrantGuest.FRAME_GFN * 4096 + ref * (g.version == 1 ? 8L : 16L)
                + (g.version == 1 ? GrantEntryLayout.V1_FLAGS : GrantEntryLayout.V2_FLAGS);
        g.mem.write16(flags, g.mem.read16(flags) | GTF_readonly);
    }

    private static byte[] page(GrantGuest g, long gfn) {
        byte[] b = new byte[4096];
        g.mem.read(GrantGuest.addr(gfn), b, 0, b.length);
        return b;
    }

    /**
     * Row G1. A copy through a v2 transitive grant pins the transitive entry before it acquires
     * the grant it names. A map of that entry meanwhile finds it pinned, and Xen refuses it
     * because the pinned active entry is sub-page (acquire_grant_for_copy marks every transitive
     * grant so, "because that blocks mappings of transitive grants"). The copy is held between
     * its two pins by holding the inner granter's table lock, so the race is met every time.
     */
    @Test
    void aMapOfATransitiveGrantACopyHasPinnedIsRefusedAndMapsNothing() throws Exception {
        GrantGuest owner = new GrantGuest(hv, hv.create(DomainConfig.named("owner")));
        GrantGuest middle = front;
        GrantGuest mapper = back;
        useVersion(2, owner, middle, mapper);
        byte[] data = new byte[4096];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7 + 3);
        }
        owner.mem.write(GrantGuest.addr(PAGE_GFN), data, 0, data.length);
        owner.grant(8, middle.domid, PAGE_GFN, GTF_permit_access);
        middle.grantV2(9, mapper.domid, GTF_transitive, owner.domid, 0, 8);
        byte[] before = page(mapper, MAP_GFN);

        Grants inner = Grants.of(hv.parts().table().get(owner.domid));
        Grants mid = Grants.of(hv.parts().table().get(middle.domid));
        int copied;
        int mapped;
        inner.lock.lock();
        CompletableFuture<Integer> copy;
        try {
            GrantGuest copier = mapper.onVcpu(1);
            copy = CompletableFuture.supplyAsync(
                    () -> copier.copy(9, middle.domid, 0, PAGE_GFN + 1, DomId.DOMID_SELF, 0, 4096, GNTCOPY_source_gref));
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (mid.pinOf(9) == 0 && System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            assertTrue(mid.pinOf(9) != 0, "the copy pinned the transitive entry");
            mapped = mapper.map(middle.domid, 9, GNTMAP_host_map, GrantGuest.addr(MAP_GFN));
        } finally {
            inner.lock.unlock();
        }
        copied = copy.get(20, TimeUnit.SECONDS);
        assertEquals(GNTST_general_error, mapped, "Xen: the pinned active entry is sub-page");
        assertEquals(0, mapper.handle(), "a refused map leaves the guest's handle field alone (row G3)");
        assertEquals(GNTST_okay, copied);
        assertArrayEquals(data, page(mapper, PAGE_GFN + 1), "the copy went through the transitive grant");
        assertArrayEquals(before, page(mapper, MAP_GFN), "nothing was mapped at the host address");
        assertEquals(0, mid.pinOf(9), "no pin left on the transitive entry");
        assertEquals(0, inner.pinOf(8), "no pin left on the grant it names");
        assertEquals(0, owner.accessBits(8), "GTF_reading is cleared on the inner grant");
        assertEquals(0, Grants.of(hv.parts().table().get(mapper.domid)).maptrack.mappingsInUse());
        Invariants.check(hv);
    }

    /** Row G1, with no copy running: a transitive grant is never mappable (_set_status, mapflag). */
    @Test
    void aTransitiveGrantIsNeverMapped() {
        GrantGuest owner = new GrantGuest(hv, hv.create(DomainConfig.named("owner")));
        useVersion(2, owner, front, back);
        owner.grant(8, front.domid, PAGE_GFN, GTF_permit_access);
        front.grantV2(9, back.domid, GTF_transitive, owner.domid, 0, 8);
        assertEquals(GNTST_general_error, back.map(front.domid, 9, GNTMAP_host_map, GrantGuest.addr(MAP_GFN)));
        assertEquals(0, Grants.of(hv.parts().table().get(front.domid)).pinOf(9));
    }

    /**
     * Row G5. Overflow is checked per counter (GNTPIN_incr2oflow_mask): once 128 writable host
     * pins fill the writable counter's top bit, another writable map is refused, but a read-only
     * map and a read-only copy use the other counter and go through.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void pinOverflowIsCheckedOnlyForTheCounterAnOperationIncrements(int v) {
        useVersion(v, front, back);
        front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
        for (int i = 0; i < 128; i++) {
            assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map, GrantGuest.addr(MAP_GFN + i)), "map " + i);
        }
        assertEquals(GNTST_general_error, back.map(front.domid, 10, GNTMAP_host_map, GrantGuest.addr(MAP_GFN + 200)),
                "a 129th writable host pin would overflow its counter");
        assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map | GNTMAP_readonly,
                GrantGuest.addr(MAP_GFN + 201)));
        assertEquals(GNTST_okay, back.copy(10, front.domid, 0, PAGE_GFN, DomId.DOMID_SELF, 0, 64, GNTCOPY_source_gref));
        assertEquals(128 * Grants.GNTPIN_hstw_inc + Grants.GNTPIN_hstr_inc,
                Grants.of(hv.parts().table().get(front.domid)).pinOf(10), "the copy's pin is gone, the maps' are there");
    }

    /**
     * Row G20. While writable pins exist, Xen neither reads the shared entry nor sets its status
     * again for another writable pin: a granter that sets GTF_readonly after a writable map does
     * not stop a second writable map, nor a copy into the grant.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void aGrantMadeReadOnlyUnderAWritablePinStillTakesWritablePins(int v) {
        useVersion(v, front, back);
        front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
        assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map, GrantGuest.addr(MAP_GFN)));
        setReadOnly(front, 10);
        assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map, GrantGuest.addr(MAP_GFN + 1)));
        back.mem.write8(GrantGuest.addr(MAP_GFN + 2) + 3, 0x6B);
        assertEquals(GNTST_okay, back.copy(MAP_GFN + 2, DomId.DOMID_SELF, 0, 10, front.domid, 0, 8, GNTCOPY_dest_gref));
        assertEquals(0x6B, front.mem.read8(GrantGuest.addr(PAGE_GFN) + 3), "the copy wrote the granted page");
        assertEquals(GTF_reading | GTF_writing, front.accessBits(10));
    }

    /** Row G20's other side: with only read-only pins, the first writable one checks the entry again. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void theFirstWritablePinChecksTheEntryAgain(int v) {
        useVersion(v, front, back);
        front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
        assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map | GNTMAP_readonly, GrantGuest.addr(MAP_GFN)));
        setReadOnly(front, 10);
        assertEquals(GNTST_general_error, back.map(front.domid, 10, GNTMAP_host_map, GrantGuest.addr(MAP_GFN + 1)));
        assertEquals(GNTST_general_error,
                back.copy(MAP_GFN + 2, DomId.DOMID_SELF, 0, 10, front.domid, 0, 8, GNTCOPY_dest_gref));
        assertEquals(GTF_reading, front.accessBits(10), "the refused writable pins left GTF_writing clear");
    }

    /**
     * Row G3. map_grant_ref writes {@code handle} and {@code dev_bus_addr} only on success: a map
     * refused at any step leaves both as the guest wrote them and sets the status alone.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void aFailedMapLeavesTheGuestsHandleAndBusAddressAlone(int v) {
        useVersion(v, front, back);
        GrantGuest tiny = new GrantGuest(hv, hv.create(DomainConfig.named("tiny").withMaxMaptrackFrames(0)));
        front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
        front.grant(11, front.domid, PAGE_GFN, GTF_permit_access);
        front.grant(12, back.domid, 1L << 30, GTF_permit_access);
        front.grant(13, tiny.domid, PAGE_GFN, GTF_permit_access);
        long at = GrantGuest.addr(MAP_GFN);
        int[][] cases = {
            {GNTST_bad_gntref, back.domid, front.domid, 10, 0},
            {GNTST_bad_domain, back.domid, 4321, 10, GNTMAP_host_map},
            {GNTST_no_space, tiny.domid, front.domid, 13, GNTMAP_host_map},
            {GNTST_bad_gntref, back.domid, front.domid, 512 * 64, GNTMAP_host_map},
            {GNTST_general_error, back.domid, front.domid, 11, GNTMAP_host_map | GNTMAP_device_map},
            {GNTST_bad_page, back.domid, front.domid, 12, GNTMAP_device_map},
        };
        for (int[] c : cases) {
            GrantGuest g = c[1] == tiny.domid ? tiny : back;
            assertEquals(c[0], g.mapOver(c[2], c[3], c[4], at, 0x1234, 0xdeadL), "ref " + c[3]);
            assertEquals(0x1234, g.handle(), "the handle is the guest's, ref " + c[3]);
            assertEquals(0xdeadL, g.devBusAddr(), "dev_bus_addr is the guest's, ref " + c[3]);
        }
        assertEquals(0, front.accessBits(10));
    }

    /**
     * Row G2. Every successful map writes the frame's address to {@code dev_bus_addr}, a
     * host-only one (no GNTMAP_device_map) too: a PV Linux backend reads it after a host map.
     * xenabi's frame address is the granter's gfn address, the one a device map returns.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void everySuccessfulMapReturnsTheFramesAddressAsDevBusAddr(int v) {
        useVersion(v, front, back);
        front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
        assertEquals(GNTST_okay, back.mapOver(front.domid, 10, GNTMAP_host_map, GrantGuest.addr(MAP_GFN), 0x1234, 0xdeadL));
        assertEquals(GrantGuest.addr(PAGE_GFN), back.devBusAddr(), "host-only map");
        int h = back.handle();
        assertEquals(GNTST_okay, back.mapOver(front.domid, 10, GNTMAP_host_map | GNTMAP_readonly,
                GrantGuest.addr(MAP_GFN + 1), 0x1234, 0xdeadL));
        assertEquals(GrantGuest.addr(PAGE_GFN), back.devBusAddr(), "read-only host-only map");
        int h2 = back.handle();
        assertEquals(GNTST_okay, back.mapOver(front.domid, 10, GNTMAP_device_map, 0, 0x1234, 0xdeadL));
        assertEquals(GrantGuest.addr(PAGE_GFN), back.devBusAddr(), "device map");
        int h3 = back.handle();
        assertEquals(GNTST_okay, back.unmap(GrantGuest.addr(MAP_GFN), GrantGuest.addr(PAGE_GFN), h),
                "a host-only handle ignores the bus address");
        assertEquals(GNTST_okay, back.unmap(GrantGuest.addr(MAP_GFN + 1), 0, h2));
        assertEquals(GNTST_okay, back.unmap(0, GrantGuest.addr(PAGE_GFN), h3));
        assertEquals(0, front.accessBits(10));
    }

    /**
     * Row G4. map_grant_ref looks at host_addr only when it makes the mapping, after the ref and
     * pin checks (create_grant_host_mapping), and a translated mapping takes the page the
     * address falls in: an unaligned address with a bad ref is bad_gntref, with a good grant it
     * maps. An address xenabi cannot map (beyond the mapper's RAM) is general_error there, the
     * only failure create_grant_host_mapping has, with the pin and status bits taken back.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void theHostAddressIsCheckedOnlyWhenTheMappingIsMadeAfterTheRefAndPins(int v) {
        useVersion(v, front, back);
        front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
        front.grant(11, front.domid, PAGE_GFN, GTF_permit_access);
        long unaligned = GrantGuest.addr(MAP_GFN) + 8;
        assertEquals(GNTST_bad_gntref, back.map(front.domid, 512 * 64, GNTMAP_host_map, unaligned));
        assertEquals(GNTST_general_error, back.map(front.domid, 11, GNTMAP_host_map, unaligned), "granted to another");
        assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map, unaligned));
        int h = back.handle();
        front.mem.write8(GrantGuest.addr(PAGE_GFN) + 9, 0x42);
        assertEquals(0x42, back.mem.read8(GrantGuest.addr(MAP_GFN) + 9), "the page the address falls in is mapped");
        assertEquals(GNTST_okay, back.unmap(unaligned, 0, h));

        long beyondRam = GrantGuest.addr(1L << 40);
        assertEquals(GNTST_bad_gntref, back.map(front.domid, 512 * 64, GNTMAP_host_map, beyondRam));
        assertEquals(GNTST_general_error, back.map(front.domid, 10, GNTMAP_host_map, beyondRam));
        assertEquals(0, front.accessBits(10), "the failed mapping's pin and status bits are gone");
        assertEquals(0, Grants.of(hv.parts().table().get(front.domid)).pinOf(10));
        assertEquals(0, Grants.of(hv.parts().table().get(back.domid)).maptrack.mappingsInUse());
        Invariants.check(hv);
    }

    /**
     * Row G6. put_maptrack_handle puts a freed handle at the tail of the free list, and a new
     * maptrack frame's entries after the first go to its head: map (handle 0), unmap, map again
     * gives handle 1; freed handles come back in the order they were freed, after the frame's.
     */
    @Test
    void aFreedMaptrackHandleGoesToTheTailOfTheFreeList() {
        useVersion(1, front, back);
        front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
        long at = GrantGuest.addr(MAP_GFN);
        assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map, at));
        assertEquals(0, back.handle());
        assertEquals(GNTST_okay, back.unmap(at, 0, 0));
        assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map, at));
        assertEquals(1, back.handle(), "handle 0 went to the tail");
        assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_device_map, 0));
        assertEquals(2, back.handle());
        assertEquals(GNTST_okay, back.unmap(0, GrantGuest.addr(PAGE_GFN), 2));
        assertEquals(GNTST_okay, back.unmap(at, 0, 1));
        for (int h = 3; h < io.xenabi.domain.impl.gnttab.Maptrack.MAPTRACK_PER_PAGE; h++) {
            front.grant(10 + h, back.domid, PAGE_GFN, GTF_permit_access); // one pin per ref: no counter fills
            assertEquals(GNTST_okay, back.map(front.domid, 10 + h, GNTMAP_device_map, 0));
            assertEquals(h, back.handle());
        }
        int[] freedOrder = {0, 2}; // then 1, the list's last entry, is kept (row G7)
        for (int h : freedOrder) {
            assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_device_map | GNTMAP_readonly, 0));
            assertEquals(h, back.handle(), "freed handles in the order they were freed");
        }
    }

    /** Maps {@code front}'s refs 10.. on the given vCPU, one device pin each, until refused: the handles. */
    private java.util.List<Integer> mapUntilRefused(GrantGuest g, int firstRef) {
        java.util.List<Integer> handles = new java.util.ArrayList<>();
        for (int ref = firstRef; ref < 512; ref++) {
            front.grant(ref, g.domid, PAGE_GFN, GTF_permit_access);
            int st = g.map(front.domid, ref, GNTMAP_device_map, 0);
            if (st != GNTST_okay) {
                assertEquals(GNTST_no_space, st);
                return handles;
            }
            handles.add(g.handle());
        }
        throw new AssertionError("never refused");
    }

    /**
     * Row G7. Each vCPU has its own maptrack free list, and _get_maptrack_handle never takes a
     * list's last entry (free entries are added at the tail). With max_maptrack_frames=1 and one
     * vCPU the domain gets 255 handles, not 256: handle 255 stays on the list. A handle freed then
     * goes behind it, so the next map gets 255 and the freed one is kept in its turn.
     */
    @Test
    void oneVcpuWithOneMaptrackFrameGets255Handles() {
        GrantGuest one = new GrantGuest(hv, hv.create(DomainConfig.named("one").withMaxMaptrackFrames(1)));
        useVersion(1, front, one);
        java.util.List<Integer> handles = mapUntilRefused(one, 10);
        assertEquals(255, handles.size());
        assertEquals(java.util.stream.IntStream.range(0, 255).boxed().toList(), handles);
        assertEquals(GNTST_okay, one.unmap(0, GrantGuest.addr(PAGE_GFN), 7));
        assertEquals(GNTST_okay, one.map(front.domid, 10 + 7, GNTMAP_device_map, 0));
        assertEquals(255, one.handle(), "the kept entry is used once another is behind it");
        assertEquals(GNTST_no_space, one.map(front.domid, 300, GNTMAP_device_map, 0), "now 7 is the last entry");
        assertEquals(255, Grants.of(hv.parts().table().get(one.domid)).maptrack.mappingsInUse());
        Invariants.check(hv);
    }

    /**
     * Row G7, the model's other half: the vCPU is the one the hypercall came in on. A second
     * vCPU with no list of its own, once no frame is left, steals one entry to start its list
     * and another to use (steal_maptrack_handle); each vCPU keeps its last entry, so two vCPUs
     * get 254 handles of one frame, and a handle goes back to the list of the vCPU that took it.
     */
    @Test
    void eachVcpuKeepsItsOwnFreeListAndItsLastEntry() {
        GrantGuest two = new GrantGuest(hv, hv.create(DomainConfig.named("two").withVcpus(2).withMaxMaptrackFrames(1)));
        useVersion(1, front, two);
        GrantGuest second = two.onVcpu(1);
        front.grant(10, two.domid, PAGE_GFN, GTF_permit_access);
        assertEquals(GNTST_okay, two.map(front.domid, 10, GNTMAP_device_map, 0));
        assertEquals(0, two.handle(), "vCPU 0 takes the frame");
        front.grant(11, two.domid, PAGE_GFN, GTF_permit_access);
        assertEquals(GNTST_okay, second.map(front.domid, 11, GNTMAP_device_map, 0));
        assertEquals(2, second.handle(), "vCPU 1 stole 1 to start its list, and 2");
        java.util.List<Integer> more = mapUntilRefused(second, 12);
        assertEquals(252, more.size(), "254 in all: vCPU 0 keeps 255, vCPU 1 keeps 1");
        assertEquals(GNTST_okay, second.unmap(0, GrantGuest.addr(PAGE_GFN), 2), "2 goes behind 1 on vCPU 1's list");
        assertEquals(GNTST_okay, two.map(front.domid, 10, GNTMAP_device_map | GNTMAP_readonly, 0));
        assertEquals(1, two.handle(), "vCPU 0 keeps 255 and steals vCPU 1's head");
        assertEquals(GNTST_okay, two.unmap(0, GrantGuest.addr(PAGE_GFN), 1), "1 is vCPU 0's now: behind 255");
        assertEquals(GNTST_okay, two.map(front.domid, 10, GNTMAP_device_map | GNTMAP_readonly, 0));
        assertEquals(255, two.handle());
        assertEquals(GNTST_no_space, second.map(front.domid, 10, GNTMAP_device_map | GNTMAP_readonly, 0),
                "vCPU 1 keeps 2, vCPU 0 keeps 1");
        Invariants.check(hv);
    }

    /**
     * Row G18. unmap_and_replace checks the handle first (bad_handle) and looks at new_addr only
     * when it undoes the host part (replace_grant_host_mapping): there a new_addr that maps
     * nothing is general_error and the mapping stays; with no host part to undo new_addr is never
     * looked at; an unaligned new_addr names the page it falls in.
     */
    @Test
    void unmapAndReplaceChecksTheHandleFirstAndTheNewAddressOnlyWhenItReplaces() {
        useVersion(1, front, back);
        front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
        long at = GrantGuest.addr(MAP_GFN);
        long beyondRam = GrantGuest.addr(1L << 40);
        assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map, at));
        int h = back.handle();
        assertEquals(GNTST_bad_handle, back.unmapAndReplace(at, beyondRam, 100000));
        assertEquals(GNTST_bad_handle, back.unmapAndReplace(GrantGuest.addr(1), GrantGuest.addr(2) + 1, 100000));
        assertEquals(GNTST_general_error, back.unmapAndReplace(at, beyondRam, h));
        assertEquals(GTF_reading | GTF_writing, front.accessBits(10), "the mapping stays");
        assertEquals(GNTST_okay, back.unmapAndReplace(0, beyondRam, h), "no host part undone: nothing looked at");
        assertEquals(1, Grants.of(hv.parts().table().get(back.domid)).maptrack.mappingsInUse());
        back.mem.write8(GrantGuest.addr(MAP_GFN + 9) + 1, 0x77);
        assertEquals(GNTST_okay, back.unmapAndReplace(at, GrantGuest.addr(MAP_GFN + 9) + 0x123, h));
        assertEquals(0x77, back.mem.read8(at + 1), "the page new_addr falls in took the mapping's place");
        assertEquals(0, front.accessBits(10));
        Invariants.check(hv);
    }

    /**
     * Row G21. unmap_common checks of host_addr only that it maps the handle's frame
     * (replace_grant_host_mapping): with one ref mapped at M (h1) and M+1 (h2), an unmap of h1
     * at M+1 succeeds, takes the mapping at M+1 away and frees h1, while M goes on mapping the
     * frame; h2 then unmaps at M, not at M+1. An address mapping another frame is general_error.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void anUnmapNeedsOnlyAnAddressThatMapsTheHandlesFrame(int v) {
        useVersion(v, front, back);
        front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
        front.grant(11, back.domid, PAGE_GFN + 1, GTF_permit_access);
        front.mem.write8(GrantGuest.addr(PAGE_GFN), 0x5A);
        front.mem.write8(GrantGuest.addr(PAGE_GFN + 1), 0x6B);
        long m0 = GrantGuest.addr(MAP_GFN);
        long m1 = GrantGuest.addr(MAP_GFN + 1);
        long m2 = GrantGuest.addr(MAP_GFN + 2);
        back.mem.write8(m1, 0x11);
        byte[] ownAtM1 = page(back, MAP_GFN + 1);
        assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map, m0));
        int h1 = back.handle();
        assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map, m1));
        int h2 = back.handle();
        assertEquals(GNTST_okay, back.map(front.domid, 11, GNTMAP_host_map, m2));
        int h3 = back.handle();
        assertEquals(GNTST_general_error, back.unmap(m2, 0, h1), "M+2 maps another frame");
        assertEquals(GNTST_okay, back.unmap(m1, 0, h1), "M+1 maps h1's frame");
        assertArrayEquals(ownAtM1, page(back, MAP_GFN + 1), "the mapping at M+1 is gone, the back's page is back");
        assertEquals(0x5A, back.mem.read8(m0), "M still maps the frame");
        assertEquals(GNTST_bad_handle, back.unmap(m0, 0, h1), "h1 is free");
        Grants granter = Grants.of(hv.parts().table().get(front.domid));
        assertEquals(Grants.GNTPIN_hstw_inc, granter.pinOf(10), "h2's pin is left");
        assertEquals(GNTST_general_error, back.unmap(m1, 0, h2), "M+1 no longer maps the frame");
        assertEquals(GNTST_okay, back.unmap(m0, 0, h2));
        assertEquals(0, granter.pinOf(10));
        assertEquals(0, front.accessBits(10));
        assertEquals(0x6B, back.mem.read8(m2));
        assertEquals(GNTST_okay, back.unmap(m2, 0, h3));
        assertEquals(0, Grants.of(hv.parts().table().get(back.domid)).maptrack.mappingsInUse());
        Invariants.check(hv);
    }
}
