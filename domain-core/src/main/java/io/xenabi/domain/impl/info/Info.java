package io.xenabi.domain.impl.info;

import io.xenabi.abi.AbiVariant;
import io.xenabi.domain.DomainException;
import io.xenabi.domain.DomainInfo;
import io.xenabi.domain.GrantInfo;
import io.xenabi.domain.PortInfo;
import io.xenabi.domain.VariantInfo;
import io.xenabi.domain.impl.domains.Domain;
import io.xenabi.domain.impl.domains.DomainTable;
import io.xenabi.domain.impl.domains.Port;
import io.xenabi.domain.impl.gnttab.Grants;
import io.xenabi.domain.impl.variants.Variants;
import io.xenabi.evtchn.EvtchnPortOps;
import io.xenabi.gnttab.GrantEntry;
import io.xenabi.gnttab.GrantFlags;
import io.xenabi.gnttab.GrantVersion;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.LongFunction;

/** The toolstack's queries (Xen's sysctl and what xl list shows): snapshots, nothing changed. */
public final class Info {
    private final DomainTable table;
    private final Variants variants;
    /** The version of the bundle with that id, or null (gone, or outside a framework). */
    private final LongFunction<String> bundleVersion;

    public Info(DomainTable table, Variants variants, LongFunction<String> bundleVersion) {
        this.table = table;
        this.variants = variants;
        this.bundleVersion = bundleVersion;
    }

    public List<DomainInfo> list() {
        List<DomainInfo> out = new ArrayList<>();
        for (Domain d : table.all()) {
            out.add(infoOf(d));
        }
        out.sort(Comparator.comparingInt(DomainInfo::domid));
        return out;
    }

    public Optional<DomainInfo> info(int domid) {
        Domain d = table.get(domid);
        return d == null ? Optional.empty() : Optional.of(infoOf(d));
    }

    private DomainInfo infoOf(Domain d) {
        AbiVariant v = d.evtchnVariant;
        Grants g = Grants.of(d);
        String abi = v == null ? "-" : d.ops == null ? "waiting:" + v.name() : v.name();
        List<AbiVariant> present = variants.all();
        return new DomainInfo(d.domid, d.config, d.state(), abi, d.activePorts.get(),
                d.shutdownReason, d.permit.bits(present), g == null ? 0 : g.version.version(),
                d.permit.shown(present), d.permit.isEveryVariantPresent(present));
    }

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
            if (!table.contains(id)) {
                throw new DomainException("no domain with id " + id);
            }
            return id;
        }
        Domain d = table.named(s);
        if (d == null) {
            throw new DomainException("no domain named '" + s + "'");
        }
        return d.domid;
    }

    public List<PortInfo> ports(int domid) {
        Domain d = table.domain(domid);
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

    public List<GrantInfo> grants(int domid) {
        Grants g = Grants.of(table.domain(domid));
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

    public int grantVersion(int domid) {
        Grants g = Grants.of(table.domain(domid));
        return g == null ? 0 : g.version.version();
    }

    /** Maptrack handles the domain holds as a mapper (tests). */
    public int grantMappings(int domid) {
        Grants g = Grants.of(table.domain(domid));
        return g == null ? 0 : g.maptrack.mappingsInUse();
    }

    public List<VariantInfo> variantInfo() {
        List<VariantInfo> out = new ArrayList<>();
        for (Variants.Impl<?> i : variants.impls()) {
            AbiVariant v = i.variant();
            List<Integer> users = new ArrayList<>();
            for (Domain d : table.all()) {
                Grants g = Grants.of(d);
                AbiVariant inUse = v.family().equals(AbiVariant.FAMILY_EVTCHN) ? d.evtchnVariant
                        : g == null ? null : g.variant;
                if (v.equals(inUse)) {
                    users.add(d.domid);
                }
            }
            String version = bundleVersion.apply(i.bundleId());
            out.add(new VariantInfo(v, i.bundleId(), version == null ? "" : version, List.copyOf(users), "active"));
        }
        for (Variants.Impl<?> i : variants.standby()) {
            String version = bundleVersion.apply(i.bundleId());
            out.add(new VariantInfo(i.variant(), i.bundleId(), version == null ? "0.0.0" : version, List.of(),
                    "standby"));
        }
        return out;
    }
}
