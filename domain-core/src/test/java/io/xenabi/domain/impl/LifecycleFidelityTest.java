package io.xenabi.domain.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.abi.DomId;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.MemoryOp;
import io.xenabi.abi.SchedOp;
import io.xenabi.abi.SharedInfo;
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

    private long mapSharedInfoAt(Guest g, long gfn) {
        long s = Guest.arg(0);
        g.mem.write(s, new byte[64], 0, 64);
        g.mem.write16(s + MemoryOp.ADD_TO_PHYSMAP_DOMID, DomId.DOMID_SELF);
        g.mem.write32(s + MemoryOp.ADD_TO_PHYSMAP_SPACE, MemoryOp.XENMAPSPACE_shared_info);
        g.mem.write64(s + MemoryOp.ADD_TO_PHYSMAP_GPFN, gfn);
        return hv.hypercall(g.domid, 0, Hypercall.__HYPERVISOR_memory_op, MemoryOp.XENMEM_add_to_physmap, s);
    }

    private static boolean upcallPendingAt(Guest g, long gfn) {
        return g.mem.read8(gfn * 4096 + SharedInfo.vcpuInfo(0) + SharedInfo.VCPU_EVTCHN_UPCALL_PENDING) != 0;
    }

    /**
     * E15: xenmem_add_to_physmap_one takes shared_info out of its old gfn ("Unmap from old
     * location"); xenabi's physmap has no holes, so the old gfn gets a fresh RAM page.
     */
    @Test
    void sharedInfoMappedAtANewGfnLeavesItsOldGfn() {
        Guest a = create("a", DomainType.PV);
        assertEquals(0, mapSharedInfoAt(a, 2));
        assertEquals(0, mapSharedInfoAt(a, 3));
        a.mem.write8(3 * 4096 + SharedInfo.vcpuInfo(0) + SharedInfo.VCPU_EVTCHN_UPCALL_PENDING, 0);
        long ipi = a.bindIpi(0);
        assertEquals(0, a.send(ipi));
        assertTrue(upcallPendingAt(a, 3), "shared_info is at gfn 3");
        assertFalse(upcallPendingAt(a, 2), "gfn 2 no longer maps shared_info");
        assertEquals(0, mapSharedInfoAt(a, 3), "mapping it again where it is changes nothing");
        assertTrue(upcallPendingAt(a, 3));
    }

    /**
     * E12: arch_domain_soft_reset puts a fresh page at shared_info's gfn ("otherwise we will get
     * a hole if the domain does XENMAPSPACE_shared_info"); the guest maps shared_info again.
     */
    @Test
    void anHvmSoftResetPutsAFreshPageWhereSharedInfoWas() {
        Guest a = create("a", DomainType.HVM);
        assertEquals(0, mapSharedInfoAt(a, 2));
        a.mem.write32(2 * 4096 + 0xFF0, 0x5a5a5a5a);
        a.clearUpcall(0);
        assertEquals(0, softReset(a));
        assertEquals(0, a.mem.read32(2 * 4096 + 0xFF0), "gfn 2 holds a fresh page");
        assertEquals(0, a.send(a.bindIpi(0)));
        assertFalse(upcallPendingAt(a, 2), "shared_info is no longer at gfn 2");
        assertEquals(0, mapSharedInfoAt(a, 2));
        assertTrue(upcallPendingAt(a, 2), "mapped again, the same shared_info");
        assertEquals(0x5a5a5a5a, a.mem.read32(2 * 4096 + 0xFF0));
    }
}
