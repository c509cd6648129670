package io.xenabi.domain.impl;

import static io.xenabi.abi.XenErrno.EFAULT;
import static io.xenabi.abi.XenErrno.EINVAL;
import static io.xenabi.abi.XenErrno.ENOSYS;
import static io.xenabi.abi.XenErrno.EOPNOTSUPP;
import static io.xenabi.abi.XenErrno.EPERM;
import static io.xenabi.abi.XenErrno.ESRCH;

import io.xenabi.abi.AbiCapability;
import io.xenabi.abi.AbiVariant;
import io.xenabi.abi.DomId;
import io.xenabi.abi.GuestFault;
import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.MemoryOp;
import io.xenabi.abi.SchedOp;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainException;
import io.xenabi.domain.DomainInfo;
import io.xenabi.domain.DomainState;
import io.xenabi.domain.Hypervisor;
import io.xenabi.domain.PortInfo;
import io.xenabi.domain.Restored;
import io.xenabi.evtchn.EvtchnPortOps;
import io.xenabi.evtchn.EvtchnVariant;
import io.xenabi.gnttab.GrantEntry;
import io.xenabi.gnttab.GrantFlags;
import io.xenabi.gnttab.GrantVersion;
import io.xenabi.domain.GrantInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The emulated hypervisor: domains, the hypercall door, and the choice of ABI variant per
 * domain from the variant services present and the domain's permit bitmap.
 */
@Component(service = {Hypervisor.class, io.xenabi.domain.GuestDoor.class, io.xenabi.domain.DomainControl.class,
        io.xenabi.domain.HypervisorInfo.class}, immediate = true, configurationPid = HostConfig.PID)
@Designate(ocd = HostConfig.class)
public final class HypervisorImpl implements Hypervisor {
    private static final System.Logger LOG = System.getLogger(HypervisorImpl.class.getName());
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    /** The Xen version xenabi presents to XENVER_version: 4.19. */
    static final int XEN_VERSION = (4 << 16) | 19;
    static final int XENVER_version = 0;
    /** x86 nr_static_irqs (nr_irqs_gsi, 24 on a typical IO-APIC) + DEFAULT_EXTRA_DOMU_IRQS (32). */
    static final int NR_PIRQS_DOMU = 24 + 32;
    static final int NR_PIRQS_HWDOM = 256;
    static final long DOM0_MEMORY_MIB = 64;
    /** Xen's INITIAL_NR_GRANT_FRAMES. */
    static final int INITIAL_NR_GRANT_FRAMES = 1;

    /** Every domain by domid: looked up on each hypercall, so a hash map (list() sorts). */
    private final Map<Integer, Domain> domains = new java.util.concurrent.ConcurrentHashMap<>();
    private final Variants variants = new Variants();
    /** Hypercalls that failed inside xenabi (a bug): counted for the fuzz tests, logged. */
    final java.util.concurrent.atomic.AtomicLong internalErrors = new java.util.concurrent.atomic.AtomicLong();
    private final EventChannels evtchn = new EventChannels(this);
    private final GrantTables gnttab = new GrantTables(this);
    private final long bootNanos = System.nanoTime();
    private final Object createLock = new Object();
    /** The host settings now: names as configured, resolved to bits when a domain is created. */
    private volatile HostSettings host = HostSettings.DEFAULT;
    private int nextDomid = 1;

    public HypervisorImpl() {
        Domain dom0 = new Domain(DOMID_0, new DomainConfig("Domain-0", 1, DOM0_MEMORY_MIB,
                DomainConfig.DEFAULT_MAX_EVENT_CHANNELS, 0), NR_PIRQS_HWDOM);
        domains.put(DOMID_0, dom0);
    }

    /** Host settings as configured (ConfigAdmin PID io.xenabi.host). */
    record HostSettings(List<String> permitDefault, List<String> permitMax, int maxEventChannels,
            int maxGrantFrames, int maxMaptrackFrames) {
        static final HostSettings DEFAULT = new HostSettings(List.of("*"), List.of("*"),
                DomainConfig.DEFAULT_MAX_EVENT_CHANNELS, DomainConfig.DEFAULT_MAX_GRANT_FRAMES,
                DomainConfig.DEFAULT_MAX_MAPTRACK_FRAMES);
    }

    /** The framework, when running in one: a stopping framework brings no new implementations. */
    private volatile org.osgi.framework.BundleContext context;

    @Activate
    void activate(HostConfig config, org.osgi.framework.BundleContext context) {
        this.context = context;
        variants.setNewer((a, b) -> {
            int c = bundleVersion(a.bundleId()).compareTo(bundleVersion(b.bundleId()));
            return c != 0 ? c : Long.compare(a.bundleId(), b.bundleId());
        });
        configure(config);
    }

    private org.osgi.framework.Version bundleVersion(long id) {
        org.osgi.framework.BundleContext c = context;
        org.osgi.framework.Bundle b = c == null || id < 0 ? null : c.getBundle(id);
        return b == null ? org.osgi.framework.Version.emptyVersion : b.getVersion();
    }

    private boolean frameworkStopping() {
        org.osgi.framework.BundleContext c = context;
        if (c == null) {
            return false;
        }
        try {
            return c.getBundle(0).getState() == org.osgi.framework.Bundle.STOPPING
                    || c.getBundle().getState() == org.osgi.framework.Bundle.STOPPING;
        } catch (IllegalStateException e) {
            return true; // our context is no longer valid
        }
    }

    @Modified
    void configure(HostConfig config) {
        applyHostSettings(new HostSettings(names(config.abi_permit_default()), names(config.abi_permit_max()),
                config.max_event_channels(), config.max_grant_frames(), config.max_maptrack_frames()));
    }

    /** Applies host settings; domains created from now on see them, running ones never. */
    public void applyHostSettings(HostSettings settings) {
        for (String n : settings.permitDefault()) {
            permitBits(List.of(n));
        }
        this.host = settings;
    }

