package io.xenabi.abi;

/**
 * {@code __HYPERVISOR_xen_version} sub-ops and the feature bits of {@code XENVER_get_features}
 * (xen/include/public/version.h, features.h), with {@code struct xen_feature_info}'s layout.
 */
public final class XenVersion {
    public static final int XENVER_version = 0;
    public static final int XENVER_get_features = 6;

    /** {@code struct xen_feature_info}: {@code submap_idx} (in), {@code submap} (out), 8 bytes. */
    public static final int FEATURE_INFO_SUBMAP_IDX = 0;
    public static final int FEATURE_INFO_SUBMAP = 4;
    public static final int SIZEOF_FEATURE_INFO = 8;
    public static final int XENFEAT_NR_SUBMAPS = 1;

    public static final int XENFEAT_writable_page_tables = 0;
    public static final int XENFEAT_writable_descriptor_tables = 1;
    public static final int XENFEAT_auto_translated_physmap = 2;
    public static final int XENFEAT_supervisor_mode_kernel = 3;
    public static final int XENFEAT_pae_pgdir_above_4gb = 4;
    public static final int XENFEAT_mmu_pt_update_preserve_ad = 5;
    public static final int XENFEAT_highmem_assist = 6;
    public static final int XENFEAT_gnttab_map_avail_bits = 7;
    public static final int XENFEAT_hvm_callback_vector = 8;
    public static final int XENFEAT_hvm_safe_pvclock = 9;
    public static final int XENFEAT_hvm_pirqs = 10;
    public static final int XENFEAT_dom0 = 11;
    public static final int XENFEAT_memory_op_vnode_supported = 13;
    public static final int XENFEAT_not_direct_mapped = 16;
    public static final int XENFEAT_direct_mapped = 17;

    private XenVersion() {
    }
}
