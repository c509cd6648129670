package io.xenabi.races;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.domain.GrantInfo;
import io.xenabi.domain.PortInfo;
import io.xenabi.domain.impl.HypervisorImpl;
import io.xenabi.gnttab.GnttabStatus;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;

/**
 * The soak: several frontend/backend pairs of domains whose vCPUs are threads, for a bounded
 * time ({@code -Dxenabi.soak.seconds}, 60 by default), then exact accounting.
 *
 * <p>Events: each pair has two interdomain channels, one per vCPU (0 and 1) on both sides. On
 * each, the frontend's vCPU sends a ping and waits for the pong; the backend's vCPU handles the
 * ping and answers. A direction never has two events outstanding, so nothing may coalesce: every
 * event sent is handled exactly once (sent == handled, both directions), none is handled on a
 * port it was not sent to, and a wait of more than {@link #LOST_AFTER_NS} for an event already
 * sent is a lost event.
 *
 * <p>Grants: vCPU 2 of the frontend fills a page with a sequence-numbered pattern, grants it to
 * the backend and hands the reference over; sometimes it tries to end access at once, racing
 * the backend. vCPU 2 of the backend uses each reference once, by map/check/unmap or by copy.
 * A use may be refused only if the frontend had started ending access; a successful use sees
 * the pattern byte for byte, and the frontend can never end access while a mapping stands
 * (GTF_reading/GTF_writing, v2's status word). Every map is unmapped, every use counted.
 *
 * <p>At the end: no thread stuck, every count equal, no port pending or linked, no grant mapped
 * or marked in use, and no internal error of the hypervisor.
 */
class SoakTest {
    static final long LOST_AFTER_NS = TimeUnit.SECONDS.toNanos(5);
    static final int REFS = 16;
    static final int FIRST_REF = 8; // after the reserved entries
    static final int PATTERN = 64;

    private final long seconds = Long.getLong("xenabi.soak.seconds", 60);
    private final long boot = System.nanoTime(); // at or before the hypervisor's boot
    private final HypervisorImpl hv = Kernel.hypervisor();
    private final Queue<String> failures = new ConcurrentLinkedQueue<>();
    private volatile boolean stop;

    /** Xen system time, estimated from above (the hypervisor started after {@link #boot}). */
    private long systemTime() {
        return System.nanoTime() - boot;
    }

    private void fail(String what) {
        failures.add(what);
        stop = true;
    }

    /** One interdomain channel between a frontend vCPU and a backend vCPU, with its counts. */
    final class Channel {
        final Kernel front;
        final Kernel back;
        final int vcpu;
        final int frontPort;
        final int backPort;
        final AtomicLong pings = new AtomicLong();
        final AtomicLong pingsHandled = new AtomicLong();
        final AtomicLong pongs = new AtomicLong();
        final AtomicLong pongsHandled = new AtomicLong();
        volatile boolean done;

        Channel(Kernel front, Kernel back, int vcpu) {
            this.front = front;
            this.back = back;
            this.vcpu = vcpu;
            int[] ch = front.connect(back);
            frontPort = ch[0];
            backPort = ch[1];
            // bind_interdomain sets the new port pending (Xen's conservative notification, see
            // evtchn_bind_interdomain): the guest handles that one before the accounting starts.
            back.handleEvents(0, p -> { });
            front.bindVcpu(frontPort, vcpu);
            back.bindVcpu(backPort, vcpu);
        }

        String name() {
            return "d" + front.domid + "<->d" + back.domid + " v" + vcpu;
        }

        /** Runs the upcall handler until {@code want} ports were handled or time is up. */
        private boolean await(Kernel k, int port, long[] got, long want, IntConsumer counter,
                java.util.function.BooleanSupplier quit) {
            long started = System.nanoTime();
            while (got[0] < want) {
                k.handleEvents(vcpu, p -> {
                    if (p != port) {
                        fail(name() + ": event on unexpected port " + p + " of d" + k.domid);
                    }
                    got[0]++;
                    counter.accept(p);
                });
                if (got[0] >= want) {
                    return true;
                }
                if (quit.getAsBoolean()) {
                    return false;
                }
                if (System.nanoTime() - started > LOST_AFTER_NS) {
                    return false;
                }
                k.poll(vcpu, port, systemTime() + 50_000_000L);
            }
            return true;
        }

