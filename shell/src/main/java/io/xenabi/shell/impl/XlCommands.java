package io.xenabi.shell.impl;

import io.xenabi.domain.DomainInfo;
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
    "osgi.command.function=destroy"
})
public final class XlCommands {
    private final Hypervisor hypervisor;

    @Activate
    public XlCommands(@Reference(name = "hypervisor") Hypervisor hypervisor) {
        this.hypervisor = hypervisor;
    }

    @Descriptor("create a domain from xl.cfg-style settings")
    public String create(
            @Descriptor("settings: name=NAME [vcpus=N] [memory=MiB] [max_event_channels=N]") String... settings) {
        int domid = hypervisor.create(CreateArgs.parse(settings));
        String name = hypervisor.info(domid).map(DomainInfo::name).orElse("?");
        return "created domain " + domid + " (" + name + ")";
    }

    @Descriptor("list domains: name, id, vCPUs, memory, event-channel ABI, ports in use, state")
    public String list() {
        return listTable(hypervisor.list());
    }

    @Descriptor("destroy a domain")
    public String destroy(@Descriptor("domain id or name") String dom) {
        int domid = hypervisor.resolve(dom);
        String name = hypervisor.info(domid).map(DomainInfo::name).orElse(dom);
        hypervisor.destroy(domid);
        return "destroyed domain " + domid + " (" + name + ")";
    }

    static String listTable(List<DomainInfo> domains) {
        Table t = new Table("Name", ">ID", ">vCPUs", ">Mem(MiB)", "EvtchnABI", ">Ports", "State");
        for (DomainInfo d : domains) {
            t.row(d.name(), d.domid(), d.config().vcpus(), d.config().memoryMiB(), d.evtchnAbi(), d.portsInUse(),
                    d.state().name().toLowerCase(Locale.ROOT));
        }
        return t.toString();
    }
}
