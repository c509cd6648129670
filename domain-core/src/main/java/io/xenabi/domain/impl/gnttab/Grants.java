package io.xenabi.domain.impl.gnttab;

import io.xenabi.abi.AbiVariant;
import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import io.xenabi.domain.impl.domains.Domain;
import io.xenabi.gnttab.GrantEntryLayout;
import io.xenabi.gnttab.GrantTable;
import io.xenabi.gnttab.GrantVersion;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One domain's grant table: Xen's {@code struct grant_table} (shared and status frames, the
 * version in use, the active entries with their pins) and, for the domain as a mapper, its
 * maptrack. The frames are hypervisor pages the guest maps into its physmap; their gfns are
 * remembered as Xen's x86 {@code shared_gfn}/{@code status_gfn}.
 */
public final class Grants implements GrantTable {
    /** Xen's internal INVALID_GFN (~0UL, xen/include/xen/mm-frame.h), as a frame list shows it. */
    public static final long INVALID_GFN = -1L;
    /** Pin counters, 8 bits each, as Xen's GNTPIN_* (xen/common/grant_table.c). */
    public static final int GNTPIN_hstw_inc = 1;
    public static final int GNTPIN_hstr_inc = 1 << 8;
    public static final int GNTPIN_devw_inc = 1 << 16;
    public static final int GNTPIN_devr_inc = 1 << 24;
    public static final int GNTPIN_hstw_mask = 0xFF;
    public static final int GNTPIN_hstr_mask = 0xFF << 8;
    public static final int GNTPIN_devw_mask = 0xFF << 16;
    public static final int GNTPIN_devr_mask = 0xFF << 24;
    /**
     * Xen's GNTPIN_incr2oflow_mask: the top bit of each counter that {@code incr} increments.
     * Overflow is checked per counter (row G5): 128 writable pins do not stop a read-only one.
     */
    public static int overflowMask(int incr) {
        return incr << 7;
    }

    /**
     * Whether a new pin of {@code act} must check the shared entry and set its status bits
     * (Xen's map_grant_ref and acquire_grant_for_copy): for the first pin, and for the first
     * writable one. Otherwise the active entry is used as it is (row G20).
     */
    static boolean needsStatus(Active act, boolean readonly) {
        return act.pin == 0 || !readonly && (act.pin & (GNTPIN_hstw_mask | GNTPIN_devw_mask)) == 0;
    }

    /** The domain's grant table, or null before a base grant-table version is present. */
    public static Grants of(Domain d) {
        return (Grants) d.grants;
    }

    /**
     * Whether {@code gfn} is a page of {@code d}'s own: in its RAM and not another domain's page
     * mapped there by a grant. Xen's get_paged_frame takes a reference on the page for its owner,
     * which fails for a foreign page (GNTST_bad_page): a domain cannot grant on, or copy through,
     * what it has only mapped.
     */
    static boolean ownedFrame(Domain d, long gfn) {
        return d.memory.isValidGfn(gfn) && !d.memory.isForeign(gfn);
    }


    /**
     * Clears GTF_writing with the last writable pin and GTF_reading with the last pin (the
     * entry's table locked). When a transitive grant loses its last pin, returns the grant it
     * resolved to, for the caller to release once it has unlocked: no two tables are ever
     * locked at once, so grants that refer to each other cannot deadlock (XSA-411).
     */
    static Active.Ref releaseStatus(Grants g, int ref, Active act) {
        boolean noWriters = (act.pin & (Grants.GNTPIN_hstw_mask | Grants.GNTPIN_devw_mask)) == 0;
        boolean none = act.pin == 0;
        g.version.release(g, ref, none, noWriters);
        if (none && act.trans != null) {
            Active.Ref inner = act.trans;
            act.trans = null;
            return inner;
        }
        return null;
    }

    /** Xen's struct active_grant_entry. */
    public static final class Active {
        public int pin;
        /** The domain holding the pins. */
        public int domid;
        public long frame;
        public int start;
        public int length;
        /** Whether the copy window is a sub-page one (Xen's is_sub_page). */
        public boolean subPage;
        /** Whether the pinned entry is transitive (its target is in {@link #trans} once resolved). */
        public boolean transitive;
        /** Transitive: the grant this one resolved to, released with its last pin. */
        public Ref trans;

        /** A pinned grant of another table that a transitive grant resolved to. */
        public record Ref(Grants table, int ref, boolean writable, GrantCopy.Buf buf) {
        }
    }

    /** Xen's struct grant_mapping: one handle of this domain as mapper. */
    public static final class Mapping {
        public Grants granter;
        public int ref;
        public int flags;
        /** The gfn the host part was mapped at. */
        public long hostGfn;
        /** The granted page the mapping maps (Xen's act->mfn). */
        public GuestPage page;
        public long devBusAddr;
    }

