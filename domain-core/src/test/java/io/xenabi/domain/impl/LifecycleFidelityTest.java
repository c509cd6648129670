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
import io.xenabi.evtchn.EvtchnFifo;
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

    /** The FIFO event word of {@code port} in the guest's first event-array page. */
    private static int eventWord(Guest g, int port) {
        return g.mem.read32(Guest.ARRAY_GFN * 4096 + 4L * port);
    }

    /** A guest on FIFO with a control block for vCPU 0 and no event-array page yet. */
    private Guest fifoWithoutArray() {
        Guest a = create("a", DomainType.PV);
        assertEquals(0, a.mapSharedInfo());
        assertEquals(0, a.initControl(0));
        assertEquals("fifo", hv.info(a.domid).orElseThrow().evtchnAbi());
        return a;
    }

    /**
     * E6: evtchn_fifo_set_pending without an event word sets evtchn->pending, which nothing
     * clears (evtchn_free's clear_pending finds no word either); add_page_to_event_array
     * raises every valid port of the new page whose flag is set, bound again or not.
     */
    @Test
    void anEventRaisedBeforeTheArrayPageSurvivesCloseAndIsRaisedWhenThePageArrives() {
        Guest a = fifoWithoutArray();
        assertEquals(1, a.bindIpi(0));
        assertEquals(0, a.send(1));
        assertEquals(0, a.close(1));
        assertEquals(1, a.bindIpi(0), "port 1 is free and, without a word, not busy");
        a.clearUpcall(0);
        assertEquals(0, a.expandArray());
        assertTrue(a.pending(1), "the remembered event is raised on the port bound again");
        assertTrue(a.upcallPending(0));
        assertEquals(2, a.bindIpi(0));
    }

    /**
     * E6: the flag lives in struct evtchn, which outlives the FIFO state: EVTCHNOP_reset frees
     * the port and returns to 2-level, a new init_control builds an empty array, and the page
     * that comes raises port 1, bound again or free. A free port so raised is LINKED, hence
     * busy (evtchn_fifo_is_busy): the next bind takes port 2 either way.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "bound again: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void anEventRaisedBeforeTheArrayPageSurvivesResetAndIsRaisedWhenThePageArrives(boolean bindAgain) {
        Guest a = fifoWithoutArray();
        assertEquals(1, a.bindIpi(0));
        assertEquals(0, a.send(1));
        assertEquals(0, a.reset(DomId.DOMID_SELF, false));
        assertEquals("2l", hv.info(a.domid).orElseThrow().evtchnAbi());
        assertEquals(0, a.initControl(0));
        if (bindAgain) {
            assertEquals(1, a.bindIpi(0));
        }
        a.clearUpcall(0);
        assertEquals(0, a.expandArray());
        int linkedPending = (1 << EvtchnFifo.EVTCHN_FIFO_LINKED) | (1 << EvtchnFifo.EVTCHN_FIFO_PENDING);
        assertEquals(linkedPending, eventWord(a, 1) & linkedPending, "port 1 is raised and queued");
        assertTrue(a.upcallPending(0));
        assertEquals(2, a.bindIpi(0));
    }
}
