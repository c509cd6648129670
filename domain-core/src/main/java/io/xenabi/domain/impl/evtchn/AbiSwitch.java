package io.xenabi.domain.impl.evtchn;

import io.xenabi.abi.AbiVariant;
import io.xenabi.domain.impl.domains.Domain;
import io.xenabi.domain.impl.domains.Port;
import io.xenabi.domain.impl.variants.Variants;
import io.xenabi.evtchn.EvtchnPortOps;
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
            d.reopen(p -> Pollers.checkPollers(d, p.port()));
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
     * that claims it when the domain may use it (available ∩ permitted ∩ host maximum),
     * -EOPNOTSUPP when it may not, as the xen-devel design for refused FIFO asks.
     */
    long variantSetupOp(Domain d, int vcpu, int cmd, long gpa) {
        d.eventLock.lock();
        d.quiesce();
        try {
            AbiVariant current = d.evtchnVariant;
            Variants.Impl<EvtchnVariant> inUse = current == null ? null
                    : variants.get(AbiVariant.FAMILY_EVTCHN, current.name());
            if (inUse != null && inUse.service().setupOps().contains(cmd)) {
                return d.ops.setupOp(vcpu, cmd, gpa);
            }
            for (Variants.Impl<EvtchnVariant> cand : variants.<EvtchnVariant>of(AbiVariant.FAMILY_EVTCHN)) {
                if (!cand.service().setupOps().contains(cmd) || !d.permits(cand.variant())) {
                    continue;
                }
                EvtchnPortOps fresh = cand.service().create(d);
                long rc;
                try {
                    rc = fresh.setupOp(vcpu, cmd, gpa);
                } catch (RuntimeException e) {
                    fresh.destroy();
                    throw e;
                }
                if (rc < 0) {
                    fresh.destroy();
                    return rc;
                }
                switchAbi(d, fresh, cand.variant());
                return rc;
            }
            return EventChannels.unsupported(cmd);
        } finally {
            d.reopen(p -> Pollers.checkPollers(d, p.port()));
            d.eventLock.unlock();
        }
    }

    /** Moves every open port to the new ABI, carrying pending events over (Xen's setup_ports). */
    private static void switchAbi(Domain d, EvtchnPortOps fresh, AbiVariant variant) {
        EvtchnPortOps old = d.ops;
        for (int p = 1; p < d.validPorts(); p++) {
            Port chn = d.port(p);
            if (chn.isOpen()) {
                fresh.adopt(chn, old.isPending(chn));
            }
        }
        d.ops = fresh;
        d.evtchnVariant = variant;
        old.destroy();
    }
}
