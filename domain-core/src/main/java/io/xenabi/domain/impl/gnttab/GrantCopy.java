package io.xenabi.domain.impl.gnttab;

import static io.xenabi.gnttab.GnttabOp.*;
import static io.xenabi.gnttab.GnttabStatus.*;
import static io.xenabi.gnttab.GrantFlags.*;

import io.xenabi.abi.DomId;
import io.xenabi.abi.GuestPage;
import io.xenabi.domain.impl.domains.Domain;
import io.xenabi.domain.impl.domains.DomainTable;
import io.xenabi.domain.impl.domains.GuestStruct;
import io.xenabi.domain.impl.gnttab.Grants.Active;
import io.xenabi.gnttab.GrantEntry;
import io.xenabi.gnttab.GrantVersion;

/**
 * GNTTABOP_copy (xen/common/grant_table.c, gnttab_copy): each side claimed by a grant
 * reference (a host pin, following a transitive grant one level) or by an owned frame, the
 * bytes copied within both windows, and the pins dropped again.
 */
final class GrantCopy {
    /**
     * How deep transitive grants are followed: one level, as Xen's acquire_grant_for_copy
     * (the grant a transitive one names is acquired with {@code allow_transitive} false), so a
     * chain or a cycle of transitive grants is {@code general_error}.
     */
    public static final int MAX_TRANSITIVE_DEPTH = 1;
    /** acquireForCopy's answer when another copy is resolving the same transitive grant. */
    private static final Object RETRY = new Object();
    /** acquireLocked's answer, on the one-lock path only, for a grant that is (or was pinned) transitive. */
    private static final Object GENERAL_PATH = new Object();

    private final DomainTable table;

    GrantCopy(DomainTable table) {
        this.table = table;
    }

    /** Drops one copy pin of {@code ref} in {@code g}, then whatever it resolved to. */
    private static void unpin(Grants g, int ref, boolean writable) {
        while (g != null) {
            Active.Ref next;
            g.enter();
            try {
                Active act = g.active(ref);
                act.pin -= writable ? Grants.GNTPIN_hstw_inc : Grants.GNTPIN_hstr_inc;
                next = Grants.releaseStatus(g, ref, act);
            } finally {
                g.lock.unlock();
            }
            g = next == null ? null : next.table();
            ref = next == null ? 0 : next.ref();
            writable = next != null && next.writable();
        }
    }

    // ------------------------------------------------------------ copy

    /** One side of a copy once claimed: the page and the window the grant allows. */
    public record Buf(GuestPage page, int start, int length, Grants table, int ref, boolean writable) {
    }

    void copy(Domain cur, GuestStruct s) {
        s.put16(COPY_STATUS, copyOne(cur, s));
    }

    private int copyOne(Domain cur, GuestStruct s) {
        int len = s.u16(COPY_LEN);
        int flags = s.u16(COPY_FLAGS);
        if (len == 0) {
            return GNTST_okay; // nothing else is checked (hardening after XSA-448)
        }
        boolean srcGref = (flags & GNTCOPY_source_gref) != 0;
        boolean dstGref = (flags & GNTCOPY_dest_gref) != 0;
        int srcDom = s.u16(COPY_SOURCE + COPY_PTR_DOMID);
        int dstDom = s.u16(COPY_DEST + COPY_PTR_DOMID);
        // gnttab_copy_lock_domains: the source whole (a frame only of DOMID_SELF, then the
        // domain), then the destination the same way (row G12).
        if (!srcGref && srcDom != DomId.DOMID_SELF) {
            return GNTST_permission_denied;
        }
        Domain sd = table.byAnyId(cur, srcDom);
        if (sd == null) {
            return GNTST_bad_domain;
        }
        if (!dstGref && dstDom != DomId.DOMID_SELF) {
            return GNTST_permission_denied;
        }
        Domain dd = table.byAnyId(cur, dstDom);
        if (dd == null) {
            return GNTST_bad_domain;
        }
        if (srcGref != dstGref) {
            int st = copyUnderOneLock(cur, s, len, srcGref ? sd : dd, srcGref ? dd : sd, srcGref);
            if (st != GENERAL) {
                return st;
            }
        }
        Buf src = null;
        Buf dst = null;
        try {
            Object sb = claim(cur, sd, s, COPY_SOURCE, srcGref, true);
            if (sb instanceof Integer st) {
                return st;
            }
            src = (Buf) sb;
            Object db = claim(cur, dd, s, COPY_DEST, dstGref, false);
            if (db instanceof Integer st) {
                return st;
            }
            dst = (Buf) db;
            return copyBytes(s, len, src, dst);
        } finally {
            unclaim(src);
            unclaim(dst);
        }
    }

    /** {@link #copyUnderOneLock}'s answer when the copy must take the general path. */
    private static final int GENERAL = Integer.MIN_VALUE;

