package io.xenabi.gnttab;

import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One domain's grant table as a version sees it: the shared frames (and, for versions that
 * have them, the status frames) that domain-core allocates and the guest maps into its
 * physmap. A version reads and changes entries only through these pages.
 */
@ProviderType
public interface GrantTable {
    int domid();

    /** The guest's RAM (for copy and transfer targets). */
    GuestMemory memory();

    /** Shared frames in use now. */
    int nrFrames();

    /** Shared frame {@code i}, 0 &lt;= i &lt; {@link #nrFrames()}. */
    GuestPage sharedFrame(int i);

    /** Status frames in use now (0 for a version without them). */
    int nrStatusFrames();

    /** Status frame {@code i}, 0 &lt;= i &lt; {@link #nrStatusFrames()}. */
    GuestPage statusFrame(int i);
}
