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
import io.xenabi.domain.impl.domains.Domain;

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
    void anHvmSoftResetReturnsToTwoLevelAndKeepsIdBitmapAndGrantTable(Guest.Abi abi, int gnttab) {
        // HVM: a PV domain is crashed instead (LifecycleFidelityTest, FIDELITY-GAPS E11)
        Guest a = new Guest(hv, hv.create(DomainConfig.named("a").withAbiPermit(3)
                .withType(io.xenabi.domain.DomainType.HVM, true)));
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
    /** SCHEDOP_remote_shutdown of {@code target} from Domain-0, which no toolstack pause holds up. */
    private long remoteShutdownFromDom0(int target, int reason) {
        Guest dom0 = new Guest(hv, Hypervisor.DOMID_0);
        long s = Guest.arg(0) + 256;
        dom0.mem.write16(s, target);
        dom0.mem.write32(s + 4, reason);
        return hv.hypercall(Hypervisor.DOMID_0, 0, Hypercall.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_remote_shutdown, s);
    }

    /** FIDELITY-GAPS E16: pause count and shutdown state are separate fields, as in Xen's struct domain. */
    @Test
    void aDomainShutDownWhilePausedStaysShutDownThroughTheUnpause() {
        Guest a = new Guest(hv, hv.create(DomainConfig.named("a")));
        hv.pause(a.domid);
        assertEquals(0, remoteShutdownFromDom0(a.domid, SchedOp.SHUTDOWN_reboot));
        assertEquals(DomainState.SHUTDOWN, hv.info(a.domid).orElseThrow().state(), "the shutdown shows, paused or not");
        hv.unpause(a.domid); // the toolstack's pause is still counted and can be undone
        var info = hv.info(a.domid).orElseThrow();
        assertEquals(DomainState.SHUTDOWN, info.state(), "an unpause does not make a shut-down domain run");
        assertEquals(SchedOp.SHUTDOWN_reboot, info.shutdownReason());
        assertThrows(DomainException.class, () -> hv.unpause(a.domid), "one pause, one unpause");
        assertThrows(DomainException.class, () -> hv.pause(a.domid), "a shut-down domain is not running");
    }

    /** FIDELITY-GAPS E16: a toolstack pause racing the guest's own SCHEDOP_shutdown never hides it. */
    @Test
    void aToolstackPauseRacingTheGuestsShutdownNeverOverwritesIt() throws Exception {
        for (int round = 0; round < 200; round++) {
            Guest g = new Guest(hv, hv.create(DomainConfig.named("r" + round)));
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            CompletableFuture<Long> guest = CompletableFuture.supplyAsync(() -> {
                await(go);
                return shutdownCall(g, SchedOp.SHUTDOWN_poweroff);
            });
            CompletableFuture<Boolean> toolstack = CompletableFuture.supplyAsync(() -> {
                await(go);
                try {
                    hv.pause(g.domid);
                    return true;
                } catch (DomainException e) {
                    return false; // it had shut down already
                }
            });
            go.countDown();
            if (toolstack.get(10, TimeUnit.SECONDS)) {
                hv.unpause(g.domid); // a vCPU held at the door by the pause goes on now
            }
            assertEquals(0L, guest.get(10, TimeUnit.SECONDS));
            assertEquals(DomainState.SHUTDOWN, hv.info(g.domid).orElseThrow().state(), "round " + round);
            hv.destroy(g.domid);
        }
    }

    private static void await(java.util.concurrent.CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
