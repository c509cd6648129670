package io.xenabi.gnttab.v2.impl;

import static io.xenabi.gnttab.GnttabStatus.GNTST_general_error;
import static io.xenabi.gnttab.GnttabStatus.GNTST_okay;
import static io.xenabi.gnttab.GrantFlags.GTF_permit_access;
import static io.xenabi.gnttab.GrantFlags.GTF_reading;
import static io.xenabi.gnttab.GrantFlags.GTF_sub_page;
import static io.xenabi.gnttab.GrantFlags.GTF_transitive;
import static io.xenabi.gnttab.GrantFlags.GTF_writing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.abi.GuestPage;
import io.xenabi.gnttab.GrantEntry;
import io.xenabi.gnttab.testkit.FakeGrantTable;
import org.junit.jupiter.api.Test;

class GrantTableV2Test {
    private final FakeGrantTable table = new FakeGrantTable(2, 1);
    private final GuestPage[] frames = table.frames;
    private final GuestPage status = table.status[0];
    private final GrantTableV2 v2 = new GrantTableV2();

    @Test
    void entriesAreSixteenBytesAndStatusFramesHold2048Words() {
        assertEquals(256, v2.entriesPerFrame());
        assertEquals(1, v2.statusFramesFor(1));
        assertEquals(1, v2.statusFramesFor(8));
        assertEquals(2, v2.statusFramesFor(9));
        assertEquals(8, v2.statusFramesFor(64));
    }

    @Test
    void theThreeEntryKindsRoundTripInXensLayout() {
        GrantEntry full = GrantEntry.permitAccess(7, 1L << 40, false);
        GrantEntry sub = new GrantEntry(GTF_permit_access | GTF_sub_page, 8, 77, 512, 1024, 0, 0);
        GrantEntry trans = new GrantEntry(GTF_transitive, 9, 0, 0, 0, 3, 42);
        assertTrue(v2.write(table, 257, full));
        assertTrue(v2.write(table, 2, sub));
        assertTrue(v2.write(table, 3, trans));
        assertEquals(full, v2.read(table, 257));
        assertEquals(sub, v2.read(table, 2));
        assertEquals(trans, v2.read(table, 3));
        GuestPage p = frames[1];
        assertEquals(7, p.get16(16 + 2), "domid at 2 of entry 1 of frame 1");
        assertEquals(1L << 40, p.get64(16 + 8), "full_page.frame at 8");
        assertEquals(512, frames[0].get16(32 + 4), "sub_page.page_off at 4");
        assertEquals(42, frames[0].get32(48 + 8), "transitive.gref at 8");
    }

    @Test
    void theAccessBitsLiveInTheStatusFrameNotTheEntry() {
        v2.write(table, 300, GrantEntry.permitAccess(3, 5, false));
        assertEquals(GNTST_okay, v2.acquire(table, 300, 3, false, false, true));
        assertEquals(GTF_reading | GTF_writing, status.get16(600));
        assertEquals(GTF_permit_access, frames[1].get16(44 * 16) & 0xFFFF, "entry flags untouched");
        v2.release(table, 300, true, true);
        assertEquals(0, v2.statusBits(table, 300));
    }

    @Test
    void subPageAndTransitiveGrantsCanBeCopiedButNotMapped() {
        v2.write(table, 4, new GrantEntry(GTF_permit_access | GTF_sub_page, 3, 77, 0, 64, 0, 0));
        v2.write(table, 5, new GrantEntry(GTF_transitive, 3, 0, 0, 0, 6, 1));
        assertEquals(GNTST_general_error, v2.acquire(table, 4, 3, true, false, true));
        assertEquals(GNTST_okay, v2.acquire(table, 4, 3, true, false, false));
        assertEquals(GNTST_general_error, v2.acquire(table, 5, 3, true, false, true));
        assertEquals(GNTST_okay, v2.acquire(table, 5, 3, true, false, false));
    }

    @Test
    void aReadonlyGrantRefusesWritersAndLeavesNoStatusBehind() {
        v2.write(table, 6, GrantEntry.permitAccess(3, 5, true));
        assertEquals(GNTST_general_error, v2.acquire(table, 6, 3, false, false, true));
        assertEquals(GNTST_general_error, v2.acquire(table, 6, 4, true, false, true), "wrong domain");
        assertEquals(0, v2.statusBits(table, 6));
    }

    @Test
    void swapExchangesEntriesAndStatusWords() {
        v2.write(table, 1, GrantEntry.permitAccess(3, 111, false));
        v2.write(table, 2, GrantEntry.permitAccess(4, 222, true));
        v2.acquire(table, 1, 3, true, false, true);
        v2.swap(table, 1, 2);
        assertEquals(GrantEntry.permitAccess(4, 222, true), v2.read(table, 1));
        assertEquals(GrantEntry.permitAccess(3, 111, false), v2.read(table, 2));
        assertEquals(GTF_reading, v2.statusBits(table, 2));
        assertEquals(0, v2.statusBits(table, 1));
    }
}
