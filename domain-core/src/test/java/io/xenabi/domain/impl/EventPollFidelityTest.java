package io.xenabi.domain.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.impl.Guest.Abi;
import io.xenabi.domain.impl.domains.Domain;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What wakes a vCPU in SCHEDOP_poll, and a close racing the peer's, as Xen does them
 * (FIDELITY-GAPS rows E4, E5, E10). A poll sleeps until one of its ports becomes newly
 * pending (evtchn_check_pollers), an upcall is newly pending (vcpu_kick), its timeout, or the
 * domain shuts down or dies.
 */
class EventPollFidelityTest {
    /** How long a poll that nothing should wake sleeps. */
    private static final long TIMEOUT_NS = TimeUnit.MILLISECONDS.toNanos(600);
    /** How long after the event under test the poll must still sleep. */
    private static final long STILL_ASLEEP_MS = 200;

    private HypervisorImpl hv;

    @BeforeEach
    void boot() {
        hv = TestHypervisors.all();
    }

    private Guest guest(Abi abi, String name) {
        Guest g = new Guest(hv, hv.create(DomainConfig.named(name).withVcpus(2)));
        assertEquals(0, g.setUp(abi, 2));
        return g;
    }

    private Domain domain(Guest g) {
        return hv.parts().table().domain(g.domid);
    }

    /** Starts a poll on {@code vcpu} and returns once the vCPU is in it (its poll_mask bit set). */
    private CompletableFuture<Long> pollInBackground(Guest g, int vcpu, long timeoutNs, int... ports)
            throws InterruptedException {
        CompletableFuture<Long> poll = CompletableFuture.supplyAsync(() -> g.poll(vcpu, timeoutNs, ports));
        Domain d = domain(g);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((d.pollMask.get() & (1L << vcpu)) == 0 && !poll.isDone()) {
            assertTrue(System.nanoTime() < until, "the vCPU never started polling");
            Thread.sleep(1);
        }
        assertFalse(poll.isDone(), "nothing was pending: the vCPU polls");
        return poll;
    }

