package io.xenabi.guest;

import java.util.Map;

/**
 * What a guest kernel's event front-end has seen since it booted.
 *
 * @param domid the domain the kernel runs in
 * @param abi the event-channel ABI it drives
 * @param fallbackReason why FIFO was not used (e.g. {@code "EVTCHNOP_init_control: -EOPNOTSUPP"}),
 *     or empty when FIFO is in use or was not tried
 * @param upcalls upcalls taken (vCPU woke with {@code evtchn_upcall_pending} set), all vCPUs
 * @param spuriousUpcalls upcalls in which no event was found
 * @param eventsHandled events dispatched to a port's handler
 * @param spuriousEvents events found pending on a port the kernel has no handler for
 * @param eventsPerPort events dispatched per port since it was last bound (a port closed since
 *     keeps its count until it is bound again)
 */
public record GuestStats(int domid, EvtchnAbi abi, String fallbackReason, long upcalls, long spuriousUpcalls,
        long eventsHandled, long spuriousEvents, Map<Integer, Long> eventsPerPort) {
    public GuestStats {
        eventsPerPort = Map.copyOf(eventsPerPort);
    }
}
