package io.xenabi.toolstack;

import io.xenabi.abi.AbiCapability;
import io.xenabi.abi.AbiVariant;
import java.util.ArrayList;
import java.util.List;

/**
 * The one map between ABI variant names and capability bits, for everything the toolstack reads
 * (xl.cfg's {@code abi_permit}, command options) and prints (permit sets). A name is a variant's
 * qualified name ({@code evtchn-fifo}); it resolves to the bit of the variant present with that
 * name, or to its stable public bit ({@link AbiCapability#bitOf}) when that variant is absent.
 */
public final class VariantNames {
    /** What {@link #bitOf} answers for a name no variant has. */
    public static final int UNKNOWN = -2;
    /** The advanced variants whose bits are public and stable (a saved image may name them). */
    private static final List<String> STABLE = List.of("evtchn-fifo", "gnttab-v2");

    private VariantNames() {
    }

    /**
     * The bit of the variant named {@code qualifiedName}: its stable public bit, else the bit of
     * the variant present with that name; {@link AbiCapability#BASE} for a base variant;
     * {@link #UNKNOWN} when no variant has the name.
     */
    public static int bitOf(String qualifiedName, List<AbiVariant> present) {
        int bit = AbiCapability.bitOf(qualifiedName);
        if (bit != UNKNOWN) {
            return bit;
        }
        for (AbiVariant v : present) {
            if (v.qualifiedName().equals(qualifiedName)) {
                return v.capability();
            }
        }
        return UNKNOWN;
    }

    /** The name of the variant owning {@code bit}: the one present, else the stable name, else null. */
    public static String nameOf(int bit, List<AbiVariant> present) {
        String name = presentName(bit, present);
        if (name != null) {
            return name;
        }
        for (String s : STABLE) {
            if (AbiCapability.bitOf(s) == bit) {
                return s;
            }
        }
        return null;
    }

    /**
     * The names of the real variants {@code bits} permits, lowest bit first; a bit no variant
     * owns is never shown. A variant absent here is named (by its stable name) only when the
     * bitmap names variants one by one: a bitmap with bits no variant owns stands for "every
     * variant" ({@code *}) and shows only the variants present.
     */
    public static List<String> names(long bits, List<AbiVariant> present) {
        boolean wildcard = false;
        for (int bit = 0; bit <= AbiCapability.MAX_BIT; bit++) {
            if ((bits & (1L << bit)) != 0 && nameOf(bit, present) == null) {
                wildcard = true;
            }
        }
        List<String> out = new ArrayList<>();
        for (int bit = 0; bit <= AbiCapability.MAX_BIT; bit++) {
            if ((bits & (1L << bit)) == 0) {
                continue;
            }
            String name = presentName(bit, present);
            if (name == null && !wildcard) {
                name = nameOf(bit, present);
            }
            if (name != null) {
                out.add(name);
            }
        }
        return List.copyOf(out);
    }

    private static String presentName(int bit, List<AbiVariant> present) {
        for (AbiVariant v : present) {
            if (!v.isBase() && v.capability() == bit) {
                return v.qualifiedName();
            }
        }
        return null;
    }

    /**
     * A domain's fixed permit set in one word for tables: {@code all} when it is literally every
     * advanced variant present (always for Domain-0, which may use every variant, present or
     * future), {@code -} for none, else its variants' names, comma-separated (a variant the set
     * holds that this host lacks is named too: it is part of the guest's view).
     */
    public static String summary(io.xenabi.domain.DomainInfo d) {
        if (d.permitsEveryVariant()) {
            return "all";
        }
        return d.permitted().isEmpty() ? "-" : String.join(",", d.permitNames());
    }

    /**
     * A permit set in one word for tables: {@code -} for none; {@code all} when it is literally
     * every advanced variant present (and only those; with none present, only for the full
     * bitmap); else the {@link #names names}.
     */
    public static String summary(long bits, List<AbiVariant> present) {
        List<String> names = names(bits, present);
        if (bits != 0 && names.equals(names(AbiCapability.ALL, present)) && (!names.isEmpty() || bits == AbiCapability.ALL)) {
            return "all";
        }
        return names.isEmpty() ? "-" : String.join(",", names);
    }

    /**
     * The bitmap of a comma-separated list of variant names: {@code all} or {@code *} is every
     * bit, {@code none} or nothing is none; a base variant's name adds no bit. An unknown name is
     * an IllegalArgumentException {@code no ABI variant is named 'NAME'}.
     */
    public static long parse(String list, List<AbiVariant> present) {
        String l = list.trim();
        if (l.equals("all") || l.equals("*")) {
            return AbiCapability.ALL;
        }
        if (l.isEmpty() || l.equals("none")) {
            return 0;
        }
        long bits = 0;
        for (String name : l.split(",")) {
            String q = name.trim();
            int bit = bitOf(q, present);
            if (bit == UNKNOWN) {
                throw new IllegalArgumentException("no ABI variant is named '" + q + "'");
            }
            bits |= AbiCapability.mask(bit);
        }
        return bits;
    }
}
