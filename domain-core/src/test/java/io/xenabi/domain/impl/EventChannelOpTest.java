package io.xenabi.domain.impl;

import static io.xenabi.abi.XenErrno.EBUSY;
import static io.xenabi.abi.XenErrno.EEXIST;
import static io.xenabi.abi.XenErrno.EFAULT;
import static io.xenabi.abi.XenErrno.EINVAL;
import static io.xenabi.abi.XenErrno.ENOENT;
import static io.xenabi.abi.XenErrno.ENOSPC;
import static io.xenabi.abi.XenErrno.ENOSYS;
import static io.xenabi.abi.XenErrno.EOPNOTSUPP;
import static io.xenabi.abi.XenErrno.EPERM;
import static io.xenabi.abi.XenErrno.ESRCH;
import static io.xenabi.evtchn.EvtchnOp.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.abi.AbiCapability;
import io.xenabi.abi.AbiVariant;
import io.xenabi.abi.DomId;
import io.xenabi.abi.Hypercall;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.Hypervisor;
import io.xenabi.evtchn.fifo.impl.EvtchnFifoVariant;
import io.xenabi.evtchn.twolevel.impl.Evtchn2lVariant;
import io.xenabi.domain.impl.Guest.Abi;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import io.xenabi.domain.impl.domains.DomainTable;
import io.xenabi.domain.impl.door.Door;

/** Every EVTCHNOP through the door, with Xen's result for each case, under both ABIs. */
class EventChannelOpTest {
    private HypervisorImpl hv;

    private final Evtchn2lVariant twoLevel = new Evtchn2lVariant();

    private HypervisorImpl hypervisor() {
        return TestHypervisors.all(twoLevel);
    }

    @BeforeEach
    void boot() {
        hv = hypervisor();
    }

    private Guest guest(Abi abi, DomainConfig cfg) {
        Guest g = new Guest(hv, hv.create(cfg));
        assertEquals(0, g.setUp(abi, cfg.vcpus()));
        assertEquals(abi == Abi.FIFO ? "fifo" : "2l", hv.info(g.domid).orElseThrow().evtchnAbi());
        return g;
    }

    private Guest guest(Abi abi, String name) {
        return guest(abi, DomainConfig.named(name).withVcpus(2));
    }

    private Guest dom0() {
        Guest g = new Guest(hv, Hypervisor.DOMID_0);
        assertEquals(0, g.mapSharedInfo());
        return g;
    }

    // ------------------------------------------------------------ alloc_unbound

    @ParameterizedTest
    @EnumSource(Abi.class)
    void allocUnboundTakesTheLowestFreePortAfterTheReservedPortZero(Abi abi) {
        Guest a = guest(abi, "a");
        Guest b = guest(abi, "b");
        assertEquals(1, a.allocUnbound(b.domid));
        assertEquals(2, a.allocUnbound(DomId.DOMID_SELF));
        assertEquals(0, a.status(DomId.DOMID_SELF, 2));
        assertEquals(EVTCHNSTAT_unbound, a.statusField(STATUS_STATUS));
        assertEquals(a.domid, a.statusU16(), "DOMID_SELF as remote_dom is the caller's domid");
        assertEquals(0, a.close(1));
        assertEquals(1, a.allocUnbound(b.domid), "a closed port is reused");
    }

    @ParameterizedTest
    @EnumSource(Abi.class)
    void portsFreedBelowBoundOnesAreTakenLowestFirstBeforeNewOnes(Abi abi) {
        Guest a = guest(abi, "a");
        for (int p = 1; p <= 5; p++) {
            assertEquals(p, a.bindIpi(0));
        }
        assertEquals(0, a.close(4));
        assertEquals(0, a.close(2));
        assertEquals(2, a.bindIpi(0));
        assertEquals(4, a.bindIpi(0));
        assertEquals(6, a.bindIpi(0));
    }

    @Test
    void aClosedFifoPortStillLinkedIsSkippedUntilTheGuestUnlinksIt() {
        Guest a = guest(Abi.FIFO, "a");
        for (int p = 1; p <= 3; p++) {
            assertEquals(p, a.bindIpi(0));
        }
        assertEquals(0, a.send(2));
        assertEquals(0, a.close(2));
        assertEquals(4, a.bindIpi(0), "port 2 is still LINKED in its queue: busy");
        a.mem.page(Guest.ARRAY_GFN).getAndAnd32(2 * 4, ~(1 << io.xenabi.evtchn.EvtchnFifo.EVTCHN_FIFO_LINKED));
        assertEquals(2, a.bindIpi(0), "unlinked by the guest, it is the lowest free port again");
    }

