package io.xenabi.guest.front;

/**
 * The hypercall door as a guest sees it: hypercall {@code op} issued by vCPU {@code vcpu} of
 * {@code domid} with three argument registers (an op that reads fewer ignores the rest). The
 * hypervisor's {@code Hypervisor::hypercall} fits, as does a test's fake.
 */
@FunctionalInterface
public interface Door {
    long hypercall(int domid, int vcpu, int op, long arg0, long arg1, long arg2);
}
