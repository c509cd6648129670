package io.xenabi.abi;

import java.util.BitSet;

/**
 * The capability bits of xenabi's per-domain permit bitmap. A set bit <em>permits</em> the
 * advanced variant that owns it; bits have no order between them. Base variants (2-level event
 * channels, grant table v1) own no bit ({@link #BASE}) and are always available.
 *
 * <p>The numbers are public and stable: a saved domain carries its bitmap, so a bit, once
 * given to a variant, never changes meaning.
 */
public final class AbiCapability {
    /** The service property value of a base variant: it needs no permission. */
    public static final int BASE = -1;
    /** Bit 0: the FIFO event channel ABI (Xen 4.4). */
    public static final int XENABI_CAP_EVTCHN_FIFO = 0;
    /** Bit 1: grant table version 2. */
    public static final int XENABI_CAP_GNTTAB_V2 = 1;
    /** Bits a variant may claim: 0 to 62 (bit 63 is kept so the bitmap stays a positive long). */
    public static final int MAX_BIT = 62;
    /** Every bit that may ever be defined: what "permit everything" means. */
    public static final long ALL = (1L << (MAX_BIT + 1)) - 1;

    private AbiCapability() {
    }

    /** The mask of bit {@code bit}; {@code 0} for {@link #BASE}. */
    public static long mask(int bit) {
        if (bit == BASE) {
            return 0;
        }
        if (bit < 0 || bit > MAX_BIT) {
            throw new IllegalArgumentException("capability bit " + bit + " is outside 0.." + MAX_BIT);
        }
        return 1L << bit;
    }

    /** Whether {@code bitmap} permits the variant with capability {@code bit}. */
    public static boolean permits(long bitmap, int bit) {
        return bit == BASE || (bit >= 0 && bit <= MAX_BIT && (bitmap & (1L << bit)) != 0);
    }

    /**
     * The bit of a variant named by its qualified name ({@code evtchn-fifo}, {@code gnttab-v2})
     * among the stable public bits, or {@link #BASE} for the base variants, or -2 when the name
     * is not one of them (a variant defined elsewhere declares its bit in its service).
     */
    public static int bitOf(String qualifiedName) {
        return switch (qualifiedName) {
            case "evtchn-fifo" -> XENABI_CAP_EVTCHN_FIFO;
            case "gnttab-v2" -> XENABI_CAP_GNTTAB_V2;
            case "evtchn-2l", "gnttab-v1" -> BASE;
            default -> -2;
        };
    }

    /** The bitmap as a {@link BitSet}, for display. */
    public static BitSet toBitSet(long bitmap) {
        return BitSet.valueOf(new long[] {bitmap});
    }
}
