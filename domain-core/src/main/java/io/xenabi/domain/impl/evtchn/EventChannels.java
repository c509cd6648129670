package io.xenabi.domain.impl.evtchn;

import static io.xenabi.abi.XenErrno.EBUSY;
import static io.xenabi.abi.XenErrno.EEXIST;
import static io.xenabi.abi.XenErrno.EINVAL;
import static io.xenabi.abi.XenErrno.ENOENT;
import static io.xenabi.abi.XenErrno.ENOSYS;
import static io.xenabi.abi.XenErrno.EPERM;
import static io.xenabi.abi.XenErrno.ESRCH;
import static io.xenabi.evtchn.EvtchnOp.*;

import io.xenabi.abi.DomId;
import io.xenabi.domain.DomainType;
import io.xenabi.domain.impl.domains.Domain;
import io.xenabi.domain.impl.domains.DomainTable;
import io.xenabi.domain.impl.domains.GuestStruct;
import io.xenabi.domain.impl.domains.Port;
import io.xenabi.domain.impl.domains.Vcpu;
import io.xenabi.evtchn.EvtchnPortOps;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * The generic half of {@code __HYPERVISOR_event_channel_op}: port allocation, binding,
 * closing, sending, status, and the routing of ABI-specific sub-ops to the variants. Follows
 * xen/common/event_channel.c case by case; the variant (evtchn-2l, evtchn-fifo) owns what
 * lives in guest memory.
 */
public final class EventChannels {
    /** How Xen classifies a VIRQ (xen/common/event_channel.c, get_virq_type). */
    public enum VirqType { VCPU, DOMAIN, GLOBAL }

    private final DomainTable table;
    private final AbiSwitch abis;

    public EventChannels(DomainTable table, AbiSwitch abis) {
        this.table = table;
        this.abis = abis;
    }

    public static VirqType virqType(int virq) {
        return switch (virq) {
            case VIRQ_TIMER, VIRQ_DEBUG, VIRQ_XENOPROF, VIRQ_XENPMU -> VirqType.VCPU;
            case VIRQ_ARGO -> VirqType.DOMAIN;
            // VIRQ_ARCH_0..7: x86's arch_get_virq_type() says global.
            default -> VirqType.GLOBAL;
        };
    }

    /** do_event_channel_op: the struct at {@code gpa} is copied in and, on success, back out. */
    public long op(Domain cur, int vcpu, int cmd, long gpa) {
        return switch (cmd) {
            case EVTCHNOP_alloc_unbound -> allocUnbound(cur, gpa);
            case EVTCHNOP_bind_interdomain -> bindInterdomain(cur, gpa);
            case EVTCHNOP_bind_virq -> bindVirq(cur, gpa);
            case EVTCHNOP_bind_ipi -> bindIpi(cur, gpa);
            case EVTCHNOP_bind_pirq -> bindPirq(cur, gpa);
            case EVTCHNOP_close -> close(cur, GuestStruct.copyFrom(cur.memory, gpa, 4).u32(PORT), true);
            case EVTCHNOP_send -> send(cur, readPort(cur, gpa));
            case EVTCHNOP_status -> status(cur, gpa);
            case EVTCHNOP_bind_vcpu -> {
                GuestStruct s = GuestStruct.copyFrom(cur.memory, gpa, 8);
                yield bindVcpu(cur, s.u32(BIND_VCPU_PORT), s.u32(BIND_VCPU_VCPU));
            }
            case EVTCHNOP_unmask -> unmask(cur, GuestStruct.copyFrom(cur.memory, gpa, 4).u32(PORT));
            case EVTCHNOP_reset, EVTCHNOP_reset_cont -> reset(cur, gpa, cmd == EVTCHNOP_reset_cont);
            case EVTCHNOP_set_priority -> {
                GuestStruct s = GuestStruct.copyFrom(cur.memory, gpa, 8);
                yield setPriority(cur, s.u32(SET_PRIORITY_PORT), s.u32(SET_PRIORITY_PRIORITY));
            }
            default -> abis.variantSetupOp(cur, vcpu, cmd, gpa);
        };
    }

