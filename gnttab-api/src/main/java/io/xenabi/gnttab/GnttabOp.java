package io.xenabi.gnttab;

/**
 * {@code __HYPERVISOR_grant_table_op} sub-ops and the x86_64 byte offsets of their argument
 * structs (xen/include/public/grant_table.h). Constants keep Xen's names.
 */
public final class GnttabOp {
    public static final int GNTTABOP_map_grant_ref = 0;
    public static final int GNTTABOP_unmap_grant_ref = 1;
    public static final int GNTTABOP_setup_table = 2;
    public static final int GNTTABOP_dump_table = 3;
    public static final int GNTTABOP_transfer = 4;
    public static final int GNTTABOP_copy = 5;
    public static final int GNTTABOP_query_size = 6;
    public static final int GNTTABOP_unmap_and_replace = 7;
    public static final int GNTTABOP_set_version = 8;
    public static final int GNTTABOP_get_status_frames = 9;

    /**
     * Whether Xen's gnttab_set_version knows {@code version} (1 and 2, grant_table.h): one it
     * knows but a domain may not use answers -ENOSYS ("behave as before set_version was
     * introduced"), any other number -EINVAL, unless a version service present serves it.
     */
    public static boolean isXenVersion(long version) {
        return version == 1 || version == 2;
    }
    public static final int GNTTABOP_get_version = 10;
    public static final int GNTTABOP_swap_grant_ref = 11;
    public static final int GNTTABOP_cache_flush = 12;

    // struct gnttab_map_grant_ref (32)
    public static final int MAP_HOST_ADDR = 0;
    public static final int MAP_FLAGS = 8;
    public static final int MAP_REF = 12;
    public static final int MAP_DOM = 16;
    public static final int MAP_STATUS = 18;
    public static final int MAP_HANDLE = 20;
    public static final int MAP_DEV_BUS_ADDR = 24;
    public static final int SIZEOF_MAP_GRANT_REF = 32;
    // struct gnttab_unmap_grant_ref (24)
    public static final int UNMAP_HOST_ADDR = 0;
    public static final int UNMAP_DEV_BUS_ADDR = 8;
    public static final int UNMAP_HANDLE = 16;
    public static final int UNMAP_STATUS = 20;
    public static final int SIZEOF_UNMAP_GRANT_REF = 24;
    // struct gnttab_setup_table (24): frame_list is a guest handle (a pointer)
    public static final int SETUP_DOM = 0;
    public static final int SETUP_NR_FRAMES = 4;
    public static final int SETUP_STATUS = 8;
    public static final int SETUP_FRAME_LIST = 16;
    public static final int SIZEOF_SETUP_TABLE = 24;
    // struct gnttab_dump_table (4)
    public static final int DUMP_DOM = 0;
    public static final int DUMP_STATUS = 2;
    public static final int SIZEOF_DUMP_TABLE = 4;
    // struct gnttab_transfer (24)
    public static final int TRANSFER_MFN = 0;
    public static final int TRANSFER_DOMID = 8;
    public static final int TRANSFER_REF = 12;
    public static final int TRANSFER_STATUS = 16;
    public static final int SIZEOF_TRANSFER = 24;
    // struct gnttab_copy (40): source and dest are {union {ref; gmfn} u; domid; offset}
    public static final int COPY_SOURCE = 0;
    public static final int COPY_DEST = 16;
    public static final int COPY_PTR_U = 0;
    public static final int COPY_PTR_DOMID = 8;
    public static final int COPY_PTR_OFFSET = 10;
    public static final int COPY_LEN = 32;
    public static final int COPY_FLAGS = 34;
    public static final int COPY_STATUS = 36;
    public static final int SIZEOF_COPY = 40;
    // struct gnttab_query_size (16)
    public static final int QUERY_DOM = 0;
    public static final int QUERY_NR_FRAMES = 4;
    public static final int QUERY_MAX_NR_FRAMES = 8;
    public static final int QUERY_STATUS = 12;
    public static final int SIZEOF_QUERY_SIZE = 16;
    // struct gnttab_unmap_and_replace (24)
    public static final int UNMAP_REPLACE_HOST_ADDR = 0;
    public static final int UNMAP_REPLACE_NEW_ADDR = 8;
    public static final int UNMAP_REPLACE_HANDLE = 16;
    public static final int UNMAP_REPLACE_STATUS = 20;
    public static final int SIZEOF_UNMAP_AND_REPLACE = 24;
    // struct gnttab_set_version (4)
    public static final int SET_VERSION_VERSION = 0;
    public static final int SIZEOF_SET_VERSION = 4;
    // struct gnttab_get_status_frames (16): frame_list is a guest handle to uint64_t
    public static final int STATUS_FRAMES_NR_FRAMES = 0;
    public static final int STATUS_FRAMES_DOM = 4;
    public static final int STATUS_FRAMES_STATUS = 6;
    public static final int STATUS_FRAMES_FRAME_LIST = 8;
    public static final int SIZEOF_GET_STATUS_FRAMES = 16;
    // struct gnttab_get_version (8)
    public static final int GET_VERSION_DOM = 0;
    public static final int GET_VERSION_VERSION = 4;
    public static final int SIZEOF_GET_VERSION = 8;
    // struct gnttab_swap_grant_ref (12)
    public static final int SWAP_REF_A = 0;
    public static final int SWAP_REF_B = 4;
    public static final int SWAP_STATUS = 8;
    public static final int SIZEOF_SWAP_GRANT_REF = 12;
    // struct gnttab_cache_flush (16)
    public static final int CACHE_FLUSH_A = 0;
    public static final int CACHE_FLUSH_OFFSET = 8;
    public static final int CACHE_FLUSH_LENGTH = 10;
    public static final int CACHE_FLUSH_OP = 12;
    public static final int SIZEOF_CACHE_FLUSH = 16;

    private GnttabOp() {
    }

    /** The op's name without prefix, for logs and the shell. */
    public static String name(int cmd) {
        return switch (cmd) {
            case GNTTABOP_map_grant_ref -> "map_grant_ref";
            case GNTTABOP_unmap_grant_ref -> "unmap_grant_ref";
            case GNTTABOP_setup_table -> "setup_table";
            case GNTTABOP_dump_table -> "dump_table";
            case GNTTABOP_transfer -> "transfer";
            case GNTTABOP_copy -> "copy";
            case GNTTABOP_query_size -> "query_size";
            case GNTTABOP_unmap_and_replace -> "unmap_and_replace";
            case GNTTABOP_set_version -> "set_version";
            case GNTTABOP_get_status_frames -> "get_status_frames";
            case GNTTABOP_get_version -> "get_version";
            case GNTTABOP_swap_grant_ref -> "swap_grant_ref";
            case GNTTABOP_cache_flush -> "cache_flush";
            default -> "gnttabop#" + cmd;
        };
    }
}
