package io.xenabi.guest.impl;

import io.xenabi.guest.EvtchnAbi;

/**
 * The guest side of one event-channel ABI: Linux's {@code struct evtchn_ops}
 * (drivers/xen/events/events_internal.h). The generic kernel ({@link GuestKernelImpl}) binds
 * and closes ports through the door and calls these for what lives in guest memory.
 */
interface EvtchnOps {
    /** How the front-end hands an event it found to the generic layer. */
    interface Dispatcher {
        /** The vCPU the kernel bound {@code port} to, or -1 when it has no handler for it. */
        int vcpuOf(int port);

        /** Runs the port's handler (pending has already been cleared). */
        void deliver(int vcpu, int port);
    }

    EvtchnAbi abi();

    /** Masks every port the ABI can address now (Linux's {@code xen_evtchn_mask_all} at boot). */
    void maskAll();

    /**
     * Makes a freshly bound port addressable (FIFO grows the event array to cover it). Returns
     * 0 or a negative Xen errno.
     */
    long setup(int port);

    void mask(int port);

    /** Unmasks the port; an event that arrived while masked is delivered. */
    void unmask(int port);

    boolean isPending(int port);

    void clearPending(int port);

    /**
     * The port has been closed: FIFO waits until it has left the queue (Linux's
     * {@code evtchn_fifo_close}), unless the caller is a vCPU that could be the one to unlink it.
     */
    void remove(int port, boolean callerIsVcpu);

    /**
     * Processes the events pending for {@code vcpu} (Linux's {@code handle_events}); returns
     * how many it found pending, handled or not.
     */
    int handleEvents(int vcpu, Dispatcher dispatcher);
}
