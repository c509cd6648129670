package io.xenabi.evtchn;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The generic part of one event channel that a variant may see: Xen's {@code struct evtchn}
 * as far as the port ops use it. domain-core owns the object and its state; the FIFO fields
 * ({@link #priority()}, the last queue) live here as they do in Xen, so a port costs the same
 * whichever ABI the domain uses.
 */
@ProviderType
public interface EvtchnPort {
    /** The port number. */
    int port();

    /** The vCPU notified when this port becomes pending. */
    int notifyVcpu();

    /** The FIFO priority of the port (0 highest, 15 lowest); 7 until set. */
    int priority();

    /** Sets the priority used the next time the port is queued. */
    void setPriority(int priority);

    /**
     * The queue the port was last linked on, as one word the ABI encodes (Xen's
     * {@code evtchn->fifo_lastq}, the raw of {@code union evtchn_fifo_lastq}: vCPU and
     * priority read and written together, so a reader never sees one without the other). 0
     * for a port never queued.
     */
    int lastQueue();

    /** Records the queue word (one atomic write). */
    void setLastQueue(int raw);

    /**
     * Xen's {@code evtchn->pending} ("FIFO event channels only"): set when the port was raised
     * while it had no FIFO event word (xen/common/event_fifo.c, evtchn_fifo_set_pending and
     * setup_ports), read when an event-array page brings the word (add_page_to_event_array).
     * Xen never clears it: it lives on the port, so it outlives a close, an EVTCHNOP_reset and
     * the FIFO state itself. False until set. Since 2.1.
     */
    boolean savedPending();

    /** Sets {@link #savedPending()}. Since 2.1. */
    void setSavedPending(boolean pending);
}
