package io.xenabi.abi;

/** Hypercall numbers (xen/include/public/xen.h), the {@code op} of the hypercall door. */
public final class Hypercall {
    public static final int __HYPERVISOR_memory_op = 12;
    public static final int __HYPERVISOR_xen_version = 17;
    public static final int __HYPERVISOR_grant_table_op = 20;
    public static final int __HYPERVISOR_vcpu_op = 24;
    public static final int __HYPERVISOR_sched_op = 29;
    public static final int __HYPERVISOR_event_channel_op = 32;
    public static final int __HYPERVISOR_hvm_op = 34;

    private Hypercall() {
    }

    /** A short name for logs and the shell: {@code "event_channel_op"} for 32. */
    public static String name(int op) {
        return switch (op) {
            case __HYPERVISOR_memory_op -> "memory_op";
            case __HYPERVISOR_xen_version -> "xen_version";
            case __HYPERVISOR_grant_table_op -> "grant_table_op";
            case __HYPERVISOR_vcpu_op -> "vcpu_op";
            case __HYPERVISOR_sched_op -> "sched_op";
            case __HYPERVISOR_event_channel_op -> "event_channel_op";
            case __HYPERVISOR_hvm_op -> "hvm_op";
            default -> "hypercall#" + op;
        };
    }
}
