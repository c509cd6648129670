package io.xenabi.domain.impl.sched;

import static io.xenabi.abi.XenErrno.EAGAIN;
import static io.xenabi.abi.XenErrno.EINVAL;
import static io.xenabi.abi.XenErrno.ENOSYS;
import static io.xenabi.abi.XenErrno.EPERM;
import static io.xenabi.abi.XenErrno.ESRCH;

import io.xenabi.abi.DomId;
import io.xenabi.abi.SchedOp;
import io.xenabi.domain.DomainState;
import io.xenabi.domain.DomainType;
import io.xenabi.domain.impl.domains.Domain;
import io.xenabi.domain.impl.domains.DomainTable;
import io.xenabi.domain.impl.domains.GuestStruct;
import io.xenabi.domain.impl.domains.Vcpu;
import io.xenabi.domain.impl.evtchn.AbiSwitch;
import io.xenabi.domain.impl.evtchn.EventChannels;
import io.xenabi.domain.impl.evtchn.Pollers;

/** {@code __HYPERVISOR_sched_op} (xen/common/sched/core.c): yield, block, shutdown, poll, remote_shutdown. */
public final class SchedOps {
    private final DomainTable table;
    private final EventChannels evtchn;
    private final AbiSwitch abis;

    public SchedOps(DomainTable table, EventChannels evtchn, AbiSwitch abis) {
        this.table = table;
        this.evtchn = evtchn;
        this.abis = abis;
    }

    public long op(Domain d, int vcpu, int cmd, long gpa) {
        Vcpu v = d.vcpus[vcpu];
        switch (cmd) {
            case SchedOp.SCHEDOP_yield:
                Thread.yield();
                return 0;
            case SchedOp.SCHEDOP_block:
                // vcpu_block_enable_events: enable delivery, sleep until an upcall is pending.
                d.enableEventDelivery(vcpu);
                v.waitUntil(() -> d.upcallPending(vcpu) && d.state() == DomainState.RUNNING || d.dying
                        || d.shuttingDown, Long.MAX_VALUE);
                return d.dying ? -ESRCH : 0;
            case SchedOp.SCHEDOP_shutdown: {
                int reason = GuestStruct.copyFrom(d.memory, gpa, 4).u32(SchedOp.SCHED_SHUTDOWN_REASON) & 0xFF;
                if (reason == SchedOp.SHUTDOWN_soft_reset) {
                    return softReset(d);
                }
                d.shutdown(reason);
                return 0;
            }
            case SchedOp.SCHEDOP_poll:
                return poll(d, v, gpa);
            case SchedOp.SCHEDOP_remote_shutdown:
                return remoteShutdown(d, gpa);
            default:
                return -ENOSYS;
        }
    }

    /**
     * SCHEDOP_remote_shutdown (xen/common/sched/core.c): struct sched_remote_shutdown is a
     * domid_t then an unsigned int reason. The domain is looked up by id (DOMID_SELF names none:
     * -ESRCH), and only a privileged caller may shut another down (XSM_DM_PRIV: -EPERM).
     */
    private long remoteShutdown(Domain d, long gpa) {
        GuestStruct s = GuestStruct.copyFrom(d.memory, gpa, 8);
        int dom = s.u16(0);
        Domain target = dom == DomId.DOMID_SELF ? null : table.byAnyId(d, dom);
        if (target == null) {
            return -ESRCH;
        }
        if (!d.privileged) {
            return -EPERM;
        }
        target.shutdown(s.u32(4));
        return 0;
    }

