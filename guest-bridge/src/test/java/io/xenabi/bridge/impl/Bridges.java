package io.xenabi.bridge.impl;

import io.xenabi.abi.AbiVariant;
import io.xenabi.domain.impl.HypervisorImpl;
import io.xenabi.evtchn.fifo.impl.EvtchnFifoVariant;
import io.xenabi.evtchn.twolevel.impl.Evtchn2lVariant;
import io.xenabi.gnttab.v1.impl.GrantTableV1;
import io.xenabi.gnttab.v2.impl.GrantTableV2;
import java.nio.file.Path;
import java.util.Map;

/** A hypervisor with the real variants, its run folder in {@code run}, and a bridge over it. */
final class Bridges {
    final HypervisorImpl hv = new HypervisorImpl();
    final GuestBridge bridge;

    Bridges(Path run) {
        hv.addEvtchnVariant(new Evtchn2lVariant(), props("evtchn", "2l", -1));
        hv.addEvtchnVariant(new EvtchnFifoVariant(), props("evtchn", "fifo", 0));
        hv.addGrantVersion(new GrantTableV1(), props("gnttab", "v1", -1));
        hv.addGrantVersion(new GrantTableV2(), props("gnttab", "v2", 1));
        hv.setRunFolder(run);
        bridge = new GuestBridge(hv, hv);
    }

    private static Map<String, Object> props(String family, String variant, int capability) {
        return Map.of(AbiVariant.PROP_FAMILY, family, AbiVariant.PROP_VARIANT, variant,
                AbiVariant.PROP_CAPABILITY, capability);
    }

    void close() {
        bridge.close();
    }
}
