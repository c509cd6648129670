package io.xenabi.evtchn;

/**
 * {@code __HYPERVISOR_event_channel_op} sub-ops, port states, VIRQs and the x86_64 byte offsets
 * of every argument struct (xen/include/public/event_channel.h, xen.h). Constants keep Xen's
 * names so the two code bases can be read side by side.
 */
public final class EvtchnOp {
    public static final int EVTCHNOP_bind_interdomain = 0;
    public static final int EVTCHNOP_bind_virq = 1;
    public static final int EVTCHNOP_bind_pirq = 2;
    public static final int EVTCHNOP_close = 3;
    public static final int EVTCHNOP_send = 4;
    public static final int EVTCHNOP_status = 5;
    public static final int EVTCHNOP_alloc_unbound = 6;
    public static final int EVTCHNOP_bind_ipi = 7;
    public static final int EVTCHNOP_bind_vcpu = 8;
    public static final int EVTCHNOP_unmask = 9;
    public static final int EVTCHNOP_reset = 10;
    public static final int EVTCHNOP_init_control = 11;
    public static final int EVTCHNOP_expand_array = 12;
    public static final int EVTCHNOP_set_priority = 13;
    public static final int EVTCHNOP_reset_cont = 14;

    /** Public port states reported by EVTCHNOP_status. */
    public static final int EVTCHNSTAT_closed = 0;
    public static final int EVTCHNSTAT_unbound = 1;
    public static final int EVTCHNSTAT_interdomain = 2;
    public static final int EVTCHNSTAT_pirq = 3;
    public static final int EVTCHNSTAT_virq = 4;
    public static final int EVTCHNSTAT_ipi = 5;

    /** {@code BIND_PIRQ__WILL_SHARE} in evtchn_bind_pirq.flags. */
    public static final int BIND_PIRQ__WILL_SHARE = 1;

    public static final int VIRQ_TIMER = 0;
    public static final int VIRQ_DEBUG = 1;
    public static final int VIRQ_CONSOLE = 2;
    public static final int VIRQ_DOM_EXC = 3;
    public static final int VIRQ_TBUF = 4;
    public static final int VIRQ_DEBUGGER = 6;
    public static final int VIRQ_XENOPROF = 7;
    public static final int VIRQ_CON_RING = 8;
    public static final int VIRQ_PCPU_STATE = 9;
    public static final int VIRQ_MEM_EVENT = 10;
    public static final int VIRQ_ARGO = 11;
    public static final int VIRQ_ENOMEM = 12;
    public static final int VIRQ_XENPMU = 13;
    public static final int NR_VIRQS = 24;

    /**
     * The 2-level ABI's port count: {@code sizeof(xen_ulong_t) * sizeof(xen_ulong_t) * 64}, 4096
     * on x86_64 (64 selector bits of 64 ports each in shared_info's bitmaps).
     */
    public static final int EVTCHN_2L_NR_CHANNELS = 8 * 8 * 64;

    // struct evtchn_alloc_unbound (8): dom u16 @0, remote_dom u16 @2; OUT port u32 @4
    public static final int ALLOC_UNBOUND_DOM = 0;
    public static final int ALLOC_UNBOUND_REMOTE_DOM = 2;
    public static final int ALLOC_UNBOUND_PORT = 4;
    // struct evtchn_bind_interdomain (12): remote_dom u16 @0, remote_port u32 @4; OUT local_port @8
    public static final int BIND_INTERDOMAIN_REMOTE_DOM = 0;
    public static final int BIND_INTERDOMAIN_REMOTE_PORT = 4;
    public static final int BIND_INTERDOMAIN_LOCAL_PORT = 8;
    // struct evtchn_bind_virq (12): virq u32 @0, vcpu u32 @4; OUT port @8
    public static final int BIND_VIRQ_VIRQ = 0;
    public static final int BIND_VIRQ_VCPU = 4;
    public static final int BIND_VIRQ_PORT = 8;
    // struct evtchn_bind_pirq (12): pirq u32 @0, flags u32 @4; OUT port @8
    public static final int BIND_PIRQ_PIRQ = 0;
    public static final int BIND_PIRQ_FLAGS = 4;
    public static final int BIND_PIRQ_PORT = 8;
    // struct evtchn_bind_ipi (8): vcpu u32 @0; OUT port @4
    public static final int BIND_IPI_VCPU = 0;
    public static final int BIND_IPI_PORT = 4;
    // struct evtchn_close / evtchn_send / evtchn_unmask (4): port u32 @0
    public static final int PORT = 0;
    // struct evtchn_status (24): dom u16 @0, port u32 @4; OUT status u32 @8, vcpu u32 @12,
    // union @16 { unbound.dom u16; interdomain.dom u16 @16, .port u32 @20; pirq u32; virq u32 }
    public static final int STATUS_DOM = 0;
    public static final int STATUS_PORT = 4;
    public static final int STATUS_STATUS = 8;
    public static final int STATUS_VCPU = 12;
    public static final int STATUS_U = 16;
    public static final int STATUS_U_INTERDOMAIN_PORT = 20;
    public static final int SIZEOF_EVTCHN_STATUS = 24;
    // struct evtchn_bind_vcpu (8): port u32 @0, vcpu u32 @4
    public static final int BIND_VCPU_PORT = 0;
    public static final int BIND_VCPU_VCPU = 4;
    // struct evtchn_reset (2): dom u16 @0
    public static final int RESET_DOM = 0;
    // struct evtchn_init_control (24): control_gfn u64 @0, offset u32 @8, vcpu u32 @12;
    // OUT link_bits u8 @16
    public static final int INIT_CONTROL_CONTROL_GFN = 0;
    public static final int INIT_CONTROL_OFFSET = 8;
    public static final int INIT_CONTROL_VCPU = 12;
    public static final int INIT_CONTROL_LINK_BITS = 16;
    public static final int SIZEOF_EVTCHN_INIT_CONTROL = 24;
    // struct evtchn_expand_array (8): array_gfn u64 @0
    public static final int EXPAND_ARRAY_ARRAY_GFN = 0;
    public static final int SIZEOF_EVTCHN_EXPAND_ARRAY = 8;
    // struct evtchn_set_priority (8): port u32 @0, priority u32 @4
    public static final int SET_PRIORITY_PORT = 0;
    public static final int SET_PRIORITY_PRIORITY = 4;

