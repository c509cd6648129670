package io.xenabi.domain;

import java.nio.file.Path;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The hypervisor's side of native guests (domains created with {@link DomainConfig#nativeGuest()}),
 * for the guest bridge: each such domain's RAM is a shared memory file under the run folder,
 * and its hypervisor pages (shared_info) are page files of their own there. Since 1.3.
 */
@ProviderType
public interface NativeGuests {
    /** The run folder (mode 0700) holding the domains' files and sockets, or empty when none is set up. */
    Optional<Path> runFolder();

    /** The native domain {@code domid}, or empty (no such domain, or not a native one). */
    Optional<NativeDomain> nativeDomain(int domid);

    /** Tells {@code listener} of native domains created and destroyed from now on, and of each existing one. */
    void addListener(Listener listener);

    void removeListener(Listener listener);

    /** Native domains coming and going; called on the toolstack's thread, must not block. */
    interface Listener {
        void created(NativeDomain domain);

        void destroyed(int domid);
    }
}
