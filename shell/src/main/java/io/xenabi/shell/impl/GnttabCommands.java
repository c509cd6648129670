package io.xenabi.shell.impl;

import io.xenabi.domain.GrantInfo;
import io.xenabi.domain.Hypervisor;
import io.xenabi.gnttab.GrantFlags;
import java.util.ArrayList;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The {@code gnttab} scope: a domain's grant table as the hypervisor sees it. */
@Component(service = Object.class, property = {
    "osgi.command.scope=gnttab",
    "osgi.command.function=list",
    "osgi.command.function=version"
})
public final class GnttabCommands {
    private final Hypervisor hypervisor;

    @Activate
    public GnttabCommands(@Reference(name = "hypervisor") Hypervisor hypervisor) {
        this.hypervisor = hypervisor;
    }

    @Descriptor("list the grant entries a domain has in use: ref, flags, granted-to domain, frame, version, active maps")
    public String list(@Descriptor("domain id or name") String dom) {
        int domid = Arguments.domain(hypervisor, "gnttab:list", dom);
        return grantTable(hypervisor.grants(domid));
    }

    @Descriptor("say which grant-table version a domain uses")
    public String version(@Descriptor("domain id or name") String dom) {
        int domid = Arguments.domain(hypervisor, "gnttab:version", dom);
        String name = hypervisor.info(domid).orElseThrow().name();
        return name + " (domain " + domid + "): grant table version " + hypervisor.grantVersion(domid);
    }

    static String grantTable(List<GrantInfo> grants) {
        Table t = new Table(">Ref", "Flags", ">Dom", ">Frame", ">Ver", ">Maps", "Access");
        for (GrantInfo g : grants) {
            t.row(g.ref(), flags(g.flags()), g.domid(), "0x" + Long.toHexString(g.frame()), g.version(),
                    g.activeMaps(), access(g.accessBits()));
        }
        return t.toString();
    }

    /** The type and modifiers, as {@code permit_access,readonly}. */
    static String flags(int flags) {
        List<String> out = new ArrayList<>();
        out.add(switch (flags & GrantFlags.GTF_type_mask) {
            case GrantFlags.GTF_permit_access -> "permit_access";
            case GrantFlags.GTF_accept_transfer -> "accept_transfer";
            case GrantFlags.GTF_transitive -> "transitive";
            default -> "invalid";
        });
        if ((flags & GrantFlags.GTF_readonly) != 0) {
            out.add("readonly");
        }
        if ((flags & GrantFlags.GTF_sub_page) != 0) {
            out.add("sub_page");
        }
        return String.join(",", out);
    }

    static String access(int bits) {
        String r = (bits & GrantFlags.GTF_reading) != 0 ? "r" : "-";
        String w = (bits & GrantFlags.GTF_writing) != 0 ? "w" : "-";
        return r + w;
    }
}
