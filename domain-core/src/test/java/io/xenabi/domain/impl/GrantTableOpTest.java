package io.xenabi.domain.impl;

import io.xenabi.domain.testkit.TestHosts;
import static io.xenabi.abi.XenErrno.EBUSY;
import static io.xenabi.abi.XenErrno.EINVAL;
import static io.xenabi.abi.XenErrno.ENOSYS;
import static io.xenabi.abi.XenErrno.EOPNOTSUPP;
import static io.xenabi.abi.XenErrno.EPERM;
import static io.xenabi.abi.XenErrno.ERANGE;
import static io.xenabi.abi.XenErrno.ESRCH;
import static io.xenabi.gnttab.GnttabOp.*;
import static io.xenabi.gnttab.GnttabStatus.*;
import static io.xenabi.gnttab.GrantFlags.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.xenabi.abi.AbiCapability;
import io.xenabi.abi.DomId;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.Hypervisor;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import io.xenabi.domain.impl.gnttab.Grants;
import io.xenabi.domain.impl.gnttab.GrantTables;

/** Every GNTTABOP through the door, with Xen's results and per-element status, under v1 and v2. */
class GrantTableOpTest {
    static final long PAGE_GFN = 50; // the front's data pages: 50, 51, ...
    static final long MAP_GFN = 400; // where the back maps them

    private HypervisorImpl hv;
    private GrantGuest front;
    private GrantGuest back;

    @BeforeEach
    void boot() {
        hv = TestHypervisors.all();
        front = new GrantGuest(hv, hv.create(DomainConfig.named("front")));
        back = new GrantGuest(hv, hv.create(DomainConfig.named("back")));
    }

    private void useVersion(int v) {
        assertEquals(0, front.setVersion(v));
        front.mapFrames(1);
        back.mapFrames(1);
    }

    private byte[] pattern(long gfn, int seed) {
        byte[] b = new byte[4096];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        front.mem.write(GrantGuest.addr(gfn), b, 0, b.length);
        return b;
    }

    private byte[] read(GrantGuest g, long gfn) {
        byte[] b = new byte[4096];
        g.mem.read(GrantGuest.addr(gfn), b, 0, b.length);
        return b;
    }

    // ------------------------------------------------------------ batches and the door

    @Test
    void badCountsAndContinuationBitsAreEinval() {
        assertEquals(-EINVAL, front.op(GNTTABOP_map_grant_ref, GrantGuest.ARG, -1));
        assertEquals(-EINVAL, front.op(GNTTABOP_copy | (1 << GrantTables.GNTTABOP_CONTINUATION_ARG_SHIFT), GrantGuest.ARG, 1));
        assertEquals(-EINVAL, front.op(GNTTABOP_query_size, GrantGuest.ARG, 2));
        assertEquals(-EINVAL, front.op(GNTTABOP_setup_table, GrantGuest.ARG, 0));
        assertEquals(-ENOSYS, front.op(13, GrantGuest.ARG, 1));
        assertEquals(0, front.op(GNTTABOP_map_grant_ref, GrantGuest.ARG, 0), "an empty batch");
    }

    /**
     * The continuation argument starts at bit 12, so every sub-op below 4096 that Xen does not
     * know is -ENOSYS, as real Xen 4.17 answers GNTTABOP 99 (oracle case gnttab.unknown_subops).
     */
    @Test
    void unknownSubOpsBelowTheContinuationBitsAreEnosys() {
        assertEquals(-ENOSYS, front.op(99, GrantGuest.ARG, 1));
        assertEquals(-ENOSYS, front.op(GNTTABOP_copy | (1 << 6), GrantGuest.ARG, 1));
        assertEquals(-ENOSYS, front.op(0xfff, GrantGuest.ARG, 1));
        assertEquals(-EINVAL, front.op(0x1000 | 99, GrantGuest.ARG, 1));
    }