        void frontend(long deadline) {
            long[] got = {0};
            while (!stop && System.nanoTime() < deadline) {
                long rc = front.send(vcpu, frontPort);
                if (rc != 0) {
                    fail(name() + ": send of ping failed: " + rc);
                    break;
                }
                pings.incrementAndGet();
                if (!await(front, frontPort, got, got[0] + 1, p -> pongsHandled.incrementAndGet(), () -> stop)) {
                    fail(name() + ": pong " + pings.get() + " lost");
                    break;
                }
            }
            done = true;
        }

        void backend() {
            long[] got = {0};
            while (true) {
                long before = got[0];
                await(back, backPort, got, got[0] + 1, p -> pingsHandled.incrementAndGet(),
                        () -> stop || done && pingsHandled.get() == pings.get());
                for (long i = before; i < got[0]; i++) {
                    long rc = back.send(vcpu, backPort);
                    if (rc != 0) {
                        fail(name() + ": send of pong failed: " + rc);
                        return;
                    }
                    pongs.incrementAndGet();
                }
                if (stop || done && got[0] == pings.get()) {
                    return;
                }
            }
        }

        void check() {
            assertEquals(pings.get(), pingsHandled.get(), name() + ": pings sent vs handled");
            assertEquals(pongs.get(), pongsHandled.get(), name() + ": pongs sent vs handled");
            assertEquals(pings.get(), pongs.get(), name() + ": a pong per ping");
            assertTrue(pings.get() > 0, name() + ": no traffic at all");
        }
    }

    /** The grant traffic of one pair: the frontend grants and ends access, the backend uses. */
    final class Grants {
        final Kernel front;
        final Kernel back;
        final int version;
        final long[] seq = new long[FIRST_REF + REFS];
        final boolean[] endStarted = new boolean[FIRST_REF + REFS];
        final boolean[] ended = new boolean[FIRST_REF + REFS];
        final LinkedBlockingQueue<Integer> toBack = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<Integer> toFront = new LinkedBlockingQueue<>();
        final AtomicLong granted = new AtomicLong();
        final AtomicLong mapOk = new AtomicLong();
        final AtomicLong unmapOk = new AtomicLong();
        final AtomicLong copyOk = new AtomicLong();
        final AtomicLong refused = new AtomicLong();
        final AtomicLong earlyEnds = new AtomicLong();
        final AtomicLong endedTotal = new AtomicLong();
        final java.util.concurrent.CountDownLatch backFinished = new java.util.concurrent.CountDownLatch(1);
        volatile boolean done;

        Grants(Kernel front, Kernel back, int version) {
            this.front = front;
            this.back = back;
            this.version = version;
            if (version == 2) {
                Kernel.check(front.setVersion(0, 2), "set_version(2)");
            }
            front.mapGrantFrames(1);
        }

        String name() {
            return "grants d" + front.domid + "->d" + back.domid + " v" + version;
        }

