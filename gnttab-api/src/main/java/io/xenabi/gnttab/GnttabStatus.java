package io.xenabi.gnttab;

/** The GNTST_* per-element status codes, with Xen's values. */
public final class GnttabStatus {
    public static final int GNTST_okay = 0;
    public static final int GNTST_general_error = -1;
    public static final int GNTST_bad_domain = -2;
    public static final int GNTST_bad_gntref = -3;
    public static final int GNTST_bad_handle = -4;
    public static final int GNTST_bad_virt_addr = -5;
    public static final int GNTST_bad_dev_addr = -6;
    public static final int GNTST_no_device_space = -7;
    public static final int GNTST_permission_denied = -8;
    public static final int GNTST_bad_page = -9;
    public static final int GNTST_bad_copy_arg = -10;
    public static final int GNTST_address_too_big = -11;
    public static final int GNTST_eagain = -12;
    public static final int GNTST_no_space = -13;

    private GnttabStatus() {
    }

    /** The code's name, as Xen's GNTTABOP_error_msgs words it. */
    public static String name(int status) {
        return switch (status) {
            case GNTST_okay -> "okay";
            case GNTST_general_error -> "undefined error";
            case GNTST_bad_domain -> "unrecognised domain id";
            case GNTST_bad_gntref -> "invalid grant reference";
            case GNTST_bad_handle -> "invalid mapping handle";
            case GNTST_bad_virt_addr -> "invalid virtual address";
            case GNTST_bad_dev_addr -> "invalid device address";
            case GNTST_no_device_space -> "no spare translation slot in the I/O MMU";
            case GNTST_permission_denied -> "permission denied";
            case GNTST_bad_page -> "bad page";
            case GNTST_bad_copy_arg -> "copy arguments cross page boundary";
            case GNTST_address_too_big -> "page address size too large";
            case GNTST_eagain -> "operation not done; try again";
            case GNTST_no_space -> "out of space";
            default -> "status " + status;
        };
    }
}
