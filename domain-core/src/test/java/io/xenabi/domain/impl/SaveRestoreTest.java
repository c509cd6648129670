package io.xenabi.domain.impl;

import io.xenabi.domain.testkit.TestHosts;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainException;
import io.xenabi.domain.DomainInfo;
import io.xenabi.domain.Restored;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.xenabi.domain.impl.domains.Domain;
import io.xenabi.domain.impl.domains.HostSettings;

/** xl save / xl restore: what the image keeps, and every bad image refused with nothing created. */
class SaveRestoreTest {
    @TempDir
    Path dir;

    private HypervisorImpl hv;
    private Guest a;
    private Path image;
    private final byte[] data = new byte[4096];

    @BeforeEach
    void saveOne() {
        hv = TestHypervisors.all();
        a = new Guest(hv, hv.create(DomainConfig.named("alice").withVcpus(2).withAbiPermit(1)));
        assertEquals(0, a.setUp(Guest.Abi.FIFO, 2));
        a.bindIpi(0);
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7 + 1);
        }
        a.mem.write(77L * 4096, data, 0, data.length);
        image = dir.resolve("alice.save");
        hv.save(a.domid, image, Map.of("guest.mode", "auto"));
    }

    private int domains() {
        return hv.list().size();
    }

    @Test
    void theRoundTripKeepsConfigurationBitmapAndMemoryAndStartsOnTheBaseAbis() {
        assertTrue(hv.info(a.domid).isEmpty(), "xl save destroys the domain");
        Restored r = hv.restore(image);
        DomainInfo info = hv.info(r.domid()).orElseThrow();
        assertEquals("alice", info.name());
        assertEquals(2, info.config().vcpus());
        assertEquals(1, info.permit(), "the bitmap is part of the configuration");
        assertEquals("2l", info.evtchnAbi(), "event channels are not saved: the guest rebinds");
        assertEquals(1, info.grantVersion());
        assertEquals(0, info.portsInUse());
        assertEquals(Map.of("guest.mode", "auto"), r.notes());
        assertEquals("fifo", r.used().get("evtchn"));
        byte[] back = new byte[4096];
        hv.memory(r.domid()).read(77L * 4096, back, 0, back.length);
        assertArrayEquals(data, back);
        Guest again = new Guest(hv, r.domid());
        assertEquals(0, again.setUp(Guest.Abi.FIFO, 2), "the guest's resume path sets FIFO up again");
    }

    @Test
    void truncatedImagesAreRefusedAtEveryLength() throws Exception {
        byte[] all = Files.readAllBytes(image);
        int before = domains();
        Path cut = dir.resolve("cut.save");
        for (int len : new int[] {0, 5, 12, 20, 100, 4200, all.length / 2, all.length - 9, all.length - 1}) {
            Files.write(cut, java.util.Arrays.copyOf(all, len));
            String msg = assertThrows(DomainException.class, () -> hv.restore(cut)).getMessage();
            assertTrue(msg.contains("truncated") || msg.contains("not a xenabi save image") || msg.contains("checksum"),
                    len + ": " + msg);
            assertEquals(before, domains(), "nothing created");
        }
    }

    @Test
    void aFlippedByteIsACorruptedImage() throws Exception {
        byte[] all = Files.readAllBytes(image);
        all[all.length - 100] ^= 0x40;
        Path bad = dir.resolve("bad.save");
        Files.write(bad, all);
        assertTrue(assertThrows(DomainException.class, () -> hv.restore(bad)).getMessage().contains("checksum"));
        assertTrue(hv.list().stream().noneMatch(d -> d.name().equals("alice")));
    }

    @Test
    void anUnknownVersionIsRefused() throws Exception {
        byte[] all = Files.readAllBytes(image);
        all[11] = 9;
        Path v9 = dir.resolve("v9.save");
        Files.write(v9, all);
        assertEquals("v9.save: image version 9 is not supported (this host reads 1 to 2)",
                assertThrows(DomainException.class, () -> hv.restore(v9)).getMessage());
    }

    @Test
    void aHostWithoutTheVariantTheGuestUsedRefusesTheImage() {
        HypervisorImpl old = TestHosts.of("evtchn-2l", "gnttab-v1");
        assertEquals("the image's guest used evtchn-fifo, which this host does not have",
                assertThrows(DomainException.class, () -> old.restore(image)).getMessage());
        assertEquals(1, old.list().size(), "only Domain-0");
        HypervisorImpl strict = TestHypervisors.all();
        strict.applyHostSettings(new HostSettings(List.of("*"), List.of("gnttab-v2"), 1023, 64, 1024));
        assertEquals("the image's guest used evtchn-fifo, which this host does not permit",
                assertThrows(DomainException.class, () -> strict.restore(image)).getMessage());
    }

    @Test
    void notAnImageAndANameInUse() throws Exception {
        Path text = dir.resolve("x.cfg");
        Files.writeString(text, "name = 'x'\n");
        assertEquals("x.cfg is not a xenabi save image",
                assertThrows(DomainException.class, () -> hv.restore(text)).getMessage());
        Restored r = hv.restore(image);
        assertNotEquals(-1, r.domid());
        assertTrue(assertThrows(DomainException.class, () -> hv.restore(image)).getMessage()
                .contains("already exists"));
        assertFalse(hv.list().stream().filter(d -> d.name().equals("alice")).count() > 1);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"TWO_LEVEL, 1", "TWO_LEVEL, 2", "FIFO, 1", "FIFO, 2"})
    void everyAbiCombinationRoundTrips(Guest.Abi abi, int gnttab) {
        Guest b = new Guest(hv, hv.create(DomainConfig.named("b" + abi + gnttab).withAbiPermit(3)));
        assertEquals(0, b.setUp(abi, 1));
        assertEquals(0, new GrantGuest(hv, b.domid).setVersion(gnttab));
        b.bindIpi(0);
        b.mem.write(90L * 4096, data, 0, data.length);
        Path img = dir.resolve("b.save");
        hv.save(b.domid, img, Map.of());
        Restored r = hv.restore(img);
        assertEquals(abi == Guest.Abi.FIFO ? "fifo" : "2l", r.used().get("evtchn"));
        assertEquals("v" + gnttab, r.used().get("gnttab"));
        assertEquals(3, hv.info(r.domid()).orElseThrow().permit());
        byte[] back = new byte[4096];
        hv.memory(r.domid()).read(90L * 4096, back, 0, back.length);
        assertArrayEquals(data, back);
        Guest again = new Guest(hv, r.domid());
        assertEquals(0, again.setUp(abi, 1), "the guest sets its ABI up again");
        assertEquals(0, new GrantGuest(hv, r.domid()).setVersion(gnttab));
    }

    /** A host with the base variants and gnttab-v2, without FIFO: the "old host" of P2. */
    private static HypervisorImpl withoutFifo() {
        return TestHosts.of("evtchn-2l", "gnttab-v1", "gnttab-v2");
    }

    /** FIDELITY-GAPS P2: booted where FIFO was absent, the guest is never permitted FIFO, on any host. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2})
    void aGuestFromAHostWithoutFifoIsNeverPermittedFifoWhereverItIsRestored(int gnttab) {
        HypervisorImpl old = withoutFifo();
        Guest vm = new Guest(old, old.create(DomainConfig.named("vm")));
        assertEquals(0, vm.setUp(Guest.Abi.TWO_LEVEL, 1));
        assertEquals(0, new GrantGuest(old, vm.domid).setVersion(gnttab));
        Path img = dir.resolve("vm.save");
        old.save(vm.domid, img, Map.of());
        for (int hop = 0; hop < 2; hop++) {
            HypervisorImpl next = TestHypervisors.all();
            Restored r = next.restore(img);
            DomainInfo info = next.info(r.domid()).orElseThrow();
            assertEquals(List.of("gnttab-v2"), info.permitNames(), "hop " + hop);
            assertEquals(2, info.permit());
            assertFalse(info.permitsEveryVariant(), "FIFO is present here and not permitted");
            Guest back = new Guest(next, r.domid());
            back.mapSharedInfo();
            assertEquals(-io.xenabi.abi.XenErrno.EOPNOTSUPP, back.initControl(0), "hop " + hop + ": no FIFO");
            assertEquals("2l", next.info(r.domid()).orElseThrow().evtchnAbi());
            assertEquals(0, new GrantGuest(next, r.domid()).setVersion(gnttab));
            next.save(r.domid(), img, Map.of()); // and on again, from a host that has FIFO
        }
    }

    @Test
    void aPermittedButUnusedVariantTheHostLacksStaysInTheSetAndIsUsableWhenItArrives() {
        HypervisorImpl a1 = TestHypervisors.all();
        a1.addGrantVersion(PermitSetTest.v3(), TestHypervisors.props("gnttab", "v3", 2));
        Guest vm = new Guest(a1, a1.create(DomainConfig.named("vm")));
        assertEquals(0, vm.setUp(Guest.Abi.TWO_LEVEL, 1));
        Path img = dir.resolve("vm.save");
        a1.save(vm.domid, img, Map.of());
        HypervisorImpl b1 = TestHypervisors.all();
        Restored r = b1.restore(img);
        DomainInfo info = b1.info(r.domid()).orElseThrow();
        assertEquals(List.of("evtchn-fifo", "gnttab-v2", "gnttab-v3"), info.permitNames(), "its original view");
        assertFalse(info.permitsEveryVariant(), "gnttab-v3 is not here");
        assertEquals(-io.xenabi.abi.XenErrno.EINVAL, new GrantGuest(b1, r.domid()).setVersion(3), "unknown here");
        b1.addGrantVersion(PermitSetTest.v3(), TestHypervisors.props("gnttab", "v3", 2));
        assertEquals(0, new GrantGuest(b1, r.domid()).setVersion(3), "usable once it arrives");
        int fresh = b1.create(DomainConfig.named("fresh"));
        assertEquals(0, new GrantGuest(b1, fresh).setVersion(3));
    }

    @Test
    void theHostMaximumNarrowsARestoredSetAndAUsedVariantWithAnotherBitIsNamed() {
        HypervisorImpl strict = TestHypervisors.all();
        strict.applyHostSettings(new HostSettings(List.of("*"), List.of("gnttab-v2"), 1023, 64, 1024));
        Guest b = new Guest(hv, hv.create(DomainConfig.named("b")));
        assertEquals(0, b.setUp(Guest.Abi.TWO_LEVEL, 1));
        Path img = dir.resolve("b.save");
        hv.save(b.domid, img, Map.of());
        Restored r = strict.restore(img);
        assertEquals(List.of("gnttab-v2"), strict.info(r.domid()).orElseThrow().permitNames());
        HypervisorImpl a1 = TestHypervisors.all();
        a1.addGrantVersion(PermitSetTest.v3(), TestHypervisors.props("gnttab", "v3", 2));
        GrantGuest c = new GrantGuest(a1, a1.create(DomainConfig.named("c")));
        assertEquals(0, c.setVersion(3));
        Path v3img = dir.resolve("c.save");
        a1.save(c.domid, v3img, Map.of());
        HypervisorImpl other = TestHypervisors.all();
        other.addGrantVersion(PermitSetTest.v3(), TestHypervisors.props("gnttab", "v3", 5));
        assertEquals("the image's guest used gnttab-v3 with bit 2, which is bit 5 on this host",
                assertThrows(DomainException.class, () -> other.restore(v3img)).getMessage());
    }
}
