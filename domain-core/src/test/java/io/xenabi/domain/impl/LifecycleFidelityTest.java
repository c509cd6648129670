package io.xenabi.domain.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.xenabi.abi.Hypercall;
import io.xenabi.abi.SchedOp;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainState;
import io.xenabi.domain.DomainType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Soft reset, shared_info in the physmap and FIFO events raised before the event array exists,
 * as Xen does them (FIDELITY-GAPS rows E6, E11, E12, E14, E15).
 */
class LifecycleFidelityTest {
    private HypervisorImpl hv;

    @BeforeEach
    void boot() {
        hv = TestHypervisors.all();
    }

    private Guest create(String name, DomainType type) {
        return new Guest(hv, hv.create(DomainConfig.named(name).withType(type, true)));
    }

    private long softReset(Guest g) {
        g.mem.write32(Guest.arg(0) + 256, SchedOp.SHUTDOWN_soft_reset);
        return hv.hypercall(g.domid, 0, Hypercall.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_shutdown, Guest.arg(0) + 256);
    }

    /**
     * E11: domain_soft_reset closes the ports, then arch_domain_soft_reset is -EINVAL for PV and
     * the domain is crashed instead of resumed; being shut down already, it keeps its code.
     */
    @Test
    void aPvSoftResetClosesThePortsAndLeavesTheDomainShutDownForGood() {
        Guest a = create("a", DomainType.PV);
        assertEquals(0, a.setUp(Guest.Abi.FIFO, 1));
        assertEquals(1, a.bindIpi(0));
        assertEquals(0, softReset(a));
        var info = hv.info(a.domid).orElseThrow();
        assertEquals(DomainState.SHUTDOWN, info.state(), "not resumed: arch_domain_soft_reset refuses PV");
        assertEquals(SchedOp.SHUTDOWN_soft_reset, info.shutdownReason(),
                "domain_crash of a domain already shutting down keeps its shutdown_code");
        assertEquals(0, info.portsInUse(), "evtchn_reset ran before the arch part");
        assertEquals("2l", info.evtchnAbi());
    }

    /** E14: domain_soft_reset ends in domain_resume, which sets shutdown_code to SHUTDOWN_CODE_INVALID. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = DomainType.class, names = {"HVM", "PVH"})
    void anHvmSoftResetResumesTheDomainWithNoShutdownCode(DomainType type) {
        Guest a = create("a", type);
        assertEquals(0, a.setUp(Guest.Abi.TWO_LEVEL, 1));
        assertEquals(0, softReset(a));
        var info = hv.info(a.domid).orElseThrow();
        assertEquals(DomainState.RUNNING, info.state());
        assertEquals(-1, info.shutdownReason(), "SHUTDOWN_CODE_INVALID (~0u), as for a domain never shut down");
        assertEquals(-1, hv.info(create("b", type).domid).orElseThrow().shutdownReason());
    }
}
