package io.xenabi.guest;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A Linux-like guest kernel running in one domain: one thread per vCPU blocked in
 * {@code SCHEDOP_block}, an event front-end for the ABI chosen at boot, and a port-to-handler
 * table. Everything it does goes through the hypercall door with argument structs in its own
 * memory. The binding methods may be called from any thread (they act as vCPU 0, like a
 * process on the boot CPU) or from an {@link EventHandler}; failures throw
 * {@link GuestException} naming the hypercall and Xen's errno.
 */
@ProviderType
public interface GuestKernel {
    int domid();

    /** The domain's name. */
    String name();

    int vcpus();

    /** The ABI mode it was booted with. */
    AbiMode mode();

    /** The ABI its event front-end drives. */
    EvtchnAbi abi();

    /** Whether its vCPU threads run (false once stopped or once the domain is gone). */
    boolean isRunning();

    GuestStats stats();

    /**
     * EVTCHNOP_alloc_unbound for {@code remoteDom}, then binds {@code handler} to the new port
     * and unmasks it.
     *
     * @return the new local port
     */
    int allocUnbound(int remoteDom, EventHandler handler);

    /**
     * EVTCHNOP_bind_interdomain to {@code remotePort} of {@code remoteDom}, then binds
     * {@code handler} and unmasks. Xen marks the new port pending, so the handler runs once
     * soon after.
     *
     * @return the new local port
     */
    int bindInterdomain(int remoteDom, int remotePort, EventHandler handler);

    /** EVTCHNOP_bind_ipi for {@code vcpu}; returns the port. */
    int bindIpi(int vcpu, EventHandler handler);

    /** EVTCHNOP_bind_virq of {@code virq} on {@code vcpu}; returns the port. */
    int bindVirq(int virq, int vcpu, EventHandler handler);

    /** EVTCHNOP_send on {@code port}. */
    void send(int port);

    /** Masks the port, closes it (EVTCHNOP_close) and forgets its handler. */
    void close(int port);

    /** The grant-table version the kernel uses. */
    int grantVersion();
}
