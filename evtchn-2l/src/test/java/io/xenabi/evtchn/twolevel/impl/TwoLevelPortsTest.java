package io.xenabi.evtchn.twolevel.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.abi.SharedInfo;
import io.xenabi.abi.XenErrno;
import io.xenabi.evtchn.EvtchnPort;
import io.xenabi.evtchn.EvtchnPortOps;
import io.xenabi.evtchn.testkit.FakeEvtchnDomain;
import java.util.List;
import org.junit.jupiter.api.Test;

class TwoLevelPortsTest {
    record P(int port, int notifyVcpu) implements EvtchnPort {
        @Override
        public int priority() {
            return 7;
        }

        @Override
        public void setPriority(int priority) {
        }

        @Override
        public int lastQueue() {
            return 0;
        }

        @Override
        public void setLastQueue(int raw) {
        }

        @Override
        public boolean savedPending() {
            return false;
        }

        @Override
        public void setSavedPending(boolean pending) {
        }
    }

    private final FakeEvtchnDomain d = new FakeEvtchnDomain();
    private final EvtchnPortOps ops = new Evtchn2lVariant().create(d);

    private boolean selector(int vcpu, int bit) {
        return d.shared.testBit(SharedInfo.vcpuInfo(vcpu) + SharedInfo.VCPU_EVTCHN_PENDING_SEL, bit);
    }

    @Test
    void setPendingSetsTheBitTheSelectorAndRaisesOneUpcall() {
        ops.setPending(new P(130, 1));
        assertTrue(d.shared.testBit(SharedInfo.EVTCHN_PENDING, 130));
        assertTrue(selector(1, 2), "port 130 is in word 2");
        assertEquals(List.of(1), List.copyOf(d.upcalls));
        ops.setPending(new P(131, 1));
        assertEquals(List.of(1), List.copyOf(d.upcalls), "the selector bit was already set: no second upcall");
        ops.setPending(new P(130, 1));
        assertEquals(List.of(1), List.copyOf(d.upcalls));
    }

    @Test
    void aMaskedPortIsPendingWithoutUpcallUntilUnmasked() {
        d.shared.testAndSetBit(SharedInfo.EVTCHN_MASK, 5);
        P p = new P(5, 0);
        ops.setPending(p);
        assertTrue(ops.isPending(p));
        assertTrue(ops.isMasked(p));
        assertTrue(d.upcalls.isEmpty());
        ops.unmask(p);
        assertFalse(ops.isMasked(p));
        assertEquals(List.of(0), List.copyOf(d.upcalls));
        assertTrue(selector(0, 0));
    }

    @Test
    void unmaskOfANotPendingPortRaisesNothing() {
        d.shared.testAndSetBit(SharedInfo.EVTCHN_MASK, 9);
        ops.unmask(new P(9, 0));
        assertTrue(d.upcalls.isEmpty());
        assertFalse(selector(0, 0));
    }

    @Test
    void clearPendingAndAdopt() {
        P p = new P(70, 0);
        ops.setPending(p);
        ops.clearPending(p);
        assertFalse(ops.isPending(p));
        EvtchnPortOps fresh = new Evtchn2lVariant().create(d);
        fresh.adopt(new P(71, 0), true);
        fresh.adopt(new P(72, 0), false);
        assertTrue(fresh.isPending(new P(71, 0)));
        assertFalse(fresh.isPending(new P(72, 0)));
    }

    @Test
    void portsBeyondTheTwoLevelSpaceAreMaskedAndNeverPending() {
        P far = new P(4096, 0);
        assertEquals(4096, ops.maxPorts());
        ops.setPending(far);
        assertFalse(ops.isPending(far));
        assertTrue(ops.isMasked(far));
        assertTrue(d.upcalls.isEmpty());
    }

    @Test
    void twoLevelHasNoPrioritiesNorSetupOps() {
        assertEquals(-XenErrno.ENOSYS, ops.setPriority(new P(1, 0), 3));
        assertFalse(ops.hasPriorities());
        assertEquals(-XenErrno.ENOSYS, FakeEvtchnDomain.setupOp(d.memory, ops, 0, 11, 0, 24));
        assertTrue(new Evtchn2lVariant().setupOps().isEmpty());
        assertFalse(ops.isBusy(new P(1, 0)));
    }

    @Test
    void stateRoundTripsAndGarbageIsRefused() {
        byte[] state = ops.exportState();
        EvtchnPortOps again = new Evtchn2lVariant().importState(d, state);
        assertArrayEquals(state, again.exportState());
        assertThrows(IllegalArgumentException.class, () -> new Evtchn2lVariant().importState(d, new byte[8]));
        assertThrows(IllegalArgumentException.class, () -> new Evtchn2lVariant().importState(d, new byte[3]));
    }
}
