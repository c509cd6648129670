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
#include <xen/grant_table.h>
#include <xen/version.h>
#include <xen/vcpu.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>

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
    C("Hypercall", __HYPERVISOR_hvm_op);

    C("XenVersion", XENVER_version); C("XenVersion", XENVER_get_features);
    C("XenVersion", XENFEAT_NR_SUBMAPS);
    OFF("XenVersion", "FEATURE_INFO_SUBMAP_IDX", struct xen_feature_info, submap_idx);
    OFF("XenVersion", "FEATURE_INFO_SUBMAP", struct xen_feature_info, submap);
    SZ("XenVersion", "SIZEOF_FEATURE_INFO", struct xen_feature_info);
    C("XenVersion", XENFEAT_writable_page_tables); C("XenVersion", XENFEAT_writable_descriptor_tables);
    C("XenVersion", XENFEAT_auto_translated_physmap); C("XenVersion", XENFEAT_supervisor_mode_kernel);
    C("XenVersion", XENFEAT_pae_pgdir_above_4gb); C("XenVersion", XENFEAT_mmu_pt_update_preserve_ad);
    C("XenVersion", XENFEAT_highmem_assist); C("XenVersion", XENFEAT_gnttab_map_avail_bits);
    C("XenVersion", XENFEAT_hvm_callback_vector); C("XenVersion", XENFEAT_hvm_safe_pvclock);
    C("XenVersion", XENFEAT_hvm_pirqs); C("XenVersion", XENFEAT_dom0);
    C("XenVersion", XENFEAT_memory_op_vnode_supported); C("XenVersion", XENFEAT_not_direct_mapped);
    C("XenVersion", XENFEAT_direct_mapped);

    C("VcpuOp", VCPUOP_register_vcpu_info);
    OFF("VcpuOp", "REGISTER_VCPU_INFO_MFN", struct vcpu_register_vcpu_info, mfn);
    OFF("VcpuOp", "REGISTER_VCPU_INFO_OFFSET", struct vcpu_register_vcpu_info, offset);
    OFF("VcpuOp", "REGISTER_VCPU_INFO_RSVD", struct vcpu_register_vcpu_info, rsvd);
    SZ("VcpuOp", "SIZEOF_REGISTER_VCPU_INFO", struct vcpu_register_vcpu_info);

    C("HvmOp", HVMOP_set_param); C("HvmOp", HVMOP_get_param);
    C("HvmOp", HVM_PARAM_CALLBACK_IRQ); C("HvmOp", HVM_NR_PARAMS);
    C("HvmOp", HVM_PARAM_CALLBACK_TYPE_GSI); C("HvmOp", HVM_PARAM_CALLBACK_TYPE_PCI_INTX);
    C("HvmOp", HVM_PARAM_CALLBACK_TYPE_VECTOR);
    OFF("HvmOp", "HVM_PARAM_DOMID", struct xen_hvm_param, domid);
    OFF("HvmOp", "HVM_PARAM_INDEX", struct xen_hvm_param, index);
    OFF("HvmOp", "HVM_PARAM_VALUE", struct xen_hvm_param, value);
    SZ("HvmOp", "SIZEOF_HVM_PARAM", struct xen_hvm_param);

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
    C("EvtchnOp", EVTCHN_2L_NR_CHANNELS);
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
    SZ("EvtchnOp", "SIZEOF_EVTCHN_EXPAND_ARRAY", struct evtchn_expand_array);
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
        /* grant_table.h */
    C("GnttabOp", GNTTABOP_map_grant_ref); C("GnttabOp", GNTTABOP_unmap_grant_ref);
    C("GnttabOp", GNTTABOP_setup_table); C("GnttabOp", GNTTABOP_dump_table);
    C("GnttabOp", GNTTABOP_transfer); C("GnttabOp", GNTTABOP_copy); C("GnttabOp", GNTTABOP_query_size);
    C("GnttabOp", GNTTABOP_unmap_and_replace); C("GnttabOp", GNTTABOP_set_version);
    C("GnttabOp", GNTTABOP_get_status_frames); C("GnttabOp", GNTTABOP_get_version);
    C("GnttabOp", GNTTABOP_swap_grant_ref); C("GnttabOp", GNTTABOP_cache_flush);
    OFF("GnttabOp", "MAP_HOST_ADDR", struct gnttab_map_grant_ref, host_addr);
    OFF("GnttabOp", "MAP_FLAGS", struct gnttab_map_grant_ref, flags);
    OFF("GnttabOp", "MAP_REF", struct gnttab_map_grant_ref, ref);
    OFF("GnttabOp", "MAP_DOM", struct gnttab_map_grant_ref, dom);
    OFF("GnttabOp", "MAP_STATUS", struct gnttab_map_grant_ref, status);
    OFF("GnttabOp", "MAP_HANDLE", struct gnttab_map_grant_ref, handle);
    OFF("GnttabOp", "MAP_DEV_BUS_ADDR", struct gnttab_map_grant_ref, dev_bus_addr);
    SZ("GnttabOp", "SIZEOF_MAP_GRANT_REF", struct gnttab_map_grant_ref);
    OFF("GnttabOp", "UNMAP_HOST_ADDR", struct gnttab_unmap_grant_ref, host_addr);
    OFF("GnttabOp", "UNMAP_DEV_BUS_ADDR", struct gnttab_unmap_grant_ref, dev_bus_addr);
    OFF("GnttabOp", "UNMAP_HANDLE", struct gnttab_unmap_grant_ref, handle);
    OFF("GnttabOp", "UNMAP_STATUS", struct gnttab_unmap_grant_ref, status);
    SZ("GnttabOp", "SIZEOF_UNMAP_GRANT_REF", struct gnttab_unmap_grant_ref);
    OFF("GnttabOp", "SETUP_DOM", struct gnttab_setup_table, dom);
    OFF("GnttabOp", "SETUP_NR_FRAMES", struct gnttab_setup_table, nr_frames);
    OFF("GnttabOp", "SETUP_STATUS", struct gnttab_setup_table, status);
    OFF("GnttabOp", "SETUP_FRAME_LIST", struct gnttab_setup_table, frame_list);
    SZ("GnttabOp", "SIZEOF_SETUP_TABLE", struct gnttab_setup_table);
    OFF("GnttabOp", "DUMP_DOM", struct gnttab_dump_table, dom);
    OFF("GnttabOp", "DUMP_STATUS", struct gnttab_dump_table, status);
    SZ("GnttabOp", "SIZEOF_DUMP_TABLE", struct gnttab_dump_table);
    OFF("GnttabOp", "TRANSFER_MFN", struct gnttab_transfer, mfn);
    OFF("GnttabOp", "TRANSFER_DOMID", struct gnttab_transfer, domid);
    OFF("GnttabOp", "TRANSFER_REF", struct gnttab_transfer, ref);
    OFF("GnttabOp", "TRANSFER_STATUS", struct gnttab_transfer, status);
    SZ("GnttabOp", "SIZEOF_TRANSFER", struct gnttab_transfer);
    OFF("GnttabOp", "COPY_SOURCE", struct gnttab_copy, source);
    OFF("GnttabOp", "COPY_DEST", struct gnttab_copy, dest);
    OFF("GnttabOp", "COPY_PTR_U", struct gnttab_copy, source.u);
    OFF("GnttabOp", "COPY_PTR_DOMID", struct gnttab_copy, source.domid);
    OFF("GnttabOp", "COPY_PTR_OFFSET", struct gnttab_copy, source.offset);
    OFF("GnttabOp", "COPY_LEN", struct gnttab_copy, len);
    OFF("GnttabOp", "COPY_FLAGS", struct gnttab_copy, flags);
    OFF("GnttabOp", "COPY_STATUS", struct gnttab_copy, status);
    SZ("GnttabOp", "SIZEOF_COPY", struct gnttab_copy);
    OFF("GnttabOp", "QUERY_DOM", struct gnttab_query_size, dom);
    OFF("GnttabOp", "QUERY_NR_FRAMES", struct gnttab_query_size, nr_frames);
    OFF("GnttabOp", "QUERY_MAX_NR_FRAMES", struct gnttab_query_size, max_nr_frames);
    OFF("GnttabOp", "QUERY_STATUS", struct gnttab_query_size, status);
    SZ("GnttabOp", "SIZEOF_QUERY_SIZE", struct gnttab_query_size);
    OFF("GnttabOp", "UNMAP_REPLACE_HOST_ADDR", struct gnttab_unmap_and_replace, host_addr);
    OFF("GnttabOp", "UNMAP_REPLACE_NEW_ADDR", struct gnttab_unmap_and_replace, new_addr);
    OFF("GnttabOp", "UNMAP_REPLACE_HANDLE", struct gnttab_unmap_and_replace, handle);
    OFF("GnttabOp", "UNMAP_REPLACE_STATUS", struct gnttab_unmap_and_replace, status);
    SZ("GnttabOp", "SIZEOF_UNMAP_AND_REPLACE", struct gnttab_unmap_and_replace);
    OFF("GnttabOp", "SET_VERSION_VERSION", struct gnttab_set_version, version);
    SZ("GnttabOp", "SIZEOF_SET_VERSION", struct gnttab_set_version);
    OFF("GnttabOp", "STATUS_FRAMES_NR_FRAMES", struct gnttab_get_status_frames, nr_frames);
    OFF("GnttabOp", "STATUS_FRAMES_DOM", struct gnttab_get_status_frames, dom);
    OFF("GnttabOp", "STATUS_FRAMES_STATUS", struct gnttab_get_status_frames, status);
    OFF("GnttabOp", "STATUS_FRAMES_FRAME_LIST", struct gnttab_get_status_frames, frame_list);
    SZ("GnttabOp", "SIZEOF_GET_STATUS_FRAMES", struct gnttab_get_status_frames);
    OFF("GnttabOp", "GET_VERSION_DOM", struct gnttab_get_version, dom);
    OFF("GnttabOp", "GET_VERSION_VERSION", struct gnttab_get_version, version);
    SZ("GnttabOp", "SIZEOF_GET_VERSION", struct gnttab_get_version);
    OFF("GnttabOp", "SWAP_REF_A", struct gnttab_swap_grant_ref, ref_a);
    OFF("GnttabOp", "SWAP_REF_B", struct gnttab_swap_grant_ref, ref_b);
    OFF("GnttabOp", "SWAP_STATUS", struct gnttab_swap_grant_ref, status);
    SZ("GnttabOp", "SIZEOF_SWAP_GRANT_REF", struct gnttab_swap_grant_ref);
    OFF("GnttabOp", "CACHE_FLUSH_A", struct gnttab_cache_flush, a);
    OFF("GnttabOp", "CACHE_FLUSH_OFFSET", struct gnttab_cache_flush, offset);
    OFF("GnttabOp", "CACHE_FLUSH_LENGTH", struct gnttab_cache_flush, length);
    OFF("GnttabOp", "CACHE_FLUSH_OP", struct gnttab_cache_flush, op);
    SZ("GnttabOp", "SIZEOF_CACHE_FLUSH", struct gnttab_cache_flush);

    C("GrantFlags", GTF_invalid); C("GrantFlags", GTF_permit_access); C("GrantFlags", GTF_accept_transfer);
    C("GrantFlags", GTF_transitive); C("GrantFlags", GTF_type_mask); C("GrantFlags", GTF_readonly);
    C("GrantFlags", GTF_reading); C("GrantFlags", GTF_writing); C("GrantFlags", GTF_PWT);
    C("GrantFlags", GTF_PCD); C("GrantFlags", GTF_PAT); C("GrantFlags", GTF_sub_page);
    C("GrantFlags", GTF_transfer_committed); C("GrantFlags", GTF_transfer_completed);
    C("GrantFlags", GNTMAP_device_map); C("GrantFlags", GNTMAP_host_map); C("GrantFlags", GNTMAP_readonly);
    C("GrantFlags", GNTMAP_application_map); C("GrantFlags", GNTMAP_contains_pte);
    C("GrantFlags", GNTCOPY_source_gref); C("GrantFlags", GNTCOPY_dest_gref);
    C("GrantFlags", GNTTAB_CACHE_CLEAN); C("GrantFlags", GNTTAB_CACHE_INVAL);
    C("GrantFlags", GNTTAB_CACHE_SOURCE_GREF);

    C("GnttabStatus", GNTST_okay); C("GnttabStatus", GNTST_general_error); C("GnttabStatus", GNTST_bad_domain);
    C("GnttabStatus", GNTST_bad_gntref); C("GnttabStatus", GNTST_bad_handle);
    C("GnttabStatus", GNTST_bad_virt_addr); C("GnttabStatus", GNTST_bad_dev_addr);
    C("GnttabStatus", GNTST_no_device_space); C("GnttabStatus", GNTST_permission_denied);
    C("GnttabStatus", GNTST_bad_page); C("GnttabStatus", GNTST_bad_copy_arg);
    C("GnttabStatus", GNTST_address_too_big); C("GnttabStatus", GNTST_eagain); C("GnttabStatus", GNTST_no_space);

    OFF("GrantEntryLayout", "V1_FLAGS", struct grant_entry_v1, flags);
    OFF("GrantEntryLayout", "V1_DOMID", struct grant_entry_v1, domid);
    OFF("GrantEntryLayout", "V1_FRAME", struct grant_entry_v1, frame);
    SZ("GrantEntryLayout", "SIZEOF_GRANT_ENTRY_V1", struct grant_entry_v1);
    OFF("GrantEntryLayout", "V2_FLAGS", union grant_entry_v2, hdr.flags);
    OFF("GrantEntryLayout", "V2_DOMID", union grant_entry_v2, hdr.domid);
    OFF("GrantEntryLayout", "V2_FULL_PAGE_FRAME", union grant_entry_v2, full_page.frame);
    OFF("GrantEntryLayout", "V2_SUB_PAGE_PAGE_OFF", union grant_entry_v2, sub_page.page_off);
    OFF("GrantEntryLayout", "V2_SUB_PAGE_LENGTH", union grant_entry_v2, sub_page.length);
    OFF("GrantEntryLayout", "V2_SUB_PAGE_FRAME", union grant_entry_v2, sub_page.frame);
    OFF("GrantEntryLayout", "V2_TRANSITIVE_TRANS_DOMID", union grant_entry_v2, transitive.trans_domid);
    OFF("GrantEntryLayout", "V2_TRANSITIVE_GREF", union grant_entry_v2, transitive.gref);
    SZ("GrantEntryLayout", "SIZEOF_GRANT_ENTRY_V2", union grant_entry_v2);
    SZ("GrantEntryLayout", "SIZEOF_GRANT_STATUS", grant_status_t);
    C("GrantEntryLayout", GNTTAB_NR_RESERVED_ENTRIES); C("GrantEntryLayout", GNTTAB_RESERVED_CONSOLE);
    C("GrantEntryLayout", GNTTAB_RESERVED_XENSTORE);

    return 0;
}
