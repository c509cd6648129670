package io.xenabi.domain.impl;

import static io.xenabi.evtchn.EvtchnOp.*;
import static io.xenabi.abi.XenErrno.EEXIST;
import static io.xenabi.abi.XenErrno.EFAULT;
import static io.xenabi.abi.XenErrno.EINVAL;
import static io.xenabi.abi.XenErrno.ENOSYS;
import static io.xenabi.abi.XenErrno.EOPNOTSUPP;
import static io.xenabi.abi.XenErrno.EPERM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.abi.DomId;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.SchedOp;
import io.xenabi.abi.SharedInfo;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainType;
import io.xenabi.domain.impl.Guest.Abi;
import io.xenabi.domain.impl.domains.DomainTable;
import io.xenabi.evtchn.EvtchnFifo;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Event-channel and poll cases where xenabi answered otherwise than Xen (FIDELITY-GAPS rows E3,
 * E7, E8, E9, E13), each with Xen's answer.
 */
class EventChannelFidelityTest {
    private HypervisorImpl hv;

    @BeforeEach
    void boot() {
        hv = TestHypervisors.all();
    }

    private Guest create(String name, DomainConfig cfg) {
        return new Guest(hv, hv.create(cfg));
    }

    private Guest guest(String name, Abi abi) {
        Guest g = create(name, DomainConfig.named(name).withVcpus(2));
        assertEquals(0, g.setUp(abi, 2));
        return g;
    }

    /** SCHEDOP_poll with the sched_poll struct at arg(0) and the port list at {@code list}. */
    private long poll(Guest g, long list, int nrPorts) {
        long s = Guest.arg(0);
        g.mem.write(s, new byte[SchedOp.SIZEOF_SCHED_POLL], 0, SchedOp.SIZEOF_SCHED_POLL);
        g.mem.write64(s + SchedOp.SCHED_POLL_PORTS, list);
        g.mem.write32(s + SchedOp.SCHED_POLL_NR_PORTS, nrPorts);
        return hv.hypercall(g.domid, 0, Hypercall.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_poll, s);
    }

    /** Little-endian bytes of a u32, for a guest list at any alignment. */
    private static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    // ------------------------------------------------------------ E3: bind_pirq of a HVM/PVH domain

    /**
     * E3: evtchn_bind_pirq asks pirq_access_permitted only of a PV domain; a HVM or PVH domain
     * gets a port for any PIRQ below nr_pirqs (no pirq_guest_bind), then -EEXIST while it is
     * bound. The port reports the PIRQ, moves to another vCPU, refuses a send, and once closed
     * the PIRQ can be bound again.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = DomainType.class, names = {"HVM", "PVH"})
    void aTranslatedDomainBindsAPirqOnceThenGetsEexist(DomainType type) {
        Guest a = create("a", DomainConfig.named("a").withVcpus(2).withType(type, true));
        assertEquals(0, a.setUp(Abi.TWO_LEVEL, 2));
        assertEquals(-EINVAL, a.bindPirq(DomainTable.NR_PIRQS_DOMU));
        assertEquals(1, a.bindPirq(5));
        assertEquals(-EEXIST, a.bindPirq(5));
        assertEquals(2, a.bindPirq(6), "another PIRQ, another port");
        assertEquals(0, a.status(DomId.DOMID_SELF, 1));
        assertEquals(EVTCHNSTAT_pirq, a.statusField(STATUS_STATUS));
        assertEquals(5, a.statusField(STATUS_U));
        assertEquals(0, a.statusField(STATUS_VCPU), "bound to vCPU 0");
        assertEquals(0, a.bindVcpu(1, 1), "a PIRQ port may move (evtchn_bind_vcpu relinks it)");
        assertEquals(0, a.status(DomId.DOMID_SELF, 1));
        assertEquals(1, a.statusField(STATUS_VCPU));
        assertEquals(-EINVAL, a.send(1), "evtchn_send has no case for ECS_PIRQ");
        assertEquals(0, a.close(1));
        assertEquals(1, a.bindPirq(5), "closing cleared the PIRQ's port");
    }

    /** E3, kept: a PV domain is asked for access, and xenabi gives no domain a physical IRQ. */
    @Test
    void aPvDomainWithoutAccessToThePirqGetsEperm() {
        Guest a = guest("a", Abi.TWO_LEVEL);
        assertEquals(-EINVAL, a.bindPirq(DomainTable.NR_PIRQS_DOMU));
        assertEquals(-EPERM, a.bindPirq(5));
        assertEquals(-EPERM, a.bindPirq(5));
    }

    // ------------------------------------------------------------ E7: do_poll's order

    /**
     * E7 (a): do_poll returns 0 when local_events_need_delivery() before it reads any entry; the
     * list's address is not checked against the RAM (guest_handle_okay rejects only Xen's own
     * virtual range of a PV guest, and nothing of a translated one).
     */
    @Test
    void aPollWithAnUpcallPendingReturnsBeforeReadingTheList() {
        Guest a = guest("a", Abi.TWO_LEVEL);
        long ipi = a.bindIpi(0);
        assertEquals(0, a.send(ipi));
        assertTrue(a.upcallPending(0));
        long beyondRam = a.mem.nrPages() * 4096;
        assertEquals(0, poll(a, beyondRam, 2));
        a.clearUpcall(0);
        assertEquals(-EFAULT, poll(a, beyondRam, 2), "with nothing to deliver, entry 0 is read: a fault");
    }

