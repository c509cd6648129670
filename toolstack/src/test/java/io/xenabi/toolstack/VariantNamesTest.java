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

    @Test
    void summaryUsesTheVariantsPresentAndTheStableBits() {
        assertEquals("all", VariantNames.summary(AbiCapability.ALL, List.of()));
        assertEquals("-", VariantNames.summary(0, List.of()));
        assertEquals("gnttab-v2,gnttab-v3,bit9", VariantNames.summary(2 | 4 | (1 << 9), List.of(V3)));
    }
}