    private EvtchnOp() {
    }

    /** The op's name without prefix, for logs and the shell. */
    public static String name(int cmd) {
        return switch (cmd) {
            case EVTCHNOP_bind_interdomain -> "bind_interdomain";
            case EVTCHNOP_bind_virq -> "bind_virq";
            case EVTCHNOP_bind_pirq -> "bind_pirq";
            case EVTCHNOP_close -> "close";
            case EVTCHNOP_send -> "send";
            case EVTCHNOP_status -> "status";
            case EVTCHNOP_alloc_unbound -> "alloc_unbound";
            case EVTCHNOP_bind_ipi -> "bind_ipi";
            case EVTCHNOP_bind_vcpu -> "bind_vcpu";
            case EVTCHNOP_unmask -> "unmask";
            case EVTCHNOP_reset -> "reset";
            case EVTCHNOP_init_control -> "init_control";
            case EVTCHNOP_expand_array -> "expand_array";
            case EVTCHNOP_set_priority -> "set_priority";
            case EVTCHNOP_reset_cont -> "reset_cont";
            default -> "evtchnop#" + cmd;
        };
    }

    /** The name of a public port state, as QEMU's xen-event-list prints it. */
    public static String statusName(int status) {
        return switch (status) {
            case EVTCHNSTAT_closed -> "closed";
            case EVTCHNSTAT_unbound -> "unbound";
            case EVTCHNSTAT_interdomain -> "interdomain";
            case EVTCHNSTAT_pirq -> "pirq";
            case EVTCHNSTAT_virq -> "virq";
            case EVTCHNSTAT_ipi -> "ipi";
            default -> "state#" + status;
        };
    }

    /**
     * Whether {@code cmd} is one of the sub-ops Xen's public header defines for an ABI's own
     * setup ({@code init_control} and {@code expand_array}, the FIFO ABI's). Xen answers one it
     * cannot serve with -EOPNOTSUPP (event_fifo.h without CONFIG_EVTCHN_FIFO), any unknown
     * sub-op with -ENOSYS; a variant of ours adds its own setup ops by declaring them.
     */
    public static boolean isAbiSetupOp(int cmd) {
        return cmd == EVTCHNOP_init_control || cmd == EVTCHNOP_expand_array;
    }

    /**
     * The size of the argument struct of a sub-op {@link #isAbiSetupOp} claims, or -1 for any
     * other: Xen's do_event_channel_op copies it in before the ABI's code runs, so a bad pointer
     * is -EFAULT even where the ABI is not served. Since 2.1.0.
     */
    public static int abiSetupArgSize(int cmd) {
        return switch (cmd) {
            case EVTCHNOP_init_control -> SIZEOF_EVTCHN_INIT_CONTROL;
            case EVTCHNOP_expand_array -> SIZEOF_EVTCHN_EXPAND_ARRAY;
            default -> -1;
        };
    }

    /** Whether a VIRQ is bound per vCPU (xen/common/event_channel.c, get_virq_type). */
    public static boolean isPerVcpuVirq(int virq) {
        return virq == VIRQ_TIMER || virq == VIRQ_DEBUG || virq == VIRQ_XENOPROF || virq == VIRQ_XENPMU;
    }
}
