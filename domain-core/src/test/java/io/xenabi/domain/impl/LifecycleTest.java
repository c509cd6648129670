package io.xenabi.domain.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.xenabi.abi.Hypercall;
import io.xenabi.abi.SchedOp;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainException;
import io.xenabi.domain.DomainState;
import io.xenabi.domain.Hypervisor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Pause, unpause, shutdown and soft reset. */
class LifecycleTest {
    private HypervisorImpl hv;

    @BeforeEach
    void boot() {
        hv = TestHypervisors.all();
    }

    private long shutdownCall(Guest g, int reason) {
        g.mem.write32(Guest.arg(0) + 256, reason);
        return hv.hypercall(g.domid, 0, Hypercall.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_shutdown, Guest.arg(0) + 256);
    }

    @Test
    void aPausedDomainsHypercallsWaitForTheUnpause() throws Exception {
        Guest a = new Guest(hv, hv.create(DomainConfig.named("a")));
        a.mapSharedInfo();
        hv.pause(a.domid);
        assertEquals(DomainState.PAUSED, hv.info(a.domid).orElseThrow().state());
        CompletableFuture<Long> call = CompletableFuture.supplyAsync(() -> a.bindIpi(0));
        Thread.sleep(50);
        assertFalse(call.isDone(), "a paused vCPU does not run");
        assertThrows(DomainException.class, () -> hv.pause(a.domid));
        hv.unpause(a.domid);
        assertEquals(1L, call.get(10, TimeUnit.SECONDS));
        assertThrows(DomainException.class, () -> hv.unpause(a.domid));
        assertThrows(DomainException.class, () -> hv.pause(Hypervisor.DOMID_0));
    }

    @Test
    void theControlDomainResetsAPausedDomainsEventChannels() {
        Guest a = new Guest(hv, hv.create(DomainConfig.named("a")));
        assertEquals(0, a.setUp(Guest.Abi.FIFO, 1));
        a.bindIpi(0);
        Guest dom0 = new Guest(hv, Hypervisor.DOMID_0);
        assertEquals(-io.xenabi.abi.XenErrno.EINVAL, dom0.reset(a.domid, false), "running");
        hv.pause(a.domid);
        assertEquals(0, dom0.reset(a.domid, false));
        assertEquals(0, hv.info(a.domid).orElseThrow().portsInUse());
        assertEquals("2l", hv.info(a.domid).orElseThrow().evtchnAbi());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"TWO_LEVEL, 1", "TWO_LEVEL, 2", "FIFO, 1", "FIFO, 2"})
    void softResetReturnsToTwoLevelAndKeepsIdBitmapAndGrantTable(Guest.Abi abi, int gnttab) {
        Guest a = new Guest(hv, hv.create(DomainConfig.named("a").withAbiPermit(3)));
        assertEquals(0, a.setUp(abi, 1));
        a.bindIpi(0);
        assertEquals(0, new GrantGuest(hv, a.domid).setVersion(gnttab));
        assertEquals(0, shutdownCall(a, SchedOp.SHUTDOWN_soft_reset));
        var info = hv.info(a.domid).orElseThrow();
        assertEquals("2l", info.evtchnAbi());
        assertEquals(0, info.portsInUse());
        assertEquals(gnttab, info.grantVersion(), "Xen keeps the grant table on soft reset");
        assertEquals(3, info.permit());
        assertEquals(DomainState.RUNNING, info.state());
        assertEquals(0, a.setUp(abi, 1), "the guest sets its ABI up again");
    }

    @Test
    void aShutdownWakesTheBlockedVcpusAndIsShown() throws Exception {
        Guest a = new Guest(hv, hv.create(DomainConfig.named("a")));
        a.mapSharedInfo();
        a.clearUpcall(0);
        CompletableFuture<Long> blocked = CompletableFuture.supplyAsync(() -> a.block(0));
        Thread.sleep(50);
        hv.shutdown(a.domid, SchedOp.SHUTDOWN_poweroff);
        assertEquals(0L, blocked.get(10, TimeUnit.SECONDS));
        assertEquals(DomainState.SHUTDOWN, hv.info(a.domid).orElseThrow().state());
        assertEquals(SchedOp.SHUTDOWN_poweroff, hv.info(a.domid).orElseThrow().shutdownReason());
        Guest b = new Guest(hv, hv.create(DomainConfig.named("b")));
        assertEquals(0, shutdownCall(b, SchedOp.SHUTDOWN_crash));
        assertEquals(DomainState.CRASHED, hv.info(b.domid).orElseThrow().state());
        assertThrows(DomainException.class, () -> hv.shutdown(b.domid, 77));
    }
}
