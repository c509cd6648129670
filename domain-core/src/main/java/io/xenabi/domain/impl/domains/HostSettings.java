package io.xenabi.domain.impl.domains;

import io.xenabi.abi.AbiCapability;
import io.xenabi.abi.AbiVariant;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.impl.variants.Variants;
import java.util.ArrayList;
import java.util.List;

/**
 * Host settings as configured (ConfigAdmin PID io.xenabi.host): variant names as configured,
 * resolved to bits when a domain is created.
 */
public record HostSettings(List<String> permitDefault, List<String> permitMax, int maxEventChannels,
        int maxGrantFrames, int maxMaptrackFrames) {
    private static final System.Logger LOG = System.getLogger(HostSettings.class.getName());

    public static final HostSettings DEFAULT = new HostSettings(List.of("*"), List.of("*"),
            DomainConfig.DEFAULT_MAX_EVENT_CHANNELS, DomainConfig.DEFAULT_MAX_GRANT_FRAMES,
            DomainConfig.DEFAULT_MAX_MAPTRACK_FRAMES);

    /** Splits configured values at commas too: a .cfg file gives one string. */
    public static List<String> names(String[] values) {
        List<String> out = new ArrayList<>();
        for (String v : values == null ? new String[0] : values) {
            for (String part : v.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
        }
        return out;
    }

    /**
     * The bitmap of variant names: "*" is every bit; a stable public name or a variant present
     * now gives its bit; an unknown name is reported and permits nothing.
     */
    public static long permitBits(List<String> names, Variants variants) {
        long bits = 0;
        for (String n : names) {
            if (n.equals("*")) {
                return AbiCapability.ALL;
            }
            int bit = AbiCapability.bitOf(n);
            if (bit == -2) {
                bit = variants.all().stream().filter(v -> v.qualifiedName().equals(n)).mapToInt(AbiVariant::capability)
                        .findFirst().orElse(-2);
            }
            if (bit == -2) {
                LOG.log(System.Logger.Level.WARNING, "host configuration names an unknown ABI variant: " + n);
            } else if (bit != AbiCapability.BASE) {
                bits |= AbiCapability.mask(bit);
            }
        }
        return bits;
    }

    /**
     * Whether the host maximum lets a domain created now have {@code v}: {@code *}, or its
     * qualified name, is in the list; base variants always.
     */
    public boolean maxPermits(AbiVariant v) {
        return v.isBase() || permitMax.contains("*") || permitMax.contains(v.qualifiedName());
    }

    /** A configuration named {@code name} with these defaults. */
    public DomainConfig defaults(String name, Variants variants) {
        return new DomainConfig(name, 1, DomainConfig.DEFAULT_MEMORY_MIB, maxEventChannels, maxGrantFrames,
                maxMaptrackFrames, permitBits(permitDefault, variants));
    }
}
