package io.xenabi.domain.impl.domains;

import io.xenabi.abi.DomId;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainException;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Every domain by domid (Xen's domain list and {@code domid_to_domain}), the lock under which
 * domains are created, destroyed, paused and unpaused, and the hypervisor's clock. Looked up on
 * each hypercall, so a hash map (the toolstack's list sorts).
 */
public final class DomainTable {
    /** The id of the control domain. */
    public static final int DOMID_0 = 0;
    /** x86 nr_static_irqs (nr_irqs_gsi, 24 on a typical IO-APIC) + DEFAULT_EXTRA_DOMU_IRQS (32). */
    public static final int NR_PIRQS_DOMU = 24 + 32;
    public static final int NR_PIRQS_HWDOM = 256;
    public static final long DOM0_MEMORY_MIB = 64;

    private final Map<Integer, Domain> domains = new ConcurrentHashMap<>();
    /**
     * The same domains indexed by domid, for the hypercall paths' lookups (Xen's domain hash):
     * every domid is below DOMID_FIRST_RESERVED. Written with {@link #domains}, under the lock.
     */
    private final AtomicReferenceArray<Domain> byId = new AtomicReferenceArray<>(DomId.DOMID_FIRST_RESERVED);
    /** Held to create, destroy, pause and unpause: one domain lock, as Xen's domctl lock. */
    public final Object lock = new Object();
    private final long bootNanos = System.nanoTime();
    private int nextDomid = 1;

    /**
     * Domain-0's highest port: the largest ABI's (FIFO: 2^17 - 1), so the ABI in use is the
     * limit, as Xen creates dom0 with {@code max_evtchn_port = -1} (xen/arch/x86/setup.c's
     * dom0_cfg; evtchn_allocate_port then refuses only beyond the ABI's max_ports).
     */
    public static final int DOM0_MAX_EVTCHN_PORT = Domain.MAX_PORTS - 1;

    /**
     * A table holding Domain-0 ("Domain-0", privileged), which exists from the start as in Xen:
     * it may use every variant, present or future, and ports up to its ABI's limit. It has one
     * vCPU until {@link #setDom0Vcpus} says otherwise.
     */
    public DomainTable() {
        setDom0Vcpus(1);
    }

    /** Where Domain-0's RAM comes from (by its number of pages): the heap unless told otherwise. */
    private java.util.function.LongFunction<io.xenabi.abi.GuestPhysmap> dom0Ram = io.xenabi.abi.GuestPhysmap::create;

    /**
     * Domain-0's RAM from {@code ram} (a file under the run folder): at boot, as
     * {@link #setDom0Vcpus}, which makes Domain-0 again with its vCPUs.
     */
    public void setDom0Ram(java.util.function.LongFunction<io.xenabi.abi.GuestPhysmap> ram) {
        synchronized (lock) {
            dom0Ram = ram;
            setDom0Vcpus(domains.get(DOMID_0).vcpus.length);
        }
    }

    /**
     * Gives Domain-0 {@code vcpus} vCPUs, as Xen's {@code dom0_max_vcpus=} boot option fixes them
     * (xen/arch/x86/dom0_build.c, dom0_max_vcpus()): only while no other domain exists, so it is
     * a boot-time setting (the oracle's replay needs a Domain-0 like the real host's).
     */
    public void setDom0Vcpus(int vcpus) {
        if (vcpus < 1 || vcpus > DomainConfig.MAX_VCPUS) {
            throw new IllegalArgumentException("Domain-0 with " + vcpus + " vCPUs");
        }
        synchronized (lock) {
            if (domains.size() > 1) {
                throw new IllegalStateException("Domain-0's vCPUs are set at boot, before any other domain");
            }
            java.util.function.LongFunction<io.xenabi.abi.GuestPhysmap> ram =
                    dom0Ram != null ? dom0Ram : io.xenabi.abi.GuestPhysmap::create;
            add(new Domain(DOMID_0, new DomainConfig("Domain-0", vcpus, DOM0_MEMORY_MIB,
                    DOM0_MAX_EVTCHN_PORT, io.xenabi.abi.AbiCapability.ALL), NR_PIRQS_HWDOM, PermitSet.UNRESTRICTED,
                    ram.apply(DOM0_MEMORY_MIB << (20 - io.xenabi.abi.GuestPage.PAGE_SHIFT)), new io.xenabi.abi.GuestPage(),
                    io.xenabi.domain.impl.memory.HypervisorPages.HEAP));
        }
    }

    /** Xen system time: nanoseconds since the hypervisor started. */
    public long systemTime() {
        return System.nanoTime() - bootNanos;
    }

    /** The domain, or null: the door's lookup. */
    public Domain get(int domid) {
        return domid >= 0 && domid < DomId.DOMID_FIRST_RESERVED ? byId.get(domid) : null;
    }

    /** The domain, or a DomainException naming the unknown id (the toolstack's lookup). */
    public Domain domain(int domid) {
        Domain d = domains.get(domid);
        if (d == null) {
            throw new DomainException("no domain with id " + domid);
        }
        return d;
    }

    /** Xen's rcu_lock_domain_by_any_id: DOMID_SELF names the caller; a dying domain is none. */
    public Domain byAnyId(Domain cur, int dom) {
        if (dom == DomId.DOMID_SELF) {
            return cur;
        }
        Domain d = get(dom);
        return d == null || d.dying ? null : d;
    }

    public boolean contains(int domid) {
        return domains.containsKey(domid);
    }

    /** Every domain now, in no order. */
    public Collection<Domain> all() {
        return domains.values();
    }

    /** The domain named {@code name}, or null. */
    public Domain named(String name) {
        for (Domain d : domains.values()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }

    /** Throws naming the domain that already has {@code name}. */
    public void checkNameFree(String name) {
        Domain d = named(name);
        if (d != null) {
            throw new DomainException("a domain named '" + name + "' already exists (domid " + d.domid + ")");
        }
    }

    /** The next free domid, wrapping below DOMID_FIRST_RESERVED (lock held). */
    public int nextFreeDomid() {
        for (int tries = 0; tries < DomId.DOMID_FIRST_RESERVED; tries++) {
            int id = nextDomid;
            nextDomid = nextDomid + 1 >= DomId.DOMID_FIRST_RESERVED ? 1 : nextDomid + 1;
            if (!domains.containsKey(id)) {
                return id;
            }
        }
        throw new DomainException("no free domain id left");
    }

    /** Makes a new domain visible (lock held). */
    public void add(Domain d) {
        domains.put(d.domid, d);
        byId.set(d.domid, d);
    }

    public void remove(int domid) {
        if (domains.remove(domid) != null) {
            byId.set(domid, null);
        }
    }
}
