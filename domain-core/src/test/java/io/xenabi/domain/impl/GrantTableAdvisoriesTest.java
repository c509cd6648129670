package io.xenabi.domain.impl;

import static io.xenabi.gnttab.GnttabOp.*;
import static io.xenabi.gnttab.GnttabStatus.*;
import static io.xenabi.gnttab.GrantFlags.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.abi.DomId;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.MemoryOp;
import io.xenabi.domain.DomainConfig;
import io.xenabi.gnttab.GrantEntryLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import io.xenabi.domain.impl.gnttab.Grants;

/**
 * Xen's grant-table security advisories, each re-expressed as a scenario against xenabi's
 * hypercall door with the real v1 and v2 versions. Each nested class names the advisory; its
 * comment says what Xen got wrong and what the scenario asserts. Races use real threads, a
 * bounded number of rounds and assertions that hold for every interleaving.
 */
class GrantTableAdvisoriesTest {
    static final long PAGE_GFN = 50;   // the front's data pages
    static final long MAP_GFN = 400;   // where the back maps them
    /** Per-vCPU argument structs for concurrent calls: gfn 7 + vcpu (GrantGuest uses 3 and 4). */
    static final long RACE_ARG_GFN = 7;

    private HypervisorImpl hv;
    private GrantGuest front;
    private GrantGuest back;

    @BeforeEach
    void boot() {
        hv = TestHypervisors.all();
        front = new GrantGuest(hv, hv.create(DomainConfig.named("front")));
        back = new GrantGuest(hv, hv.create(DomainConfig.named("back").withVcpus(2)));
    }

    private void useVersion(int v) {
        assertEquals(0, front.setVersion(v));
        front.mapFrames(1);
    }

    private GrantInfoView entry(int ref) {
        return hv.grants(front.domid).stream().filter(g -> g.ref() == ref).findFirst()
                .map(g -> new GrantInfoView(g.activeMaps(), g.accessBits())).orElse(new GrantInfoView(0, 0));
    }

    /** What the granter's table says of one entry: its live pins and GTF_reading/writing. */
    record GrantInfoView(int pins, int bits) {
    }

    /** GNTTABOP_unmap_grant_ref of one element from vCPU {@code vcpu}, with its own struct. */
    private int unmapOn(GrantGuest g, int vcpu, long hostAddr, long devBusAddr, int handle) {
        long arg = GrantGuest.addr(RACE_ARG_GFN + vcpu);
        g.mem.write64(arg + UNMAP_HOST_ADDR, hostAddr);
        g.mem.write64(arg + UNMAP_DEV_BUS_ADDR, devBusAddr);
        g.mem.write32(arg + UNMAP_HANDLE, handle);
        g.mem.write16(arg + UNMAP_STATUS, 0x7777);
        assertEquals(0, hv.hypercall(g.domid, vcpu, Hypercall.__HYPERVISOR_grant_table_op,
                GNTTABOP_unmap_grant_ref, arg, 1));
        return (short) g.mem.read16(arg + UNMAP_STATUS);
    }

    /** GNTTABOP_map_grant_ref of one element from vCPU {@code vcpu}: {status, handle}. */
    private int[] mapOn(GrantGuest g, int vcpu, int dom, int ref, int flags, long hostAddr) {
        long arg = GrantGuest.addr(RACE_ARG_GFN + vcpu);
        g.mem.write(arg, new byte[SIZEOF_MAP_GRANT_REF], 0, SIZEOF_MAP_GRANT_REF);
        g.mem.write64(arg + MAP_HOST_ADDR, hostAddr);
        g.mem.write32(arg + MAP_FLAGS, flags);
        g.mem.write32(arg + MAP_REF, ref);
        g.mem.write16(arg + MAP_DOM, dom);
        assertEquals(0, hv.hypercall(g.domid, vcpu, Hypercall.__HYPERVISOR_grant_table_op,
                GNTTABOP_map_grant_ref, arg, 1));
        return new int[] {(short) g.mem.read16(arg + MAP_STATUS), g.mem.read32(arg + MAP_HANDLE)};
    }

    /** One GNTTABOP_copy element from gref {@code ref} of {@code dom} to the caller's gfn, on a vCPU. */
    private int copyFromGrantOn(GrantGuest g, int vcpu, int dom, int ref, long toGfn, int len) {
        long arg = GrantGuest.addr(RACE_ARG_GFN + vcpu);
        g.mem.write(arg, new byte[SIZEOF_COPY], 0, SIZEOF_COPY);
        g.mem.write64(arg + COPY_SOURCE + COPY_PTR_U, ref);
        g.mem.write16(arg + COPY_SOURCE + COPY_PTR_DOMID, dom);
        g.mem.write64(arg + COPY_DEST + COPY_PTR_U, toGfn);
        g.mem.write16(arg + COPY_DEST + COPY_PTR_DOMID, DomId.DOMID_SELF);
        g.mem.write16(arg + COPY_LEN, len);
        g.mem.write16(arg + COPY_FLAGS, GNTCOPY_source_gref);
        assertEquals(0, hv.hypercall(g.domid, vcpu, Hypercall.__HYPERVISOR_grant_table_op, GNTTABOP_copy, arg, 1));
        return (short) g.mem.read16(arg + COPY_STATUS);
    }

    private static int[] race(IntSupplier a, IntSupplier b) throws Exception {
        CyclicBarrier start = new CyclicBarrier(2);
        CompletableFuture<Integer> fa = CompletableFuture.supplyAsync(() -> await(start, a), GrantTableAdvisoriesTest::spawn);
        CompletableFuture<Integer> fb = CompletableFuture.supplyAsync(() -> await(start, b), GrantTableAdvisoriesTest::spawn);
        return new int[] {fa.get(30, TimeUnit.SECONDS), fb.get(30, TimeUnit.SECONDS)};
    }

    /** Each side of a race on a thread of its own, whatever the common pool's size. */
    static void spawn(Runnable r) {
        Thread t = new Thread(r, "race");
        t.setDaemon(true);
        t.start();
    }

