package io.xenabi.domain;

import java.nio.file.Path;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Domain control, as Xen's domctl: the toolstack creates, pauses, shuts down, saves, restores
 * and destroys domains. A bad request is answered with a {@link DomainException} whose message
 * names the cause, leaving everything unchanged.
 */
@ProviderType
public interface DomainControl {
    /** Creates a domain and returns its id. */
    int create(DomainConfig config);

    /** Destroys a domain: its ports are closed (peers see them unbound) and its memory freed. */
    void destroy(int domid);

    /**
     * A configuration named {@code name} with the host's defaults (ConfigAdmin PID
     * {@code io.xenabi.host}): default permitted variants and limits, one vCPU, 128 MiB.
     */
    DomainConfig defaults(String name);

    /**
     * Pauses a running domain: its vCPUs stop at their next hypercall until unpaused. The pause
     * is counted apart from the shutdown state (Xen's {@code controller_pause_count}): a guest
     * that shuts down meanwhile stays shut down through the unpause.
     */
    void pause(int domid);

    /** Unpauses a paused domain. */
    void unpause(int domid);

    /**
     * Shuts a domain down with a SHUTDOWN_* reason, as if its guest had asked
     * ({@code SCHEDOP_shutdown}); the domain stays until destroyed.
     */
    void shutdown(int domid, int reason);

    /**
     * Sets a port pending from outside the guest, as QEMU's {@code xen-event-inject} does.
     * Returns 0, {@code -EINVAL} for an invalid port, or {@code -ENOENT} for a closed one.
     */
    int inject(int domid, int port);

    /**
     * xl save: pauses the domain, writes a self-describing, versioned, checksummed image of it
     * (configuration with the permit bitmap, the permit set fixed at creation by variant name
     * and bit, guest RAM, shared_info, the variants in use and the toolstack's {@code notes}) to
     * {@code file}, then destroys it.
     */
    void save(int domid, Path file, Map<String, String> notes);

    /**
     * xl restore: checks the image whole (truncation, checksum, version, the variants its
     * guest used being present and permitted here) and only then creates the domain again,
     * on the base ABIs, with its memory and its permit set, which no host widens (this host's
     * maximum may narrow it; a permitted variant absent here stays in it); the guest runs its
     * resume path. Images of the previous version are read too. Throws naming the cause in one
     * line, having created nothing.
     */
    Restored restore(Path file);
}