    /** The port of a one-word struct (send, the hot path); a bad address raises GuestFault. */
    private static int readPort(Domain cur, long gpa) {
        return GuestStruct.u32At(cur.memory, gpa + PORT);
    }

    /** XSM_TARGET in the dummy policy: the domain itself or a privileged one. */
    private static boolean xsmTarget(Domain cur, Domain target) {
        return cur == target || cur.privileged;
    }

    private long allocUnbound(Domain cur, long gpa) {
        GuestStruct s = GuestStruct.copyFrom(cur.memory, gpa, 8);
        int dom = s.u16(ALLOC_UNBOUND_DOM);
        int remoteDom = s.u16(ALLOC_UNBOUND_REMOTE_DOM);
        Domain d = table.byAnyId(cur, dom);
        if (d == null) {
            return -ESRCH;
        }
        return bindNew(d, s, ALLOC_UNBOUND_PORT, () -> 0, () -> xsmTarget(cur, d) ? 0 : -EPERM, chn -> {
            chn.state = Port.ECS_UNBOUND;
            chn.unboundRemoteDomid = remoteDom == DomId.DOMID_SELF ? cur.domid : remoteDom;
        });
    }

    /**
     * The common shape of alloc_unbound, bind_virq and bind_ipi: under the event lock, run
     * {@code before}, take a free port, run {@code after}, bind it, write its number to the
     * struct and copy the struct back. A failed check leaves the port free.
     */
    private long bindNew(Domain d, GuestStruct s, int outOffset, IntSupplier before, IntSupplier after,
            Consumer<Port> bind) {
        d.eventLock.lock();
        int port = -1;
        try {
            int rc = before.getAsInt();
            if (rc != 0) {
                return rc;
            }
            port = d.getFreePort();
            if (port < 0) {
                return port;
            }
            rc = after.getAsInt();
            if (rc != 0) {
                return rc;
            }
            Port chn = d.port(port);
            synchronized (chn) {
                bind.accept(chn);
                portInit(d, chn);
            }
            s.put32(outOffset, port).copyBack();
            return 0;
        } finally {
            d.checkFreePort(port);
            d.eventLock.unlock();
        }
    }

    private long bindInterdomain(Domain ld, long gpa) {
        GuestStruct s = GuestStruct.copyFrom(ld.memory, gpa, 12);
        int rdom = s.u16(BIND_INTERDOMAIN_REMOTE_DOM);
        int rport = s.u32(BIND_INTERDOMAIN_REMOTE_PORT);
        Domain rd = table.byAnyId(ld, rdom);
        if (rd == null) {
            return -ESRCH;
        }
        lockTwo(ld, rd);
        int lport = -1;
        try {
            lport = ld.getFreePort();
            if (lport < 0) {
                return lport;
            }
            Port lchn = ld.port(lport);
            Port rchn = rd.portIsValid(Integer.toUnsignedLong(rport)) ? rd.port(rport) : null;
            if (rchn == null || rchn.state != Port.ECS_UNBOUND || rchn.unboundRemoteDomid != ld.domid) {
                return -EINVAL;
            }
            Port first = ld.domid < rd.domid || (ld == rd && lport < rport) ? lchn : rchn;
            Port second = first == lchn ? rchn : lchn;
            synchronized (first) {
                synchronized (second) {
                    lchn.remoteDomain = rd;
                    lchn.remotePort = rport;
                    lchn.state = Port.ECS_INTERDOMAIN;
                    portInit(ld, lchn);
                    rchn.remoteDomain = ld;
                    rchn.remotePort = lport;
                    rchn.state = Port.ECS_INTERDOMAIN;
                    // "We may have lost notifications on the remote unbound port": Xen always
                    // sets the new local port pending (xen/common/event_channel.c).
                    setPending(ld, lchn);
                }
            }
            s.put32(BIND_INTERDOMAIN_LOCAL_PORT, lport).copyBack();
            return 0;
        } finally {
            ld.checkFreePort(lport);
            unlockTwo(ld, rd);
        }
    }

