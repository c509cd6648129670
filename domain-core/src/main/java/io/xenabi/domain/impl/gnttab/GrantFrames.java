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
    /** Xen's internal INITIAL_NR_GRANT_FRAMES (xen/arch/x86/include/asm/grant_table.h). */
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
     * frame, or under a version with status frames (v2) with XENMAPIDX_grant_table_status a
     * status frame; under v1 the status bit is just part of a far too large shared idx. An idx
     * beyond the table grows it, when the frames that needs fit the limit: a status idx grows it
     * to as many shared frames as idx + 1 status frames serve (gnttab_get_status_frame_mfn's
     * status_to_grant_frames: status frame 1 under v2 is 16 shared frames), row G17. A frame is
     * mapped at one gfn at a time (XSA-379): mapping it again moves it, and its old gfn gets a
     * fresh page.
     */
    public static long map(Domain d, long idx, long gpfn) {
        Grants g = Grants.of(d);
        if (g == null) {
            return -EINVAL;
        }
        g.enter();
        try {
            boolean status = (idx & MemoryOp.XENMAPIDX_grant_table_status) != 0
                    && g.version.statusFramesFor(g.nrFrames()) > 0;
            // idx is a xen_ulong_t, but gnttab_get_shared_frame_mfn and gnttab_get_status_frame_mfn
            // take an unsigned int (xen/common/grant_table.c, 4.17): the upper half is dropped after
            // the status bit is looked at, so 1 << 32 names shared frame 0 on x86.
            long i = (status ? idx & ~MemoryOp.XENMAPIDX_grant_table_status : idx) & 0xFFFF_FFFFL;
            GuestPage frame;
            long[] gfns;
            if (status) {
                if (Long.compareUnsigned(i, g.nrStatusFrames()) >= 0) {
                    int grant = Long.compareUnsigned(i, g.maxFrames) < 0 ? sharedFramesServedBy(g, (int) i + 1) : -1;
                    if (grant > 0) {
                        g.grow(grant);
                    }
                    if (Long.compareUnsigned(i, g.nrStatusFrames()) >= 0) {
                        return -EINVAL;
                    }
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

    /**
     * Xen's status_to_grant_frames under the table's version: the most shared frames whose
     * status fits in {@code nrStatus} status frames (v2: 8 per status frame), or -1 when that
     * is beyond the limit or no number of shared frames needs exactly {@code nrStatus} (Xen's
     * overflow check, grant_to_status_frames(nr_grant) != nr_status).
     */
    private static int sharedFramesServedBy(Grants g, int nrStatus) {
        if (g.version.statusFramesFor(g.maxFrames + 1) <= nrStatus) {
            return -1; // the most frames nrStatus serves are more than the limit, or none are exact
        }
        for (int n = g.maxFrames; n > 0; n--) {
            int s = g.version.statusFramesFor(n);
            if (s == nrStatus) {
                return n;
            }
            if (s < nrStatus) {
                return -1;
            }
        }
        return -1;
    }
}
