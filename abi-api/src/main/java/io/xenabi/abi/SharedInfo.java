package io.xenabi.abi;

/**
 * Byte offsets of {@code struct shared_info} and {@code struct vcpu_info} in Xen's x86_64
 * layout (xen/include/public/xen.h, arch-x86/xen.h), as checked with a C probe against the
 * public headers: 3136 bytes, 32 legacy vcpu_info slots of 64 bytes at offset 0, then the
 * 2-level pending and mask bitmaps (64 words of 64 bits each).
 */
public final class SharedInfo {
    /** {@code XEN_LEGACY_MAX_VCPUS}: vCPUs whose vcpu_info lives in shared_info. */
    public static final int XEN_LEGACY_MAX_VCPUS = 32;
    public static final int SIZEOF_SHARED_INFO = 3136;
    public static final int SIZEOF_VCPU_INFO = 64;

    /** {@code vcpu_info[0]}. */
    public static final int VCPU_INFO = 0;
    public static final int EVTCHN_PENDING = 2048;
    public static final int EVTCHN_MASK = 2560;
    /** Bytes of each of the two 2-level bitmaps (64-bit guests). */
    public static final int EVTCHN_BITMAP_BYTES = 512;
    public static final int WC_VERSION = 3072;
    public static final int WC_SEC = 3076;
    public static final int WC_NSEC = 3080;
    public static final int WC_SEC_HI = 3084;

    /** Offsets inside one {@code struct vcpu_info}. */
    public static final int VCPU_EVTCHN_UPCALL_PENDING = 0;
    public static final int VCPU_EVTCHN_UPCALL_MASK = 1;
    public static final int VCPU_EVTCHN_PENDING_SEL = 8;

    private SharedInfo() {
    }

    /** Offset in shared_info of {@code vcpu_info[vcpu]}. */
    public static int vcpuInfo(int vcpu) {
        return VCPU_INFO + vcpu * SIZEOF_VCPU_INFO;
    }
}
