package io.xenabi.abi;

/**
 * {@code __HYPERVISOR_vcpu_op} commands xenabi serves (xen/include/public/vcpu.h) and the layout
 * of {@code struct vcpu_register_vcpu_info}.
 */
public final class VcpuOp {
    public static final int VCPUOP_register_vcpu_info = 10;

    /** {@code struct vcpu_register_vcpu_info}: {@code mfn} (a gfn for a translated guest), {@code offset}, {@code rsvd}. */
    public static final int REGISTER_VCPU_INFO_MFN = 0;
    public static final int REGISTER_VCPU_INFO_OFFSET = 8;
    public static final int REGISTER_VCPU_INFO_RSVD = 12;
    public static final int SIZEOF_REGISTER_VCPU_INFO = 16;

    private VcpuOp() {
    }
}
