package io.xenabi.shell.impl;

import io.xenabi.abi.AbiCapability;
import io.xenabi.abi.AbiVariant;
import io.xenabi.abi.SchedOp;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainInfo;
import io.xenabi.domain.Restored;
import java.util.Map;
import io.xenabi.domain.xl.XlConfig;
import org.apache.felix.service.command.Parameter;
import io.xenabi.guest.AbiMode;
import io.xenabi.guest.GuestKernel;
import io.xenabi.guest.Guests;
import io.xenabi.domain.Hypervisor;
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
    private final Guests guests;

    @Activate
    public XlCommands(@Reference(name = "hypervisor") Hypervisor hypervisor,
            @Reference(name = "guests") Guests guests) {
        this.hypervisor = hypervisor;
        this.guests = guests;
    }

    @Descriptor("pause a domain: its vCPUs stop until unpaused")
    public String pause(@Descriptor("domain id or name") String dom) {
        int domid = hypervisor.resolve(dom);
        hypervisor.pause(domid);
        return "paused domain " + domid + " (" + nameOf(domid) + ")";
    }

    @Descriptor("unpause a paused domain")
    public String unpause(@Descriptor("domain id or name") String dom) {
        int domid = hypervisor.resolve(dom);
        hypervisor.unpause(domid);
        return "unpaused domain " + domid + " (" + nameOf(domid) + ")";
    }

    @Descriptor("shut a domain down: its guest kernel stops cleanly, then the domain powers off (kept until"
            + " xl:destroy)")
    public String shutdown(@Descriptor("domain id or name") String dom) {
        int domid = hypervisor.resolve(dom);
        String name = nameOf(domid);
        if (guests.kernel(domid).isPresent()) {
            guests.stop(domid);
        }
        hypervisor.shutdown(domid, SchedOp.SHUTDOWN_poweroff);
        return "shut down domain " + domid + " (" + name + ")";
    }

    @Descriptor("reboot a domain as xl's on_reboot=restart does: shut it down, destroy it, create it again"
            + " with the same configuration (a new domid) and boot its guest kernel again if one ran")
    public String reboot(@Descriptor("domain id or name") String dom) {
        int domid = hypervisor.resolve(dom);
        DomainInfo info = hypervisor.info(domid).orElseThrow();
        AbiMode mode = guests.kernel(domid).map(GuestKernel::mode).orElse(null);
        if (mode != null) {
            guests.stop(domid);
        }
        hypervisor.shutdown(domid, SchedOp.SHUTDOWN_reboot);
        hypervisor.destroy(domid);
        int again = hypervisor.create(info.config());
        String guest = "";
        if (mode != null) {
            guest = ", guest on " + guests.start(again, mode).abi().variantName();
        }
        return "rebooted " + info.name() + ": domain " + domid + " -> " + again + guest;
    }

    @Descriptor("save a domain to FILE and destroy it (xl save): its guest kernel is suspended first; the image"
            + " keeps the configuration with the permit bitmap, the memory and the variants the guest used")
    public String save(@Descriptor("domain id or name") String dom, @Descriptor("image file to write") String file) {
        int domid = hypervisor.resolve(dom);
        String name = nameOf(domid);
        java.nio.file.Path target = writableTarget(file);
        Map<String, String> notes = new java.util.LinkedHashMap<>();
        guests.kernel(domid).ifPresent(k -> notes.put(GUEST_MODE, k.mode().name()));
        if (notes.containsKey(GUEST_MODE)) {
            guests.suspend(domid);
        }
        hypervisor.save(domid, target, notes);
        return "saved domain " + domid + " (" + name + ") to " + file;
    }

    /**
     * {@code file} once it is known an image can be written there: as xl opens the file before it
     * suspends the domain, a bad destination is refused while the guest still runs.
     */
    private static java.nio.file.Path writableTarget(String file) {
        java.nio.file.Path target;
        try {
            target = java.nio.file.Path.of(file);
        } catch (java.nio.file.InvalidPathException e) {
            throw new IllegalArgumentException("xl:save: '" + file + "' is not a file name (" + e.getReason() + ")");
        }
        java.nio.file.Path folder = target.toAbsolutePath().getParent();
        if (java.nio.file.Files.isDirectory(target)) {
            throw new IllegalArgumentException("xl:save: " + file + " is a directory");
        }
        if (folder == null || !java.nio.file.Files.isDirectory(folder)) {
            throw new IllegalArgumentException("xl:save: cannot write " + file + ": no directory " + folder);
        }
        if (!java.nio.file.Files.isWritable(folder)) {
            throw new IllegalArgumentException("xl:save: cannot write " + file + ": permission denied");
        }
        return target;
    }

    @Descriptor("restore a domain from an image written by xl:save (xl restore); a guest kernel that ran is"
            + " booted again through its resume path (it rebinds, and sets FIFO up again if it had it)")
    public String restore(@Descriptor("image file") String file) {
        Restored r = hypervisor.restore(java.nio.file.Path.of(file));
        String mode = r.notes().get(GUEST_MODE);
        String guest = "";
        if (mode != null) {
            try {
                guest = ", guest resumed on " + guests.start(r.domid(), AbiMode.valueOf(mode)).abi().variantName();
            } catch (RuntimeException e) {
                // Nothing half-done: a domain whose guest cannot resume is not left behind.
                hypervisor.destroy(r.domid());
                String why = e instanceof IllegalArgumentException ? "the image names an unknown guest mode"
                        : e.getMessage();
                throw new IllegalArgumentException("xl:restore: the guest could not resume (" + why
                        + "); the restored domain was destroyed");
            }
        }
        return "restored " + nameOf(r.domid()) + " as domain " + r.domid() + guest;
    }

    /** The note xl:save keeps with the image: the mode the guest kernel was booted with. */
    static final String GUEST_MODE = "guest.mode";

    private String nameOf(int domid) {
        return hypervisor.info(domid).map(DomainInfo::name).orElse("?");
    }

    @Descriptor("create a domain from an xl.cfg FILE and/or key=value settings (xl.cfg names); --dry-run prints"
            + " the resolved configuration as JSON instead, as 'xl create -n'")
    public String create(
            @Descriptor("print the resolved configuration as JSON and create nothing")
            @Parameter(names = {"-n", "--dry-run"}, presentValue = "true", absentValue = "false") boolean dryRun,
            @Descriptor("[FILE] [name=NAME] [vcpus=N] [memory=MiB] [max_event_channels=N] [max_grant_frames=N]"
                    + " [max_maptrack_frames=N] [type=pv|pvh|hvm] [xen_extensions=0|1]; the rest from the file, then"
                    + " the host defaults") String... args) {
        List<AbiVariant> variants = hypervisor.variants();
        DomainConfig base = hypervisor.defaults("-");
        List<String> settings = new java.util.ArrayList<>(java.util.Arrays.asList(args == null ? new String[0] : args));
        XlConfig file = null;
        for (String s : settings) {
            if (s.startsWith("-")) {
                throw new IllegalArgumentException("xl:create: unknown option '" + s + "' (see 'help xl:create')");
            }
        }
        if (!settings.isEmpty() && !settings.get(0).contains("=")) {
            file = XlConfig.read(java.nio.file.Path.of(settings.remove(0)), base, variants);
            base = file.config();
            for (String w : file.warnings()) {
                System.err.println("warning: " + w);
            }
        }
        DomainConfig cfg = CreateArgs.parse(base, settings.toArray(new String[0]));
        if (dryRun) {
            List<String> names = file != null && file.config().abiPermit() == cfg.abiPermit() ? file.permitNames()
                    : permitList(cfg.abiPermit(), variants);
            return new XlConfig(cfg, names, List.of()).toJson();
        }
        int domid = hypervisor.create(cfg);
        String name = hypervisor.info(domid).map(DomainInfo::name).orElse("?");
        return "created domain " + domid + " (" + name + ")";
    }

    /** The permitted variants' names for a bitmap (stable names, present variants, bitN). */
    static List<String> permitList(long bits, List<AbiVariant> variants) {
        String s = permitNames(bits, variants);
        return s.equals("-") ? List.of() : s.equals("all") ? List.of("all") : List.of(s.split(","));
    }

    @Descriptor("list domains: name, id, vCPUs, memory, event-channel ABI, grant version, ports in use, state,"
            + " permitted advanced variants")
    public String list() {
        return listTable(hypervisor.list(), hypervisor.variants());
    }

    @Descriptor("show a domain's ABI variants per family: permitted, available, in use")
    public String info(@Descriptor("domain id or name") String dom) {
        int domid = hypervisor.resolve(dom);
        return infoText(hypervisor.info(domid).orElseThrow(), hypervisor.variants());
    }

    static String infoText(DomainInfo d, List<AbiVariant> present) {
        StringBuilder out = new StringBuilder();
        out.append(d.name()).append(" (domain ").append(d.domid()).append(")\n");
        out.append("permit bitmap  0x").append(Long.toHexString(d.permit())).append(" (")
                .append(permitNames(d.permit(), present)).append(")\n");
        Table t = new Table("Family", "Permitted", "Available", "In use");
        for (String family : List.of(AbiVariant.FAMILY_EVTCHN, AbiVariant.FAMILY_GNTTAB)) {
            List<String> available = present.stream().filter(v -> v.family().equals(family))
                    .map(AbiVariant::name).toList();
            List<String> permitted = present.stream().filter(v -> v.family().equals(family))
                    .filter(v -> AbiCapability.permits(d.permit(), v.capability())).map(AbiVariant::name).toList();
            String inUse = family.equals(AbiVariant.FAMILY_EVTCHN) ? d.evtchnAbi() : "v" + d.grantVersion();
            t.row(family, String.join(",", permitted), String.join(",", available), inUse);
        }
        return out.append(t).toString();
    }

    /**
     * The permitted advanced variants by name: "all" for the full bitmap, "-" for none, else the
     * names of the variants present whose bit is set (stable public names for absent ones) and
     * "bitN" for bits no known variant owns.
     */
    static String permitNames(long permit, List<AbiVariant> present) {
        if (permit == AbiCapability.ALL) {
            return "all";
        }
        List<String> names = new java.util.ArrayList<>();
        for (int bit = 0; bit <= AbiCapability.MAX_BIT; bit++) {
            if ((permit & (1L << bit)) == 0) {
                continue;
            }
            int b = bit;
            String name = present.stream().filter(v -> v.capability() == b).map(AbiVariant::qualifiedName).findFirst()
                    .orElse(b == AbiCapability.XENABI_CAP_EVTCHN_FIFO ? "evtchn-fifo"
                            : b == AbiCapability.XENABI_CAP_GNTTAB_V2 ? "gnttab-v2" : "bit" + b);
            names.add(name);
        }
        return names.isEmpty() ? "-" : String.join(",", names);
    }

    @Descriptor("destroy a domain")
    public String destroy(@Descriptor("domain id or name") String dom) {
        int domid = hypervisor.resolve(dom);
        String name = hypervisor.info(domid).map(DomainInfo::name).orElse(dom);
        hypervisor.destroy(domid);
        return "destroyed domain " + domid + " (" + name + ")";
    }

    static String listTable(List<DomainInfo> domains, List<AbiVariant> present) {
        Table t = new Table("Name", ">ID", ">vCPUs", ">Mem(MiB)", "EvtchnABI", ">Gnttab", ">Ports", "State", "Permit");
        for (DomainInfo d : domains) {
            t.row(d.name(), d.domid(), d.config().vcpus(), d.config().memoryMiB(), d.evtchnAbi(),
                    d.grantVersion() == 0 ? "-" : "v" + d.grantVersion(), d.portsInUse(),
                    d.state().name().toLowerCase(Locale.ROOT), permitNames(d.permit(), present));
        }
        return t.toString();
    }
}
