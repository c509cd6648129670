package io.xenabi.gnttab;

/** GTF_* entry flags, GNTMAP_* map flags and GNTCOPY_* copy flags, with Xen's values. */
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

    private GrantFlags() {
    }
}
