package io.xenabi.domain.impl.gnttab;

import io.xenabi.abi.AbiVariant;
import io.xenabi.domain.impl.domains.Domain;
import io.xenabi.domain.impl.domains.DomainTable;
import io.xenabi.domain.impl.variants.Variants;
import io.xenabi.gnttab.GrantVersion;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Grant-table version services coming and going. Versions keep no state of their own: tables
 * on a leaving version hold their operations until the next implementation of it arrives.
 */
public final class GrantHotSwap {
    private final DomainTable table;
    private final Variants variants;
    private final BooleanSupplier stopping;

    public GrantHotSwap(DomainTable table, Variants variants, BooleanSupplier stopping) {
        this.table = table;
        this.variants = variants;
        this.stopping = stopping;
    }

    public void added(GrantVersion service, Map<String, Object> properties) {
        Variants.Added added = variants.offer(AbiVariant.FAMILY_GNTTAB, service, properties);
        AbiVariant v = added.variant();
        if (v != null) {
            takeOver(v, service, added.replaced() != null);
        }
        if (v != null && v.isBase()) {
            for (Domain d : table.all()) {
                GrantFrames.attach(d, variants, stopping);
            }
        }
    }

    public void removed(GrantVersion service) {
        Variants.Removed removed = variants.withdraw(service);
        AbiVariant gone = removed.variant();
        if (gone == null || stopping.getAsBoolean()) {
            return;
        }
        if (removed.promoted() != null) {
            takeOver(gone, (GrantVersion) removed.promoted().service(), true);
            return;
        }
        for (Domain d : table.all()) {
            Grants g = Grants.of(d);
            if (g != null && gone.equals(g.variant)) {
                g.lock.lock();
                try {
                    g.beginSwap();
                } finally {
                    g.lock.unlock();
                }
            }
        }
    }

    /**
     * Tables on {@code v} go on with {@code service}: those waiting for it, and with
     * {@code all} every one (a newer implementation replaces the running one).
     */
    private void takeOver(AbiVariant v, GrantVersion service, boolean all) {
        for (Domain d : table.all()) {
            Grants g = Grants.of(d);
            if (g != null && v.equals(g.variant)) {
                g.lock.lock();
                try {
                    if (g.swapping() || all) {
                        g.variant = v;
                        g.endSwap(service);
                    }
                } finally {
                    g.lock.unlock();
                }
            }
        }
    }
}
