package io.xenabi.abi;

import java.util.Map;
import java.util.Objects;

/**
 * What identifies an ABI variant: its family ({@value #FAMILY_EVTCHN} or
 * {@value #FAMILY_GNTTAB}), its name within the family ({@code 2l}, {@code fifo}, {@code v1},
 * {@code v2}, ...) and the capability bit that permits it ({@link AbiCapability#BASE} for a
 * base variant). A variant bundle states these as service properties of its component.
 *
 * @param family the ABI family
 * @param name the variant's name in its family
 * @param capability its capability bit, or {@link AbiCapability#BASE}
 */
public record AbiVariant(String family, String name, int capability) {
    /** Service property: the variant's family. */
    public static final String PROP_FAMILY = "xenabi.abi.family";
    /** Service property: the variant's name. */
    public static final String PROP_VARIANT = "xenabi.abi.variant";
    /** Service property: the variant's capability bit (Integer), -1 for a base variant. */
    public static final String PROP_CAPABILITY = "xenabi.abi.capability";

    public static final String FAMILY_EVTCHN = "evtchn";
    public static final String FAMILY_GNTTAB = "gnttab";

    public AbiVariant {
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(name, "name");
        if (capability != AbiCapability.BASE && (capability < 0 || capability > AbiCapability.MAX_BIT)) {
            throw new IllegalArgumentException("capability bit " + capability + " is outside 0.."
                    + AbiCapability.MAX_BIT);
        }
    }

    /** Whether this is a base variant (needs no permission). */
    public boolean isBase() {
        return capability == AbiCapability.BASE;
    }

    /** The name users write: {@code family-name}, e.g. {@code evtchn-fifo}. */
    public String qualifiedName() {
        return family + "-" + name;
    }

    /**
     * Reads a variant from service properties, or explains in one line why they do not
     * describe one.
     */
    public static AbiVariant fromProperties(Map<String, ?> properties) {
        Object family = properties.get(PROP_FAMILY);
        Object name = properties.get(PROP_VARIANT);
        Object cap = properties.get(PROP_CAPABILITY);
        if (!(family instanceof String f) || !(name instanceof String n)) {
            throw new IllegalArgumentException("service lacks " + PROP_FAMILY + " or " + PROP_VARIANT);
        }
        int bit;
        if (cap instanceof Number num) {
            bit = num.intValue();
        } else if (cap instanceof String s) {
            try {
                bit = Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(PROP_CAPABILITY + " is not a number: " + s);
            }
        } else {
            throw new IllegalArgumentException("service lacks " + PROP_CAPABILITY);
        }
        return new AbiVariant(f, n, bit);
    }

    @Override
    public String toString() {
        return qualifiedName() + (isBase() ? " (base)" : " (bit " + capability + ")");
    }
}
