package io.xenabi.domain.impl;

import io.xenabi.abi.AbiVariant;
import io.xenabi.abi.GuestMemory;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainControl;
import io.xenabi.domain.DomainInfo;
import io.xenabi.domain.GrantInfo;
import io.xenabi.domain.GuestDoor;
import io.xenabi.domain.Hypervisor;
import io.xenabi.domain.HypervisorInfo;
import io.xenabi.domain.NativeGuests;
import io.xenabi.domain.PortInfo;
import io.xenabi.domain.Restored;
import io.xenabi.domain.VariantInfo;
import io.xenabi.domain.impl.domains.DomainTable;
import io.xenabi.domain.impl.domains.HostSettings;
import io.xenabi.domain.impl.door.Door;
import io.xenabi.domain.impl.evtchn.AbiSwitch;
import io.xenabi.domain.impl.evtchn.EventChannels;
import io.xenabi.domain.impl.evtchn.EvtchnHotSwap;
import io.xenabi.domain.impl.gnttab.GrantHotSwap;
import io.xenabi.domain.impl.gnttab.GrantTables;
import io.xenabi.domain.impl.info.Info;
import io.xenabi.domain.impl.lifecycle.Lifecycle;
import io.xenabi.domain.impl.memory.MemoryOps;
import io.xenabi.domain.impl.nativeguest.NativeGuestsImpl;
import io.xenabi.domain.impl.save.SaveRestore;
import io.xenabi.domain.impl.sched.SchedOps;
import io.xenabi.domain.impl.variants.Variants;
import io.xenabi.evtchn.EvtchnVariant;
import io.xenabi.gnttab.GrantVersion;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The emulated hypervisor as a DS component, wiring only: the domain table, the variant registry
 * and the families (event channels, grant tables, sched_op, memory_op) behind the door, lifecycle,
 * save images and queries. Arrows point one way: this → door → families → domain table, variants.
 */
@Component(service = {Hypervisor.class, GuestDoor.class, DomainControl.class, HypervisorInfo.class},
        immediate = true, configurationPid = HostConfig.PID)
@Designate(ocd = HostConfig.class)
public final class HypervisorImpl implements Hypervisor {
    /** Hypercalls that failed inside xenabi (a bug): counted for the fuzz tests, logged. */
    final AtomicLong internalErrors = new AtomicLong();
    private final FrameworkState framework = new FrameworkState();
    private final DomainTable table = new DomainTable();
    private final Variants variants = new Variants();
    private final AbiSwitch abis = new AbiSwitch(variants);
    private final EventChannels evtchn = new EventChannels(table, abis);
    private final EvtchnHotSwap evtchnSwap = new EvtchnHotSwap(table, variants, abis, framework::stopping);
    private final GrantHotSwap grantSwap = new GrantHotSwap(table, variants, framework::stopping);
    private final Lifecycle lifecycle = new Lifecycle(table, variants, abis, evtchn, framework::stopping);
    private final SaveRestore saves = new SaveRestore(table, variants, lifecycle);
    private final Info info = new Info(table, variants, framework::versionString);
    private final Door door = new Door(table, evtchn, new GrantTables(table, variants),
            new SchedOps(table, evtchn, abis), new MemoryOps(table), framework::stopping, internalErrors);

    private ServiceRegistration<NativeGuests> nativeRegistration;

    @Activate
    void activate(HostConfig config, BundleContext context) {
        framework.set(context);
        // The native-guest registry is a service object of its own (the guest bridge's view),
        // registered and withdrawn with this component: it lives in the lifecycle's state.
        nativeRegistration = context.registerService(NativeGuests.class, lifecycle.nativeGuests, null);
        variants.setNewer((a, b) -> {
            int c = framework.version(a.bundleId()).compareTo(framework.version(b.bundleId()));
            return c != 0 ? c : Long.compare(a.bundleId(), b.bundleId());
        });
        configure(config);
    }

    @Modified
    void configure(HostConfig config) {
        applyHostSettings(new HostSettings(HostSettings.names(config.abi_permit_default()),
                HostSettings.names(config.abi_permit_max()), config.max_event_channels(), config.max_grant_frames(),
                config.max_maptrack_frames()));
    }

