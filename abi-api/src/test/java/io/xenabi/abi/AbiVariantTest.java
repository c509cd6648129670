package io.xenabi.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AbiVariantTest {
    @Test
    void readsTheThreeServiceProperties() {
        AbiVariant v = AbiVariant.fromProperties(Map.of(AbiVariant.PROP_FAMILY, "evtchn",
                AbiVariant.PROP_VARIANT, "fifo", AbiVariant.PROP_CAPABILITY, 0));
        assertEquals(new AbiVariant("evtchn", "fifo", 0), v);
        assertEquals("evtchn-fifo", v.qualifiedName());
        assertFalse(v.isBase());
    }

    @Test
    void aCapabilityGivenAsStringIsAccepted() {
        AbiVariant v = AbiVariant.fromProperties(Map.of(AbiVariant.PROP_FAMILY, "gnttab",
                AbiVariant.PROP_VARIANT, "v1", AbiVariant.PROP_CAPABILITY, "-1"));
        assertTrue(v.isBase());
    }

    @Test
    void missingOrBadPropertiesAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AbiVariant.fromProperties(Map.of(AbiVariant.PROP_FAMILY, "evtchn")));
        assertTrue(e.getMessage().contains(AbiVariant.PROP_VARIANT));
        e = assertThrows(IllegalArgumentException.class, () -> new AbiVariant("evtchn", "x", 63));
        assertTrue(e.getMessage().contains("63"));
    }

    @Test
    void permitsIsABitTestWithBaseAlwaysPermitted() {
        long fifoOnly = AbiCapability.mask(AbiCapability.XENABI_CAP_EVTCHN_FIFO);
        assertTrue(AbiCapability.permits(fifoOnly, AbiCapability.XENABI_CAP_EVTCHN_FIFO));
        assertFalse(AbiCapability.permits(fifoOnly, AbiCapability.XENABI_CAP_GNTTAB_V2));
        assertTrue(AbiCapability.permits(0, AbiCapability.BASE));
        assertTrue(AbiCapability.permits(AbiCapability.mask(2), 2));
        assertFalse(AbiCapability.permits(AbiCapability.mask(2), 1));
    }

    @Test
    void errnoNamesAcceptEitherSign() {
        assertEquals("EOPNOTSUPP", XenErrno.name(-95));
        assertEquals("EINVAL", XenErrno.name(22));
    }

    @Test
    void everyErrnoConstantHasItsOwnName() throws IllegalAccessException {
        for (java.lang.reflect.Field f : XenErrno.class.getFields()) {
            if (f.getType() == int.class) {
                assertEquals(f.getName(), XenErrno.name(f.getInt(null)));
            }
        }
    }
}
