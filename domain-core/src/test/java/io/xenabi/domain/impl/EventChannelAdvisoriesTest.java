package io.xenabi.domain.impl;

import static io.xenabi.abi.XenErrno.EACCES;
import static io.xenabi.abi.XenErrno.EAGAIN;
import static io.xenabi.abi.XenErrno.EBUSY;
import static io.xenabi.abi.XenErrno.EINVAL;
import static io.xenabi.abi.XenErrno.ENOSPC;
import static io.xenabi.abi.XenErrno.ENOSYS;
import static io.xenabi.abi.XenErrno.EOPNOTSUPP;
import static io.xenabi.evtchn.EvtchnOp.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.xenabi.abi.DomId;
import io.xenabi.abi.SharedInfo;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.Hypervisor;
import io.xenabi.domain.PortInfo;
import io.xenabi.domain.impl.Guest.Abi;
import io.xenabi.evtchn.EvtchnFifo;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Xen's event-channel security advisories, each re-expressed as a scenario against xenabi's
 * hypercall door with the real 2-level and FIFO variants. Each nested class names the advisory;
 * its comment says what Xen got wrong and what the scenario asserts. Races use real threads,
 * a bounded number of rounds and assertions that hold for every interleaving.
 */
class EventChannelAdvisoriesTest {
    /** The 2-level limit of a 64-bit guest (EVTCHN_2L_NR_CHANNELS). */
    static final int TWO_LEVEL_PORTS = 4096;

    private HypervisorImpl hv;
    private int names;

    @BeforeEach
    void boot() {
        hv = TestHypervisors.all();
    }

    private Guest guest(Abi abi, DomainConfig cfg) {
        Guest g = new Guest(hv, hv.create(cfg));
        assertEquals(0, g.setUp(abi, abi == Abi.FIFO ? 1 : cfg.vcpus()), "set-up of vCPU 0");
        return g;
    }

    private DomainConfig config(int vcpus, int maxEventChannels) {
        return DomainConfig.named("g" + names++).withVcpus(vcpus).withMaxEventChannels(maxEventChannels);
    }

    private Guest guest(Abi abi) {
        return guest(abi, config(2, DomainConfig.DEFAULT_MAX_EVENT_CHANNELS));
    }

    private String abiOf(Guest g) {
        return hv.info(g.domid).orElseThrow().evtchnAbi();
    }

    private Set<Integer> openPorts(Guest g) {
        Set<Integer> open = new HashSet<>();
        for (PortInfo p : hv.ports(g.domid)) {
            open.add(p.port());
        }
        return open;
    }

    /** EVTCHNOP_bind_ipi issued from vCPU {@code from}, with that vCPU's own argument slot. */
    private static long bindIpiFrom(Guest g, int from, int vcpu) {
        g.mem.write(Guest.arg(from), new byte[16], 0, 16);
        g.mem.write32(Guest.arg(from) + BIND_IPI_VCPU, vcpu);
        long rc = g.evtchn(from, EVTCHNOP_bind_ipi);
        return rc < 0 ? rc : g.mem.read32(Guest.arg(from) + BIND_IPI_PORT);
    }

    /** EVTCHNOP_alloc_unbound (remote DOMID_SELF) issued from vCPU {@code from}. */
    private static long allocFrom(Guest g, int from) {
        g.mem.write(Guest.arg(from), new byte[16], 0, 16);
        g.mem.write16(Guest.arg(from) + ALLOC_UNBOUND_DOM, DomId.DOMID_SELF);
        g.mem.write16(Guest.arg(from) + ALLOC_UNBOUND_REMOTE_DOM, DomId.DOMID_SELF);
        long rc = g.evtchn(from, EVTCHNOP_alloc_unbound);
        return rc < 0 ? rc : g.mem.read32(Guest.arg(from) + ALLOC_UNBOUND_PORT);
    }

    /** A one-port op (close, send, unmask) issued from vCPU {@code from}. */
    private static long portOpFrom(Guest g, int from, int cmd, long port) {
        g.mem.write32(Guest.arg(from) + PORT, (int) port);
        return g.evtchn(from, cmd);
    }

    /** EVTCHNOP_reset of the domain itself, issued from vCPU {@code from}. */
    private static long resetFrom(Guest g, int from) {
        g.mem.write16(Guest.arg(from) + RESET_DOM, DomId.DOMID_SELF);
        return g.evtchn(from, EVTCHNOP_reset);
    }

    private static int word(Guest g, long port) {
        return g.mem.read32(Guest.ARRAY_GFN * 4096 + port * 4);
    }

