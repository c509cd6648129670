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

    /**
     * No process is told another domain's file for a page that no grant mapping of its own put
     * there: another domain's page placed by the physmap alone, or a heap page, is a hole for it.
     */
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

    private static final int MAP_RW = io.xenabi.gnttab.GrantFlags.GNTMAP_host_map;
    private static final int MAP_RO = MAP_RW | io.xenabi.gnttab.GrantFlags.GNTMAP_readonly;

    /**
     * The isolation rule with grants: a grant mapping into a native domain names to its process
     * the granter's file at the granted frame's offset, read-only for GNTMAP_readonly, and
     * nothing else of the granter's (not its other frames, not its grant frame); the unmap gives
     * the process its own RAM page back.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "read-only: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void aGrantMappingNamesTheGrantersFileAtTheGrantedFrameOnly(boolean readonly) {
        HypervisorImpl hv = TestHypervisors.all();
        hv.natives().setRunFolder(home.resolve("run"));
        int a = hv.create(nativeConfig("a"));
        int b = hv.create(nativeConfig("b"));
        NativeDomain na = hv.natives().nativeDomain(a).orElseThrow();
        NativeDomain nb = hv.natives().nativeDomain(b).orElseThrow();
        List<String> maps = new ArrayList<>();
        nb.onPhysmap((gfn, file, off, ro) -> maps.add(gfn + " " + file + " " + off + " " + ro));
        GrantGuest ga = new GrantGuest(hv, a);
        ga.mapFrames(1);
        ga.grant(8, b, 9, io.xenabi.gnttab.GrantFlags.GTF_permit_access
                | (readonly ? io.xenabi.gnttab.GrantFlags.GTF_readonly : 0));
        GrantGuest gb = new GrantGuest(hv, b);
        assertEquals(io.xenabi.gnttab.GnttabStatus.GNTST_okay, gb.map(a, 8, readonly ? MAP_RO : MAP_RW,
                GrantGuest.addr(5)));
        int handle = gb.handle();
        assertEquals(List.of("5 " + na.ramFile() + " " + 9 * 4096 + " " + readonly), maps);
        assertEquals(io.xenabi.gnttab.GnttabStatus.GNTST_okay, gb.unmap(GrantGuest.addr(5), 0, handle));
        assertEquals(List.of("5 " + na.ramFile() + " " + 9 * 4096 + " " + readonly,
                "5 " + nb.ramFile() + " " + 5 * 4096 + " false"), maps);
        assertEquals(0, ga.accessBits(8), "unmapped: the granter may end access");
    }

    /**
     * Two grant mappings at one gfn: unmapping the later one brings the earlier one back, still
     * named as the granted frame it is; unmapping that one too brings the mapper's own page.
     */
    @Test
    void aGrantMappingUnderAnotherComesBackNamedAsItsGrantedFrame() {
        HypervisorImpl hv = TestHypervisors.all();
        hv.natives().setRunFolder(home.resolve("run"));
        int a = hv.create(nativeConfig("a"));
        int b = hv.create(nativeConfig("b"));
        NativeDomain na = hv.natives().nativeDomain(a).orElseThrow();
        NativeDomain nb = hv.natives().nativeDomain(b).orElseThrow();
        List<String> maps = new ArrayList<>();
        nb.onPhysmap((gfn, file, off, ro) -> maps.add(gfn + " " + file + " " + off + " " + ro));
        GrantGuest ga = new GrantGuest(hv, a);
        ga.mapFrames(1);
        ga.grant(8, b, 9, io.xenabi.gnttab.GrantFlags.GTF_permit_access);
        ga.grant(9, b, 10, io.xenabi.gnttab.GrantFlags.GTF_permit_access);
        GrantGuest gb = new GrantGuest(hv, b);
        assertEquals(io.xenabi.gnttab.GnttabStatus.GNTST_okay, gb.map(a, 8, MAP_RW, GrantGuest.addr(5)));
        int first = gb.handle();
        assertEquals(io.xenabi.gnttab.GnttabStatus.GNTST_okay, gb.map(a, 9, MAP_RO, GrantGuest.addr(5)));
        int second = gb.handle();
        assertEquals(io.xenabi.gnttab.GnttabStatus.GNTST_okay, gb.unmap(GrantGuest.addr(5), 0, second));
        assertEquals(io.xenabi.gnttab.GnttabStatus.GNTST_okay, gb.unmap(GrantGuest.addr(5), 0, first));
        assertEquals(List.of("5 " + na.ramFile() + " " + 9 * 4096 + " false",
                "5 " + na.ramFile() + " " + 10 * 4096 + " true",
                "5 " + na.ramFile() + " " + 9 * 4096 + " false",
                "5 " + nb.ramFile() + " " + 5 * 4096 + " false"), maps);
    }

    /**
     * A Java domain created on a host with a run folder has its RAM in a file there too
     * ({@code dom<id>.ram}, 0600), so that a native domain's grant mapping of its page shares the
     * bytes: the process is told that file at the granted frame, and what either side writes the
     * other reads. The file goes with the domain.
     */
    @Test
    void aJavaDomainsGrantedPageIsNamedInItsRamFileAndShared() throws Exception {
        HypervisorImpl hv = TestHypervisors.all();
        Path run = home.resolve("run");
        hv.natives().setRunFolder(run);
        int j = hv.create(DomainConfig.named("j").withMemoryMiB(4));
        int b = hv.create(nativeConfig("b"));
        Path jram = run.resolve("dom" + j + ".ram");
        assertEquals(jram, hv.memory(j).file());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(jram)));
        NativeDomain nb = hv.natives().nativeDomain(b).orElseThrow();
        List<String> maps = new ArrayList<>();
        nb.onPhysmap((gfn, file, off, ro) -> maps.add(gfn + " " + file + " " + off + " " + ro));
        GrantGuest gj = new GrantGuest(hv, j);
        gj.mapFrames(1);
        gj.grant(8, b, 9, io.xenabi.gnttab.GrantFlags.GTF_permit_access);
        hv.memory(j).write64(GrantGuest.addr(9) + 16, 0x1122334455667788L);
        GrantGuest gb = new GrantGuest(hv, b);
        assertEquals(io.xenabi.gnttab.GnttabStatus.GNTST_okay, gb.map(j, 8, MAP_RW, GrantGuest.addr(5)));
        assertEquals(List.of("5 " + jram + " " + 9 * 4096 + " false"), maps);
        // The process's view of the named page: that page of the file, mapped on its own.
        MappedByteBuffer page;
        try (FileChannel f = FileChannel.open(jram, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            page = f.map(FileChannel.MapMode.READ_WRITE, 9 * 4096, 4096);
        }
        page.order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x1122334455667788L, page.getLong(16), "the process reads the Java side's bytes");
        page.putLong(24, 0x0badcafeL);
        assertEquals(0x0badcafeL, hv.memory(j).read64(GrantGuest.addr(9) + 24), "the Java side reads its write");
        assertEquals(0x0badcafeL, hv.memory(b).read64(GrantGuest.addr(5) + 24), "as does the mapper's own view");
        assertEquals(io.xenabi.gnttab.GnttabStatus.GNTST_okay, gb.unmap(GrantGuest.addr(5), 0, gb.handle()));
        hv.destroy(j);
        assertFalse(Files.exists(jram));
    }

    /**
     * Domain-0 of a host whose run folder was set after boot keeps its RAM on the heap: a grant
     * mapping of its page is a hole for the process (one log line), never a file of someone else.
     */
    @Test
    void aGrantedHeapPageIsAHoleForTheMappingProcess() {
        HypervisorImpl hv = TestHypervisors.all();
        hv.natives().setRunFolder(home.resolve("run"));
        int b = hv.create(nativeConfig("b"));
        NativeDomain nb = hv.natives().nativeDomain(b).orElseThrow();
        List<String> maps = new ArrayList<>();
        nb.onPhysmap((gfn, file, off, ro) -> maps.add(gfn + " " + file + " " + off + " " + ro));
        GrantGuest g0 = new GrantGuest(hv, 0);
        g0.mapFrames(1);
        g0.grant(8, b, 9, io.xenabi.gnttab.GrantFlags.GTF_permit_access);
        GrantGuest gb = new GrantGuest(hv, b);
        assertEquals(io.xenabi.gnttab.GnttabStatus.GNTST_okay, gb.map(0, 8, MAP_RW, GrantGuest.addr(5)));
        assertEquals(List.of("5 null 0 false"), maps);
    }

    /**
     * A mapper destroyed with a grant still mapped gives it back (Xen's gnttab_release_mappings):
     * the granter can end access; a granter destroyed while a native domain maps its page leaves
     * the mapping, which the mapper's unmap then undoes, its own page coming back.
     */
    @Test
    void aMappingLeftAtDestructionGoes() {
        HypervisorImpl hv = TestHypervisors.all();
        hv.natives().setRunFolder(home.resolve("run"));
        int a = hv.create(nativeConfig("a"));
        int b = hv.create(nativeConfig("b"));
        GrantGuest ga = new GrantGuest(hv, a);
        ga.mapFrames(1);
        ga.grant(8, b, 9, io.xenabi.gnttab.GrantFlags.GTF_permit_access);
        assertEquals(io.xenabi.gnttab.GnttabStatus.GNTST_okay, new GrantGuest(hv, b).map(a, 8, MAP_RW,
                GrantGuest.addr(5)));
        assertEquals(io.xenabi.gnttab.GrantFlags.GTF_reading | io.xenabi.gnttab.GrantFlags.GTF_writing,
                ga.accessBits(8));
        hv.destroy(b);
        assertEquals(0, ga.accessBits(8), "the dead mapper's pins are gone");

        int c = hv.create(nativeConfig("c"));
        ga.grant(9, c, 10, io.xenabi.gnttab.GrantFlags.GTF_permit_access);
        GrantGuest gc = new GrantGuest(hv, c);
        assertEquals(io.xenabi.gnttab.GnttabStatus.GNTST_okay, gc.map(a, 9, MAP_RW, GrantGuest.addr(5)));
        int handle = gc.handle();
        NativeDomain nc = hv.natives().nativeDomain(c).orElseThrow();
        List<String> maps = new ArrayList<>();
        nc.onPhysmap((gfn, file, off, ro) -> maps.add(gfn + " " + file + " " + off + " " + ro));
        hv.destroy(a);
        assertEquals(io.xenabi.gnttab.GnttabStatus.GNTST_okay, gc.unmap(GrantGuest.addr(5), 0, handle));
        assertEquals(List.of("5 " + nc.ramFile() + " " + 5 * 4096 + " false"), maps);
    }
}
