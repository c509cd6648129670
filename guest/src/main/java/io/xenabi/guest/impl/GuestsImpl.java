package io.xenabi.guest.impl;

import io.xenabi.domain.DomainInfo;
import io.xenabi.domain.Hypervisor;
import io.xenabi.guest.AbiMode;
import io.xenabi.guest.GuestException;
import io.xenabi.guest.GuestKernel;
import io.xenabi.guest.GuestStats;
import io.xenabi.guest.Guests;
import io.xenabi.guest.PingResult;
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
        k.boot();
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
    public PingResult ping(int from, int to, int count, Duration timeoutPerRoundTrip) {
        if (count < 0) {
            throw new IllegalArgumentException("ping count " + count + " is negative");
        }
        if (timeoutPerRoundTrip == null || timeoutPerRoundTrip.isNegative() || timeoutPerRoundTrip.isZero()) {
            throw new IllegalArgumentException("ping timeout must be positive, not " + timeoutPerRoundTrip);
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
        long totalNanos = 0;
        RuntimeException failure = null;
        try {
            replies.tryAcquire(timeoutNanos, TimeUnit.NANOSECONDS); // the echo of the bind
            for (int i = 0; i < count; i++) {
                replies.drainPermits();
                long t0 = System.nanoTime();
                sender.send(fromPort);
                if (replies.tryAcquire(timeoutNanos, TimeUnit.NANOSECONDS)) {
                    totalNanos += System.nanoTime() - t0;
                    completed++;
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
        return new PingResult(from, to, count, completed, count - completed, mean, fromPort, toPort);
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
}
