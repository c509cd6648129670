package io.xenabi.shell.impl;

import io.xenabi.abi.AbiVariant;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainInfo;
import io.xenabi.domain.Hypervisor;
import io.xenabi.toolstack.Rebooted;
import io.xenabi.toolstack.RestoredDomain;
import io.xenabi.toolstack.Toolstack;
import io.xenabi.toolstack.VariantNames;
import io.xenabi.toolstack.xl.XlConfig;
import org.apache.felix.service.command.Parameter;
import java.util.List;
import java.util.Locale;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The {@code xl} scope: the toolstack's view of domains, after Xen's {@code xl}. */
@Component(service = Object.class, property = {
    "osgi.command.scope=xl",
    "osgi.command.function=create",
    "osgi.command.function=list",
    "osgi.command.function=info",
    "osgi.command.function=destroy",
    "osgi.command.function=pause",
    "osgi.command.function=unpause",
    "osgi.command.function=shutdown",
    "osgi.command.function=reboot",
    "osgi.command.function=save",
    "osgi.command.function=restore"
})
public final class XlCommands {
    private final Hypervisor hypervisor;
    private final Toolstack toolstack;

    @Activate
    public XlCommands(@Reference(name = "hypervisor") Hypervisor hypervisor,
            @Reference(name = "toolstack") Toolstack toolstack) {
        this.hypervisor = hypervisor;
        this.toolstack = toolstack;
    }

    @Descriptor("pause a domain: its vCPUs stop until unpaused")
    public String pause(@Descriptor("domain id or name") String dom) {
        int domid = Arguments.domain(hypervisor, "xl:pause", dom);
        hypervisor.pause(domid);
        return "paused domain " + domid + " (" + nameOf(domid) + ")";
    }

    @Descriptor("unpause a paused domain")
    public String unpause(@Descriptor("domain id or name") String dom) {
        int domid = Arguments.domain(hypervisor, "xl:unpause", dom);
        hypervisor.unpause(domid);
        return "unpaused domain " + domid + " (" + nameOf(domid) + ")";
    }

    @Descriptor("shut a domain down: its guest kernel stops cleanly, then the domain powers off (kept until"
            + " xl:destroy)")
    public String shutdown(@Descriptor("domain id or name") String dom) {
        int domid = Arguments.domain(hypervisor, "xl:shutdown", dom);
        String name = nameOf(domid);
        toolstack.shutdown(domid);
        return "shut down domain " + domid + " (" + name + ")";
    }

    @Descriptor("reboot a domain as xl's on_reboot=restart does: shut it down, destroy it, create it again"
            + " with the same configuration (a new domid) and boot its guest kernel again if one ran")
    public String reboot(@Descriptor("domain id or name") String dom) {
        Rebooted r = toolstack.reboot(Arguments.domain(hypervisor, "xl:reboot", dom));
        return "rebooted " + r.name() + ": domain " + r.before() + " -> " + r.after()
                + (r.guestAbi().isEmpty() ? "" : ", guest on " + r.guestAbi());
    }

    @Descriptor("save a domain to FILE and destroy it (xl save): its guest kernel is suspended first; the image"
            + " keeps the configuration with the permit bitmap, the memory and the variants the guest used")
    public String save(@Descriptor("domain id or name") String dom, @Descriptor("image file to write") String file) {
        int domid = Arguments.domain(hypervisor, "xl:save", dom);
        String name = nameOf(domid);
        toolstack.save(domid, Arguments.path("xl:save", file));
        return "saved domain " + domid + " (" + name + ") to " + file;
    }

    @Descriptor("restore a domain from an image written by xl:save (xl restore); a guest kernel that ran is"
            + " booted again through its resume path (it rebinds, and sets FIFO up again if it had it)")
    public String restore(@Descriptor("image file") String file) {
        RestoredDomain r = toolstack.restore(Arguments.path("xl:restore", file));
        return "restored " + r.name() + " as domain " + r.domid()
                + (r.guestAbi().isEmpty() ? "" : ", guest resumed on " + r.guestAbi());
    }

    private String nameOf(int domid) {
        return hypervisor.info(domid).map(DomainInfo::name).orElse("?");
    }