    /**
     * A backend's common copy in one hold of the granter's lock: one side a grant that is not
     * transitive, the other a frame of the caller's own (DOMID_SELF's, as the frame side must
     * be). The grant is acquired as {@link #acquireForCopy} does, the bytes copied and the pin
     * dropped before the lock is let go. Xen takes the lock twice (acquire_grant_for_copy, then
     * release_grant_for_copy after the copy), but what other vCPUs can see is the same: they
     * take the lock to look at the pin, so none sees it held, and the guest sees GTF_reading or
     * GTF_writing set in its entry throughout the copy, as Xen sets them. The statuses come in
     * the general path's order: the source side's first, then the destination's, then the
     * bounds. {@link #GENERAL} when the grant is, or its active entry was pinned as, transitive.
     */
    private int copyUnderOneLock(Domain cur, GuestStruct s, int len, Domain granter, Domain frameOwner,
            boolean srcIsGrant) {
        int side = srcIsGrant ? COPY_DEST : COPY_SOURCE;
        long gmfn = s.u64(side + COPY_PTR_U);
        boolean frameOk = Grants.ownedFrame(frameOwner, gmfn);
        if (!srcIsGrant && !frameOk) {
            return GNTST_bad_page; // the source frame is claimed before the destination grant
        }
        int ref = s.u32((srcIsGrant ? COPY_SOURCE : COPY_DEST) + COPY_PTR_U);
        Grants rg = Grants.of(granter);
        boolean readonly = srcIsGrant;
        rg.enter();
        try {
            Object r = acquireLocked(cur.domid, rg, ref, readonly, 0, true);
            if (r == GENERAL_PATH) {
                return GENERAL;
            }
            if (r instanceof Integer st) {
                return st;
            }
            Buf g = (Buf) r;
            try {
                if (srcIsGrant && !frameOk) {
                    return GNTST_bad_page;
                }
                GuestPage frame = frameOwner.memory.page(gmfn);
                Buf src = srcIsGrant ? g : new Buf(frame, 0, GuestPage.PAGE_SIZE, null, 0, false);
                Buf dst = srcIsGrant ? new Buf(frame, 0, GuestPage.PAGE_SIZE, null, 0, true) : g;
                return copyBytes(s, len, src, dst);
            } finally {
                Active act = rg.active(ref);
                act.pin -= readonly ? Grants.GNTPIN_hstr_inc : Grants.GNTPIN_hstw_inc;
                Grants.releaseStatus(rg, ref, act); // not transitive: nothing to release beyond
            }
        } finally {
            rg.lock.unlock();
        }
    }

    /** The bounds of both windows, then the copy: GNTST_okay or the status of the bound broken. */
    private static int copyBytes(GuestStruct s, int len, Buf src, Buf dst) {
        int so = s.u16(COPY_SOURCE + COPY_PTR_OFFSET);
        int dof = s.u16(COPY_DEST + COPY_PTR_OFFSET);
        if (so + len > GuestPage.PAGE_SIZE || dof + len > GuestPage.PAGE_SIZE) {
            return GNTST_bad_copy_arg;
        }
        if (so < src.start || so + len > src.start + src.length || dof < dst.start
                || dof + len > dst.start + dst.length) {
            return GNTST_general_error; // outside the sub-page window
        }
        dst.page.copyFrom(src.page, so, dof, len);
        return GNTST_okay;
    }

    /** gnttab_copy_claim_buf: a Buf with a host pin held, or the GNTST status as an Integer. */
    private Object claim(Domain cur, Domain owner, GuestStruct s, int side, boolean gref, boolean readonly) {
        if (!gref) {
            long gmfn = s.u64(side + COPY_PTR_U);
            if (!Grants.ownedFrame(owner, gmfn)) {
                return GNTST_bad_page;
            }
            return new Buf(owner.memory.page(gmfn), 0, GuestPage.PAGE_SIZE, null, 0, !readonly);
        }
        int ref = s.u32(side + COPY_PTR_U);
        while (true) {
            Object r = acquireForCopy(cur.domid, Grants.of(owner), ref, readonly, 0);
            if (r != RETRY) {
                return r;
            }
            // Another vCPU holds the transitive grant half-resolved: Xen restarts the copy
            // (ERESTART); it goes on once that vCPU has pinned the target or given up.
            Thread.yield();
        }
    }

    /**
     * acquire_grant_for_copy: pins {@code ref} of {@code rg} for {@code domid} (a host pin),
     * following a transitive grant to the grant it names. Returns the Buf, or the GNTST status
     * as an Integer. One table is locked at a time; a transitive grant is pinned first, then
     * its target acquired with no lock held, and the pin undone if that fails.
     */
    private Object acquireForCopy(int domid, Grants rg, int ref, boolean readonly, int depth) {
        Object r;
        rg.enter();
        try {
            r = acquireLocked(domid, rg, ref, readonly, depth, false);
        } finally {
            rg.lock.unlock();
        }
        if (!(r instanceof GrantEntry e)) {
            return r;
        }
        // A fresh transitive grant: acquire the grant it names, as the granting domain.
        Domain td = table.byAnyId(rg.domain, e.transDomid());
        Object inner = td == null || td == rg.domain
                ? Integer.valueOf(GNTST_general_error)
                : acquireForCopy(rg.domain.domid, Grants.of(td), e.transGref(), readonly, depth + 1);
        if (inner instanceof Integer || inner == RETRY) {
            unpin(rg, ref, !readonly);
            return inner;
        }
        Buf b = (Buf) inner;
        rg.enter();
        try {
            Active act = rg.active(ref);
            act.trans = new Active.Ref(Grants.of(td), e.transGref(), !readonly, b);
            act.start = b.start();
            act.length = b.length();
        } finally {
            rg.lock.unlock();
        }
        return new Buf(b.page(), b.start(), b.length(), rg, ref, !readonly);
    }

