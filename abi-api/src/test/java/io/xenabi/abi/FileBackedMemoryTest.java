package io.xenabi.abi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Guest memory and pages in a shared memory file, as a native guest process maps them. */
class FileBackedMemoryTest {
    @TempDir
    Path dir;

    /** A second, independent mapping of the file: what the native process sees. */
    private static MappedByteBuffer peer(Path file, long size) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
            b.order(ByteOrder.LITTLE_ENDIAN);
            return b;
        }
    }

    @Test
    void theRamFileIsTheMemoryByteForByteAndOwnerOnly() throws Exception {
        Path file = dir.resolve("dom1.ram");
        GuestPhysmap pm = GuestPhysmap.inFile(file, 64);
        GuestMemory m = pm.memory();
        assertEquals(file, m.file());
        assertEquals(64 * 4096L, Files.size(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        MappedByteBuffer other = peer(file, 64 * 4096L);
        m.write64(5 * 4096 + 8, 0x1122_3344_5566_7788L);
        assertEquals(0x1122_3344_5566_7788L, other.getLong(5 * 4096 + 8), "the peer sees Java's write");
        other.putInt(63 * 4096 + 4092, 0xcafe_f00d);
        assertEquals(0xcafe_f00d, m.read32(63 * 4096 + 4092), "Java sees the peer's write");
        assertEquals(new GuestPage.FileSpan(file, 5 * 4096L), m.page(5).file());
        assertThrows(GuestFault.class, () -> m.read8(64 * 4096));
        assertThrows(java.io.UncheckedIOException.class, () -> GuestPhysmap.inFile(file, 1), "an existing file");
    }

    /** Each accessor on a file page and on a heap page must give the same bytes. */
    @Test
    void filePagesBehaveAsHeapPages() throws Exception {
        GuestPage file = GuestPage.ofFile(dir.resolve("p"));
        GuestPage heap = new GuestPage();
        assertNull(heap.file());
        for (GuestPage p : List.of(file, heap)) {
            p.set8(1, (byte) 0x5a);
            assertEquals((byte) 0x5a, p.getAndSet8(1, (byte) 0x33));
            p.set8(2, (byte) 0x7f);
            p.set16(6, (short) 0xbeef);
            assertTrue(p.compareAndSet16(6, (short) 0xbeef, (short) 0x1234));
            assertFalse(p.compareAndSet16(6, (short) 0xbeef, (short) 0));
            p.set32(8, 7);
            assertTrue(p.compareAndSet32(8, 7, 9));
            assertEquals(9, p.getAndOr32(8, 0x100));
            assertEquals(0x109, p.getAndAnd32(8, 0xff));
            p.set64(16, -2);
            assertTrue(p.compareAndSet64(16, -2, 5));
            assertEquals(5, p.getAndOr64(16, 8));
            assertEquals(13, p.getAndAnd64(16, 4));
            assertEquals(4, p.getAndSet64(16, 99));
            assertFalse(p.testAndSetBit(2048, 130));
            assertTrue(p.testBit(2048, 130));
            assertTrue(p.testAndClearBit(2048, 130));
            p.write(4000, new byte[] {1, 2, 3}, 0, 3);
            p.fill(4090, 6, (byte) 0xee);
        }
        byte[] a = new byte[4096];
        byte[] b = new byte[4096];
        file.read(0, a, 0, 4096);
        heap.read(0, b, 0, 4096);
        assertArrayEquals(b, a);
        assertEquals((byte) 0x33, file.get8(1));
        assertEquals((byte) 0x7f, file.get8(2));
        assertEquals((short) 0x1234, file.get16(6));
        GuestPage copy = GuestPage.ofFile(dir.resolve("q"));
        copy.copyFrom(heap, 0, 0, 4096);
        GuestPage back = new GuestPage();
        back.copyFrom(copy, 0, 0, 4096);
        back.read(0, b, 0, 4096);
        assertArrayEquals(a, b, "heap to file to heap");
        MappedByteBuffer other = peer(dir.resolve("p"), 4096);
        assertEquals(99, other.getLong(16), "a page file is shared too");
    }

    /** Byte writes through the 32-bit word must not lose a neighbour's concurrent update. */
    @Test
    void byteWritesOfAFilePageKeepConcurrentNeighbours() throws Exception {
        GuestPage p = GuestPage.ofFile(dir.resolve("race"));
        int n = 200_000;
        Thread bytes = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                p.set8(0, (byte) i);
            }
        });
        bytes.start();
        for (int i = 0; i < n; i++) {
            p.getAndOr32(0, 1 << 8 + (i % 24));
        }
        bytes.join();
        assertEquals(0xffffff00, p.get32(0) & 0xffffff00, "no OR of the other bytes was lost");
    }

    @Test
    void theListenerSeesEveryPhysmapChangeAndRamPageIsTheFilesOwn() throws Exception {
        Path file = dir.resolve("dom2.ram");
        GuestPhysmap pm = GuestPhysmap.inFile(file, 16);
        List<String> seen = new ArrayList<>();
        pm.listen((gfn, page, ro) -> seen.add(gfn + ":" + (page.file() == null ? "heap" : page.file()) + ":" + ro));
        GuestPage shinfo = GuestPage.ofFile(dir.resolve("dom2.shinfo"));
        pm.map(3, shinfo);
        GuestPage granted = new GuestPage();
        pm.mapForeign(4, granted, true);
        assertTrue(pm.memory().isReadOnly(4));
        GuestPage own = pm.ramPage(4);
        pm.map(4, own);
        assertFalse(pm.memory().isForeign(4));
        assertEquals(List.of("3:" + new GuestPage.FileSpan(dir.resolve("dom2.shinfo"), 0) + ":false", "4:heap:true",
                "4:" + new GuestPage.FileSpan(file, 4 * 4096L) + ":false"), seen);
        assertSame(shinfo, pm.memory().page(3));
        Supplier<GuestPage> heapRam = () -> GuestPhysmap.create(4).ramPage(1);
        assertNull(heapRam.get().file(), "heap memory's fresh page is a heap page");
    }

    @Test
    void aBufferPageMustBeDirectAndAligned() {
        assertThrows(IllegalArgumentException.class, () -> GuestPage.ofBuffer(ByteBuffer.allocate(4096), null));
        ByteBuffer direct = ByteBuffer.allocateDirect(3 * 4096);
        int aligned = direct.alignmentOffset(0, 4096) == 0 ? 0 : 4096 - direct.alignmentOffset(0, 4096);
        assertThrows(IllegalArgumentException.class,
                () -> GuestPage.ofBuffer(direct.duplicate().position(aligned + 8), null));
        GuestPage p = GuestPage.ofBuffer(direct.duplicate().position(aligned), null);
        p.set64(0, 42);
        assertEquals(42, direct.order(ByteOrder.LITTLE_ENDIAN).getLong(aligned));
    }
}