    private long bindVirq(Domain d, long gpa) {
        GuestStruct s = GuestStruct.copyFrom(d.memory, gpa, 12);
        int virq = s.u32(BIND_VIRQ_VIRQ);
        int vcpu = s.u32(BIND_VIRQ_VCPU);
        if (virq < 0 || virq >= NR_VIRQS) {
            return -EINVAL;
        }
        VirqType type = virqType(virq);
        if (type != VirqType.VCPU && vcpu != 0) {
            return -EINVAL;
        }
        if (vcpu < 0 || vcpu >= d.vcpus.length) {
            return -ENOENT;
        }
        Vcpu v = d.vcpus[vcpu];
        return bindNew(d, s, BIND_VIRQ_PORT, () -> {
            // Global VIRQs belong to the hardware domain (no other handler can be set yet).
            if (type == VirqType.GLOBAL && !d.privileged) {
                return -EBUSY;
            }
            return v.virqToEvtchn.get(virq) != 0 ? -EEXIST : 0;
        }, () -> 0, chn -> {
            chn.state = Port.ECS_VIRQ;
            chn.notifyVcpu = vcpu;
            chn.virq = virq;
            v.virqToEvtchn.set(virq, chn.port());
        });
    }

    private long bindIpi(Domain d, long gpa) {
        GuestStruct s = GuestStruct.copyFrom(d.memory, gpa, 8);
        int vcpu = s.u32(BIND_IPI_VCPU);
        if (vcpu < 0 || vcpu >= d.vcpus.length) {
            return -ENOENT;
        }
        return bindNew(d, s, BIND_IPI_PORT, () -> 0, () -> 0, chn -> {
            chn.state = Port.ECS_IPI;
            chn.notifyVcpu = vcpu;
        });
    }

    /**
     * Xen's {@code evtchn_bind_pirq} (xen/common/event_channel.c): -EINVAL beyond
     * {@code nr_pirqs}; only a PV domain is asked for access (pirq_access_permitted), and
     * xenabi emulates no physical interrupts, so a PV domain always gets -EPERM. A HVM or PVH
     * domain is not asked and does no pirq_guest_bind: it gets a port bound to the PIRQ on
     * vCPU 0, then -EEXIST while that port is open (FIDELITY-GAPS E3). Nothing ever raises such
     * a port, as in Xen for a PIRQ no device interrupt is mapped to.
     */
    private long bindPirq(Domain d, long gpa) {
        GuestStruct s = GuestStruct.copyFrom(d.memory, gpa, 12);
        long pirq = s.u32AsLong(BIND_PIRQ_PIRQ);
        if (pirq >= d.nrPirqs) {
            return -EINVAL;
        }
        if (d.config.type() == DomainType.PV) {
            return -EPERM;
        }
        int irq = (int) pirq;
        return bindNew(d, s, BIND_PIRQ_PORT, () -> d.pirqToEvtchn[irq] != 0 ? -EEXIST : 0, () -> 0, chn -> {
            chn.state = Port.ECS_PIRQ;
            chn.pirq = irq;
            chn.notifyVcpu = 0;
            d.pirqToEvtchn[irq] = chn.port();
        });
    }

