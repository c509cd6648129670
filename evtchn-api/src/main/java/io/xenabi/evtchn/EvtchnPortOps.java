package io.xenabi.evtchn;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One domain's instance of an event-channel ABI: Xen's {@code struct evtchn_port_ops}
 * (xen/include/xen/event.h) together with the variant's per-domain state (for FIFO: control
 * blocks, event-array pages and queues). domain-core calls these with the port's lock held
 * where Xen holds the per-channel lock, so a single port never sees two ops at once; ops on
 * different ports and on different vCPUs may run concurrently.
 *
 * <p>None of these throw except {@link io.xenabi.abi.GuestFault} from guest memory, which the
 * door answers with {@code -EFAULT}.
 */
@ConsumerType
public interface EvtchnPortOps {
    /** The highest number of ports this ABI can address for this domain (4096, 131072). */
    int maxPorts();

    /** A port has just been bound (Xen's {@code evtchn_port_init}). */
    void init(EvtchnPort port);

    /**
     * The domain has just switched to this ABI while {@code port} was open; {@code pending}
     * is whether it was pending under the previous ABI. The new ABI takes the event over.
     */
    void adopt(EvtchnPort port, boolean pending);

    /** Marks the port pending and, if the guest should see it, notifies its vCPU. */
    void setPending(EvtchnPort port);

    void clearPending(EvtchnPort port);

    /** The hypervisor side of EVTCHNOP_unmask: clears the mask and re-raises if pending. */
    void unmask(EvtchnPort port);

    boolean isPending(EvtchnPort port);

    boolean isMasked(EvtchnPort port);

    /** Whether the port must not be reused yet (FIFO: still linked in a queue). */
    boolean isBusy(EvtchnPort port);

    /**
     * EVTCHNOP_set_priority: 0 on success, or a negative Xen errno ({@code -ENOSYS} for an
     * ABI without priorities, {@code -EINVAL} for a priority out of range).
     */
    int setPriority(EvtchnPort port, int priority);

    /** A few words on the port's ABI-specific state for {@code evtchn:list} (may be empty). */
    String printState(EvtchnPort port);

    /**
     * One of the variant's own sub-ops (see {@link EvtchnVariant#setupOps()}), reading its
     * argument struct at {@code argGpa} in the guest's memory. Returns Xen's result: 0 or more
     * on success, a negative errno on failure.
     */
    long setupOp(int vcpu, int cmd, long argGpa);

    /**
     * The hypervisor-side state a new implementation of the same variant needs to carry on
     * (the hot-swap handover), in the variant's own versioned format. Guest memory is not
     * included: it stays where it is.
     */
    byte[] exportState();

    /** The domain leaves this ABI (reset, destroy, handover): release what it holds. */
    void destroy();
}