        private byte[] pattern(long s) {
            byte[] b = new byte[PATTERN];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) (s * 31 + i);
            }
            return b;
        }

        private long page(int ref) {
            return (Kernel.DATA_GFN + ref) * 4096;
        }

        /** The frontend's end of access, looping until no use is in flight. */
        private boolean endNow(int ref, long deadline) {
            synchronized (this) {
                endStarted[ref] = true;
            }
            while (!front.endAccess(ref)) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.onSpinWait();
            }
            synchronized (this) {
                ended[ref] = true;
            }
            endedTotal.incrementAndGet();
            return true;
        }

        void frontend(long deadline, long seed) {
            SplittableRandom rnd = new SplittableRandom(seed);
            Deque<Integer> free = new ArrayDeque<>();
            for (int r = FIRST_REF; r < FIRST_REF + REFS; r++) {
                free.add(r);
            }
            long s = 0;
            while (!stop && System.nanoTime() < deadline) {
                Integer ref = free.poll();
                if (ref != null) {
                    synchronized (this) {
                        seq[ref] = ++s;
                        endStarted[ref] = false;
                        ended[ref] = false;
                    }
                    front.mem.write(page(ref), pattern(s), 0, PATTERN);
                    front.grantAccess(ref, back.domid, Kernel.DATA_GFN + ref, false);
                    granted.incrementAndGet();
                    toBack.add(ref);
                    if (rnd.nextInt(4) == 0) {
                        // Race the backend's use: under v2 even a failed attempt has cleared the entry.
                        earlyEnds.incrementAndGet();
                        synchronized (this) {
                            endStarted[ref] = true;
                        }
                        if (front.endAccess(ref)) {
                            synchronized (this) {
                                ended[ref] = true;
                            }
                            endedTotal.incrementAndGet();
                        }
                    }
                }
                Integer used;
                try {
                    used = ref == null ? toFront.poll(10, TimeUnit.MILLISECONDS) : toFront.poll();
                } catch (InterruptedException e) {
                    return;
                }
                if (!endUsed(used, free)) {
                    return;
                }
            }
            done = true;
            try {
                if (!backFinished.await(LOST_AFTER_NS, TimeUnit.NANOSECONDS)) {
                    fail(name() + ": the backend did not finish");
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
            endUsed(toFront.poll(), free);
        }

        /** Ends access to every reference the backend has finished with. */
        private boolean endUsed(Integer used, Deque<Integer> free) {
            while (used != null) {
                boolean isEnded;
                synchronized (this) {
                    isEnded = ended[used];
                }
                if (!isEnded && !endNow(used, System.nanoTime() + LOST_AFTER_NS)) {
                    fail(name() + ": ref " + used + " still in use after the backend finished");
                    return false;
                }
                free.add(used);
                used = toFront.poll();
            }
            return true;
        }

        void backend(long seed) {
            try {
                useAll(seed);
            } finally {
                backFinished.countDown();
            }
        }

        private void useAll(long seed) {
            SplittableRandom rnd = new SplittableRandom(seed);
            long mapGfn = Kernel.DATA_GFN;
            long copyGfn = Kernel.DATA_GFN + 1;
            while (!stop) {
                Integer ref;
                try {
                    ref = toBack.poll(10, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    return;
                }
                if (ref == null) {
                    if (done) {
                        return;
                    }
                    continue;
                }
                long s;
                synchronized (this) {
                    s = seq[ref];
                }
                byte[] want = pattern(s);
                byte[] seen = new byte[PATTERN];
                boolean ok;
                if (rnd.nextBoolean()) {
                    int handle = back.map(2, front.domid, ref, rnd.nextBoolean(), mapGfn);
                    ok = handle >= 0;
                    if (ok) {
                        mapOk.incrementAndGet();
                        back.mem.read(mapGfn * 4096, seen, 0, PATTERN);
                        synchronized (this) {
                            if (ended[ref]) {
                                fail(name() + ": ref " + ref + " access ended while mapped");
                            }
                        }
                        int st = back.unmap(2, mapGfn, handle);
                        if (st != GnttabStatus.GNTST_okay) {
                            fail(name() + ": unmap of ref " + ref + " answered " + st);
                        } else {
                            unmapOk.incrementAndGet();
                        }
                    }
                } else {
                    int st = back.copyFrom(2, front.domid, ref, copyGfn, PATTERN);
                    ok = st == GnttabStatus.GNTST_okay;
                    if (ok) {
                        copyOk.incrementAndGet();
                        back.mem.read(copyGfn * 4096, seen, 0, PATTERN);
                    }
                }
                if (ok && !Arrays.equals(want, seen)) {
                    fail(name() + ": ref " + ref + " seq " + s + " data differs");
                }
                if (!ok) {
                    refused.incrementAndGet();
                    synchronized (this) {
                        if (!endStarted[ref]) {
                            fail(name() + ": ref " + ref + " refused while granted");
                        }
                    }
                }
                toFront.add(ref);
            }
        }

        void check() {
            long uses = mapOk.get() + copyOk.get() + refused.get();
            assertEquals(granted.get(), uses, name() + ": every grant used exactly once");
            assertEquals(granted.get(), endedTotal.get(), name() + ": every grant's access ended");
            assertEquals(mapOk.get(), unmapOk.get(), name() + ": every map unmapped");
            assertTrue(refused.get() <= earlyEnds.get(), name() + ": refused only after an early end");
            assertTrue(mapOk.get() > 0 && copyOk.get() > 0, name() + ": no grant traffic");
            for (GrantInfo g : hv.grants(front.domid)) {
                assertEquals(0, g.activeMaps(), name() + ": ref " + g.ref() + " still mapped");
                assertEquals(0, g.accessBits(), name() + ": ref " + g.ref() + " still marked in use");
            }
        }
    }

    @Test
    void everyEventAndGrantUseIsAccountedForUnderLoad() throws InterruptedException {
        record Pair(Kernel front, Kernel back, int grantVersion) {
        }
        List<Pair> pairs = List.of(
                new Pair(Kernel.boot(hv, "front-fifo", 3, Kernel.Abi.FIFO), Kernel.boot(hv, "back-fifo", 3, Kernel.Abi.FIFO), 1),
                new Pair(Kernel.boot(hv, "front-2l", 3, Kernel.Abi.TWO_LEVEL), Kernel.boot(hv, "back-2l", 3, Kernel.Abi.TWO_LEVEL), 2),
                new Pair(Kernel.boot(hv, "front-mixed", 3, Kernel.Abi.FIFO), Kernel.boot(hv, "back-mixed", 3, Kernel.Abi.TWO_LEVEL), 2));
        List<Channel> channels = new ArrayList<>();
        List<Grants> grants = new ArrayList<>();
        for (Pair p : pairs) {
            channels.add(new Channel(p.front(), p.back(), 0));
            channels.add(new Channel(p.front(), p.back(), 1));
            grants.add(new Grants(p.front(), p.back(), p.grantVersion()));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> threads = new ArrayList<>();
        for (Channel c : channels) {
            threads.add(vcpu(c.name() + " front", () -> c.frontend(deadline)));
            threads.add(vcpu(c.name() + " back", c::backend));
        }
        for (int i = 0; i < grants.size(); i++) {
            Grants g = grants.get(i);
            long seed = 7919L * i;
            threads.add(vcpu(g.name() + " front", () -> g.frontend(deadline, seed)));
            threads.add(vcpu(g.name() + " back", () -> g.backend(seed + 1)));
        }
        threads.forEach(Thread::start);
        long joinBy = deadline + TimeUnit.SECONDS.toNanos(30);
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinBy - System.nanoTime())));
            if (t.isAlive()) {
                stop = true;
                failures.add(t.getName() + " did not finish: stuck waiting for an event");
            }
        }
        assertTrue(failures.isEmpty(), () -> String.join("\n", failures));
        long events = 0;
        for (Channel c : channels) {
            c.check();
            events += c.pings.get() + c.pongs.get();
        }
        long uses = 0;
        for (Grants g : grants) {
            g.check();
            uses += g.mapOk.get() + g.copyOk.get() + g.refused.get();
        }
        for (Pair p : pairs) {
            for (Kernel k : List.of(p.front(), p.back())) {
                for (PortInfo port : hv.ports(k.domid)) {
                    assertTrue(!port.pending(), "d" + k.domid + " port " + port.port() + " left pending");
                    assertTrue(!port.abiState().contains("link="), "d" + k.domid + " port " + port.port() + " left linked");
                }
            }
        }
        assertEquals(0, hv.internalErrors(), "internal errors of the hypervisor");
        System.out.printf("soak %d s: %d events sent and handled exactly once, %d grant uses (%s)%n", seconds, events,
                uses, grants.stream().map(g -> "map " + g.mapOk + " copy " + g.copyOk + " refused " + g.refused)
                        .reduce((a, b) -> a + "; " + b).orElse(""));
    }

    private static Thread vcpu(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }
}
