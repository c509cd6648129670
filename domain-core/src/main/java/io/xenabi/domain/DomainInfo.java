package io.xenabi.domain;

/**
 * A snapshot of one domain for the toolstack ({@code xl list}).
 *
 * @param domid the domain id
 * @param config what it was created with
 * @param state its lifecycle state
 * @param evtchnAbi the event-channel variant in use ({@code 2l}, {@code fifo}, ...)
 * @param portsInUse ports that are not free (port 0 excluded)
 * @param shutdownReason the SHUTDOWN_* code once the guest has shut down, else -1
 */
public record DomainInfo(int domid, DomainConfig config, DomainState state, String evtchnAbi, int portsInUse,
        int shutdownReason) {
    public String name() {
        return config.name();
    }
}
