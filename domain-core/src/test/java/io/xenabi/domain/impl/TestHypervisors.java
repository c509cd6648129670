package io.xenabi.domain.impl;

import io.xenabi.domain.testkit.TestHosts;
import io.xenabi.evtchn.EvtchnVariant;
import java.util.Map;

/** Hypervisors for the tests, with the real variant components registered as DS would. */
final class TestHypervisors {
    private TestHypervisors() {
    }

    static Map<String, Object> props(String family, String variant, int capability) {
        return TestHosts.props(family, variant, capability);
    }

    /** The service implementing a variant now, or null. */
    static <S> S serviceOf(HypervisorImpl hv, String family, String name) {
        io.xenabi.domain.impl.variants.Variants.Impl<S> i = hv.parts().variants().get(family, name);
        return i == null ? null : i.service();
    }

    /** All four variants: evtchn 2l and fifo, gnttab v1 and v2. */
    static HypervisorImpl all() {
        return TestHosts.all();
    }

    /** All four variants, with the given 2-level instance (to remove it later). */
    static HypervisorImpl all(EvtchnVariant twoLevel) {
        HypervisorImpl hv = TestHosts.of("evtchn-fifo", "gnttab-v1", "gnttab-v2");
        hv.addEvtchnVariant(twoLevel, props("evtchn", "2l", -1));
        return hv;
    }
}
