package io.xenabi.gnttab;

/**
 * GTF_* entry flags, GNTMAP_* map flags, GNTCOPY_* copy flags and GNTTAB_CACHE_* cache-flush
 * ops, with Xen's values (xen/include/public/grant_table.h).
 */
public final class GrantFlags {
    public static final int GTF_invalid = 0;
    public static final int GTF_permit_access = 1;
    public static final int GTF_accept_transfer = 2;
    public static final int GTF_transitive = 3;
    public static final int GTF_type_mask = 3;
    public static final int GTF_readonly = 1 << 2;
    public static final int GTF_reading = 1 << 3;
    public static final int GTF_writing = 1 << 4;
    public static final int GTF_PWT = 1 << 5;
    public static final int GTF_PCD = 1 << 6;
    public static final int GTF_PAT = 1 << 7;
    public static final int GTF_sub_page = 1 << 8;
    public static final int GTF_transfer_committed = 1 << 2;
    public static final int GTF_transfer_completed = 1 << 3;

    public static final int GNTMAP_device_map = 1 << 0;
    public static final int GNTMAP_host_map = 1 << 1;
    public static final int GNTMAP_readonly = 1 << 2;
    public static final int GNTMAP_application_map = 1 << 3;
    public static final int GNTMAP_contains_pte = 1 << 4;

    public static final int GNTCOPY_source_gref = 1 << 0;
    public static final int GNTCOPY_dest_gref = 1 << 1;

    /**
     * {@code struct gnttab_cache_flush}'s {@code op} (a {@code uint32_t}): clean, invalidate, and
     * whether {@code a} is a grant ref rather than a bus address. SOURCE_GREF is Xen's
     * {@code 1u<<31}, the sign bit of a Java int.
     */
    public static final int GNTTAB_CACHE_CLEAN = 1 << 0;
    public static final int GNTTAB_CACHE_INVAL = 1 << 1;
    public static final int GNTTAB_CACHE_SOURCE_GREF = 1 << 31;

    private GrantFlags() {
    }
}
