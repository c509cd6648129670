package io.xenabi.guest.impl;

import io.xenabi.domain.DomainInfo;
import io.xenabi.domain.Hypervisor;
import io.xenabi.guest.AbiMode;
import io.xenabi.guest.EvtchnAbi;
import io.xenabi.guest.GuestException;
import io.xenabi.guest.GuestKernel;
import io.xenabi.guest.GuestStats;
import io.xenabi.guest.Guests;
import io.xenabi.guest.PingResult;
import io.xenabi.guest.ShareMode;
import io.xenabi.guest.ShareResult;
import io.xenabi.guest.ScenarioResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/** The guest kernels of this framework, at most one per domain. */
@Component(service = Guests.class)
public final class GuestsImpl implements Guests {
    private static final System.Logger LOG = System.getLogger(GuestsImpl.class.getName());

    private final Hypervisor hypervisor;
    private final Map<Integer, GuestKernelImpl> kernels = new ConcurrentSkipListMap<>();

    @Activate
    public GuestsImpl(@Reference(name = "hypervisor") Hypervisor hypervisor) {
        this.hypervisor = Objects.requireNonNull(hypervisor, "hypervisor");
    }

    @Deactivate
    void deactivate() {
        stopAll();
    }

    /** Stops every kernel, reporting but not stopping at failures. */
    void stopAll() {
        for (Integer domid : List.copyOf(kernels.keySet())) {
            GuestKernelImpl k = kernels.remove(domid);
            if (k == null) {
                continue;
            }
            try {
                k.shutdown();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "stopping " + k + ": " + e.getMessage());
            }
        }
    }

    @Override
    public synchronized GuestKernel start(int domid, AbiMode mode) {
        return launch(domid, mode, null);
    }

    @Override
    public synchronized GuestKernel resume(int domid, AbiMode mode, EvtchnAbi abi) {
        return launch(domid, mode, Objects.requireNonNull(abi, "abi"));
    }

    /** Boots ({@code resumeOn} null) or resumes a kernel in {@code domid}. */
    private GuestKernel launch(int domid, AbiMode mode, EvtchnAbi resumeOn) {
        Objects.requireNonNull(mode, "mode");
        DomainInfo info = hypervisor.info(domid)
                .orElseThrow(() -> new GuestException("no domain with id " + domid));
        GuestKernelImpl old = kernels.get(domid);
        if (old != null) {
            if (old.isRunning()) {
                throw new GuestException("a guest kernel already runs in domain " + domid + " (" + info.name() + ")");
            }
            kernels.remove(domid, old);
            old.shutdown();
        }
        GuestKernelImpl k = new GuestKernelImpl(hypervisor, domid, info.name(), info.config().vcpus(), mode);
        if (resumeOn == null) {
            k.boot();
        } else {
            k.resume(resumeOn);
        }
        kernels.put(domid, k);
        return k;
    }

    @Override
    public synchronized void stop(int domid) {
        GuestKernelImpl k = kernels.remove(domid);
        if (k == null) {
            throw new GuestException("no guest kernel runs in domain " + domid);
        }
        k.shutdown();
    }

    @Override
    public synchronized void suspend(int domid) {
        GuestKernelImpl k = kernels.remove(domid);
        if (k == null) {
            throw new GuestException("no guest kernel runs in domain " + domid);
        }
        k.shutdown(false);
    }

    @Override
    public Optional<GuestKernel> kernel(int domid) {
        return Optional.ofNullable(running(domid));
    }

    /** The running kernel of {@code domid}, or null; one whose domain is gone is forgotten. */
    private GuestKernelImpl running(int domid) {
        GuestKernelImpl k = kernels.get(domid);
        if (k != null && !k.isRunning()) {
            kernels.remove(domid, k);
            return null;
        }
        return k;
    }

    private GuestKernelImpl require(int domid) {
        GuestKernelImpl k = running(domid);
        if (k == null) {
            throw new GuestException("no guest kernel runs in domain " + domid);
        }
        return k;
    }

    @Override
    public List<GuestKernel> kernels() {
        List<GuestKernel> out = new ArrayList<>();
        for (Integer domid : List.copyOf(kernels.keySet())) {
            GuestKernelImpl k = running(domid);
            if (k != null) {
                out.add(k);
            }
        }
        return out;
    }

    @Override
    public GuestStats stats(int domid) {
        return require(domid).stats();
    }

    /**
     * {@code from} offers a port to {@code to}, {@code to} binds it and echoes every event.
     * Xen marks the port pending when {@code to} binds it, so one echo arrives before the
     * first ping: it is awaited and not counted. Each round trip starts by discarding any late
     * echo, so one that missed its timeout is not taken for the next one's reply.
     */
    @Override
    public PingResult ping(int from, int to, int count, Duration timeoutPerRoundTrip, Duration lateWait) {
        if (count < 0) {
            throw new IllegalArgumentException("ping count " + count + " is negative");
        }
        if (timeoutPerRoundTrip == null || timeoutPerRoundTrip.isNegative() || timeoutPerRoundTrip.isZero()) {
            throw new IllegalArgumentException("ping timeout must be positive, not " + timeoutPerRoundTrip);
        }
        if (lateWait == null || lateWait.isNegative()) {
            throw new IllegalArgumentException("ping late wait must not be negative, not " + lateWait);
        }
        GuestKernelImpl sender = require(from);
        GuestKernelImpl echoer = require(to);
        long timeoutNanos = timeoutPerRoundTrip.toNanos();
        Semaphore replies = new Semaphore(0);
        int fromPort = sender.allocUnbound(to, (port, vcpu) -> replies.release());
        int toPort;
        try {
            toPort = echoer.bindInterdomain(from, fromPort, (port, vcpu) -> echoer.send(port));
        } catch (RuntimeException e) {
            closeQuietly(sender, fromPort, e);
            throw e;
        }
        int completed = 0;
        int late = 0;
        int lost = 0;
        long totalNanos = 0;
        long maxNanos = 0;
        long lateBudget = lateWait.toNanos();
        boolean overdue = false; // the last round trip's echo missed its timeout and the late wait
        RuntimeException failure = null;
        try {
            replies.tryAcquire(timeoutNanos, TimeUnit.NANOSECONDS); // the echo of the bind
            for (int i = 0; i < count; i++) {
                if (overdue) {
                    if (replies.tryAcquire()) {
                        late++;
                    } else {
                        lost++;
                    }
                    overdue = false;
                }
                replies.drainPermits();
                long t0 = System.nanoTime();
                sender.send(fromPort);
                if (replies.tryAcquire(timeoutNanos, TimeUnit.NANOSECONDS)) {
                    long rtt = System.nanoTime() - t0;
                    totalNanos += rtt;
                    maxNanos = Math.max(maxNanos, rtt);
                    completed++;
                    continue;
                }
                long waitFrom = System.nanoTime();
                boolean came = lateBudget > 0 && replies.tryAcquire(lateBudget, TimeUnit.NANOSECONDS);
                lateBudget -= System.nanoTime() - waitFrom;
                if (came) {
                    maxNanos = Math.max(maxNanos, System.nanoTime() - t0);
                    late++;
                } else {
                    overdue = true;
                }
            }
            if (overdue) { // the end of the run: one more timeout for the last echo
                if (replies.tryAcquire(timeoutNanos, TimeUnit.NANOSECONDS)) {
                    late++;
                } else {
                    lost++;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = new GuestException("ping from domain " + from + " to " + to + " interrupted after " + completed
                    + " round trips");
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            closeQuietly(echoer, toPort, failure);
            closeQuietly(sender, fromPort, failure);
        }
        if (failure != null) {
            throw failure;
        }
        double mean = completed == 0 ? 0 : totalNanos / 1000.0 / completed;
        return new PingResult(from, to, count, completed, lost, mean, fromPort, toPort, maxNanos / 1000.0, late);
    }

    private static void closeQuietly(GuestKernelImpl k, int port, RuntimeException pending) {
        try {
            k.close(port);
        } catch (RuntimeException e) {
            if (pending != null) {
                pending.addSuppressed(e);
            } else {
                LOG.log(System.Logger.Level.WARNING, "closing port " + port + " of " + k + ": " + e.getMessage());
            }
        }
    }

    @Override
    public ShareResult share(int from, int to, int pages, int version, ShareMode mode) {
        Objects.requireNonNull(mode, "mode");
        if (version != 1 && version != 2) {
            throw new GuestException("the guest kernel knows grant-table versions 1 and 2, not " + version);
        }
        if (pages < 1 || pages > Physmap.DATA_PAGES) {
            throw new GuestException("pages=" + pages + " is outside 1.." + Physmap.DATA_PAGES);
        }
        GuestKernelImpl granter = require(from);
        GuestKernelImpl receiver = require(to);
        GrantDriver gf = granter.grants();
        GrantDriver rf = receiver.grants();
        long rc = gf.requestVersion(version);
        String note = rc == 0 ? "" : "set_version(" + version + "): " + GuestKernelImpl.errno(rc) + ", stayed on v"
                + gf.version();
        long[] gfns = new long[pages];
        int[] refs = new int[pages];
        byte[][] expected = new byte[pages][];
        for (int i = 0; i < pages; i++) {
            gfns[i] = gf.allocPage();
            expected[i] = pattern(from, to, i);
            hypervisor.memory(from).write(gfns[i] << io.xenabi.abi.GuestPage.PAGE_SHIFT, expected[i], 0,
                    expected[i].length);
            refs[i] = gf.grantAccess(to, gfns[i], true);
        }
        int verified = 0;
        long scratch = rf.allocPage();
        byte[] seen = new byte[io.xenabi.abi.GuestPage.PAGE_SIZE];
        for (int i = 0; i < pages; i++) {
            try {
                long at;
                GrantDriver.Mapped m = null;
                if (mode == ShareMode.MAP) {
                    m = rf.map(from, refs[i], true);
                    at = m.gfn();
                } else {
                    rf.copyFrom(from, refs[i], scratch);
                    at = scratch;
                }
                hypervisor.memory(to).read(at << io.xenabi.abi.GuestPage.PAGE_SHIFT, seen, 0, seen.length);
                if (m != null) {
                    rf.unmap(m);
                }
                if (java.util.Arrays.equals(seen, expected[i])) {
                    verified++;
                }
            } catch (GuestException e) {
                LOG.log(System.Logger.Level.WARNING, "share page " + i + ": " + e.getMessage());
            }
        }
        rf.freePage(scratch);
        int reclaimed = 0;
        for (int i = 0; i < pages; i++) {
            if (gf.endAccess(refs[i])) {
                gf.freePage(gfns[i]);
                reclaimed++;
            }
        }
        int ok = Math.min(verified, reclaimed);
        return new ShareResult(from, to, gf.version(), mode, pages, ok, pages - ok, note);
    }

    /** A page's bytes, different for every page and pair of domains. */
    private static byte[] pattern(int from, int to, int page) {
        byte[] b = new byte[io.xenabi.abi.GuestPage.PAGE_SIZE];
        int x = 0x9E3779B9 * (from * 65_537 + to * 257 + page + 1);
        for (int i = 0; i < b.length; i++) {
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            b[i] = (byte) x;
        }
        return b;
    }

    @Override
    public ScenarioResult handover(AbiMode firstBoot, long permit, boolean kexec, int count) {
        String tag = Long.toString(System.nanoTime() % 100_000);
        int first = hypervisor.create(io.xenabi.domain.DomainConfig.named("hib-first-" + tag));
        int peer = -1;
        int resumed = -1;
        try {
            // 1. The first kernel runs and hibernates: its state goes to disk, the domain away.
            GuestKernel old = start(first, firstBoot);
            String resumedAbi = old.abi().variantName();
            AbiMode resumedMode = old.abi() == io.xenabi.guest.EvtchnAbi.FIFO ? AbiMode.AUTO : AbiMode.TWO_LEVEL;
            suspend(first);
            hypervisor.destroy(first);
            first = -1;
            // 2. A new domain boots a FIFO-capable boot kernel, which loads the image.
            peer = hypervisor.create(io.xenabi.domain.DomainConfig.named("hib-peer-" + tag));
            start(peer, AbiMode.TWO_LEVEL);
            resumed = hypervisor.create(io.xenabi.domain.DomainConfig.named("hib-" + tag).withAbiPermit(permit));
            String bootAbi = start(resumed, AbiMode.AUTO).abi().variantName();
            // 3. The handover: kexec resets the event channels first; hibernation resume does not.
            if (kexec) {
                stop(resumed);
            } else {
                suspend(resumed);
            }
            String hypervisorAbi = hypervisor.info(resumed).orElseThrow().evtchnAbi();
            // 4. The resumed kernel drives the ABI it was booted with the first time.
            resumedAbi = start(resumed, resumedMode).abi().variantName();
            // An event the resumed kernel never sees never comes: no late wait.
            PingResult r = ping(peer, resumed, count, Duration.ofMillis(50), Duration.ZERO);
            return new ScenarioResult(kexec ? "kexec" : "hibernate-resume", bootAbi, hypervisorAbi, resumedAbi, count,
                    r.lost());
        } finally {
            for (int d : new int[] {first, peer, resumed}) {
                if (d < 0) {
                    continue;
                }
                if (kernels.containsKey(d)) {
                    try {
                        suspend(d);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.DEBUG, e.getMessage());
                    }
                }
                try {
                    hypervisor.destroy(d);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, e.getMessage());
                }
            }
        }
    }
}
