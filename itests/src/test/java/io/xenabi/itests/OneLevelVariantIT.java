package io.xenabi.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.composite;

import io.xenabi.abi.AbiCapability;
import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.XenErrno;
import io.xenabi.domain.DomainConfig;
import io.xenabi.evtchn.EvtchnOp;
import java.io.File;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The promise that a new ABI is a new bundle and nothing else, for event channels: the
 * test-only bundle itests-evtchn-1l adds a toy "1-level" ABI with capability bit 3 and its own
 * setup sub-op, and nothing else in the product changed for it. A domain permitted only it
 * switches to it and its events land in the toy's page; a domain not permitted it is refused
 * its sub-op and stays on 2-level.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class OneLevelVariantIT extends GuestDomains {
    private static final long ARG = 8L * 4096;
    private static final long PAGE_GFN = 40;
    /** The toy's ABI, as its guests know it (itests-evtchn-1l's OneLevelVariant). */
    private static final int BIT_1L = 3;
    private static final int EVTCHNOP_init_1l = 100;
    private static final int INIT_1L_NR_PORTS = 8;
    private static final int NR_PORTS_1L = 1024;

    @Override
    @Configuration
    public Option[] config() {
        File oneLevel = new File(System.getProperty("xenabi.bundle.evtchn-1l", ""));
        return new Option[] {composite(XenabiOptions.xenabi()), bundle(oneLevel.toURI().toString())};
    }

    private long evtchnOp(int domid, int cmd) {
        return hypervisor.hypercall(domid, 0, Hypercall.__HYPERVISOR_event_channel_op, cmd, ARG);
    }

    private long init1l(int domid) {
        GuestMemory m = hypervisor.memory(domid);
        m.write64(ARG, PAGE_GFN);
        m.write32(ARG + INIT_1L_NR_PORTS, 0);
        return evtchnOp(domid, EVTCHNOP_init_1l);
    }

    /** EVTCHNOP_bind_ipi on vCPU 0, then EVTCHNOP_send to it; returns the port. */
    private int bindIpiAndSend(int domid) {
        GuestMemory m = hypervisor.memory(domid);
        m.write32(ARG + EvtchnOp.BIND_IPI_VCPU, 0);
        assertEquals(0, evtchnOp(domid, EvtchnOp.EVTCHNOP_bind_ipi));
        int port = m.read32(ARG + EvtchnOp.BIND_IPI_PORT);
        m.write32(ARG + EvtchnOp.PORT, port);
        assertEquals(0, evtchnOp(domid, EvtchnOp.EVTCHNOP_send));
        return port;
    }

    private String abi(int domid) {
        return hypervisor.info(domid).orElseThrow().evtchnAbi();
    }

    @Test
    public void theHypervisorSeesTheToyByItsServicePropertiesAlone() {
        assertEquals(BIT_1L, hypervisor.variants().stream().filter(v -> v.qualifiedName().equals("evtchn-1l"))
                .findFirst().orElseThrow().capability());
    }

    @Test
    public void aDomainPermittedOnlyTheToyUsesItAndIsRefusedFifo() {
        int d = domain(DomainConfig.named("only-1l").withAbiPermit(AbiCapability.mask(BIT_1L)));
        assertEquals("2l", abi(d));
        assertEquals(0, init1l(d));
        assertEquals("1l", abi(d));
        GuestMemory m = hypervisor.memory(d);
        assertEquals("the toy's struct was copied back", NR_PORTS_1L, m.read32(ARG + INIT_1L_NR_PORTS));
        int port = bindIpiAndSend(d);
        assertTrue("the event is pending in the toy's page", m.page(PAGE_GFN).testBit(0, port));
        assertEquals("FIFO is not permitted", -XenErrno.EOPNOTSUPP, evtchnOp(d, EvtchnOp.EVTCHNOP_init_control));
        assertEquals("1l", abi(d));
    }

    @Test
    public void aDomainNotPermittedTheToyIsRefusedItsSubOpAndStaysOnTwoLevel() {
        int d = domain(DomainConfig.named("no-1l").withAbiPermit(
                AbiCapability.mask(AbiCapability.XENABI_CAP_EVTCHN_FIFO)));
        assertEquals(-XenErrno.EOPNOTSUPP, init1l(d));
        assertEquals("2l", abi(d));
        GuestMemory m = hypervisor.memory(d);
        assertEquals("nothing copied back", 0, m.read32(ARG + INIT_1L_NR_PORTS));
        int port = bindIpiAndSend(d);
        assertFalse("the toy's page is untouched", m.page(PAGE_GFN).testBit(0, port));
    }
}
