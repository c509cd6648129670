package io.xenabi.abi;

/**
 * {@code __HYPERVISOR_sched_op} sub-ops, shutdown reasons and argument layouts
 * (xen/include/public/sched.h, x86_64).
 */
public final class SchedOp {
    public static final int SCHEDOP_yield = 0;
    public static final int SCHEDOP_block = 1;
    public static final int SCHEDOP_shutdown = 2;
    public static final int SCHEDOP_poll = 3;
    public static final int SCHEDOP_remote_shutdown = 4;
    public static final int SCHEDOP_shutdown_code = 5;
    public static final int SCHEDOP_watchdog = 6;
    public static final int SCHEDOP_pin_override = 7;

    public static final int SHUTDOWN_poweroff = 0;
    public static final int SHUTDOWN_reboot = 1;
    public static final int SHUTDOWN_suspend = 2;
    public static final int SHUTDOWN_crash = 3;
    public static final int SHUTDOWN_watchdog = 4;
    public static final int SHUTDOWN_soft_reset = 5;

    /** {@code struct sched_shutdown} (4 bytes): reason u32 @0. */
    public static final int SCHED_SHUTDOWN_REASON = 0;

    /**
     * {@code struct sched_poll} (24 bytes): ports (guest handle to evtchn_port_t[]) u64 @0,
     * nr_ports u32 @8, timeout u64 @16 (absolute system time in ns, 0 = none).
     */
    public static final int SCHED_POLL_PORTS = 0;
    public static final int SCHED_POLL_NR_PORTS = 8;
    public static final int SCHED_POLL_TIMEOUT = 16;
    public static final int SIZEOF_SCHED_POLL = 24;

    private SchedOp() {
    }
}
