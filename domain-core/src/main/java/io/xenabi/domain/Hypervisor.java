package io.xenabi.domain;

import io.xenabi.abi.AbiVariant;
import io.xenabi.abi.GuestMemory;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The emulated hypervisor. Guests reach it only through {@link #hypercall}; the toolstack
 * (shell, tests, scenarios) uses the other methods, which answer a bad request with a
 * {@link DomainException} whose message names the cause and leave everything unchanged.
 *
 * <p>Domain 0 ("Domain-0", the privileged control domain) exists from the start, as in Xen.
 */
@ProviderType
public interface Hypervisor {
    /** The id of the control domain. */
    int DOMID_0 = 0;

    /** Creates a domain and returns its id. */
    int create(DomainConfig config);

    /** Destroys a domain: its ports are closed (peers see them unbound) and its memory freed. */
    void destroy(int domid);

    /** A snapshot of every domain, by domid. */
    List<DomainInfo> list();

    /** A snapshot of one domain. */
    Optional<DomainInfo> info(int domid);

    /** Resolves a domid or a domain name, as xl does; throws naming the unknown domain. */
    int resolve(String domidOrName);

    /**
     * The guest door: hypercall {@code op} issued by vCPU {@code vcpu} of {@code domid}, with
     * Xen's arguments (sub-op, then guest physical addresses of argument structs in Xen's
     * x86_64 layout). Returns Xen's result: {@code >= 0}, or a negative Xen errno. Never throws.
     */
    long hypercall(int domid, int vcpu, int op, long... args);

    /** {@link #hypercall(int, int, int, long...)} with one argument, as a register (no array). */
    default long hypercall(int domid, int vcpu, int op, long arg0) {
        return hypercall(domid, vcpu, op, new long[] {arg0});
    }

    /** {@link #hypercall(int, int, int, long...)} with two arguments, as registers (no array). */
    default long hypercall(int domid, int vcpu, int op, long arg0, long arg1) {
        return hypercall(domid, vcpu, op, new long[] {arg0, arg1});
    }

    /** {@link #hypercall(int, int, int, long...)} with three arguments, as registers (no array). */
    default long hypercall(int domid, int vcpu, int op, long arg0, long arg1, long arg2) {
        return hypercall(domid, vcpu, op, new long[] {arg0, arg1, arg2});
    }

    /** The guest's RAM, for the guest kernel model of that domain. */
    GuestMemory memory(int domid);

    /** The domain's open event channels (port 0 and free ports are left out). */
    List<PortInfo> ports(int domid);

    /**
     * Sets a port pending from outside the guest, as QEMU's {@code xen-event-inject} does.
     * Returns 0, {@code -EINVAL} for an invalid port, or {@code -ENOENT} for a closed one.
     */
    int inject(int domid, int port);

    /** The ABI variants present now, both families. */
    List<AbiVariant> variants();

    /** The grant entries in use in the domain's grant table (type set, or pinned). */
    List<GrantInfo> grants(int domid);

    /** The grant-table version the domain uses (1 until it asks for another). */
    int grantVersion(int domid);

    /**
     * A configuration named {@code name} with the host's defaults (ConfigAdmin PID
     * {@code io.xenabi.host}): default permitted variants and limits, one vCPU, 128 MiB.
     */
    DomainConfig defaults(String name);

    /** Pauses a running domain: its vCPUs stop at their next hypercall until unpaused. */
    void pause(int domid);

    /** Unpauses a paused domain. */
    void unpause(int domid);

    /**
     * Shuts a domain down with a SHUTDOWN_* reason, as if its guest had asked
     * ({@code SCHEDOP_shutdown}); the domain stays until destroyed.
     */
    void shutdown(int domid, int reason);

    /**
     * xl save: pauses the domain, writes a self-describing, versioned, checksummed image of it
     * (configuration with the permit bitmap, guest RAM, shared_info, the variants in use and
     * the toolstack's {@code notes}) to {@code file}, then destroys it.
     */
    void save(int domid, java.nio.file.Path file, java.util.Map<String, String> notes);

    /**
     * xl restore: checks the image whole (truncation, checksum, version, the variants its
     * guest used being present and permitted here) and only then creates the domain again,
     * on the base ABIs, with its memory; the guest runs its resume path. Throws naming the
     * cause in one line, having created nothing.
     */
    Restored restore(java.nio.file.Path file);

    /** Every variant present, with its bundle and the domains using it (abi:list). */
    List<VariantInfo> variantInfo();

    /** Variant services refused (a capability bit claimed twice, a second base), oldest first. */
    List<String> refusedVariants();
}
