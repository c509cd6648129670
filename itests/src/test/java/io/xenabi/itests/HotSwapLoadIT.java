package io.xenabi.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;

import io.xenabi.domain.DomainConfig;
import io.xenabi.guest.AbiMode;
import io.xenabi.guest.PingResult;
import io.xenabi.guest.ShareMode;
import io.xenabi.guest.ShareResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/**
 * Eight domains, four on FIFO and four on 2-level, ping-pong without pause while grant copies
 * run under v2; meanwhile evtchn-fifo is updated 20 times and evtchn-2l and gnttab-v2 are
 * stopped and started 20 times each. Nothing is lost and no copy fails.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HotSwapLoadIT extends GuestDomains {
    @Test
    public void swapsUnderLoadLoseNothing() throws Exception {
        List<CompletableFuture<PingResult>> pings = new ArrayList<>();
        AtomicBoolean swapping = new AtomicBoolean(true);
        int[] fifo = new int[4];
        int[] twoLevel = new int[4];
        for (int i = 0; i < 4; i++) {
            fifo[i] = domain(DomainConfig.named("load-fifo" + i));
            twoLevel[i] = domain(DomainConfig.named("load-2l" + i));
            assertEquals("fifo", guests.start(fifo[i], AbiMode.AUTO).abi().variantName());
            guests.start(twoLevel[i], AbiMode.TWO_LEVEL);
        }
        for (int i = 0; i < 4; i++) {
            int a = fifo[i];
            int b = twoLevel[i];
            pings.add(CompletableFuture.supplyAsync(() -> guests.ping(a, b, 8000, Duration.ofSeconds(20))));
        }
        CompletableFuture<int[]> copies = CompletableFuture.supplyAsync(() -> {
            int done = 0;
            int failed = 0;
            while (swapping.get() || done < 5) {
                ShareResult r = guests.share(fifo[0], twoLevel[1], 2, 2, ShareMode.COPY);
                failed += r.failed();
                done++;
            }
            return new int[] {done, failed};
        });
        Bundle evtchnFifo = installedBundle("io.xenabi.evtchn-fifo");
        Bundle evtchn2l = installedBundle("io.xenabi.evtchn-2l");
        Bundle gnttabV2 = installedBundle("io.xenabi.gnttab-v2");
        long worst = 0;
        try {
            for (int i = 0; i < 20; i++) {
                long t0 = System.nanoTime();
                evtchnFifo.update();
                evtchn2l.stop();
                evtchn2l.start();
                gnttabV2.stop();
                gnttabV2.start();
                worst = Math.max(worst, System.nanoTime() - t0);
                Thread.sleep(5);
            }
        } finally {
            swapping.set(false);
        }
        int lost = 0;
        double pauseMicros = 0;
        for (CompletableFuture<PingResult> p : pings) {
            PingResult r = p.get(120, TimeUnit.SECONDS);
            assertEquals(8000, r.roundTrips());
            lost += r.lost();
            pauseMicros = Math.max(pauseMicros, r.maxMicros());
        }
        int[] c = copies.get(120, TimeUnit.SECONDS);
        assertEquals("lost round trips", 0, lost);
        assertEquals("failed copies", 0, c[1]);
        assertNotNull(hypervisor.info(fifo[0]));
        assertEquals("fifo", hypervisor.info(fifo[0]).orElseThrow().evtchnAbi());
        assertEquals("2l", hypervisor.info(twoLevel[0]).orElseThrow().evtchnAbi());
        System.out.println("hot swap under load: 20 x (update evtchn-fifo, stop/start evtchn-2l, stop/start"
                + " gnttab-v2); longest round of swaps " + worst / 1_000_000 + " ms; longest guest-visible pause (round"
                + " trip) " + Math.round(pauseMicros / 1000) + " ms; 32000 round trips, lost=" + lost
                + "; " + c[0] + " grant shares, failed=" + c[1]);
    }
}
