package io.xenabi.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.xenabi.abi.AbiCapability;
import io.xenabi.abi.AbiVariant;
import java.util.List;
import org.junit.jupiter.api.Test;

class VariantNamesTest {
    private static final AbiVariant V3 = new AbiVariant("gnttab", "v3", 2);

    @Test
    void namesResolveToPresentVariantsAndStableBits() {
        assertEquals(0, VariantNames.bitOf("evtchn-fifo", List.of()));
        assertEquals(1, VariantNames.bitOf("gnttab-v2", List.of()));
        assertEquals(AbiCapability.BASE, VariantNames.bitOf("evtchn-2l", List.of()));
        assertEquals(2, VariantNames.bitOf("gnttab-v3", List.of(V3)));
        assertEquals(VariantNames.UNKNOWN, VariantNames.bitOf("gnttab-v3", List.of()));
        assertEquals("gnttab-v3", VariantNames.nameOf(2, List.of(V3)));
        assertEquals("evtchn-fifo", VariantNames.nameOf(0, List.of()));
    }

    @Test
    void aListOfNamesIsABitmap() {
        assertEquals(AbiCapability.ALL, VariantNames.parse("all", List.of()));
        assertEquals(AbiCapability.ALL, VariantNames.parse("*", List.of()));
        assertEquals(0, VariantNames.parse("none", List.of()));
        assertEquals(0, VariantNames.parse("", List.of()));
        assertEquals(0b101, VariantNames.parse("evtchn-fifo, gnttab-v3,evtchn-2l", List.of(V3)));
        assertEquals("no ABI variant is named 'gnttab-v9'",
                assertThrows(IllegalArgumentException.class, () -> VariantNames.parse("gnttab-v9", List.of()))
                        .getMessage());
    }

    private static final List<AbiVariant> HOST = List.of(new AbiVariant("evtchn", "2l", -1),
            new AbiVariant("evtchn", "fifo", 0), new AbiVariant("gnttab", "v1", -1), V3);

    @Test
    void namesAreOfRealVariantsOnlyNeverBitN() {
        // "*": every bit; only the advanced variants present are named (gnttab-v2 is absent).
        assertEquals(List.of("evtchn-fifo", "gnttab-v3"), VariantNames.names(AbiCapability.ALL, HOST));
        assertEquals(List.of("evtchn-fifo", "gnttab-v3"), VariantNames.names(AbiCapability.ALL & ~2L, HOST));
        // Named one by one (a saved image's set): an absent variant keeps its stable name.
        assertEquals(List.of("evtchn-fifo", "gnttab-v2"), VariantNames.names(0b11, List.of()));
        assertEquals(List.of("gnttab-v3"), VariantNames.names(4 | (1L << 9), HOST));
        assertEquals(List.of(), VariantNames.names(0, HOST));
        for (int bit = 0; bit <= AbiCapability.MAX_BIT; bit++) {
            for (String n : VariantNames.names(AbiCapability.ALL & ~(1L << bit), HOST)) {
                assertEquals(false, n.matches("bit\\d+"), n);
            }
        }
    }

    @Test
    void summaryIsAllOnlyForEveryVariantPresent() {
        assertEquals("all", VariantNames.summary(AbiCapability.ALL, HOST));
        assertEquals("all", VariantNames.summary(0b101, HOST), "fifo and v3 are every advanced variant here");
        assertEquals("evtchn-fifo", VariantNames.summary(1, HOST));
        assertEquals("evtchn-fifo,gnttab-v2", VariantNames.summary(0b11, HOST));
        assertEquals("-", VariantNames.summary(0, HOST));
        assertEquals("all", VariantNames.summary(AbiCapability.ALL, List.of()));
        assertEquals("-", VariantNames.summary(1L << 9, List.of()));
        assertEquals("-", VariantNames.summary(0, List.of()));
    }
}