    @Descriptor("create a domain from an xl.cfg FILE and/or key=value settings (xl.cfg names); --dry-run prints"
            + " the resolved configuration as JSON instead, as 'xl create -n'")
    public String create(
            @Descriptor("print the resolved configuration as JSON and create nothing")
            @Parameter(names = {"-n", "--dry-run"}, presentValue = "true", absentValue = "false") boolean dryRun,
            @Descriptor("[FILE] [name=NAME] [vcpus=N] [memory=MiB] [max_event_channels=N] [max_grant_frames=N]"
                    + " [max_maptrack_frames=N] [type=pv|pvh|hvm] [xen_extensions=0|1] [native=0|1]; the rest from the file, then"
                    + " the host defaults") String... args) {
        DomainConfig base = hypervisor.defaults("-");
        List<String> settings = new java.util.ArrayList<>(java.util.Arrays.asList(args == null ? new String[0] : args));
        XlConfig file = null;
        for (String s : settings) {
            if (s.startsWith("-")) {
                throw Arguments.unknownOption("xl:create", s);
            }
        }
        if (!settings.isEmpty() && !settings.get(0).contains("=")) {
            file = toolstack.readConfig(java.nio.file.Path.of(settings.remove(0)));
            base = file.config();
            for (String w : file.warnings()) {
                System.err.println("warning: " + w);
            }
        }
        DomainConfig cfg = CreateArgs.parse(base, settings.toArray(new String[0]));
        if (dryRun) {
            return toolstack.configJson(cfg);
        }
        int domid = toolstack.create(cfg);
        String name = hypervisor.info(domid).map(DomainInfo::name).orElse("?");
        return "created domain " + domid + " (" + name + ")";
    }

    @Descriptor("list domains: name, id, vCPUs, memory, event-channel ABI, grant version, ports in use, state,"
            + " permitted advanced variants; -l prints each domain's configuration as JSON, as 'xl list -l'")
    public String list(
            @Descriptor("print each domain's configuration (with its permit set by variant name) as JSON")
            @Parameter(names = {"-l", "--long"}, presentValue = "true", absentValue = "false") boolean longFormat,
            @Descriptor("[DOM]: only this domain, by id or name") String... dom) {
        if (dom != null && dom.length > 1) {
            throw new IllegalArgumentException("xl:list: give at most one domain, not " + dom.length);
        }
        int domid = dom == null || dom.length == 0 ? -1 : Arguments.domain(hypervisor, "xl:list", dom[0]);
        if (longFormat) {
            return toolstack.listJson(domid);
        }
        List<DomainInfo> domains = domid < 0 ? hypervisor.list() : List.of(hypervisor.info(domid).orElseThrow());
        return listTable(domains, hypervisor.variants());
    }

    @Descriptor("show a domain's ABI variants per family: permitted, available, in use")
    public String info(@Descriptor("domain id or name") String dom) {
        int domid = Arguments.domain(hypervisor, "xl:info", dom);
        return infoText(hypervisor.info(domid).orElseThrow(), hypervisor.variants());
    }

    static String infoText(DomainInfo d, List<AbiVariant> present) {
        StringBuilder out = new StringBuilder();
        out.append(d.name()).append(" (domain ").append(d.domid()).append(")\n");
        out.append("permit bitmap  0x").append(Long.toHexString(d.permit())).append(" (")
                .append(VariantNames.summary(d)).append(")\n");
        Table t = new Table("Family", "Permitted", "Available", "In use");
        for (String family : List.of(AbiVariant.FAMILY_EVTCHN, AbiVariant.FAMILY_GNTTAB)) {
            List<String> available = present.stream().filter(v -> v.family().equals(family))
                    .map(AbiVariant::name).toList();
            // A base variant needs no bit and is permitted to every domain (v1 interfaces always stay).
            List<String> permitted = d.permitsEveryVariant() ? available : java.util.stream.Stream.concat(
                    present.stream().filter(AbiVariant::isBase), d.permitted().stream())
                    .filter(v -> v.family().equals(family)).map(AbiVariant::name).distinct().toList();
            String inUse = family.equals(AbiVariant.FAMILY_EVTCHN) ? d.evtchnAbi() : "v" + d.grantVersion();
            t.row(family, String.join(",", permitted), String.join(",", available), inUse);
        }
        return out.append(t).toString();
    }

    @Descriptor("destroy a domain")
    public String destroy(@Descriptor("domain id or name") String dom) {
        int domid = Arguments.domain(hypervisor, "xl:destroy", dom);
        String name = hypervisor.info(domid).map(DomainInfo::name).orElse(dom);
        hypervisor.destroy(domid);
        return "destroyed domain " + domid + " (" + name + ")";
    }

    static String listTable(List<DomainInfo> domains, List<AbiVariant> present) {
        Table t = new Table("Name", ">ID", ">vCPUs", ">Mem(MiB)", "EvtchnABI", ">Gnttab", ">Ports", "State", "Permit");
        for (DomainInfo d : domains) {
            t.row(d.name(), d.domid(), d.config().vcpus(), d.config().memoryMiB(), d.evtchnAbi(),
                    d.grantVersion() == 0 ? "-" : "v" + d.grantVersion(), d.portsInUse(),
                    d.state().name().toLowerCase(Locale.ROOT), VariantNames.summary(d));
        }
        return t.toString();
    }
}
