package io.xenabi.domain.testkit;

import io.xenabi.abi.AbiVariant;
import io.xenabi.domain.impl.HypervisorImpl;
import io.xenabi.evtchn.fifo.impl.EvtchnFifoVariant;
import io.xenabi.evtchn.twolevel.impl.Evtchn2lVariant;
import io.xenabi.gnttab.v1.impl.GrantTableV1;
import io.xenabi.gnttab.v2.impl.GrantTableV2;
import java.util.List;
import java.util.Map;

/**
 * The one "hypervisor with the real variants" fixture of the project (domain-core's test-jar):
 * an {@link HypervisorImpl} outside a framework, with the variant components registered with the
 * service properties DS would give them. Every module's tests, the races and the benchmarks use it.
 */
public final class TestHosts {
    /** The four real variants, by their names. */
    public static final List<String> ALL = List.of("evtchn-2l", "evtchn-fifo", "gnttab-v1", "gnttab-v2");

    private TestHosts() {
    }

    /** A host with the four real variants: evtchn 2l and fifo, gnttab v1 and v2. */
    public static HypervisorImpl all() {
        return of(ALL.toArray(new String[0]));
    }

    /** A host with only the named variants (as in {@link #ALL}), e.g. an old host without FIFO. */
    public static HypervisorImpl of(String... variants) {
        HypervisorImpl hv = new HypervisorImpl();
        for (String v : variants) {
            add(hv, v);
        }
        if (hv.variants().size() != variants.length || !hv.refusals().isEmpty()) {
            throw new IllegalStateException("the test host lacks a variant: " + hv.refusals());
        }
        return hv;
    }

    /** Registers a new instance of the real variant {@code name} (as in {@link #ALL}). */
    public static void add(HypervisorImpl hv, String name) {
        switch (name) {
            case "evtchn-2l" -> hv.addEvtchnVariant(new Evtchn2lVariant(), props("evtchn", "2l", -1));
            case "evtchn-fifo" -> hv.addEvtchnVariant(new EvtchnFifoVariant(), props("evtchn", "fifo", 0));
            case "gnttab-v1" -> hv.addGrantVersion(new GrantTableV1(), props("gnttab", "v1", -1));
            case "gnttab-v2" -> hv.addGrantVersion(new GrantTableV2(), props("gnttab", "v2", 1));
            default -> throw new IllegalArgumentException("no real variant named " + name);
        }
    }

    /** The service properties of a variant component: family, name, capability bit (-1: none). */
    public static Map<String, Object> props(String family, String variant, int capability) {
        return Map.of(AbiVariant.PROP_FAMILY, family, AbiVariant.PROP_VARIANT, variant,
                AbiVariant.PROP_CAPABILITY, capability);
    }
}
