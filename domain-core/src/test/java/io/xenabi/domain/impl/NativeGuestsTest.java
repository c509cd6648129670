package io.xenabi.domain.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainException;
import io.xenabi.domain.DomainType;
import io.xenabi.domain.NativeDomain;
import io.xenabi.domain.NativeGuests;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Native guest domains: their files, physmap changes passed on as files, upcall notices. */
class NativeGuestsTest {
    @TempDir
    Path home;

    private DomainConfig nativeConfig(String name) {
        return DomainConfig.named(name).withType(DomainType.PVH, true).withMemoryMiB(4).withVcpus(2)
                .withNativeGuest(true);
    }

    @Test
    void aNativeDomainLivesInOwnerOnlyFilesThatGoWithIt() throws Exception {
        HypervisorImpl hv = TestHypervisors.all();
        hv.natives().setRunFolder(null);
        assertThrows(DomainException.class, () -> hv.create(nativeConfig("none")), "no run folder");
        Path run = home.resolve("run");
        hv.natives().setRunFolder(run);
        List<String> events = new ArrayList<>();
        hv.natives().addListener(new NativeGuests.Listener() {
            @Override
            public void created(NativeDomain d) {
                events.add("created " + d.domid());
            }

            @Override
            public void destroyed(int domid) {
                events.add("destroyed " + domid);
            }
        });
        int domid = hv.create(nativeConfig("n"));
        int plain = hv.create(DomainConfig.named("j"));
        NativeDomain d = hv.natives().nativeDomain(domid).orElseThrow();
        assertTrue(hv.natives().nativeDomain(plain).isEmpty(), "a Java guest is no native one");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(run)));
        assertEquals(run.resolve("dom" + domid + ".ram"), d.ramFile());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d.ramFile())));
        assertEquals(4L << 20, d.ramBytes());
        assertEquals(4L << 20, Files.size(d.ramFile()));
        Path shinfo = run.resolve("dom" + domid + ".shinfo");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(shinfo)));

        List<String> maps = new ArrayList<>();
        d.onPhysmap((gfn, file, off, ro) -> maps.add(gfn + " " + file + " " + off + " " + ro));
        AtomicInteger upcalls = new AtomicInteger();
        d.onUpcall(1, upcalls::incrementAndGet);
        Guest g = new Guest(hv, domid);
        assertEquals(0, g.mapSharedInfo());
        assertEquals(List.of(Guest.SHARED_INFO_GFN + " " + shinfo + " 0 false"), maps);

        // The process's view: the shared_info file and the RAM file, each mapped on its own.
        MappedByteBuffer si;
        MappedByteBuffer ram;
        try (FileChannel a = FileChannel.open(shinfo, StandardOpenOption.READ, StandardOpenOption.WRITE);
                FileChannel b = FileChannel.open(d.ramFile(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            si = a.map(FileChannel.MapMode.READ_WRITE, 0, 4096);
            ram = b.map(FileChannel.MapMode.READ_WRITE, 0, 4L << 20);
        }
        si.order(ByteOrder.LITTLE_ENDIAN);
        ram.order(ByteOrder.LITTLE_ENDIAN);
        long port = g.bindIpi(1);
        assertEquals(0, g.send(port));
        assertEquals(1, upcalls.get(), "0 to 1: one notice");
        assertEquals(0, g.send(port));
        assertEquals(1, upcalls.get(), "already pending: none");
        assertEquals(1, si.get(64), "the process sees vCPU 1's evtchn_upcall_pending");
        assertTrue((si.getLong(2048) & (1L << port)) != 0, "and the pending bit");
        assertEquals(g.mem.read64(Guest.arg(0)), ram.getLong((int) Guest.arg(0)), "the RAM file is the RAM");

        hv.destroy(domid);
        assertFalse(Files.exists(d.ramFile()));
        assertFalse(Files.exists(shinfo));
        assertEquals(List.of("created " + domid, "destroyed " + domid), events);
    }

    /** No process is told another domain's RAM file: such a page, or a heap page, is a hole for it. */
    @Test
    void aPageThatIsNotTheDomainsOwnFileIsAHoleForTheProcess() {
        HypervisorImpl hv = TestHypervisors.all();
        hv.natives().setRunFolder(home.resolve("run"));
        int a = hv.create(nativeConfig("a"));
        int b = hv.create(nativeConfig("b"));
        List<String> maps = new ArrayList<>();
        NativeDomain nb = hv.natives().nativeDomain(b).orElseThrow();
        nb.onPhysmap((gfn, file, off, ro) -> maps.add(gfn + " " + file + " " + off + " " + ro));
        var db = hv.parts().table().domain(b);
        var da = hv.parts().table().domain(a);
        db.physmap.mapForeign(5, da.memory.page(9), true); // a grant mapping of a's frame 9
        db.physmap.map(6, new io.xenabi.abi.GuestPage());
        db.physmap.map(5, db.physmap.ramPage(5));
        assertEquals(List.of("5 null 0 true", "6 null 0 false", "5 " + nb.ramFile() + " " + 5 * 4096 + " false"), maps);
        assertTrue(maps.stream().noneMatch(m -> m.contains("dom" + a + ".")), "a's files are never named to b");
    }
    /**
     * A native domain's grant frame is a page file of its own (Xen's xenheap page for the
     * table), so add_to_physmap(XENMAPSPACE_grant_table) names that file to the process; the
     * file goes with the domain.
     */
    @Test
    void aNativeDomainsGrantFrameIsAPageFileTheProcessIsToldOf() {
        HypervisorImpl hv = TestHypervisors.all();
        Path run = home.resolve("run");
        hv.natives().setRunFolder(run);
        int a = hv.create(nativeConfig("a"));
        List<String> maps = new ArrayList<>();
        hv.natives().nativeDomain(a).orElseThrow().onPhysmap((gfn, file, off, ro) -> maps.add(gfn + " " + file + " " + off));
        assertEquals(0, new GrantGuest(hv, a).addToPhysmap(0, 300));
        Path frame = run.resolve("dom" + a + ".hyp0");
        assertEquals(List.of("300 " + frame + " 0"), maps);
        assertTrue(Files.exists(frame));
        hv.destroy(a);
        assertFalse(Files.exists(frame));
    }
}
