package io.xenabi.domain;

import io.xenabi.abi.AbiVariant;
import java.util.List;

/**
 * A snapshot of one domain for the toolstack ({@code xl list}).
 *
 * @param domid the domain id
 * @param config what it was created with
 * @param state its lifecycle state
 * @param evtchnAbi the event-channel variant in use ({@code 2l}, {@code fifo}, ...)
 * @param portsInUse ports that are not free (port 0 excluded)
 * @param shutdownReason the SHUTDOWN_* code once the guest has shut down, else -1
 * @param permit the bitmap of {@code permitted}
 * @param grantVersion the grant-table version in use (0 before a grant table exists)
 * @param permitted the advanced variants the domain may use, by name and bit, in bit order: its
 *     set fixed when it was created, (its bitmap ∩ the host maximum) ∩ the variants present
 *     then, kept across save and restore; some may be absent from this host now. Domain-0 may
 *     use every variant, present or future: its set shows as the variants present now.
 * @param permitsEveryVariant whether {@code permitted} is literally every advanced variant
 *     present now, and not empty (always for Domain-0): what the toolstack prints as {@code all}
 * @since 1.3
 */
public record DomainInfo(int domid, DomainConfig config, DomainState state, String evtchnAbi, int portsInUse,
        int shutdownReason, long permit, int grantVersion, List<AbiVariant> permitted, boolean permitsEveryVariant) {
    public DomainInfo {
        permitted = List.copyOf(permitted);
    }

    /** A snapshot that knows its permit set by bits only (no names; never "every variant"). */
    public DomainInfo(int domid, DomainConfig config, DomainState state, String evtchnAbi, int portsInUse,
            int shutdownReason, long permit, int grantVersion) {
        this(domid, config, state, evtchnAbi, portsInUse, shutdownReason, permit, grantVersion, List.of(), false);
    }

    /** A snapshot whose permit bitmap is the configured one, known by bits only, and whose grant table is v1. */
    public DomainInfo(int domid, DomainConfig config, DomainState state, String evtchnAbi, int portsInUse,
            int shutdownReason) {
        this(domid, config, state, evtchnAbi, portsInUse, shutdownReason, config.abiPermit(), 1);
    }

    /** The qualified names of {@link #permitted} ({@code evtchn-fifo}, {@code gnttab-v2}), in bit order. */
    public List<String> permitNames() {
        return permitted.stream().map(AbiVariant::qualifiedName).toList();
    }

    public String name() {
        return config.name();
    }
}
