package io.xenabi.domain;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The emulated hypervisor: the guest door ({@link GuestDoor}), domain control
 * ({@link DomainControl}) and the toolstack's queries ({@link HypervisorInfo}), split as Xen
 * splits hypercalls from domctl and sysctl. Guests reach it only through
 * {@link GuestDoor#hypercall}; the toolstack (shell, tests, scenarios) uses the other methods,
 * which answer a bad request with a {@link DomainException} whose message names the cause and
 * leave everything unchanged.
 *
 * <p>Domain 0 ("Domain-0", the privileged control domain) exists from the start, as in Xen.
 */
@ProviderType
public interface Hypervisor extends GuestDoor, DomainControl, HypervisorInfo {
    /** The id of the control domain. */
    int DOMID_0 = 0;
}