    private static boolean bit(int word, int bit) {
        return (word & (1 << bit)) != 0;
    }

    private static int head(Guest g, int vcpu, int priority) {
        return g.mem.read32((Guest.CONTROL_GFN + vcpu) * 4096 + EvtchnFifo.head(priority));
    }

    private static int ready(Guest g, int vcpu) {
        return g.mem.read32((Guest.CONTROL_GFN + vcpu) * 4096 + EvtchnFifo.CONTROL_BLOCK_READY);
    }

    private static void join(Thread t) throws InterruptedException {
        t.join(TimeUnit.SECONDS.toMillis(30));
        if (t.isAlive()) {
            fail(t.getName() + " is stuck");
        }
    }

    /** Waits until {@code t} is queued on {@code lock} (it cannot get further while we hold it). */
    private static void awaitQueued(ReentrantLock lock, Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!lock.hasQueuedThread(t)) {
            if (System.nanoTime() > deadline || !t.isAlive()) {
                fail(t.getName() + " never reached the lock");
            }
            Thread.sleep(1);
        }
    }

    /**
     * Starts {@code a} and {@code b} together on two threads and waits for both; the first
     * failure of either is rethrown.
     */
    private static void race(Runnable a, Runnable b) throws Exception {
        CyclicBarrier start = new CyclicBarrier(2);
        CompletableFuture<Void> fa = CompletableFuture.runAsync(() -> await(start, a), GrantTableAdvisoriesTest::spawn);
        CompletableFuture<Void> fb = CompletableFuture.runAsync(() -> await(start, b), GrantTableAdvisoriesTest::spawn);
        fa.get(30, TimeUnit.SECONDS);
        fb.get(30, TimeUnit.SECONDS);
    }

    private static void await(CyclicBarrier start, Runnable r) {
        try {
            start.await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        r.run();
    }

    /** A FIFO guest with {@code pages} event-array pages and its control block on vCPU 0. */
    private Guest fifo(int vcpus, int maxEventChannels, int pages) {
        Guest g = guest(Abi.FIFO, config(vcpus, maxEventChannels));
        for (int i = 1; i < pages; i++) {
            assertEquals(0, g.expandArray());
        }
        return g;
    }

    private static List<Long> bindIpis(Guest g, int n) {
        List<Long> ports = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long p = g.bindIpi(0);
            assertTrue(p > 0, "bind_ipi #" + i + " gave " + p);
            ports.add(p);
        }
        return ports;
    }

    // ================================================================== XSA-221

    /**
     * XSA-221 (2017, "evtchn: avoid NULL derefs"): SCHEDOP_poll and the port ops dereferenced
     * the struct evtchn of any port below the ABI limit, even where its bucket had never been
     * allocated, and FIFO read its event array without ordering against its growth. XTF polls
     * every port from 32 to 4096. Here every port number of the 2-level range, the FIFO range
     * and beyond is polled, unmasked, sent, closed, queried and re-prioritised: nothing breaks
     * and each answer is current Xen's (an invalid port -EINVAL; since 4.15 also a free one for
     * poll; an unusable port's mask left alone by unmask since XSA-343).
     */
    @Nested
    class Xsa221 {
        /** Ports bound: some IPIs (FIFO: more than one event-array page holds). */
        private Set<Integer> open;
        private Guest g;

        private void boot(Abi abi) {
            g = guest(abi, config(2, 8191));
            int n = abi == Abi.FIFO ? EvtchnFifo.EVENT_WORDS_PER_PAGE + 40 : 40;
            open = new HashSet<>();
            for (long p : bindIpis(g, n)) {
                open.add((int) p);
            }
        }

        private int valid() {
            return hv.parts().table().domain(g.domid).validPorts();
        }

        /** Every port of the ABI's range, then a few far beyond it. */
        private List<Long> sweep(Abi abi) {
            List<Long> ports = new ArrayList<>();
            int end = abi == Abi.FIFO ? EvtchnFifo.EVTCHN_FIFO_NR_CHANNELS : TWO_LEVEL_PORTS;
            for (long p = 0; p <= end; p++) {
                ports.add(p);
            }
            ports.addAll(List.of(1L << 20, 0x7FFF_FFFFL, 0xFFFF_FFFFL));
            return ports;
        }

        @ParameterizedTest
        @EnumSource(Abi.class)
        void pollOfEveryPortAnswersWithoutBlockingOrBreaking(Abi abi) {
            boot(abi);
            for (long p : sweep(abi)) {
                long want = open.contains((int) p) ? 0 : -EINVAL;
                assertEquals(want, g.poll(1, 1, (int) p), "SCHEDOP_poll of port " + p);
            }
            assertEquals(0, hv.parts().table().domain(g.domid).pollMask.get(), "no vCPU is left polling");
            assertEquals(0, hv.internalErrors.get());
        }

        @ParameterizedTest
        @EnumSource(Abi.class)
        void unmaskOfEveryPortTouchesOnlyPortsInUse(Abi abi) {
            boot(abi);
            // The guest masks every port and marks every free one pending: garbage an unmask of a
            // free port must not turn into an event.
            for (int p = 0; p < (abi == Abi.FIFO ? EvtchnFifo.EVENT_WORDS_PER_PAGE : TWO_LEVEL_PORTS); p++) {
                g.mask(abi, p);
                if (!open.contains(p) && abi == Abi.TWO_LEVEL) {
                    g.mem.page(Guest.SHARED_INFO_GFN).testAndSetBit(SharedInfo.EVTCHN_PENDING, p);
                } else if (!open.contains(p)) {
                    g.mem.page(Guest.ARRAY_GFN).getAndOr32(p * 4, 1 << EvtchnFifo.EVTCHN_FIFO_PENDING);
                }
            }
            g.clearUpcall(0);
            int valid = valid();
            for (long p : sweep(abi)) {
                assertEquals(p < valid ? 0 : -EINVAL, g.unmask(p), "EVTCHNOP_unmask of port " + p);
            }
            assertFalse(g.upcallPending(0), "no free port was turned into an event");
            for (int p = 0; p < 256; p++) {
                boolean masked = abi == Abi.TWO_LEVEL
                        ? g.mem.page(Guest.SHARED_INFO_GFN).testBit(SharedInfo.EVTCHN_MASK, p)
                        : bit(word(g, p), EvtchnFifo.EVTCHN_FIFO_MASKED);
                assertEquals(!open.contains(p), masked, "port " + p + ": only ports in use are unmasked");
            }
            if (abi == Abi.FIFO) {
                assertEquals(0, ready(g, 0), "nothing was linked");
            }
            assertEquals(0, hv.internalErrors.get());
        }

        @ParameterizedTest
        @EnumSource(Abi.class)
        void everyOtherPortOpAnswersXensErrnoForEveryPort(Abi abi) {
            boot(abi);
            int valid = valid();
            for (long p : sweep(abi)) {
                boolean isOpen = open.contains((int) p);
                long invalid = -EINVAL;
                String at = " of port " + p;
                assertEquals(p < valid ? 0 : invalid, g.status(DomId.DOMID_SELF, p), "status" + at);
                if (p < valid) {
                    assertEquals(isOpen ? EVTCHNSTAT_ipi : EVTCHNSTAT_closed, g.statusField(STATUS_STATUS));
                }
                assertEquals(isOpen ? 0 : invalid, g.send(p), "send" + at);
                assertEquals(-EINVAL, g.bindVcpu(p, 1), "bind_vcpu" + at + " (an IPI or free port)");
                long prio = p >= valid ? -EINVAL : abi == Abi.TWO_LEVEL ? -ENOSYS : isOpen ? 0 : -EACCES;
                assertEquals(prio, g.setPriority(p, 3), "set_priority" + at);
                if (!isOpen) {
                    assertEquals(-EINVAL, g.close(p), "close" + at);
                }
            }
            assertEquals(open, openPorts(g), "nothing was opened or closed");
            assertEquals(0, hv.internalErrors.get());
        }
    }

    // ================================================================== XSA-338 / XSA-342

    /**
     * XSA-338 (2020, "evtchn: relax port_is_valid()"): port validity depended on the ABI's
     * maximum, so a port once valid became invalid when a reset took FIFO back to 2-level,
     * behind the back of code that had checked it. Validity must be monotonic: ports in buckets
     * allocated under FIFO stay valid (answering as free ports) after the return to 2-level,
     * while 2-level never allocates beyond its own limit.
     */
    @Nested
    class Xsa338 {
        @Test
        void portsAboveTheTwoLevelLimitStayValidAfterFifoReturnsToTwoLevel() {
            Guest g = fifo(1, 8191, 5);
            List<Long> ports = bindIpis(g, TWO_LEVEL_PORTS + 100);
            long high = ports.get(ports.size() - 1);
            assertTrue(high >= TWO_LEVEL_PORTS);
            int validBefore = hv.parts().table().domain(g.domid).validPorts();
            assertEquals(0, g.reset(DomId.DOMID_SELF, false));
            assertEquals("2l", abiOf(g));
            assertEquals(validBefore, hv.parts().table().domain(g.domid).validPorts(), "valid ports never shrink");
            assertEquals(0, g.status(DomId.DOMID_SELF, high), "still a valid port");
            assertEquals(EVTCHNSTAT_closed, g.statusField(STATUS_STATUS));
            assertEquals(0, g.unmask(high));
            assertEquals(-EINVAL, g.send(high));
            assertEquals(-EINVAL, g.close(high));
            assertEquals(-EINVAL, g.poll(0, 1, (int) high));
            assertEquals(0, hv.internalErrors.get());
        }
    }

    /**
     * XSA-342 (2020): 32-bit x86 guests could open ports at and above 1024 under 2-level, whose
     * bits lie beyond their shared_info bitmaps, corrupting shared_info and vcpu_info. xenabi
     * models only 64-bit guests (no compat shared_info), so the 1024 limit itself does not apply;
     * the same rule for the 64-bit layout is asserted: whatever max_event_channels allows,
     * 2-level hands out no port at or beyond 4096, also after a FIFO domain returned to it.
     */
    @Nested
    class Xsa342 {
        @Test
        void twoLevelAllocatesNoPortBeyondItsBitmapsWhateverTheDomainsLimit() {
            Guest g = guest(Abi.TWO_LEVEL, config(1, 8191));
            List<Long> ports = bindIpis(g, TWO_LEVEL_PORTS - 1);
            assertEquals(TWO_LEVEL_PORTS - 1, ports.get(ports.size() - 1));
            assertEquals(-ENOSPC, g.bindIpi(0));
            assertEquals(-ENOSPC, g.allocUnbound(DomId.DOMID_SELF));
        }

        @Test
        void afterFifoReturnsToTwoLevelTheTwoLevelLimitAppliesAgain() {
            Guest g = fifo(1, 8191, 5);
            bindIpis(g, TWO_LEVEL_PORTS + 10);
            assertEquals(0, g.reset(DomId.DOMID_SELF, false));
            List<Long> ports = bindIpis(g, TWO_LEVEL_PORTS - 1);
            assertTrue(ports.stream().allMatch(p -> p < TWO_LEVEL_PORTS));
            assertEquals(-ENOSPC, g.bindIpi(0), "the ports above 4095 are valid but not 2-level's to give");
        }
    }

    // ================================================================== XSA-343

    /**
     * XSA-343 (2020, "evtchn: address races with evtchn_reset()" and "evtchn_reset() shouldn't
     * succeed with still-open ports"): EVTCHNOP_reset closes ports without holding the event lock
     * throughout, so another vCPU could bind, send or close meanwhile; a port opened behind the
     * sweep survived the reset, and with FIFO's return to 2-level could even lie beyond the
     * 2-level limit. Xen now counts active ports and answers -EAGAIN (staying on FIFO) when any
     * is still open after the sweep; a second reset while one runs is -EBUSY.
     */
    @Nested
    class Xsa343 {
        @Test
        void aPortBoundBehindTheSweepMakesTheResetEagainAndKeepsFifo() throws Exception {
            Guest a = fifo(2, DomainConfig.DEFAULT_MAX_EVENT_CHANNELS, 1);
            Guest dom0 = new Guest(hv, Hypervisor.DOMID_0);
            bindIpis(a, 3);                                        // ports 1..3
            long remote = dom0.allocUnbound(a.domid);
            assertEquals(4, a.bindInterdomain(Hypervisor.DOMID_0, remote));
            bindIpis(a, 2);                                        // ports 5, 6
            ReentrantLock dom0Lock = hv.parts().table().domain(Hypervisor.DOMID_0).eventLock;
            long[] rc = new long[1];
            Thread reset = new Thread(() -> rc[0] = resetFrom(a, 0), "reset");
            dom0Lock.lock();
            try {
                reset.start();
                // Closing port 4 needs dom0's event lock: the sweep waits there, ports 1..3 closed.
                awaitQueued(dom0Lock, reset);
                assertEquals(-EBUSY, resetFrom(a, 1), "a reset is already running");
                assertEquals(1, allocFrom(a, 1), "the lowest free port, already swept");
            } finally {
                dom0Lock.unlock();
            }
            join(reset);
            assertEquals(-EAGAIN, rc[0], "a port is still open after the sweep");
            assertEquals("fifo", abiOf(a), "a failed reset does not switch the ABI");
            assertEquals(Set.of(1), openPorts(a));
            assertEquals(0, a.status(DomId.DOMID_SELF, 1));
            assertEquals(EVTCHNSTAT_unbound, a.statusField(STATUS_STATUS));
            assertEquals(0, a.reset(DomId.DOMID_SELF, false), "unraced, the reset completes");
            assertEquals("2l", abiOf(a));
            assertEquals(Set.of(), openPorts(a));
        }

        @Test
        void bindsAndSendsRacingAResetNeverLeaveAPortBeyondTheTwoLevelLimit() throws Exception {
            for (int round = 0; round < 8; round++) {
                Guest a = fifo(2, 8191, 5);
                bindIpis(a, TWO_LEVEL_PORTS + 64);
                long[] resetRc = new long[1];
                List<Long> answers = new ArrayList<>();
                race(() -> resetRc[0] = resetFrom(a, 0), () -> {
                    for (int i = 0; i < 200; i++) {
                        long p = bindIpiFrom(a, 1, 1);
                        answers.add(p);
                        if (p > 0) {
                            answers.add(portOpFrom(a, 1, EVTCHNOP_send, p));
                            if (i % 3 == 0) {
                                answers.add(portOpFrom(a, 1, EVTCHNOP_close, p));
                            }
                        }
                    }
                });
                assertTrue(resetRc[0] == 0 || resetRc[0] == -EAGAIN, "reset gave " + resetRc[0]);
                if (resetRc[0] == 0) {
                    assertEquals("2l", abiOf(a));
                    assertTrue(openPorts(a).stream().allMatch(p -> p < TWO_LEVEL_PORTS),
                            "after FIFO returned to 2-level no open port lies beyond 4095");
                } else {
                    assertEquals("fifo", abiOf(a), "-EAGAIN leaves the domain on FIFO");
                }
                assertTrue(answers.stream().allMatch(r -> r >= 0 || r == -EINVAL),
                        "binds succeed, a send or close may only find its port closed by the reset: " + answers);
                assertEquals(0, a.reset(DomId.DOMID_SELF, false));
                assertEquals("2l", abiOf(a));
                assertEquals(Set.of(), openPorts(a));
                assertEquals(0, hv.internalErrors.get());
                hv.destroy(a.domid);
            }
        }
    }

    // ================================================================== XSA-344

    /**
     * XSA-344 (2020, "arrange for preemption in evtchn_reset()/evtchn_destroy()"): reset and
     * domain destruction looped over up to 131072 ports in one go. Xen now preempts the reset
     * every 64 ports (continuing through EVTCHNOP_reset_cont) and stops as soon as no port is
     * active. xenabi runs the sweep to its end in the caller's thread (no continuation to
     * issue), but like Xen takes the event lock per port, never across the sweep: the scenario
     * asserts that a reset of a very large FIFO domain completes and returns it to 2-level, that
     * the domain's other vCPUs keep working while the sweep is held up, that a reset_cont with no
     * reset to continue is -EBUSY, and that destroying such a domain frees its peers' ports.
     */
    @Nested
    class Xsa344 {
        @Test
        void aResetOfAVeryLargeFifoDomainClosesEveryPortAndReturnsToTwoLevel() {
            Guest g = fifo(1, 20_000, 12);
            bindIpis(g, 12_000);
            assertEquals(-EBUSY, g.reset(DomId.DOMID_SELF, true), "reset_cont with no reset to continue");
            assertEquals(0, g.reset(DomId.DOMID_SELF, false));
            assertEquals("2l", abiOf(g));
            assertEquals(Set.of(), openPorts(g));
            assertEquals(0, hv.info(g.domid).orElseThrow().portsInUse());
        }

        @Test
        void otherVcpusKeepWorkingWhileTheSweepIsHeldUp() throws Exception {
            Guest a = fifo(2, 8191, 3);
            Guest dom0 = new Guest(hv, Hypervisor.DOMID_0);
            long remote = dom0.allocUnbound(a.domid);
            assertEquals(1, a.bindInterdomain(Hypervisor.DOMID_0, remote));
            List<Long> later = bindIpis(a, 2000);
            ReentrantLock dom0Lock = hv.parts().table().domain(Hypervisor.DOMID_0).eventLock;
            long[] rc = new long[1];
            Thread reset = new Thread(() -> rc[0] = resetFrom(a, 0), "reset");
            dom0Lock.lock();
            try {
                reset.start();
                awaitQueued(dom0Lock, reset);
                long last = later.get(later.size() - 1);
                assertEquals(0, portOpFrom(a, 1, EVTCHNOP_send, last), "vCPU 1 still sends");
                assertEquals(0, portOpFrom(a, 1, EVTCHNOP_unmask, last), "and unmasks");
                assertEquals(-EBUSY, resetFrom(a, 1));
            } finally {
                dom0Lock.unlock();
            }
            join(reset);
            assertEquals(0, rc[0]);
            assertEquals("2l", abiOf(a));
            assertEquals(Set.of(), openPorts(a));
            assertEquals(0, dom0.status(DomId.DOMID_SELF, remote));
            assertEquals(EVTCHNSTAT_unbound, dom0.statusField(STATUS_STATUS), "dom0's end waits for a new peer");
        }

        @Test
        void destroyingADomainWithVeryManyPortsFreesThemAndItsPeersPorts() {
            Guest a = fifo(1, 20_000, 10);
            Guest dom0 = new Guest(hv, Hypervisor.DOMID_0);
            bindIpis(a, 9000);
            long remote = dom0.allocUnbound(a.domid);
            assertTrue(a.bindInterdomain(Hypervisor.DOMID_0, remote) > 9000);
            hv.destroy(a.domid);
            assertEquals(0, dom0.status(DomId.DOMID_SELF, remote));
            assertEquals(EVTCHNSTAT_unbound, dom0.statusField(STATUS_STATUS));
            assertTrue(hv.info(a.domid).isEmpty());
        }
    }

    // ================================================================== XSA-358 / XSA-359

    /**
     * XSA-358 (2020, "evtchn/FIFO: re-order and synchronize (with) map_control_block()") and
     * XSA-359 ("add 2nd smp_rmb() to evtchn_fifo_word_from_port()"): FIFO's set_pending could
     * see a vCPU's control block before its queue heads, or an event word through ops not yet
     * switched, while EVTCHNOP_init_control ran on another vCPU. Events sent while the set-up
     * runs must neither crash nor be lost beyond what Xen allows: Xen drops an event for a vCPU
     * without a control block (the guest cannot have unmasked it yet) and keeps the pending
     * state of a port whose event word does not exist yet until EXPAND_ARRAY adds it.
     */
    @Nested
    class Xsa358 {
        @Test
        void sendsRacingTheFirstInitControlAreCarriedIntoTheFifoQueue() throws Exception {
            for (int round = 0; round < 50; round++) {
                Guest g = guest(Abi.TWO_LEVEL, config(2, DomainConfig.DEFAULT_MAX_EVENT_CHANNELS));
                long port = g.bindIpi(0);
                long[] rc = new long[1];
                List<Long> sends = new ArrayList<>();
                race(() -> rc[0] = g.initControl(0), () -> {
                    for (int i = 0; i < 50; i++) {
                        sends.add(portOpFrom(g, 1, EVTCHNOP_send, port));
                    }
                });
                assertEquals(0, rc[0]);
                assertTrue(sends.stream().allMatch(r -> r == 0), "every send succeeds: " + sends);
                assertEquals(0, g.expandArray());
                int w = word(g, port);
                assertTrue(bit(w, EvtchnFifo.EVTCHN_FIFO_PENDING) && bit(w, EvtchnFifo.EVTCHN_FIFO_LINKED),
                        "round " + round + ": the event sent around the switch is pending and linked, word 0x"
                                + Integer.toHexString(w));
                assertEquals(port, head(g, 0, EvtchnFifo.EVTCHN_FIFO_PRIORITY_DEFAULT));
                assertEquals(0, hv.internalErrors.get());
                hv.destroy(g.domid);
            }
        }

        @Test
        void sendsToAVcpuWhoseControlBlockIsBeingSetUpAreDroppedOrQueuedNeverStranded() throws Exception {
            for (int round = 0; round < 50; round++) {
                Guest g = fifo(2, DomainConfig.DEFAULT_MAX_EVENT_CHANNELS, 1);
                long port = g.bindIpi(1);
                long[] rc = new long[1];
                List<Long> sends = new ArrayList<>();
                race(() -> rc[0] = g.initControl(1), () -> {
                    for (int i = 0; i < 50; i++) {
                        sends.add(portOpFrom(g, 0, EVTCHNOP_send, port));
                    }
                });
                assertEquals(0, rc[0]);
                assertTrue(sends.stream().allMatch(r -> r == 0), "every send succeeds: " + sends);
                int w = word(g, port);
                if (bit(w, EvtchnFifo.EVTCHN_FIFO_PENDING)) {
                    assertTrue(bit(w, EvtchnFifo.EVTCHN_FIFO_LINKED), "a pending unmasked event is queued");
                    assertEquals(port, head(g, 1, EvtchnFifo.EVTCHN_FIFO_PRIORITY_DEFAULT));
                } else {
                    assertEquals(0, w, "dropped before the control block existed, as Xen does");
                }
                assertEquals(0, portOpFrom(g, 0, EVTCHNOP_send, port));
                assertEquals(port, head(g, 1, EvtchnFifo.EVTCHN_FIFO_PRIORITY_DEFAULT),
                        "once set up, vCPU 1's queue gets the event");
                assertTrue(bit(ready(g, 1), EvtchnFifo.EVTCHN_FIFO_PRIORITY_DEFAULT));
                assertEquals(0, hv.internalErrors.get());
                hv.destroy(g.domid);
            }
        }
    }

    // ================================================================== XSA-107

    /**
     * XSA-107 (2014, "evtchn: check control block exists when using FIFO-based events"): an
     * event for a vCPU that never issued EVTCHNOP_init_control dereferenced its missing control
     * block. The event must be dropped safely (Xen does not even mark it pending) and the vCPU
     * must receive events once it has a control block.
     */
    @Nested
    class Xsa107 {
        @Test
        void anEventForAVcpuWithoutControlBlockIsDroppedSafely() {
            Guest g = fifo(2, DomainConfig.DEFAULT_MAX_EVENT_CHANNELS, 1);
            long port = g.bindIpi(1);
            g.clearUpcall(1);
            assertEquals(0, g.send(port));
            assertEquals(0, word(g, port), "not pending, not linked");
            assertFalse(g.upcallPending(1));
            assertEquals(0, g.initControl(1));
            assertEquals(0, g.send(port));
            assertEquals(port, head(g, 1, EvtchnFifo.EVTCHN_FIFO_PRIORITY_DEFAULT));
            assertTrue(g.upcallPending(1));
            assertEquals(0, hv.internalErrors.get());
        }
    }

    // ================================================================== a LINKED port's reuse

    /**
     * A FIFO port stays LINKED in its queue after it is closed until the guest walks past it;
     * handing it out again meanwhile would splice the new binding into a queue it is not on.
     * Xen's evtchn_allocate_port refuses a port that is busy (evtchn_is_busy: LINKED) and
     * get_free_port moves on to the next one.
     */
    @Nested
    class LinkedPortReuse {
        @Test
        void aClosedPortStillLinkedIsNotReallocatedUntilTheGuestUnlinksIt() {
            Guest g = fifo(1, DomainConfig.DEFAULT_MAX_EVENT_CHANNELS, 1);
            long port = g.bindIpi(0);
            assertEquals(1, port);
            assertEquals(0, g.send(port));
            assertTrue(bit(word(g, port), EvtchnFifo.EVTCHN_FIFO_LINKED));
            assertEquals(0, g.close(port));
            assertTrue(bit(word(g, port), EvtchnFifo.EVTCHN_FIFO_LINKED), "closing does not unlink");
            assertEquals(0, g.status(DomId.DOMID_SELF, port));
            assertEquals(EVTCHNSTAT_closed, g.statusField(STATUS_STATUS));
            long other = g.allocUnbound(DomId.DOMID_SELF);
            assertNotEquals(port, other, "a busy port is skipped");
            assertNotEquals(port, g.bindIpi(0));
            // The guest consumes its queue: the head moves on and LINKED is cleared.
            g.mem.page(Guest.ARRAY_GFN).getAndAnd32((int) port * 4, ~(1 << EvtchnFifo.EVTCHN_FIFO_LINKED));
            assertEquals(port, g.allocUnbound(DomId.DOMID_SELF), "unlinked, the port is free again");
        }
    }

    // ================================================================== XSA-496

    /**
     * XSA-496 (2026, "evtchn_bind_virq() error path unconditionally calls
     * domain_deinit_states()"): a bind_virq that failed because no port was left undid state
     * (the DOM_EXC handler) it had never set up. Once the port space is exhausted, bind_virq
     * must answer -ENOSPC and leave nothing behind: after one port is freed, the same VIRQ binds.
     */
    @Nested
    class Xsa496 {
        @Test
        void bindVirqWithNoPortLeftIsEnospcWithoutSideEffects() {
            Guest dom0 = new Guest(hv, Hypervisor.DOMID_0);
            List<Long> ports = new ArrayList<>();
            long p;
            while ((p = dom0.allocUnbound(DomId.DOMID_SELF)) > 0) {
                ports.add(p);
            }
            assertEquals(-ENOSPC, p);
            assertEquals(4095, ports.size(), "Domain-0's limit is the ABI's: 2-level's 4096 ports, port 0 reserved");
            assertEquals(-ENOSPC, dom0.bindVirq(VIRQ_DOM_EXC, 0), "a global VIRQ");
            assertEquals(-ENOSPC, dom0.bindVirq(VIRQ_TIMER, 0), "a per-vCPU VIRQ");
            assertEquals(0, dom0.close(ports.get(5)));
            assertEquals(ports.get(5), dom0.bindVirq(VIRQ_DOM_EXC, 0), "no stale binding made it -EEXIST");
            assertEquals(0, dom0.close(ports.get(6)));
            assertEquals(ports.get(6), dom0.bindVirq(VIRQ_TIMER, 0));
        }
    }

    // ================================================================== XSA-505

    /**
     * XSA-505 (2026, "fix race between FIFO expand and reset operations"): EXPAND_ARRAY could
     * add a page to FIFO state that a concurrent EVTCHNOP_reset was freeing. Racing them must
     * leave either a FIFO domain with its pages or a 2-level one with no FIFO state: an
     * EXPAND_ARRAY after the reset is -EOPNOTSUPP, and a new INIT_CONTROL starts from scratch.
     */
    @Nested
    class Xsa505 {
        @Test
        void expandArrayRacingResetLeavesNoHalfFreedFifoState() throws Exception {
            for (int round = 0; round < 30; round++) {
                Guest g = fifo(2, 8191, 1);
                long[] rc = new long[1];
                List<Long> expands = new ArrayList<>();
                race(() -> rc[0] = resetFrom(g, 0), () -> {
                    for (int i = 0; i < 6; i++) {
                        g.mem.write64(Guest.arg(1) + EXPAND_ARRAY_ARRAY_GFN, Guest.ARRAY_GFN + 1 + i);
                        expands.add(g.evtchn(1, EVTCHNOP_expand_array));
                    }
                });
                assertEquals(0, rc[0]);
                assertTrue(expands.stream().allMatch(r -> r == 0 || r == -EOPNOTSUPP), "expand gave " + expands);
                assertEquals("2l", abiOf(g));
                g.mem.write64(Guest.arg(1) + EXPAND_ARRAY_ARRAY_GFN, Guest.ARRAY_GFN + 9);
                assertEquals(-EOPNOTSUPP, g.evtchn(1, EVTCHNOP_expand_array), "no FIFO state survived");
                assertEquals(0, g.initControl(0), "a fresh FIFO set-up");
                g.mem.write(Guest.ARRAY_GFN * 4096, new byte[4096], 0, 4096);
                g.mem.write64(Guest.arg(1) + EXPAND_ARRAY_ARRAY_GFN, Guest.ARRAY_GFN);
                assertEquals(0, g.evtchn(1, EVTCHNOP_expand_array));
                long port = g.bindIpi(0);
                assertEquals(0, g.send(port));
                assertEquals(port, head(g, 0, EvtchnFifo.EVTCHN_FIFO_PRIORITY_DEFAULT),
                        "events land in the new array page");
                assertEquals(0, hv.internalErrors.get());
                hv.destroy(g.domid);
            }
        }
    }

    // ================================================================== XSA-340

    /**
     * XSA-340 (2020): missing barriers between allocating a bucket of ports and publishing the
     * new valid_evtchns let a lock-free sender on another vCPU see a port as valid before its
     * struct existed. A vCPU sending on each port as soon as another vCPU has bound it, across
     * many new buckets, always finds the port valid and open.
     */
    @Nested
    class Xsa340 {
        @ParameterizedTest
        @EnumSource(Abi.class)
        void aPortIsUsableByOtherVcpusAsSoonAsItIsBound(Abi abi) throws Exception {
            Guest g = abi == Abi.FIFO ? fifo(2, 8191, 3) : guest(abi, config(2, 8191));
            java.util.concurrent.atomic.AtomicLong latest = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            List<Long> bad = java.util.Collections.synchronizedList(new ArrayList<>());
            race(() -> {
                try {
                    for (int i = 0; i < 2000; i++) {
                        long p = bindIpiFrom(g, 0, 0);
                        if (p <= 0) {
                            bad.add(p);
                            return;
                        }
                        latest.set(p);
                    }
                } finally {
                    done.set(true);
                }
            }, () -> {
                while (!done.get()) {
                    long p = latest.get();
                    if (p > 0) {
                        long rc = portOpFrom(g, 1, EVTCHNOP_send, p);
                        if (rc != 0) {
                            bad.add(rc);
                        }
                    }
                }
            });
            assertEquals(List.of(), bad);
            assertEquals(2000, openPorts(g).size());
            assertEquals(0, hv.internalErrors.get());
        }
    }
}