    /**
     * Xen's do_poll (xen/common/sched/core.c): an event to deliver ends the poll before any
     * entry is read, then the entries are copied one at a time, so a pending entry ends it
     * before a later entry that would fault (FIDELITY-GAPS E7). The list is not checked as a
     * whole: guest_handle_okay only rejects Xen's own virtual range for a PV guest and nothing
     * for a translated one, and xenabi's guest addresses have no such range.
     *
     * <p>The vCPU sleeps until it is unblocked, by
     * evtchn_check_pollers (one of its ports, or with several any port, became newly pending)
     * or vcpu_kick (an upcall became pending), or until its timeout. A setup op, a hot swap or
     * an unpause ends no poll ({@link Vcpu#recheck()}); xenabi also ends it when the domain
     * shuts down or dies, so that the guest's thread leaves the door.
     *
     * <p>A port whose ABI implementation is away (a hot swap) cannot be read: the poll sleeps
     * and reads such ports again once the implementation is back, ending if one is pending,
     * as it would have ended at once in Xen.
     */
    private long poll(Domain d, Vcpu v, long gpa) {
        GuestStruct s = GuestStruct.copyFrom(d.memory, gpa, SchedOp.SIZEOF_SCHED_POLL);
        long portsGpa = s.u64(SchedOp.SCHED_POLL_PORTS);
        long nrPorts = s.u32AsLong(SchedOp.SCHED_POLL_NR_PORTS);
        long timeout = s.u64(SchedOp.SCHED_POLL_TIMEOUT);
        if (nrPorts > 128) {
            return -EINVAL;
        }
        long kicks = v.beginWait();
        v.pollEvtchn = -1;
        Pollers.setPollBit(d, v.id);
        try {
            if (d.upcallPending(v.id) && !d.upcallMasked(v.id)) { // local_events_need_delivery
                return 0;
            }
            int port = 0;
            int[] unread = new int[(int) nrPorts];
            int nrUnread = 0;
            for (int i = 0; i < nrPorts; i++) {
                // __copy_from_guest_offset: no alignment rule for the list (FIDELITY-GAPS E8)
                port = GuestStruct.u32At(d.memory, portsGpa + 4L * i);
                long rc = Pollers.portPoll(d, port);
                if (rc == Pollers.UNREADABLE) {
                    unread[nrUnread++] = port;
                } else if (rc != 0) {
                    return rc > 0 ? 0 : rc;
                }
            }
            if (nrPorts == 1) {
                v.pollEvtchn = port;
            }
            long deadline = Long.MAX_VALUE;
            if (timeout != 0) {
                long left = timeout - table.systemTime();
                deadline = System.nanoTime() + Math.max(0, left);
            }
            while (true) {
                boolean look = nrUnread > 0;
                boolean woken = v.waitUntil(() -> v.kickCount() != kicks || d.dying || look && d.ops != null,
                        deadline);
                if (!woken || v.kickCount() != kicks || d.dying) {
                    return 0;
                }
                int still = 0;
                for (int i = 0; i < nrUnread; i++) {
                    long rc = Pollers.portPoll(d, unread[i]);
                    if (rc > 0) {
                        return 0;
                    }
                    if (rc == Pollers.UNREADABLE) {
                        unread[still++] = unread[i]; // away again already
                    }
                }
                nrUnread = still;
            }
        } finally {
            v.pollEvtchn = 0;
            Pollers.clearPollBit(d, v.id);
            v.endWait();
        }
    }

    /**
     * SHUTDOWN_soft_reset, with the toolstack's part done at once (libxl calls
     * XEN_DOMCTL_soft_reset and unpauses): Xen's domain_soft_reset (xen/common/domain.c) closes
     * every event channel and puts the domain back on the base ABI; the grant table, the
     * domain's id and its permit bitmap are kept (Xen only warns about active grants).
     *
     * <p>Then x86's arch_domain_soft_reset (xen/arch/x86/domain.c) answers -EINVAL for a PV
     * domain, and domain_soft_reset calls domain_crash instead of domain_resume. That is
     * domain_shutdown(SHUTDOWN_crash) of a domain already shutting down, which changes nothing:
     * shutdown_code is only set while SHUTDOWN_CODE_INVALID. A PV domain thus stays shut down
     * with code SHUTDOWN_soft_reset, its ports closed, and never runs again.
     */
    private long softReset(Domain d) {
        if (!abis.canReturnToBaseAbi(d)) {
            return -EAGAIN;
        }
        boolean pv = d.config.type() == DomainType.PV;
        if (pv) {
            d.shutdown(SchedOp.SHUTDOWN_soft_reset); // the guest's domain_shutdown, before the domctl
        }
        for (int p = d.validPorts() - 1; p > 0; p--) {
            evtchn.close(d, p, false);
        }
        d.eventLock.lock();
        try {
            abis.returnToBaseAbi(d);
        } finally {
            d.eventLock.unlock();
        }
        if (!pv) {
            d.replaceSharedInfoInPhysmap(); // arch_domain_soft_reset (HVM and PVH alike)
            // domain_resume: running again, with no shutdown code (xen/common/domain.c)
            d.shutdownReason = Domain.SHUTDOWN_CODE_INVALID;
        }
        return 0;
    }
}
