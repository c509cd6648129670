package io.xenabi.domain.impl;

import io.xenabi.domain.testkit.TestHosts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.domain.DomainConfig;
import io.xenabi.evtchn.EvtchnVariant;
import io.xenabi.evtchn.fifo.impl.EvtchnFifoVariant;
import io.xenabi.evtchn.twolevel.impl.Evtchn2lVariant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A variant's implementation leaves and comes back while domains use it: nothing is lost. */
class HotSwapTest {
    @ParameterizedTest
    @EnumSource(Guest.Abi.class)
    void eventsSentWhileTheImplementationIsAwayAreHeldAndReplayed(Guest.Abi abi) throws Exception {
        Evtchn2lVariant twoLevel = new Evtchn2lVariant();
        HypervisorImpl hv = TestHypervisors.all(twoLevel);
        hv.create(DomainConfig.named("unused")); // domains without a guest wait too, harmlessly
        Guest a = new Guest(hv, hv.create(DomainConfig.named("a")));
        Guest b = new Guest(hv, hv.create(DomainConfig.named("b")));
        assertEquals(0, a.setUp(abi, 1));
        // The peer is on the other ABI, so the swap does not touch it.
        assertEquals(0, b.setUp(abi == Guest.Abi.FIFO ? Guest.Abi.TWO_LEVEL : Guest.Abi.FIFO, 1));
        long pa = a.allocUnbound(b.domid);
        long pb = b.bindInterdomain(a.domid, pa);
        // a consumes the bind notification the guest way: nothing pending before the swap
        a.clearUpcall(0);
        String name = abi == Guest.Abi.FIFO ? "fifo" : "2l";

        EvtchnVariant leaving = abi == Guest.Abi.FIFO ? findFifo(hv) : twoLevel;
        hv.removeEvtchnVariant(leaving, TestHypervisors.props("evtchn", name, abi == Guest.Abi.FIFO ? 0 : -1));
        assertEquals("waiting:" + name, hv.info(a.domid).orElseThrow().evtchnAbi());
        assertEquals(0, b.send(pb), "the peer's send is taken, and held");
        CompletableFuture<Long> aCall = CompletableFuture.supplyAsync(() -> a.bindIpi(0));
        Thread.sleep(50);
        assertFalse(aCall.isDone(), "the waiting domain's own calls wait for the new implementation");

        EvtchnVariant arriving = abi == Guest.Abi.FIFO ? new EvtchnFifoVariant() : new Evtchn2lVariant();
        hv.addEvtchnVariant(arriving, TestHypervisors.props("evtchn", name, abi == Guest.Abi.FIFO ? 0 : -1));
        assertEquals(name, hv.info(a.domid).orElseThrow().evtchnAbi());
        assertTrue(aCall.get(10, TimeUnit.SECONDS) > 0);
        assertTrue(a.pending(pa), "the held event was replayed");
        assertTrue(a.upcallPending(0), "and raised its upcall");
        assertEquals(0, b.send(pb));
    }

    @ParameterizedTest
    @EnumSource(Guest.Abi.class)
    void sendsRacingWithRepeatedSwapsAreNeverLost(Guest.Abi abi) throws Exception {
        HypervisorImpl hv = TestHypervisors.all();
        Guest a = new Guest(hv, hv.create(DomainConfig.named("a")));
        assertEquals(0, a.setUp(abi, 1));
        long[] ports = new long[1000];
        for (int i = 0; i < ports.length; i++) {
            ports[i] = a.bindIpi(0);
        }
        String name = abi == Guest.Abi.FIFO ? "fifo" : "2l";
        int capability = abi == Guest.Abi.FIFO ? 0 : -1;
        CompletableFuture<Long> sender = CompletableFuture.supplyAsync(() -> {
            long failed = 0;
            for (long p : ports) {
                failed += a.send(p) == 0 ? 0 : 1;
            }
            return failed;
        });
        // A newer implementation takes over and leaves again, again and again, while the sends run
        // (each swap holds the domain's calls until it ends, so the swaps pause between them).
        for (long bundle = 10; bundle < 30; bundle++) {
            java.util.Map<String, Object> props = new java.util.HashMap<>(TestHypervisors.props("evtchn", name,
                    capability));
            props.put("service.bundleid", bundle);
            EvtchnVariant newer = abi == Guest.Abi.FIFO ? new EvtchnFifoVariant() : new Evtchn2lVariant();
            hv.addEvtchnVariant(newer, props);
            hv.removeEvtchnVariant(newer, props);
            Thread.sleep(1);
        }
        assertEquals(0, sender.get(10, TimeUnit.SECONDS), "every send was taken");
        java.util.Set<Integer> pending = new java.util.HashSet<>();
        hv.ports(a.domid).stream().filter(io.xenabi.domain.PortInfo::pending).forEach(i -> pending.add(i.port()));
        for (long p : ports) {
            assertTrue(pending.contains((int) p), "port " + p + " is pending after the swaps");
        }
    }