    @ParameterizedTest
    @EnumSource(Abi.class)
    void allocUnboundErrors(Abi abi) {
        Guest a = guest(abi, "a");
        Guest b = guest(abi, "b");
        assertEquals(-ESRCH, a.allocUnbound(777, b.domid));
        assertEquals(-EPERM, a.allocUnbound(b.domid, a.domid), "a domU may not allocate in another domain");
        assertEquals(1, dom0().allocUnbound(b.domid, a.domid), "the control domain may");
    }

    @ParameterizedTest
    @EnumSource(Abi.class)
    void portsRunOutAtMaxEventChannels(Abi abi) {
        Guest a = guest(abi, DomainConfig.named("small").withMaxEventChannels(3));
        assertEquals(1, a.allocUnbound(0));
        assertEquals(2, a.allocUnbound(0));
        assertEquals(3, a.allocUnbound(0));
        assertEquals(-ENOSPC, a.allocUnbound(0));
        assertEquals(-ENOSPC, a.bindIpi(0));
    }

    @ParameterizedTest
    @EnumSource(Abi.class)
    void theLastPortBelowMaxEventChannelsIsUsableInItsOwnBucket(Abi abi) {
        Guest a = guest(abi, DomainConfig.named("edge").withMaxEventChannels(64));
        for (int port = 1; port <= 64; port++) {
            assertEquals(port, a.allocUnbound(0), "port 64 opens the second bucket of 64");
        }
        assertEquals(-ENOSPC, a.allocUnbound(0));
    }

    // ------------------------------------------------------------ bind_interdomain

    @ParameterizedTest
    @EnumSource(Abi.class)
    void bindInterdomainConnectsBothEndsAndNotifiesTheLocalPort(Abi abi) {
        Guest a = guest(abi, "a");
        Guest b = guest(abi, "b");
        long pa = a.allocUnbound(b.domid);
        long pb = b.bindInterdomain(a.domid, pa);
        assertEquals(1, pb);
        assertTrue(b.pending(pb), "Xen sets the new local port pending in case the peer already sent");
        assertEquals(0, a.status(DomId.DOMID_SELF, pa));
        assertEquals(EVTCHNSTAT_interdomain, a.statusField(STATUS_STATUS));
        assertEquals(b.domid, a.statusU16());
        assertEquals(pb, a.statusField(STATUS_U_INTERDOMAIN_PORT));
        assertFalse(a.pending(pa));
    }

    @ParameterizedTest
    @EnumSource(Abi.class)
    void bindInterdomainErrors(Abi abi) {
        Guest a = guest(abi, "a");
        Guest b = guest(abi, "b");
        Guest c = guest(abi, "c");
        long forC = a.allocUnbound(c.domid);
        assertEquals(-ESRCH, b.bindInterdomain(999, forC));
        assertEquals(-EINVAL, b.bindInterdomain(a.domid, forC), "offered to another domain");
        assertEquals(-EINVAL, b.bindInterdomain(a.domid, 5000), "beyond the valid ports");
        assertEquals(-EINVAL, b.bindInterdomain(a.domid, 9), "valid but free");
        long ipi = a.bindIpi(0);
        assertEquals(-EINVAL, b.bindInterdomain(a.domid, ipi), "not unbound");
        assertEquals(1, c.bindInterdomain(a.domid, forC));
        assertEquals(-EINVAL, c.bindInterdomain(a.domid, forC), "already bound");
        assertEquals(1, hv.info(c.domid).orElseThrow().portsInUse(), "failed binds leave no port behind");
    }

    @ParameterizedTest
    @EnumSource(Abi.class)
    void aDomainCanBindToItself(Abi abi) {
        Guest a = guest(abi, "a");
        long p1 = a.allocUnbound(DomId.DOMID_SELF);
        long p2 = a.bindInterdomain(DomId.DOMID_SELF, p1);
        assertEquals(2, p2);
        a.clearUpcall(0);
        assertEquals(0, a.send(p2));
        assertTrue(a.pending(p1));
    }

    // ------------------------------------------------------------ bind_virq