    /** Splits configured values at commas too: a .cfg file gives one string. */
    private static List<String> names(String[] values) {
        List<String> out = new ArrayList<>();
        for (String v : values == null ? new String[0] : values) {
            for (String part : v.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
        }
        return out;
    }

    /**
     * The bitmap of variant names: "*" is every bit; a stable public name or a variant present
     * now gives its bit; an unknown name is reported and permits nothing.
     */
    long permitBits(List<String> names) {
        long bits = 0;
        for (String n : names) {
            if (n.equals("*")) {
                return AbiCapability.ALL;
            }
            int bit = AbiCapability.bitOf(n);
            if (bit == -2) {
                bit = variants.all().stream().filter(v -> v.qualifiedName().equals(n)).mapToInt(AbiVariant::capability)
                        .findFirst().orElse(-2);
            }
            if (bit == -2) {
                LOG.log(System.Logger.Level.WARNING, "host configuration names an unknown ABI variant: " + n);
            } else if (bit != AbiCapability.BASE) {
                bits |= AbiCapability.mask(bit);
            }
        }
        return bits;
    }

    @Override
    public DomainConfig defaults(String name) {
        HostSettings h = host;
        return new DomainConfig(name, 1, DomainConfig.DEFAULT_MEMORY_MIB, h.maxEventChannels(), h.maxGrantFrames(),
                h.maxMaptrackFrames(), permitBits(h.permitDefault()));
    }

    // ---------------------------------------------------------------- variants

    @Reference(service = EvtchnVariant.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    public void addEvtchnVariant(EvtchnVariant service, Map<String, Object> properties) {
        Variants.Added added = variants.offer(AbiVariant.FAMILY_EVTCHN, service, properties);
        AbiVariant v = added.variant();
        if (added.replaced() != null && !frameworkStopping()) {
            suspendDomainsOn(added.replaced().variant()); // a newer implementation takes over
        }
        if (v != null) {
            resumeWaiting(v, service);
        }
        if (v != null && v.isBase()) {
            for (Domain d : domains.values()) {
                d.eventLock.lock();
                try {
                    if (d.ops == null && d.evtchnVariant == null) {
                        changeOps(d, () -> attachBase(d));
                    }
                } finally {
                    d.eventLock.unlock();
                }
            }
        }
    }

    public void removeEvtchnVariant(EvtchnVariant service, Map<String, Object> properties) {
        Variants.Removed removed = variants.withdraw(service);
        AbiVariant gone = removed.variant();
        if (gone == null || frameworkStopping()) {
            // While the framework stops no implementation comes back: domains keep the one they
            // have so their guests can still shut down cleanly.
            return;
        }
        suspendDomainsOn(gone);
        if (removed.promoted() != null) {
            resumeWaiting(gone, (EvtchnVariant) removed.promoted().service());
        }
    }

    /**
     * Hot swap, first half: every domain on {@code gone}'s implementation hands its state over
     * and waits; sends to it are held from now on.
     */
    private void suspendDomainsOn(AbiVariant gone) {
        for (Domain d : domains.values()) {
            d.eventLock.lock();
            try {
                if (d.ops != null && d.evtchnVariant != null && d.evtchnVariant.equals(gone)) {
                    changeOps(d, () -> {
                        d.handoverState = d.ops.exportState();
                        d.ops.destroy();
                        d.ops = null;
                    });
                }
            } finally {
                d.eventLock.unlock();
            }
        }
    }

    /**
     * Hot swap, second half: domains waiting for {@code v} import their state into the new
     * implementation and the sends held meanwhile are replayed in order.
     */
    private void resumeWaiting(AbiVariant v, EvtchnVariant service) {
        for (Domain d : domains.values()) {
            d.eventLock.lock();
            try {
                if (!d.waitingForVariant() || !d.evtchnVariant.qualifiedName().equals(v.qualifiedName())) {
                    continue;
                }
                EvtchnPortOps imported;
                try {
                    imported = service.importState(d, d.handoverState);
                } catch (IllegalArgumentException e) {
                    LOG.log(System.Logger.Level.ERROR, "domain " + d.domid + " cannot take over its "
                            + v.qualifiedName() + " state: " + e.getMessage() + "; it keeps waiting");
                    continue;
                }
                // reopen replays the sends held meanwhile, in order, and kicks every vCPU
                changeOps(d, () -> {
                    d.ops = imported;
                    d.evtchnVariant = v;
                    d.handoverState = null;
                });
            } finally {
                d.eventLock.unlock();
            }
        }
    }

    /**
     * Changes a domain's ops (event lock held): no port op runs meanwhile, and the events sent
     * meanwhile are replayed on the ops in place afterwards (see {@link Domain}).
     */
    private void changeOps(Domain d, Runnable change) {
        d.quiesce();
        try {
            change.run();
        } finally {
            d.reopen(p -> checkPollers(d, p.port()));
        }
    }

    @Reference(service = GrantVersion.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    public void addGrantVersion(GrantVersion service, Map<String, Object> properties) {
        Variants.Added added = variants.offer(AbiVariant.FAMILY_GNTTAB, service, properties);
        AbiVariant v = added.variant();
        if (v != null) {
            takeOverGrants(v, service, added.replaced() != null);
        }
        if (v != null && v.isBase()) {
            for (Domain d : domains.values()) {
                attachGrantTable(d);
            }
        }
    }

    public void removeGrantVersion(GrantVersion service, Map<String, Object> properties) {
        Variants.Removed removed = variants.withdraw(service);
        AbiVariant gone = removed.variant();
        if (gone == null || frameworkStopping()) {
            return;
        }
        if (removed.promoted() != null) {
            takeOverGrants(gone, (GrantVersion) removed.promoted().service(), true);
            return;
        }
        // Versions keep no state of their own: tables on the leaving version only hold their
        // operations until the next implementation of it arrives.
        for (Domain d : domains.values()) {
            Grants g = d.grants;
            if (g != null && gone.equals(g.variant)) {
                g.lock.lock();
                try {
                    g.beginSwap();
                } finally {
                    g.lock.unlock();
                }
            }
        }
    }

    /**
     * Tables on {@code v} go on with {@code service}: those waiting for it, and with
     * {@code all} every one (a newer implementation replaces the running one).
     */
    private void takeOverGrants(AbiVariant v, GrantVersion service, boolean all) {
        for (Domain d : domains.values()) {
            Grants g = d.grants;
            if (g != null && v.equals(g.variant)) {
                g.lock.lock();
                try {
                    if (g.swapping() || all) {
                        g.variant = v;
                        g.endSwap(service);
                    }
                } finally {
                    g.lock.unlock();
                }
            }
        }
    }

    <S> List<Variants.Impl<S>> variantsOf(String family, Class<S> type) {
        return variants.of(family);
    }

    /** Gives a domain its grant table (v1, one frame) once a base version is present. */
    private void attachGrantTable(Domain d) {
        Variants.Impl<GrantVersion> base = variants.base(AbiVariant.FAMILY_GNTTAB);
        if (base == null || d.grants != null) {
            return;
        }
        Grants g = new Grants(d, d.config.maxGrantFrames(), d.config.maxMaptrackFrames());
        g.abandon = this::frameworkStopping;
        g.version = base.service();
        g.variant = base.variant();
        g.grow(INITIAL_NR_GRANT_FRAMES);
        d.grants = g;
    }

    /** The service implementing a variant now, or null (tests, abi:list). */
    <S> S serviceOf(String family, String name) {
        Variants.Impl<S> i = variants.get(family, name);
        return i == null ? null : i.service();
    }

    /** Problems met while tracking variant services, oldest first. */
    public List<String> refusals() {
        return variants.refusals();
    }

    @Override
    public List<String> refusedVariants() {
        return variants.refusals();
    }

    @Override
    public List<io.xenabi.domain.VariantInfo> variantInfo() {
        List<io.xenabi.domain.VariantInfo> out = new ArrayList<>();
        for (Variants.Impl<?> i : variants.impls()) {
            AbiVariant v = i.variant();
            List<Integer> users = new ArrayList<>();
            for (Domain d : domains.values()) {
                AbiVariant inUse = v.family().equals(AbiVariant.FAMILY_EVTCHN) ? d.evtchnVariant
                        : d.grants == null ? null : d.grants.variant;
                if (v.equals(inUse)) {
                    users.add(d.domid);
                }
            }
            String version = "";
            org.osgi.framework.BundleContext c = context;
            if (c != null && i.bundleId() >= 0) {
                org.osgi.framework.Bundle b = c.getBundle(i.bundleId());
                version = b == null ? "" : b.getVersion().toString();
            }
            out.add(new io.xenabi.domain.VariantInfo(v, i.bundleId(), version, List.copyOf(users), "active"));
        }
        for (Variants.Impl<?> i : variants.standby()) {
            out.add(new io.xenabi.domain.VariantInfo(i.variant(), i.bundleId(), bundleVersion(i.bundleId()).toString(),
                    List.of(), "standby"));
        }
        return out;
    }

    private Variants.Impl<EvtchnVariant> baseEvtchn() {
        return variants.base(AbiVariant.FAMILY_EVTCHN);
    }

    /** Gives a domain (event lock held, its ops quiesced) a fresh instance of the base ABI. */
    private void attachBase(Domain d) {
        Variants.Impl<EvtchnVariant> base = baseEvtchn();
        d.ops = base.service().create(d);
        d.evtchnVariant = base.variant();
        if (d.port(0) == null) {
            d.allocatePort(0);
            d.port(0).state = Port.ECS_RESERVED;
            d.activePorts.set(0);
        }
    }

    /**
     * Whether EVTCHNOP_reset can take the domain back to the base ABI: it is on it already, or
     * an implementation of the base variant is present to go back to.
     */
    boolean canReturnToBaseAbi(Domain d) {
        return (d.evtchnVariant != null && d.evtchnVariant.isBase()) || baseEvtchn() != null;
    }

    /** After EVTCHNOP_reset: back to the base ABI when the domain had switched away. */
    void returnToBaseAbi(Domain d) {
        if ((d.evtchnVariant != null && d.evtchnVariant.isBase()) || baseEvtchn() == null) {
            return;
        }
        changeOps(d, () -> {
            EvtchnPortOps old = d.ops;
            attachBase(d);
            if (old != null) {
                old.destroy();
            }
            d.takeHeld(); // every port is closed: nothing to replay
        });
    }

    /**
     * An ABI-specific sub-op (EVTCHNOP_init_control, expand_array, ...): routed to the variant
     * that claims it when the domain may use it (available ∩ permitted ∩ host maximum),
     * -EOPNOTSUPP when it may not, as the xen-devel design for refused FIFO asks.
     */
    long variantSetupOp(Domain d, int vcpu, int cmd, long gpa) {
        d.eventLock.lock();
        d.quiesce();
        try {
            AbiVariant current = d.evtchnVariant;
            Variants.Impl<EvtchnVariant> inUse = current == null ? null
                    : variants.get(AbiVariant.FAMILY_EVTCHN, current.name());
            if (inUse != null && inUse.service().setupOps().contains(cmd)) {
                return d.ops.setupOp(vcpu, cmd, gpa);
            }
            for (Variants.Impl<EvtchnVariant> cand : variants.<EvtchnVariant>of(AbiVariant.FAMILY_EVTCHN)) {
                if (!cand.service().setupOps().contains(cmd) || !permits(d, cand.variant())) {
                    continue;
                }
                EvtchnPortOps fresh = cand.service().create(d);
                long rc;
                try {
                    rc = fresh.setupOp(vcpu, cmd, gpa);
                } catch (RuntimeException e) {
                    fresh.destroy();
                    throw e;
                }
                if (rc < 0) {
                    fresh.destroy();
                    return rc;
                }
                switchAbi(d, fresh, cand.variant());
                return rc;
            }
            return EventChannels.unsupported(cmd);
        } finally {
            d.reopen(p -> checkPollers(d, p.port()));
            d.eventLock.unlock();
        }
    }

    /**
     * available ∩ permitted by the domain ∩ host maximum (as it was when the domain was
     * created); base variants are always permitted.
     */
    boolean permits(Domain d, AbiVariant v) {
        return v.isBase() || AbiCapability.permits(d.effectivePermit, v.capability());
    }

    /** Moves every open port to the new ABI, carrying pending events over (Xen's setup_ports). */
    private static void switchAbi(Domain d, EvtchnPortOps fresh, AbiVariant variant) {
        EvtchnPortOps old = d.ops;
        for (int p = 1; p < d.validPorts(); p++) {
            Port chn = d.port(p);
            if (chn.isOpen()) {
                fresh.adopt(chn, old.isPending(chn));
            }
        }
        d.ops = fresh;
        d.evtchnVariant = variant;
        old.destroy();
    }

    // ---------------------------------------------------------------- toolstack

    @Override
    public int create(DomainConfig config) {
        if (config == null) {
            throw new DomainException("no domain configuration given");
        }
        if (config.name() == null || !NAME.matcher(config.name()).matches()) {
            throw new DomainException("invalid domain name '" + config.name()
                    + "': use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit");
        }
        if (config.vcpus() < 1 || config.vcpus() > DomainConfig.MAX_VCPUS) {
            throw new DomainException("vcpus=" + config.vcpus() + " is outside 1.." + DomainConfig.MAX_VCPUS);
        }
        if (config.memoryMiB() < 1 || config.memoryMiB() > (1L << 20)) {
            throw new DomainException("memory=" + config.memoryMiB() + " MiB is outside 1..1048576");
        }
        if (config.maxEventChannels() < 1 || config.maxEventChannels() >= Domain.MAX_PORTS) {
            throw new DomainException("max_event_channels=" + config.maxEventChannels() + " is outside 1.."
                    + (Domain.MAX_PORTS - 1));
        }
        if (config.maxGrantFrames() < INITIAL_NR_GRANT_FRAMES || config.maxGrantFrames() > 4096) {
            throw new DomainException("max_grant_frames=" + config.maxGrantFrames() + " is outside 1..4096");
        }
        if (config.maxMaptrackFrames() < 0 || config.maxMaptrackFrames() > (1 << 20)) {
            throw new DomainException("max_maptrack_frames=" + config.maxMaptrackFrames() + " is outside 0..1048576");
        }
        if ((config.abiPermit() & ~AbiCapability.ALL) != 0) {
            throw new DomainException("abi permit bitmap 0x" + Long.toHexString(config.abiPermit())
                    + " sets bits beyond " + AbiCapability.MAX_BIT);
        }
        synchronized (createLock) {
            for (Domain d : domains.values()) {
                if (d.name().equals(config.name())) {
                    throw new DomainException("a domain named '" + config.name() + "' already exists (domid "
                            + d.domid + ")");
                }
            }
            if (baseEvtchn() == null) {
                throw new DomainException("no base event-channel ABI (evtchn-2l) is installed");
            }
            int domid = nextFreeDomid();
            Domain d = new Domain(domid, config, NR_PIRQS_DOMU);
            d.effectivePermit = config.abiPermit() & permitBits(host.permitMax());
            d.eventLock.lock();
            try {
                attachBase(d); // not yet visible: no port op can run
            } finally {
                d.eventLock.unlock();
            }
            attachGrantTable(d);
            domains.put(domid, d);
            return domid;
        }
    }

    private int nextFreeDomid() {
        for (int tries = 0; tries < DomId.DOMID_FIRST_RESERVED; tries++) {
            int id = nextDomid;
            nextDomid = nextDomid + 1 >= DomId.DOMID_FIRST_RESERVED ? 1 : nextDomid + 1;
            if (!domains.containsKey(id)) {
                return id;
            }
        }
        throw new DomainException("no free domain id left");
    }

    @Override
    public void destroy(int domid) {
        if (domid == DOMID_0) {
            throw new DomainException("Domain-0 cannot be destroyed");
        }
        Domain d = domain(domid);
        synchronized (createLock) {
            if (d.dying) {
                throw new DomainException("domain " + domid + " is already being destroyed");
            }
            d.dying = true;
        }
        for (int p = d.validPorts() - 1; p > 0; p--) {
            evtchn.close(d, p, false);
        }
        GrantTables.releaseMappings(d);
        d.eventLock.lock();
        try {
            if (d.ops != null) {
                changeOps(d, d.ops::destroy);
            }
        } finally {
            d.eventLock.unlock();
        }
        domains.remove(domid);
        for (Vcpu v : d.vcpus) {
            v.kick();
        }
    }

    @Override
    public void pause(int domid) {
        Domain d = domain(domid);
        synchronized (createLock) {
            if (domid == DOMID_0) {
                throw new DomainException("Domain-0 cannot be paused");
            }
            DomainState now = d.state();
            if (now != DomainState.RUNNING) {
                throw new DomainException("domain " + domid + " is " + now.name().toLowerCase(java.util.Locale.ROOT)
                        + ", not running");
            }
            d.pauseCount++;
        }
    }

    @Override
    public void unpause(int domid) {
        Domain d = domain(domid);
        synchronized (createLock) {
            if (d.pauseCount == 0 || d.dying) {
                throw new DomainException("domain " + domid + " is not paused");
            }
            d.pauseCount--;
        }
        for (Vcpu v : d.vcpus) {
            v.kick();
        }
    }

    @Override
    public void shutdown(int domid, int reason) {
        if (domid == DOMID_0) {
            throw new DomainException("Domain-0 cannot be shut down from here");
        }
        if (reason < 0 || reason > SchedOp.SHUTDOWN_watchdog) {
            throw new DomainException("shutdown reason " + reason + " is not one of SHUTDOWN_poweroff..watchdog");
        }
        shutdown(domain(domid), reason);
    }

    /** domain_shutdown: the domain stops running; its vCPUs are woken to find it so. */
    private static void shutdown(Domain d, int reason) {
        d.shutdownReason = reason;
        d.shuttingDown = true; // after the code: whoever sees it shut down sees why
        for (Vcpu w : d.vcpus) {
            w.kick();
        }
    }

    /**
     * SHUTDOWN_soft_reset, with the toolstack's part done at once (libxl calls
     * XEN_DOMCTL_soft_reset and unpauses): every event channel closed and the domain back on the
     * base ABI, as Xen's domain_soft_reset does; the grant table, the domain's id and its permit
     * bitmap are kept (Xen only warns about active grants).
     */
    private long softReset(Domain d) {
        if (!canReturnToBaseAbi(d)) {
            return -io.xenabi.abi.XenErrno.EAGAIN;
        }
        for (int p = d.validPorts() - 1; p > 0; p--) {
            evtchn.close(d, p, false);
        }
        d.eventLock.lock();
        try {
            returnToBaseAbi(d);
        } finally {
            d.eventLock.unlock();
        }
        d.shutdownReason = SchedOp.SHUTDOWN_soft_reset;
        return 0;
    }

    @Override
    public void save(int domid, java.nio.file.Path file, Map<String, String> notes) {
        if (domid == DOMID_0) {
            throw new DomainException("Domain-0 cannot be saved");
        }
        Domain d = domain(domid);
        DomainState before = d.state();
        boolean paused = before == DomainState.PAUSED;
        if (before == DomainState.RUNNING) {
            pause(domid);
        }
        try {
            java.util.Set<GuestPage> hypervisorPages = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            hypervisorPages.add(d.sharedInfo);
            Grants g = d.grants;
            if (g != null) {
                g.enter();
                try {
                    for (int i = 0; i < g.nrFrames(); i++) {
                        hypervisorPages.add(g.sharedFrame(i));
                    }
                    for (int i = 0; i < g.nrStatusFrames(); i++) {
                        hypervisorPages.add(g.statusFrame(i));
                    }
                } finally {
                    g.lock.unlock();
                }
                for (int h : g.handlesInUse()) {
                    Grants.Mapping m = g.mapping(h);
                    if (m != null && (m.flags & io.xenabi.gnttab.GrantFlags.GNTMAP_host_map) != 0) {
                        hypervisorPages.add(d.memory.page(m.hostGfn)); // a foreign page, not ours to save
                    }
                }
            }
            List<GuestMemory.Mapped> ram = new ArrayList<>();
            for (GuestMemory.Mapped m : d.memory.presentPages()) {
                if (!hypervisorPages.contains(m.page())) {
                    ram.add(m);
                }
            }
            Map<String, String> used = new java.util.LinkedHashMap<>();
            used.put(AbiVariant.FAMILY_EVTCHN, d.evtchnVariant == null ? "-" : d.evtchnVariant.name());
            used.put(AbiVariant.FAMILY_GNTTAB, g == null ? "-" : g.variant.name());
            SaveImage.write(file, d.config, used, notes == null ? Map.of() : notes, d.sharedInfo, ram);
        } catch (java.io.IOException e) {
            if (!paused) {
                unpause(domid);
            }
            throw new DomainException("cannot write " + file + ": " + SaveImage.cause(e));
        }
        destroy(domid);
    }

    @Override
    public Restored restore(java.nio.file.Path file) {
        SaveImage.Contents img = SaveImage.read(file);
        DomainConfig config = img.config();
        long effective = config.abiPermit() & permitBits(host.permitMax());
        for (Map.Entry<String, String> e : img.used().entrySet()) {
            Variants.Impl<Object> v = variants.get(e.getKey(), e.getValue());
            String q = e.getKey() + "-" + e.getValue();
            if (e.getValue().equals("-")) {
                continue;
            }
            if (v == null) {
                throw new DomainException("the image's guest used " + q + ", which this host does not have");
            }
            if (!v.variant().isBase() && !AbiCapability.permits(effective, v.variant().capability())) {
                throw new DomainException("the image's guest used " + q + ", which this host does not permit");
            }
        }
        for (Domain d : domains.values()) {
            if (d.name().equals(config.name())) {
                throw new DomainException("a domain named '" + config.name() + "' already exists (domid " + d.domid
                        + ")");
            }
        }
        for (long gfn : img.gfns()) {
            if (gfn < 0 || gfn >= (config.memoryMiB() << 8)) {
                throw new DomainException("the image has a page at gfn " + gfn + " beyond its memory: corrupted");
            }
        }
        int domid = create(config);
        Domain d = domains.get(domid);
        for (int i = 0; i < img.gfns().size(); i++) {
            d.memory.page(img.gfns().get(i)).write(0, img.pages().get(i), 0, GuestPage.PAGE_SIZE);
        }
        d.sharedInfo.write(0, img.sharedInfo(), 0, GuestPage.PAGE_SIZE);
        return new Restored(domid, img.notes(), img.used());
    }

    @Override
    public List<DomainInfo> list() {
        List<DomainInfo> out = new ArrayList<>();
        for (Domain d : domains.values()) {
            out.add(infoOf(d));
        }
        out.sort(Comparator.comparingInt(DomainInfo::domid));
        return out;
    }

    @Override
    public Optional<DomainInfo> info(int domid) {
        Domain d = domains.get(domid);
        return d == null ? Optional.empty() : Optional.of(infoOf(d));
    }

    private static DomainInfo infoOf(Domain d) {
        AbiVariant v = d.evtchnVariant;
        Grants g = d.grants;
        String abi = v == null ? "-" : d.ops == null ? "waiting:" + v.name() : v.name();
        return new DomainInfo(d.domid, d.config, d.state(), abi, d.activePorts.get(),
                d.shutdownReason, d.effectivePermit, g == null ? 0 : g.version.version());
    }

    @Override
    public int resolve(String domidOrName) {
        if (domidOrName == null || domidOrName.isBlank()) {
            throw new DomainException("no domain given");
        }
        String s = domidOrName.trim();
        if (s.chars().allMatch(Character::isDigit)) {
            int id;
            try {
                id = Integer.parseInt(s);
            } catch (NumberFormatException e) {
                throw new DomainException("no domain with id " + s);
            }
            if (!domains.containsKey(id)) {
                throw new DomainException("no domain with id " + id);
            }
            return id;
        }
        for (Domain d : domains.values()) {
            if (d.name().equals(s)) {
                return d.domid;
            }
        }
        throw new DomainException("no domain named '" + s + "'");
    }

    @Override
    public GuestMemory memory(int domid) {
        return domain(domid).memory;
    }

    @Override
    public List<PortInfo> ports(int domid) {
        Domain d = domain(domid);
        List<PortInfo> out = new ArrayList<>();
        for (int p = 1; p < d.validPorts(); p++) {
            PortInfo info = portInfo(d, d.port(p));
            if (info != null) {
                out.add(info);
            }
        }
        return out;
    }

    /** One open port as the toolstack lists it, or null when it is closed. */
    private static PortInfo portInfo(Domain d, Port chn) {
        while (true) {
            synchronized (chn) {
                if (!chn.isOpen()) {
                    return null;
                }
                EvtchnPortOps ops = d.portOps();
                if (ops != null || !d.quiescing()) {
                    boolean pending = ops != null && ops.isPending(chn);
                    boolean masked = ops == null || ops.isMasked(chn);
                    String abi = ops != null ? ops.printState(chn) : "waiting for " + d.evtchnVariant.qualifiedName();
                    int remoteDom = switch (chn.state) {
                        case Port.ECS_UNBOUND -> chn.unboundRemoteDomid;
                        case Port.ECS_INTERDOMAIN -> chn.remoteDomain.domid;
                        default -> -1;
                    };
                    return new PortInfo(chn.port(), chn.publicStatus(), chn.notifyVcpu, remoteDom,
                            chn.state == Port.ECS_INTERDOMAIN ? chn.remotePort : -1,
                            chn.state == Port.ECS_VIRQ ? chn.virq : -1, chn.state == Port.ECS_PIRQ ? chn.pirq : -1,
                            chn.priority(), pending, masked, abi);
                }
            }
            d.awaitQuiesced();
        }
    }

    @Override
    public int inject(int domid, int port) {
        Domain d = domain(domid);
        Port chn = d.port(port);
        if (chn == null) {
            return -EINVAL;
        }
        synchronized (chn) {
            if (!chn.isOpen()) {
                return -io.xenabi.abi.XenErrno.ENOENT;
            }
            evtchn.setPending(d, chn);
        }
        return 0;
    }

    @Override
    public List<GrantInfo> grants(int domid) {
        Grants g = domain(domid).grants;
        List<GrantInfo> out = new ArrayList<>();
        if (g == null) {
            return out;
        }
        g.enter();
        try {
            GrantVersion v = g.version;
            for (int ref = 0; ref < g.nrEntries(); ref++) {
                GrantEntry e = v.read(g, ref);
                int pins = g.mappingsOf(ref);
                if (e.type() == GrantFlags.GTF_invalid && pins == 0) {
                    continue;
                }
                long frame = e.type() == GrantFlags.GTF_transitive ? e.transGref() : e.frame();
                out.add(new GrantInfo(ref, e.flags(), e.domid(), frame, v.version(), pins, v.statusBits(g, ref)));
            }
        } finally {
            g.lock.unlock();
        }
        return out;
    }

    @Override
    public int grantVersion(int domid) {
        Grants g = domain(domid).grants;
        return g == null ? 0 : g.version.version();
    }

    /** Hypercalls that failed inside xenabi so far (a bug each): for test harnesses such as races. */
    public long internalErrors() {
        return internalErrors.get();
    }

    /** Maptrack handles the domain holds as a mapper (tests). */
    int grantMappings(int domid) {
        Grants g = domain(domid).grants;
        return g == null ? 0 : g.mappingsInUse();
    }

    @Override
    public List<AbiVariant> variants() {
        return variants.all();
    }

    @Deactivate
    void deactivate() {
        for (Domain d : List.copyOf(domains.values())) {
            if (d.domid != DOMID_0) {
                try {
                    destroy(d.domid);
                } catch (DomainException e) {
                    LOG.log(System.Logger.Level.DEBUG, e.getMessage());
                }
            }
        }
    }

    Domain domain(int domid) {
        Domain d = domains.get(domid);
        if (d == null) {
            throw new DomainException("no domain with id " + domid);
        }
        return d;
    }

    /** Xen's rcu_lock_domain_by_any_id: DOMID_SELF names the caller. */
    Domain domainByAnyId(Domain cur, int dom) {
        if (dom == DomId.DOMID_SELF) {
            return cur;
        }
        Domain d = domains.get(dom);
        return d == null || d.dying ? null : d;
    }

    // ---------------------------------------------------------------- the door

    @Override
    public long hypercall(int domid, int vcpu, int op, long... args) {
        int n = args == null ? 0 : args.length;
        return door(domid, vcpu, op, n, n > 0 ? args[0] : 0, n > 1 ? args[1] : 0, n > 2 ? args[2] : 0);
    }

    @Override
    public long hypercall(int domid, int vcpu, int op, long arg0) {
        return door(domid, vcpu, op, 1, arg0, 0, 0);
    }

    @Override
    public long hypercall(int domid, int vcpu, int op, long arg0, long arg1) {
        return door(domid, vcpu, op, 2, arg0, arg1, 0);
    }

    @Override
    public long hypercall(int domid, int vcpu, int op, long arg0, long arg1, long arg2) {
        return door(domid, vcpu, op, 3, arg0, arg1, arg2);
    }

    /** The door with the first {@code nargs} arguments given (no op of xenabi reads more than 3). */
    private long door(int domid, int vcpu, int op, int nargs, long arg0, long arg1, long arg2) {
        Domain d = domains.get(domid);
        if (d == null || d.dying) {
            return -ESRCH;
        }
        if (vcpu < 0 || vcpu >= d.vcpus.length) {
            return -EINVAL;
        }
        if (d.state() == DomainState.PAUSED) {
            // A paused vCPU does not run: the call goes on once the toolstack unpauses.
            d.vcpus[vcpu].waitUntil(() -> d.state() != DomainState.PAUSED, Long.MAX_VALUE);
            if (d.dying) {
                return -ESRCH;
            }
        }
        if (!d.config.hasXenInterfaces()
                && (op == Hypercall.__HYPERVISOR_event_channel_op || op == Hypercall.__HYPERVISOR_grant_table_op)) {
            return -ENOSYS; // an HVM guest with Xen's extensions hidden sees neither family at all
        }
        try {
            return switch (op) {
                case Hypercall.__HYPERVISOR_event_channel_op -> nargs < 2 ? -EFAULT
                        : d.evtchnVariant == null ? -io.xenabi.abi.XenErrno.EAGAIN
                        : evtchnOp(d, vcpu, (int) arg0, arg1);
                case Hypercall.__HYPERVISOR_grant_table_op -> nargs < 3 ? -EFAULT
                        : d.grants == null ? -ENOSYS
                        : gnttab.op(d, (int) arg0, arg1, arg2);
                case Hypercall.__HYPERVISOR_sched_op -> nargs < 1 ? -EFAULT
                        : schedOp(d, vcpu, (int) arg0, arg1);
                case Hypercall.__HYPERVISOR_memory_op -> nargs < 2 ? -EFAULT
                        : memoryOp(d, (int) arg0, arg1);
                case Hypercall.__HYPERVISOR_xen_version -> nargs < 1 ? -EFAULT
                        : (int) arg0 == XENVER_version ? XEN_VERSION : -ENOSYS;
                default -> -ENOSYS;
            };
        } catch (GuestFault f) {
            return -EFAULT;
        } catch (RuntimeException e) {
            // A bug of ours must not reach the guest as an exception; Xen would BUG().
            internalErrors.incrementAndGet();
            LOG.log(System.Logger.Level.ERROR, "hypercall " + Hypercall.name(op) + " from d" + domid + "v" + vcpu
                    + " failed inside xenabi", e);
            return -EFAULT;
        }
    }

    /**
     * An event-channel op of a domain whose variant may be swapped at any moment: waits for an
     * implementation, and runs the op again when it found none after all (such an op has changed
     * nothing: the swap needs the event lock, which binds hold throughout).
     */
    private long evtchnOp(Domain d, int vcpu, int cmd, long gpa) {
        while (true) {
            if (!awaitVariant(d, vcpu)) {
                return d.dying ? -ESRCH : -io.xenabi.abi.XenErrno.EAGAIN;
            }
            long rc = evtchn.op(d, vcpu, cmd, gpa);
            if (rc != -io.xenabi.abi.XenErrno.EAGAIN || !d.waitingForVariant()) {
                return rc;
            }
        }
    }

    /**
     * A vCPU of a domain whose variant implementation is being swapped waits, as a paused one
     * does, until the new implementation has taken over; false when the domain died meanwhile.
     */
    private boolean awaitVariant(Domain d, int vcpu) {
        while (d.ops == null && !d.dying) {
            if (frameworkStopping()) {
                return false; // no implementation will come back: answer at once
            }
            d.vcpus[vcpu].waitUntil(() -> d.ops != null || d.dying, System.nanoTime() + 100_000_000L);
        }
        return !d.dying;
    }

    // ---------------------------------------------------------------- sched_op

    /** Xen system time: nanoseconds since the hypervisor started. */
    long systemTime() {
        return System.nanoTime() - bootNanos;
    }

    private long schedOp(Domain d, int vcpu, int cmd, long gpa) {
        Vcpu v = d.vcpus[vcpu];
        switch (cmd) {
            case SchedOp.SCHEDOP_yield:
                Thread.yield();
                return 0;
            case SchedOp.SCHEDOP_block:
                // vcpu_block_enable_events: enable delivery, sleep until an upcall is pending.
                d.enableEventDelivery(vcpu);
                v.waitUntil(() -> d.upcallPending(vcpu) && d.state() == DomainState.RUNNING || d.dying
                        || d.shuttingDown, Long.MAX_VALUE);
                return d.dying ? -ESRCH : 0;
            case SchedOp.SCHEDOP_shutdown: {
                int reason = GuestStruct.copyFrom(d.memory, gpa, 4).u32(SchedOp.SCHED_SHUTDOWN_REASON) & 0xFF;
                if (reason == SchedOp.SHUTDOWN_soft_reset) {
                    return softReset(d);
                }
                shutdown(d, reason);
                return 0;
            }
            case SchedOp.SCHEDOP_poll:
                return poll(d, v, gpa);
            case SchedOp.SCHEDOP_remote_shutdown:
                return remoteShutdown(d, gpa);
            default:
                return -ENOSYS;
        }
    }

    /**
     * SCHEDOP_remote_shutdown (xen/common/sched/core.c): struct sched_remote_shutdown is a
     * domid_t then an unsigned int reason. The domain is looked up by id (DOMID_SELF names none:
     * -ESRCH), and only a privileged caller may shut another down (XSM_DM_PRIV: -EPERM).
     */
    private long remoteShutdown(Domain d, long gpa) {
        GuestStruct s = GuestStruct.copyFrom(d.memory, gpa, 8);
        int dom = s.u16(0);
        Domain target = dom == DomId.DOMID_SELF ? null : domainByAnyId(d, dom);
        if (target == null) {
            return -ESRCH;
        }
        if (!d.privileged) {
            return -EPERM;
        }
        shutdown(target, s.u32(4));
        return 0;
    }

    /** Xen's do_poll (xen/common/sched/core.c). */
    private long poll(Domain d, Vcpu v, long gpa) {
        GuestStruct s = GuestStruct.copyFrom(d.memory, gpa, SchedOp.SIZEOF_SCHED_POLL);
        long portsGpa = s.u64(SchedOp.SCHED_POLL_PORTS);
        long nrPorts = s.u32AsLong(SchedOp.SCHED_POLL_NR_PORTS);
        long timeout = s.u64(SchedOp.SCHED_POLL_TIMEOUT);
        if (nrPorts > 128) {
            return -EINVAL;
        }
        d.memory.checkRange(portsGpa, nrPorts * 4);
        long kicks = v.beginWait();
        v.pollEvtchn = -1;
        setPollBit(d, v.id);
        try {
            if (d.upcallPending(v.id) && !d.upcallMasked(v.id)) {
                return 0;
            }
            int port = 0;
            for (int i = 0; i < nrPorts; i++) {
                port = d.memory.read32(portsGpa + 4L * i);
                long rc = portPoll(d, port);
                if (rc != 0) {
                    return rc > 0 ? 0 : rc;
                }
            }
            if (nrPorts == 1) {
                v.pollEvtchn = port;
            }
            long deadline = Long.MAX_VALUE;
            if (timeout != 0) {
                long left = timeout - systemTime();
                deadline = System.nanoTime() + Math.max(0, left);
            }
            v.waitUntil(() -> v.kickCount() != kicks || d.dying, deadline);
            return 0;
        } finally {
            v.pollEvtchn = 0;
            clearPollBit(d, v.id);
            v.endWait();
        }
    }

    /**
     * Xen's evtchn_port_poll: -EINVAL for an invalid port and, since Xen 4.15 ("evtchn/sched:
     * reject poll requests for unusable ports", after XSA-342), for a free or reserved one,
     * which nothing could ever set pending to end the poll; 1 when pending, else 0.
     */
    private static long portPoll(Domain d, int port) {
        Port chn = d.portIsValid(Integer.toUnsignedLong(port)) ? d.port(port) : null;
        if (chn == null) {
            return -EINVAL;
        }
        long rc = EventChannels.withOps(d, chn, o -> !chn.isOpen() ? -EINVAL : o.isPending(chn) ? 1 : 0);
        return rc == -io.xenabi.abi.XenErrno.EAGAIN ? 0 : rc; // the implementation is away: nothing reads as pending
    }

    private static void setPollBit(Domain d, int vcpu) {
        d.pollMask.getAndUpdate(m -> m | (1L << vcpu));
    }

    private static void clearPollBit(Domain d, int vcpu) {
        d.pollMask.getAndUpdate(m -> m & ~(1L << vcpu));
    }

    /** Xen's evtchn_check_pollers: wake vCPUs polling this port (or any port). */
    void checkPollers(Domain d, int port) {
        long mask = d.pollMask.get();
        while (mask != 0) {
            int id = Long.numberOfTrailingZeros(mask);
            mask &= mask - 1;
            Vcpu v = d.vcpus[id];
            int polled = v.pollEvtchn;
            if (polled <= 0 || polled == port) {
                long bit = 1L << id;
                if ((d.pollMask.getAndUpdate(m -> m & ~bit) & bit) != 0) {
                    v.pollEvtchn = 0;
                    v.kick();
                }
            }
        }
    }

    // ---------------------------------------------------------------- memory_op

    /**
     * XENMAPSPACE_grant_table (xen/common/grant_table.c, gnttab_map_frame): idx names a shared
     * frame, or with XENMAPIDX_grant_table_status a status frame (v2 only); an idx beyond the
     * table grows it up to the limit. A frame is mapped at one gfn at a time (XSA-379): mapping
     * it again moves it, and its old gfn gets a fresh page.
     */
    private static long mapGrantFrame(Domain d, long idx, long gpfn) {
        Grants g = d.grants;
        if (g == null) {
            return -EINVAL;
        }
        boolean status = (idx & MemoryOp.XENMAPIDX_grant_table_status) != 0;
        // idx is a xen_ulong_t: compared unsigned, so "negative" indexes are far beyond the table.
        long i = idx & ~MemoryOp.XENMAPIDX_grant_table_status;
        g.enter();
        try {
            GuestPage frame;
            long[] gfns;
            if (status) {
                if (Long.compareUnsigned(i, g.nrStatusFrames()) >= 0) {
                    return -EINVAL; // no status frames under v1, or beyond them
                }
                frame = g.statusFrame((int) i);
                gfns = g.statusGfn;
            } else {
                if (Long.compareUnsigned(i, g.maxFrames) >= 0 || !g.grow((int) Math.max(g.nrFrames(), i + 1))) {
                    return -EINVAL;
                }
                frame = g.sharedFrame((int) i);
                gfns = g.sharedGfn;
            }
            long old = gfns[(int) i];
            if (old != Grants.INVALID_GFN && old != gpfn) {
                d.memory.map(old, new GuestPage());
            }
            d.memory.map(gpfn, frame);
            gfns[(int) i] = gpfn;
            return 0;
        } finally {
            g.lock.unlock();
        }
    }

    private long memoryOp(Domain d, int cmd, long gpa) {
        if (cmd != MemoryOp.XENMEM_add_to_physmap) {
            return -ENOSYS;
        }
        GuestStruct s = GuestStruct.copyFrom(d.memory, gpa, MemoryOp.SIZEOF_ADD_TO_PHYSMAP);
        int dom = s.u16(MemoryOp.ADD_TO_PHYSMAP_DOMID);
        int space = s.u32(MemoryOp.ADD_TO_PHYSMAP_SPACE);
        long idx = s.u64(MemoryOp.ADD_TO_PHYSMAP_IDX);
        long gpfn = s.u64(MemoryOp.ADD_TO_PHYSMAP_GPFN);
        Domain target = domainByAnyId(d, dom);
        if (target == null) {
            return -ESRCH;
        }
        if (target != d && !d.privileged) {
            return -EPERM;
        }
        if (!target.memory.isValidGfn(gpfn)) {
            return -EINVAL;
        }
        if (space == MemoryOp.XENMAPSPACE_grant_table) {
            return mapGrantFrame(target, idx, gpfn);
        }
        if (space != MemoryOp.XENMAPSPACE_shared_info || idx != 0) {
            return -EINVAL;
        }
        target.memory.map(gpfn, target.sharedInfo);
        return 0;
    }
}