    /**
     * Xen's {@code evtchn_close}; {@code guest} is false when the toolstack tears down. An
     * interdomain port needs both event locks, lower domid first: with the peer's domid above
     * its own the caller keeps its lock and takes the peer's; below, it lets its own go, takes
     * both and looks again. If meanwhile the port was closed and bound to another domain, the
     * close answers -EINVAL, as Xen does (it must have passed through ECS_FREE), and leaves the
     * new binding alone (xen/common/event_channel.c, evtchn_close's {@code goto again}).
     */
    public long close(Domain d1, int port1, boolean guest) {
        Port chn1 = d1.portIsValid(Integer.toUnsignedLong(port1)) ? d1.port(port1) : null;
        if (chn1 == null) {
            return -EINVAL;
        }
        d1.eventLock.lock();
        Domain d2 = chn1.state == Port.ECS_INTERDOMAIN ? chn1.remoteDomain : null;
        if (d2 == null || d2 == d1) {
            try {
                return closeLocked(d1, chn1, d2);
            } finally {
                d1.eventLock.unlock();
            }
        }
        if (d1.domid < d2.domid) {
            d2.eventLock.lock(); // d1 held throughout: nothing moved
        } else {
            d1.eventLock.unlock();
            lockTwo(d1, d2);
        }
        try {
            if (chn1.state == Port.ECS_INTERDOMAIN && chn1.remoteDomain != d2) {
                return -EINVAL; // closed and re-bound elsewhere while d1 was unlocked
            }
            return closeLocked(d1, chn1, chn1.state == Port.ECS_INTERDOMAIN ? d2 : null);
        } finally {
            unlockTwo(d1, d2);
        }
    }

    private long closeLocked(Domain d1, Port chn1, Domain d2) {
        switch (chn1.state) {
            case Port.ECS_FREE, Port.ECS_RESERVED:
                return -EINVAL;
            case Port.ECS_UNBOUND, Port.ECS_IPI:
                break;
            case Port.ECS_PIRQ:
                if (d1.pirqToEvtchn[chn1.pirq] == chn1.port()) {
                    d1.pirqToEvtchn[chn1.pirq] = 0; // Xen: pirq->evtchn = 0
                }
                break;
            case Port.ECS_VIRQ: {
                Vcpu v = d1.vcpus[virqType(chn1.virq) != VirqType.VCPU ? 0 : chn1.notifyVcpu];
                v.virqToEvtchn.compareAndSet(chn1.virq, chn1.port(), 0);
                break;
            }
            case Port.ECS_INTERDOMAIN: {
                Port chn2 = d2.port(chn1.remotePort);
                Port first = d1.domid < d2.domid || (d1 == d2 && chn1.port() < chn2.port()) ? chn1 : chn2;
                Port second = first == chn1 ? chn2 : chn1;
                synchronized (first) {
                    synchronized (second) {
                        free(d1, chn1);
                        chn2.state = Port.ECS_UNBOUND;
                        chn2.unboundRemoteDomid = d1.domid;
                        chn2.remoteDomain = null;
                    }
                }
                return 0;
            }
            default:
                throw new IllegalStateException("port state " + chn1.state);
        }
        synchronized (chn1) {
            free(d1, chn1);
        }
        return 0;
    }

    /** Xen's {@code evtchn_free} (event lock held, so the ops stay): clear pending so a re-bind starts clean. */
    private static void free(Domain d, Port chn) {
        EvtchnPortOps o = d.ops;
        if (o != null) {
            o.clearPending(chn);
        } else {
            d.unhold(chn);
        }
        d.activePorts.decrementAndGet();
        chn.state = Port.ECS_FREE;
        chn.notifyVcpu = 0;
        chn.remoteDomain = null;
        d.portFreed(chn.port());
    }

    /** Xen's {@code evtchn_send}. */
    public long send(Domain ld, int lport) {
        Port lchn = ld.portIsValid(Integer.toUnsignedLong(lport)) ? ld.port(lport) : null;
        if (lchn == null) {
            return -EINVAL;
        }
        synchronized (lchn) {
            switch (lchn.state) {
                case Port.ECS_INTERDOMAIN -> {
                    Domain rd = lchn.remoteDomain;
                    setPending(rd, rd.port(lchn.remotePort));
                    return 0;
                }
                case Port.ECS_IPI -> {
                    setPending(ld, lchn);
                    return 0;
                }
                case Port.ECS_UNBOUND -> {
                    return 0; // silently dropped, as Xen does
                }
                default -> {
                    return -EINVAL;
                }
            }
        }
    }

