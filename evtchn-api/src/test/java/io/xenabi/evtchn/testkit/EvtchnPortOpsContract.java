package io.xenabi.evtchn.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.abi.XenErrno;
import io.xenabi.evtchn.EvtchnOp;
import io.xenabi.evtchn.EvtchnPort;
import io.xenabi.evtchn.EvtchnPortOps;
import io.xenabi.evtchn.EvtchnVariant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

/**
 * What every event-channel variant promises domain-core, as tests a variant module's test
 * class extends (evtchn-api's test kit). The subclass names its variant, brings a fresh
 * instance to the point where events can be delivered (FIFO: control blocks and an event
 * array page), and masks a port the way its guests do.
 */
public abstract class EvtchnPortOpsContract {
    /** The variant under test. */
    protected abstract EvtchnVariant variant();

    /** Makes {@code ops} deliver events on the domain's first ports (its setup ops, if any). */
    protected abstract void prepare(FakeEvtchnDomain d, EvtchnPortOps ops);

    /** Masks {@code port} as a guest of this ABI does, in guest memory. */
    protected abstract void guestMask(FakeEvtchnDomain d, EvtchnPort port);

    /** A fresh domain on a fresh, prepared instance with port 5 bound to vCPU 1. */
    private record Setup(FakeEvtchnDomain d, EvtchnPortOps ops, FakeEvtchnDomain.Port port) {
    }

    private Setup setup() {
        FakeEvtchnDomain d = new FakeEvtchnDomain();
        EvtchnPortOps ops = variant().create(d);
        prepare(d, ops);
        FakeEvtchnDomain.Port p = d.bind(5, 1);
        ops.init(p);
        return new Setup(d, ops, p);
    }

    @Test
    void hasPrioritiesSaysWhetherSetPriorityIsImplemented() throws Exception {
        EvtchnPortOps ops = setup().ops();
        boolean implemented = !ops.getClass().getMethod("setPriority", EvtchnPort.class, int.class).isDefault();
        assertEquals(implemented, ops.hasPriorities(),
                "an ABI implements setPriority exactly when it says it has priorities");
    }

    @Test
    void setPendingMakesAnUnmaskedPortPendingAndRaisesAnUpcallOnItsVcpu() {
        Setup s = setup();
        assertFalse(s.ops().isPending(s.port()));
        s.ops().setPending(s.port());
        assertTrue(s.ops().isPending(s.port()));
        assertTrue(s.d().upcalls.contains(1), "upcall on the port's notify vCPU, 1: " + s.d().upcalls);
    }

    /**
     * Xen's ABIs call evtchn_check_pollers only when set_pending turned PENDING from 0 to 1,
     * masked or not; an ABI that does not check them itself never calls checkPollers
     * (domain-core then checks after every send).
     */
    @Test
    void pollersAreCheckedOnlyWhenThePortBecomesNewlyPending() {
        Setup s = setup();
        guestMask(s.d(), s.port());
        s.ops().setPending(s.port());
        s.ops().setPending(s.port());
        java.util.List<Integer> once = s.ops().checksPollers() ? java.util.List.of(5) : java.util.List.of();
        assertEquals(once, java.util.List.copyOf(s.d().pollerChecks), "the second send found it pending");
        s.ops().unmask(s.port());
        assertEquals(once, java.util.List.copyOf(s.d().pollerChecks), "an unmask re-raises, PENDING stays set");
        s.ops().clearPending(s.port());
        s.ops().setPending(s.port());
        assertEquals(s.ops().checksPollers() ? java.util.List.of(5, 5) : java.util.List.of(),
                java.util.List.copyOf(s.d().pollerChecks), "pending again after a clear");
    }

    @Test
    void clearPendingClearsThePendingState() {
        Setup s = setup();
        s.ops().setPending(s.port());
        s.ops().clearPending(s.port());
        assertFalse(s.ops().isPending(s.port()));
    }

    @Test
    void aMaskedPortIsPendingWithoutAnUpcallUntilUnmasked() {
        Setup s = setup();
        guestMask(s.d(), s.port());
        assertTrue(s.ops().isMasked(s.port()));
        s.ops().setPending(s.port());
        assertTrue(s.ops().isPending(s.port()));
        assertTrue(s.d().upcalls.isEmpty(), "masked: no upcall");
        s.ops().unmask(s.port());
        assertFalse(s.ops().isMasked(s.port()));
        assertEquals(1, s.d().upcalls.size(), "the unmask re-raises the pending event once");
    }

    /**
     * The concurrency contract: a send (under the sender's lock) and an unmask (under the
     * receiver's) of one port may overlap; however they interleave, the event is delivered
     * (an upcall is raised on the port's vCPU; one more than needed is allowed).
     */
    @Test
    void aSendRacingAnUnmaskLosesNoEvent() throws Exception {
        for (int round = 0; round < 200; round++) {
            Setup s = setup();
            guestMask(s.d(), s.port());
            CyclicBarrier start = new CyclicBarrier(2);
            Thread sender = new Thread(() -> {
                await(start);
                s.ops().setPending(s.port());
            });
            sender.start();
            await(start);
            s.ops().unmask(s.port());
            sender.join();
            assertTrue(s.ops().isPending(s.port()) && !s.ops().isMasked(s.port()), "round " + round);
            // At least one upcall: a second one is harmless (Xen's vcpu_mark_events_pending
            // is a test-and-set of evtchn_upcall_pending), a lost one is the bug.
            assertTrue(s.d().upcalls.contains(1), "round " + round + ": no upcall, the event is lost");
        }
    }

    private static void await(CyclicBarrier b) {
        try {
            b.await();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aSubOpTheVariantDoesNotDeclareIsEnosys() {
        Setup s = setup();
        Set<Integer> declared = new HashSet<>();
        variant().setupOps().forEach(op -> declared.add(op.cmd()));
        for (int cmd : new int[] {EvtchnOp.EVTCHNOP_send, EvtchnOp.EVTCHNOP_reset_cont + 100}) {
            if (!declared.contains(cmd)) {
                assertEquals(-XenErrno.ENOSYS, FakeEvtchnDomain.setupOp(s.d().memory, s.ops(), 0, cmd, 4096, 8));
            }
        }
    }

    @Test
    void theStateItExportsIsReadBackByAFreshImplementation() {
        Setup s = setup();
        s.ops().setPending(s.port());
        byte[] state = s.ops().exportState();
        assertNotNull(state);
        EvtchnPortOps again = variant().importState(s.d(), state);
        assertTrue(again.isPending(s.port()), "the event is still pending after the handover");
        assertArrayEquals(state, again.exportState(), "the handover state survives a round trip");
    }

    @Test
    void stateInAnotherFormatIsRefused() {
        Setup s = setup();
        assertThrows(IllegalArgumentException.class, () -> variant().importState(s.d(), new byte[] {1, 2, 3}));
        assertThrows(IllegalArgumentException.class, () -> variant().importState(s.d(), null));
    }

    @Test
    void everyPortItAddressesIsBelowTheLargestPortSpace() {
        int max = setup().ops().maxPorts();
        assertTrue(max > 0 && max <= 1 << 17, "maxPorts " + max);
    }
}