    @ParameterizedTest
    @EnumSource(Abi.class)
    void bindVirq(Abi abi) {
        Guest a = guest(abi, "a");
        long timer1 = a.bindVirq(VIRQ_TIMER, 1);
        assertTrue(timer1 > 0);
        assertEquals(-EEXIST, a.bindVirq(VIRQ_TIMER, 1));
        assertTrue(a.bindVirq(VIRQ_TIMER, 0) > 0, "per-vCPU VIRQs bind once per vCPU");
        assertEquals(-EINVAL, a.bindVirq(NR_VIRQS, 0));
        assertEquals(-EINVAL, a.bindVirq(-1, 0));
        assertEquals(-EINVAL, a.bindVirq(VIRQ_CONSOLE, 1), "a global VIRQ binds on vCPU 0 only");
        assertEquals(-ENOENT, a.bindVirq(VIRQ_TIMER, 2));
        assertEquals(-EBUSY, a.bindVirq(VIRQ_CONSOLE, 0), "global VIRQs belong to the hardware domain");
        assertTrue(a.bindVirq(VIRQ_ARGO, 0) > 0, "VIRQ_ARGO is per domain");
        assertEquals(0, a.status(DomId.DOMID_SELF, timer1));
        assertEquals(EVTCHNSTAT_virq, a.statusField(STATUS_STATUS));
        assertEquals(VIRQ_TIMER, a.statusField(STATUS_U));
        assertEquals(1, a.statusField(STATUS_VCPU));
        assertEquals(0, a.close(timer1));
        assertTrue(a.bindVirq(VIRQ_TIMER, 1) > 0, "closing frees the VIRQ for a new binding");
    }

    @Test
    void theControlDomainBindsGlobalVirqs() {
        assertTrue(dom0().bindVirq(VIRQ_DOM_EXC, 0) > 0);
    }

    // ------------------------------------------------------------ bind_ipi, bind_pirq

    @ParameterizedTest
    @EnumSource(Abi.class)
    void bindIpiAndSendNotifiesTheBoundVcpu(Abi abi) {
        Guest a = guest(abi, "a");
        long ipi = a.bindIpi(1);
        assertEquals(-ENOENT, a.bindIpi(2));
        assertEquals(-ENOENT, a.bindIpi(-1));
        a.clearUpcall(1);
        assertEquals(0, a.send(ipi));
        assertTrue(a.pending(ipi));
        assertTrue(a.upcallPending(1), "vCPU 1 gets the upcall");
        assertEquals(0, a.status(DomId.DOMID_SELF, ipi));
        assertEquals(EVTCHNSTAT_ipi, a.statusField(STATUS_STATUS));
    }

    @ParameterizedTest
    @EnumSource(Abi.class)
    void bindPirqIsRefusedForADomainWithoutTheIrq(Abi abi) {
        Guest a = guest(abi, "a");
        assertEquals(-EINVAL, a.bindPirq(DomainTable.NR_PIRQS_DOMU));
        assertEquals(-EPERM, a.bindPirq(5));
        assertEquals(0, hv.info(a.domid).orElseThrow().portsInUse());
    }

    // ------------------------------------------------------------ close

    @ParameterizedTest
    @EnumSource(Abi.class)
    void closeErrorsAndThePeerBecomesUnbound(Abi abi) {
        Guest a = guest(abi, "a");
        Guest b = guest(abi, "b");
        assertEquals(-EINVAL, a.close(0), "port 0 is reserved");
        assertEquals(-EINVAL, a.close(5), "free");
        assertEquals(-EINVAL, a.close(100000), "not valid");
        long pa = a.allocUnbound(b.domid);
        long pb = b.bindInterdomain(a.domid, pa);
        assertEquals(0, b.close(pb));
        assertEquals(0, a.status(DomId.DOMID_SELF, pa));
        assertEquals(EVTCHNSTAT_unbound, a.statusField(STATUS_STATUS));
        assertEquals(b.domid, a.statusU16(), "the peer may bind again");
        assertEquals(0, a.send(pa), "sending on an unbound port is silently dropped");
        long again = b.bindInterdomain(a.domid, pa);
        // Under FIFO the closed port's event is still LINKED (never consumed): not reusable yet.
        assertEquals(abi == Abi.FIFO ? pb + 1 : pb, again);
        assertEquals(-EINVAL, b.close(again + 1));
    }

    @ParameterizedTest
    @EnumSource(Abi.class)
    void closeClearsPendingSoARebindStartsClean(Abi abi) {
        Guest a = guest(abi, "a");
        long ipi = a.bindIpi(0);
        a.send(ipi);
        assertEquals(0, a.close(ipi));
        if (abi == Abi.FIFO) {
            // The event stays LINKED until the guest consumes it: Xen will not reuse it yet.
            assertTrue(a.bindIpi(0) != ipi);
        } else {
            long again = a.bindIpi(0);
            assertEquals(ipi, again);
            assertFalse(a.pending(again));
        }
    }