    /** Asserts the poll sleeps on after what the caller just did, then ends at its timeout with 0. */
    private static void assertSleepsToTheTimeout(CompletableFuture<Long> poll, long startedNs, String why)
            throws Exception {
        Thread.sleep(STILL_ASLEEP_MS);
        assertFalse(poll.isDone(), why + ": the poll must sleep on");
        assertEquals(0L, poll.get(10, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - startedNs >= TIMEOUT_NS - TimeUnit.MILLISECONDS.toNanos(50),
                "the poll ended at its timeout");
    }

    /**
     * E4: evtchn_2l_set_pending and evtchn_fifo_set_pending check the pollers only when the
     * send set PENDING from 0 to 1. A send to a port that is already pending (masked, so no
     * upcall either) leaves a vCPU polling two ports (poll_evtchn -1: any port) asleep; a send
     * that newly sets one of them wakes it.
     */
    @ParameterizedTest
    @EnumSource(Abi.class)
    void aSendToAPortAlreadyPendingWakesNoPoller(Abi abi) throws Exception {
        Guest g = guest(abi, "a");
        int a = (int) g.bindIpi(1);
        int b = (int) g.bindIpi(1);
        int x = (int) g.bindIpi(1);
        for (int p : new int[] {a, b, x}) {
            g.mask(abi, p);
        }
        assertEquals(0, g.send(1, x));
        assertTrue(g.pending(x));
        g.clearUpcall(0);
        long started = System.nanoTime();
        CompletableFuture<Long> poll = pollInBackground(g, 0, TIMEOUT_NS, a, b);
        assertEquals(0, g.send(1, x), "a second send to the pending port");
        assertSleepsToTheTimeout(poll, started, "PENDING was set already");

        CompletableFuture<Long> again = pollInBackground(g, 0, TimeUnit.SECONDS.toNanos(30), a, b);
        assertEquals(0, g.send(1, b), "newly pending");
        assertEquals(0L, again.get(10, TimeUnit.SECONDS), "a port newly pending ends the poll");
    }

    /** What happens beside a poll in the E5 cases: an op or a toolstack action that wakes no poller in Xen. */
    enum Beside {
        EXPAND_ARRAY(Abi.FIFO), REFUSED_INIT_CONTROL_2L(Abi.TWO_LEVEL), REFUSED_INIT_CONTROL_FIFO(Abi.FIFO),
        PAUSE_UNPAUSE_2L(Abi.TWO_LEVEL), PAUSE_UNPAUSE_FIFO(Abi.FIFO);

        final Abi abi;

        Beside(Abi abi) {
            this.abi = abi;
        }
    }

    /**
     * E5: do_poll sleeps until vcpu_unblock: evtchn_check_pollers (a polled port newly
     * pending), vcpu_kick (an upcall newly pending) or the poll timer. expand_array and a
     * refused init_control raise nothing, and domain_unpause's vcpu_wake leaves a blocked vCPU
     * blocked: a poll on an idle port sleeps to its timeout through all three.
     */
    @ParameterizedTest
    @EnumSource(Beside.class)
    void aPollOnAnIdlePortSleepsThroughSetupOpsAndAPause(Beside beside) throws Exception {
        Guest g = guest(beside.abi, "a");
        int idle = (int) g.bindIpi(1);
        g.clearUpcall(1);
        long started = System.nanoTime();
        CompletableFuture<Long> poll = pollInBackground(g, 1, TIMEOUT_NS, idle);
        switch (beside) {
            case EXPAND_ARRAY -> assertEquals(0, g.expandArray());
            case REFUSED_INIT_CONTROL_2L, REFUSED_INIT_CONTROL_FIFO -> {
                // 2-level: a control gfn beyond RAM; FIFO: vCPU 0 has its control block already
                if (beside.abi == Abi.TWO_LEVEL) {
                    g.mem.write64(Guest.arg(0) + 256 + io.xenabi.evtchn.EvtchnOp.INIT_CONTROL_CONTROL_GFN, 1L << 40);
                    assertEquals(-io.xenabi.abi.XenErrno.EINVAL, g.hv.hypercall(g.domid, 0,
                            io.xenabi.abi.Hypercall.__HYPERVISOR_event_channel_op,
                            io.xenabi.evtchn.EvtchnOp.EVTCHNOP_init_control, Guest.arg(0) + 256));
                } else {
                    assertEquals(-io.xenabi.abi.XenErrno.EINVAL, g.initControl(0));
                }
            }
            case PAUSE_UNPAUSE_2L, PAUSE_UNPAUSE_FIFO -> {
                hv.pause(g.domid);
                hv.unpause(g.domid);
            }
        }
        assertSleepsToTheTimeout(poll, started, beside.name());
        assertEquals(beside.abi == Abi.FIFO ? "fifo" : "2l", hv.info(g.domid).orElseThrow().evtchnAbi());
    }

    /**
     * Kept from the kick every setup op and swap gave: a poll that could not read its port
     * while the ABI's implementation was away (a hot swap) reads it again when the
     * implementation is back, and ends if it is pending, as it would have ended at once in Xen.
     */
    @ParameterizedTest
    @EnumSource(Abi.class)
    void aPollThatCouldNotReadItsPortDuringAHotSwapEndsWhenItReadsPendingAfter(Abi abi) throws Exception {
        io.xenabi.evtchn.twolevel.impl.Evtchn2lVariant twoLevel = new io.xenabi.evtchn.twolevel.impl.Evtchn2lVariant();
        hv = TestHypervisors.all(twoLevel);
        Guest g = guest(abi, "a");
        int p = (int) g.bindIpi(1);
        g.mask(abi, p);
        assertEquals(0, g.send(p));
        g.clearUpcall(1);
        String name = abi == Abi.FIFO ? "fifo" : "2l";
        int capability = abi == Abi.FIFO ? 0 : -1;
        io.xenabi.evtchn.EvtchnVariant leaving = abi == Abi.FIFO ? TestHypervisors.serviceOf(hv, "evtchn", "fifo")
                : twoLevel;
        hv.removeEvtchnVariant(leaving, TestHypervisors.props("evtchn", name, capability));
        assertEquals("waiting:" + name, hv.info(g.domid).orElseThrow().evtchnAbi());
        CompletableFuture<Long> poll = pollInBackground(g, 1, TimeUnit.SECONDS.toNanos(30), p);
        Thread.sleep(50);
        assertFalse(poll.isDone(), "the port cannot be read while its implementation is away");
        io.xenabi.evtchn.EvtchnVariant arriving = abi == Abi.FIFO
                ? new io.xenabi.evtchn.fifo.impl.EvtchnFifoVariant() : new io.xenabi.evtchn.twolevel.impl.Evtchn2lVariant();
        hv.addEvtchnVariant(arriving, TestHypervisors.props("evtchn", name, capability));
        assertEquals(0L, poll.get(10, TimeUnit.SECONDS), "back: the port reads pending and the poll ends");
    }

    /**
     * E10: evtchn_close of an interdomain port whose peer has the lower domid lets its own
     * event lock go to take both in order. Held there (the test holds the peer's event lock),
     * the peer closes its end, the port is closed and allocated again, and a third domain binds
     * to it: once both locks are taken the close finds the port bound to another domain and
     * answers -EINVAL, leaving the new binding alone.
     */
    @org.junit.jupiter.api.Test
    void aCloseRacingThePeersCloseAndARebindReturnsEinvalAndLeavesTheNewBinding() throws Exception {
        Guest b = guest(Abi.TWO_LEVEL, "b"); // the peer: the lowest domid
        Guest a = guest(Abi.TWO_LEVEL, "a");
        Guest c = guest(Abi.TWO_LEVEL, "c");
        assertTrue(b.domid < a.domid && a.domid < c.domid);
        long pa = a.allocUnbound(b.domid);
        long pb = b.bindInterdomain(a.domid, pa);
        assertTrue(pa > 0 && pb > 0);

        java.util.concurrent.locks.ReentrantLock peerLock = domain(b).eventLock;
        long[] rc = new long[1];
        peerLock.lock();
        Thread closer;
        try {
            closer = new Thread(() -> {
                a.mem.write32(Guest.arg(1) + io.xenabi.evtchn.EvtchnOp.PORT, (int) pa);
                rc[0] = hv.hypercall(a.domid, 1, io.xenabi.abi.Hypercall.__HYPERVISOR_event_channel_op,
                        io.xenabi.evtchn.EvtchnOp.EVTCHNOP_close, Guest.arg(1));
            });
            closer.start();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!peerLock.hasQueuedThread(closer)) {
                assertTrue(System.nanoTime() < until, "the close never waited for the peer's event lock");
                Thread.sleep(1);
            }
            assertFalse(domain(a).eventLock.isLocked(), "between its two lock steps, holding neither");
            assertEquals(0, b.close(pb), "the peer closes its end");
            assertEquals(0, a.close(pa), "the port, unbound now, is closed");
            assertEquals(pa, a.allocUnbound(c.domid), "and allocated again, for c");
            long pc = c.bindInterdomain(a.domid, pa);
            assertTrue(pc > 0);
        } finally {
            peerLock.unlock();
        }
        closer.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(closer.isAlive());
        assertEquals(-io.xenabi.abi.XenErrno.EINVAL, rc[0], "the port changed meanwhile");
        assertEquals(0, a.status(io.xenabi.abi.DomId.DOMID_SELF, pa));
        assertEquals(io.xenabi.evtchn.EvtchnOp.EVTCHNSTAT_interdomain, a.statusField(io.xenabi.evtchn.EvtchnOp.STATUS_STATUS));
        assertEquals(c.domid, a.statusU16(), "the new binding stays");
    }
}
