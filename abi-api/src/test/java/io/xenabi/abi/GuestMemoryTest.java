package io.xenabi.abi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GuestMemoryTest {
    private final GuestMemory memory = new GuestMemory(1024);

    @Test
    void aFreshPageReadsAsZeros() {
        assertEquals(0, memory.read64(5 * 4096 + 8));
    }

    @Test
    void theSamePageIsReturnedForTheSameGfn() {
        assertSame(memory.page(7), memory.page(7));
    }

    @Test
    void addressesBeyondRamFault() {
        GuestFault fault = assertThrows(GuestFault.class, () -> memory.read32(1024L * 4096));
        assertEquals(1024L * 4096, fault.address());
        assertThrows(GuestFault.class, () -> memory.read32(-4));
        assertThrows(GuestFault.class, () -> memory.page(1024));
    }

    @Test
    void misalignedScalarAccessFaults() {
        assertThrows(GuestFault.class, () -> memory.read32(2));
        assertThrows(GuestFault.class, () -> memory.write64(4, 1));
    }

    @Test
    void scalarsAreLittleEndian() {
        memory.write32(64, 0x11223344);
        assertEquals(0x44, memory.read8(64));
        assertEquals(0x3344, memory.read16(64));
        assertEquals(0x11223344, memory.read32(64));
    }

    @Test
    void byteCopiesCrossPageBoundaries() {
        byte[] data = new byte[100];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        memory.write(4096 - 50, data, 0, data.length);
        byte[] back = new byte[100];
        memory.read(4096 - 50, back, 0, back.length);
        assertArrayEquals(data, back);
        assertEquals(50, memory.read8(4096));
    }

    @Test
    void aCopyThatRunsPastRamFaultsBeforeWritingAnything() {
        byte[] data = new byte[8192];
        assertThrows(GuestFault.class, () -> memory.write(1023L * 4096 + 8, data, 0, data.length));
        assertEquals(0, memory.read64(1023L * 4096 + 8));
    }

    @Test
    void mapPutsAHypervisorPageIntoThePhysmap() {
        GuestPhysmap physmap = GuestPhysmap.create(1024);
        GuestMemory mem = physmap.memory();
        GuestPage shared = new GuestPage();
        shared.set32(0, 42);
        assertNull(physmap.map(9, shared));
        assertEquals(42, mem.read32(9 * 4096));
        assertEquals(9, mem.gfnOf(shared));
        physmap.map(9, new GuestPage());
        assertEquals(-1, mem.gfnOf(shared));
    }

    @Test
    void aReadOnlyForeignPageIgnoresWritesThroughTheMemoryUntilRemapped() {
        GuestPhysmap physmap = GuestPhysmap.create(16);
        GuestMemory mem = physmap.memory();
        GuestPage other = new GuestPage();
        other.set32(0, 7);
        physmap.mapForeign(3, other, true);
        assertTrue(mem.isForeign(3) && mem.isReadOnly(3));
        mem.write32(3 * 4096, 99);
        assertEquals(7, other.get32(0), "a read-only grant mapping discards the guest's writes");
        physmap.map(3, new GuestPage());
        assertFalse(mem.isForeign(3), "the next map at that gfn ends the foreign mapping");
    }

    @Test
    void theMemoryItselfOffersNoPhysmapMutator() {
        for (java.lang.reflect.Method m : GuestMemory.class.getMethods()) {
            assertFalse(m.getName().startsWith("map"), "public " + m + " would let a guest remap its RAM");
        }
    }

    @Test
    void bitmapTestAndSetReportsThePreviousBit() {
        GuestPage page = memory.page(0);
        assertFalse(page.testAndSetBit(2048, 70));
        assertTrue(page.testAndSetBit(2048, 70));
        assertEquals(1L << 6, page.get64(2048 + 8));
        assertTrue(page.testAndClearBit(2048, 70));
        assertFalse(page.testBit(2048, 70));
    }

    @Test
    void concurrentBitSettersLoseNoBit() throws Exception {
        GuestPage page = memory.page(1);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch start = new CountDownLatch(1);
        for (int t = 0; t < 4; t++) {
            int first = t;
            pool.submit(() -> {
                start.await();
                for (int bit = first; bit < 4096; bit += 4) {
                    page.testAndSetBit(0, bit);
                }
                return null;
            });
        }
        start.countDown();
        pool.shutdown();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        for (int word = 0; word < 64; word++) {
            assertEquals(-1L, page.get64(word * 8), "word " + word);
        }
    }

    @Test
    void aLargeDomainCostsOnlyItsDirectoryUntilTouched() {
        GuestMemory big = GuestMemory.ofMiB(64 * 1024);
        assertEquals(64L * 1024 * 256, big.nrPages());
        assertEquals(0, big.read32(big.nrPages() * 4096 - 4));
    }

    @Test
    void sixteenBitCompareAndSetChangesOnlyItsHalfOfTheWord() {
        GuestPage p = new GuestPage();
        p.set32(8, 0x1234_5678);
        assertTrue(p.compareAndSet16(10, (short) 0x1234, (short) 0x7777));
        assertEquals(0x7777_5678, p.get32(8));
        assertFalse(p.compareAndSet16(8, (short) 0x1111, (short) 0));
        assertTrue(p.compareAndSet16(8, (short) 0x5678, (short) 0xFFFF));
        assertEquals(0x7777_FFFF, p.get32(8));
        assertThrows(IllegalArgumentException.class, () -> p.compareAndSet16(3, (short) 0, (short) 1));
    }
}
