package io.xenabi.abi;

/** {@code __HYPERVISOR_memory_op} sub-ops used by xenabi (xen/include/public/memory.h). */
public final class MemoryOp {
    public static final int XENMEM_add_to_physmap = 7;

    public static final int XENMAPSPACE_shared_info = 0;
    public static final int XENMAPSPACE_grant_table = 1;
    public static final int XENMAPSPACE_gmfn = 2;
    public static final int XENMAPSPACE_gmfn_range = 3;
    public static final int XENMAPSPACE_gmfn_foreign = 4;
    public static final int XENMAPSPACE_dev_mmio = 5;

    /** Set in {@code idx} with XENMAPSPACE_grant_table to ask for a v2 status frame. */
    public static final long XENMAPIDX_grant_table_status = 0x80000000L;

    /**
     * {@code struct xen_add_to_physmap} (24 bytes on x86_64): domid u16 @0, size u16 @2,
     * space u32 @4, idx xen_ulong_t @8, gpfn xen_pfn_t @16.
     */
    public static final int ADD_TO_PHYSMAP_DOMID = 0;
    public static final int ADD_TO_PHYSMAP_SIZE = 2;
    public static final int ADD_TO_PHYSMAP_SPACE = 4;
    public static final int ADD_TO_PHYSMAP_IDX = 8;
    public static final int ADD_TO_PHYSMAP_GPFN = 16;
    public static final int SIZEOF_ADD_TO_PHYSMAP = 24;

    private MemoryOp() {
    }
}
