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
}
