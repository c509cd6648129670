package io.xenabi.gnttab.v1.impl;

import static io.xenabi.gnttab.GnttabStatus.GNTST_general_error;
import static io.xenabi.gnttab.GnttabStatus.GNTST_okay;
import static io.xenabi.gnttab.GrantFlags.GTF_reading;
import static io.xenabi.gnttab.GrantFlags.GTF_sub_page;
import static io.xenabi.gnttab.GrantFlags.GTF_transitive;
import static io.xenabi.gnttab.GrantFlags.GTF_writing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.abi.GuestPage;
import io.xenabi.gnttab.GrantEntry;
import io.xenabi.gnttab.testkit.FakeGrantTable;
import org.junit.jupiter.api.Test;

class GrantTableV1Test {
    /** Two shared frames, as domain-core would hand them over. */
    private final FakeGrantTable table = new FakeGrantTable(2, 0);
    private final GuestPage[] frames = table.frames;
    private final GrantTableV1 v1 = new GrantTableV1();

    @Test
    void entriesAreEightBytesInXensLayout() {
        assertEquals(512, v1.entriesPerFrame());
        assertEquals(0, v1.statusFramesFor(64));
        assertTrue(v1.write(table, 513, GrantEntry.permitAccess(7, 0x1234_5678L, true)));
        GuestPage p = frames[1];
        assertEquals(1 | 4, p.get16(8) & 0xFFFF, "flags at offset 0 of entry 1 of frame 1");
        assertEquals(7, p.get16(10));
        assertEquals(0x1234_5678, p.get32(12));
        assertEquals(GrantEntry.permitAccess(7, 0x1234_5678L, true), v1.read(table, 513));
    }

    @Test
    void v1CannotHoldTransitiveOrWideFrames() {
        assertFalse(v1.write(table, 3, new GrantEntry(GTF_transitive, 1, 0, 0, 0, 2, 9)));
        assertFalse(v1.write(table, 3, GrantEntry.permitAccess(1, 1L << 32, false)));
        assertFalse(v1.represents(GrantEntry.permitAccess(1, 1L << 32, false)));
        assertEquals(0, frames[0].get64(24), "nothing written");
    }

    @Test
    void aSubPageGrantKeepsItsFlagsAndFrameAndLosesItsWindowAsXenKeepsIt() {
        assertTrue(v1.represents(new GrantEntry(1 | GTF_sub_page, 1, 5, 0, 16, 0, 0)));
        assertTrue(v1.write(table, 3, new GrantEntry(1 | GTF_sub_page, 1, 5, 8, 16, 0, 0)));
        assertEquals(new GrantEntry(1 | GTF_sub_page, 1, 5, 0, 4096, 0, 0), v1.read(table, 3),
                "v1 has no window: the whole page, as Xen's copy takes it");
    }

    @Test
    void acquireChecksTypeDomidAndReadonlyThenSetsTheAccessBits() {
        v1.write(table, 10, GrantEntry.permitAccess(3, 99, true));
        assertEquals(GNTST_general_error, v1.acquire(table, 10, 4, true, false, true), "granted to domain 3");
        assertEquals(GNTST_general_error, v1.acquire(table, 10, 3, false, false, true), "read-only grant");
        assertEquals(0, v1.statusBits(table, 10));
        assertEquals(GNTST_okay, v1.acquire(table, 10, 3, true, false, true));
        assertEquals(GTF_reading, v1.statusBits(table, 10));
        v1.write(table, 11, GrantEntry.permitAccess(3, 100, false));
        assertEquals(GNTST_okay, v1.acquire(table, 11, 3, false, false, true));
        assertEquals(GTF_reading | GTF_writing, v1.statusBits(table, 11));
        v1.release(table, 11, false, true);
        assertEquals(GTF_reading, v1.statusBits(table, 11));
        v1.release(table, 11, true, false);
        assertEquals(0, v1.statusBits(table, 11));
        assertEquals(GrantEntry.permitAccess(3, 100, false), v1.read(table, 11), "the entry itself is unchanged");
    }

    @Test
    void anInvalidEntryOnlyPassesWhenAlreadyPinned() {
        assertEquals(GNTST_general_error, v1.acquire(table, 20, 3, true, false, false));
        assertEquals(GNTST_okay, v1.acquire(table, 20, 3, true, true, false),
                "a pinned entry is not checked again, as in Xen");
    }

    @Test
    void swapExchangesWholeEntries() {
        v1.write(table, 1, GrantEntry.permitAccess(3, 111, false));
        v1.write(table, 600, GrantEntry.permitAccess(4, 222, true));
        v1.swap(table, 1, 600);
        assertEquals(GrantEntry.permitAccess(4, 222, true), v1.read(table, 1));
        assertEquals(GrantEntry.permitAccess(3, 111, false), v1.read(table, 600));
    }
}
