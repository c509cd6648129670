package io.xenabi.itests;

import static org.junit.Assert.assertEquals;

import io.xenabi.domain.DomainConfig;
import io.xenabi.guest.AbiMode;
import io.xenabi.guest.EvtchnAbi;
import io.xenabi.guest.PingResult;
import java.time.Duration;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/** Domains driven by the guest kernels exchange events through the services, inside Felix. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class GuestExchangeIT extends GuestDomains {
    private static final int COUNT = 500;

    private int boot(String name, AbiMode mode, EvtchnAbi expected) {
        int domid = domain(DomainConfig.named(name).withVcpus(2));
        assertEquals(expected, guests.start(domid, mode).abi());
        assertEquals(expected.variantName(), hypervisor.info(domid).orElseThrow().evtchnAbi());
        return domid;
    }

    private void pingBothWays(int a, int b) {
        PingResult there = guests.ping(a, b, COUNT, Duration.ofSeconds(5));
        assertEquals(COUNT, there.roundTrips());
        assertEquals(0, there.lost());
        PingResult back = guests.ping(b, a, COUNT, Duration.ofSeconds(5));
        assertEquals(COUNT, back.roundTrips());
        assertEquals(0, back.lost());
    }

    @Test
    public void twoLevelToTwoLevel() {
        pingBothWays(boot("l1", AbiMode.TWO_LEVEL, EvtchnAbi.TWO_LEVEL), boot("l2", AbiMode.TWO_LEVEL, EvtchnAbi.TWO_LEVEL));
    }

    @Test
    public void fifoToFifo() {
        pingBothWays(boot("f1", AbiMode.AUTO, EvtchnAbi.FIFO), boot("f2", AbiMode.AUTO, EvtchnAbi.FIFO));
    }

    @Test
    public void fifoToTwoLevel() {
        pingBothWays(boot("fifo", AbiMode.AUTO, EvtchnAbi.FIFO), boot("legacy", AbiMode.TWO_LEVEL, EvtchnAbi.TWO_LEVEL));
    }

    @Test
    public void aDomainNotPermittedFifoFallsBackToTwoLevel() {
        int domid = domain(DomainConfig.named("nofifo").withAbiPermit(0));
        assertEquals(EvtchnAbi.TWO_LEVEL, guests.start(domid, AbiMode.AUTO).abi());
        assertEquals("2l", hypervisor.info(domid).orElseThrow().evtchnAbi());
    }
}