    private static EvtchnVariant findFifo(HypervisorImpl hv) {
        return TestHypervisors.serviceOf(hv, "evtchn", "fifo");
    }

    @org.junit.jupiter.api.Test
    void grantOperationsWaitWhileTheirVersionIsSwappedAndThenSucceed() throws Exception {
        HypervisorImpl hv = TestHypervisors.all();
        GrantGuest front = new GrantGuest(hv, hv.create(DomainConfig.named("front")));
        GrantGuest back = new GrantGuest(hv, hv.create(DomainConfig.named("back")));
        assertEquals(0, front.setVersion(2));
        front.mapFrames(1);
        back.mapFrames(1);
        front.mem.write64(50L * 4096, 0x1122_3344_5566_7788L);
        front.grant(10, back.domid, 50, io.xenabi.gnttab.GrantFlags.GTF_permit_access);
        io.xenabi.gnttab.GrantVersion v2 = TestHypervisors.serviceOf(hv, "gnttab", "v2");
        hv.removeGrantVersion(v2, TestHypervisors.props("gnttab", "v2", 1));
        CompletableFuture<Integer> copy = CompletableFuture.supplyAsync(() -> back.copy(10, front.domid, 0, 60,
                io.xenabi.abi.DomId.DOMID_SELF, 0, 8, io.xenabi.gnttab.GrantFlags.GNTCOPY_source_gref));
        Thread.sleep(50);
        assertFalse(copy.isDone(), "the copy waits for a v2 implementation");
        hv.addGrantVersion(new io.xenabi.gnttab.v2.impl.GrantTableV2(), TestHypervisors.props("gnttab", "v2", 1));
        assertEquals(io.xenabi.gnttab.GnttabStatus.GNTST_okay, copy.get(10, TimeUnit.SECONDS));
        assertEquals(0x1122_3344_5566_7788L, back.mem.read64(60L * 4096));
        assertEquals(2, hv.grantVersion(front.domid));
    }

    private static java.util.Map<String, Object> fifoFromBundle(long bundleId) {
        java.util.Map<String, Object> p = new java.util.HashMap<>(TestHypervisors.props("evtchn", "fifo", 0));
        p.put("service.bundleid", bundleId);
        return p;
    }

    @org.junit.jupiter.api.Test
    void aNewerImplementationTakesOverAndTheOlderComesBackWhenItLeaves() {
        HypervisorImpl hv = TestHosts.of("evtchn-2l");
        EvtchnFifoVariant first = new EvtchnFifoVariant();
        hv.addEvtchnVariant(first, fifoFromBundle(5));
        Guest a = new Guest(hv, hv.create(DomainConfig.named("a")));
        Guest b = new Guest(hv, hv.create(DomainConfig.named("b")));
        assertEquals(0, a.setUp(Guest.Abi.FIFO, 1));
        assertEquals(0, b.setUp(Guest.Abi.TWO_LEVEL, 1));
        long pa = a.allocUnbound(b.domid);
        long pb = b.bindInterdomain(a.domid, pa);

        EvtchnFifoVariant newer = new EvtchnFifoVariant(); // a newer jar dropped into deploy/
        hv.addEvtchnVariant(newer, fifoFromBundle(9));
        assertTrue(TestHypervisors.serviceOf(hv, "evtchn", "fifo") == newer, "the newer implementation is active");
        assertEquals("fifo", hv.info(a.domid).orElseThrow().evtchnAbi());
        assertEquals(0, b.send(pb));
        assertTrue(a.pending(pa), "the domain carries on with the newer implementation");

        hv.removeEvtchnVariant(newer, fifoFromBundle(9)); // the jar deleted again
        assertTrue(TestHypervisors.serviceOf(hv, "evtchn", "fifo") == first, "the older one is active again");
        assertEquals("fifo", hv.info(a.domid).orElseThrow().evtchnAbi());
        assertEquals(0, a.unmask(pa));
        assertTrue(a.pending(pa), "and nothing was lost on the way");

        EvtchnFifoVariant older = new EvtchnFifoVariant();
        hv.addEvtchnVariant(older, fifoFromBundle(2));
        assertTrue(TestHypervisors.serviceOf(hv, "evtchn", "fifo") == first, "an older implementation only waits on standby");
    }
}
