package io.xenabi.evtchn;

import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * An event-channel ABI variant: the service a variant bundle registers, its component
 * annotated with {@link io.xenabi.abi.AbiVariantService} ({@code family = "evtchn"}, its name,
 * its capability bit or -1 for the base 2-level ABI). See {@link io.xenabi.abi.AbiVariant}.
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
     * domain switches to it, each with the size of its argument struct ({@code init_control}
     * and {@code expand_array} for FIFO; none for 2-level, the default). domain-core copies the
     * struct in, routes the op when the domain is permitted this variant: to
     * the domain's own instance when it already uses this variant, otherwise to a fresh one
     * from {@link #create}; a sub-op that succeeds on a fresh instance switches the domain to
     * this variant (as the first {@code EVTCHNOP_init_control} does in Xen), and a fresh
     * instance whose sub-op failed is destroyed.
     */
    default List<SetupOp> setupOps() {
        return List.of();
    }

    /**
     * A setup sub-op of a variant: its EVTCHNOP_* number and the size of its argument struct,
     * which domain-core copies in before {@link EvtchnPortOps#setupOp} and back after.
     *
     * @param cmd the sub-op number
     * @param argSize bytes of its argument struct (x86_64)
     */
    record SetupOp(int cmd, int argSize) {
        public SetupOp {
            if (argSize < 0 || argSize > 4096) {
                throw new IllegalArgumentException("argument struct of " + argSize + " bytes");
            }
        }
    }
}
