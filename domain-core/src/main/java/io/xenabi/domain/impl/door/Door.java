package io.xenabi.domain.impl.door;

import static io.xenabi.abi.XenErrno.EAGAIN;
import static io.xenabi.abi.XenErrno.EFAULT;
import static io.xenabi.abi.XenErrno.EINVAL;
import static io.xenabi.abi.XenErrno.ENOSYS;
import static io.xenabi.abi.XenErrno.ESRCH;

import io.xenabi.abi.GuestFault;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.XenVersion;
import io.xenabi.domain.DomainState;
import io.xenabi.domain.impl.domains.Domain;
import io.xenabi.domain.impl.domains.DomainTable;
import io.xenabi.domain.impl.evtchn.EventChannels;
import io.xenabi.domain.impl.gnttab.GrantTables;
import io.xenabi.domain.impl.memory.MemoryOps;
import io.xenabi.domain.impl.platform.PlatformOps;
import io.xenabi.domain.impl.sched.SchedOps;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The hypercall door: the caller looked up, a paused vCPU held, the call dispatched to its
 * family, and the nothing-throws policy: a guest fault is -EFAULT, and a bug of xenabi's is
 * counted, logged and answered -EFAULT, never thrown at the guest.
 */
public final class Door {
    private static final System.Logger LOG = System.getLogger(Door.class.getName());
    /**
     * What XENVER_version answers: major {@code << 16 |} minor, 4.19, as xen/common/kernel.c's
     * do_xen_version builds it from XEN_VERSION and XEN_SUBVERSION, which are Xen's internal
     * build constants (xen/include/xen/compile.h, generated from compile.h.in), not public ABI.
     */
    public static final int XEN_VERSION = (4 << 16) | 19;

    private final DomainTable table;
    private final EventChannels evtchn;
    private final GrantTables gnttab;
    private final SchedOps sched;
    private final MemoryOps memory;
    private final PlatformOps platform;
    private final BooleanSupplier stopping;
    /** Hypercalls that failed inside xenabi (a bug): counted for the fuzz tests, logged. */
    private final AtomicLong internalErrors;

    public Door(DomainTable table, EventChannels evtchn, GrantTables gnttab, SchedOps sched, MemoryOps memory,
            BooleanSupplier stopping, AtomicLong internalErrors) {
        this.table = table;
        this.evtchn = evtchn;
        this.gnttab = gnttab;
        this.sched = sched;
        this.memory = memory;
        this.platform = new PlatformOps(table);
        this.stopping = stopping;
        this.internalErrors = internalErrors;
    }

    /** The door with the first {@code nargs} arguments given (no op of xenabi reads more than 3). */
    public long call(int domid, int vcpu, int op, int nargs, long arg0, long arg1, long arg2) {
        Domain d = table.get(domid);
        if (d == null || d.dying) {
            return -ESRCH;
        }
        if (vcpu < 0 || vcpu >= d.vcpus.length) {
            return -EINVAL;
        }
        if (d.state() == DomainState.PAUSED) {
            // A paused vCPU does not run: the call goes on once the toolstack unpauses.
            d.vcpus[vcpu].waitUntil(() -> d.state() != DomainState.PAUSED, Long.MAX_VALUE);
            if (d.dying) {
                return -ESRCH;
            }
        }
        if (!d.config.hasXenInterfaces()
                && (op == Hypercall.__HYPERVISOR_event_channel_op || op == Hypercall.__HYPERVISOR_grant_table_op)) {
            return -ENOSYS; // an HVM guest with Xen's extensions hidden sees neither family at all
        }
        try {
            return switch (op) {
                case Hypercall.__HYPERVISOR_event_channel_op -> nargs < 2 ? -EFAULT
                        : d.evtchnVariant == null ? -EAGAIN
                        : evtchnOp(d, vcpu, (int) arg0, arg1);
                case Hypercall.__HYPERVISOR_grant_table_op -> nargs < 3 ? -EFAULT
                        : d.grants == null ? -ENOSYS
                        : gnttab.op(d, vcpu, (int) arg0, arg1, arg2);
                case Hypercall.__HYPERVISOR_sched_op -> nargs < 1 ? -EFAULT
                        : sched.op(d, vcpu, (int) arg0, arg1);
                case Hypercall.__HYPERVISOR_memory_op -> nargs < 2 ? -EFAULT
                        : memory.op(d, (int) arg0, arg1);
                case Hypercall.__HYPERVISOR_xen_version -> nargs < 1 ? -EFAULT
                        : (int) arg0 == XenVersion.XENVER_version ? XEN_VERSION
                        : (int) arg0 == XenVersion.XENVER_get_features
                                ? (nargs < 2 ? -EFAULT : platform.getFeatures(d, arg1)) : -ENOSYS;
                case Hypercall.__HYPERVISOR_vcpu_op -> nargs < 3 ? -EFAULT
                        : platform.vcpuOp(d, (int) arg0, arg1, arg2);
                case Hypercall.__HYPERVISOR_hvm_op -> nargs < 2 ? -EFAULT
                        : platform.hvmOp(d, (int) arg0, arg1);
                default -> -ENOSYS;
            };
        } catch (GuestFault f) {
            return -EFAULT;
        } catch (RuntimeException e) {
            // A bug of ours must not reach the guest as an exception; Xen would BUG().
            internalErrors.incrementAndGet();
            LOG.log(System.Logger.Level.ERROR, "hypercall " + Hypercall.name(op) + " from d" + domid + "v" + vcpu
                    + " failed inside xenabi", e);
            return -EFAULT;
        }
    }

    /**
     * An event-channel op of a domain whose variant may be swapped at any moment: waits for an
     * implementation, and runs the op again when it found none after all (such an op has changed
     * nothing: the swap needs the event lock, which binds hold throughout).
     */
    private long evtchnOp(Domain d, int vcpu, int cmd, long gpa) {
        while (true) {
            if (!awaitVariant(d, vcpu)) {
                return d.dying ? -ESRCH : -EAGAIN;
            }
            long rc = evtchn.op(d, vcpu, cmd, gpa);
            if (rc != -EAGAIN || !d.waitingForVariant()) {
                return rc;
            }
        }
    }

    /**
     * A vCPU of a domain whose variant implementation is being swapped waits, as a paused one
     * does, until the new implementation has taken over; false when the domain died meanwhile.
     */
    private boolean awaitVariant(Domain d, int vcpu) {
        while (d.ops == null && !d.dying) {
            if (stopping.getAsBoolean()) {
                return false; // no implementation will come back: answer at once
            }
            d.vcpus[vcpu].waitUntil(() -> d.ops != null || d.dying, System.nanoTime() + 100_000_000L);
        }
        return !d.dying;
    }
}