    /**
     * evtchn_port_set_pending, whose ABI checks the pollers when the port became newly pending
     * (an ABI that does not gets them checked here after every send). The caller holds the monitor of
     * {@code chn}, or of the interdomain peer port it sends from (see {@link Domain}).
     */
    public void setPending(Domain d, Port chn) {
        EvtchnPortOps o;
        while ((o = d.portOps()) == null) {
            if (d.holdIfClosed(chn)) {
                return; // the ops are changing or away: replayed when they are back
            }
        }
        o.setPending(chn);
        d.afterSetPending(o, chn);
    }

    /**
     * Runs a port op that cannot be held (unmask, set_priority, a query) on the domain's ops
     * with the port's monitor held, waiting out a change of the ops; -EAGAIN (the door waits for
     * the implementation) when they are away.
     */
    public static long withOps(Domain d, Port chn, java.util.function.ToLongFunction<EvtchnPortOps> op) {
        while (true) {
            synchronized (chn) {
                EvtchnPortOps o = d.portOps();
                if (o != null) {
                    return op.applyAsLong(o);
                }
                if (!d.quiescing()) {
                    return -io.xenabi.abi.XenErrno.EAGAIN; // swapped meanwhile: the door retries
                }
            }
            d.awaitQuiesced();
        }
    }

    private long status(Domain cur, long gpa) {
        GuestStruct s = GuestStruct.copyFrom(cur.memory, gpa, SIZEOF_EVTCHN_STATUS);
        int dom = s.u16(STATUS_DOM);
        int port = s.u32(STATUS_PORT);
        Domain d = table.byAnyId(cur, dom);
        if (d == null) {
            return -ESRCH;
        }
        Port chn = d.portIsValid(Integer.toUnsignedLong(port)) ? d.port(port) : null;
        if (chn == null) {
            return -EINVAL;
        }
        if (!xsmTarget(cur, d)) {
            return -EPERM;
        }
        d.eventLock.lock();
        try {
            s.put32(STATUS_STATUS, chn.publicStatus());
            switch (chn.state) {
                case Port.ECS_UNBOUND -> s.put16(STATUS_U, chn.unboundRemoteDomid);
                case Port.ECS_INTERDOMAIN -> s.put16(STATUS_U, chn.remoteDomain.domid)
                        .put32(STATUS_U_INTERDOMAIN_PORT, chn.remotePort);
                case Port.ECS_PIRQ -> s.put32(STATUS_U, chn.pirq);
                case Port.ECS_VIRQ -> s.put32(STATUS_U, chn.virq);
                default -> { }
            }
            s.put32(STATUS_VCPU, chn.notifyVcpu);
        } finally {
            d.eventLock.unlock();
        }
        s.copyBack();
        return 0;
    }

    private long bindVcpu(Domain d, int port, int vcpu) {
        if (vcpu < 0 || vcpu >= d.vcpus.length) {
            return -ENOENT;
        }
        Port chn = d.portIsValid(Integer.toUnsignedLong(port)) ? d.port(port) : null;
        if (chn == null) {
            return -EINVAL;
        }
        d.eventLock.lock();
        try {
            switch (chn.state) {
                case Port.ECS_VIRQ:
                    if (virqType(chn.virq) == VirqType.VCPU) {
                        return -EINVAL;
                    }
                    chn.notifyVcpu = vcpu;
                    return 0;
                case Port.ECS_UNBOUND, Port.ECS_INTERDOMAIN:
                    chn.notifyVcpu = vcpu;
                    return 0;
                case Port.ECS_PIRQ:
                    // Xen also moves the port to the vCPU's PIRQ list and sets the IRQ's
                    // affinity; xenabi has neither.
                    chn.notifyVcpu = vcpu;
                    return 0;
                default:
                    return -EINVAL;
            }
        } finally {
            d.eventLock.unlock();
        }
    }

