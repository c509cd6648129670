package io.xenabi.guest.impl;

import io.xenabi.domain.testkit.TestHosts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.abi.DomId;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.impl.HypervisorImpl;
import io.xenabi.guest.ShareMode;
import io.xenabi.guest.ShareResult;
import io.xenabi.guest.ScenarioResult;
import io.xenabi.guest.AbiMode;
import io.xenabi.guest.EvtchnAbi;
import io.xenabi.guest.GuestException;
import io.xenabi.guest.GuestKernel;
import io.xenabi.guest.GuestStats;
import io.xenabi.guest.Guests;
import io.xenabi.guest.PingResult;
import io.xenabi.guest.front.FifoEvents;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Guest kernels booted on the real hypervisor with both real event-channel ABIs. */
class GuestsImplTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private HypervisorImpl hv;
    private GuestsImpl guests;

    static HypervisorImpl hypervisor() {
        return TestHosts.all();
    }

    @BeforeEach
    void boot() {
        hv = hypervisor();
        guests = new GuestsImpl(hv);
    }

    @AfterEach
    void shutDown() {
        guests.stopAll();
    }

    private int domain(String name, int vcpus) {
        return hv.create(DomainConfig.named(name).withVcpus(vcpus));
    }

    private String hypervisorAbi(int domid) {
        return hv.info(domid).orElseThrow().evtchnAbi();
    }

    private GuestKernel start(String name, int vcpus, AbiMode mode) {
        return guests.start(domain(name, vcpus), mode);
    }

    @Test
    void autoModeBootsOnFifoWhenPermitted() {
        GuestKernel k = start("alice", 2, AbiMode.AUTO);
        assertEquals(EvtchnAbi.FIFO, k.abi());
        assertEquals("fifo", hypervisorAbi(k.domid()));
        assertEquals("", k.stats().fallbackReason());
        assertEquals(17, ((FifoEvents) ((GuestKernelImpl) k).ops()).linkBits());
    }

    @Test
    void autoModeFallsBackToTwoLevelWhenFifoIsNotPermitted() {
        int domid = hv.create(DomainConfig.named("legacy").withVcpus(2).withAbiPermit(0));
        GuestKernel k = guests.start(domid, AbiMode.AUTO);
        assertEquals(EvtchnAbi.TWO_LEVEL, k.abi());
        assertEquals("2l", hypervisorAbi(domid));
        assertTrue(k.stats().fallbackReason().contains("EOPNOTSUPP"), k.stats().fallbackReason());
        GuestKernel peer = start("peer", 1, AbiMode.AUTO);
        PingResult r = guests.ping(domid, peer.domid(), 100, TIMEOUT);
        assertEquals(100, r.roundTrips());
        assertEquals(0, r.lost());
    }

    @Test
    void twoLevelModeNeverTriesFifo() {
        GuestKernel k = start("old", 1, AbiMode.TWO_LEVEL);
        assertEquals(EvtchnAbi.TWO_LEVEL, k.abi());
        assertEquals("2l", hypervisorAbi(k.domid()));
        assertEquals("", k.stats().fallbackReason());
    }

    @Test
    void thousandPingsBetweenAFifoAndATwoLevelGuestAllComeBack() {
        GuestKernel fifo = start("alice", 2, AbiMode.AUTO);
        GuestKernel twoLevel = start("bob", 2, AbiMode.TWO_LEVEL);
        assertEquals("fifo", hypervisorAbi(fifo.domid()));
        assertEquals("2l", hypervisorAbi(twoLevel.domid()));

        PingResult there = guests.ping(fifo.domid(), twoLevel.domid(), 1000, TIMEOUT);
        assertEquals(1000, there.count());
        assertEquals(1000, there.roundTrips());
        assertEquals(0, there.lost());
        assertTrue(there.meanMicros() > 0);

        PingResult back = guests.ping(twoLevel.domid(), fifo.domid(), 1000, TIMEOUT);
        assertEquals(1000, back.roundTrips());
        assertEquals(0, back.lost());
    }

    @Test
    void pingClosesBothPortsAtTheEnd() {
        GuestKernel a = start("a", 1, AbiMode.AUTO);
        GuestKernel b = start("b", 1, AbiMode.TWO_LEVEL);
        int aPorts = hv.ports(a.domid()).size();
        int bPorts = hv.ports(b.domid()).size();
        PingResult r = guests.ping(a.domid(), b.domid(), 10, TIMEOUT);
        assertTrue(r.fromPort() > 0 && r.toPort() > 0);
        assertEquals(aPorts, hv.ports(a.domid()).size());
        assertEquals(bPorts, hv.ports(b.domid()).size());
    }

    /**
     * A domain paused for longer than the timeout answers when it runs again: its round trips
     * are late, none is lost, and the longest one shows the pause.
     */
    @Test
    void aPingToADomainPausedBeyondTheTimeoutCountsLateRepliesNotLostOnes() throws Exception {
        PingResult r = pingWithAPause(Guests.LATE_WAIT);
        assertEquals(0, r.lost(), "nothing was lost: " + r);
        assertTrue(r.late() >= 1, "a round trip waited out the pause: " + r);
        assertEquals(400, r.roundTrips() + r.late());
        assertTrue(r.maxMicros() >= 400_000, "the longest round trip shows the pause: " + r);
    }

    /** With no late wait, an echo that misses its timeout and the next round trip's start is lost. */
    @Test
    void withoutALateWaitAnEchoThatMissedItsTimeoutIsLost() throws Exception {
        PingResult r = pingWithAPause(Duration.ZERO);
        assertTrue(r.lost() >= 1, "the pause outlasted several timeouts: " + r);
        assertEquals(400, r.roundTrips() + r.late() + r.lost());
    }

    /** 400 round trips of 100 ms timeout from a to b, b paused for 600 ms once the ping runs. */
    private PingResult pingWithAPause(Duration lateWait) throws Exception {
        GuestKernel a = start("a", 1, AbiMode.AUTO);
        GuestKernel b = start("b", 1, AbiMode.AUTO);
        java.util.concurrent.CompletableFuture<PingResult> ping = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> guests.ping(a.domid(), b.domid(), 400, Duration.ofMillis(100), lateWait));
        long until = System.nanoTime() + 20_000_000_000L;
        while (guests.stats(b.domid()).eventsPerPort().values().stream().mapToLong(Long::longValue).sum() < 20) {
            assertTrue(System.nanoTime() < until, "the ping runs");
            Thread.sleep(1);
        }
        hv.pause(b.domid());
        Thread.sleep(600);
        hv.unpause(b.domid());
        return ping.get(60, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Test
    void statsCountEveryEventPerPort() {
        GuestKernel a = start("a", 1, AbiMode.AUTO);
        GuestKernel b = start("b", 1, AbiMode.TWO_LEVEL);
        PingResult r = guests.ping(a.domid(), b.domid(), 50, TIMEOUT);
        assertEquals(50, r.roundTrips());
        // Xen marks the port pending on bind_interdomain: one echo more than the pings.
        GuestStats bs = guests.stats(b.domid());
        assertEquals(51L, bs.eventsPerPort().get(r.toPort()));
        GuestStats as = guests.stats(a.domid());
        assertEquals(51L, as.eventsPerPort().get(r.fromPort()));
        // One upcall may handle several events (the handler loops while upcall_pending is set
        // again, as Linux's xen_evtchn_do_upcall does), so upcalls are at most the events.
        assertTrue(as.upcalls() >= 1 && as.upcalls() <= as.eventsHandled(), "upcalls " + as.upcalls());
        assertTrue(as.eventsHandled() >= 51);
        assertEquals(0, as.spuriousEvents());
        assertEquals(EvtchnAbi.FIFO, as.abi());
        assertEquals(EvtchnAbi.TWO_LEVEL, bs.abi());
    }

    @Test
    void stopJoinsEveryVcpuThreadAndResetsTheDomain() {
        GuestKernel k = start("alice", 4, AbiMode.AUTO);
        Thread[] threads = ((GuestKernelImpl) k).threads();
        assertEquals(4, threads.length);
        for (int v = 0; v < 4; v++) {
            assertEquals("guest-alice-vcpu" + v, threads[v].getName());
            assertTrue(threads[v].isAlive());
            assertTrue(threads[v].isDaemon());
        }
        guests.stop(k.domid());
        assertTrue(Arrays.stream(threads).noneMatch(Thread::isAlive));
        assertFalse(k.isRunning());
        assertTrue(guests.kernel(k.domid()).isEmpty());
        assertTrue(hv.ports(k.domid()).isEmpty());
        assertEquals("2l", hypervisorAbi(k.domid()));
        assertThrows(GuestException.class, () -> guests.stop(k.domid()));
    }

    @Test
    void aStoppedDomainBootsAgainOnFifo() {
        GuestKernel first = start("alice", 2, AbiMode.AUTO);
        guests.stop(first.domid());
        GuestKernel second = guests.start(first.domid(), AbiMode.AUTO);
        assertEquals(EvtchnAbi.FIFO, second.abi());
        GuestKernel peer = start("bob", 1, AbiMode.AUTO);
        assertEquals(20, guests.ping(second.domid(), peer.domid(), 20, TIMEOUT).roundTrips());
    }

    @Test
    void secondStartInTheSameDomainIsRefused() {
        GuestKernel k = start("alice", 1, AbiMode.AUTO);
        GuestException e = assertThrows(GuestException.class, () -> guests.start(k.domid(), AbiMode.AUTO));
        assertTrue(e.getMessage().contains("already runs"), e.getMessage());
    }

    @Test
    void destroyingTheDomainEndsItsKernel() throws Exception {
        GuestKernel k = start("alice", 2, AbiMode.AUTO);
        Thread[] threads = ((GuestKernelImpl) k).threads();
        hv.destroy(k.domid());
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(5));
            assertFalse(t.isAlive(), t.getName());
        }
        assertTrue(guests.kernel(k.domid()).isEmpty());
        assertThrows(GuestException.class, () -> guests.stats(k.domid()));
    }

    @ParameterizedTest
    @EnumSource(AbiMode.class)
    void anIpiIsHandledOnTheVcpuItIsBoundTo(AbiMode mode) throws Exception {
        GuestKernel k = start("smp", 3, mode);
        CompletableFuture<String> seen = new CompletableFuture<>();
        int port = k.bindIpi(2, (p, vcpu) -> seen.complete(vcpu + " " + Thread.currentThread().getName()));
        k.send(port);
        assertEquals("2 guest-smp-vcpu2", seen.get(5, TimeUnit.SECONDS));
        assertEquals(1L, k.stats().eventsPerPort().get(port));
    }

    @Test
    void fifoGuestGrowsItsEventArrayOnDemand() {
        int domid = hv.create(DomainConfig.named("big").withMaxEventChannels(4000));
        GuestKernel k = guests.start(domid, AbiMode.AUTO);
        FifoEvents fifo = (FifoEvents) ((GuestKernelImpl) k).ops();
        assertEquals(1, fifo.eventArrayPages());
        for (int i = 0; i < 1100; i++) {
            k.allocUnbound(DomId.DOMID_SELF, (p, v) -> { });
        }
        assertEquals(2, fifo.eventArrayPages());
        PingResult r = guests.ping(domid, domid, 20, TIMEOUT);
        assertTrue(r.fromPort() >= 1024 && r.toPort() >= 1024, r.toString());
        assertEquals(20, r.roundTrips());
    }

    @Test
    void shareWithAKernelThatIsNotRunningFailsInOneLine() {
        GuestKernel a = start("a", 1, AbiMode.AUTO);
        int b = domain("b", 1);
        GuestException e = assertThrows(GuestException.class,
                () -> guests.share(a.domid(), b, 1, 1, ShareMode.COPY));
        assertEquals("no guest kernel runs in domain " + b, e.getMessage());
        e = assertThrows(GuestException.class, () -> guests.share(b, a.domid(), 1, 1, ShareMode.MAP));
        assertEquals("no guest kernel runs in domain " + b, e.getMessage());
    }

    @Test
    void resumeOnFifoSetsTheControlBlocksUpAgainOnEveryVcpuAndRebinds() {
        int domid = domain("restored", 2);
        GuestKernel k = guests.resume(domid, AbiMode.AUTO, EvtchnAbi.FIFO);
        assertEquals(EvtchnAbi.FIFO, k.abi());
        assertEquals(AbiMode.AUTO, k.mode());
        assertEquals("fifo", hypervisorAbi(domid));
        FifoEvents fifo = (FifoEvents) ((GuestKernelImpl) k).ops();
        assertTrue(fifo.controlBlock(0) != null && fifo.controlBlock(1) != null);
        assertEquals(1, fifo.eventArrayPages(), "the wake-up IPIs were bound again");
        int peer = start("peer", 1, AbiMode.TWO_LEVEL).domid();
        assertEquals(10, guests.ping(peer, domid, 10, TIMEOUT).roundTrips());
    }

    @Test
    void resumeOnTwoLevelStaysOnTwoLevelWhereFifoIsPermitted() {
        int domid = domain("old", 2);
        GuestKernel k = guests.resume(domid, AbiMode.AUTO, EvtchnAbi.TWO_LEVEL);
        assertEquals(EvtchnAbi.TWO_LEVEL, k.abi());
        assertEquals("2l", hypervisorAbi(domid), "nothing probed: the domain never switched to FIFO");
        assertEquals("", k.stats().fallbackReason());
        int peer = start("peer", 1, AbiMode.AUTO).domid();
        assertEquals(10, guests.ping(peer, domid, 10, TIMEOUT).roundTrips());
    }

    @Test
    void resumeOnFifoWhereFifoIsNotPermittedFailsAndLeavesNothingRunning() {
        int domid = hv.create(DomainConfig.named("moved").withVcpus(2).withAbiPermit(0));
        GuestException e = assertThrows(GuestException.class,
                () -> guests.resume(domid, AbiMode.AUTO, EvtchnAbi.FIFO));
        assertTrue(e.getMessage().startsWith("resuming on fifo: EVTCHNOP_init_control failed in domain " + domid),
                e.getMessage());
        assertTrue(guests.kernel(domid).isEmpty());
        assertEquals("2l", hypervisorAbi(domid));
    }

    @Test
    void pingNeedsBothKernelsRunning() {
        GuestKernel a = start("a", 1, AbiMode.AUTO);
        int b = domain("b", 1);
        GuestException e = assertThrows(GuestException.class, () -> guests.ping(a.domid(), b, 1, TIMEOUT));
        assertTrue(e.getMessage().contains("domain " + b), e.getMessage());
    }

    @Test
    void aHandlerCanAnswerFromItsVcpu() throws Exception {
        GuestKernel a = start("a", 2, AbiMode.AUTO);
        GuestKernel b = start("b", 2, AbiMode.AUTO);
        CompletableFuture<Integer> answered = new CompletableFuture<>();
        int aPort = a.allocUnbound(b.domid(), (p, v) -> answered.complete(p));
        int bPort = b.bindInterdomain(a.domid(), aPort, (p, v) -> b.send(p));
        assertEquals(aPort, answered.get(5, TimeUnit.SECONDS)); // the echo of the bind's pending event
        b.close(bPort);
        a.close(aPort);
    }

    @ParameterizedTest
    @CsvSource({"1, MAP", "1, COPY", "2, MAP", "2, COPY"})
    void sharedPagesAreReadBackExactlyAndReclaimed(int version, ShareMode mode) {
        GuestKernel front = start("front", 1, AbiMode.AUTO);
        GuestKernel back = start("back", 1, AbiMode.AUTO);
        ShareResult r = guests.share(front.domid(), back.domid(), 16, version, mode);
        assertEquals(16, r.shared());
        assertEquals(16, r.verified());
        assertEquals(0, r.failed());
        assertEquals(version, r.version());
        assertEquals(version, hv.grantVersion(front.domid()));
        assertEquals(version, front.grantVersion());
        assertTrue(hv.grants(front.domid()).isEmpty(), "every grant was ended and reclaimed");
        ShareResult again = guests.share(front.domid(), back.domid(), 3, version, mode);
        assertEquals(3, again.verified(), "references and pages are reused");
    }

    @Test
    void aKernelRefusedV2StaysOnV1AsLinuxDoes() {
        int d = hv.create(DomainConfig.named("old").withAbiPermit(0));
        guests.start(d, AbiMode.AUTO);
        GuestKernel back = start("back", 1, AbiMode.AUTO);
        ShareResult r = guests.share(d, back.domid(), 4, 2, ShareMode.MAP);
        assertEquals(1, r.version());
        assertEquals(4, r.verified());
        assertTrue(r.note().contains("ENOSYS"), r.note());
    }

    @Test
    void theHibernationBugIsReproducedWhenFifoIsPermittedAndAvoidedOtherwise() {
        ScenarioResult bug = guests.handover(AbiMode.TWO_LEVEL, io.xenabi.abi.AbiCapability.ALL, false, 5);
        assertEquals("fifo", bug.hypervisorAbi());
        assertEquals("2l", bug.resumedAbi());
        assertTrue(bug.lost() > 0, "the resumed 2-level kernel misses events queued FIFO-style");
        ScenarioResult withheld = guests.handover(AbiMode.TWO_LEVEL, 0, false, 5);
        assertEquals("2l", withheld.hypervisorAbi());
        assertEquals(0, withheld.lost());
        ScenarioResult kexec = guests.handover(AbiMode.TWO_LEVEL, io.xenabi.abi.AbiCapability.ALL, true, 5);
        assertEquals("fifo", kexec.bootAbi());
        assertEquals("2l", kexec.hypervisorAbi(), "EVTCHNOP_reset before the handover");
        assertEquals(0, kexec.lost());
        assertEquals(1, hv.list().size(), "the scenario's domains are gone");
    }
}
