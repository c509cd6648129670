package io.xenabi.guest.impl;

import static io.xenabi.gnttab.GnttabOp.MAP_HANDLE;
import static io.xenabi.gnttab.GnttabOp.MAP_STATUS;
import static io.xenabi.gnttab.GnttabOp.UNMAP_STATUS;
import static io.xenabi.gnttab.GnttabOp.COPY_STATUS;
import static io.xenabi.gnttab.GrantFlags.GNTMAP_host_map;
import static io.xenabi.gnttab.GrantFlags.GNTMAP_readonly;

import io.xenabi.abi.GuestPage;
import io.xenabi.gnttab.GnttabStatus;
import io.xenabi.gnttab.GrantEntryLayout;
import io.xenabi.guest.GuestException;
import io.xenabi.guest.front.ArgStack;
import io.xenabi.guest.front.FrontException;
import io.xenabi.guest.front.GrantFront;
import io.xenabi.guest.front.Hypercalls;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Deque;

/**
 * The kernel's grant-table driver, after Linux's drivers/xen/grant-table.c, over the front-end's
 * {@link GrantFront}: it hands out references from 8 (the reserved ones stay for console and
 * xenstore), mapping more frames as they fill, and data pages to share; as a back-end it maps
 * other domains' grants into its map area and copies through grants.
 */
final class GrantDriver {
    private final Hypercalls calls;
    private final Physmap physmap;
    private final ArgStack args;
    private final GrantFront table;
    private final BitSet usedRefs = new BitSet();
    private final BitSet usedSlots = new BitSet();
    private final Deque<Integer> freeData = new ArrayDeque<>();

    GrantDriver(Hypercalls calls, Physmap physmap, ArgStack args) {
        this.calls = calls;
        this.physmap = physmap;
        this.args = args;
        this.table = new GrantFront(calls, physmap.layout(), args);
        for (int i = 0; i < Physmap.DATA_PAGES; i++) {
            freeData.add(i);
        }
    }

    int version() {
        return table.version();
    }

    /**
     * gnttab_request_version: asks for {@code wanted}; on any error keeps v1 as Linux does.
     * Returns the errno of the refusal, or 0.
     */
    synchronized long requestVersion(int wanted) {
        try {
            return table.requestVersion(wanted);
        } catch (FrontException e) {
            throw new GuestException(e.getMessage());
        }
    }

    /** A data page of this kernel's own, for sharing; returns its gfn. */
    synchronized long allocPage() {
        Integer i = freeData.poll();
        if (i == null) {
            throw new GuestException("no free data page to share");
        }
        return physmap.dataGfn(i);
    }

    synchronized void freePage(long gfn) {
        freeData.add((int) (gfn - physmap.dataGfn(0)));
    }

    /** gnttab_grant_foreign_access: a new reference granting {@code gfn} to {@code domid}. */
    synchronized int grantAccess(int domid, long gfn, boolean readonly) {
        int ref = usedRefs.nextClearBit(GrantEntryLayout.GNTTAB_NR_RESERVED_ENTRIES);
        int frame = ref / table.entriesPerFrame();
        if (frame >= table.framesMapped()) {
            if (frame >= Physmap.GRANT_FRAMES) {
                throw new GuestException("out of grant references");
            }
            try {
                table.mapFrames(frame + 1);
            } catch (FrontException e) {
                throw new GuestException(e.getMessage());
            }
        }
        usedRefs.set(ref);
        table.grantAccess(ref, domid, gfn, readonly);
        return ref;
    }

    /** gnttab_end_foreign_access_ref: false, leaving the grant in place, while the peer still uses it. */
    synchronized boolean endAccess(int ref) {
        if (!table.endAccess(ref)) {
            return false;
        }
        usedRefs.clear(ref);
        return true;
    }

    /** A page of another domain mapped into this kernel's map area. */
    record Mapped(int handle, long gfn) {
    }

    /** GNTTABOP_map_grant_ref of {@code ref} of {@code domid} into a free map-area slot. */
    Mapped map(int domid, int ref, boolean readonly) {
        int slot;
        synchronized (this) {
            slot = usedSlots.nextClearBit(0);
            if (slot >= Physmap.MAP_AREA) {
                throw new GuestException("the map area is full");
            }
            usedSlots.set(slot);
        }
        long gfn = physmap.mapAreaGfn(slot);
        try (ArgStack.Frame f = args.enter()) {
            long rc = calls.mapGrantRef(f.vcpu(), f.gpa(), gfn << GuestPage.PAGE_SHIFT,
                    GNTMAP_host_map | (readonly ? GNTMAP_readonly : 0), ref, domid);
            int status = calls.status(f.gpa() + MAP_STATUS);
            if (rc < 0 || status != GnttabStatus.GNTST_okay) {
                releaseSlot(slot);
                throw new GuestException("GNTTABOP_map_grant_ref(dom " + domid + ", ref " + ref + "): "
                        + (rc < 0 ? GuestKernelImpl.errno(rc) : GnttabStatus.name(status)));
            }
            return new Mapped(calls.u32(f.gpa() + MAP_HANDLE), gfn);
        }
    }

    private synchronized void releaseSlot(int slot) {
        usedSlots.clear(slot);
    }

    void unmap(Mapped m) {
        try (ArgStack.Frame f = args.enter()) {
            long rc = calls.unmapGrantRef(f.vcpu(), f.gpa(), m.gfn() << GuestPage.PAGE_SHIFT, m.handle());
            int status = calls.status(f.gpa() + UNMAP_STATUS);
            if (rc < 0 || status != GnttabStatus.GNTST_okay) {
                throw new GuestException("GNTTABOP_unmap_grant_ref(handle " + m.handle() + "): "
                        + (rc < 0 ? GuestKernelImpl.errno(rc) : GnttabStatus.name(status)));
            }
        }
        releaseSlot((int) (m.gfn() - physmap.mapAreaGfn(0)));
    }

    /** GNTTABOP_copy of a whole granted page of {@code domid} into this kernel's page {@code gfn}. */
    void copyFrom(int domid, int ref, long gfn) {
        try (ArgStack.Frame f = args.enter()) {
            long rc = calls.copy(f.vcpu(), f.gpa(), domid, ref, gfn, GuestPage.PAGE_SIZE);
            int status = calls.status(f.gpa() + COPY_STATUS);
            if (rc < 0 || status != GnttabStatus.GNTST_okay) {
                throw new GuestException("GNTTABOP_copy(dom " + domid + ", ref " + ref + "): "
                        + (rc < 0 ? GuestKernelImpl.errno(rc) : GnttabStatus.name(status)));
            }
        }
    }
}