    /**
     * A PV domain reaches gnttab_transfer (frame 0 of a fresh struct is a page Xen could steal,
     * which xenabi does not model: general_error); a PVH one gets -ENOSYS from hvm_grant_table_op.
     * (This test said -ENOSYS for every domain before row G16.)
     */
    @Test
    void transferIsPvOnly() {
        front.mem.write(GrantGuest.ARG, new byte[SIZEOF_TRANSFER], 0, SIZEOF_TRANSFER);
        assertEquals(0, front.op(GNTTABOP_transfer, GrantGuest.ARG, 1));
        assertEquals(GNTST_general_error, front.status(TRANSFER_STATUS));
        GrantGuest pvh = new GrantGuest(hv, hv.create(DomainConfig.named("pvh").withType(io.xenabi.domain.DomainType.PVH, true)));
        assertEquals(-ENOSYS, pvh.op(GNTTABOP_transfer, GrantGuest.ARG, 1));
    }

    @Test
    void cacheFlushChecksItsArguments() {
        long a = GrantGuest.ARG;
        front.mem.write32(a + CACHE_FLUSH_OP, GNTTAB_CACHE_CLEAN);
        front.mem.write16(a + CACHE_FLUSH_LENGTH, 64);
        assertEquals(0, front.op(GNTTABOP_cache_flush, a, 1));
        front.mem.write32(a + CACHE_FLUSH_OP, 1 << 5);
        assertEquals(-EOPNOTSUPP, front.op(GNTTABOP_cache_flush, a, 1));
        front.mem.write32(a + CACHE_FLUSH_OP, GNTTAB_CACHE_INVAL);
        front.mem.write16(a + CACHE_FLUSH_OFFSET, 4090);
        assertEquals(-EINVAL, front.op(GNTTABOP_cache_flush, a, 1));
    }

    // ------------------------------------------------------------ sizing

    @Test
    void querySizeAndSetupTable() {
        assertEquals(GNTST_okay, front.querySize(DomId.DOMID_SELF));
        assertEquals(1, front.mem.read32(GrantGuest.ARG + QUERY_NR_FRAMES), "INITIAL_NR_GRANT_FRAMES");
        assertEquals(64, front.mem.read32(GrantGuest.ARG + QUERY_MAX_NR_FRAMES), "Xen's default limit");
        assertEquals(GNTST_okay, front.setupTable(DomId.DOMID_SELF, 4));
        assertEquals(Grants.INVALID_GFN, front.mem.read64(GrantGuest.LIST + 8), "not mapped yet");
        assertEquals(0, front.addToPhysmap(2, 333));
        assertEquals(GNTST_okay, front.setupTable(DomId.DOMID_SELF, 3));
        assertEquals(333, front.mem.read64(GrantGuest.LIST + 16), "a translated guest gets the gfn");
        front.querySize(DomId.DOMID_SELF);
        assertEquals(4, front.mem.read32(GrantGuest.ARG + QUERY_NR_FRAMES), "the table never shrinks");
        assertEquals(GNTST_general_error, front.setupTable(DomId.DOMID_SELF, 65));
        assertEquals(GNTST_bad_domain, front.setupTable(777, 1));
        assertEquals(GNTST_permission_denied, front.setupTable(back.domid, 1));
        assertEquals(GNTST_permission_denied, front.querySize(back.domid));
        GrantGuest dom0 = new GrantGuest(hv, Hypervisor.DOMID_0);
        assertEquals(GNTST_okay, dom0.querySize(front.domid), "the control domain may ask");
        assertEquals(GNTST_bad_domain, dom0.querySize(4000));
    }

    @Test
    void addToPhysmapGrowsTheTableUpToItsLimit() {
        GrantGuest small = new GrantGuest(hv, hv.create(DomainConfig.named("small").withMaxGrantFrames(2)));
        assertEquals(0, small.addToPhysmap(1, 120));
        assertEquals(-EINVAL, small.addToPhysmap(2, 121));
        assertEquals(-EINVAL, small.addToPhysmap(0x80000000L, 122), "no status frames under v1");
    }

    // ------------------------------------------------------------ versions

    @Test
    void setAndGetVersion() {
        assertEquals(1, front.getVersion(DomId.DOMID_SELF), "a new domain starts on v1");
        assertEquals(0, front.setVersion(2));
        assertEquals(2, front.versionWrittenBack());
        assertEquals(2, front.getVersion(DomId.DOMID_SELF));
        assertEquals(-EINVAL, front.setVersion(3));
        assertEquals(2, front.versionWrittenBack(), "the current version is written back");
        assertEquals(0, front.setVersion(2), "the same version is a no-op");
        assertEquals(-EPERM, front.getVersion(back.domid));
        assertEquals(-ESRCH, front.getVersion(555));
        assertEquals(0, front.setVersion(1));
        assertEquals(1, front.getVersion(DomId.DOMID_SELF));
    }