    // ------------------------------------------------------------ send

    @ParameterizedTest
    @EnumSource(Abi.class)
    void sendErrors(Abi abi) {
        Guest a = guest(abi, "a");
        long virq = a.bindVirq(VIRQ_TIMER, 0);
        assertEquals(-EINVAL, a.send(virq), "VIRQ ports are raised by Xen, not sent");
        assertEquals(-EINVAL, a.send(0));
        assertEquals(-EINVAL, a.send(9));
        assertEquals(-EINVAL, a.send(1 << 20));
    }

    @ParameterizedTest
    @EnumSource(Abi.class)
    void sendRaisesTheUpcallOnceAndAMaskedPortOnlyOnUnmask(Abi abi) {
        Guest a = guest(abi, "a");
        Guest b = guest(abi, "b");
        long pa = a.allocUnbound(b.domid);
        long pb = b.bindInterdomain(a.domid, pa);
        a.mask(abi, pa);
        a.clearUpcall(0);
        assertEquals(0, b.send(pb));
        assertTrue(a.pending(pa));
        assertFalse(a.upcallPending(0), "masked: pending but no upcall");
        assertEquals(0, a.unmask(pa));
        assertTrue(a.upcallPending(0), "unmask re-raises a pending event");
        assertEquals(-EINVAL, a.unmask(1 << 20));
        assertEquals(0, a.unmask(30), "unmask of a valid free port is harmless, as in Xen");
    }

    // ------------------------------------------------------------ status

    @ParameterizedTest
    @EnumSource(Abi.class)
    void statusErrorsAndPermissions(Abi abi) {
        Guest a = guest(abi, "a");
        Guest b = guest(abi, "b");
        long pb = b.allocUnbound(a.domid);
        assertEquals(-EPERM, a.status(b.domid, pb));
        assertEquals(-ESRCH, a.status(4242, 1));
        assertEquals(-EINVAL, a.status(DomId.DOMID_SELF, 1 << 20));
        assertEquals(0, a.status(DomId.DOMID_SELF, 7));
        assertEquals(EVTCHNSTAT_closed, a.statusField(STATUS_STATUS));
        assertEquals(0, a.status(DomId.DOMID_SELF, 0));
        assertEquals(EVTCHNSTAT_closed, a.statusField(STATUS_STATUS), "the reserved port reads closed");
        Guest d0 = dom0();
        assertEquals(0, d0.status(b.domid, pb));
        assertEquals(EVTCHNSTAT_unbound, d0.statusField(STATUS_STATUS));
        assertEquals(a.domid, d0.statusU16());
    }

    // ------------------------------------------------------------ bind_vcpu

    @ParameterizedTest
    @EnumSource(Abi.class)
    void bindVcpu(Abi abi) {
        Guest a = guest(abi, "a");
        Guest b = guest(abi, "b");
        long pa = a.allocUnbound(b.domid);
        long pb = b.bindInterdomain(a.domid, pa);
        assertEquals(0, a.bindVcpu(pa, 1));
        a.clearUpcall(0);
        a.clearUpcall(1);
        b.send(pb);
        assertTrue(a.upcallPending(1));
        assertFalse(a.upcallPending(0));
        assertEquals(-ENOENT, a.bindVcpu(pa, 2));
        assertEquals(-EINVAL, a.bindVcpu(1 << 20, 0));
        assertEquals(-EINVAL, a.bindVcpu(9, 0), "free port");
        assertEquals(-EINVAL, a.bindVcpu(a.bindIpi(0), 1), "IPIs stay on their vCPU");
        assertEquals(-EINVAL, a.bindVcpu(a.bindVirq(VIRQ_TIMER, 0), 1), "per-vCPU VIRQs too");
        long argo = a.bindVirq(VIRQ_ARGO, 0);
        assertEquals(0, a.bindVcpu(argo, 1), "a per-domain VIRQ may move");
        assertEquals(0, a.status(DomId.DOMID_SELF, argo));
        assertEquals(1, a.statusField(STATUS_VCPU));
    }

    // ------------------------------------------------------------ reset

