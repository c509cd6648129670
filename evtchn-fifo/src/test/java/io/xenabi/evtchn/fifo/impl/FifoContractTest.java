package io.xenabi.evtchn.fifo.impl;

import io.xenabi.evtchn.EvtchnFifo;
import io.xenabi.evtchn.EvtchnPort;
import io.xenabi.evtchn.EvtchnPortOps;
import io.xenabi.evtchn.EvtchnVariant;
import io.xenabi.evtchn.testkit.EvtchnPortOpsContract;
import io.xenabi.evtchn.testkit.FakeEvtchnDomain;

/** The FIFO ABI against evtchn-api's contract, set up as a guest does (both control blocks, one array page). */
class FifoContractTest extends EvtchnPortOpsContract {
    @Override
    protected EvtchnVariant variant() {
        return new EvtchnFifoVariant();
    }

    @Override
    protected void prepare(FakeEvtchnDomain d, EvtchnPortOps ops) {
        new FifoGuest(d.memory, ops).setUp();
    }

    @Override
    protected void guestMask(FakeEvtchnDomain d, EvtchnPort port) {
        d.memory.page(FifoGuest.ARRAY_GFN).getAndOr32(port.port() * 4, 1 << EvtchnFifo.EVTCHN_FIFO_MASKED);
    }
}
