package io.xenabi.guest.front;

/**
 * The guest side of one event-channel ABI: Linux's {@code struct evtchn_ops}
 * (drivers/xen/events/events_internal.h). The generic kernel binds and closes ports through the
 * door and calls these for what lives in guest memory; {@link #resume} sets the ABI up again
 * after a restore, as {@code evtchn_ops->resume} does from {@code xen_irq_resume}.
 */
public interface EvtchnOps {
    /** How a consumer hands an event it found to the generic layer. */
    @FunctionalInterface
    interface Dispatcher {
        /** Runs the port's handler on {@code vcpu} (pending has already been cleared). */
        void deliver(int vcpu, int port);

        /**
         * Whether {@code vcpu} handles {@code port} (Linux's {@code cpu_evtchn} mask, which the
         * 2-level consumer checks because every vCPU scans the same bitmaps); every port by
         * default.
         */
        default boolean owns(int vcpu, int port) {
            return true;
        }
    }

    /** The variant's name as the hypervisor reports it: {@code 2l} or {@code fifo}. */
    String name();

    /** Ports this ABI can address now. */
    int maxChannels();

    /** Masks every port the ABI can address now (Linux's {@code xen_evtchn_mask_all}). */
    void maskAll();

    /**
     * Makes a freshly bound port addressable (FIFO grows the event array to cover it). Returns
     * 0 or a negative Xen errno.
     */
    long setup(int port);

    void mask(int port);

    /** Unmasks the port as {@code vcpu}; an event that arrived while masked is delivered. */
    void unmask(int vcpu, int port);

    boolean isPending(int port);

    void clearPending(int port);

    boolean isMasked(int port);

    /**
     * The port has been closed: FIFO waits until it has left its queue (Linux's
     * {@code evtchn_fifo_close}), unless the caller is a vCPU that could be the one to unlink it.
     */
    void remove(int port, boolean callerIsVcpu);

    /**
     * Processes the events pending for {@code vcpu} (Linux's {@code handle_events}); returns
     * how many it delivered. The caller clears {@code evtchn_upcall_pending} first.
     */
    int handleEvents(int vcpu, Dispatcher dispatcher);

    /**
     * Sets the ABI up again in a restored domain, with nothing probed: FIFO registers a cleared
     * control block on every vCPU again and starts the event array afresh (Linux's
     * {@code evtchn_fifo_resume}); 2-level has nothing to do. Returns 0 or the negative errno
     * of the step that failed (Linux hits {@code BUG()} there).
     */
    long resume();
}