    public final Domain domain;
    public final ReentrantLock lock = new ReentrantLock();
    private final java.util.concurrent.locks.Condition versionBack = lock.newCondition();
    /** True while the implementation of this table's version is being swapped (hot swap). */
    private boolean swapping;
    /** When true, nobody waits for a swap to end (the framework is stopping). */
    public java.util.function.BooleanSupplier abandon = () -> false;
    public final int maxFrames;
    public volatile AbiVariant variant;
    public volatile GrantVersion version;
    private final List<GuestPage> shared = new ArrayList<>();
    private final List<GuestPage> status = new ArrayList<>();
    public final long[] sharedGfn;
    public final long[] statusGfn;
    private Active[] active = new Active[0];

    /**
     * What this domain's host mappings displaced, per gfn, the latest first: each grant page
     * placed at a gfn has one entry there, which comes back when that mapping is taken away.
     * A null page is a fresh page of RAM. Guarded by {@link #hostMapLock}.
     */
    private final java.util.Map<Long, Displaced> displaced = new java.util.HashMap<>();
    /** Orders this domain's grant host mappings and unmappings in its physmap (taken after a granter's lock). */
    private final ReentrantLock hostMapLock = new ReentrantLock();

    /** What a host mapping displaced at a gfn, on top of what {@code under} it displaced before. */
    private record Displaced(GuestPage page, boolean foreign, boolean readonly, Displaced under) {
    }

    private void pushDisplaced(long gfn, GuestPage page, boolean foreign, boolean readonly) {
        displaced.put(gfn, new Displaced(page, foreign, readonly, displaced.get(gfn)));
    }

    /**
     * The granted pages this domain's live host mappings map, each with how many mappings map
     * it (by identity). Guarded by {@link #hostMapLock}.
     */
    private final java.util.IdentityHashMap<GuestPage, Integer> hostMapped = new java.util.IdentityHashMap<>();

    /** The handles this domain holds as a mapper (Xen's maptrack). */
    public final Maptrack maptrack;

    Grants(Domain domain, int maxFrames, int maxMaptrackFrames) {
        this.domain = domain;
        this.maxFrames = maxFrames;
        this.maptrack = new Maptrack(Math.max(1, domain.vcpus.length), maxMaptrackFrames);
        this.sharedGfn = new long[maxFrames];
        this.statusGfn = new long[maxFrames];
        Arrays.fill(sharedGfn, INVALID_GFN);
        Arrays.fill(statusGfn, INVALID_GFN);
    }

