package io.xenabi.domain;

import io.xenabi.abi.AbiCapability;

/**
 * What the toolstack fixes when it creates a domain. Limits follow xl's defaults; the permit
 * bitmap is xenabi's positive, unordered set of advanced ABI variants the guest may use
 * (see {@link AbiCapability}).
 *
 * @param name unique name, as in xl.cfg
 * @param vcpus number of vCPUs, 1 .. {@value #MAX_VCPUS}
 * @param memoryMiB guest RAM in MiB
 * @param maxEventChannels highest port number the guest may use (xl's
 *     {@code max_event_channels}, default {@value #DEFAULT_MAX_EVENT_CHANNELS})
 * @param maxGrantFrames the most grant-table frames (xl's {@code max_grant_frames})
 * @param maxMaptrackFrames the most maptrack frames (xl's {@code max_maptrack_frames})
 * @param abiPermit capability bitmap of permitted advanced variants
 * @param type the guest type (xl.cfg {@code type}); PV by default, as xl
 * @param xenExtensions whether an HVM guest sees Xen's interfaces (xl.cfg
 *     {@code xen_extensions}, debugging aid); without them every event-channel and grant-table
 *     hypercall answers -ENOSYS. Always true for PV and PVH.
 * @param nativeGuest whether the guest is a native process (xl.cfg {@code native_guest}): its
 *     RAM is a shared memory file under the home's run folder and it enters through a Unix
 *     socket there (the guest bridge, docs/native-guests.md). Since 1.3.
 */
public record DomainConfig(String name, int vcpus, long memoryMiB, int maxEventChannels, int maxGrantFrames,
        int maxMaptrackFrames, long abiPermit, DomainType type, boolean xenExtensions, boolean nativeGuest) {
    /** A configuration of a guest that is not a native process. */
    public DomainConfig(String name, int vcpus, long memoryMiB, int maxEventChannels, int maxGrantFrames,
            int maxMaptrackFrames, long abiPermit, DomainType type, boolean xenExtensions) {
        this(name, vcpus, memoryMiB, maxEventChannels, maxGrantFrames, maxMaptrackFrames, abiPermit, type,
                xenExtensions, false);
    }

    /** A PV configuration with the given limits and permit bitmap. */
    public DomainConfig(String name, int vcpus, long memoryMiB, int maxEventChannels, int maxGrantFrames,
            int maxMaptrackFrames, long abiPermit) {
        this(name, vcpus, memoryMiB, maxEventChannels, maxGrantFrames, maxMaptrackFrames, abiPermit, DomainType.PV,
                true);
    }

    /** xl's default {@code max_event_channels} (tools/libs/light/libxl_create.c). */
    public static final int DEFAULT_MAX_EVENT_CHANNELS = 1023;
    /** Xen's default {@code gnttab_max_frames}. */
    public static final int DEFAULT_MAX_GRANT_FRAMES = 64;
    /** Xen's default {@code gnttab_max_maptrack_frames}. */
    public static final int DEFAULT_MAX_MAPTRACK_FRAMES = 1024;
    public static final long DEFAULT_MEMORY_MIB = 128;
    /** vCPUs whose vcpu_info lives in shared_info ({@code XEN_LEGACY_MAX_VCPUS}). */
    public static final int MAX_VCPUS = 32;

    /** A configuration with Xen's default grant-table limits. */
    public DomainConfig(String name, int vcpus, long memoryMiB, int maxEventChannels, long abiPermit) {
        this(name, vcpus, memoryMiB, maxEventChannels, DEFAULT_MAX_GRANT_FRAMES, DEFAULT_MAX_MAPTRACK_FRAMES,
                abiPermit);
    }

    /** A domain named {@code name} with one vCPU, 128 MiB, xl's limits and every variant permitted. */
    public static DomainConfig named(String name) {
        return new DomainConfig(name, 1, DEFAULT_MEMORY_MIB, DEFAULT_MAX_EVENT_CHANNELS, AbiCapability.ALL);
    }

    public DomainConfig withVcpus(int v) {
        return new DomainConfig(name, v, memoryMiB, maxEventChannels, maxGrantFrames, maxMaptrackFrames, abiPermit,
                type, xenExtensions, nativeGuest);
    }

    public DomainConfig withMemoryMiB(long m) {
        return new DomainConfig(name, vcpus, m, maxEventChannels, maxGrantFrames, maxMaptrackFrames, abiPermit,
                type, xenExtensions, nativeGuest);
    }

    public DomainConfig withMaxEventChannels(int n) {
        return new DomainConfig(name, vcpus, memoryMiB, n, maxGrantFrames, maxMaptrackFrames, abiPermit,
                type, xenExtensions, nativeGuest);
    }

    public DomainConfig withMaxGrantFrames(int n) {
        return new DomainConfig(name, vcpus, memoryMiB, maxEventChannels, n, maxMaptrackFrames, abiPermit,
                type, xenExtensions, nativeGuest);
    }

    public DomainConfig withMaxMaptrackFrames(int n) {
        return new DomainConfig(name, vcpus, memoryMiB, maxEventChannels, maxGrantFrames, n, abiPermit,
                type, xenExtensions, nativeGuest);
    }

    public DomainConfig withAbiPermit(long bitmap) {
        return new DomainConfig(name, vcpus, memoryMiB, maxEventChannels, maxGrantFrames, maxMaptrackFrames, bitmap,
                type, xenExtensions, nativeGuest);
    }

    public DomainConfig withType(DomainType t, boolean extensions) {
        return new DomainConfig(name, vcpus, memoryMiB, maxEventChannels, maxGrantFrames, maxMaptrackFrames, abiPermit,
                t, extensions, nativeGuest);
    }

    /** This configuration for a native guest process, or not. */
    public DomainConfig withNativeGuest(boolean on) {
        return new DomainConfig(name, vcpus, memoryMiB, maxEventChannels, maxGrantFrames, maxMaptrackFrames, abiPermit,
                type, xenExtensions, on);
    }

    /** Whether the guest sees Xen's event-channel and grant-table interfaces at all. */
    public boolean hasXenInterfaces() {
        return type != DomainType.HVM || xenExtensions;
    }
}
