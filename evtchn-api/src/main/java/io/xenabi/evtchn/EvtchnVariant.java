package io.xenabi.evtchn;

import java.util.Set;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * An event-channel ABI variant: the service a variant bundle registers, with the service
 * properties {@code xenabi.abi.family=evtchn}, {@code xenabi.abi.variant} (its name) and
 * {@code xenabi.abi.capability} (its bit, or -1 for the base 2-level ABI). See
 * {@link io.xenabi.abi.AbiVariant}.
 */
@ConsumerType
public interface EvtchnVariant {
    /** Creates this ABI's state for a domain that starts to use it. */
    EvtchnPortOps create(EvtchnDomain domain);

    /**
     * Recreates a domain's state from {@link EvtchnPortOps#exportState()} of a previous
     * implementation of this variant (same or older version).
     *
     * @throws IllegalArgumentException when the state is in a format this implementation
     *     does not read
     */
    EvtchnPortOps importState(EvtchnDomain domain, byte[] state);

    /**
     * The EVTCHNOP_* sub-ops this variant defines beyond the generic set and through which a
     * domain switches to it ({@code init_control} and {@code expand_array} for FIFO; none for
     * 2-level). domain-core routes them here when the domain is permitted this variant: to
     * the domain's own instance when it already uses this variant, otherwise to a fresh one
     * from {@link #create}; a sub-op that succeeds on a fresh instance switches the domain to
     * this variant (as the first {@code EVTCHNOP_init_control} does in Xen), and a fresh
     * instance whose sub-op failed is destroyed.
     */
    Set<Integer> setupOps();
}
