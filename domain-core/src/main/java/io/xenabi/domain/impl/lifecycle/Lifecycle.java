package io.xenabi.domain.impl.lifecycle;

import static io.xenabi.abi.XenErrno.EINVAL;
import static io.xenabi.abi.XenErrno.ENOENT;

import io.xenabi.abi.AbiCapability;
import io.xenabi.abi.AbiVariant;
import io.xenabi.abi.SchedOp;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainException;
import io.xenabi.domain.DomainState;
import io.xenabi.domain.impl.domains.Domain;
import io.xenabi.domain.impl.domains.DomainTable;
import io.xenabi.domain.impl.domains.HostSettings;
import io.xenabi.domain.impl.domains.PermitSet;
import io.xenabi.domain.impl.domains.Port;
import io.xenabi.domain.impl.domains.Vcpu;
import io.xenabi.domain.impl.evtchn.AbiSwitch;
import io.xenabi.domain.impl.evtchn.EventChannels;
import io.xenabi.domain.impl.gnttab.GrantFrames;
import io.xenabi.domain.impl.gnttab.GrantTables;
import io.xenabi.domain.impl.variants.Variants;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

/**
 * Domain control (Xen's domctl): create, destroy, pause, unpause, shutdown and event
 * injection, each checked whole before anything changes, under the domain table's lock.
 */
public final class Lifecycle {
    private static final System.Logger LOG = System.getLogger(Lifecycle.class.getName());
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    private final DomainTable table;
    private final Variants variants;
    private final AbiSwitch abis;
    private final EventChannels evtchn;
    private final BooleanSupplier stopping;
    /** Native guests' files and the bridge's listeners. */
    public final io.xenabi.domain.impl.nativeguest.NativeGuestsImpl nativeGuests =
            new io.xenabi.domain.impl.nativeguest.NativeGuestsImpl();
    /** The host settings now: names as configured, resolved to bits when a domain is created. */
    private volatile HostSettings host = HostSettings.DEFAULT;

    public Lifecycle(DomainTable table, Variants variants, AbiSwitch abis, EventChannels evtchn,
            BooleanSupplier stopping) {
        this.table = table;
        this.variants = variants;
        this.abis = abis;
        this.evtchn = evtchn;
        this.stopping = stopping;
        // Domain-0 exists from the start: with a run folder known at boot (the home's), its RAM
        // is a file there as every Java domain's then is, so native domains can map its grants.
        if (nativeGuests.runFolder().isPresent()) {
            table.setDom0Ram(pages -> nativeGuests.javaRam(DomainTable.DOMID_0, pages));
        }
    }

    /** Applies host settings; domains created from now on see them, running ones never. */
    public void applyHostSettings(HostSettings settings) {
        for (String n : settings.permitDefault()) {
            HostSettings.permitBits(java.util.List.of(n), variants);
        }
        this.host = settings;
    }

    public DomainConfig defaults(String name) {
        return host.defaults(name, variants);
    }

    /** Whether the host maximum lets a domain created now have {@code v}. */
    public boolean hostMaxPermits(AbiVariant v) {
        return host.maxPermits(v);
    }

    /**
     * The permit set of a domain created now: (its configured bitmap ∩ the host maximum) ∩ the
     * variants present now. {@code *} (every bit) is thus every variant present, and a variant
     * that arrives later reaches only domains created after it.
     */
    private PermitSet permitNow(long configured) {
        List<AbiVariant> in = new ArrayList<>();
        for (AbiVariant v : variants.all()) {
            if (!v.isBase() && AbiCapability.permits(configured, v.capability()) && host.maxPermits(v)) {
                in.add(v);
            }
        }
        return PermitSet.of(in);
    }

    /** Creates a domain whose permit set is fixed now from its configuration. */
    public int create(DomainConfig config) {
        return create(config, null);
    }

