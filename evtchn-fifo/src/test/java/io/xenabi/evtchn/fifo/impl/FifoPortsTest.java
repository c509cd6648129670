package io.xenabi.evtchn.fifo.impl;

import static io.xenabi.abi.XenErrno.EINVAL;
import static io.xenabi.abi.XenErrno.ENOENT;
import static io.xenabi.abi.XenErrno.ENOSPC;
import static io.xenabi.abi.XenErrno.ENOSYS;
import static io.xenabi.abi.XenErrno.EOPNOTSUPP;
import static io.xenabi.evtchn.EvtchnFifo.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.evtchn.EvtchnOp;
import io.xenabi.evtchn.EvtchnPortOps;
import io.xenabi.evtchn.testkit.FakeEvtchnDomain;
import io.xenabi.evtchn.testkit.FakeEvtchnDomain.Port;
import java.util.List;
import org.junit.jupiter.api.Test;

class FifoPortsTest {
    private final FakeEvtchnDomain d = new FakeEvtchnDomain();
    private final EvtchnPortOps ops = new EvtchnFifoVariant().create(d);
    private final FifoGuest g = new FifoGuest(d.memory, ops);

    @Test
    void initControlValidatesAsXenAndWritesLinkBitsOnSuccessOnly() {
        assertEquals(-ENOENT, g.initControl(2, 8, 0));
        assertEquals(-ENOENT, g.initControl(-1, 8, 0));
        assertEquals(-EINVAL, g.initControl(0, 8, 4));
        assertEquals(-EINVAL, g.initControl(0, 8, 4096 - SIZEOF_CONTROL_BLOCK + 8));
        assertEquals(-EINVAL, g.initControl(0, 1 << 30, 0), "gfn outside guest RAM");
        assertEquals(0, d.memory.read8(FifoGuest.ARG + EvtchnOp.INIT_CONTROL_LINK_BITS));
        assertEquals(0, g.initControl(0, 8, 4096 - SIZEOF_CONTROL_BLOCK));
        assertEquals(EVTCHN_FIFO_LINK_BITS, d.memory.read8(FifoGuest.ARG + EvtchnOp.INIT_CONTROL_LINK_BITS));
        assertEquals(-EINVAL, g.initControl(0, 9, 0), "vCPU 0 already has its control block");
        assertEquals(0, g.initControl(1, 9, 0));
        assertEquals(-ENOSYS, FakeEvtchnDomain.setupOp(d.memory, ops, 0, EvtchnOp.EVTCHNOP_send, FifoGuest.ARG, 4));
    }

    @Test
    void expandArrayNeedsInitControlAndStopsAtTheMaximum() {
        assertEquals(-EOPNOTSUPP, g.expand());
        g.initControl(0, 8, 0);
        assertEquals(-EINVAL, g.expand(1L << 40));
        for (int i = 0; i < EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES; i++) {
            assertEquals(0, g.expand(40 + i % 4), "page " + i);
        }
        assertEquals(-ENOSPC, g.expand(40));
        Port last = d.bind(EVTCHN_FIFO_NR_CHANNELS - 1, 0);
        assertFalse(ops.isMasked(last), "every port now has an event word");
    }

    @Test
    void theFirstEventBecomesTheHeadAndRaisesOneUpcall() {
        g.setUp();
        Port p = d.bind(5, 0);
        ops.init(p);
        ops.setPending(p);
        assertEquals(5, g.head(0, EVTCHN_FIFO_PRIORITY_DEFAULT));
        assertEquals(1 << EVTCHN_FIFO_PRIORITY_DEFAULT, g.ready(0));
        int w = g.word(5);
        assertTrue((w & (1 << EVTCHN_FIFO_PENDING)) != 0 && (w & (1 << EVTCHN_FIFO_LINKED)) != 0);
        assertEquals(List.of(0), List.copyOf(d.upcalls));
        Port q = d.bind(6, 0);
        ops.setPending(q);
        assertEquals(6, g.word(5) & EVTCHN_FIFO_LINK_MASK, "the second event is linked from the tail");
        assertEquals(List.of(0), List.copyOf(d.upcalls), "READY was already set: no second upcall");
        assertEquals(List.of(5, 6), g.consume(0));
        assertFalse(ops.isBusy(p));
        assertFalse(ops.isPending(q));
    }

    @Test
    void queuesAreConsumedInPriorityOrder() {
        g.setUp();
        Port low = d.bind(10, 1);
        Port high = d.bind(11, 1);
        Port mid = d.bind(12, 1);
        assertEquals(0, ops.setPriority(high, 0));
        assertEquals(0, ops.setPriority(mid, 4));
        assertEquals(-EINVAL, ops.setPriority(low, 16));
        ops.setPending(low);
        ops.setPending(high);
        ops.setPending(mid);
        assertEquals(List.of(11, 12, 10), g.consume(1));
        assertTrue(g.consume(0).isEmpty());
    }

    @Test
    void aMaskedEventIsNotLinkedUntilUnmasked() {
        g.setUp();
        Port p = d.bind(20, 0);
        g.mask(20);
        ops.setPending(p);
        assertTrue(ops.isPending(p));
        assertTrue(ops.isMasked(p));
        assertFalse(ops.isBusy(p));
        assertEquals(0, g.ready(0));
        ops.unmask(p);
        assertTrue(ops.isBusy(p));
        assertEquals(List.of(20), g.consume(0));
    }