    @Test
    void v2IsEnosysWhenNotPermittedAsXenDoesBeyondMaxGrantVersion() {
        GrantGuest old = new GrantGuest(hv, hv.create(DomainConfig.named("old").withAbiPermit(
                AbiCapability.mask(AbiCapability.XENABI_CAP_EVTCHN_FIFO))));
        assertEquals(-ENOSYS, old.setVersion(2));
        assertEquals(1, old.versionWrittenBack());
        assertEquals(1, old.getVersion(DomId.DOMID_SELF));
    }

    @Test
    void v2IsEnosysWhileItsBundleIsAbsent() {
        HypervisorImpl bare = TestHosts.of("evtchn-2l", "gnttab-v1");
        GrantGuest g = new GrantGuest(bare, bare.create(DomainConfig.named("g")));
        assertEquals(-ENOSYS, g.setVersion(2));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void switchingVersionIsBusyWhileAGrantBeyondTheReservedOnesIsMapped(int from) {
        useVersion(from);
        front.grant(9, back.domid, PAGE_GFN, GTF_permit_access);
        assertEquals(GNTST_okay, back.map(front.domid, 9, GNTMAP_host_map, GrantGuest.addr(MAP_GFN)));
        int handle = back.handle();
        assertEquals(-EBUSY, front.setVersion(3 - from));
        assertEquals(from, front.getVersion(DomId.DOMID_SELF));
        assertEquals(GNTST_okay, back.unmap(GrantGuest.addr(MAP_GFN), 0, handle));
        assertEquals(0, front.setVersion(3 - from));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void reservedEntriesSurviveAVersionSwitchAndOthersAreCleared(int from) {
        useVersion(from);
        front.grant(1, 0, 0x1234, GTF_permit_access); // xenstore
        front.grant(20, back.domid, PAGE_GFN, GTF_permit_access);
        assertEquals(0, front.setVersion(3 - from));
        front.version = 3 - from;
        front.mapFrames(1);
        assertEquals(GNTST_general_error, back.copy(1, front.domid, 0, PAGE_GFN + 10, DomId.DOMID_SELF, 0, 8,
                GNTCOPY_source_gref), "entry 1 is for domain 0, not for the back");
        GrantGuest dom0 = new GrantGuest(hv, Hypervisor.DOMID_0);
        assertEquals(GNTST_okay, dom0.copy(1, front.domid, 0, 5, DomId.DOMID_SELF, 0, 8, GNTCOPY_source_gref),
                "the reserved xenstore entry is still granted to dom0");
        assertEquals(GNTST_general_error, back.copy(20, front.domid, 0, PAGE_GFN, DomId.DOMID_SELF, 0, 8,
                GNTCOPY_source_gref), "entry 20 was cleared by the switch");
    }

    @Test
    void aReservedEntryV1CannotRepresentRefusesTheSwitchWithErangeAndChangesNothing() {
        useVersion(2);
        front.grantV2(2, back.domid, GTF_transitive, Hypervisor.DOMID_0, 0, 9);
        assertEquals(-ERANGE, front.setVersion(1), "a transitive reserved entry");
        assertEquals(2, front.getVersion(DomId.DOMID_SELF));
        front.grantV2(2, 0, 0, 0, 0, 0);
        front.grant(3, back.domid, 1L << 32, GTF_permit_access);
        assertEquals(-ERANGE, front.setVersion(1), "a reserved grant of a frame beyond 32 bits");
        assertEquals(2, front.getVersion(DomId.DOMID_SELF));
        front.grant(3, 0, 0, 0);
        front.grantV2(4, Hypervisor.DOMID_0, GTF_permit_access | GTF_sub_page, 0, 64, 0x1234);
        assertEquals(0, front.setVersion(1), "a sub-page grant is kept, as Xen keeps it");
        front.version = 1;
        GrantGuest dom0 = new GrantGuest(hv, Hypervisor.DOMID_0);
        assertEquals(GNTST_okay, dom0.copy(4, front.domid, 0, 5, DomId.DOMID_SELF, 0, 8, GNTCOPY_source_gref),
                "v1 copies from the kept entry");
    }

    @Test
    void v2ToV1TakesTheStatusFramesOutOfThePhysmap() {
        useVersion(2);
        assertEquals(GNTST_okay, front.getStatusFrames(DomId.DOMID_SELF, 1));
        assertEquals(GrantGuest.STATUS_GFN, front.mem.read64(GrantGuest.LIST));
        assertEquals(GNTST_general_error, front.getStatusFrames(DomId.DOMID_SELF, 2), "XSA-382: only one exists");
        assertEquals(0, front.setVersion(1));
        assertEquals(GNTST_general_error, front.getStatusFrames(DomId.DOMID_SELF, 1), "v1 has none");
        assertEquals(GNTST_okay, front.getStatusFrames(DomId.DOMID_SELF, 0));
        assertEquals(GNTST_bad_domain, front.getStatusFrames(321, 0));
    }

    // ------------------------------------------------------------ map and unmap

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void aMappedGrantShowsTheGrantersPageAndTheAccessBitsFollowThePins(int v) {
        useVersion(v);
        byte[] data = pattern(PAGE_GFN, 7);
        byte[] mine = read(back, MAP_GFN);
        front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
        assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map, GrantGuest.addr(MAP_GFN)));
        int h1 = back.handle();
        assertArrayEquals(data, read(back, MAP_GFN));
        assertEquals(GTF_reading | GTF_writing, front.accessBits(10));
        back.mem.write8(GrantGuest.addr(MAP_GFN) + 5, 0x5A);
        assertEquals(0x5A, front.mem.read8(GrantGuest.addr(PAGE_GFN) + 5), "writes land in the granter's page");
        assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map | GNTMAP_readonly,
                GrantGuest.addr(MAP_GFN + 1)));
        int h2 = back.handle();
        assertNotEquals(h1, h2);
        assertEquals(GNTST_okay, back.unmap(GrantGuest.addr(MAP_GFN), 0, h1));
        assertEquals(GTF_reading, front.accessBits(10), "writing goes with the last writable pin");
        assertArrayEquals(mine, read(back, MAP_GFN), "the back's own page is back");
        assertEquals(GNTST_okay, back.unmap(GrantGuest.addr(MAP_GFN + 1), 0, h2));
        assertEquals(0, front.accessBits(10));
        assertEquals(GNTST_bad_handle, back.unmap(GrantGuest.addr(MAP_GFN), 0, h1), "already unmapped");
    }

    @Test
    void mapNamesTheGranterByIdSoDomidSelfIsBadDomain() {
        useVersion(1);
        front.grant(10, front.domid, PAGE_GFN, GTF_permit_access);
        // map_grant_ref uses rcu_lock_domain_by_id: DOMID_SELF is no domain there
        assertEquals(GNTST_bad_domain, front.map(DomId.DOMID_SELF, 10, GNTMAP_host_map, GrantGuest.addr(MAP_GFN)));
        assertEquals(GNTST_okay, front.map(front.domid, 10, GNTMAP_host_map, GrantGuest.addr(MAP_GFN)));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void mapErrorsInXensOrder(int v) {
        useVersion(v);
        long at = GrantGuest.addr(MAP_GFN);
        front.grant(10, back.domid, PAGE_GFN, GTF_permit_access | GTF_readonly);
        front.grant(11, front.domid, PAGE_GFN, GTF_permit_access);
        front.grant(12, back.domid, 1L << 30, GTF_permit_access);
        assertEquals(GNTST_bad_gntref, back.map(front.domid, 10, 0, at), "neither host nor device map");
        assertEquals(GNTST_bad_domain, back.map(4321, 10, GNTMAP_host_map, at));
        assertEquals(GNTST_bad_gntref, back.map(front.domid, 512 * 64, GNTMAP_host_map, at));
        assertEquals(GNTST_general_error, back.map(front.domid, 11, GNTMAP_host_map, at), "granted to another");
        assertEquals(GNTST_general_error, back.map(front.domid, 10, GNTMAP_host_map, at), "writable map of r/o");
        assertEquals(GNTST_general_error, back.map(front.domid, 13, GNTMAP_host_map, at), "invalid entry");
        assertEquals(GNTST_bad_page, back.map(front.domid, 12, GNTMAP_host_map, at), "frame outside RAM");
        long beyondRam = GrantGuest.addr(1L << 40);
        assertEquals(GNTST_bad_gntref, back.map(front.domid, 512 * 64, GNTMAP_host_map, beyondRam),
                "the ref before the host address");
        assertEquals(GNTST_general_error, back.map(front.domid, 10, GNTMAP_host_map | GNTMAP_readonly, beyondRam),
                "a host address xenabi cannot map fails where Xen's create_grant_host_mapping does");
        assertEquals(0, front.accessBits(10), "failed maps leave nothing behind");
        assertEquals(0, hv.parts().info().grantMappings(back.domid));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void hostAndDeviceMappingsAreCountedAndUnmappedSeparately(int v) {
        useVersion(v);
        front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
        assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map | GNTMAP_device_map,
                GrantGuest.addr(MAP_GFN)));
        int h = back.handle();
        long dev = back.devBusAddr();
        assertEquals(GrantGuest.addr(PAGE_GFN), dev);
        assertEquals(2, hv.grants(front.domid).stream().filter(g -> g.ref() == 10).findFirst().orElseThrow()
                .activeMaps(), "one host and one device pin");
        assertEquals(GNTST_bad_dev_addr, back.unmap(0, dev + 4096, h));
        assertEquals(GNTST_okay, back.unmap(GrantGuest.addr(MAP_GFN), 0, h), "the host part alone (XSA-224)");
        assertEquals(GTF_reading | GTF_writing, front.accessBits(10), "the device pin still writes");
        assertEquals(GNTST_okay, back.unmap(0, dev, h));
        assertEquals(0, front.accessBits(10));
        assertEquals(GNTST_bad_handle, back.unmap(0, dev, h), "the handle went with the last part");
    }

    @Test
    void noMaptrackSpaceIsNoSpace() {
        GrantGuest tiny = new GrantGuest(hv, hv.create(DomainConfig.named("tiny").withMaxMaptrackFrames(0)));
        useVersion(1);
        front.grant(10, tiny.domid, PAGE_GFN, GTF_permit_access);
        assertEquals(GNTST_no_space, tiny.map(front.domid, 10, GNTMAP_host_map, GrantGuest.addr(MAP_GFN)));
    }

    @Test
    void aSubPageGrantCannotBeMapped() {
        useVersion(2);
        front.grantV2(10, back.domid, GTF_permit_access | GTF_sub_page, 0, 512, PAGE_GFN);
        assertEquals(GNTST_general_error, back.map(front.domid, 10, GNTMAP_host_map, GrantGuest.addr(MAP_GFN)));
    }

    // ------------------------------------------------------------ copy

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void copyBothWaysThroughGrants(int v) {
        useVersion(v);
        byte[] data = pattern(PAGE_GFN, 3);
        front.grant(10, back.domid, PAGE_GFN, GTF_permit_access | GTF_readonly);
        front.grant(11, back.domid, PAGE_GFN + 1, GTF_permit_access);
        assertEquals(GNTST_okay, back.copy(10, front.domid, 0, MAP_GFN, DomId.DOMID_SELF, 0, 4096,
                GNTCOPY_source_gref));
        assertArrayEquals(data, read(back, MAP_GFN));
        assertEquals(GNTST_okay, back.copy(MAP_GFN, DomId.DOMID_SELF, 100, 11, front.domid, 200, 300,
                GNTCOPY_dest_gref));
        assertArrayEquals(Arrays.copyOfRange(data, 100, 400),
                Arrays.copyOfRange(read(front, PAGE_GFN + 1), 200, 500));
        assertEquals(0, front.accessBits(10), "copies leave no pin behind");
        assertEquals(GNTST_general_error, back.copy(MAP_GFN, DomId.DOMID_SELF, 0, 10, front.domid, 0, 8,
                GNTCOPY_dest_gref), "a read-only grant is no destination");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void copyErrors(int v) {
        useVersion(v);
        front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
        assertEquals(GNTST_okay, back.copy(999, 4444, 9999, 999, 4444, 9999, 0, 3), "len 0 checks nothing");
        assertEquals(GNTST_permission_denied, back.copy(PAGE_GFN, front.domid, 0, MAP_GFN, DomId.DOMID_SELF, 0, 8,
                0), "a frame of another domain without a grant");
        assertEquals(GNTST_bad_domain, back.copy(10, 4444, 0, MAP_GFN, DomId.DOMID_SELF, 0, 8, GNTCOPY_source_gref));
        assertEquals(GNTST_bad_copy_arg, back.copy(10, front.domid, 4000, MAP_GFN, DomId.DOMID_SELF, 0, 200,
                GNTCOPY_source_gref));
        assertEquals(GNTST_bad_gntref, back.copy(70000, front.domid, 0, MAP_GFN, DomId.DOMID_SELF, 0, 8,
                GNTCOPY_source_gref));
        assertEquals(GNTST_bad_page, back.copy(1L << 35, DomId.DOMID_SELF, 0, 10, front.domid, 0, 8,
                GNTCOPY_dest_gref));
        assertEquals(0, front.accessBits(10), "no failed copy leaves a pin");
    }

    @Test
    void aBatchOfCopiesAtAnOddAddressGetsEachStatusAndNothingElseChanges() {
        useVersion(1);
        front.grant(10, back.domid, PAGE_GFN, GTF_permit_access | GTF_readonly);
        long at = GrantGuest.ARG + 1; // copy_from_guest takes a struct at any alignment
        byte[] batch = new byte[2 * SIZEOF_COPY];
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(batch).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(COPY_SOURCE + COPY_PTR_U, 10).putShort(COPY_SOURCE + COPY_PTR_DOMID, (short) front.domid)
                .putLong(COPY_DEST + COPY_PTR_U, MAP_GFN).putShort(COPY_DEST + COPY_PTR_DOMID, (short) DomId.DOMID_SELF)
                .putShort(COPY_LEN, (short) 8).putShort(COPY_FLAGS, (short) GNTCOPY_source_gref)
                .putShort(COPY_STATUS, (short) 0x7777);
        System.arraycopy(batch, 0, batch, SIZEOF_COPY, SIZEOF_COPY);
        b.putInt(SIZEOF_COPY + COPY_SOURCE + COPY_PTR_U, 70000).putShort(SIZEOF_COPY + COPY_STATUS, (short) 0x7777);
        back.mem.write(at, batch, 0, batch.length);
        assertEquals(0, back.op(GNTTABOP_copy, at, 2));
        byte[] after = new byte[batch.length];
        back.mem.read(at, after, 0, after.length);
        java.nio.ByteBuffer a = java.nio.ByteBuffer.wrap(after).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(GNTST_okay, a.getShort(COPY_STATUS));
        assertEquals(GNTST_bad_gntref, a.getShort(SIZEOF_COPY + COPY_STATUS));
        a.putShort(COPY_STATUS, (short) 0x7777).putShort(SIZEOF_COPY + COPY_STATUS, (short) 0x7777);
        assertArrayEquals(batch, after, "only the status fields are written back");
    }

    @Test
    void subPageGrantsBoundTheCopyWindow() {
        useVersion(2);
        byte[] data = pattern(PAGE_GFN, 9);
        front.grantV2(10, back.domid, GTF_permit_access | GTF_sub_page, 1024, 512, PAGE_GFN);
        assertEquals(GNTST_okay, back.copy(10, front.domid, 1024, MAP_GFN, DomId.DOMID_SELF, 0, 512,
                GNTCOPY_source_gref));
        assertArrayEquals(Arrays.copyOfRange(data, 1024, 1536), Arrays.copyOfRange(read(back, MAP_GFN), 0, 512));
        assertEquals(GNTST_general_error, back.copy(10, front.domid, 1000, MAP_GFN, DomId.DOMID_SELF, 0, 64,
                GNTCOPY_source_gref));
        assertEquals(GNTST_general_error, back.copy(10, front.domid, 1500, MAP_GFN, DomId.DOMID_SELF, 0, 64,
                GNTCOPY_source_gref));
    }

    @Test
    void aTransitiveGrantIsFollowedForCopies() {
        GrantGuest middle = new GrantGuest(hv, hv.create(DomainConfig.named("middle")));
        useVersion(2);
        assertEquals(0, middle.setVersion(2));
        middle.mapFrames(1);
        byte[] data = pattern(PAGE_GFN, 11);
        front.grant(10, middle.domid, PAGE_GFN, GTF_permit_access | GTF_readonly);
        middle.grantV2(20, back.domid, GTF_transitive, front.domid, 0, 10);
        assertEquals(GNTST_okay, back.copy(20, middle.domid, 0, MAP_GFN, DomId.DOMID_SELF, 0, 4096,
                GNTCOPY_source_gref));
        assertArrayEquals(data, read(back, MAP_GFN));
        assertEquals(0, front.accessBits(10), "the chain is released after the copy");
        middle.grantV2(21, back.domid, GTF_transitive, middle.domid, 0, 20);
        assertEquals(GNTST_general_error, back.copy(21, middle.domid, 0, MAP_GFN, DomId.DOMID_SELF, 0, 8,
                GNTCOPY_source_gref), "a transitive grant to its own domain");
        assertEquals(GNTST_general_error, back.map(middle.domid, 20, GNTMAP_host_map, GrantGuest.addr(MAP_GFN)),
                "transitive grants are copy only");
    }

    // ------------------------------------------------------------ swap

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void swapGrantRef(int v) {
        useVersion(v);
        pattern(PAGE_GFN, 1);
        front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
        assertEquals(GNTST_okay, front.swap(10, 11));
        assertEquals(GNTST_general_error, back.copy(10, front.domid, 0, MAP_GFN, DomId.DOMID_SELF, 0, 8,
                GNTCOPY_source_gref), "entry 10 is now the empty one");
        assertEquals(GNTST_okay, back.copy(11, front.domid, 0, MAP_GFN, DomId.DOMID_SELF, 0, 8,
                GNTCOPY_source_gref));
        assertEquals(GNTST_bad_gntref, front.swap(11, 1 << 20));
        assertEquals(GNTST_okay, front.swap(11, 11), "equal refs: nothing to do");
        assertEquals(GNTST_okay, back.map(front.domid, 11, GNTMAP_host_map, GrantGuest.addr(MAP_GFN)));
        assertEquals(GNTST_eagain, front.swap(11, 12), "a pinned entry");
    }

    // ------------------------------------------------------------ unmap_and_replace, release on destroy

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void unmapAndReplaceMovesTheReplacementPageIntoTheMappedSlot(int v) {
        useVersion(v);
        pattern(PAGE_GFN, 5);
        front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
        assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map, GrantGuest.addr(MAP_GFN)));
        int h = back.handle();
        byte[] spare = new byte[4096];
        Arrays.fill(spare, (byte) 0x33);
        back.mem.write(GrantGuest.addr(MAP_GFN + 9), spare, 0, spare.length);
        long a = GrantGuest.ARG;
        back.mem.write(a, new byte[SIZEOF_UNMAP_AND_REPLACE], 0, SIZEOF_UNMAP_AND_REPLACE);
        back.mem.write64(a + UNMAP_REPLACE_HOST_ADDR, GrantGuest.addr(MAP_GFN));
        back.mem.write64(a + UNMAP_REPLACE_NEW_ADDR, GrantGuest.addr(MAP_GFN + 9));
        back.mem.write32(a + UNMAP_REPLACE_HANDLE, 12345);
        assertEquals(0, back.op(GNTTABOP_unmap_and_replace, a, 1));
        assertEquals(GNTST_bad_handle, back.status(UNMAP_REPLACE_STATUS));
        back.mem.write32(a + UNMAP_REPLACE_HANDLE, h);
        assertEquals(0, back.op(GNTTABOP_unmap_and_replace, a, 1));
        assertEquals(GNTST_okay, back.status(UNMAP_REPLACE_STATUS));
        assertArrayEquals(spare, read(back, MAP_GFN), "the replacement page now sits where the grant was");
        assertEquals(0, front.accessBits(10));
        assertEquals(0, hv.parts().info().grantMappings(back.domid));
    }

    @Test
    void aDestroyedMapperGivesItsMappingsBack() {
        useVersion(1);
        front.grant(10, back.domid, PAGE_GFN, GTF_permit_access);
        assertEquals(GNTST_okay, back.map(front.domid, 10, GNTMAP_host_map | GNTMAP_device_map,
                GrantGuest.addr(MAP_GFN)));
        assertEquals(GTF_reading | GTF_writing, front.accessBits(10));
        hv.destroy(back.domid);
        assertEquals(0, front.accessBits(10), "gnttab_release_mappings dropped both pins");
    }
}
