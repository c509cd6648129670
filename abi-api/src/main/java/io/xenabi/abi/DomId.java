package io.xenabi.abi;

/** Domain identifiers with a special meaning (xen/include/public/xen.h, {@code domid_t}). */
public final class DomId {
    /** The first id that does not name a real domain. */
    public static final int DOMID_FIRST_RESERVED = 0x7FF0;
    /** "The calling domain" in hypercall arguments. */
    public static final int DOMID_SELF = 0x7FF0;
    public static final int DOMID_IO = 0x7FF1;
    public static final int DOMID_XEN = 0x7FF2;
    public static final int DOMID_COW = 0x7FF3;
    public static final int DOMID_INVALID = 0x7FF4;
    public static final int DOMID_IDLE = 0x7FFF;

    private DomId() {
    }

    /** Whether {@code domid} (a 16-bit field read from the guest) can name a real domain. */
    public static boolean isReal(int domid) {
        return domid >= 0 && domid < DOMID_FIRST_RESERVED;
    }
}
