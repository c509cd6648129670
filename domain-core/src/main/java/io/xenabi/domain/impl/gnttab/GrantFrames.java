package io.xenabi.domain.impl.gnttab;

import static io.xenabi.abi.XenErrno.EINVAL;

import io.xenabi.abi.AbiVariant;
import io.xenabi.abi.GuestPage;
import io.xenabi.abi.MemoryOp;
import io.xenabi.domain.impl.domains.Domain;
import io.xenabi.domain.impl.variants.Variants;
import io.xenabi.gnttab.GrantVersion;
import java.util.function.BooleanSupplier;

/** A domain's grant table coming into being, and its frames entering the guest's physmap. */
public final class GrantFrames {
    /** Xen's INITIAL_NR_GRANT_FRAMES. */
    public static final int INITIAL_NR_GRANT_FRAMES = 1;

    private GrantFrames() {
    }

    /**
     * Gives a domain its grant table (v1, one frame) once a base version is present;
     * {@code stopping} tells the table not to wait for a swap while the framework stops.
     */
    public static void attach(Domain d, Variants variants, BooleanSupplier stopping) {
        Variants.Impl<GrantVersion> base = variants.base(AbiVariant.FAMILY_GNTTAB);
        if (base == null || d.grants != null) {
            return;
        }
        Grants g = new Grants(d, d.config.maxGrantFrames(), d.config.maxMaptrackFrames());
        g.abandon = stopping;
        g.version = base.service();
        g.variant = base.variant();
        g.grow(INITIAL_NR_GRANT_FRAMES);
        d.grants = g;
    }

    /**
     * XENMAPSPACE_grant_table (xen/common/grant_table.c, gnttab_map_frame): idx names a shared
     * frame, or with XENMAPIDX_grant_table_status a status frame (v2 only); an idx beyond the
     * table grows it up to the limit. A frame is mapped at one gfn at a time (XSA-379): mapping
     * it again moves it, and its old gfn gets a fresh page.
     */
    public static long map(Domain d, long idx, long gpfn) {
        Grants g = Grants.of(d);
        if (g == null) {
            return -EINVAL;
        }
        boolean status = (idx & MemoryOp.XENMAPIDX_grant_table_status) != 0;
        // idx is a xen_ulong_t: compared unsigned, so "negative" indexes are far beyond the table.
        long i = idx & ~MemoryOp.XENMAPIDX_grant_table_status;
        g.enter();
        try {
            GuestPage frame;
            long[] gfns;
            if (status) {
                if (Long.compareUnsigned(i, g.nrStatusFrames()) >= 0) {
                    return -EINVAL; // no status frames under v1, or beyond them
                }
                frame = g.statusFrame((int) i);
                gfns = g.statusGfn;
            } else {
                if (Long.compareUnsigned(i, g.maxFrames) >= 0 || !g.grow((int) Math.max(g.nrFrames(), i + 1))) {
                    return -EINVAL;
                }
                frame = g.sharedFrame((int) i);
                gfns = g.sharedGfn;
            }
            long old = gfns[(int) i];
            if (old != Grants.INVALID_GFN && old != gpfn) {
                d.physmap.map(old, d.physmap.ramPage(old));
            }
            d.physmap.map(gpfn, frame);
            gfns[(int) i] = gpfn;
            return 0;
        } finally {
            g.lock.unlock();
        }
    }
}
