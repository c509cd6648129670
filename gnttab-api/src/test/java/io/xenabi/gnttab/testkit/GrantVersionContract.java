package io.xenabi.gnttab.testkit;

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
import io.xenabi.gnttab.GrantVersion;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What every grant-table version promises domain-core, as tests a version module's test class
 * extends (gnttab-api's test kit): its layout fills frames exactly, it writes exactly what it
 * says it can represent (the version switch relies on that), and it acquires, releases and
 * swaps entries as Xen's {@code _set_status} and {@code gnttab_clear_flags} do.
 */
public abstract class GrantVersionContract {
    /** The version under test. */
    protected abstract GrantVersion version();

    /** Entries of every kind the switch may carry over, some beyond any 32-bit layout. */
    protected static final List<GrantEntry> SAMPLES = List.of(
            GrantEntry.permitAccess(7, 0x1234, true),
            GrantEntry.permitAccess(7, 0xFFFF_FFFFL, false),
            GrantEntry.permitAccess(7, 1L << 32, false),
            new GrantEntry(GTF_permit_access | GTF_sub_page, 7, 77, 512, 1024, 0, 0),
            new GrantEntry(GTF_transitive, 7, 0, 0, 0, 6, 1),
            new GrantEntry(0, 0, 0, 0, 0, 0, 0));

    private FakeGrantTable table() {
        return new FakeGrantTable(2, version().statusFramesFor(2));
    }

    @Test
    void entriesFillAFrameExactly() {
        GrantVersion v = version();
        assertTrue(v.entrySize() > 0 && v.entriesPerFrame() > 0);
        assertEquals(GuestPage.PAGE_SIZE, v.entrySize() * v.entriesPerFrame());
        assertTrue(v.version() > 0, "the number a guest passes to set_version");
    }

    @Test
    void writeRefusesExactlyWhatItCannotRepresentAndThenWritesNothing() {
        for (GrantEntry e : SAMPLES) {
            FakeGrantTable t = table();
            boolean written = version().write(t, 3, e);
            assertEquals(version().represents(e), written, "write agrees with represents for " + e);
            if (!written) {
                for (GuestPage p : t.frames) {
                    for (int off = 0; off < GuestPage.PAGE_SIZE; off += 8) {
                        assertEquals(0, p.get64(off), "nothing written for " + e);
                    }
                }
            }
        }
    }

    @Test
    void aFullPageGrantReadsBackAsWritten() {
        FakeGrantTable t = table();
        GrantEntry e = GrantEntry.permitAccess(7, 0x1234, true);
        assertTrue(version().represents(e), "every version holds a full-page grant of a small frame");
        int last = 2 * version().entriesPerFrame() - 1;
        assertTrue(version().write(t, last, e));
        assertEquals(e, version().read(t, last));
    }

    @Test
    void acquireChecksTheGranteeThenSetsReadingAndWritingAndReleaseClearsThem() {
        FakeGrantTable t = table();
        version().write(t, 4, GrantEntry.permitAccess(3, 99, false));
        assertEquals(GNTST_general_error, version().acquire(t, 4, 4, false, false, true), "not domain 4's grant");
        assertEquals(0, version().statusBits(t, 4));
        assertEquals(GNTST_okay, version().acquire(t, 4, 3, false, false, true));
        assertEquals(GTF_reading | GTF_writing, version().statusBits(t, 4));
        version().release(t, 4, true, true);
        assertEquals(0, version().statusBits(t, 4));
    }

    @Test
    void aWritableAccessToAReadonlyGrantFails() {
        FakeGrantTable t = table();
        version().write(t, 4, GrantEntry.permitAccess(3, 99, true));
        assertEquals(GNTST_general_error, version().acquire(t, 4, 3, false, false, false));
        assertEquals(0, version().statusBits(t, 4));
        assertEquals(GNTST_okay, version().acquire(t, 4, 3, true, false, false));
        assertEquals(GTF_reading, version().statusBits(t, 4));
    }

    @Test
    void swapExchangesTwoEntries() {
        FakeGrantTable t = table();
        GrantEntry a = GrantEntry.permitAccess(3, 10, true);
        GrantEntry b = GrantEntry.permitAccess(4, 20, false);
        int far = version().entriesPerFrame() + 1;
        version().write(t, 1, a);
        version().write(t, far, b);
        version().swap(t, 1, far);
        assertEquals(b, version().read(t, 1));
        assertEquals(a, version().read(t, far));
    }
}