    /**
     * acquireForCopy's part under {@code rg}'s lock: the Buf, the GNTST status as an Integer,
     * {@link #RETRY}, or, for a fresh transitive grant now pinned, its entry, whose target the
     * caller acquires with the lock let go. With {@code oneLock} ({@link #copyUnderOneLock}) a
     * transitive grant, or an entry pinned as one, is {@link #GENERAL_PATH} with nothing changed.
     */
    private static Object acquireLocked(int domid, Grants rg, int ref, boolean readonly, int depth,
            boolean oneLock) {
        if (ref < 0 || ref >= rg.nrEntries()) {
            return GNTST_bad_gntref;
        }
        Active act = rg.active(ref);
        int incr = readonly ? Grants.GNTPIN_hstr_inc : Grants.GNTPIN_hstw_inc;
        if (act.pin != 0 && (act.domid != domid || (act.pin & Grants.overflowMask(incr)) != 0)) {
            return GNTST_general_error;
        }
        GrantVersion v = rg.version;
        GrantEntry e = v.read(rg, ref);
        if (oneLock && (e.type() == GTF_transitive || act.pin != 0 && act.transitive)) {
            return GENERAL_PATH;
        }
        if (e.type() == GTF_transitive && depth >= MAX_TRANSITIVE_DEPTH) {
            return GNTST_general_error; // "transitive grant when transitivity not allowed"
        }
        if (act.pin != 0 && act.transitive && act.trans == null) {
            return RETRY; // never the transitive entry's own "frame": it names no page
        }
        if (act.pin != 0 && act.transitive && !readonly && !act.trans.writable()) {
            // Resolved read-only by a copy still running: xenabi holds one pin on the target
            // per active entry, so it cannot upgrade it in place as Xen does (a divergence
            // only for a copy that writes through a transitive grant another one reads).
            return GNTST_general_error;
        }
        if (Grants.needsStatus(act, readonly)) {
            int rc = v.acquire(rg, ref, domid, readonly, act.pin != 0, false);
            if (rc != GNTST_okay) {
                return rc;
            }
        }
        boolean fresh = act.pin == 0;
        if (!fresh && changedUnderPin(act, e, readonly)) {
            v.release(rg, ref, false, true);
            return GNTST_general_error;
        }
        if (fresh && e.type() != GTF_transitive && !Grants.ownedFrame(rg.domain, e.frame())) {
            v.release(rg, ref, true, !readonly);
            return GNTST_bad_page;
        }
        if (fresh) {
            act.domid = domid;
            act.frame = e.frame();
            act.start = e.subPage() ? activeStart(e.pageOffset()) : 0;
            act.length = e.subPage() ? e.length() : GuestPage.PAGE_SIZE;
            // Xen treats a transitive grant as sub-page whatever it resolves to.
            act.subPage = e.subPage() || e.type() == GTF_transitive;
            act.transitive = e.type() == GTF_transitive;
        }
        act.pin += incr;
        if (!fresh || e.type() != GTF_transitive) {
            if (act.trans == null) {
                return new Buf(rg.domain.memory.page(act.frame), act.start, act.length, rg, ref, !readonly);
            }
            Buf inner = act.trans.buf();
            return new Buf(inner.page(), inner.start(), inner.length(), rg, ref, !readonly);
        }
        return e;
    }

    /**
     * XSA-500: a copy that needs the first writable pin of a grant already pinned read-only is
     * where Xen reads the shared entry again (acquire_grant_for_copy); the entry may have been
     * changed by its granter since it was pinned, and the copy must not go on with a frame or
     * window other than the active entry's. True when they disagree as Xen checks them: another
     * frame, a sub-page window that is no longer the same, or an entry turned transitive.
     */
    private static boolean changedUnderPin(Active act, GrantEntry e, boolean readonly) {
        if (readonly || act.trans != null
                || (act.pin & (Grants.GNTPIN_hstw_mask | Grants.GNTPIN_devw_mask)) != 0) {
            return false; // the active entry is used as it is
        }
        return e.type() == GTF_transitive || e.frame() != act.frame
                || act.subPage && (!e.subPage() || activeStart(e.pageOffset()) != act.start || e.length() != act.length);
    }

    /**
     * Xen's active entry keeps a sub-page window's start in a 15-bit field ({@code start:15} of
     * struct active_grant_entry): a guest's page_off of 0x8064 is a window starting at 100 (G22).
     */
    static int activeStart(int pageOffset) {
        return pageOffset & 0x7FFF;
    }

    private static void unclaim(Buf b) {
        if (b != null && b.table != null) {
            unpin(b.table, b.ref, b.writable);
        }
    }

}
