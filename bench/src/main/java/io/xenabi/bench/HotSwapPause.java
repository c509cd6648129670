package io.xenabi.bench;

import io.xenabi.domain.testkit.TestHosts;
import io.xenabi.abi.AbiVariant;
import io.xenabi.bench.report.JmhResult;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.impl.HypervisorImpl;
import io.xenabi.evtchn.fifo.impl.EvtchnFifoVariant;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Benchmark row 7, the guest-visible pause of a hot swap of the FIFO implementation under load.
 *
 * <p>A hypervisor holds {@code domains} FIFO domains and one 2-level domain per ten of them. Each
 * FIFO domain has an IPI; each 2-level domain an IPI and an interdomain channel to a FIFO domain.
 * A few driver threads (not one per domain) go round their share of the domains without pause:
 * each FIFO domain sends its IPI and consumes its queue as Linux does; each 2-level domain sends
 * its IPI and, when its previous event was consumed, an event to its FIFO peer. Meanwhile the
 * main thread swaps the FIFO implementation as an update of the evtchn-fifo bundle does through
 * SCR: {@code removeEvtchnVariant} of the old instance, then {@code addEvtchnVariant} of a new
 * {@link EvtchnFifoVariant}.
 *
 * <p><b>The pause of one swap</b> is the longest EVTCHNOP_send, from the guest's call to its
 * return, among the sends of every driver that were in flight at any moment between the start of
 * the remove and the end of the add. (A FIFO domain's own calls wait while its state is handed
 * over; a 2-level domain's sends to it are taken and held.) The result is the median (score), p99
 * and the other percentiles of that pause over the measured swaps, in ms; a second result,
 * {@code HotSwapPause.swap}, gives the swaps' own durations (remove + add) for comparison.
 *
 * <p>Nothing may be lost: every IPI a FIFO domain sent must be in its queue when it consumes
 * right after, and every held interdomain event must arrive in the end. Any loss, or any send
 * that fails, ends the run with an exception and exit status 1, so no result is written.
 *
 * <p>Run: {@code java -cp ... io.xenabi.bench.HotSwapPause [--domains 100,1000] [--swaps 200]
 * [--warmup 20] [--drivers 2] [--gap-ms 5] [--out FILE]}
 */
public final class HotSwapPause {
    private static final Map<String, Object> FIFO_PROPS = Map.of(AbiVariant.PROP_FAMILY, "evtchn",
            AbiVariant.PROP_VARIANT, "fifo", AbiVariant.PROP_CAPABILITY, 0);

    /** Swap generation: odd while swap (gen - 1) / 2 runs; written by the swapping thread only. */
    private volatile int generation;
    private final HypervisorImpl hv = new HypervisorImpl();
    private final int swaps;
    private final long[][] pausesPerDriver;
    private volatile boolean running = true;
    private final AtomicLong failed = new AtomicLong();

    /**
     * The events of one port: a new one is sent only when the last has arrived, so none merges
     * with another (a send to a pending port adds nothing) and every one sent must arrive.
     */
    private static final class Flow {
        final BenchGuest from;
        final int sendPort;
        boolean outstanding;
        long sent;
        long received;

        Flow(BenchGuest from, int sendPort) {
            this.from = from;
            this.sendPort = sendPort;
        }
    }

    /** One domain, the consumer of its flows' events. */
    private static final class Dom {
        final BenchGuest guest;
        final Flow ipi;
        Flow fromPeer;
        int fromPeerPort = -1;

        Dom(BenchGuest guest) {
            this.guest = guest;
            this.ipi = new Flow(guest, guest.bindIpi(0));
        }

        void consume() {
            guest.consume(0, port -> {
                Flow f = port == ipi.sendPort ? ipi : port == fromPeerPort ? fromPeer : null;
                if (f != null) {
                    f.outstanding = false;
                    f.received++;
                }
            });
        }

        /** A 2-level domain's interdomain channel to FIFO domain {@code peer}. */
        void connectTo(Dom peer) {
            peer.fromPeerPort = peer.guest.allocUnbound(guest.domid);
            peer.fromPeer = new Flow(guest, guest.bindInterdomain(peer.guest.domid, peer.fromPeerPort));
            // The bind's notification is no event of the load.
            guest.consume(0, port -> { });
            peer.guest.consume(0, port -> { });
        }

        long unreceived() {
            return ipi.sent - ipi.received + (fromPeer == null ? 0 : fromPeer.sent - fromPeer.received);
        }
    }

    private HotSwapPause(int swaps, int drivers) {
        this.swaps = swaps;
        this.pausesPerDriver = new long[drivers][swaps];
    }

    /**
     * Runs {@code warmup + swaps} swaps of {@code domains} FIFO domains; the pauses and the swaps'
     * own durations (remove + add), both in ms, without the warm-up swaps.
     */
    static double[][] measure(int domains, int warmup, int swaps, int drivers, long gapNanos)
            throws InterruptedException {
        HotSwapPause run = new HotSwapPause(warmup + swaps, drivers);
        long[][] all = run.run(domains, drivers, gapNanos);
        double[][] ms = new double[2][swaps];
        for (int i = 0; i < 2; i++) {
            for (int k = 0; k < swaps; k++) {
                ms[i][k] = all[i][warmup + k] / 1e6;
            }
        }
        return ms;
    }

    private long[][] run(int domains, int drivers, long gapNanos) throws InterruptedException {
        TestHosts.add(hv, "evtchn-2l");
        EvtchnFifoVariant current = new EvtchnFifoVariant();
        hv.addEvtchnVariant(current, FIFO_PROPS);
        List<Dom> fifo = new ArrayList<>();
        for (int i = 0; i < domains; i++) {
            fifo.add(new Dom(new BenchGuest(hv, DomainConfig.named("fifo" + i), true, 1023)));
        }
        // One 2-level domain per ten FIFO domains, sending to the first of its ten; the driver of
        // those ten drives it too, so each queue has one consumer as a vCPU does.
        List<List<Dom>> shares = new ArrayList<>();
        for (int t = 0; t < drivers; t++) {
            shares.add(new ArrayList<>());
        }
        int twoLevel = 0;
        for (int i = 0; i < domains; i++) {
            Dom d = fifo.get(i);
            List<Dom> share = drivers == 0 ? new ArrayList<>() : shares.get(i / 10 % drivers);
            share.add(d);
            if (i % 10 == 0) {
                Dom t = new Dom(new BenchGuest(hv, DomainConfig.named("twolevel" + twoLevel++), false, 0));
                t.connectTo(d);
                share.add(t);
            }
        }
        Thread[] threads = new Thread[drivers];
        for (int t = 0; t < drivers; t++) {
            List<Dom> share = shares.get(t);
            long[] pauses = pausesPerDriver[t];
            threads[t] = new Thread(() -> drive(share, pauses), "driver-" + t);
            threads[t].start();
        }
        long[] swapNanos = new long[swaps];
        try {
            for (int k = 0; k < swaps; k++) {
                LockSupport.parkNanos(gapNanos);
                generation++; // odd: swap k runs
                long t0 = System.nanoTime();
                hv.removeEvtchnVariant(current, FIFO_PROPS);
                current = new EvtchnFifoVariant();
                hv.addEvtchnVariant(current, FIFO_PROPS);
                swapNanos[k] = System.nanoTime() - t0;
                generation++;
            }
        } finally {
            running = false;
            for (Thread t : threads) {
                t.join();
            }
        }
        List<Dom> all = new ArrayList<>();
        shares.forEach(all::addAll);
        verify(all);
        long[] pauses = new long[swaps];
        for (long[] perDriver : pausesPerDriver) {
            for (int k = 0; k < swaps; k++) {
                pauses[k] = Math.max(pauses[k], perDriver[k]);
            }
        }
        long delivered = all.stream().mapToLong(d -> d.ipi.received + (d.fromPeer == null ? 0 : d.fromPeer.received))
                .sum();
        long[] sorted = swapNanos.clone();
        java.util.Arrays.sort(sorted);
        System.err.printf("hot swap, %d FIFO + %d 2-level domains, %d drivers: %d swaps (remove + add) p50 %.3f ms,"
                + " max %.3f ms; %d events delivered, none lost%n", domains, twoLevel, drivers, swaps,
                sorted[swaps / 2] / 1e6, sorted[swaps - 1] / 1e6, delivered);
        return new long[][] {pauses, swapNanos};
    }

    /** A driver thread's loop over its domains: send each flow's next event, then consume. */
    private void drive(List<Dom> share, long[] pauses) {
        while (running) {
            for (Dom d : share) {
                send(d.ipi, pauses);
                if (d.fromPeer != null) {
                    send(d.fromPeer, pauses);
                }
                d.consume();
            }
        }
    }

    private void send(Flow f, long[] pauses) {
        if (!f.outstanding) {
            f.outstanding = true;
            f.sent++;
            timedSend(f.from, f.sendPort, pauses);
        }
    }

    /** EVTCHNOP_send, its duration charged to every swap it overlapped. */
    private void timedSend(BenchGuest g, int port, long[] pauses) {
        int g0 = generation;
        long t0 = System.nanoTime();
        long rc = g.send(0, port);
        long took = System.nanoTime() - t0;
        int g1 = generation;
        if (rc != 0) {
            failed.incrementAndGet();
        }
        // Swap k runs while the generation is 2k + 1: this send overlapped swaps g0/2 .. (g1-1)/2.
        for (int k = g0 / 2; k <= (g1 - 1) / 2 && k < swaps; k++) {
            pauses[k] = Math.max(pauses[k], took);
        }
    }

    /**
     * With the last implementation in place, every domain consumes until each event sent has
     * arrived (events held during a swap arrive when it ends); fails on any loss.
     */
    private void verify(List<Dom> all) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long missing;
        do {
            missing = 0;
            for (Dom d : all) {
                d.consume();
                missing += d.unreceived();
            }
        } while (missing != 0 && System.nanoTime() < deadline);
        if (missing != 0 || failed.get() != 0) {
            throw new IllegalStateException("hot swap lost events: " + missing + " sent events never arrived, "
                    + failed.get() + " sends failed");
        }
        for (Dom d : all) {
            String abi = hv.info(d.guest.domid).orElseThrow().evtchnAbi();
            if (!abi.equals(d.guest.fifo ? "fifo" : "2l")) {
                throw new IllegalStateException("domain " + d.guest.domid + " ended on " + abi);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        String domains = "100,1000";
        int swaps = 200;
        int warmup = 20;
        int drivers = 2;
        long gapMs = 5;
        String out = null;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--domains" -> domains = v;
                case "--swaps" -> swaps = Integer.parseInt(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--drivers" -> drivers = Integer.parseInt(v);
                case "--gap-ms" -> gapMs = Long.parseLong(v);
                case "--out" -> out = v;
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (use --domains N,M --swaps N --warmup N --drivers N --gap-ms N --out FILE)");
            }
            i++;
        }
        JmhResult result = new JmhResult();
        for (String n : domains.split(",")) {
            double[][] ms = measure(Integer.parseInt(n.trim()), warmup, swaps, drivers,
                    TimeUnit.MILLISECONDS.toNanos(gapMs));
            Map<String, String> params = Map.of("domains", n.trim());
            result.add(HotSwapPause.class.getName() + ".pause", "sample", params, "ms", ms[0]);
            result.add(HotSwapPause.class.getName() + ".swap", "sample", params, "ms", ms[1]);
            double[] sorted = ms[0].clone();
            java.util.Arrays.sort(sorted);
            System.err.printf("  pause p50 %.3f ms, p99 %.3f ms%n",
                    JmhResult.percentile(sorted, 50), JmhResult.percentile(sorted, 99));
        }
        if (out != null) {
            result.write(Path.of(out));
        }
    }
}
