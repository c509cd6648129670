package io.xenabi.itests.evtchn.onelevel.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.xenabi.abi.XenErrno;
import io.xenabi.evtchn.EvtchnPort;
import io.xenabi.evtchn.EvtchnPortOps;
import io.xenabi.evtchn.EvtchnVariant;
import io.xenabi.evtchn.testkit.EvtchnPortOpsContract;
import io.xenabi.evtchn.testkit.FakeEvtchnDomain;
import org.junit.jupiter.api.Test;

/** The 1-level toy ABI against evtchn-api's contract, and its one sub-op. */
class OneLevelContractTest extends EvtchnPortOpsContract {
    static final long ARG = 4096;
    static final long PAGE_GFN = 40;

    @Override
    protected EvtchnVariant variant() {
        return new OneLevelVariant();
    }

    static long init(FakeEvtchnDomain d, EvtchnPortOps ops, long gfn) {
        d.memory.write64(ARG + OneLevelVariant.INIT_1L_PAGE_GFN, gfn);
        d.memory.write32(ARG + OneLevelVariant.INIT_1L_NR_PORTS, 0);
        return FakeEvtchnDomain.setupOp(d.memory, ops, 0, OneLevelVariant.EVTCHNOP_init_1l, ARG,
                OneLevelVariant.SIZEOF_INIT_1L);
    }

    @Override
    protected void prepare(FakeEvtchnDomain d, EvtchnPortOps ops) {
        assertEquals(0, init(d, ops, PAGE_GFN));
    }

    @Override
    protected void guestMask(FakeEvtchnDomain d, EvtchnPort port) {
        d.memory.page(PAGE_GFN).testAndSetBit(OneLevelPorts.MASK, port.port());
    }

    @Test
    void initTakesTheGuestsPageOnceAndAnswersThePortCount() {
        FakeEvtchnDomain d = new FakeEvtchnDomain();
        EvtchnPortOps ops = variant().create(d);
        assertEquals(-XenErrno.EINVAL, init(d, ops, 1L << 40));
        assertEquals(0, d.memory.read32(ARG + OneLevelVariant.INIT_1L_NR_PORTS), "no copy back on failure");
        assertEquals(0, init(d, ops, PAGE_GFN));
        assertEquals(OneLevelPorts.NR_PORTS, d.memory.read32(ARG + OneLevelVariant.INIT_1L_NR_PORTS));
        assertEquals(-XenErrno.EEXIST, init(d, ops, PAGE_GFN + 1));
    }
}
