package io.xenabi.domain;

/**
 * One open event channel as the toolstack sees it ({@code evtchn:list}, modelled on QEMU's
 * {@code xen-event-list}).
 *
 * @param port the port number
 * @param status the public state, an {@code EVTCHNSTAT_*} value
 * @param vcpu the notify vCPU
 * @param remoteDomain for unbound: the domain allowed to bind; for interdomain: the peer; else -1
 * @param remotePort for interdomain: the peer's port; else -1
 * @param virq for a VIRQ port: the VIRQ; else -1
 * @param pirq for a PIRQ port: the PIRQ; else -1
 * @param priority the FIFO priority (reported under every ABI, used by FIFO)
 * @param pending whether the ABI shows it pending
 * @param masked whether the ABI shows it masked
 * @param abiState the variant's own words on the port (may be empty)
 */
public record PortInfo(int port, int status, int vcpu, int remoteDomain, int remotePort, int virq, int pirq,
        int priority, boolean pending, boolean masked, String abiState) {
}
