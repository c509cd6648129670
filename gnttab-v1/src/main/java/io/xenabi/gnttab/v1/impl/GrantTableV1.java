package io.xenabi.gnttab.v1.impl;

import static io.xenabi.gnttab.GrantEntryLayout.SIZEOF_GRANT_ENTRY_V1;
import static io.xenabi.gnttab.GrantEntryLayout.V1_DOMID;
import static io.xenabi.gnttab.GrantEntryLayout.V1_FLAGS;
import static io.xenabi.gnttab.GrantEntryLayout.V1_FRAME;
import static io.xenabi.gnttab.GrantFlags.GTF_permit_access;
import static io.xenabi.gnttab.GrantFlags.GTF_readonly;
import static io.xenabi.gnttab.GrantFlags.GTF_reading;
import static io.xenabi.gnttab.GrantFlags.GTF_sub_page;
import static io.xenabi.gnttab.GrantFlags.GTF_transitive;
import static io.xenabi.gnttab.GrantFlags.GTF_type_mask;
import static io.xenabi.gnttab.GrantFlags.GTF_writing;

import io.xenabi.abi.AbiCapability;
import io.xenabi.abi.AbiVariant;
import io.xenabi.abi.AbiVariantService;
import io.xenabi.abi.GuestPage;
import io.xenabi.gnttab.GnttabStatus;
import io.xenabi.gnttab.GrantEntry;
import io.xenabi.gnttab.GrantTable;
import io.xenabi.gnttab.GrantVersion;
import org.osgi.service.component.annotations.Component;

/**
 * Grant table v1, the base version: 8-byte entries {flags, domid, frame}, 512 to a frame, with
 * GTF_reading/GTF_writing kept in the entry's own flags (xen/common/grant_table.c,
 * {@code _set_status_v1}).
 */
@Component(service = GrantVersion.class)
@AbiVariantService(family = AbiVariant.FAMILY_GNTTAB, variant = "v1", capability = AbiCapability.BASE)
public final class GrantTableV1 implements GrantVersion {
    /** Xen bounds the compare-exchange retries on a word the guest may keep changing. */
    static final int MAX_RETRIES = 4;

    @Override
    public int version() {
        return 1;
    }

    @Override
    public int entrySize() {
        return SIZEOF_GRANT_ENTRY_V1;
    }

    @Override
    public int statusFramesFor(int sharedFrames) {
        return 0;
    }

    private GuestPage page(GrantTable t, int ref) {
        return t.sharedFrame(ref / entriesPerFrame());
    }

    private int offset(int ref) {
        return (ref % entriesPerFrame()) * SIZEOF_GRANT_ENTRY_V1;
    }

    @Override
    public GrantEntry read(GrantTable t, int ref) {
        GuestPage p = page(t, ref);
        int off = offset(ref);
        int combo = p.get32(off + V1_FLAGS);
        int flags = combo & 0xFFFF & ~(GTF_reading | GTF_writing);
        // v1 has no window: Xen's copy treats an entry flagged GTF_sub_page as the whole page
        // (acquire_grant_for_copy), and a map refuses it in _set_status_v1.
        int length = (flags & GTF_sub_page) != 0 ? GuestPage.PAGE_SIZE : 0;
        return new GrantEntry(flags, combo >>> 16, Integer.toUnsignedLong(p.get32(off + V1_FRAME)), 0, length, 0, 0);
    }

    /**
     * Xen's gnttab_set_version refuses a transitive grant and a frame beyond 32 bits; a
     * sub-page grant is kept as v1 holds it, its flags (GTF_sub_page included) and its frame,
     * the window dropped.
     */
    @Override
    public boolean represents(GrantEntry e) {
        return e.type() != GTF_transitive && e.frame() >= 0 && e.frame() <= 0xFFFF_FFFFL;
    }

    @Override
    public boolean write(GrantTable t, int ref, GrantEntry e) {
        if (!represents(e)) {
            return false;
        }
        GuestPage p = page(t, ref);
        int off = offset(ref);
        p.set32(off + V1_FRAME, (int) e.frame());
        int flags = e.flags() & 0xFFFF & ~(GTF_reading | GTF_writing);
        p.set32(off + V1_FLAGS, (e.domid() << 16) | flags); // flags last, with the domid
        return true;
    }

    @Override
    public int acquire(GrantTable t, int ref, int domid, boolean readonly, boolean pinned, boolean map) {
        GuestPage p = page(t, ref);
        int off = offset(ref) + V1_FLAGS;
        int mask = GTF_type_mask | (map ? GTF_sub_page : 0);
        int combo = p.get32(off);
        for (int retries = 0; ; retries++) {
            int flags = combo & 0xFFFF;
            if (!pinned && ((flags & mask) != GTF_permit_access || (combo >>> 16) != domid)) {
                return GnttabStatus.GNTST_general_error;
            }
            int set = GTF_reading;
            if (!readonly) {
                if ((flags & GTF_readonly) != 0) {
                    return GnttabStatus.GNTST_general_error; // write-pin of a read-only grant
                }
                set |= GTF_writing;
            }
            if (p.compareAndSet32(off, combo, combo | set)) {
                return GnttabStatus.GNTST_okay;
            }
            if (retries == MAX_RETRIES) {
                return GnttabStatus.GNTST_general_error; // "shared grant entry is unstable"
            }
            combo = p.get32(off);
        }
    }

    @Override
    public void release(GrantTable t, int ref, boolean reading, boolean writing) {
        int clear = (reading ? GTF_reading : 0) | (writing ? GTF_writing : 0);
        page(t, ref).getAndAnd32(offset(ref) + V1_FLAGS, ~clear);
    }

    @Override
    public int statusBits(GrantTable t, int ref) {
        return page(t, ref).get32(offset(ref) + V1_FLAGS) & (GTF_reading | GTF_writing);
    }

    @Override
    public void swap(GrantTable t, int refA, int refB) {
        GuestPage pa = page(t, refA);
        GuestPage pb = page(t, refB);
        long a = pa.get64(offset(refA));
        long b = pb.get64(offset(refB));
        pa.set64(offset(refA), b);
        pb.set64(offset(refB), a);
    }
}