    @ParameterizedTest
    @EnumSource(Abi.class)
    void resetClosesEveryPortAndReturnsToTwoLevel(Abi abi) {
        Guest a = guest(abi, "a");
        Guest b = guest(abi, "b");
        long pa = a.allocUnbound(b.domid);
        long pb = b.bindInterdomain(a.domid, pa);
        a.bindIpi(0);
        a.bindVirq(VIRQ_TIMER, 1);
        assertEquals(0, a.reset(DomId.DOMID_SELF, false));
        assertEquals(0, hv.info(a.domid).orElseThrow().portsInUse());
        assertEquals("2l", hv.info(a.domid).orElseThrow().evtchnAbi(), "reset returns a FIFO domain to 2-level");
        assertEquals(0, b.status(DomId.DOMID_SELF, pb));
        assertEquals(EVTCHNSTAT_unbound, b.statusField(STATUS_STATUS));
        assertTrue(a.bindVirq(VIRQ_TIMER, 1) > 0);
    }

    @ParameterizedTest
    @EnumSource(Abi.class)
    void resetErrors(Abi abi) {
        Guest a = guest(abi, "a");
        Guest b = guest(abi, "b");
        assertEquals(-EPERM, a.reset(b.domid, false));
        assertEquals(-ESRCH, a.reset(3333, false));
        assertEquals(-EINVAL, dom0().reset(b.domid, false), "the controller must pause the domain first");
        assertEquals(-EBUSY, a.reset(DomId.DOMID_SELF, true), "reset_cont with no reset to continue");
    }

    @Test
    void resetWithoutTheBaseAbiPresentIsRetriedLaterAndChangesNothing() {
        Guest a = guest(Abi.FIFO, "a");
        long ipi = a.bindIpi(0);
        hv.removeEvtchnVariant(twoLevel, TestHypervisors.props("evtchn", "2l", -1));
        hv.variants().stream().filter(v -> v.isBase() && v.family().equals("evtchn")).findFirst().ifPresent(v -> {
            throw new AssertionError("the base variant should be gone");
        });
        assertEquals(-io.xenabi.abi.XenErrno.EAGAIN, a.reset(DomId.DOMID_SELF, false));
        assertEquals(0, a.status(DomId.DOMID_SELF, ipi));
        assertEquals(EVTCHNSTAT_ipi, a.statusField(STATUS_STATUS), "no port was closed");
        assertEquals("fifo", hv.info(a.domid).orElseThrow().evtchnAbi());
    }

    // ------------------------------------------------------------ FIFO sub-ops and priorities

    @Test
    void initControlIsRefusedWithEopnotsuppWhenFifoIsNotPermitted() {
        Guest a = new Guest(hv, hv.create(DomainConfig.named("legacy").withAbiPermit(0)));
        a.mapSharedInfo();
        assertEquals(-EOPNOTSUPP, a.initControl(0));
        assertEquals(-EOPNOTSUPP, a.expandArray());
        assertEquals("2l", hv.info(a.domid).orElseThrow().evtchnAbi());
        Guest b = new Guest(hv, hv.create(DomainConfig.named("other").withAbiPermit(
                AbiCapability.mask(AbiCapability.XENABI_CAP_GNTTAB_V2))));
        assertEquals(-EOPNOTSUPP, b.initControl(0), "bits are unordered: gnttab-v2 does not imply FIFO");
    }

    @Test
    void expandArrayBeforeInitControlIsEopnotsupp() {
        Guest a = new Guest(hv, hv.create(DomainConfig.named("a")));
        assertEquals(-EOPNOTSUPP, a.expandArray());
        assertEquals("2l", hv.info(a.domid).orElseThrow().evtchnAbi(), "a failed sub-op switches nothing");
    }

    @Test
    void aFailedInitControlLeavesTheDomainOnTwoLevel() {
        Guest a = new Guest(hv, hv.create(DomainConfig.named("a")));
        a.mem.write64(Guest.arg(0) + INIT_CONTROL_CONTROL_GFN, Guest.CONTROL_GFN);
        a.mem.write32(Guest.arg(0) + INIT_CONTROL_OFFSET, 0);
        a.mem.write32(Guest.arg(0) + INIT_CONTROL_VCPU, 5);
        assertEquals(-ENOENT, a.evtchn(0, EVTCHNOP_init_control));
        assertEquals("2l", hv.info(a.domid).orElseThrow().evtchnAbi());
    }

    @Test
    void switchingToFifoCarriesPendingEventsOver() {
        Guest a = guest(Abi.TWO_LEVEL, "a");
        long ipi = a.bindIpi(0);
        a.send(ipi);
        assertTrue(a.pending(ipi));
        assertEquals(0, a.initControl(0));
        assertEquals(0, a.initControl(1));
        assertEquals(0, a.expandArray());
        assertEquals("fifo", hv.info(a.domid).orElseThrow().evtchnAbi());
        assertTrue(a.pending(ipi), "the event pending under 2-level is pending under FIFO");
    }

