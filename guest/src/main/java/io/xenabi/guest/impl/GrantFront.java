package io.xenabi.guest.impl;

import static io.xenabi.gnttab.GnttabOp.*;
import static io.xenabi.gnttab.GrantFlags.*;

import io.xenabi.abi.DomId;
import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import io.xenabi.abi.MemoryOp;
import io.xenabi.gnttab.GnttabStatus;
import io.xenabi.gnttab.GrantEntryLayout;
import io.xenabi.guest.GuestException;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Deque;

/**
 * The kernel's grant tables, after Linux's drivers/xen/grant-table.c: it picks a version
 * (asking for the one wanted and staying on v1 if refused), maps its grant and status frames
 * with XENMEM_add_to_physmap as an auto-translated guest does, hands out references from 8
 * (the reserved ones stay for console and xenstore), writes entries frame and domid first and
 * flags last, and ends access only when Xen no longer shows the grant in use. As a back-end it
 * maps other domains' grants into its map area and copies through grants.
 */
final class GrantFront {
    private final GuestMemory memory;
    private final Physmap physmap;
    private final ArgStack args;
    private final BitSet usedRefs = new BitSet();
    private final BitSet usedSlots = new BitSet();
    private final Deque<Integer> freeData = new ArrayDeque<>();
    private int version = 1;
    private int framesMapped;
    private int statusMapped;

    GrantFront(GuestMemory memory, Physmap physmap, ArgStack args) {
        this.memory = memory;
        this.physmap = physmap;
        this.args = args;
        for (int i = 0; i < Physmap.DATA_PAGES; i++) {
            freeData.add(i);
        }
    }

    synchronized int version() {
        return version;
    }

    /**
     * gnttab_request_version: asks for {@code wanted}; on any error keeps v1 as Linux does.
     * Returns the errno of the refusal, or 0.
     */
    synchronized long requestVersion(int wanted) {
        if (wanted == version) {
            return 0;
        }
        long rc;
        int now;
        try (ArgStack.Frame f = args.enter()) {
            f.put32(SET_VERSION_VERSION, wanted);
            rc = f.gnttabOp(GNTTABOP_set_version);
            now = f.u32(SET_VERSION_VERSION);
        }
        if (rc == 0) {
            version = now;
            statusMapped = 0;
            mapFrames(Math.max(framesMapped, 1));
        }
        return rc;
    }

    /** gnttab_map: the shared frames 0..n-1 and, under v2, their status frames. */
    private void mapFrames(int n) {
        for (int i = 0; i < n; i++) {
            add(i, physmap.grantFrameGfn(i));
        }
        framesMapped = Math.max(framesMapped, n);
        if (version == 2) {
            int status = (n * (GuestPage.PAGE_SIZE / GrantEntryLayout.SIZEOF_GRANT_ENTRY_V2) + 2047) / 2048;
            for (int i = 0; i < status; i++) {
                add(i | MemoryOp.XENMAPIDX_grant_table_status, physmap.statusFrameGfn(i)); // a xen_ulong_t: never sign-extended
            }
            statusMapped = status;
        }
    }

    private void add(long idx, long gfn) {
        try (ArgStack.Frame f = args.enter()) {
            f.put16(MemoryOp.ADD_TO_PHYSMAP_DOMID, DomId.DOMID_SELF)
                    .put32(MemoryOp.ADD_TO_PHYSMAP_SPACE, MemoryOp.XENMAPSPACE_grant_table)
                    .put64(MemoryOp.ADD_TO_PHYSMAP_IDX, idx).put64(MemoryOp.ADD_TO_PHYSMAP_GPFN, gfn);
            long rc = f.memoryOp(MemoryOp.XENMEM_add_to_physmap);
            if (rc < 0) {
                throw new GuestException("XENMEM_add_to_physmap(grant frame " + idx + "): "
                        + GuestKernelImpl.errno(rc));
            }
        }
    }

    private int entrySize() {
        return version == 1 ? GrantEntryLayout.SIZEOF_GRANT_ENTRY_V1 : GrantEntryLayout.SIZEOF_GRANT_ENTRY_V2;
    }