    /**
     * Xen's {@code evtchn_unmask}: 0 for any valid port, but the ABI only unmasks a port in use
     * ({@code evtchn_port_unmask} checks {@code evtchn_usable}, since the XSA-343 fixes): a free
     * port's mask bit or event word is left as the guest set it.
     */
    private long unmask(Domain d, int port) {
        Port chn = d.portIsValid(Integer.toUnsignedLong(port)) ? d.port(port) : null;
        if (chn == null) {
            return -EINVAL;
        }
        return withOps(d, chn, o -> {
            if (chn.isOpen()) {
                o.unmask(chn);
            }
            return 0;
        });
    }

    private long reset(Domain cur, long gpa, boolean resuming) {
        GuestStruct s = GuestStruct.copyFrom(cur.memory, gpa, 2);
        Domain d = table.byAnyId(cur, s.u16(RESET_DOM));
        if (d == null) {
            return -ESRCH;
        }
        if (!xsmTarget(cur, d)) {
            return -EPERM;
        }
        return reset(cur, d, resuming);
    }

    /**
     * Xen's {@code evtchn_reset}: closes every port and returns the domain to the base ABI.
     * Only the domain itself, or a controller while the domain is paused, may reset it; xenabi
     * never preempts, so {@code EVTCHNOP_reset_cont} finds no reset to continue (-EBUSY).
     */
    public long reset(Domain cur, Domain d, boolean resuming) {
        if (d != cur && d.pauseCount == 0) { // Xen: !d->controller_pause_count
            return -EINVAL;
        }
        if (!abis.canReturnToBaseAbi(d)) {
            // No implementation of the base ABI is present (its bundle is stopped): try again
            // once it is back, before anything has changed.
            return -io.xenabi.abi.XenErrno.EAGAIN;
        }
        d.eventLock.lock();
        int i;
        try {
            i = resuming ? d.nextEvtchn : (d.nextEvtchn == 0 ? 1 : 0);
            if (i > d.nextEvtchn) {
                d.nextEvtchn = i;
            }
        } finally {
            d.eventLock.unlock();
        }
        if (i == 0) {
            return -EBUSY;
        }
        for (; d.portIsValid(i) && d.activePorts.get() > 0; i++) {
            close(d, i, true);
        }
        d.eventLock.lock();
        try {
            d.nextEvtchn = 0;
            if (d.activePorts.get() > 0) {
                return -io.xenabi.abi.XenErrno.EAGAIN;
            }
            abis.returnToBaseAbi(d);
            return 0;
        } finally {
            d.eventLock.unlock();
        }
    }

    private long setPriority(Domain d, int port, int priority) {
        Port chn = d.portIsValid(Integer.toUnsignedLong(port)) ? d.port(port) : null;
        if (chn == null) {
            return -EINVAL;
        }
        return withOps(d, chn, o -> {
            // Xen's evtchn_port_set_priority (xen/include/xen/event.h, since the XSA-343
            // fixes): an ABI without the op answers -ENOSYS, a port not in use -EACCES, both
            // decided here before the ABI is called.
            if (!o.hasPriorities()) {
                return -ENOSYS;
            }
            if (!chn.isOpen()) {
                return -io.xenabi.abi.XenErrno.EACCES;
            }
            return o.setPriority(chn, priority);
        });
    }

    /** Xen's {@code evtchn_port_init} (event lock held, so the ops stay): the ABI's hook when a port is bound. */
    private static void portInit(Domain d, Port chn) {
        d.ops.init(chn);
    }

    public static void lockTwo(Domain a, Domain b) {
        if (a == b) {
            a.eventLock.lock();
        } else if (a.domid < b.domid) {
            a.eventLock.lock();
            b.eventLock.lock();
        } else {
            b.eventLock.lock();
            a.eventLock.lock();
        }
    }

    public static void unlockTwo(Domain a, Domain b) {
        a.eventLock.unlock();
        if (a != b) {
            b.eventLock.unlock();
        }
    }

}
