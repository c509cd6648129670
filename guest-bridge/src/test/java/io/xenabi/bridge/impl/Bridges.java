package io.xenabi.bridge.impl;

import io.xenabi.domain.testkit.TestHosts;
import io.xenabi.domain.impl.HypervisorImpl;
import java.nio.file.Path;

/** A hypervisor with the real variants, its run folder in {@code run}, and a bridge over it. */
final class Bridges {
    final HypervisorImpl hv = TestHosts.all();
    final GuestBridge bridge;

    Bridges(Path run) {
        hv.natives().setRunFolder(run);
        bridge = new GuestBridge(hv.natives(), hv);
    }


    void close() {
        bridge.close();
    }
}
