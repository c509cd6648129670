package io.xenabi.guest.front;

import static io.xenabi.gnttab.GrantFlags.GTF_permit_access;
import static io.xenabi.gnttab.GrantFlags.GTF_readonly;
import static io.xenabi.gnttab.GrantFlags.GTF_reading;
import static io.xenabi.gnttab.GrantFlags.GTF_writing;

import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import io.xenabi.abi.MemoryOp;
import io.xenabi.gnttab.GnttabOp;
import io.xenabi.gnttab.GrantEntryLayout;

/**
 * A domain's own grant table as its guest drives it, after Linux's drivers/xen/grant-table.c:
 * the version in use (GNTTABOP_set_version), the shared and status frames mapped with
 * XENMEM_add_to_physmap as an auto-translated guest does, and the entries of v1 and v2 written
 * frame and domid first and flags last ({@code gnttab_update_entry_v1/v2}) and ended only when
 * Xen no longer shows them in use ({@code gnttab_end_foreign_access_ref_v1/v2}). Which
 * reference to use is the caller's choice.
 */
public final class GrantFront {
    private static final int IN_USE = GTF_reading | GTF_writing;
    private static final int STATUS_PER_FRAME = GuestPage.PAGE_SIZE / GrantEntryLayout.SIZEOF_GRANT_STATUS;

    private final Hypercalls calls;
    private final GuestMemory memory;
    private final Layout layout;
    private final ArgStack args;
    private volatile int version = 1;
    private int framesMapped;

    public GrantFront(Hypercalls calls, Layout layout, ArgStack args) {
        this.calls = calls;
        this.memory = calls.memory();
        this.layout = layout;
        this.args = args;
    }

    /** The version the guest writes entries for. */
    public int version() {
        return version;
    }

    /** Shared frames mapped so far. */
    public synchronized int framesMapped() {
        return framesMapped;
    }

    /** GNTTABOP_set_version as {@code vcpu}: Xen's result; on success entries follow the new layout. */
    public long setVersion(int vcpu, int wanted) {
        long rc;
        int now;
        try (ArgStack.Frame f = args.enter(vcpu)) {
            rc = calls.setVersion(f.vcpu(), f.gpa(), wanted);
            now = calls.u32(f.gpa() + GnttabOp.SET_VERSION_VERSION);
        }
        if (rc == 0) {
            version = now;
        }
        return rc;
    }

    /**
     * Linux's {@code gnttab_request_version}: asks for {@code wanted}; on any error keeps the
     * version in use. On success the frames are mapped again (and v2's status frames).
     * Returns Xen's refusal, or 0.
     */
    public synchronized long requestVersion(int wanted) {
        if (wanted == version) {
            return 0;
        }
        long rc = setVersion(args.currentVcpu(), wanted);
        if (rc == 0) {
            mapFrames(Math.max(framesMapped, 1));
        }
        return rc;
    }

    /** Status frames that {@code frames} shared frames of v2 need. */
    public static int statusFrames(int frames) {
        return (frames * (GuestPage.PAGE_SIZE / GrantEntryLayout.SIZEOF_GRANT_ENTRY_V2) + STATUS_PER_FRAME - 1)
                / STATUS_PER_FRAME;
    }

    /** Linux's {@code gnttab_map}: the shared frames 0..n-1 and, under v2, their status frames. */
    public synchronized void mapFrames(int n) {
        for (int i = 0; i < n; i++) {
            add(i, layout.grantFrameGfn(i));
        }
        framesMapped = Math.max(framesMapped, n);
        if (version == 2) {
            for (int i = 0; i < statusFrames(n); i++) {
                // a xen_ulong_t: never sign-extended
                add(i | MemoryOp.XENMAPIDX_grant_table_status, layout.statusFrameGfn(i));
            }
        }
    }

    private void add(long idx, long gfn) {
        long rc;
        try (ArgStack.Frame f = args.enter()) {
            rc = calls.addToPhysmap(f.vcpu(), f.gpa(), MemoryOp.XENMAPSPACE_grant_table, idx, gfn);
        }
        if (rc < 0) {
            throw new FrontException("XENMEM_add_to_physmap(grant frame " + idx + ")", rc);
        }
    }

    /** Bytes per entry of the version in use. */
    public int entrySize() {
        return version == 1 ? GrantEntryLayout.SIZEOF_GRANT_ENTRY_V1 : GrantEntryLayout.SIZEOF_GRANT_ENTRY_V2;
    }

    /** Entries per shared frame of the version in use. */
    public int entriesPerFrame() {
        return GuestPage.PAGE_SIZE / entrySize();
    }

    private GuestPage entryPage(int ref) {
        return memory.page(layout.grantFrameGfn(ref / entriesPerFrame()));
    }

    private int entryOffset(int ref) {
        return (ref % entriesPerFrame()) * entrySize();
    }

    /** Writes entry {@code ref} granting {@code gfn} to {@code domid} with {@code flags}, flags last. */
    public void grant(int ref, int domid, long gfn, int flags) {
        long e = (layout.grantFrameGfn(ref / entriesPerFrame()) << GuestPage.PAGE_SHIFT) + entryOffset(ref);
        if (version == 1) {
            memory.write32(e + GrantEntryLayout.V1_FRAME, (int) gfn);
            memory.write16(e + GrantEntryLayout.V1_DOMID, domid);
            memory.write16(e + GrantEntryLayout.V1_FLAGS, flags); // last: the grant is live
        } else {
            memory.write64(e + GrantEntryLayout.V2_FULL_PAGE_FRAME, gfn);
            memory.write16(e + GrantEntryLayout.V2_DOMID, domid);
            memory.write16(e + GrantEntryLayout.V2_FLAGS, flags);
        }
    }

    /** {@code gnttab_grant_foreign_access_ref}: a full-page grant, read-only or not. */
    public void grantAccess(int ref, int domid, long gfn, boolean readonly) {
        grant(ref, domid, gfn, GTF_permit_access | (readonly ? GTF_readonly : 0));
    }

    /**
     * Ends access to {@code ref}: v1 swaps the flags to 0 unless the peer is reading or writing
     * (a compare-exchange on the flags); v2 clears the flags, then looks at the status word.
     * True when access ended with no use in flight (the page may be reused).
     */
    public boolean endAccess(int ref) {
        GuestPage page = entryPage(ref);
        int off = entryOffset(ref);
        if (version == 1) {
            int flagsOff = off + GrantEntryLayout.V1_FLAGS;
            while (true) {
                short flags = page.get16(flagsOff);
                if ((flags & IN_USE) != 0) {
                    return false;
                }
                if (page.compareAndSet16(flagsOff, flags, (short) 0)) {
                    return true;
                }
            }
        }
        page.set16(off + GrantEntryLayout.V2_FLAGS, (short) 0);
        return (accessBits(ref) & IN_USE) == 0;
    }

    /** The GTF_reading/GTF_writing bits of {@code ref} the guest sees (v1 flags, v2 status). */
    public int accessBits(int ref) {
        if (version == 1) {
            return entryPage(ref).get16(entryOffset(ref) + GrantEntryLayout.V1_FLAGS) & IN_USE;
        }
        return memory.page(layout.statusFrameGfn(ref / STATUS_PER_FRAME))
                .get16((ref % STATUS_PER_FRAME) * GrantEntryLayout.SIZEOF_GRANT_STATUS) & IN_USE;
    }
}
