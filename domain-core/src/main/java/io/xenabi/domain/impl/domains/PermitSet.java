package io.xenabi.domain.impl.domains;

import io.xenabi.abi.AbiCapability;
import io.xenabi.abi.AbiVariant;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;

/**
 * A domain's permit set, fixed when the domain is created: the advanced ABI variants its guest
 * may turn on, each by name and bit. A variant is in the set or not; one that leaves and comes
 * back (a hot swap, an update, a jar in deploy/) is the same variant, so its domains keep it; a
 * variant that first arrives after the domain was created is never in its set.
 *
 * <p>Domain-0 is {@link #UNRESTRICTED}: as in Xen, no permission check applies to the control
 * domain (xen/common/event_fifo.c's init_control has none; dom0 is built with every feature), so
 * it may use every variant, present or future.
 *
 * @param variants the advanced variants permitted, by bit (base variants are always permitted)
 * @param unrestricted every variant, present or future, is permitted (Domain-0)
 */
public record PermitSet(List<AbiVariant> variants, boolean unrestricted) {
    /** Domain-0's set: every variant, present or future. */
    public static final PermitSet UNRESTRICTED = new PermitSet(List.of(), true);
    /** No advanced variant. */
    public static final PermitSet NONE = new PermitSet(List.of(), false);

    public PermitSet {
        variants = variants.stream().filter(v -> !v.isBase()).distinct()
                .sorted(Comparator.comparingInt(AbiVariant::capability).thenComparing(AbiVariant::qualifiedName))
                .toList();
    }

    /** The set of {@code variants} (base ones left out). */
    public static PermitSet of(Collection<AbiVariant> variants) {
        return new PermitSet(List.copyOf(variants), false);
    }

    /** Whether the guest may use {@code v}: a base variant, or one in the set by name and bit. */
    public boolean permits(AbiVariant v) {
        return v.isBase() || unrestricted || variants.contains(v);
    }

    /** The set as it shows now: Domain-0's is the advanced variants {@code present}. */
    public List<AbiVariant> shown(Collection<AbiVariant> present) {
        return unrestricted ? new PermitSet(List.copyOf(present), false).variants() : variants;
    }

    /** The bitmap of the set as it shows now. */
    public long bits(Collection<AbiVariant> present) {
        long bits = 0;
        for (AbiVariant v : shown(present)) {
            bits |= AbiCapability.mask(v.capability());
        }
        return bits;
    }

    /**
     * Whether the set is literally every advanced variant {@code present} now, and not empty (or
     * is Domain-0's): what the toolstack prints as {@code all}.
     */
    public boolean isEveryVariantPresent(Collection<AbiVariant> present) {
        if (unrestricted) {
            return true;
        }
        List<AbiVariant> advanced = new PermitSet(List.copyOf(present), false).variants();
        return !variants.isEmpty() && new HashSet<>(variants).equals(new HashSet<>(advanced));
    }
}
