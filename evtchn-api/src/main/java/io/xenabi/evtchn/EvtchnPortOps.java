package io.xenabi.evtchn;

import io.xenabi.abi.XenErrno;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * One domain's instance of an event-channel ABI: Xen's {@code struct evtchn_port_ops}
 * (xen/include/xen/event.h) together with the variant's per-domain state (for FIFO: control
 * blocks, event-array pages and queues).
 *
 * <p><b>Mandatory and optional ops.</b> The abstract methods are the ops every ABI has. The
 * default methods are the optional members of Xen's table: a default body means the op is
 * <em>absent</em> and does what Xen's {@code event.h} wrapper does for a NULL member
 * ({@code init}: nothing; {@code is_busy}: false; {@code print_state}: nothing; no
 * {@code set_priority}: {@link #hasPriorities()} false). The rules around the ops are the
 * generic code's, decided before an op is called, as Xen's wrappers do: domain-core answers
 * {@code -ENOSYS} for set_priority on an ABI without priorities and {@code -EACCES} for a port
 * that is not in use, and calls {@link #setPriority} only for a port in use; it calls
 * {@link #unmask} only for a port in use.
 *
 * <p><b>Concurrency.</b> What domain-core guarantees, per port:
 * <ul>
 * <li>{@link #init}, {@link #clearPending}, {@link #unmask} and {@link #setPriority} run with
 * the port's lock held (Xen's per-channel lock), so none of them overlaps another of them on
 * the same port.</li>
 * <li>{@link #setPending} runs with the lock of the port <em>it is sent from</em>: the port
 * itself for an IPI or VIRQ, the sending peer's for an interdomain port. So a send to an
 * interdomain port (under the sender's lock) may run at the same time as an
 * {@link #unmask}, {@link #setPriority} or a query of that port (under the receiver's lock),
 * as in Xen, where both take the channel lock only for reading. Two sends to one port do not
 * overlap (an interdomain port has one peer), and {@link #clearPending} (a close holds both
 * ends' locks) overlaps no send.</li>
 * <li>{@link #isPending}, {@link #isMasked}, {@link #isBusy} and {@link #printState} may run
 * at any time, also concurrently with any op on the port.</li>
 * <li>{@link #adopt}, {@link #setupOp}, {@link #exportState} and {@link #destroy} run with the
 * domain's event lock held and every port op quiesced: nothing else runs on this instance.</li>
 * <li>Ops on different ports, and on the queues of different vCPUs, run concurrently.</li>
 * </ul>
 * The guest changes the same words of its memory at any time, so a variant keeps the ops
 * above correct against each other and the guest by itself: atomic read-modify-writes of
 * guest words, and locks of its own around its hypervisor-side state (FIFO's queue locks).
 *
 * <p>None of these throw except {@link io.xenabi.abi.GuestFault} from guest memory, which the
 * door answers with {@code -EFAULT}.
 */
@ConsumerType
public interface EvtchnPortOps {
    /** The highest number of ports this ABI can address for this domain (4096, 131072). */
    int maxPorts();

    /** Optional: a port has just been bound (Xen's {@code evtchn_port_init}). Absent: nothing. */
    default void init(EvtchnPort port) {
    }

    /**
     * The domain has just switched to this ABI; called for every valid port but 0, free ones
     * too, as Xen's {@code setup_ports} walks them. {@code pending} is whether the port was
     * pending under the previous ABI (for a free port, the bit the guest left there). The new
     * ABI takes the event over. By default a pending event is set pending again.
     */
    default void adopt(EvtchnPort port, boolean pending) {
        if (pending) {
            setPending(port);
        }
    }

    /**
     * Marks the port pending and, if the guest should see it, notifies its vCPU; an ABI that
     * {@link #checksPollers() checks the pollers} calls {@link EvtchnDomain#checkPollers} when
     * PENDING went from 0 to 1.
     */
    void setPending(EvtchnPort port);

    /**
     * Whether this ABI calls {@link EvtchnDomain#checkPollers} itself, from {@link #setPending},
     * exactly when the port became newly pending (Xen's ABIs do: a send to a port already
     * pending wakes no poller). Absent (false, an ABI written before 2.1): domain-core checks
     * the pollers after every {@link #setPending}, which may wake a poller Xen would not.
     * Since 2.1.
     */
    default boolean checksPollers() {
        return false;
    }

    void clearPending(EvtchnPort port);

    /** The hypervisor side of EVTCHNOP_unmask (a port in use): clears the mask and re-raises if pending. */
    void unmask(EvtchnPort port);

    boolean isPending(EvtchnPort port);

    boolean isMasked(EvtchnPort port);

    /** Optional: whether the port must not be reused yet (FIFO: still linked in a queue). Absent: false. */
    default boolean isBusy(EvtchnPort port) {
        return false;
    }

    /**
     * Whether this ABI has the optional set_priority op (Xen: {@code ops->set_priority} is not
     * NULL). An ABI that implements {@link #setPriority} says true here; the contract tests of
     * evtchn-api's test kit check that the two agree.
     */
    default boolean hasPriorities() {
        return false;
    }

    /**
     * Optional: EVTCHNOP_set_priority of a port in use, called only when
     * {@link #hasPriorities()}: 0 on success or {@code -EINVAL} for a priority out of range.
     * Absent: {@code -ENOSYS} (domain-core answers that without calling).
     */
    default int setPriority(EvtchnPort port, int priority) {
        return -XenErrno.ENOSYS;
    }

    /** Optional: a few words on the port's ABI-specific state for {@code evtchn:list}. Absent: empty. */
    default String printState(EvtchnPort port) {
        return "";
    }

    /**
     * Optional: one of the variant's own sub-ops (see {@link EvtchnVariant#setupOps()}) on its
     * argument struct, which domain-core has copied in from guest memory and copies back out
     * when the op succeeded and changed it (Xen's {@code copy_from_guest}/{@code copy_to_guest}
     * around {@code evtchn_fifo_init_control}). Returns Xen's result: 0 or more on success, a
     * negative errno on failure. Absent: {@code -ENOSYS}.
     */
    default long setupOp(int vcpu, int cmd, EvtchnSetupArg arg) {
        return -XenErrno.ENOSYS;
    }

    /**
     * The hypervisor-side state a new implementation of the same variant needs to carry on
     * (the hot-swap handover), in the variant's own versioned format. Guest memory is not
     * included: it stays where it is.
     */
    byte[] exportState();

    /** Optional: the domain leaves this ABI (reset, destroy, handover): release what it holds. Absent: nothing. */
    default void destroy() {
    }
}
