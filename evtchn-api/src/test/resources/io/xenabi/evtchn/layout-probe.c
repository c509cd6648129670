/*
 * Ground truth for xenabi's ABI constants: compiled against Xen's public headers
 * (apt-get install libxen-dev) by XenHeaderLayoutTest, it prints "Class.FIELD value" for every
 * constant and struct offset the Java code mirrors. Our own probe; it includes the headers only.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/sched.h>
#include <xen/memory.h>

#define P(key, value) printf("%s %lld\n", key, (long long)(value))
#define OFF(cls, field, type, member) P(cls "." field, offsetof(type, member))
#define SZ(cls, field, type) P(cls "." field, sizeof(type))
#define C(cls, name) P(cls "." #name, name)

int main(void)
{
#define XEN_ERRNO(name, value) P("XenErrno." #name, value);
#include <xen/errno.h>

    C("DomId", DOMID_FIRST_RESERVED); C("DomId", DOMID_SELF); C("DomId", DOMID_IO);
    C("DomId", DOMID_XEN); C("DomId", DOMID_COW); C("DomId", DOMID_INVALID); C("DomId", DOMID_IDLE);

    C("Hypercall", __HYPERVISOR_memory_op); C("Hypercall", __HYPERVISOR_xen_version);
    C("Hypercall", __HYPERVISOR_grant_table_op); C("Hypercall", __HYPERVISOR_vcpu_op);
    C("Hypercall", __HYPERVISOR_sched_op); C("Hypercall", __HYPERVISOR_event_channel_op);

    C("SharedInfo", XEN_LEGACY_MAX_VCPUS);
    SZ("SharedInfo", "SIZEOF_SHARED_INFO", struct shared_info);
    SZ("SharedInfo", "SIZEOF_VCPU_INFO", struct vcpu_info);
    OFF("SharedInfo", "VCPU_INFO", struct shared_info, vcpu_info);
    OFF("SharedInfo", "EVTCHN_PENDING", struct shared_info, evtchn_pending);
    OFF("SharedInfo", "EVTCHN_MASK", struct shared_info, evtchn_mask);
    P("SharedInfo.EVTCHN_BITMAP_BYTES", sizeof(((struct shared_info *)0)->evtchn_pending));
    OFF("SharedInfo", "WC_VERSION", struct shared_info, wc_version);
    OFF("SharedInfo", "WC_SEC", struct shared_info, wc_sec);
    OFF("SharedInfo", "WC_NSEC", struct shared_info, wc_nsec);
    OFF("SharedInfo", "WC_SEC_HI", struct shared_info, wc_sec_hi);
    OFF("SharedInfo", "VCPU_EVTCHN_UPCALL_PENDING", struct vcpu_info, evtchn_upcall_pending);
    OFF("SharedInfo", "VCPU_EVTCHN_UPCALL_MASK", struct vcpu_info, evtchn_upcall_mask);
    OFF("SharedInfo", "VCPU_EVTCHN_PENDING_SEL", struct vcpu_info, evtchn_pending_sel);

    C("SchedOp", SCHEDOP_yield); C("SchedOp", SCHEDOP_block); C("SchedOp", SCHEDOP_shutdown);
    C("SchedOp", SCHEDOP_poll); C("SchedOp", SCHEDOP_remote_shutdown);
    C("SchedOp", SCHEDOP_shutdown_code); C("SchedOp", SCHEDOP_watchdog);
    C("SchedOp", SCHEDOP_pin_override);
    C("SchedOp", SHUTDOWN_poweroff); C("SchedOp", SHUTDOWN_reboot); C("SchedOp", SHUTDOWN_suspend);
    C("SchedOp", SHUTDOWN_crash); C("SchedOp", SHUTDOWN_watchdog); C("SchedOp", SHUTDOWN_soft_reset);
    OFF("SchedOp", "SCHED_SHUTDOWN_REASON", struct sched_shutdown, reason);
    OFF("SchedOp", "SCHED_POLL_PORTS", struct sched_poll, ports);
    OFF("SchedOp", "SCHED_POLL_NR_PORTS", struct sched_poll, nr_ports);
    OFF("SchedOp", "SCHED_POLL_TIMEOUT", struct sched_poll, timeout);
    SZ("SchedOp", "SIZEOF_SCHED_POLL", struct sched_poll);

    C("MemoryOp", XENMEM_add_to_physmap);
    C("MemoryOp", XENMAPSPACE_shared_info); C("MemoryOp", XENMAPSPACE_grant_table);
    C("MemoryOp", XENMAPSPACE_gmfn); C("MemoryOp", XENMAPSPACE_gmfn_range);
    C("MemoryOp", XENMAPSPACE_gmfn_foreign); C("MemoryOp", XENMAPSPACE_dev_mmio);
    C("MemoryOp", XENMAPIDX_grant_table_status);
    OFF("MemoryOp", "ADD_TO_PHYSMAP_DOMID", struct xen_add_to_physmap, domid);
    OFF("MemoryOp", "ADD_TO_PHYSMAP_SIZE", struct xen_add_to_physmap, size);
    OFF("MemoryOp", "ADD_TO_PHYSMAP_SPACE", struct xen_add_to_physmap, space);
    OFF("MemoryOp", "ADD_TO_PHYSMAP_IDX", struct xen_add_to_physmap, idx);
    OFF("MemoryOp", "ADD_TO_PHYSMAP_GPFN", struct xen_add_to_physmap, gpfn);
    SZ("MemoryOp", "SIZEOF_ADD_TO_PHYSMAP", struct xen_add_to_physmap);

    C("EvtchnOp", EVTCHNOP_bind_interdomain); C("EvtchnOp", EVTCHNOP_bind_virq);
    C("EvtchnOp", EVTCHNOP_bind_pirq); C("EvtchnOp", EVTCHNOP_close); C("EvtchnOp", EVTCHNOP_send);
    C("EvtchnOp", EVTCHNOP_status); C("EvtchnOp", EVTCHNOP_alloc_unbound);
    C("EvtchnOp", EVTCHNOP_bind_ipi); C("EvtchnOp", EVTCHNOP_bind_vcpu); C("EvtchnOp", EVTCHNOP_unmask);
    C("EvtchnOp", EVTCHNOP_reset); C("EvtchnOp", EVTCHNOP_init_control);
    C("EvtchnOp", EVTCHNOP_expand_array); C("EvtchnOp", EVTCHNOP_set_priority);
#ifdef EVTCHNOP_reset_cont /* public since Xen 4.19; older headers lack it */
    C("EvtchnOp", EVTCHNOP_reset_cont);
