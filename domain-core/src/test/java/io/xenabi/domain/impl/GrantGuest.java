package io.xenabi.domain.impl;

import static io.xenabi.gnttab.GnttabOp.*;

import io.xenabi.abi.DomId;
import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.MemoryOp;
import io.xenabi.gnttab.GrantEntryLayout;
import io.xenabi.domain.impl.gnttab.Grants;

/**
 * A test guest's grant-table side: it maps its grant frames with XENMEM_add_to_physmap and
 * writes grant entries in them itself, as Linux's gnttab_update_entry_v1/v2 do (frame and domid
 * first, flags last), and builds GNTTABOP structs in its scratch page.
 */
final class GrantGuest {
    static final long ARG = 3L * 4096;       // struct area of vCPU 0; vCPU n uses ARG + 256 n
    static final long LIST = 4L * 4096;      // frame lists
    static final long FRAME_GFN = 100;       // shared frame i at 100 + i
    static final long STATUS_GFN = 200;      // status frame i at 200 + i

    final HypervisorImpl hv;
    final int domid;
    final GuestMemory mem;
    /** The vCPU this view issues its hypercalls on, and its own struct area. */
    final int vcpu;
    final long arg;
    int version = 1;

    GrantGuest(HypervisorImpl hv, int domid) {
        this(hv, domid, 0);
    }

    private GrantGuest(HypervisorImpl hv, int domid, int vcpu) {
        this.hv = hv;
        this.domid = domid;
        this.mem = hv.memory(domid);
        this.vcpu = vcpu;
        this.arg = ARG + 256L * vcpu;
    }

    /** The same guest issuing its calls on {@code vcpu}, with structs of its own (for races). */
    GrantGuest onVcpu(int vcpu) {
        GrantGuest g = new GrantGuest(hv, domid, vcpu);
        g.version = version;
        return g;
    }

    long op(int cmd, long gpa, long count) {
        return hv.hypercall(domid, vcpu, Hypercall.__HYPERVISOR_grant_table_op, cmd, gpa, count);
    }

    private void clear(int bytes) {
        mem.write(arg, new byte[bytes], 0, bytes);
    }

    int status(int offset) {
        return (short) mem.read16(arg + offset);
    }

    long addToPhysmap(long idx, long gpfn) {
        mem.write16(LIST + 2048 + MemoryOp.ADD_TO_PHYSMAP_DOMID, DomId.DOMID_SELF);
        mem.write32(LIST + 2048 + MemoryOp.ADD_TO_PHYSMAP_SPACE, MemoryOp.XENMAPSPACE_grant_table);
        mem.write64(LIST + 2048 + MemoryOp.ADD_TO_PHYSMAP_IDX, idx);
        mem.write64(LIST + 2048 + MemoryOp.ADD_TO_PHYSMAP_GPFN, gpfn);
        return hv.hypercall(domid, 0, Hypercall.__HYPERVISOR_memory_op, MemoryOp.XENMEM_add_to_physmap,
                LIST + 2048);
    }

    /** Maps shared frames 0..n-1 (and status frames under v2), as Linux's gnttab_setup does. */
    void mapFrames(int n) {
        for (int i = 0; i < n; i++) {
            if (addToPhysmap(i, FRAME_GFN + i) != 0) {
                throw new AssertionError("add_to_physmap of frame " + i);
            }
        }
        if (version == 2) {
            for (int i = 0; i < (n + 7) / 8; i++) {
                if (addToPhysmap(i | MemoryOp.XENMAPIDX_grant_table_status, STATUS_GFN + i) != 0) {
                    throw new AssertionError("add_to_physmap of status frame " + i);
                }
            }
        }
    }

    long setVersion(int v) {
        clear(4);
        mem.write32(arg + SET_VERSION_VERSION, v);
        long rc = op(GNTTABOP_set_version, arg, 1);
        if (rc == 0) {
            version = v;
        }
        return rc;
    }

    int versionWrittenBack() {
        return mem.read32(arg + SET_VERSION_VERSION);
    }

    long getVersion(int dom) {
        clear(8);
        mem.write16(arg + GET_VERSION_DOM, dom);
        long rc = op(GNTTABOP_get_version, arg, 1);
        return rc < 0 ? rc : mem.read32(arg + GET_VERSION_VERSION);
    }

    /** Grants {@code frame} of this guest to {@code to} in entry {@code ref}. */
    void grant(int ref, int to, long frame, int flags) {
        if (version == 1) {
            long e = FRAME_GFN * 4096 + ref * 8L;
            mem.write32(e + GrantEntryLayout.V1_FRAME, (int) frame);
            mem.write16(e + GrantEntryLayout.V1_DOMID, to);
            mem.write16(e + GrantEntryLayout.V1_FLAGS, flags);
        } else {
            long e = FRAME_GFN * 4096 + ref * 16L;
            mem.write64(e + GrantEntryLayout.V2_FULL_PAGE_FRAME, frame);
            mem.write16(e + GrantEntryLayout.V2_DOMID, to);
            mem.write16(e + GrantEntryLayout.V2_FLAGS, flags);
        }
    }

    /** A v2 sub-page or transitive entry: raw fields at 4..15 of the entry. */
    void grantV2(int ref, int to, int flags, int u16a, int u16b, long u64) {
        long e = FRAME_GFN * 4096 + ref * 16L;
        mem.write16(e + 4, u16a);
        mem.write16(e + 6, u16b);
        mem.write64(e + 8, u64);
        mem.write16(e + GrantEntryLayout.V2_DOMID, to);
        mem.write16(e + GrantEntryLayout.V2_FLAGS, flags);
    }

