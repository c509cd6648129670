package io.xenabi.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;

import io.xenabi.domain.DomainConfig;
import io.xenabi.guest.AbiMode;
import io.xenabi.guest.PingResult;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/** The FIFO bundle is updated while a FIFO and a 2-level guest ping each other: nothing is lost. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HotSwapIT extends GuestDomains {
    @Test
    public void updatingTheFifoBundleUnderPingLosesNothing() throws Exception {
        int alice = domain(DomainConfig.named("swap-alice").withVcpus(2));
        int bob = domain(DomainConfig.named("swap-bob"));
        guests.start(alice, AbiMode.AUTO);
        guests.start(bob, AbiMode.TWO_LEVEL);
        assertEquals("fifo", hypervisor.info(alice).orElseThrow().evtchnAbi());
        Bundle fifo = installedBundle("io.xenabi.evtchn-fifo");
        assertNotNull(fifo);
        CompletableFuture<PingResult> ping = CompletableFuture.supplyAsync(
                () -> guests.ping(alice, bob, 3000, Duration.ofSeconds(10)));
        long worst = 0;
        for (int i = 0; i < 5; i++) {
            Thread.sleep(20);
            long t0 = System.nanoTime();
            fifo.update();
            worst = Math.max(worst, System.nanoTime() - t0);
        }
        PingResult r = ping.get(60, TimeUnit.SECONDS);
        assertEquals(3000, r.roundTrips());
        assertEquals(0, r.lost());
        assertEquals("fifo", hypervisor.info(alice).orElseThrow().evtchnAbi());
        System.out.println("hot swap: 5 updates of evtchn-fifo under ping, longest update " + worst / 1_000_000
                + " ms, lost=" + r.lost());
    }
}
