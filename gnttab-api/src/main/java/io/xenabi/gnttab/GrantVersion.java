package io.xenabi.gnttab;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A grant-table version: the service a version bundle registers, its component annotated with
 * {@link io.xenabi.abi.AbiVariantService} ({@code family = "gnttab"}, {@code v1}, {@code v2},
 * ..., its capability bit or -1 for the base version v1).
 *
 * <p>A version owns what lives in guest memory: the entry layout and size, entries per frame,
 * status frames, and how a grant is acquired and released in the shared entry (Xen's
 * {@code _set_status_v1/_v2} and {@code gnttab_clear_flags}). domain-core owns the rest: active
 * entries, pins, maptrack, the checks of map/unmap/copy, sizing and version switches.
 *
 * <p>Implementations are stateless: all state is in the {@link GrantTable}'s pages, so the same
 * instance serves every domain and a new implementation picks up where the old one stopped.
 */
@ConsumerType
public interface GrantVersion {
    /** The number a guest passes to GNTTABOP_set_version. */
    int version();

    /** Bytes per shared entry (8 for v1, 16 for v2). */
    int entrySize();

    /** Entries per 4 KiB shared frame. */
    default int entriesPerFrame() {
        return io.xenabi.abi.GuestPage.PAGE_SIZE / entrySize();
    }

    /** Status frames this version needs for {@code sharedFrames} shared frames (0 if none). */
    int statusFramesFor(int sharedFrames);

    /** Decodes entry {@code ref} (which the caller has checked is in the table). */
    GrantEntry read(GrantTable table, int ref);

    /**
     * Whether this version's layout can represent {@code entry} (v1: not a transitive grant,
     * nor a frame beyond 32 bits). GNTTABOP_set_version to this version fails with -ERANGE,
     * changing nothing, while a reserved entry it cannot represent is in the table, as Xen's
     * gnttab_set_version does on the way from v2 to v1 (xen/common/grant_table.c).
     */
    boolean represents(GrantEntry entry);

    /**
     * Writes entry {@code ref} in this version's layout, status bits cleared. Returns false,
     * writing nothing, when {@link #represents} says the layout cannot represent it.
     */
    boolean write(GrantTable table, int ref, GrantEntry entry);

    /**
     * Xen's {@code _set_status}: unless the entry is already {@code pinned}, checks that entry
     * {@code ref} grants {@code domid} access (permit_access; for a {@code map}, not sub-page;
     * for a copy under a version that has them, transitive is accepted too), that a writable
     * access is not to a GTF_readonly entry, and, atomically with the check as the guest may
     * change the entry concurrently, sets GTF_reading and, for a writable access, GTF_writing.
     * Returns {@link GnttabStatus#GNTST_okay} or {@link GnttabStatus#GNTST_general_error}
     * (leaving the status bits as they were).
     */
    int acquire(GrantTable table, int ref, int domid, boolean readonly, boolean pinned, boolean map);

    /** Xen's {@code gnttab_clear_flags}: clears GTF_reading and/or GTF_writing. */
    void release(GrantTable table, int ref, boolean reading, boolean writing);

    /** The GTF_reading/GTF_writing bits of entry {@code ref} now. */
    int statusBits(GrantTable table, int ref);

    /** GNTTABOP_swap_grant_ref's exchange of two entries (and their status words). */
    void swap(GrantTable table, int refA, int refB);
}
