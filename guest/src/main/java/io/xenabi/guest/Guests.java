package io.xenabi.guest;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Boots, stops and exercises guest kernels, at most one per domain. Domains are named by
 * domid; unknown domains give the hypervisor's {@code DomainException}, guest failures a
 * {@link GuestException}, each with a one-line message.
 */
@ProviderType
public interface Guests {
    /**
     * Boots a kernel in {@code domid}: maps shared_info, sets up the event-channel ABI as
     * {@code mode} says, binds a wake-up IPI per vCPU and starts the vCPU threads.
     *
     * @throws GuestException when a kernel already runs there or boot fails
     */
    GuestKernel start(int domid, AbiMode mode);

    /**
     * Resumes a kernel in a restored {@code domid} on the event-channel ABI it was using when it
     * was suspended, as Linux's {@code xen_irq_resume} does: under FIFO it sets its control
     * blocks up again on every vCPU, under 2-level it stays on 2-level, and nothing is probed; then
     * it binds its per-vCPU IPIs again and starts its vCPU threads. {@code mode} is the mode it
     * was first booted with, kept for what it reports.
     *
     * @throws GuestException when a kernel already runs there, or the ABI cannot be set up again
     *     (a FIFO kernel in a domain not permitted FIFO: Linux hits {@code BUG()} there)
     * @since 1.1
     */
    GuestKernel resume(int domid, AbiMode mode, EvtchnAbi abi);

    /**
     * Stops the kernel in {@code domid}: wakes every vCPU with its IPI, joins the threads and
     * resets the domain's event channels (EVTCHNOP_reset, back to 2-level) so a new kernel
     * finds the domain clean, as a kexec'd Linux does.
     *
     * @throws GuestException when no kernel runs there
     */
    void stop(int domid);

    /**
     * Suspends the kernel in {@code domid} for xl save: its vCPUs stop, and its event channels
     * and the ABI in use stay as they are (no reset), as a suspended Linux leaves them.
     *
     * @throws GuestException when no kernel runs there
     */
    void suspend(int domid);

    /** The kernel running in {@code domid}, if any. */
    Optional<GuestKernel> kernel(int domid);

    /** Every running kernel, by domid. */
    List<GuestKernel> kernels();

    /**
     * Sets up an interdomain channel ({@code from} allocates an unbound port for {@code to},
     * {@code to} binds it and echoes every event back), runs {@code count} sequential round
     * trips each awaited for at most {@code timeoutPerRoundTrip}, then closes both ports.
     *
     * An echo that misses its timeout is waited for a while longer (at most
     * {@link #LATE_WAIT} over the whole run) and counted late, not lost, when it comes; the next
     * round trip is sent only then, so no two pings merge into one pending event.
     *
     * @throws GuestException when either kernel is not running or the channel cannot be set up
     */
    default PingResult ping(int from, int to, int count, Duration timeoutPerRoundTrip) {
        return ping(from, to, count, timeoutPerRoundTrip, LATE_WAIT);
    }

    /** How long one ping run waits, in all, for echoes that missed their timeout. */
    Duration LATE_WAIT = Duration.ofSeconds(30);

    /**
     * {@link #ping(int, int, int, Duration)} with its own budget for late echoes: after
     * {@code lateWait} in all (zero: none), an echo that missed its timeout is lost unless it has
     * arrived by the time the next round trip starts, or by the end of the run.
     */
    PingResult ping(int from, int to, int count, Duration timeoutPerRoundTrip, Duration lateWait);

    /**
     * The statistics of the kernel in {@code domid}.
     *
     * @throws GuestException when no kernel runs there
     */
    GuestStats stats(int domid);

    /**
     * {@code from} asks for grant-table {@code version} (keeping v1 if refused, as Linux does),
     * fills {@code pages} pages with a known pattern and grants each to {@code to}; {@code to}
     * maps or copies each and checks the bytes; then the mappings go and {@code from} ends
     * access and reclaims every page.
     *
     * @throws GuestException when either kernel is not running (one line naming the domain)
     */
    ShareResult share(int from, int to, int pages, int version, ShareMode mode);

    /**
     * The hibernation bug of the seed thread, replayed: a guest first booted with
     * {@code firstBoot} hibernates; a new domain permitted {@code permit} boots a FIFO-capable
     * boot kernel, which hands over to the resumed kernel either directly ({@code kexec} false:
     * hibernate-resume) or after EVTCHNOP_reset ({@code kexec} true); then {@code count} round
     * trips run between the resumed guest and a peer. The domains are destroyed afterwards.
     */
    ScenarioResult handover(AbiMode firstBoot, long permit, boolean kexec, int count);
}
