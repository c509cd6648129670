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
 * @param abiPermit capability bitmap of permitted advanced variants
 */
public record DomainConfig(String name, int vcpus, long memoryMiB, int maxEventChannels, long abiPermit) {
    /** xl's default {@code max_event_channels} (tools/libs/light/libxl_create.c). */
    public static final int DEFAULT_MAX_EVENT_CHANNELS = 1023;
    public static final long DEFAULT_MEMORY_MIB = 128;
    /** vCPUs whose vcpu_info lives in shared_info ({@code XEN_LEGACY_MAX_VCPUS}). */
    public static final int MAX_VCPUS = 32;

    /** A domain named {@code name} with one vCPU, 128 MiB, xl's limits and every variant permitted. */
    public static DomainConfig named(String name) {
        return new DomainConfig(name, 1, DEFAULT_MEMORY_MIB, DEFAULT_MAX_EVENT_CHANNELS, AbiCapability.ALL);
    }

    public DomainConfig withVcpus(int v) {
        return new DomainConfig(name, v, memoryMiB, maxEventChannels, abiPermit);
    }

    public DomainConfig withMemoryMiB(long m) {
        return new DomainConfig(name, vcpus, m, maxEventChannels, abiPermit);
    }

    public DomainConfig withMaxEventChannels(int n) {
        return new DomainConfig(name, vcpus, memoryMiB, n, abiPermit);
    }

    public DomainConfig withAbiPermit(long bitmap) {
        return new DomainConfig(name, vcpus, memoryMiB, maxEventChannels, bitmap);
    }
}