    private static int await(CyclicBarrier start, IntSupplier s) {
        try {
            start.await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return s.getAsInt();
    }

    private byte[] fill(GrantGuest g, long gfn, int seed) {
        byte[] b = new byte[4096];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 13 + seed);
        }
        g.mem.write(GrantGuest.addr(gfn), b, 0, b.length);
        return b;
    }

    private byte[] read(GrantGuest g, long gfn) {
        byte[] b = new byte[4096];
        g.mem.read(GrantGuest.addr(gfn), b, 0, b.length);
        return b;
    }

    /** Maps {@code ref} of the front into the back twice, as fresh handles; both must differ. */
    private void handlesStayDistinct(int ref) {
        assertEquals(GNTST_okay, back.map(front.domid, ref, GNTMAP_host_map, GrantGuest.addr(MAP_GFN + 1)));
        int h1 = back.handle();
        assertEquals(GNTST_okay, back.map(front.domid, ref, GNTMAP_host_map, GrantGuest.addr(MAP_GFN + 2)));
        int h2 = back.handle();
        assertNotEquals(h1, h2, "a handle freed twice would be handed out twice");
        assertEquals(2, hv.parts().info().grantMappings(back.domid));
        assertEquals(GNTST_okay, back.unmap(GrantGuest.addr(MAP_GFN + 1), 0, h1));
        assertEquals(GNTST_okay, back.unmap(GrantGuest.addr(MAP_GFN + 2), 0, h2));
        assertEquals(0, hv.parts().info().grantMappings(back.domid));
    }

    // ================================================================== XSA-18 / XSA-134

    /**
     * XSA-18 (2012, "Validate input to GNTTABOP_swap_grant_ref"): swap read the active and
     * shared entries of refs it never range-checked. Every ref out of range, on either side, is
     * GNTST_bad_gntref and changes nothing.
     */
    @Nested
    class Xsa18 {
        @ParameterizedTest
        @ValueSource(ints = {1, 2})
        void swapWithARefOutOfRangeIsBadGntrefAndChangesNothing(int v) {
            useVersion(v);
            fill(front, PAGE_GFN, 1);
            front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
            int entries = (v == 1 ? 512 : 256);
            for (int bad : new int[] {entries, entries + 1, 1 << 20, Integer.MAX_VALUE, -1}) {
                assertEquals(GNTST_bad_gntref, front.swap(10, bad), "ref_b " + Integer.toUnsignedString(bad));
                assertEquals(GNTST_bad_gntref, front.swap(bad, 10), "ref_a " + Integer.toUnsignedString(bad));
            }
            assertEquals(GNTST_okay, back.copy(10, front.domid, 0, MAP_GFN, DomId.DOMID_SELF, 0, 16,
                    GNTCOPY_source_gref), "entry 10 is where it was");
        }
    }

    /**
     * XSA-134 (2015, "add missing version check to GNTTABOP_swap_grant_ref handling"): a swap
     * before the guest had set up any grant table version dereferenced tables that did not
     * exist. A xenabi table exists from creation at v1 with one frame; a swap on a table the
     * guest never touched answers like any other: okay in range, bad_gntref beyond.
     */
    @Nested
    class Xsa134 {
        @Test
        void swapOnATableTheGuestNeverSetUpIsAnsweredNormally() {
            assertEquals(GNTST_okay, front.swap(9, 10));
            assertEquals(GNTST_bad_gntref, front.swap(9, 512));
            assertEquals(1, front.getVersion(DomId.DOMID_SELF));
        }
    }

    // ================================================================== XSA-218

    /**
     * XSA-218 (2017, "fix unmap pin accounting race", "Avoid potential double-put of maptrack
     * entry"): two unmaps of one mapping on two vCPUs could each think they removed the last
     * part and both free the maptrack handle, and GTF_reading/writing could be cleared in a
     * different critical section from the pin count, while a mapping still existed. Unmaps
     * racing each other must free a handle exactly once and clear the access bits only with the
     * last pin.
     */
    @Nested
    class Xsa218 {
        @ParameterizedTest
        @ValueSource(ints = {1, 2})
        void hostAndDevicePartsUnmappedInParallelFreeTheHandleOnce(int v) throws Exception {
            useVersion(v);
            front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
            for (int round = 0; round < 300; round++) {
                assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map | GNTMAP_device_map,
                        GrantGuest.addr(MAP_GFN)));
                int h = back.handle();
                long dev = back.devBusAddr();
                int[] st = race(() -> unmapOn(back, 0, GrantGuest.addr(MAP_GFN), 0, h),
                        () -> unmapOn(back, 1, 0, dev, h));
                assertArrayEquals(new int[] {GNTST_okay, GNTST_okay}, st, "each removed its own part");
                assertEquals(new GrantInfoView(0, 0), entry(10));
                assertEquals(0, hv.parts().info().grantMappings(back.domid), "round " + round);
                handlesStayDistinct(10);
            }
            assertEquals(0, hv.internalErrors.get());
        }

        @ParameterizedTest
        @ValueSource(ints = {1, 2})
        void oneHandleUnmappedTwiceInParallelIsUnmappedOnce(int v) throws Exception {
            useVersion(v);
            front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
            for (int round = 0; round < 300; round++) {
                assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map, GrantGuest.addr(MAP_GFN)));
                int h = back.handle();
                int[] st = race(() -> unmapOn(back, 0, GrantGuest.addr(MAP_GFN), 0, h),
                        () -> unmapOn(back, 1, GrantGuest.addr(MAP_GFN), 0, h));
                java.util.Arrays.sort(st);
                assertArrayEquals(new int[] {GNTST_bad_handle, GNTST_okay}, st, "round " + round);
                assertEquals(new GrantInfoView(0, 0), entry(10));
                handlesStayDistinct(10);
            }
            assertEquals(0, hv.internalErrors.get());
        }

        @ParameterizedTest
        @ValueSource(ints = {1, 2})
        void aDoublyMappedGrantKeepsItsAccessBitsUntilTheLastUnmap(int v) throws Exception {
            useVersion(v);
            front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
            for (int round = 0; round < 200; round++) {
                int[] h = new int[3];
                for (int i = 0; i < 3; i++) {
                    assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map,
                            GrantGuest.addr(MAP_GFN + i)));
                    h[i] = back.handle();
                }
                int[] st = race(() -> unmapOn(back, 0, GrantGuest.addr(MAP_GFN), 0, h[0]),
                        () -> unmapOn(back, 1, GrantGuest.addr(MAP_GFN + 1), 0, h[1]));
                assertArrayEquals(new int[] {GNTST_okay, GNTST_okay}, st);
                assertEquals(new GrantInfoView(1, GTF_reading | GTF_writing), entry(10),
                        "one writable mapping is left: the guest must still see it in use");
                assertEquals(GTF_reading | GTF_writing, front.accessBits(10));
                assertEquals(GNTST_okay, back.unmap(GrantGuest.addr(MAP_GFN + 2), 0, h[2]));
                assertEquals(0, front.accessBits(10));
            }
        }
    }

    // ================================================================== XSA-224

    /**
     * XSA-224 (2017, "fix handling of dev_bus_addr during unmap", "never create host mapping
     * unless asked to", "correct logic to get page references during map requests"): a grant
     * mapped writable for both host and device and then unmapped in two calls (host part, then
     * device part; XTF's test) dropped one reference too many, and a device-only map could create
     * a host mapping too. Each part is undone on its own, in either order; undoing a part that is
     * already gone changes nothing; the handle and the access bits go with the last part; a
     * device-only map leaves the host address alone.
     */
    @Nested
    class Xsa224 {
        @ParameterizedTest
        @ValueSource(ints = {1, 2})
        void hostAndDevicePartsUnmappedSeparatelyInEitherOrder(int v) {
            useVersion(v);
            front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
            for (boolean hostFirst : new boolean[] {true, false}) {
                assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map | GNTMAP_device_map,
                        GrantGuest.addr(MAP_GFN)));
                int h = back.handle();
                long dev = back.devBusAddr();
                long host = GrantGuest.addr(MAP_GFN);
                assertEquals(new GrantInfoView(2, GTF_reading | GTF_writing), entry(10));
                assertEquals(GNTST_okay, hostFirst ? back.unmap(host, 0, h) : back.unmap(0, dev, h));
                assertEquals(new GrantInfoView(1, GTF_reading | GTF_writing), entry(10),
                        "one part left, still writable");
                assertEquals(GNTST_okay, hostFirst ? back.unmap(host, 0, h) : back.unmap(0, dev, h),
                        "undoing the same part again");
                assertEquals(new GrantInfoView(1, GTF_reading | GTF_writing), entry(10), "drops nothing more");
                assertEquals(GNTST_okay, hostFirst ? back.unmap(0, dev, h) : back.unmap(host, 0, h));
                assertEquals(new GrantInfoView(0, 0), entry(10));
                assertEquals(0, front.accessBits(10), "the front may end access");
                assertEquals(GNTST_bad_handle, back.unmap(host, dev, h), "the handle went with the last part");
                assertEquals(0, hv.parts().info().grantMappings(back.domid));
            }
            assertEquals(0, front.setVersion(v == 1 ? 2 : 1), "no pin is left to make a version switch busy");
        }

        @ParameterizedTest
        @ValueSource(ints = {1, 2})
        void aDeviceOnlyMapCreatesNoHostMapping(int v) {
            useVersion(v);
            fill(front, PAGE_GFN, 3);
            byte[] mine = fill(back, MAP_GFN, 9);
            front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
            assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_device_map, GrantGuest.addr(MAP_GFN)));
            int h = back.handle();
            long dev = back.devBusAddr();
            assertArrayEquals(mine, read(back, MAP_GFN), "host_addr was not asked to be mapped");
            assertEquals(GNTST_okay, back.unmap(GrantGuest.addr(MAP_GFN), 0, h), "no host part to undo");
            assertEquals(new GrantInfoView(1, GTF_reading | GTF_writing), entry(10));
            assertArrayEquals(mine, read(back, MAP_GFN));
            assertEquals(GNTST_okay, back.unmap(0, dev, h));
            assertEquals(new GrantInfoView(0, 0), entry(10));
        }
    }

    // ================================================================== XSA-230

    /**
     * XSA-230 (2017, "correct pin status fixup for copy"): a copy's release cleared
     * GTF_reading/GTF_writing from the pins it had seen, while a mapping (including a device
     * one) still held the grant. A copy must leave the access bits of a grant still in use.
     */
    @Nested
    class Xsa230 {
        @ParameterizedTest
        @ValueSource(ints = {1, 2})
        void copiesThroughAMappedGrantLeaveItsAccessBits(int v) {
            useVersion(v);
            front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
            assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_device_map, 0));
            int dev = back.handle();
            long bus = back.devBusAddr();
            assertEquals(GNTST_okay, back.copy(10, front.domid, 0, MAP_GFN, DomId.DOMID_SELF, 0, 64,
                    GNTCOPY_source_gref));
            assertEquals(GTF_reading | GTF_writing, front.accessBits(10), "the device pin still writes");
            assertEquals(GNTST_okay, back.copy(MAP_GFN, DomId.DOMID_SELF, 0, 10, front.domid, 0, 64,
                    GNTCOPY_dest_gref));
            assertEquals(GTF_reading | GTF_writing, front.accessBits(10));
            assertEquals(GNTST_okay, back.unmap(0, bus, dev));
            assertEquals(0, front.accessBits(10));
            assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map | GNTMAP_readonly,
                    GrantGuest.addr(MAP_GFN + 1)));
            int ro = back.handle();
            assertEquals(GNTST_okay, back.copy(MAP_GFN, DomId.DOMID_SELF, 0, 10, front.domid, 0, 64,
                    GNTCOPY_dest_gref));
            assertEquals(GTF_reading, front.accessBits(10), "the copy's write pin went, the read-only map stays");
            assertEquals(GNTST_okay, back.unmap(GrantGuest.addr(MAP_GFN + 1), 0, ro));
            assertEquals(0, front.accessBits(10));
        }
    }

    // ================================================================== XSA-255

    /**
     * XSA-255 (2018, "don't blindly free status pages upon version change", "gnttab/ARM: don't
     * corrupt shared GFN array"): a v2-to-v1 switch freed the status frames while the guest
     * still mapped them, leaving it a writable mapping of a page Xen reused; on Arm the status
     * gfns were also written over the shared frames' gfns. Xen answers -EBUSY only for PV guests
     * (XTF's PoC maps the frame with update_va_mapping); for translated guests, as xenabi's are,
     * gnttab_unpopulate_status_frames first takes each status frame out of the physmap, and the
     * switch succeeds. Asserted: the switch takes the status frame out of the gfn the guest put
     * it at, a later v2 status frame is a different page that the stale gfn does not see, and the
     * shared frames' gfns are never touched.
     */
    @Nested
    class Xsa255 {
        @Test
        void aMappedStatusFrameLeavesThePhysmapOnTheSwitchToV1AndIsNeverAliased() {
            useVersion(2);
            assertEquals(GNTST_okay, front.getStatusFrames(DomId.DOMID_SELF, 1));
            assertEquals(GrantGuest.STATUS_GFN, front.mem.read64(GrantGuest.LIST), "mapped where the guest put it");
            front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
            assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map, GrantGuest.addr(MAP_GFN)));
            int h = back.handle();
            assertEquals(GTF_reading | GTF_writing, front.accessBits(10), "seen through the mapped status frame");
            assertEquals(GNTST_okay, back.unmap(GrantGuest.addr(MAP_GFN), 0, h));

            assertEquals(0, front.setVersion(1));
            long statusGpa = GrantGuest.addr(GrantGuest.STATUS_GFN);
            front.mem.write16(statusGpa + 2 * 11, GTF_reading | GTF_writing); // the guest scribbles on it
            assertEquals(GNTST_okay, front.setupTable(DomId.DOMID_SELF, 1));
            assertEquals(GrantGuest.FRAME_GFN, front.mem.read64(GrantGuest.LIST), "the shared frame's gfn is intact");
            front.grant(11, back.domid, PAGE_GFN, GTF_permit_access);
            assertEquals(GNTST_okay, back.copy(11, front.domid, 0, MAP_GFN, DomId.DOMID_SELF, 0, 8,
                    GNTCOPY_source_gref), "the scribble reached no grant");

            assertEquals(0, front.setVersion(2));
            front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
            assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map, GrantGuest.addr(MAP_GFN)));
            assertEquals(0, front.mem.read16(statusGpa + 2 * 10) & (GTF_reading | GTF_writing),
                    "the stale gfn is not the new status frame");
            assertEquals(0, front.addToPhysmap(MemoryOp.XENMAPIDX_grant_table_status, GrantGuest.STATUS_GFN));
            assertEquals(GTF_reading | GTF_writing, front.accessBits(10), "mapped again, the guest sees it");
            assertEquals(0, front.mem.read16(statusGpa + 2 * 11), "and the new frame holds no scribble");
        }
    }

    // ================================================================== XSA-316

    /**
     * XSA-316 (2020, "Fix error path in map_grant_ref()"): one failure path of map returned a
     * positive status (+1), which Linux backends took for a handle and crashed. Every element of
     * a batch of failing maps reports a negative GNTST code, never a positive one, and the batch
     * itself returns 0.
     */
    @Nested
    class Xsa316 {
        @ParameterizedTest
        @ValueSource(ints = {1, 2})
        void everyMapStatusIsAGnttabStatusAtMostZero(int v) {
            useVersion(v);
            front.grant(10, back.domid, PAGE_GFN, GTF_permit_access | GTF_readonly);
            front.grant(11, front.domid, PAGE_GFN, GTF_permit_access);
            front.grant(12, back.domid, 1L << 30, GTF_permit_access);
            front.grant(13, back.domid, PAGE_GFN, GTF_permit_access);
            int[][] elements = { // flags, ref, dom
                {0, 10, front.domid},
                {GNTMAP_host_map, 10, 4321},
                {GNTMAP_host_map, 1 << 20, front.domid},
                {GNTMAP_host_map, 11, front.domid},
                {GNTMAP_host_map, 10, front.domid},
                {GNTMAP_host_map, 12, front.domid},
                {GNTMAP_host_map, 20, front.domid},
                {GNTMAP_host_map, 13, front.domid},
            };
            long batch = GrantGuest.addr(RACE_ARG_GFN);
            for (int i = 0; i < elements.length; i++) {
                long e = batch + (long) i * SIZEOF_MAP_GRANT_REF;
                back.mem.write64(e + MAP_HOST_ADDR, GrantGuest.addr(MAP_GFN + i));
                back.mem.write32(e + MAP_FLAGS, elements[i][0]);
                back.mem.write32(e + MAP_REF, elements[i][1]);
                back.mem.write16(e + MAP_DOM, elements[i][2]);
                back.mem.write16(e + MAP_STATUS, 0x7FFF);
            }
            assertEquals(0, back.op(GNTTABOP_map_grant_ref, batch, elements.length));
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < elements.length; i++) {
                statuses.add((int) (short) back.mem.read16(batch + (long) i * SIZEOF_MAP_GRANT_REF + MAP_STATUS));
            }
            assertEquals(List.of(GNTST_bad_gntref, GNTST_bad_domain, GNTST_bad_gntref, GNTST_general_error,
                    GNTST_general_error, GNTST_bad_page, GNTST_general_error, GNTST_okay), statuses);
            assertTrue(statuses.stream().allMatch(s -> s <= 0 && s >= GNTST_no_space));
            assertEquals(1, hv.parts().info().grantMappings(back.domid), "only the good element holds a handle");
        }
    }

    // ================================================================== XSA-382

    /**
     * XSA-382 (2021, "fix array capacity check in gnttab_get_status_frames()"): the request was
     * checked against the number of grant frames, up to 8 times the number of status frames, so
     * Xen wrote past its status array into the guest's list. Asking for more frames than exist is
     * GNTST_general_error with nothing written; asking for all writes exactly that many.
     */
    @Nested
    class Xsa382 {
        @Test
        void getStatusFramesBeyondTheStatusFramesWritesNothing() {
            assertEquals(0, front.setVersion(2));
            assertEquals(GNTST_okay, front.setupTable(DomId.DOMID_SELF, 9));
            long sentinel = 0x5A5A_5A5A_5A5A_5A5AL;
            for (int i = 0; i < 16; i++) {
                front.mem.write64(GrantGuest.LIST + 8L * i, sentinel);
            }
            assertEquals(GNTST_general_error, front.getStatusFrames(DomId.DOMID_SELF, 3), "9 grant frames, 2 status");
            assertEquals(GNTST_general_error, front.getStatusFrames(DomId.DOMID_SELF, 9));
            for (int i = 0; i < 16; i++) {
                assertEquals(sentinel, front.mem.read64(GrantGuest.LIST + 8L * i), "list slot " + i);
            }
            assertEquals(GNTST_okay, front.getStatusFrames(DomId.DOMID_SELF, 2));
            assertNotEquals(sentinel, front.mem.read64(GrantGuest.LIST + 8));
            assertEquals(sentinel, front.mem.read64(GrantGuest.LIST + 16), "nothing past the frames asked for");
        }
    }

    // ================================================================== XSA-448

    /**
     * XSA-448 and its 2024 hardening ("a zero-length copy must ignore all other fields"): a copy
     * of length 0 went on to look up domains, grants and frames it then did not use. Length 0 is
     * GNTST_okay whatever else the element says, with no pin or access bit left behind.
     */
    @Nested
    class Xsa448 {
        @Test
        void aZeroLengthCopyIgnoresEveryOtherField() {
            useVersion(1);
            front.grant(10, back.domid, PAGE_GFN, GTF_permit_access | GTF_readonly);
            assertEquals(GNTST_okay, back.copy(0xFFFF_FFFFL, 4321, 5000, 1L << 40, 999, 6000, 0, 0xFFFF));
            assertEquals(GNTST_okay, back.copy(MAP_GFN, front.domid, 0, MAP_GFN, 12, 0, 0, 0), "foreign gmfns");
            assertEquals(GNTST_okay, back.copy(MAP_GFN, DomId.DOMID_SELF, 0, 10, front.domid, 0, 0,
                    GNTCOPY_dest_gref), "a write to a read-only grant, of nothing");
            assertEquals(new GrantInfoView(0, 0), entry(10));
        }
    }

    // ================================================================== XSA-500

    /**
     * XSA-500 (2026, "check values against active entry when copying an already-pinned one"):
     * when a copy needed a writable pin of a grant already pinned read-only, Xen re-read the
     * shared entry, which the granter may have changed since, yet used the frame recorded in the
     * active entry: the two could disagree. A copy must re-check the entry against the active
     * one and fail (GNTST_general_error) when the frame differs, writing to neither page.
     */
    @Nested
    class Xsa500 {
        @ParameterizedTest
        @ValueSource(ints = {1, 2})
        void aCopyIntoAPinnedGrantWhoseEntryChangedFrameIsRefused(int v) {
            useVersion(v);
            byte[] first = fill(front, PAGE_GFN, 1);
            byte[] second = fill(front, PAGE_GFN + 1, 2);
            front.grant(10, back.domid, PAGE_GFN, GTF_permit_access | GTF_readonly);
            assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map | GNTMAP_readonly,
                    GrantGuest.addr(MAP_GFN)));
            int h = back.handle();
            // The granter rewrites the pinned entry: another frame, and now writable.
            if (v == 1) {
                long e = GrantGuest.addr(GrantGuest.FRAME_GFN) + 10 * 8L;
                front.mem.write32(e + GrantEntryLayout.V1_FRAME, (int) (PAGE_GFN + 1));
                front.mem.write16(e + GrantEntryLayout.V1_FLAGS, GTF_permit_access | GTF_reading);
            } else {
                long e = GrantGuest.addr(GrantGuest.FRAME_GFN) + 10 * 16L;
                front.mem.write64(e + GrantEntryLayout.V2_FULL_PAGE_FRAME, PAGE_GFN + 1);
                front.mem.write16(e + GrantEntryLayout.V2_FLAGS, GTF_permit_access);
            }
            fill(back, MAP_GFN + 5, 77);
            assertEquals(GNTST_general_error, back.copy(MAP_GFN + 5, DomId.DOMID_SELF, 0, 10, front.domid, 0, 64,
                    GNTCOPY_dest_gref));
            assertArrayEquals(first, read(front, PAGE_GFN), "the page granted read-only is untouched");
            assertArrayEquals(second, read(front, PAGE_GFN + 1));
            assertEquals(GTF_reading, front.accessBits(10) & (GTF_reading | GTF_writing), "no write pin is left");
            assertEquals(GNTST_okay, back.copy(10, front.domid, 0, MAP_GFN + 6, DomId.DOMID_SELF, 0, 64,
                    GNTCOPY_source_gref), "a read goes on from the pinned frame, as in Xen");
            assertArrayEquals(java.util.Arrays.copyOf(first, 64),
                    java.util.Arrays.copyOf(read(back, MAP_GFN + 6), 64));
            assertEquals(GNTST_okay, back.unmap(GrantGuest.addr(MAP_GFN), 0, h));
        }
    }

    // ================================================================== XSA-26 / XSA-379 / XSA-384

    /**
     * XSA-26 (2012): switching v2 to v1 freed the status frames incompletely and corrupted the
     * page list. Status frames are allocated and released symmetrically: many switches leave
     * exactly ceil(frames / 8) status frames under v2 and none under v1.
     */
    @Nested
    class Xsa26 {
        @Test
        void statusFramesComeAndGoSymmetricallyOverManySwitches() {
            assertEquals(GNTST_okay, front.setupTable(DomId.DOMID_SELF, 17));
            Grants g = Grants.of(hv.parts().table().domain(front.domid));
            for (int i = 0; i < 50; i++) {
                assertEquals(0, front.setVersion(2));
                assertEquals(3, g.nrStatusFrames(), "ceil(17 / 8)");
                assertEquals(GNTST_okay, front.getStatusFrames(DomId.DOMID_SELF, 3));
                assertEquals(0, front.setVersion(1));
                assertEquals(0, g.nrStatusFrames());
                assertEquals(GNTST_general_error, front.getStatusFrames(DomId.DOMID_SELF, 1));
            }
            assertEquals(17, g.nrFrames(), "the shared frames are untouched");
        }
    }

    /**
     * XSA-379 (2021): two XENMAPSPACE_grant_table requests could map one v2 status frame at two
     * gfns, and after v2 to v1 one of them survived. A frame lives at one gfn at a time: mapping
     * it again moves it, and the old gfn no longer sees it.
     */
    @Nested
    class Xsa379 {
        @Test
        void aStatusFrameMappedAtASecondGfnLeavesTheFirst() {
            useVersion(2);
            long other = GrantGuest.STATUS_GFN + 50;
            assertEquals(0, front.addToPhysmap(io.xenabi.abi.MemoryOp.XENMAPIDX_grant_table_status, other));
            front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
            assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map, GrantGuest.addr(MAP_GFN)));
            assertEquals(GTF_reading | GTF_writing, front.mem.read16(GrantGuest.addr(other) + 20) & 0x18);
            assertEquals(0, front.accessBits(10), "the first gfn is no longer the status frame");
            assertEquals(GNTST_okay, back.unmap(GrantGuest.addr(MAP_GFN), 0, back.handle()));
            assertEquals(0, front.setVersion(1));
            assertEquals(0, front.mem.read16(GrantGuest.addr(other) + 20), "after v1 neither gfn holds it");
        }
    }

    /**
     * XSA-384 (2021) and XSA-486 (2026): mapping a status frame raced the v2-to-v1 switch that
     * frees it, so the frame could be entered into the physmap while being released. Racing the
     * two on two vCPUs, the frame is either mapped and then taken out by the switch, or refused
     * (-EINVAL under v1): no status frame survives v1 at any gfn, and the next v2 frame is a new
     * page the old gfn does not see.
     */
    @Nested
    class Xsa384 {
        @Test
        void mappingAStatusFrameRacingTheSwitchToV1LeavesNoStaleFrame() throws Exception {
            GrantGuest g = new GrantGuest(hv, hv.create(DomainConfig.named("racer").withVcpus(2)));
            Grants table = Grants.of(hv.parts().table().domain(g.domid));
            for (int round = 0; round < 200; round++) {
                assertEquals(0, g.setVersion(2));
                long gfn = GrantGuest.STATUS_GFN + (round % 4);
                int[] rc = race(() -> (int) g.setVersion(1), () -> {
                    long arg = GrantGuest.addr(RACE_ARG_GFN + 1);
                    g.mem.write16(arg + io.xenabi.abi.MemoryOp.ADD_TO_PHYSMAP_DOMID, DomId.DOMID_SELF);
                    g.mem.write32(arg + io.xenabi.abi.MemoryOp.ADD_TO_PHYSMAP_SPACE,
                            io.xenabi.abi.MemoryOp.XENMAPSPACE_grant_table);
                    g.mem.write64(arg + io.xenabi.abi.MemoryOp.ADD_TO_PHYSMAP_IDX,
                            io.xenabi.abi.MemoryOp.XENMAPIDX_grant_table_status);
                    g.mem.write64(arg + io.xenabi.abi.MemoryOp.ADD_TO_PHYSMAP_GPFN, gfn);
                    return (int) hv.hypercall(g.domid, 1, Hypercall.__HYPERVISOR_memory_op,
                            io.xenabi.abi.MemoryOp.XENMEM_add_to_physmap, arg);
                });
                assertEquals(0, rc[0]);
                assertTrue(rc[1] == 0 || rc[1] == -io.xenabi.abi.XenErrno.EINVAL, "add_to_physmap gave " + rc[1]);
                assertEquals(0, table.nrStatusFrames());
                assertTrue(java.util.Arrays.stream(table.statusGfn).allMatch(x -> x == Grants.INVALID_GFN));
                assertEquals(0, g.setVersion(2));
                assertTrue(table.statusFrame(0) != g.mem.page(gfn), "the old gfn does not alias the new frame");
                assertEquals(0, g.setVersion(1));
            }
            assertEquals(0, hv.internalErrors.get());
        }
    }

    // ================================================================== XSA-217 / XSA-268

    /**
     * XSA-217 (2017): GNTTABOP_transfer (like XENMEM_exchange) is for PV guests only; a
     * translated (PVH, HVM) guest gets -ENOSYS from hvm_grant_table_op, before anything is read.
     * (Before row G16 this test used a PV domain, which now reaches gnttab_transfer.)
     */
    @Nested
    class Xsa217 {
        @Test
        void transferIsNotOfferedToTranslatedGuests() {
            GrantGuest hvm = new GrantGuest(hv, hv.create(DomainConfig.named("hvm")
                    .withType(io.xenabi.domain.DomainType.HVM, true)));
            assertEquals(-io.xenabi.abi.XenErrno.ENOSYS, hvm.op(GNTTABOP_transfer, GrantGuest.ARG, 1));
            assertEquals(-io.xenabi.abi.XenErrno.ENOSYS, hvm.op(GNTTABOP_transfer, 1L << 50, 1), "nothing read");
            assertEquals(-io.xenabi.abi.XenErrno.EFAULT, back.op(GNTTABOP_transfer, 1L << 50, 1), "a PV guest's is read");
        }
    }

    /**
     * XSA-268 (2018): grant v2 on Arm could hit a BUG_ON when status frames were unpopulated, and
     * was disabled (max-ver 1). A domain whose grant version is capped at 1 (its permit set
     * without v2) gets -ENOSYS for set_version(2), with version 1 written back.
     */
    @Nested
    class Xsa268 {
        @Test
        void aDomainCappedAtV1GetsEnosysForV2() {
            GrantGuest old = new GrantGuest(hv, hv.create(DomainConfig.named("v1only").withAbiPermit(
                    io.xenabi.abi.AbiCapability.mask(io.xenabi.abi.AbiCapability.XENABI_CAP_EVTCHN_FIFO))));
            assertEquals(-io.xenabi.abi.XenErrno.ENOSYS, old.setVersion(2));
            assertEquals(1, old.versionWrittenBack());
            assertEquals(1, old.getVersion(DomId.DOMID_SELF));
        }
    }

    // ================================================================== XSA-228

    /**
     * XSA-228 (2017): the maptrack free list raced when vCPUs stole handles from each other, so
     * two mappings could share a handle. Two vCPUs mapping and unmapping at once always get
     * handles no other live mapping holds, and every unmap of their own handle succeeds.
     */
    @Nested
    class Xsa228 {
        @Test
        void concurrentMapsAndUnmapsNeverShareAHandle() throws Exception {
            useVersion(1);
            front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
            front.grant(11, back.domid, PAGE_GFN + 1, GTF_permit_access);
            java.util.Set<Integer> live = java.util.concurrent.ConcurrentHashMap.newKeySet();
            IntSupplier[] workers = new IntSupplier[2];
            for (int v = 0; v < 2; v++) {
                int vcpu = v;
                workers[v] = () -> {
                    for (int i = 0; i < 500; i++) {
                        int[] m = mapOn(back, vcpu, front.domid, 10 + vcpu, GNTMAP_device_map, 0);
                        if (m[0] != GNTST_okay || !live.add(m[1])) {
                            return -1000 - i; // failed, or a handle someone else holds
                        }
                        long bus = GrantGuest.addr(PAGE_GFN + vcpu);
                        live.remove(m[1]);
                        if (unmapOn(back, vcpu, 0, bus, m[1]) != GNTST_okay) {
                            return -2000 - i;
                        }
                    }
                    return 0;
                };
            }
            assertArrayEquals(new int[] {0, 0}, race(workers[0], workers[1]));
            assertEquals(0, hv.parts().info().grantMappings(back.domid));
            assertEquals(new GrantInfoView(0, 0), entry(10));
            assertEquals(new GrantInfoView(0, 0), entry(11));
        }
    }

    // ================================================================== XSA-295

    /**
     * XSA-295 (2019): Xen's compare-and-exchange loops on guest memory (Arm) could spin forever
     * while the guest kept changing the word. A guest flipping its entry's flags while another
     * domain maps the grant cannot hold the mapper up: each map ends, either mapped or
     * general_error after a bounded number of retries, and the access bits follow the pins.
     */
    @Nested
    class Xsa295 {
        @ParameterizedTest
        @ValueSource(ints = {1, 2})
        void aGuestFlippingItsEntryCannotHoldAMapperUp(int v) throws Exception {
            useVersion(v);
            front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
            long flags = GrantGuest.addr(GrantGuest.FRAME_GFN) + 10L * (v == 1 ? 8 : 16);
            io.xenabi.abi.GuestPage page = front.mem.page(GrantGuest.FRAME_GFN);
            int off = (int) (flags % 4096);
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            int[] results = race(() -> {
                int flips = 0;
                while (!stop.get()) {
                    page.getAndOr32(off, GTF_PAT);
                    page.getAndAnd32(off, ~GTF_PAT);
                    flips++;
                }
                return flips;
            }, () -> {
                try {
                    for (int i = 0; i < 300; i++) {
                        int st = back.map(front.domid, 10, GNTMAP_host_map, GrantGuest.addr(MAP_GFN));
                        if (st == GNTST_okay) {
                            if (back.unmap(GrantGuest.addr(MAP_GFN), 0, back.handle()) != GNTST_okay) {
                                return -1;
                            }
                        } else if (st != GNTST_general_error) {
                            return st;
                        }
                    }
                    return 0;
                } finally {
                    stop.set(true);
                }
            });
            assertEquals(0, results[1], "every map ended as okay or general_error");
            assertEquals(new GrantInfoView(0, 0), entry(10));
            assertEquals(0, front.accessBits(10));
        }
    }

    // ================================================================== XSA-318

    /**
     * XSA-318 (2020): a copy batch preempted at its first element returned without writing the
     * statuses of the elements it had looked at. xenabi does not preempt batches; every element
     * of a batch, good or bad, has its status written.
     */
    @Nested
    class Xsa318 {
        @Test
        void everyElementOfACopyBatchHasItsStatusWritten() {
            useVersion(1);
            front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
            long batch = GrantGuest.addr(RACE_ARG_GFN);
            int[][] elements = {{10, 0, 64}, {1 << 20, 0, 64}, {10, 4090, 64}, {10, 0, 0}, {10, 0, 4096}};
            for (int i = 0; i < elements.length; i++) {
                long e = batch + (long) i * SIZEOF_COPY;
                back.mem.write64(e + COPY_SOURCE + COPY_PTR_U, elements[i][0]);
                back.mem.write16(e + COPY_SOURCE + COPY_PTR_DOMID, front.domid);
                back.mem.write16(e + COPY_SOURCE + COPY_PTR_OFFSET, elements[i][1]);
                back.mem.write64(e + COPY_DEST + COPY_PTR_U, MAP_GFN);
                back.mem.write16(e + COPY_DEST + COPY_PTR_DOMID, DomId.DOMID_SELF);
                back.mem.write16(e + COPY_LEN, elements[i][2]);
                back.mem.write16(e + COPY_FLAGS, GNTCOPY_source_gref);
                back.mem.write16(e + COPY_STATUS, 0x7777);
            }
            assertEquals(0, back.op(GNTTABOP_copy, batch, elements.length));
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < elements.length; i++) {
                statuses.add((int) (short) back.mem.read16(batch + (long) i * SIZEOF_COPY + COPY_STATUS));
            }
            assertEquals(List.of(GNTST_okay, GNTST_bad_gntref, GNTST_bad_copy_arg, GNTST_okay, GNTST_okay), statuses);
            assertEquals(new GrantInfoView(0, 0), entry(10));
        }
    }

    // ================================================================== XSA-380

    /**
     * XSA-380 (2021): releasing a dying domain's grant mappings (and mapkind over a large
     * maptrack) ran in one unbounded loop. xenabi releases them as the mapper is destroyed, one
     * mapping at a time with only the granter's lock held for each: a mapper dying with
     * thousands of mappings gives every pin back.
     */
    @Nested
    class Xsa380 {
        @Test
        void aMapperDyingWithThousandsOfMappingsGivesEveryPinBack() {
            useVersion(1);
            for (int ref = 8; ref < 48; ref++) {
                front.grant(ref, back.domid, PAGE_GFN + ref, GTF_permit_access);
            }
            for (int i = 0; i < 4000; i++) {
                int ref = 8 + i % 40;
                assertEquals(GNTST_okay, back.map(front.domid, ref, GNTMAP_device_map | GNTMAP_readonly, 0));
            }
            assertEquals(4000, hv.parts().info().grantMappings(back.domid));
            hv.destroy(back.domid);
            for (int ref = 8; ref < 48; ref++) {
                assertEquals(new GrantInfoView(0, 0), entry(ref), "ref " + ref);
            }
        }
    }

    // ================================================================== XSA-226 / XSA-411

    /**
     * XSA-226 (2017, transitive grants) and XSA-411 (2022): copies through transitive grants
     * broke reference counts, and two domains granting each other transitive grants could
     * deadlock on the copy error path. Xen follows one level of transitivity only (the grant a
     * transitive one names is acquired with transitivity not allowed). Asserted: a chain or a
     * cycle of transitive grants is general_error with every pin given back, also when both
     * domains copy through the cycle at once; and copies on two vCPUs through one transitive
     * grant always read the page it resolves to, never the transitive entry's own frame field.
     */
    @Nested
    class Xsa411 {
        private GrantGuest middle;

        private void v2All() {
            useVersion(2);
            assertEquals(0, back.setVersion(2));
            back.mapFrames(1);
            middle = new GrantGuest(hv, hv.create(DomainConfig.named("middle")));
            assertEquals(0, middle.setVersion(2));
            middle.mapFrames(1);
        }

        @Test
        void transitiveGrantsNamingEachOtherFailWithoutDeadlockOrLeftoverPins() throws Exception {
            v2All();
            front.grantV2(20, back.domid, GTF_transitive, back.domid, 0, 21);
            back.grantV2(21, front.domid, GTF_transitive, front.domid, 0, 20);
            for (int round = 0; round < 200; round++) {
                int[] st = race(() -> back.copy(20, front.domid, 0, MAP_GFN, DomId.DOMID_SELF, 0, 8,
                        GNTCOPY_source_gref), () -> front.copy(21, back.domid, 0, MAP_GFN, DomId.DOMID_SELF, 0, 8,
                        GNTCOPY_source_gref));
                assertArrayEquals(new int[] {GNTST_general_error, GNTST_general_error}, st);
            }
            assertEquals(0, hv.grants(front.domid).stream().mapToInt(g -> g.activeMaps()).sum());
            assertEquals(0, hv.grants(back.domid).stream().mapToInt(g -> g.activeMaps()).sum());
        }

        @Test
        void aChainOfTwoTransitiveGrantsIsRefused() {
            v2All();
            fill(back, PAGE_GFN, 4);
            back.grant(10, middle.domid, PAGE_GFN, GTF_permit_access);              // back's page, to middle
            middle.grantV2(20, front.domid, GTF_transitive, back.domid, 0, 10);  // middle passes it to front
            front.grantV2(30, back.domid, GTF_transitive, middle.domid, 0, 20);  // front passes that on
            assertEquals(GNTST_okay, front.copy(20, middle.domid, 0, MAP_GFN, DomId.DOMID_SELF, 0, 8,
                    GNTCOPY_source_gref), "one level");
            assertEquals(GNTST_general_error, back.copy(30, front.domid, 0, MAP_GFN, DomId.DOMID_SELF, 0, 8,
                    GNTCOPY_source_gref), "two levels");
            assertEquals(0, hv.grants(middle.domid).stream().mapToInt(g -> g.activeMaps()).sum());
            assertEquals(0, hv.grants(front.domid).stream().mapToInt(g -> g.activeMaps()).sum());
            assertEquals(0, back.accessBits(10));
        }

        @Test
        void copiesOnTwoVcpusThroughOneTransitiveGrantReadTheGrantedPage() throws Exception {
            v2All();
            byte[] data = fill(front, PAGE_GFN, 6);
            fill(middle, 0, 99); // what the transitive entry's frame field (0) would point at
            front.grant(10, middle.domid, PAGE_GFN, GTF_permit_access | GTF_readonly);
            middle.grantV2(20, back.domid, GTF_transitive, front.domid, 0, 10);
            for (int round = 0; round < 300; round++) {
                int[] st = race(() -> copyFromGrantOn(back, 0, middle.domid, 20, MAP_GFN, 4096),
                        () -> copyFromGrantOn(back, 1, middle.domid, 20, MAP_GFN + 1, 4096));
                assertArrayEquals(new int[] {GNTST_okay, GNTST_okay}, st);
                assertArrayEquals(data, read(back, MAP_GFN), "round " + round);
                assertArrayEquals(data, read(back, MAP_GFN + 1), "round " + round);
                back.mem.write(GrantGuest.addr(MAP_GFN), new byte[4096], 0, 4096);
                back.mem.write(GrantGuest.addr(MAP_GFN + 1), new byte[4096], 0, 4096);
            }
            assertEquals(0, front.accessBits(10));
            assertEquals(0, hv.grants(middle.domid).stream().mapToInt(g -> g.activeMaps()).sum());
        }
    }

    // ================================================================== XSA-501

    /**
     * XSA-501 (2026): a version change raced an operation that had dropped and retaken the
     * table's lock, leaving it a stale status pointer or a ref out of bounds for the new version;
     * Xen now answers -EAGAIN to v2-to-v1 while v2 operations are in flight. In xenabi every
     * check runs under the table's lock and a pinned entry beyond the reserved ones makes the
     * switch -EBUSY; copies through a reserved entry (which survives switches) racing version
     * flips on the granter end with the entry unpinned and its access bits clear.
     */
    @Nested
    class Xsa501 {
        @Test
        void copiesThroughAReservedEntryRacingVersionFlipsLeaveNoPinOrBit() throws Exception {
            useVersion(1);
            byte[] data = fill(front, PAGE_GFN, 8);
            front.grant(5, back.domid, PAGE_GFN, GTF_permit_access);
            int[] results = race(() -> {
                for (int i = 0; i < 400; i++) {
                    long rc = front.setVersion(i % 2 == 0 ? 2 : 1);
                    if (rc != 0 && rc != -io.xenabi.abi.XenErrno.EAGAIN) {
                        return (int) rc;
                    }
                }
                return 0;
            }, () -> {
                for (int i = 0; i < 400; i++) {
                    int st = back.copy(5, front.domid, 0, MAP_GFN, DomId.DOMID_SELF, 0, 4096, GNTCOPY_source_gref);
                    if (st != GNTST_okay || !java.util.Arrays.equals(data, read(back, MAP_GFN))) {
                        return -1000 - i;
                    }
                }
                return 0;
            });
            assertArrayEquals(new int[] {0, 0}, results);
            assertEquals(new GrantInfoView(0, 0), entry(5));
            assertEquals(0, hv.internalErrors.get());
        }
    }
}
