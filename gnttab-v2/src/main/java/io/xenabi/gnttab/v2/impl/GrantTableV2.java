package io.xenabi.gnttab.v2.impl;

import static io.xenabi.gnttab.GrantEntryLayout.SIZEOF_GRANT_ENTRY_V2;
import static io.xenabi.gnttab.GrantEntryLayout.SIZEOF_GRANT_STATUS;
import static io.xenabi.gnttab.GrantEntryLayout.V2_DOMID;
import static io.xenabi.gnttab.GrantEntryLayout.V2_FLAGS;
import static io.xenabi.gnttab.GrantEntryLayout.V2_FULL_PAGE_FRAME;
import static io.xenabi.gnttab.GrantEntryLayout.V2_SUB_PAGE_LENGTH;
import static io.xenabi.gnttab.GrantEntryLayout.V2_SUB_PAGE_PAGE_OFF;
import static io.xenabi.gnttab.GrantEntryLayout.V2_TRANSITIVE_GREF;
import static io.xenabi.gnttab.GrantEntryLayout.V2_TRANSITIVE_TRANS_DOMID;
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
 * Grant table v2: 16-byte entries (full_page, sub_page, transitive), 256 to a frame, and the
 * GTF_reading/GTF_writing bits in separate status frames of 2-byte words, 2048 to a frame
 * (xen/common/grant_table.c, {@code _set_status_v2}). Permitted by capability bit 1.
 */
@Component(service = GrantVersion.class)
@AbiVariantService(family = AbiVariant.FAMILY_GNTTAB, variant = "v2", capability = AbiCapability.XENABI_CAP_GNTTAB_V2)
public final class GrantTableV2 implements GrantVersion {
    /** Xen's internal GRANT_STATUS_PER_PAGE (xen/common/grant_table.c): 2048 status words to a frame. */
    static final int GRANT_STATUS_PER_PAGE = GuestPage.PAGE_SIZE / SIZEOF_GRANT_STATUS;

    @Override
    public int version() {
        return 2;
    }

    @Override
    public int entrySize() {
        return SIZEOF_GRANT_ENTRY_V2;
    }

    @Override
    public int statusFramesFor(int sharedFrames) {
        long entries = (long) sharedFrames * entriesPerFrame();
        return (int) ((entries + GRANT_STATUS_PER_PAGE - 1) / GRANT_STATUS_PER_PAGE);
    }

    private GuestPage page(GrantTable t, int ref) {
        return t.sharedFrame(ref / entriesPerFrame());
    }

    private int offset(int ref) {
        return (ref % entriesPerFrame()) * SIZEOF_GRANT_ENTRY_V2;
    }

    private static GuestPage statusPage(GrantTable t, int ref) {
        return t.statusFrame(ref / GRANT_STATUS_PER_PAGE);
    }

    private static int statusOffset(int ref) {
        return (ref % GRANT_STATUS_PER_PAGE) * SIZEOF_GRANT_STATUS;
    }

    /** v2 holds every kind of grant (full page, sub-page, transitive) and a 64-bit frame. */
    @Override
    public boolean represents(GrantEntry e) {
        return true;
    }

    @Override
    public GrantEntry read(GrantTable t, int ref) {
        GuestPage p = page(t, ref);
        int off = offset(ref);
        int header = p.get32(off + V2_FLAGS);
        int flags = header & 0xFFFF;
        int domid = header >>> 16;
        if ((flags & GTF_type_mask) == GTF_transitive) {
            return new GrantEntry(flags, domid, 0, 0, 0, p.get16(off + V2_TRANSITIVE_TRANS_DOMID) & 0xFFFF,
                    p.get32(off + V2_TRANSITIVE_GREF));
        }
        if ((flags & GTF_sub_page) != 0) {
            return new GrantEntry(flags, domid, p.get64(off + V2_FULL_PAGE_FRAME),
                    p.get16(off + V2_SUB_PAGE_PAGE_OFF) & 0xFFFF, p.get16(off + V2_SUB_PAGE_LENGTH) & 0xFFFF, 0, 0);
        }
        return new GrantEntry(flags, domid, p.get64(off + V2_FULL_PAGE_FRAME), 0, 0, 0, 0);
    }

