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
    /** Xen's INVALID_GFN as the guest sees it in a frame list. */
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
    /** struct grant_mapping is 16 bytes: 256 handles per maptrack frame. */
    public static final int MAPTRACK_PER_PAGE = GuestPage.PAGE_SIZE / 16;

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
        public long hostGfn;
        public GuestPage displaced;
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
    public final int maxMaptrack;
    public volatile AbiVariant variant;
    public volatile GrantVersion version;
    private final List<GuestPage> shared = new ArrayList<>();
    private final List<GuestPage> status = new ArrayList<>();
    public final long[] sharedGfn;
    public final long[] statusGfn;
    private Active[] active = new Active[0];

    public final ReentrantLock maptrackLock = new ReentrantLock();
    private final List<Mapping> maptrack = new ArrayList<>();
    private final List<Integer> freeHandles = new ArrayList<>();

    Grants(Domain domain, int maxFrames, int maxMaptrackFrames) {
        this.domain = domain;
        this.maxFrames = maxFrames;
        this.maxMaptrack = (int) Math.min(Integer.MAX_VALUE, (long) maxMaptrackFrames * MAPTRACK_PER_PAGE);
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

    // ------------------------------------------------------------ maptrack (this domain maps)

    /**
     * get_maptrack_handle: a free handle, or -1 when the limit is reached. {@code m} may be null
     * to reserve the handle until {@link #install} publishes its finished mapping.
     */
    public int newHandle(Mapping m) {
        maptrackLock.lock();
        try {
            if (!freeHandles.isEmpty()) {
                int h = freeHandles.remove(freeHandles.size() - 1);
                maptrack.set(h, m);
                return h;
            }
            if (maptrack.size() >= maxMaptrack) {
                return -1;
            }
            maptrack.add(m);
            return maptrack.size() - 1;
        } finally {
            maptrackLock.unlock();
        }
    }

    /** Publishes the mapping of a handle reserved with {@code newHandle(null)}. */
    public void install(int handle, Mapping m) {
        maptrackLock.lock();
        try {
            maptrack.set(handle, m);
        } finally {
            maptrackLock.unlock();
        }
    }

    public Mapping mapping(long handle) {
        maptrackLock.lock();
        try {
            return handle >= 0 && handle < maptrack.size() ? maptrack.get((int) handle) : null;
        } finally {
            maptrackLock.unlock();
        }
    }

    public void freeHandle(int handle) {
        maptrackLock.lock();
        try {
            maptrack.set(handle, null);
            freeHandles.add(handle);
        } finally {
            maptrackLock.unlock();
        }
    }

    /** The handles in use now (for gnttab_release_mappings). */
    public List<Integer> handlesInUse() {
        maptrackLock.lock();
        try {
            List<Integer> out = new ArrayList<>();
            for (int h = 0; h < maptrack.size(); h++) {
                if (maptrack.get(h) != null) {
                    out.add(h);
                }
            }
            return out;
        } finally {
            maptrackLock.unlock();
        }
    }

    /** Handles in use, for tests and the shell. */
    public int mappingsInUse() {
        maptrackLock.lock();
        try {
            return (int) maptrack.stream().filter(m -> m != null).count();
        } finally {
            maptrackLock.unlock();
        }
    }
}
