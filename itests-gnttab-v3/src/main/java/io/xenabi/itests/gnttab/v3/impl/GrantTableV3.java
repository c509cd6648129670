package io.xenabi.itests.gnttab.v3.impl;

import io.xenabi.abi.AbiVariant;
import io.xenabi.abi.AbiVariantService;
import io.xenabi.abi.GuestPage;
import io.xenabi.gnttab.GnttabStatus;
import io.xenabi.gnttab.GrantEntry;
import io.xenabi.gnttab.GrantFlags;
import io.xenabi.gnttab.GrantTable;
import io.xenabi.gnttab.GrantVersion;
import org.osgi.service.component.annotations.Component;

/**
 * A third grant-table version that exists only for the integration tests: it proves that the
 * capability bits are unordered and that a new variant is a new bundle and nothing else. Its
 * trivial layout: 32-byte entries {flags u16 @0, domid u16 @2, frame u64 @8}, the access bits
 * in the flags as in v1, no status frames, no sub-page or transitive grants. Capability bit 2.
 */
@Component(service = GrantVersion.class)
@AbiVariantService(family = AbiVariant.FAMILY_GNTTAB, variant = "v3", capability = 2)
public final class GrantTableV3 implements GrantVersion {
    static final int ENTRY = 32;
    static final int FLAGS = 0;
    static final int FRAME = 8;
    private static final int ACCESS = GrantFlags.GTF_reading | GrantFlags.GTF_writing;

    @Override
    public int version() {
        return 3;
    }

    @Override
    public int entrySize() {
        return ENTRY;
    }

    @Override
    public int statusFramesFor(int sharedFrames) {
        return 0;
    }

    private GuestPage page(GrantTable t, int ref) {
        return t.sharedFrame(ref / entriesPerFrame());
    }

    private int off(int ref) {
        return (ref % entriesPerFrame()) * ENTRY;
    }

    @Override
    public GrantEntry read(GrantTable t, int ref) {
        int combo = page(t, ref).get32(off(ref) + FLAGS);
        return new GrantEntry(combo & 0xFFFF & ~ACCESS, combo >>> 16, page(t, ref).get64(off(ref) + FRAME), 0, 0, 0,
                0);
    }

    /** No sub-page or transitive grants. */
    @Override
    public boolean represents(GrantEntry e) {
        return e.type() != GrantFlags.GTF_transitive && !e.subPage();
    }

    @Override
    public boolean write(GrantTable t, int ref, GrantEntry e) {
        if (!represents(e)) {
            return false;
        }
        page(t, ref).set64(off(ref) + FRAME, e.frame());
        page(t, ref).set32(off(ref) + FLAGS, (e.domid() << 16) | (e.flags() & 0xFFFF & ~ACCESS));
        return true;
    }

    @Override
    public int acquire(GrantTable t, int ref, int domid, boolean readonly, boolean pinned, boolean map) {
        GuestPage p = page(t, ref);
        int o = off(ref) + FLAGS;
        for (int attempt = 0; attempt < 5; attempt++) {
            int combo = p.get32(o);
            if (!pinned && ((combo & GrantFlags.GTF_type_mask) != GrantFlags.GTF_permit_access
                    || (combo >>> 16) != domid)) {
                return GnttabStatus.GNTST_general_error;
            }
            if (!readonly && (combo & GrantFlags.GTF_readonly) != 0) {
                return GnttabStatus.GNTST_general_error;
            }
            int set = GrantFlags.GTF_reading | (readonly ? 0 : GrantFlags.GTF_writing);
            if (p.compareAndSet32(o, combo, combo | set)) {
                return GnttabStatus.GNTST_okay;
            }
        }
        return GnttabStatus.GNTST_general_error;
    }

    @Override
    public void release(GrantTable t, int ref, boolean reading, boolean writing) {
        int clear = (reading ? GrantFlags.GTF_reading : 0) | (writing ? GrantFlags.GTF_writing : 0);
        page(t, ref).getAndAnd32(off(ref) + FLAGS, ~clear);
    }

    @Override
    public int statusBits(GrantTable t, int ref) {
        return page(t, ref).get32(off(ref) + FLAGS) & ACCESS;
    }

    @Override
    public void swap(GrantTable t, int refA, int refB) {
        for (int i = 0; i < ENTRY; i += 8) {
            long a = page(t, refA).get64(off(refA) + i);
            page(t, refA).set64(off(refA) + i, page(t, refB).get64(off(refB) + i));
            page(t, refB).set64(off(refB) + i, a);
        }
    }
}
