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
 * @param permit the advanced variants the domain may use: its bitmap ∩ the host maximum when
 *     it was created
 * @param grantVersion the grant-table version in use (0 before a grant table exists)
 */
public record DomainInfo(int domid, DomainConfig config, DomainState state, String evtchnAbi, int portsInUse,
        int shutdownReason, long permit, int grantVersion) {
    /** A snapshot whose permit set is the configured one and whose grant table is v1. */
    public DomainInfo(int domid, DomainConfig config, DomainState state, String evtchnAbi, int portsInUse,
            int shutdownReason) {
        this(domid, config, state, evtchnAbi, portsInUse, shutdownReason, config.abiPermit(), 1);
    }

    public String name() {
        return config.name();
    }
}