    /** The GTF_reading/GTF_writing bits the guest sees for {@code ref}. */
    int accessBits(int ref) {
        if (version == 1) {
            return mem.read16(FRAME_GFN * 4096 + ref * 8L) & 0x18;
        }
        return mem.read16(STATUS_GFN * 4096 + ref * 2L) & 0x18;
    }

    /** map_grant_ref of one element; returns the status, leaving handle/dev_bus_addr at arg. */
    int map(int dom, int ref, int flags, long hostAddr) {
        return mapOver(dom, ref, flags, hostAddr, 0, 0);
    }

    /** As {@link #map}, with the OUT fields {@code handle} and {@code dev_bus_addr} set beforehand. */
    int mapOver(int dom, int ref, int flags, long hostAddr, int handleBefore, long devBusAddrBefore) {
        clear(SIZEOF_MAP_GRANT_REF);
        mem.write32(arg + MAP_HANDLE, handleBefore);
        mem.write64(arg + MAP_DEV_BUS_ADDR, devBusAddrBefore);
        mem.write64(arg + MAP_HOST_ADDR, hostAddr);
        mem.write32(arg + MAP_FLAGS, flags);
        mem.write32(arg + MAP_REF, ref);
        mem.write16(arg + MAP_DOM, dom);
        if (op(GNTTABOP_map_grant_ref, arg, 1) != 0) {
            throw new AssertionError("map_grant_ref hypercall failed");
        }
        return status(MAP_STATUS);
    }

    int handle() {
        return mem.read32(arg + MAP_HANDLE);
    }

    long devBusAddr() {
        return mem.read64(arg + MAP_DEV_BUS_ADDR);
    }

    int unmap(long hostAddr, long devBusAddr, int handle) {
        return unmapOp(GNTTABOP_unmap_grant_ref, hostAddr, devBusAddr, handle);
    }

    int unmapAndReplace(long hostAddr, long newAddr, int handle) {
        return unmapOp(GNTTABOP_unmap_and_replace, hostAddr, newAddr, handle);
    }

    /** unmap_grant_ref and unmap_and_replace share one layout: host_addr, dev_bus_addr or new_addr, handle, status. */
    private int unmapOp(int cmd, long hostAddr, long second, int handle) {
        clear(SIZEOF_UNMAP_GRANT_REF);
        mem.write64(arg + UNMAP_HOST_ADDR, hostAddr);
        mem.write64(arg + UNMAP_DEV_BUS_ADDR, second);
        mem.write32(arg + UNMAP_HANDLE, handle);
        if (op(cmd, arg, 1) != 0) {
            throw new AssertionError("grant_table_op " + cmd + " failed");
        }
        return status(UNMAP_STATUS);
    }

    /** One copy element: each side is a gref (flag set) or a gmfn of DOMID_SELF. */
    int copy(long srcU, int srcDom, int srcOff, long dstU, int dstDom, int dstOff, int len, int flags) {
        clear(SIZEOF_COPY);
        mem.write64(arg + COPY_SOURCE + COPY_PTR_U, srcU);
        mem.write16(arg + COPY_SOURCE + COPY_PTR_DOMID, srcDom);
        mem.write16(arg + COPY_SOURCE + COPY_PTR_OFFSET, srcOff);
        mem.write64(arg + COPY_DEST + COPY_PTR_U, dstU);
        mem.write16(arg + COPY_DEST + COPY_PTR_DOMID, dstDom);
        mem.write16(arg + COPY_DEST + COPY_PTR_OFFSET, dstOff);
        mem.write16(arg + COPY_LEN, len);
        mem.write16(arg + COPY_FLAGS, flags);
        if (op(GNTTABOP_copy, arg, 1) != 0) {
            throw new AssertionError("copy hypercall failed");
        }
        return status(COPY_STATUS);
    }

    int swap(int a, int b) {
        clear(SIZEOF_SWAP_GRANT_REF);
        mem.write32(arg + SWAP_REF_A, a);
        mem.write32(arg + SWAP_REF_B, b);
        op(GNTTABOP_swap_grant_ref, arg, 1);
        return status(SWAP_STATUS);
    }

    int querySize(int dom) {
        clear(SIZEOF_QUERY_SIZE);
        mem.write16(arg + QUERY_DOM, dom);
        op(GNTTABOP_query_size, arg, 1);
        return status(QUERY_STATUS);
    }

    int setupTable(int dom, int nrFrames) {
        clear(SIZEOF_SETUP_TABLE);
        mem.write16(arg + SETUP_DOM, dom);
        mem.write32(arg + SETUP_NR_FRAMES, nrFrames);
        mem.write64(arg + SETUP_FRAME_LIST, LIST);
        op(GNTTABOP_setup_table, arg, 1);
        return status(SETUP_STATUS);
    }

    int getStatusFrames(int dom, int nr) {
        clear(SIZEOF_GET_STATUS_FRAMES);
        mem.write32(arg + STATUS_FRAMES_NR_FRAMES, nr);
        mem.write16(arg + STATUS_FRAMES_DOM, dom);
        mem.write64(arg + STATUS_FRAMES_FRAME_LIST, LIST);
        op(GNTTABOP_get_status_frames, arg, 1);
        return status(STATUS_FRAMES_STATUS);
    }

    static long addr(long gfn) {
        return gfn * GuestPage.PAGE_SIZE;
    }
}
