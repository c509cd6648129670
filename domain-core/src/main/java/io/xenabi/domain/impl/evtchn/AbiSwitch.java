package io.xenabi.domain.impl.evtchn;

import io.xenabi.abi.AbiVariant;
import io.xenabi.abi.XenErrno;
import io.xenabi.domain.impl.domains.Domain;
import io.xenabi.domain.impl.domains.Port;
import io.xenabi.domain.impl.variants.Variants;
import io.xenabi.evtchn.EvtchnOp;
import io.xenabi.evtchn.EvtchnPortOps;
import io.xenabi.evtchn.EvtchnSetupArg;
import io.xenabi.evtchn.EvtchnVariant;

/**
 * Which event-channel ABI a domain runs: the base one from creation, another when the guest
 * asks by a variant's setup op and may use it (available ∩ permitted ∩ host maximum), the base
 * again after EVTCHNOP_reset. Every change of a domain's ops goes through the quiesce gate of
 * {@link Domain} ({@link #changeOps}).
 */
public final class AbiSwitch {
    private final Variants variants;

    public AbiSwitch(Variants variants) {
        this.variants = variants;
    }

    /**
     * Changes a domain's ops (event lock held): no port op runs meanwhile, and the events sent
     * meanwhile are replayed on the ops in place afterwards (see {@link Domain}).
     */
    public static void changeOps(Domain d, Runnable change) {
        d.quiesce();
        try {
            change.run();
        } finally {
            d.reopen();
        }
    }

    /** The base event-channel variant present now, or null. */
    public Variants.Impl<EvtchnVariant> base() {
        return variants.base(AbiVariant.FAMILY_EVTCHN);
    }

    /** Gives a domain (event lock held, its ops quiesced) a fresh instance of the base ABI. */
    public void attachBase(Domain d) {
        Variants.Impl<EvtchnVariant> base = base();
        d.ops = base.service().create(d);
        d.evtchnVariant = base.variant();
        if (d.port(0) == null) {
            d.allocatePort(0);
            d.port(0).state = Port.ECS_RESERVED;
            d.activePorts.set(0);
        }
    }

    /**
     * Whether EVTCHNOP_reset can take the domain back to the base ABI: it is on it already, or
     * an implementation of the base variant is present to go back to.
     */
    public boolean canReturnToBaseAbi(Domain d) {
        return (d.evtchnVariant != null && d.evtchnVariant.isBase()) || base() != null;
    }

    /** After EVTCHNOP_reset (event lock held): back to the base ABI when the domain had switched away. */
    public void returnToBaseAbi(Domain d) {
        if ((d.evtchnVariant != null && d.evtchnVariant.isBase()) || base() == null) {
            return;
        }
        changeOps(d, () -> {
            EvtchnPortOps old = d.ops;
            attachBase(d);
            if (old != null) {
                old.destroy();
            }
            d.takeHeld(); // every port is closed: nothing to replay
        });
    }

    /**
     * An ABI-specific sub-op (EVTCHNOP_init_control, expand_array, ...): routed to the variant
     * that declares it when the domain may use it (available ∩ permitted ∩ host maximum), its
     * argument struct copied in first and, when the op succeeded and changed it, back out
     * (Xen's do_event_channel_op around evtchn_fifo_init_control). A sub-op a present variant
     * or Xen's header defines for an ABI's setup answers -EOPNOTSUPP when the domain may not
     * use it, as the xen-devel design for refused FIFO asks; any other -ENOSYS.
     */
    long variantSetupOp(Domain d, int vcpu, int cmd, long gpa) {
        d.eventLock.lock();
        d.quiesce();
        try {
            AbiVariant current = d.evtchnVariant;
            Variants.Impl<EvtchnVariant> inUse = current == null ? null
                    : variants.get(AbiVariant.FAMILY_EVTCHN, current.name());
            EvtchnVariant.SetupOp op = inUse == null ? null : setupOp(inUse.service(), cmd);
            if (op != null) {
                EvtchnSetupArg arg = copyIn(d, gpa, op);
                long rc = d.ops.setupOp(vcpu, cmd, arg);
                copyBack(d, gpa, arg, rc);
                return rc;
            }
            int claimedSize = EvtchnOp.abiSetupArgSize(cmd);
            for (Variants.Impl<EvtchnVariant> cand : variants.<EvtchnVariant>of(AbiVariant.FAMILY_EVTCHN)) {
                op = setupOp(cand.service(), cmd);
                if (op == null) {
                    continue;
                }
                if (claimedSize < 0) {
                    claimedSize = op.argSize();
                }
                if (!d.permits(cand.variant())) {
                    continue;
                }
                EvtchnSetupArg arg = copyIn(d, gpa, op);
                EvtchnPortOps fresh = cand.service().create(d);
                long rc;
                try {
                    rc = fresh.setupOp(vcpu, cmd, arg);
                } catch (RuntimeException e) {
                    fresh.destroy();
                    throw e;
                }
                if (rc < 0) {
                    fresh.destroy();
                    return rc;
                }
                switchAbi(d, fresh, cand.variant());
                copyBack(d, gpa, arg, rc);
                return rc;
            }
            if (claimedSize < 0) {
                return -XenErrno.ENOSYS;
            }
            // do_event_channel_op copies the struct in before the ABI's code refuses: a bad
            // pointer is -EFAULT even where the ABI is withheld (FIDELITY-GAPS E9).
            copyIn(d, gpa, claimedSize);
            return -XenErrno.EOPNOTSUPP;
        } finally {
            d.reopen();
            d.eventLock.unlock();
        }
    }

    private static EvtchnVariant.SetupOp setupOp(EvtchnVariant v, int cmd) {
        for (EvtchnVariant.SetupOp op : v.setupOps()) {
            if (op.cmd() == cmd) {
                return op;
            }
        }
        return null;
    }

    /** copy_from_guest of the op's struct; a bad address raises GuestFault before anything changed. */
    private static EvtchnSetupArg copyIn(Domain d, long gpa, EvtchnVariant.SetupOp op) {
        return copyIn(d, gpa, op.argSize());
    }

    private static EvtchnSetupArg copyIn(Domain d, long gpa, int size) {
        byte[] raw = new byte[size];
        d.memory.read(gpa, raw, 0, raw.length);
        return new EvtchnSetupArg(raw);
    }

    /** __copy_to_guest on success, of a struct the variant wrote to (a fault is -EFAULT, the op stays done, as in Xen). */
    private static void copyBack(Domain d, long gpa, EvtchnSetupArg arg, long rc) {
        if (rc >= 0 && arg.changed()) {
            byte[] raw = arg.bytes();
            d.memory.write(gpa, raw, 0, raw.length);
        }
    }

    /**
     * Moves the ports to the new ABI, carrying pending events over: Xen's setup_ports
     * (xen/common/event_fifo.c) walks every valid port below the old ABI's limit, free ones
     * too, and takes the pending bit the guest's 2-level bitmap holds for it (FIDELITY-GAPS E13).
     */
    private static void switchAbi(Domain d, EvtchnPortOps fresh, AbiVariant variant) {
        EvtchnPortOps old = d.ops;
        int limit = Math.min(d.validPorts(), old.maxPorts());
        for (int p = 1; p < limit; p++) {
            Port chn = d.port(p);
            fresh.adopt(chn, old.isPending(chn));
        }
        d.ops = fresh;
        d.evtchnVariant = variant;
        old.destroy();
    }
}
