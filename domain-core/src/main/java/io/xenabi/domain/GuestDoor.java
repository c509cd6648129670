package io.xenabi.domain;

import io.xenabi.abi.GuestMemory;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The guest door: what a guest kernel model reaches, as Xen's hypercall table. Every bad
 * input is answered with a negative Xen errno; nothing throws through the door.
 *
 * <p>The toolstack's half lives in {@link DomainControl} (Xen's domctl) and
 * {@link HypervisorInfo} (sysctl and the queries of xl list); {@link Hypervisor} is all three.
 */
@ProviderType
public interface GuestDoor {
    /**
     * Hypercall {@code op} issued by vCPU {@code vcpu} of {@code domid}, with Xen's arguments
     * (sub-op, then guest physical addresses of argument structs in Xen's x86_64 layout).
     * Returns Xen's result: {@code >= 0}, or a negative Xen errno. Never throws.
     */
    long hypercall(int domid, int vcpu, int op, long... args);

    /** {@link #hypercall(int, int, int, long...)} with one argument, as a register (no array). */
    default long hypercall(int domid, int vcpu, int op, long arg0) {
        return hypercall(domid, vcpu, op, new long[] {arg0});
    }

    /** {@link #hypercall(int, int, int, long...)} with two arguments, as registers (no array). */
    default long hypercall(int domid, int vcpu, int op, long arg0, long arg1) {
        return hypercall(domid, vcpu, op, new long[] {arg0, arg1});
    }

    /** {@link #hypercall(int, int, int, long...)} with three arguments, as registers (no array). */
    default long hypercall(int domid, int vcpu, int op, long arg0, long arg1, long arg2) {
        return hypercall(domid, vcpu, op, new long[] {arg0, arg1, arg2});
    }

    /** The guest's RAM, for the guest kernel model of that domain. */
    GuestMemory memory(int domid);
}