#endif
    C("EvtchnOp", EVTCHNSTAT_closed); C("EvtchnOp", EVTCHNSTAT_unbound);
    C("EvtchnOp", EVTCHNSTAT_interdomain); C("EvtchnOp", EVTCHNSTAT_pirq);
    C("EvtchnOp", EVTCHNSTAT_virq); C("EvtchnOp", EVTCHNSTAT_ipi);
    C("EvtchnOp", BIND_PIRQ__WILL_SHARE);
    C("EvtchnOp", VIRQ_TIMER); C("EvtchnOp", VIRQ_DEBUG); C("EvtchnOp", VIRQ_CONSOLE);
    C("EvtchnOp", VIRQ_DOM_EXC); C("EvtchnOp", VIRQ_TBUF); C("EvtchnOp", VIRQ_DEBUGGER);
    C("EvtchnOp", VIRQ_XENOPROF); C("EvtchnOp", VIRQ_CON_RING); C("EvtchnOp", VIRQ_PCPU_STATE);
    C("EvtchnOp", VIRQ_MEM_EVENT); C("EvtchnOp", VIRQ_ARGO); C("EvtchnOp", VIRQ_ENOMEM);
    C("EvtchnOp", VIRQ_XENPMU); C("EvtchnOp", NR_VIRQS);
    OFF("EvtchnOp", "ALLOC_UNBOUND_DOM", struct evtchn_alloc_unbound, dom);
    OFF("EvtchnOp", "ALLOC_UNBOUND_REMOTE_DOM", struct evtchn_alloc_unbound, remote_dom);
    OFF("EvtchnOp", "ALLOC_UNBOUND_PORT", struct evtchn_alloc_unbound, port);
    OFF("EvtchnOp", "BIND_INTERDOMAIN_REMOTE_DOM", struct evtchn_bind_interdomain, remote_dom);
    OFF("EvtchnOp", "BIND_INTERDOMAIN_REMOTE_PORT", struct evtchn_bind_interdomain, remote_port);
    OFF("EvtchnOp", "BIND_INTERDOMAIN_LOCAL_PORT", struct evtchn_bind_interdomain, local_port);
    OFF("EvtchnOp", "BIND_VIRQ_VIRQ", struct evtchn_bind_virq, virq);
    OFF("EvtchnOp", "BIND_VIRQ_VCPU", struct evtchn_bind_virq, vcpu);
    OFF("EvtchnOp", "BIND_VIRQ_PORT", struct evtchn_bind_virq, port);
    OFF("EvtchnOp", "BIND_PIRQ_PIRQ", struct evtchn_bind_pirq, pirq);
    OFF("EvtchnOp", "BIND_PIRQ_FLAGS", struct evtchn_bind_pirq, flags);
    OFF("EvtchnOp", "BIND_PIRQ_PORT", struct evtchn_bind_pirq, port);
    OFF("EvtchnOp", "BIND_IPI_VCPU", struct evtchn_bind_ipi, vcpu);
    OFF("EvtchnOp", "BIND_IPI_PORT", struct evtchn_bind_ipi, port);
    OFF("EvtchnOp", "PORT", struct evtchn_send, port);
    OFF("EvtchnOp", "STATUS_DOM", struct evtchn_status, dom);
    OFF("EvtchnOp", "STATUS_PORT", struct evtchn_status, port);
    OFF("EvtchnOp", "STATUS_STATUS", struct evtchn_status, status);
    OFF("EvtchnOp", "STATUS_VCPU", struct evtchn_status, vcpu);
    OFF("EvtchnOp", "STATUS_U", struct evtchn_status, u);
    OFF("EvtchnOp", "STATUS_U_INTERDOMAIN_PORT", struct evtchn_status, u.interdomain.port);
    SZ("EvtchnOp", "SIZEOF_EVTCHN_STATUS", struct evtchn_status);
    OFF("EvtchnOp", "BIND_VCPU_PORT", struct evtchn_bind_vcpu, port);
    OFF("EvtchnOp", "BIND_VCPU_VCPU", struct evtchn_bind_vcpu, vcpu);
    OFF("EvtchnOp", "RESET_DOM", struct evtchn_reset, dom);
    OFF("EvtchnOp", "INIT_CONTROL_CONTROL_GFN", struct evtchn_init_control, control_gfn);
    OFF("EvtchnOp", "INIT_CONTROL_OFFSET", struct evtchn_init_control, offset);
    OFF("EvtchnOp", "INIT_CONTROL_VCPU", struct evtchn_init_control, vcpu);
    OFF("EvtchnOp", "INIT_CONTROL_LINK_BITS", struct evtchn_init_control, link_bits);
    SZ("EvtchnOp", "SIZEOF_EVTCHN_INIT_CONTROL", struct evtchn_init_control);
    OFF("EvtchnOp", "EXPAND_ARRAY_ARRAY_GFN", struct evtchn_expand_array, array_gfn);
    OFF("EvtchnOp", "SET_PRIORITY_PORT", struct evtchn_set_priority, port);
    OFF("EvtchnOp", "SET_PRIORITY_PRIORITY", struct evtchn_set_priority, priority);

    C("EvtchnFifo", EVTCHN_FIFO_PRIORITY_MAX); C("EvtchnFifo", EVTCHN_FIFO_PRIORITY_DEFAULT);
    C("EvtchnFifo", EVTCHN_FIFO_PRIORITY_MIN); C("EvtchnFifo", EVTCHN_FIFO_MAX_QUEUES);
    C("EvtchnFifo", EVTCHN_FIFO_PENDING); C("EvtchnFifo", EVTCHN_FIFO_MASKED);
    C("EvtchnFifo", EVTCHN_FIFO_LINKED); C("EvtchnFifo", EVTCHN_FIFO_BUSY);
    C("EvtchnFifo", EVTCHN_FIFO_LINK_BITS); C("EvtchnFifo", EVTCHN_FIFO_LINK_MASK);
    C("EvtchnFifo", EVTCHN_FIFO_NR_CHANNELS);
    OFF("EvtchnFifo", "CONTROL_BLOCK_READY", struct evtchn_fifo_control_block, ready);
    OFF("EvtchnFifo", "CONTROL_BLOCK_HEAD", struct evtchn_fifo_control_block, head);
    SZ("EvtchnFifo", "SIZEOF_CONTROL_BLOCK", struct evtchn_fifo_control_block);
    return 0;
}
