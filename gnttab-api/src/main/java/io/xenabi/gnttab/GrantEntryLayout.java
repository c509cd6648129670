package io.xenabi.gnttab;

/**
 * The x86_64 layouts of grant entries in shared frames (xen/include/public/grant_table.h):
 * {@code grant_entry_v1}, {@code grant_entry_v2} and the v2 status word.
 */
public final class GrantEntryLayout {
    // grant_entry_v1 (8)
    public static final int V1_FLAGS = 0;
    public static final int V1_DOMID = 2;
    public static final int V1_FRAME = 4;
    public static final int SIZEOF_GRANT_ENTRY_V1 = 8;
    // grant_entry_v2 (16): header {flags, domid}, then full_page / sub_page / transitive
    public static final int V2_FLAGS = 0;
    public static final int V2_DOMID = 2;
    public static final int V2_FULL_PAGE_FRAME = 8;
    public static final int V2_SUB_PAGE_PAGE_OFF = 4;
    public static final int V2_SUB_PAGE_LENGTH = 6;
    public static final int V2_SUB_PAGE_FRAME = 8;
    public static final int V2_TRANSITIVE_TRANS_DOMID = 4;
    public static final int V2_TRANSITIVE_GREF = 8;
    public static final int SIZEOF_GRANT_ENTRY_V2 = 16;
    /** grant_status_t (v2 status frames). */
    public static final int SIZEOF_GRANT_STATUS = 2;
    /** GNTTAB_NR_RESERVED_ENTRIES: 0 console, 1 xenstore; kept across version switches. */
    public static final int GNTTAB_NR_RESERVED_ENTRIES = 8;
    /** The first reserved entries' users. */
    public static final int GNTTAB_RESERVED_CONSOLE = 0;
    public static final int GNTTAB_RESERVED_XENSTORE = 1;

    private GrantEntryLayout() {
    }
}