    /**
     * Creates a domain with the permit set {@code fixed} (a restored one keeps its own), or, when
     * null, the set fixed now from its configuration.
     */
    public int create(DomainConfig config, PermitSet fixed) {
        check(config);
        synchronized (table.lock) {
            table.checkNameFree(config.name());
            if (abis.base() == null) {
                throw new DomainException("no base event-channel ABI (evtchn-2l) is installed");
            }
            int domid = table.nextFreeDomid();
            PermitSet permit = fixed != null ? fixed : permitNow(config.abiPermit());
            Domain d = config.nativeGuest() ? nativeGuests.newDomain(domid, config, DomainTable.NR_PIRQS_DOMU, permit)
                    : new Domain(domid, config, DomainTable.NR_PIRQS_DOMU, permit,
                            nativeGuests.javaRam(domid, config.memoryMiB() << (20 - io.xenabi.abi.GuestPage.PAGE_SHIFT)),
                            new io.xenabi.abi.GuestPage(), io.xenabi.domain.impl.memory.HypervisorPages.HEAP);
            d.eventLock.lock();
            try {
                abis.attachBase(d); // not yet visible: no port op can run
            } finally {
                d.eventLock.unlock();
            }
            GrantFrames.attach(d, variants, stopping);
            table.add(d);
            if (config.nativeGuest()) {
                nativeGuests.created(d);
            }
            return domid;
        }
    }

    private static void check(DomainConfig config) {
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
        if (config.maxGrantFrames() < GrantFrames.INITIAL_NR_GRANT_FRAMES || config.maxGrantFrames() > 4096) {
            throw new DomainException("max_grant_frames=" + config.maxGrantFrames() + " is outside 1..4096");
        }
        if (config.maxMaptrackFrames() < 0 || config.maxMaptrackFrames() > (1 << 20)) {
            throw new DomainException("max_maptrack_frames=" + config.maxMaptrackFrames() + " is outside 0..1048576");
        }
        if ((config.abiPermit() & ~AbiCapability.ALL) != 0) {
            throw new DomainException("abi permit bitmap 0x" + Long.toHexString(config.abiPermit())
                    + " sets bits beyond " + AbiCapability.MAX_BIT);
        }
    }

    public void destroy(int domid) {
        if (domid == DomainTable.DOMID_0) {
            throw new DomainException("Domain-0 cannot be destroyed");
        }
        Domain d = table.domain(domid);
        synchronized (table.lock) {
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
                AbiSwitch.changeOps(d, d.ops::destroy);
            }
        } finally {
            d.eventLock.unlock();
        }
        table.remove(domid);
        for (Vcpu v : d.vcpus) {
            v.kick();
        }
        if (d.config.nativeGuest()) {
            nativeGuests.destroyed(d);
        } else {
            nativeGuests.javaDestroyed(d);
        }
    }

    /** Destroys every domain but Domain-0 (the component goes away). */
    public void destroyAll() {
        for (Domain d : java.util.List.copyOf(table.all())) {
            if (d.domid != DomainTable.DOMID_0) {
                try {
                    destroy(d.domid);
                } catch (DomainException e) {
                    LOG.log(System.Logger.Level.DEBUG, e.getMessage());
                }
            }
        }
    }

    public void pause(int domid) {
        Domain d = table.domain(domid);
        synchronized (table.lock) {
            if (domid == DomainTable.DOMID_0) {
                throw new DomainException("Domain-0 cannot be paused");
            }
            DomainState now = d.state();
            if (now != DomainState.RUNNING) {
                throw new DomainException("domain " + domid + " is " + now.name().toLowerCase(Locale.ROOT)
                        + ", not running");
            }
            d.pauseCount++;
        }
    }

    public void unpause(int domid) {
        Domain d = table.domain(domid);
        synchronized (table.lock) {
            if (d.pauseCount == 0 || d.dying) {
                throw new DomainException("domain " + domid + " is not paused");
            }
            d.pauseCount--;
        }
        for (Vcpu v : d.vcpus) {
            // domain_unpause's vcpu_wake: calls waiting for the unpause go on, a vCPU blocked
            // in SCHEDOP_block or SCHEDOP_poll stays blocked (xen/common/sched/core.c)
            v.recheck();
        }
    }

    public void shutdown(int domid, int reason) {
        if (domid == DomainTable.DOMID_0) {
            throw new DomainException("Domain-0 cannot be shut down from here");
        }
        if (reason < 0 || reason > SchedOp.SHUTDOWN_watchdog) {
            throw new DomainException("shutdown reason " + reason + " is not one of SHUTDOWN_poweroff..watchdog");
        }
        table.domain(domid).shutdown(reason);
    }

    public int inject(int domid, int port) {
        Domain d = table.domain(domid);
        Port chn = d.port(port);
        if (chn == null) {
            return -EINVAL;
        }
        synchronized (chn) {
            if (!chn.isOpen()) {
                return -ENOENT;
            }
            evtchn.setPending(d, chn);
        }
        return 0;
    }
}
