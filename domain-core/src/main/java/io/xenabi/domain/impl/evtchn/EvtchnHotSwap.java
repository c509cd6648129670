package io.xenabi.domain.impl.evtchn;

import io.xenabi.abi.AbiVariant;
import io.xenabi.domain.impl.domains.Domain;
import io.xenabi.domain.impl.domains.DomainTable;
import io.xenabi.domain.impl.variants.Variants;
import io.xenabi.evtchn.EvtchnPortOps;
import io.xenabi.evtchn.EvtchnVariant;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Event-channel variant services coming and going: a new base gives waiting domains their
 * ABI; an implementation leaving (or replaced by a newer one) hands its domains' state over
 * and they wait, their sends held, until the next implementation imports it.
 */
public final class EvtchnHotSwap {
    private static final System.Logger LOG = System.getLogger(EvtchnHotSwap.class.getName());

    private final DomainTable table;
    private final Variants variants;
    private final AbiSwitch abis;
    /** True while the framework stops: no implementation comes back then. */
    private final BooleanSupplier stopping;

    public EvtchnHotSwap(DomainTable table, Variants variants, AbiSwitch abis, BooleanSupplier stopping) {
        this.table = table;
        this.variants = variants;
        this.abis = abis;
        this.stopping = stopping;
    }

    public void added(EvtchnVariant service, Map<String, Object> properties) {
        Variants.Added added = variants.offer(AbiVariant.FAMILY_EVTCHN, service, properties);
        AbiVariant v = added.variant();
        if (added.replaced() != null && !stopping.getAsBoolean()) {
            suspendDomainsOn(added.replaced().variant()); // a newer implementation takes over
        }
        if (v != null) {
            resumeWaiting(v, service);
        }
        if (v != null && v.isBase()) {
            for (Domain d : table.all()) {
                d.eventLock.lock();
                try {
                    if (d.ops == null && d.evtchnVariant == null) {
                        AbiSwitch.changeOps(d, () -> abis.attachBase(d));
                    }
                } finally {
                    d.eventLock.unlock();
                }
            }
        }
    }

    public void removed(EvtchnVariant service) {
        Variants.Removed removed = variants.withdraw(service);
        AbiVariant gone = removed.variant();
        if (gone == null || stopping.getAsBoolean()) {
            // While the framework stops no implementation comes back: domains keep the one they
            // have so their guests can still shut down cleanly.
            return;
        }
        suspendDomainsOn(gone);
        if (removed.promoted() != null) {
            resumeWaiting(gone, (EvtchnVariant) removed.promoted().service());
        }
    }

    /**
     * Hot swap, first half: every domain on {@code gone}'s implementation hands its state over
     * and waits; sends to it are held from now on.
     */
    private void suspendDomainsOn(AbiVariant gone) {
        for (Domain d : table.all()) {
            d.eventLock.lock();
            try {
                if (d.ops != null && d.evtchnVariant != null && d.evtchnVariant.equals(gone)) {
                    AbiSwitch.changeOps(d, () -> {
                        d.handoverState = d.ops.exportState();
                        d.ops.destroy();
                        d.ops = null;
                    });
                }
            } finally {
                d.eventLock.unlock();
            }
        }
    }

    /**
     * Hot swap, second half: domains waiting for {@code v} import their state into the new
     * implementation and the sends held meanwhile are replayed in order.
     */
    private void resumeWaiting(AbiVariant v, EvtchnVariant service) {
        for (Domain d : table.all()) {
            d.eventLock.lock();
            try {
                if (!d.waitingForVariant() || !d.evtchnVariant.qualifiedName().equals(v.qualifiedName())) {
                    continue;
                }
                EvtchnPortOps imported;
                try {
                    imported = service.importState(d, d.handoverState);
                } catch (IllegalArgumentException e) {
                    LOG.log(System.Logger.Level.ERROR, "domain " + d.domid + " cannot take over its "
                            + v.qualifiedName() + " state: " + e.getMessage() + "; it keeps waiting");
                    continue;
                }
                // reopen replays the sends held meanwhile, in order, and kicks every vCPU
                AbiSwitch.changeOps(d, () -> {
                    d.ops = imported;
                    d.evtchnVariant = v;
                    d.handoverState = null;
                });
            } finally {
                d.eventLock.unlock();
            }
        }
    }
}
