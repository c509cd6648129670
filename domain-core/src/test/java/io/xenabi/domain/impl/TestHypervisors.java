package io.xenabi.domain.impl;

import io.xenabi.abi.AbiVariant;
import io.xenabi.evtchn.EvtchnVariant;
import io.xenabi.evtchn.fifo.impl.EvtchnFifoVariant;
import io.xenabi.evtchn.twolevel.impl.Evtchn2lVariant;
import io.xenabi.gnttab.v1.impl.GrantTableV1;
import io.xenabi.gnttab.v2.impl.GrantTableV2;
import java.util.Map;

/** Hypervisors for the tests, with the real variant components registered as DS would. */
final class TestHypervisors {
    private TestHypervisors() {
    }

    static Map<String, Object> props(String family, String variant, int capability) {
        return Map.of(AbiVariant.PROP_FAMILY, family, AbiVariant.PROP_VARIANT, variant,
                AbiVariant.PROP_CAPABILITY, capability);
    }

    /** The service implementing a variant now, or null. */
    static <S> S serviceOf(HypervisorImpl hv, String family, String name) {
        io.xenabi.domain.impl.variants.Variants.Impl<S> i = hv.parts().variants().get(family, name);
        return i == null ? null : i.service();
    }

    /** All four variants: evtchn 2l and fifo, gnttab v1 and v2. */
    static HypervisorImpl all() {
        return all(new Evtchn2lVariant());
    }

    /** All four variants, with the given 2-level instance (to remove it later). */
    static HypervisorImpl all(EvtchnVariant twoLevel) {
        HypervisorImpl hv = new HypervisorImpl();
        hv.addEvtchnVariant(twoLevel, props("evtchn", "2l", -1));
        hv.addEvtchnVariant(new EvtchnFifoVariant(), props("evtchn", "fifo", 0));
        hv.addGrantVersion(new GrantTableV1(), props("gnttab", "v1", -1));
        hv.addGrantVersion(new GrantTableV2(), props("gnttab", "v2", 1));
        if (hv.variants().size() != 4 || !hv.refusals().isEmpty()) {
            throw new AssertionError("the test hypervisor lacks a variant: " + hv.refusals());
        }
        return hv;
    }
}