    /**
     * Takes the table's lock, first waiting while its version's implementation is away: grant
     * operations on the table are held until the new implementation is in place.
     */
    public void enter() {
        lock.lock();
        while (swapping && !abandon.getAsBoolean()) {
            try {
                versionBack.awaitNanos(100_000_000L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The version's implementation leaves: hold operations (lock held by the caller). */
    public void beginSwap() {
        swapping = true;
    }

    /** A new implementation of the same version takes over (lock held by the caller). */
    public void endSwap(GrantVersion v) {
        version = v;
        swapping = false;
        versionBack.signalAll();
    }

    public boolean swapping() {
        return swapping;
    }

    @Override
    public int domid() {
        return domain.domid;
    }

    @Override
    public GuestMemory memory() {
        return domain.memory;
    }

    @Override
    public int nrFrames() {
        return shared.size();
    }

    @Override
    public GuestPage sharedFrame(int i) {
        return shared.get(i);
    }

    @Override
    public int nrStatusFrames() {
        return status.size();
    }

    @Override
    public GuestPage statusFrame(int i) {
        return status.get(i);
    }

    public int nrEntries() {
        return shared.size() * version.entriesPerFrame();
    }

    /** Xen's gnttab_grow_table (lock held): false when {@code frames} exceeds the limit. */
    public boolean grow(int frames) {
        if (frames > maxFrames) {
            return false;
        }
        while (shared.size() < frames) {
            shared.add(domain.hypervisorPages.fresh());
        }
        ensureStatusFrames();
        int entries = nrEntries();
        if (active.length < entries) {
            active = Arrays.copyOf(active, entries);
        }
        return true;
    }

    public void ensureStatusFrames() {
        int need = version.statusFramesFor(shared.size());
        while (status.size() < need) {
            status.add(domain.hypervisorPages.fresh());
        }
    }

    /** Releases the status frames (v2 to v1), taking them out of the guest's physmap. */
    public void dropStatusFrames() {
        for (int i = 0; i < statusGfn.length; i++) {
            if (statusGfn[i] != INVALID_GFN) {
                domain.physmap.map(statusGfn[i], domain.physmap.ramPage(statusGfn[i]));
            }
        }
        status.clear();
        Arrays.fill(statusGfn, INVALID_GFN);
    }

    public Active active(int ref) {
        Active a = active[ref];
        if (a == null) {
            a = new Active();
            active[ref] = a;
        }
        return a;
    }

    /** Whether any entry at or beyond {@code from} is pinned (set_version's -EBUSY). */
    public boolean pinnedFrom(int from) {
        for (int i = from; i < active.length; i++) {
            if (active[i] != null && active[i].pin != 0) {
                return true;
            }
        }
        return false;
    }

    /** The references with pins now, in order (table locked): for gnttab:list and the invariant checks. */
    public List<Integer> pinnedRefs() {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < active.length; i++) {
            if (active[i] != null && active[i].pin != 0) {
                out.add(i);
            }
        }
        return out;
    }

    public int pinOf(int ref) {
        return ref < active.length && active[ref] != null ? active[ref].pin : 0;
    }

    /**
     * Whether a pinned entry of this table names the domain's own frame {@code gfn} (lock held):
     * in Xen its page then holds references beyond the domain's own (a transitive entry's frame
     * is another domain's).
     */
    public boolean pinsFrame(long gfn) {
        for (Active a : active) {
            if (a != null && a.pin != 0 && !a.transitive && a.frame == gfn) {
                return true;
            }
        }
        return false;
    }

    /** Live mappings of entries of this table, for gnttab:list. */
    public int mappingsOf(int ref) {
        int pin = pinOf(ref);
        return ((pin & GNTPIN_hstw_mask)) + ((pin & GNTPIN_hstr_mask) >>> 8) + ((pin & GNTPIN_devw_mask) >>> 16)
                + ((pin & GNTPIN_devr_mask) >>> 24);
    }

    /** Zeroes every shared frame except the reserved entries (set_version). */
    public void clearUnreserved(int reservedBytes) {
        for (int i = 0; i < shared.size(); i++) {
            GuestPage p = shared.get(i);
            int from = i == 0 ? reservedBytes : 0;
            p.fill(from, GuestPage.PAGE_SIZE - from, (byte) 0);
        }
        for (GuestPage s : status) {
            s.fill(0, GuestPage.PAGE_SIZE, (byte) 0);
        }
    }

    public static int reserved() {
        return GrantEntryLayout.GNTTAB_NR_RESERVED_ENTRIES;
    }

    // ------------------------------------------------------------ host mappings (this domain maps)

    /** create_grant_host_mapping, translated: the granted {@code page} goes to {@code gfn}. */
    void hostMap(long gfn, GuestPage page, boolean readonly) {
        hostMapLock.lock();
        try {
            GuestMemory mem = domain.memory;
            pushDisplaced(gfn, mem.page(gfn), mem.isForeign(gfn), mem.isReadOnly(gfn));
            hostMapped.merge(page, 1, Integer::sum);
            domain.physmap.mapForeign(gfn, page, readonly);
        } finally {
            hostMapLock.unlock();
        }
    }

    /**
     * Whether the physmap change being made now on this thread puts at {@code gfn} a granted
     * {@code page} that a live host mapping of this domain maps: only the grant code's own
     * changes (made under {@link #hostMapLock}) qualify. The native guests' isolation rule
     * (NativeGuestsImpl) names another domain's file to a process only for such a page.
     */
    public boolean placingGrantedPage(long gfn, GuestPage page) {
        GuestMemory mem = domain.memory;
        return hostMapLock.isHeldByCurrentThread() && hostMapped.containsKey(page) && mem.isValidGfn(gfn)
                && mem.isForeign(gfn) && mem.page(gfn) == page;
    }

    /**
     * replace_grant_host_mapping, translated: false, changing nothing, unless {@code gfn} maps the
     * granted {@code page} (the only check Xen makes of the address: row G21). Then what that
     * mapping displaced comes back, or with {@code replaceGfn >= 0} (unmap_and_replace) the page
     * at {@code replaceGfn} moves there, a grant mapping staying one, and {@code replaceGfn}
     * gets a fresh page of RAM (Xen's steal_linear_address leaves it unmapped).
     */
    boolean hostUnmap(long gfn, GuestPage page, long replaceGfn) {
        hostMapLock.lock();
        try {
            GuestMemory mem = domain.memory;
            if (!mem.isValidGfn(gfn) || !mem.isForeign(gfn) || mem.page(gfn) != page) {
                return false;
            }
            Displaced under = popDisplaced(gfn);
            hostMapped.computeIfPresent(page, (p, n) -> n == 1 ? null : n - 1);
            if (replaceGfn >= 0) {
                Displaced moved = new Displaced(mem.page(replaceGfn), mem.isForeign(replaceGfn),
                        mem.isReadOnly(replaceGfn), null);
                if (moved.foreign()) {
                    popDisplaced(replaceGfn); // what was under it goes with the fresh page below
                    pushDisplaced(gfn, null, false, false);
                }
                place(gfn, moved);
                domain.physmap.map(replaceGfn, domain.physmap.ramPage(replaceGfn));
            } else {
                place(gfn, under);
            }
            return true;
        } finally {
            hostMapLock.unlock();
        }
    }

    private Displaced popDisplaced(long gfn) {
        Displaced d = displaced.get(gfn);
        if (d == null) {
            return new Displaced(null, false, false, null);
        }
        if (d.under() == null) {
            displaced.remove(gfn);
        } else {
            displaced.put(gfn, d.under());
        }
        return d;
    }

    private void place(long gfn, Displaced d) {
        if (d.page() == null) {
            domain.physmap.map(gfn, domain.physmap.ramPage(gfn));
        } else if (d.foreign()) {
            domain.physmap.mapForeign(gfn, d.page(), d.readonly());
        } else {
            domain.physmap.map(gfn, d.page());
        }
    }
}
