package io.xenabi.shell.impl;

import io.xenabi.abi.XenErrno;
import io.xenabi.domain.DomainInfo;
import io.xenabi.domain.Hypervisor;
import io.xenabi.domain.PortInfo;
import io.xenabi.evtchn.EvtchnOp;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code evtchn} scope: a domain's event channels as the hypervisor sees them, after
 * QEMU's {@code xen-event-list} and {@code xen-event-inject} monitor commands.
 */
@Component(service = Object.class, property = {
    "osgi.command.scope=evtchn",
    "osgi.command.function=list",
    "osgi.command.function=inject"
})
public final class EvtchnCommands {
    private final Hypervisor hypervisor;

    @Activate
    public EvtchnCommands(@Reference(name = "hypervisor") Hypervisor hypervisor) {
        this.hypervisor = hypervisor;
    }

    @Descriptor("list a domain's open event channels")
    public String list(@Descriptor("domain id or name") String dom) {
        int domid = Arguments.domain(hypervisor, "evtchn:list", dom);
        return portTable(hypervisor.ports(domid));
    }

    @Descriptor("set an event channel pending from outside the guest")
    public String inject(@Descriptor("domain id or name") String dom, @Descriptor("port") String port) {
        int domid = Arguments.domain(hypervisor, "evtchn:inject", dom);
        int p = Arguments.nonNegativeInt("evtchn:inject", "port", port);
        int rc = hypervisor.inject(domid, p);
        if (rc < 0) {
            String why = rc == -XenErrno.ENOENT ? "is closed" : "is not a valid port";
            throw new IllegalArgumentException("evtchn:inject: port " + p + " of domain " + domid + " " + why + " (-"
                    + XenErrno.name(rc) + ")");
        }
        String name = hypervisor.info(domid).map(DomainInfo::name).orElse(dom);
        return "injected an event on port " + p + " of domain " + domid + " (" + name + ")";
    }

    static String portTable(List<PortInfo> ports) {
        Table t = new Table(">Port", "State", "Remote", ">vCPU", ">Prio", "Pending", "Masked", "ABI");
        for (PortInfo p : ports) {
            t.row(p.port(), EvtchnOp.statusName(p.status()), remote(p), p.vcpu(), p.priority(),
                    p.pending() ? "yes" : "no", p.masked() ? "yes" : "no", p.abiState().isEmpty() ? "-" : p.abiState());
        }
        return t.toString();
    }

    /** Who is at the other end: {@code dom 2 port 4}, {@code dom 2} (unbound), {@code virq 0}. */
    static String remote(PortInfo p) {
        return switch (p.status()) {
            case EvtchnOp.EVTCHNSTAT_interdomain -> "dom " + p.remoteDomain() + " port " + p.remotePort();
            case EvtchnOp.EVTCHNSTAT_unbound -> "dom " + p.remoteDomain();
            case EvtchnOp.EVTCHNSTAT_virq -> "virq " + p.virq();
            case EvtchnOp.EVTCHNSTAT_pirq -> "pirq " + p.pirq();
            default -> "-";
        };
    }
}