    /** Applies host settings; domains created from now on see them, running ones never. */
    public void applyHostSettings(HostSettings settings) { lifecycle.applyHostSettings(settings); }

    @Deactivate
    void deactivate() {
        if (nativeRegistration != null) {
            nativeRegistration.unregister();
        }
        lifecycle.destroyAll();
    }

    @Reference(service = EvtchnVariant.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    public void addEvtchnVariant(EvtchnVariant service, Map<String, Object> properties) {
        evtchnSwap.added(service, properties);
    }

    public void removeEvtchnVariant(EvtchnVariant service, Map<String, Object> properties) {
        evtchnSwap.removed(service);
    }

    @Reference(service = GrantVersion.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    public void addGrantVersion(GrantVersion service, Map<String, Object> properties) {
        grantSwap.added(service, properties);
    }

    public void removeGrantVersion(GrantVersion service, Map<String, Object> properties) {
        grantSwap.removed(service);
    }

    /** Domain-0's vCPUs, as Xen's {@code dom0_max_vcpus=}: at boot, before variants and domUs. */
    public void setDom0Vcpus(int vcpus) { table.setDom0Vcpus(vcpus); }
    /** The native-guest registry (run folder, native domains, listeners). */
    public NativeGuestsImpl natives() { return lifecycle.nativeGuests; }

    /** Problems met while tracking variant services, oldest first. */
    public List<String> refusals() { return variants.refusals(); }

    /** Hypercalls that failed inside xenabi so far (a bug each): for test harnesses such as races. */
    public long internalErrors() { return internalErrors.get(); }

    /** The parts, for the unit tests of this package. */
    Parts parts() { return new Parts(table, variants, info); }

    /** The component's parts the unit tests look into. */
    record Parts(DomainTable table, Variants variants, Info info) { }

    // ------------------------------------------------ the service: each method delegates

    @Override
    public long hypercall(int domid, int vcpu, int op, long... args) {
        int n = args == null ? 0 : args.length;
        return door.call(domid, vcpu, op, n, n > 0 ? args[0] : 0, n > 1 ? args[1] : 0, n > 2 ? args[2] : 0);
    }

    @Override
    public long hypercall(int domid, int vcpu, int op, long arg0) { return door.call(domid, vcpu, op, 1, arg0, 0, 0); }
    @Override
    public long hypercall(int domid, int vcpu, int op, long a0, long a1) {
        return door.call(domid, vcpu, op, 2, a0, a1, 0);
    }
    @Override
    public long hypercall(int domid, int vcpu, int op, long a0, long a1, long a2) {
        return door.call(domid, vcpu, op, 3, a0, a1, a2);
    }
    @Override
    public GuestMemory memory(int domid) { return table.domain(domid).memory; }
    @Override
    public int create(DomainConfig config) { return lifecycle.create(config); }
    @Override
    public void destroy(int domid) { lifecycle.destroy(domid); }
    @Override
    public DomainConfig defaults(String name) { return lifecycle.defaults(name); }
    @Override
    public void pause(int domid) { lifecycle.pause(domid); }
    @Override
    public void unpause(int domid) { lifecycle.unpause(domid); }
    @Override
    public void shutdown(int domid, int reason) { lifecycle.shutdown(domid, reason); }
    @Override
    public int inject(int domid, int port) { return lifecycle.inject(domid, port); }
    @Override
    public void save(int domid, Path file, Map<String, String> notes) { saves.save(domid, file, notes); }
    @Override
    public Restored restore(Path file) { return saves.restore(file); }
    @Override
    public List<DomainInfo> list() { return info.list(); }
    @Override
    public Optional<DomainInfo> info(int domid) { return info.info(domid); }
    @Override
    public int resolve(String domidOrName) { return info.resolve(domidOrName); }
    @Override
    public List<PortInfo> ports(int domid) { return info.ports(domid); }
    @Override
    public List<AbiVariant> variants() { return variants.all(); }
    @Override
    public List<GrantInfo> grants(int domid) { return info.grants(domid); }
    @Override
    public int grantVersion(int domid) { return info.grantVersion(domid); }
    @Override
    public List<VariantInfo> variantInfo() { return info.variantInfo(); }
    @Override
    public List<String> refusedVariants() { return variants.refusals(); }
}
