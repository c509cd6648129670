package io.xenabi.domain;

import io.xenabi.abi.AbiVariant;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/** What the toolstack may ask of the hypervisor, as Xen's sysctl and xl's queries: snapshots only. */
@ProviderType
public interface HypervisorInfo {
    /** A snapshot of every domain, by domid. */
    List<DomainInfo> list();

    /** A snapshot of one domain. */
    Optional<DomainInfo> info(int domid);

    /** Resolves a domid or a domain name, as xl does; throws naming the unknown domain. */
    int resolve(String domidOrName);

    /** The domain's open event channels (port 0 and free ports are left out). */
    List<PortInfo> ports(int domid);

    /** The ABI variants present now, both families. */
    List<AbiVariant> variants();

    /** The grant entries in use in the domain's grant table (type set, or pinned). */
    List<GrantInfo> grants(int domid);

    /** The grant-table version the domain uses (1 until it asks for another). */
    int grantVersion(int domid);

    /** Every variant present, with its bundle and the domains using it (abi:list). */
    List<VariantInfo> variantInfo();

    /** Variant services refused (a capability bit claimed twice, a second base), oldest first. */
    List<String> refusedVariants();
}