    private long entryGpa(int ref) {
        int perFrame = GuestPage.PAGE_SIZE / entrySize();
        return (physmap.grantFrameGfn(ref / perFrame) << GuestPage.PAGE_SHIFT) + (long) (ref % perFrame) * entrySize();
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
        int perFrame = GuestPage.PAGE_SIZE / entrySize();
        if (ref / perFrame >= framesMapped) {
            if (ref / perFrame >= Physmap.GRANT_FRAMES) {
                throw new GuestException("out of grant references");
            }
            mapFrames(ref / perFrame + 1);
        }
        usedRefs.set(ref);
        long e = entryGpa(ref);
        int flags = GTF_permit_access | (readonly ? GTF_readonly : 0);
        if (version == 1) {
            memory.write32(e + GrantEntryLayout.V1_FRAME, (int) gfn);
            memory.write16(e + GrantEntryLayout.V1_DOMID, domid);
            memory.write16(e + GrantEntryLayout.V1_FLAGS, flags); // last: the grant is live
        } else {
            memory.write64(e + GrantEntryLayout.V2_FULL_PAGE_FRAME, gfn);
            memory.write16(e + GrantEntryLayout.V2_DOMID, domid);
            memory.write16(e + GrantEntryLayout.V2_FLAGS, flags);
        }
        return ref;
    }

    /**
     * gnttab_end_foreign_access_ref: v1 clears the flags only if Xen shows no reader or writer
     * (a compare-exchange on the flags); v2 clears the flags, then checks the status word.
     * Returns false, leaving the grant in place, while the peer still uses it.
     */
    synchronized boolean endAccess(int ref) {
        long e = entryGpa(ref);
        GuestPage page = memory.page(e >>> GuestPage.PAGE_SHIFT);
        int off = (int) (e & (GuestPage.PAGE_SIZE - 1));
        if (version == 1) {
            while (true) {
                int combo = page.get32(off);
                if ((combo & (GTF_reading | GTF_writing)) != 0) {
                    return false;
                }
                if (page.compareAndSet32(off, combo, combo & 0xFFFF0000)) {
                    break;
                }
            }
        } else {
            page.set16(off + GrantEntryLayout.V2_FLAGS, (short) 0);
            long s = (physmap.statusFrameGfn(ref / 2048) << GuestPage.PAGE_SHIFT) + (ref % 2048) * 2L;
            if ((memory.read16(s) & (GTF_reading | GTF_writing)) != 0) {
                return false;
            }
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
            f.put64(MAP_HOST_ADDR, gfn << GuestPage.PAGE_SHIFT)
                    .put32(MAP_FLAGS, GNTMAP_host_map | (readonly ? GNTMAP_readonly : 0))
                    .put32(MAP_REF, ref).put16(MAP_DOM, domid);
            long rc = f.gnttabOp(GNTTABOP_map_grant_ref);
            int status = f.s16(MAP_STATUS);
            if (rc < 0 || status != GnttabStatus.GNTST_okay) {
                releaseSlot(slot);
                throw new GuestException("GNTTABOP_map_grant_ref(dom " + domid + ", ref " + ref + "): "
                        + (rc < 0 ? GuestKernelImpl.errno(rc) : GnttabStatus.name(status)));
            }
            return new Mapped(f.u32(MAP_HANDLE), gfn);
        }
    }

    private synchronized void releaseSlot(int slot) {
        usedSlots.clear(slot);
    }

    void unmap(Mapped m) {
        try (ArgStack.Frame f = args.enter()) {
            f.put64(UNMAP_HOST_ADDR, m.gfn() << GuestPage.PAGE_SHIFT).put32(UNMAP_HANDLE, m.handle());
            long rc = f.gnttabOp(GNTTABOP_unmap_grant_ref);
            int status = f.s16(UNMAP_STATUS);
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
            f.put64(COPY_SOURCE + COPY_PTR_U, ref).put16(COPY_SOURCE + COPY_PTR_DOMID, domid)
                    .put64(COPY_DEST + COPY_PTR_U, gfn).put16(COPY_DEST + COPY_PTR_DOMID, DomId.DOMID_SELF)
                    .put16(COPY_LEN, GuestPage.PAGE_SIZE).put16(COPY_FLAGS, GNTCOPY_source_gref);
            long rc = f.gnttabOp(GNTTABOP_copy);
            int status = f.s16(COPY_STATUS);
            if (rc < 0 || status != GnttabStatus.GNTST_okay) {
                throw new GuestException("GNTTABOP_copy(dom " + domid + ", ref " + ref + "): "
                        + (rc < 0 ? GuestKernelImpl.errno(rc) : GnttabStatus.name(status)));
            }
        }
    }
}