    @ParameterizedTest
    @EnumSource(Abi.class)
    void setPriority(Abi abi) {
        Guest a = guest(abi, "a");
        long ipi = a.bindIpi(0);
        assertEquals(-EINVAL, a.setPriority(1 << 20, 3));
        if (abi == Abi.TWO_LEVEL) {
            assertEquals(-ENOSYS, a.setPriority(ipi, 3), "2-level has no priorities");
        } else {
            assertEquals(0, a.setPriority(ipi, 3));
            assertEquals(3, hv.ports(a.domid).get(0).priority());
            assertEquals(-EINVAL, a.setPriority(ipi, 16));
        }
    }

    // ------------------------------------------------------------ the door

    @ParameterizedTest
    @EnumSource(Abi.class)
    void theDoorAnswersBadCallsWithXenErrnos(Abi abi) {
        Guest a = guest(abi, "a");
        assertEquals(-ENOSYS, a.evtchn(0, 99));
        assertEquals(-EFAULT, hv.hypercall(a.domid, 0, Hypercall.__HYPERVISOR_event_channel_op,
                EVTCHNOP_send, 1L << 50), "a pointer outside guest RAM");
        assertEquals(-ENOSYS, hv.hypercall(a.domid, 0, 1234));
        assertEquals(-ESRCH, hv.hypercall(4000, 0, Hypercall.__HYPERVISOR_event_channel_op, EVTCHNOP_send, 0));
        assertEquals(-EINVAL, hv.hypercall(a.domid, 7, Hypercall.__HYPERVISOR_event_channel_op, EVTCHNOP_send, 0));
        assertEquals(-EFAULT, hv.hypercall(a.domid, 0, Hypercall.__HYPERVISOR_event_channel_op));
        assertEquals(Door.XEN_VERSION, hv.hypercall(a.domid, 0, Hypercall.__HYPERVISOR_xen_version, 0));
    }

    // ------------------------------------------------------------ SCHEDOP_poll / SCHEDOP_block

    @ParameterizedTest
    @EnumSource(Abi.class)
    void pollReturnsAtOnceForAPendingPortAndOtherwiseWaitsForTheSend(Abi abi) throws Exception {
        Guest a = guest(abi, "a");
        long ipi0 = a.bindIpi(0);
        long ipi1 = a.bindIpi(1);
        a.mask(abi, ipi0);
        a.send(ipi0);
        assertEquals(0, a.poll(1, 0, (int) ipi0), "already pending");
        assertEquals(-EINVAL, a.poll(1, 0, 1 << 20));
        assertEquals(-EINVAL, a.poll(1, 0, new int[129]));
        a.mask(abi, ipi1);
        CompletableFuture<Long> waiter = CompletableFuture.supplyAsync(() -> a.poll(1, 0, (int) ipi1));
        Thread.sleep(50);
        assertFalse(waiter.isDone(), "nothing pending: the vCPU sleeps");
        a.send(0, ipi1);
        assertEquals(0L, waiter.get(10, TimeUnit.SECONDS));
        assertEquals(0, a.poll(1, 1_000_000, (int) a.bindIpi(1)), "a timeout ends the poll");
    }

    @ParameterizedTest
    @EnumSource(Abi.class)
    void blockSleepsUntilAnUpcallIsPending(Abi abi) throws Exception {
        Guest a = guest(abi, "a");
        long ipi = a.bindIpi(1);
        a.clearUpcall(1);
        CompletableFuture<Long> blocked = CompletableFuture.supplyAsync(() -> a.block(1));
        Thread.sleep(50);
        assertFalse(blocked.isDone());
        a.send(0, ipi);
        assertEquals(0L, blocked.get(10, TimeUnit.SECONDS));
        assertTrue(a.upcallPending(1));
    }

    @Test
    void destroyWakesABlockedVcpuWithEsrch() throws Exception {
        Guest a = guest(Abi.TWO_LEVEL, "a");
        a.clearUpcall(0);
        CompletableFuture<Long> blocked = CompletableFuture.supplyAsync(() -> a.block(0));
        Thread.sleep(50);
        hv.destroy(a.domid);
        assertEquals((long) -ESRCH, blocked.get(10, TimeUnit.SECONDS));
    }
}
