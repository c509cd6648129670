package io.xenabi.abi;

/**
 * {@code __HYPERVISOR_hvm_op} commands and parameters xenabi serves
 * (xen/include/public/hvm/hvm_op.h, hvm/params.h) and the layout of {@code struct xen_hvm_param}.
 */
public final class HvmOp {
    public static final int HVMOP_set_param = 0;
    public static final int HVMOP_get_param = 1;

    /** How the upcall is raised: the via type in bits 56-63 of the value. */
    public static final int HVM_PARAM_CALLBACK_IRQ = 0;
    public static final int HVM_NR_PARAMS = 39;

    /** Via types of {@code HVM_PARAM_CALLBACK_IRQ} (bits 56-63): a GSI, a PCI INTx line, a vector. */
    public static final int HVM_PARAM_CALLBACK_TYPE_GSI = 0;
    public static final int HVM_PARAM_CALLBACK_TYPE_PCI_INTX = 1;
    public static final int HVM_PARAM_CALLBACK_TYPE_VECTOR = 2;

    /** {@code struct xen_hvm_param}: {@code domid} u16, pad, {@code index} u32, {@code value} u64. */
    public static final int HVM_PARAM_DOMID = 0;
    public static final int HVM_PARAM_INDEX = 4;
    public static final int HVM_PARAM_VALUE = 8;
    public static final int SIZEOF_HVM_PARAM = 16;

    private HvmOp() {
    }
}