    @Override
    public boolean write(GrantTable t, int ref, GrantEntry e) {
        GuestPage p = page(t, ref);
        int off = offset(ref);
        if (e.type() == GTF_transitive) {
            p.set16(off + V2_TRANSITIVE_TRANS_DOMID, (short) e.transDomid());
            p.set16(off + V2_TRANSITIVE_TRANS_DOMID + 2, (short) 0);
            p.set64(off + V2_TRANSITIVE_GREF, Integer.toUnsignedLong(e.transGref()));
        } else {
            p.set16(off + V2_SUB_PAGE_PAGE_OFF, (short) (e.subPage() ? e.pageOffset() : 0));
            p.set16(off + V2_SUB_PAGE_LENGTH, (short) (e.subPage() ? e.length() : 0));
            p.set64(off + V2_FULL_PAGE_FRAME, e.frame());
        }
        if (t.nrStatusFrames() > ref / GRANT_STATUS_PER_PAGE) {
            statusPage(t, ref).set16(statusOffset(ref), (short) 0);
        }
        p.set32(off + V2_FLAGS, (e.domid() << 16) | (e.flags() & 0xFFFF)); // header last
        return true;
    }

    private static boolean grants(int header, int mask, boolean map, int domid) {
        int type = header & mask;
        boolean typeOk = type == GTF_permit_access || (!map && type == GTF_transitive);
        return typeOk && (header >>> 16) == domid;
    }

    private static void orStatus(GuestPage s, int off, int bits) {
        short old;
        do {
            old = s.get16(off);
        } while (!s.compareAndSet16(off, old, (short) (old | bits)));
    }

    private static void clearStatus(GuestPage s, int off, int bits) {
        short old;
        do {
            old = s.get16(off);
        } while (!s.compareAndSet16(off, old, (short) (old & ~bits)));
    }

    @Override
    public int acquire(GrantTable t, int ref, int domid, boolean readonly, boolean pinned, boolean map) {
        GuestPage p = page(t, ref);
        int off = offset(ref) + V2_FLAGS;
        int mask = GTF_type_mask | (map ? GTF_sub_page : 0);
        int header = p.get32(off);
        if (!pinned && !grants(header, mask, map, domid)) {
            return GnttabStatus.GNTST_general_error;
        }
        if (!readonly && (header & GTF_readonly) != 0) {
            return GnttabStatus.GNTST_general_error;
        }
        GuestPage s = statusPage(t, ref);
        int soff = statusOffset(ref);
        int set = GTF_reading | (readonly ? 0 : GTF_writing);
        orStatus(s, soff, set);
        // The guest sees the status before we re-check the entry it may have changed meanwhile.
        header = p.get32(off);
        if (!pinned) {
            if (!grants(header, mask, map, domid) || (!readonly && (header & GTF_readonly) != 0)) {
                clearStatus(s, soff, GTF_reading | GTF_writing);
                return GnttabStatus.GNTST_general_error; // "unstable flags"
            }
        } else if (!readonly && (header & GTF_readonly) != 0) {
            clearStatus(s, soff, GTF_writing);
            return GnttabStatus.GNTST_general_error; // "unstable grant readonly flag"
        }
        return GnttabStatus.GNTST_okay;
    }

    @Override
    public void release(GrantTable t, int ref, boolean reading, boolean writing) {
        clearStatus(statusPage(t, ref), statusOffset(ref), (reading ? GTF_reading : 0) | (writing ? GTF_writing : 0));
    }

    @Override
    public int statusBits(GrantTable t, int ref) {
        return statusPage(t, ref).get16(statusOffset(ref)) & (GTF_reading | GTF_writing);
    }

    @Override
    public void swap(GrantTable t, int refA, int refB) {
        GuestPage pa = page(t, refA);
        GuestPage pb = page(t, refB);
        int oa = offset(refA);
        int ob = offset(refB);
        for (int i = 0; i < SIZEOF_GRANT_ENTRY_V2; i += 8) {
            long a = pa.get64(oa + i);
            pa.set64(oa + i, pb.get64(ob + i));
            pb.set64(ob + i, a);
        }
        GuestPage sa = statusPage(t, refA);
        GuestPage sb = statusPage(t, refB);
        short a = sa.get16(statusOffset(refA));
        sa.set16(statusOffset(refA), sb.get16(statusOffset(refB)));
        sb.set16(statusOffset(refB), a);
    }
}