    @Test
    void eventsRaisedBeforeTheirPageExistAreDeliveredWhenItIsAdded() {
        g.setUp();
        Port far = d.bind(1500, 0);
        ops.setPending(far);
        assertFalse(ops.isPending(far), "no event word yet");
        assertTrue(ops.isMasked(far), "a port without a word reads masked, as in Xen");
        assertEquals(0, g.expand());
        assertTrue(ops.isPending(far));
        assertEquals(List.of(1500), g.consume(0));
    }

    @Test
    void adoptKeepsPendingEventsUntilThePageArrives() {
        Port p = d.bind(3, 1);
        p.setPriority(2);
        assertEquals(0, g.initControl(0, 8, 0));
        assertEquals(0, g.initControl(1, 9, 0));
        ops.adopt(p, true);
        assertEquals(EVTCHN_FIFO_PRIORITY_DEFAULT, p.priority(), "setup_ports resets the priority");
        assertTrue(d.upcalls.isEmpty());
        assertEquals(0, g.expand());
        assertEquals(List.of(3), g.consume(1));
    }

    @Test
    void anEventMovedToAnotherQueueLeavesTheOldQueueConsistent() {
        g.setUp();
        Port p = d.bind(30, 0);
        ops.setPending(p);
        assertEquals(List.of(30), g.consume(0));
        p.vcpu = 1;
        ops.setPriority(p, 1);
        ops.setPending(p);
        assertEquals(List.of(30), g.consume(1));
        assertEquals(1, FifoPorts.lastqVcpu(p.lastQueue()), "the last queue is one word: vCPU 1 ...");
        assertEquals(1, FifoPorts.lastqPriority(p.lastQueue()), "... and priority 1");
        Port q = d.bind(31, 0);
        ops.setPending(q);
        assertEquals(List.of(31), g.consume(0), "the old queue lost its tail and starts again at the head");
    }

    @Test
    void clearPendingLeavesTheWordLinkedSoThePortStaysBusy() {
        g.setUp();
        Port p = d.bind(40, 0);
        ops.setPending(p);
        ops.clearPending(p);
        assertFalse(ops.isPending(p));
        assertTrue(ops.isBusy(p));
        assertTrue(g.consume(0).isEmpty(), "the guest unlinks and ignores a non-pending event");
        assertFalse(ops.isBusy(p));
    }

    @Test
    void stateRoundTripsAndTheNewInstanceCarriesOn() {
        g.setUp();
        Port a = d.bind(50, 0);
        Port b = d.bind(51, 0);
        ops.setPending(a);
        Port far = d.bind(2000, 0);
        ops.setPending(far);
        byte[] state = ops.exportState();
        EvtchnPortOps next = new EvtchnFifoVariant().importState(d, state);
        assertArrayEquals(state, next.exportState());
        next.setPending(b);
        FifoGuest g2 = new FifoGuest(d.memory, next);
        assertEquals(List.of(50, 51), g2.consume(0), "the tail survived the handover");
        assertThrows(IllegalArgumentException.class, () -> new EvtchnFifoVariant().importState(d, new byte[4]));
        byte[] truncated = java.util.Arrays.copyOf(state, state.length - 2);
        assertThrows(IllegalArgumentException.class, () -> new EvtchnFifoVariant().importState(d, truncated));
        byte[] wrongVersion = state.clone();
        wrongVersion[7] = 9;
        assertThrows(IllegalArgumentException.class, () -> new EvtchnFifoVariant().importState(d, wrongVersion));
    }

    @Test
    void concurrentSendsAndConsumptionLoseNothing() throws Exception {
        g.setUp();
        int ports = 64;
        int rounds = 2000;
        Port[] p = new Port[ports];
        for (int i = 0; i < ports; i++) {
            p[i] = d.bind(i + 1, 0);
            ops.setPriority(p[i], i % 3);
        }
        java.util.concurrent.atomic.AtomicIntegerArray seen = new java.util.concurrent.atomic.AtomicIntegerArray(ports);
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Thread consumer = new Thread(() -> {
            while (!done.get() || g.ready(0) != 0) {
                for (int port : g.consume(0)) {
                    seen.incrementAndGet(port - 1);
                }
            }
        });
        consumer.start();
        for (int r = 0; r < rounds; r++) {
            Port port = p[r % ports];
            // A sender waits for its previous event to be handled, like a ping-pong driver.
            while (ops.isPending(port)) {
                Thread.onSpinWait();
            }
            synchronized (port) {
                ops.setPending(port);
            }
        }
        while (true) {
            boolean anyPending = false;
            for (Port port : p) {
                anyPending |= ops.isPending(port);
            }
            if (!anyPending) {
                break;
            }
            Thread.onSpinWait();
        }
        done.set(true);
        consumer.join(10_000);
        int total = 0;
        for (int i = 0; i < ports; i++) {
            total += seen.get(i);
        }
        assertEquals(rounds, total, "every event sent was handled exactly once");
    }
}
