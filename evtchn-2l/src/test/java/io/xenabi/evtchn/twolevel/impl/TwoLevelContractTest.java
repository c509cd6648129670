package io.xenabi.evtchn.twolevel.impl;

import io.xenabi.abi.SharedInfo;
import io.xenabi.evtchn.EvtchnPort;
import io.xenabi.evtchn.EvtchnPortOps;
import io.xenabi.evtchn.EvtchnVariant;
import io.xenabi.evtchn.testkit.EvtchnPortOpsContract;
import io.xenabi.evtchn.testkit.FakeEvtchnDomain;

/** The 2-level ABI against evtchn-api's contract. */
class TwoLevelContractTest extends EvtchnPortOpsContract {
    @Override
    protected EvtchnVariant variant() {
        return new Evtchn2lVariant();
    }

    @Override
    protected void prepare(FakeEvtchnDomain d, EvtchnPortOps ops) {
        // 2-level needs nothing: shared_info is there from the start.
    }

    @Override
    protected void guestMask(FakeEvtchnDomain d, EvtchnPort port) {
        d.shared.testAndSetBit(SharedInfo.EVTCHN_MASK, port.port());
    }
}