    /** E7 (b): the entries are copied one at a time, and the first pending one ends the poll. */
    @Test
    void aPollStopsAtThePendingEntryBeforeAFaultingOne() {
        Guest a = guest("a", Abi.TWO_LEVEL);
        long ipi = a.bindIpi(0);
        long idle = a.bindIpi(0);
        a.mask(Abi.TWO_LEVEL, ipi);
        assertEquals(0, a.send(ipi));
        assertFalse(a.upcallPending(0), "masked: no upcall");
        long lastWord = a.mem.nrPages() * 4096 - 4; // entry 1 lies beyond RAM
        a.mem.write32(lastWord, (int) ipi);
        assertEquals(0, poll(a, lastWord, 2));
        a.mem.write32(lastWord, (int) idle);
        assertEquals(-EFAULT, poll(a, lastWord, 2), "entry 0 idle: entry 1 is read and faults");
    }

    // ------------------------------------------------------------ E9: the struct is copied in first

    private static long setupOpAt(HypervisorImpl host, Guest g, int cmd, long gpa) {
        return host.hypercall(g.domid, 0, Hypercall.__HYPERVISOR_event_channel_op, cmd, gpa);
    }

    /**
     * E9: do_event_channel_op copies init_control's and expand_array's struct in before
     * evtchn_fifo_init_control or expand_array runs, so a pointer outside RAM is -EFAULT where
     * FIFO is not permitted or not installed; a good pointer still gets -EOPNOTSUPP.
     */
    @Test
    void aBadSetupStructIsEfaultEvenWhereFifoIsWithheld() {
        long outside = 1L << 50;
        Guest legacy = create("legacy", DomainConfig.named("legacy").withAbiPermit(0));
        HypervisorImpl old = io.xenabi.domain.testkit.TestHosts.of("evtchn-2l", "gnttab-v1");
        Guest onOldHost = new Guest(old, old.create(DomainConfig.named("a")));
        for (Guest g : new Guest[] {legacy, onOldHost}) {
            HypervisorImpl host = g == legacy ? hv : old;
            assertEquals(-EFAULT, setupOpAt(host, g, EVTCHNOP_init_control, outside));
            assertEquals(-EFAULT, setupOpAt(host, g, EVTCHNOP_expand_array, outside));
            assertEquals(-EOPNOTSUPP, setupOpAt(host, g, EVTCHNOP_init_control, Guest.arg(0)));
            assertEquals(-EOPNOTSUPP, setupOpAt(host, g, EVTCHNOP_expand_array, Guest.arg(0)));
            assertEquals(-ENOSYS, setupOpAt(host, g, 99, outside), "an unknown sub-op copies nothing");
        }
    }

    // ------------------------------------------------------------ E13: setup_ports walks every valid port

    /**
     * E13: setup_ports (xen/common/event_fifo.c) copies the 2-level pending bit of every valid
     * port into evtchn->pending, free ports too; expand_array then raises each such port of its
     * page. Bound again meanwhile, port 1 gets the event; left free, it becomes LINKED, hence
     * busy, and the next bind takes port 2.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "bound before the page: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void switchingToFifoTakesThePendingBitOfEveryValidPortFreeOnesToo(boolean bindFirst) {
        Guest a = create("a", DomainConfig.named("a"));
        assertEquals(0, a.mapSharedInfo());
        a.mem.page(Guest.SHARED_INFO_GFN).testAndSetBit(SharedInfo.EVTCHN_PENDING, 1); // port 1 is free
        assertEquals(0, a.initControl(0));
        if (bindFirst) {
            assertEquals(1, a.bindIpi(0));
        }
        a.clearUpcall(0);
        assertEquals(0, a.expandArray());
        int word = a.mem.read32(Guest.ARRAY_GFN * 4096 + 4);
        assertTrue((word & (1 << EvtchnFifo.EVTCHN_FIFO_PENDING)) != 0, "port 1 raised");
        assertTrue((word & (1 << EvtchnFifo.EVTCHN_FIFO_LINKED)) != 0, "and linked in its queue");
        assertEquals(1, a.mem.read32(Guest.CONTROL_GFN * 4096 + EvtchnFifo.head(EvtchnFifo.EVTCHN_FIFO_PRIORITY_DEFAULT)),
                "at the head of the default queue");
        assertTrue(a.upcallPending(0));
        if (bindFirst) {
            assertTrue(a.pending(1));
        } else {
            assertEquals(2, a.bindIpi(0), "the free port 1 is LINKED: busy");
        }
    }

    // ------------------------------------------------------------ E8: copy_from_guest has no alignment rule

    /**
     * E8: copy_from_guest copies bytes; neither do_event_channel_op nor do_poll asks for any
     * alignment of a struct or a port list (xen/common/event_channel.c, xen/common/sched/core.c).
     */
    @Test
    void structsAndPollListsAreReadAtAnyAlignment() {
        Guest a = create("a", DomainConfig.named("a"));
        assertEquals(0, a.setUp(Abi.FIFO, 1));
        long at = Guest.arg(0) + 256 + 4; // 4-aligned, not 8-aligned
        a.mem.write(at, new byte[8], 0, 8);
        a.mem.write32(at + EXPAND_ARRAY_ARRAY_GFN, (int) (Guest.ARRAY_GFN + 1));
        assertEquals(0, hv.hypercall(a.domid, 0, Hypercall.__HYPERVISOR_event_channel_op, EVTCHNOP_expand_array, at));

        long ipi = a.bindIpi(0);
        assertEquals(0, a.send(ipi));
        a.clearUpcall(0); // so that the poll reads its list
        long list = Guest.arg(0) + 256 + 2; // 2 mod 4
        a.mem.write(list, le32((int) ipi), 0, 4);
        assertEquals(0, poll(a, list, 1), "the pending port ends the poll at once");
    }
}
