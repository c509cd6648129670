package io.xenabi.domain.impl;

import static io.xenabi.abi.XenErrno.EBUSY;
import static io.xenabi.abi.XenErrno.EINVAL;
import static io.xenabi.abi.XenErrno.ENOSYS;
import static io.xenabi.abi.XenErrno.EOPNOTSUPP;
import static io.xenabi.abi.XenErrno.EPERM;
import static io.xenabi.abi.XenErrno.ERANGE;
import static io.xenabi.abi.XenErrno.ESRCH;
import static io.xenabi.gnttab.GnttabOp.*;
import static io.xenabi.gnttab.GnttabStatus.*;
import static io.xenabi.gnttab.GrantFlags.*;

import io.xenabi.abi.AbiVariant;
import io.xenabi.abi.DomId;
import io.xenabi.abi.GuestPage;
import io.xenabi.domain.impl.Grants.Active;
import io.xenabi.domain.impl.Grants.Mapping;
import io.xenabi.gnttab.GrantEntry;
import io.xenabi.gnttab.GrantVersion;

/**
 * The generic half of {@code __HYPERVISOR_grant_table_op}, after xen/common/grant_table.c:
 * batches, sizing, version switches, active entries and pins, maptrack handles, and the checks
 * of map, unmap, copy and swap. What a grant looks like in guest memory is the version's
 * ({@link GrantVersion}).
 *
 * <p>xenabi's domains address memory by gfn (as auto-translated guests do): a host mapping
 * places the granted page at the guest physical address {@code host_addr} of the mapper, and
 * {@code GNTTABOP_transfer}, which Xen offers to PV guests only, answers -ENOSYS.
 */
final class GrantTables {
    /** GNTTABOP_CMD_MASK: the continuation bits above it must be clear. */
    static final int GNTTABOP_CMD_MASK = (1 << 6) - 1;
    static final int GNTTAB_CACHE_CLEAN = 1;
    static final int GNTTAB_CACHE_INVAL = 1 << 1;
    static final int GNTTAB_CACHE_SOURCE_GREF = 1 << 31;
    /**
     * How deep transitive grants are followed: one level, as Xen's acquire_grant_for_copy
     * (the grant a transitive one names is acquired with {@code allow_transitive} false), so a
     * chain or a cycle of transitive grants is {@code general_error}.
     */
    static final int MAX_TRANSITIVE_DEPTH = 1;
    /** acquireForCopy's answer when another copy is resolving the same transitive grant. */
    private static final Object RETRY = new Object();

    private final HypervisorImpl hv;

    GrantTables(HypervisorImpl hv) {
        this.hv = hv;
    }

    long op(Domain cur, int cmd, long gpa, long count) {
        if ((int) count < 0 || count > Integer.MAX_VALUE) {
            return -EINVAL;
        }
        if ((cmd & ~GNTTABOP_CMD_MASK) != 0 && (cmd & GNTTABOP_CMD_MASK) != GNTTABOP_cache_flush) {
            return -EINVAL;
        }
        cmd &= GNTTABOP_CMD_MASK;
        int n = (int) count;
        return switch (cmd) {
            case GNTTABOP_map_grant_ref -> batch(cur, gpa, n, SIZEOF_MAP_GRANT_REF, this::map);
            case GNTTABOP_unmap_grant_ref -> batch(cur, gpa, n, SIZEOF_UNMAP_GRANT_REF, UNMAP_STATUS, this::unmap);
            case GNTTABOP_unmap_and_replace -> batch(cur, gpa, n, SIZEOF_UNMAP_AND_REPLACE, this::unmapAndReplace);
            case GNTTABOP_copy -> batch(cur, gpa, n, SIZEOF_COPY, COPY_STATUS, this::copy);
            case GNTTABOP_swap_grant_ref -> batch(cur, gpa, n, SIZEOF_SWAP_GRANT_REF, this::swap);
            case GNTTABOP_cache_flush -> cacheFlush(cur, gpa, n);
            case GNTTABOP_setup_table -> n != 1 ? -EINVAL : setupTable(cur, gpa);
            case GNTTABOP_query_size -> n != 1 ? -EINVAL : querySize(cur, gpa);
            case GNTTABOP_get_status_frames -> n != 1 ? -EINVAL : getStatusFrames(cur, gpa);
            case GNTTABOP_dump_table -> n != 1 ? -EINVAL : dumpTable(cur, gpa);
            case GNTTABOP_set_version -> n != 1 ? -EINVAL : setVersion(cur, gpa);
            case GNTTABOP_get_version -> n != 1 ? -EINVAL : getVersion(cur, gpa);
            case GNTTABOP_transfer -> -ENOSYS; // PV only (XSA-217); xenabi guests are translated
            default -> -ENOSYS;
        };
    }

    /** One element of a batch: reads its fields from, and writes its status into, {@code s}. */
    @FunctionalInterface
    interface Element {
        void run(Domain cur, GuestStruct s);
    }

    /** Copies each element in, runs it and copies it back, as Xen's batched ops do. */
    private static long batch(Domain cur, long gpa, int count, int size, Element op) {
        return batch(cur, gpa, count, size, -1, op);
    }

    /**
     * Copies each element in, runs it and copies back either the whole element or, when
     * {@code statusOff >= 0}, only its 16-bit status, as Xen's gnttab_copy and
     * gnttab_unmap_grant_ref do ({@code __copy_field_to_guest(uop, &op, status)}). One buffer
     * serves the whole batch.
     */
    private static long batch(Domain cur, long gpa, int count, int size, int statusOff, Element op) {
        GuestStruct s = null;
        for (int i = 0; i < count; i++) {
            long at = gpa + (long) i * size;
            s = s == null ? GuestStruct.copyFrom(cur.memory, at, size) : s.reload(at);
            op.run(cur, s);
            if (statusOff >= 0) {
                s.copyBack16(statusOff);
            } else {
                s.copyBack();
            }
        }
        return 0;
    }

    /** XSM_TARGET of the dummy policy: the domain itself or a privileged one. */
    private static boolean xsmTarget(Domain cur, Domain target) {
        return cur == target || cur.privileged;
    }

    // ------------------------------------------------------------ sizing and versions

    private long setupTable(Domain cur, long gpa) {
        return frameList(cur, gpa, SIZEOF_SETUP_TABLE, SETUP_DOM, SETUP_NR_FRAMES, SETUP_FRAME_LIST, SETUP_STATUS,
                (g, nr) -> nr > g.maxFrames || !g.grow((int) nr) ? null : g.sharedGfn);
    }

    private long getStatusFrames(Domain cur, long gpa) {
        // XSA-382: the request is checked against the *status* frames.
        return frameList(cur, gpa, SIZEOF_GET_STATUS_FRAMES, STATUS_FRAMES_DOM, STATUS_FRAMES_NR_FRAMES,
                STATUS_FRAMES_FRAME_LIST, STATUS_FRAMES_STATUS, (g, nr) -> nr > g.nrStatusFrames() ? null : g.statusGfn);
    }

    /** What setup_table and get_status_frames do to the table (locked): the gfns, or null to fail. */
    @FunctionalInterface
    private interface FrameSource {
        long[] frames(Grants g, long nr);
    }

    /**
     * The shape both setup_table and get_status_frames share: find the domain, check the
     * caller may act on it, get the frames, write their gfns (u64 each) to the guest's list
     * and the status to the struct.
     */
    private long frameList(Domain cur, long gpa, int size, int domOff, int nrOff, int listOff, int statusOff,
            FrameSource source) {
        GuestStruct s = GuestStruct.copyFrom(cur.memory, gpa, size);
        Domain d = hv.domainByAnyId(cur, s.u16(domOff));
        long nr = s.u32AsLong(nrOff);
        long list = s.u64(listOff);
        long[] gfns = null;
        int status;
        if (d == null) {
            status = GNTST_bad_domain;
        } else if (!xsmTarget(cur, d)) {
            status = GNTST_permission_denied;
        } else {
            Grants g = d.grants;
            g.enter();
            try {
                long[] all = source.frames(g, nr);
                status = all == null ? GNTST_general_error : GNTST_okay;
                gfns = all == null ? null : java.util.Arrays.copyOf(all, (int) nr);
            } finally {
                g.lock.unlock();
            }
        }
        if (gfns != null) {
            for (int i = 0; i < gfns.length; i++) {
                cur.memory.write64(list + 8L * i, gfns[i]);
            }
        }
        s.put16(statusOff, status).copyBack();
        return 0;
    }

    private long querySize(Domain cur, long gpa) {
        GuestStruct s = GuestStruct.copyFrom(cur.memory, gpa, SIZEOF_QUERY_SIZE);
        Domain d = hv.domainByAnyId(cur, s.u16(QUERY_DOM));
        if (d == null) {
            s.put16(QUERY_STATUS, GNTST_bad_domain);
        } else if (!xsmTarget(cur, d)) {
            s.put16(QUERY_STATUS, GNTST_permission_denied);
        } else {
            d.grants.enter();
            try {
                s.put32(QUERY_NR_FRAMES, d.grants.nrFrames()).put32(QUERY_MAX_NR_FRAMES, d.grants.maxFrames)
                        .put16(QUERY_STATUS, GNTST_okay);
            } finally {
                d.grants.lock.unlock();
            }
        }
        s.copyBack();
        return 0;
    }

    private long dumpTable(Domain cur, long gpa) {
        GuestStruct s = GuestStruct.copyFrom(cur.memory, gpa, SIZEOF_DUMP_TABLE);
        Domain d = hv.domainByAnyId(cur, s.u16(DUMP_DOM));
        s.put16(DUMP_STATUS, d == null ? GNTST_bad_domain : !xsmTarget(cur, d) ? GNTST_permission_denied : GNTST_okay)
                .copyBack();
        return 0;
    }

    private long getVersion(Domain cur, long gpa) {
        GuestStruct s = GuestStruct.copyFrom(cur.memory, gpa, SIZEOF_GET_VERSION);
        Domain d = hv.domainByAnyId(cur, s.u16(GET_VERSION_DOM));
        if (d == null) {
            return -ESRCH;
        }
        if (!xsmTarget(cur, d)) {
            return -EPERM;
        }
        s.put32(GET_VERSION_VERSION, d.grants.version.version()).copyBack();
        return 0;
    }

    /**
     * gnttab_set_version. The version asked for is served by the version service of that
     * number if it is present and the domain may use it (available ∩ permitted ∩ host
     * maximum); a known version withheld answers -ENOSYS as Xen does for v2 beyond
     * max_grant_version, anything else -EINVAL. The current version is written back either way.
     */
    private long setVersion(Domain cur, long gpa) {
        GuestStruct s = GuestStruct.copyFrom(cur.memory, gpa, SIZEOF_SET_VERSION);
        long want = s.u32AsLong(SET_VERSION_VERSION);
        Grants g = cur.grants;
        long rc;
        g.enter();
        try {
            rc = switchVersion(cur, g, want);
            s.put32(SET_VERSION_VERSION, g.version.version());
        } finally {
            g.lock.unlock();
        }
        s.copyBack();
        return rc;
    }

    private long switchVersion(Domain d, Grants g, long want) {
        Variants.Impl<GrantVersion> target = null;
        boolean known = want == 1 || want == 2;
        for (Variants.Impl<GrantVersion> i : hv.variantsOf(AbiVariant.FAMILY_GNTTAB, GrantVersion.class)) {
            if (i.service().version() == want) {
                known = true;
                if (hv.permits(d, i.variant())) {
                    target = i;
                }
            }
        }
        if (target == null) {
            return known ? -ENOSYS : -EINVAL;
        }
        GrantVersion old = g.version;
        if (old.version() == want) {
            return 0;
        }
        if (g.pinnedFrom(Grants.reserved())) {
            return -EBUSY;
        }
        GrantVersion next = target.service();
        int reserved = Math.min(Grants.reserved(), g.nrEntries());
        GrantEntry[] keep = new GrantEntry[reserved];
        int[] bits = new int[reserved];
        for (int ref = 0; ref < reserved; ref++) {
            keep[ref] = old.read(g, ref);
            bits[ref] = old.statusBits(g, ref);
            if (keep[ref].type() == GTF_transitive && next.version() == 1
                    || keep[ref].frame() > 0xFFFF_FFFFL && next.version() == 1) {
                return -ERANGE; // a reserved entry v1 cannot represent
            }
        }
        g.version = next;
        g.variant = target.variant();
        if (next.statusFramesFor(g.nrFrames()) == 0) {
            // As Xen does for a translated guest, the status frames leave its physmap first.
            g.dropStatusFrames();
        }
        g.grow(Math.max(g.nrFrames(), (reserved * next.entrySize() + GuestPage.PAGE_SIZE - 1) / GuestPage.PAGE_SIZE));
        g.clearUnreserved(0);
        for (int ref = 0; ref < reserved; ref++) {
            next.write(g, ref, keep[ref]);
            if (bits[ref] != 0) {
                next.acquire(g, ref, keep[ref].domid(), (bits[ref] & GTF_writing) == 0, true, false);
            }
        }
        return 0;
    }

    // ------------------------------------------------------------ map / unmap

    private void map(Domain ld, GuestStruct s) {
        long hostAddr = s.u64(MAP_HOST_ADDR);
        int flags = s.u32(MAP_FLAGS);
        int ref = s.u32(MAP_REF);
        int dom = s.u16(MAP_DOM);
        s.put32(MAP_HANDLE, -1);
        if ((flags & (GNTMAP_host_map | GNTMAP_device_map)) == 0) {
            s.put16(MAP_STATUS, GNTST_bad_gntref);
            return;
        }
        // rcu_lock_domain_by_id, not by_any_id: DOMID_SELF names no domain here (map_grant_ref).
        Domain rd = dom == DomId.DOMID_SELF ? null : hv.domainByAnyId(ld, dom);
        if (rd == null) {
            s.put16(MAP_STATUS, GNTST_bad_domain);
            return;
        }
        boolean host = (flags & GNTMAP_host_map) != 0;
        boolean dev = (flags & GNTMAP_device_map) != 0;
        boolean ro = (flags & GNTMAP_readonly) != 0;
        long hostGfn = hostAddr >>> GuestPage.PAGE_SHIFT;
        if (host && ((hostAddr & (GuestPage.PAGE_SIZE - 1)) != 0 || !ld.memory.isValidGfn(hostGfn))) {
            s.put16(MAP_STATUS, GNTST_bad_virt_addr);
            return;
        }
        // The handle is taken first, as Xen does, but its mapping is published only once complete:
        // an unmap racing on a guessed handle finds nothing there until then.
        int handle = ld.grants.newHandle(null);
        if (handle < 0) {
            s.put16(MAP_STATUS, GNTST_no_space);
            return;
        }
        Grants rg = rd.grants;
        int status;
        long frame = 0;
        rg.enter();
        try {
            status = pinForMap(ld, rg, ref, ro, host, dev);
            if (status == GNTST_okay) {
                frame = rg.active(ref).frame;
            }
        } finally {
            rg.lock.unlock();
        }
        if (status != GNTST_okay) {
            ld.grants.freeHandle(handle);
            s.put16(MAP_STATUS, status);
            return;
        }
        Mapping m = new Mapping();
        m.granter = rg;
        m.ref = ref;
        m.flags = flags & (GNTMAP_host_map | GNTMAP_device_map | GNTMAP_readonly);
        if (host) {
            m.hostGfn = hostGfn;
            m.displaced = ld.memory.page(hostGfn);
            ld.memory.mapForeign(hostGfn, rd.memory.page(frame), ro);
        }
        if (dev) {
            m.devBusAddr = frame << GuestPage.PAGE_SHIFT;
            s.put64(MAP_DEV_BUS_ADDR, m.devBusAddr);
        }
        ld.grants.install(handle, m);
        s.put32(MAP_HANDLE, handle).put16(MAP_STATUS, GNTST_okay);
    }

    /**
     * Whether {@code gfn} is a page of {@code d}'s own: in its RAM and not another domain's page
     * mapped there by a grant. Xen's get_paged_frame takes a reference on the page for its owner,
     * which fails for a foreign page (GNTST_bad_page): a domain cannot grant on, or copy through,
     * what it has only mapped.
     */
    private static boolean ownedFrame(Domain d, long gfn) {
        return d.memory.isValidGfn(gfn) && !d.memory.isForeign(gfn);
    }

    /** map_grant_ref's checks on the granter's entry (its table locked); pins on success. */
    private static int pinForMap(Domain ld, Grants rg, int ref, boolean ro, boolean host, boolean dev) {
        if (ref < 0 || ref >= rg.nrEntries()) {
            return GNTST_bad_gntref;
        }
        Active act = rg.active(ref);
        if (act.pin != 0 && (act.domid != ld.domid || (act.pin & Grants.GNTPIN_overflow) != 0)) {
            return GNTST_general_error;
        }
        GrantVersion v = rg.version;
        GrantEntry e = v.read(rg, ref);
        if (act.pin != 0 && e.subPage()) {
            return GNTST_general_error;
        }
        int rc = v.acquire(rg, ref, ld.domid, ro, act.pin != 0, true);
        if (rc != GNTST_okay) {
            return rc;
        }
        if (act.pin == 0) {
            if (!ownedFrame(rg.domain, e.frame())) {
                v.release(rg, ref, true, !ro);
                return GNTST_bad_page;
            }
            act.domid = ld.domid;
            act.frame = e.frame();
            act.start = 0;
            act.length = GuestPage.PAGE_SIZE;
            act.subPage = false;
            act.transitive = false;
        }
        if (host) {
            act.pin += ro ? Grants.GNTPIN_hstr_inc : Grants.GNTPIN_hstw_inc;
        }
        if (dev) {
            act.pin += ro ? Grants.GNTPIN_devr_inc : Grants.GNTPIN_devw_inc;
        }
        return GNTST_okay;
    }

    private void unmap(Domain ld, GuestStruct s) {
        s.put16(UNMAP_STATUS, unmapCommon(ld, s.u64(UNMAP_HOST_ADDR), s.u64(UNMAP_DEV_BUS_ADDR),
                s.u32AsLong(UNMAP_HANDLE), -1));
    }

    private void unmapAndReplace(Domain ld, GuestStruct s) {
        long newAddr = s.u64(UNMAP_REPLACE_NEW_ADDR);
        long newGfn = newAddr == 0 ? -1 : newAddr >>> GuestPage.PAGE_SHIFT;
        if (newGfn != -1 && ((newAddr & (GuestPage.PAGE_SIZE - 1)) != 0 || !ld.memory.isValidGfn(newGfn))) {
            s.put16(UNMAP_REPLACE_STATUS, GNTST_bad_virt_addr);
            return;
        }
        s.put16(UNMAP_REPLACE_STATUS, unmapCommon(ld, s.u64(UNMAP_REPLACE_HOST_ADDR), 0,
                s.u32AsLong(UNMAP_REPLACE_HANDLE), newGfn));
    }

    /**
     * unmap_common: undoes the host part when {@code hostAddr} is given and the device part
     * when {@code devBusAddr} is; a partial unmap is legal (XSA-224). With {@code replaceGfn}
     * the page at that gfn takes the host slot's place and a fresh page takes its own.
     *
     * <p>Which parts are left, and so whether this call frees the handle, is decided under the
     * granter's lock together with the pins (XSA-218): of two unmaps racing on one handle (one
     * per part, or both for the same part) exactly one frees it, and one that finds no part left
     * is {@code GNTST_bad_handle}, as in Xen's unmap_common.
     */
    private static int unmapCommon(Domain ld, long hostAddr, long devBusAddr, long handle, long replaceGfn) {
        Mapping m = ld.grants.mapping(handle);
        if (m == null) {
            return GNTST_bad_handle;
        }
        Grants rg = m.granter;
        boolean undoHost;
        boolean undoDev;
        boolean put;
        rg.enter();
        try {
            if (ld.grants.mapping(handle) != m || (m.flags & (GNTMAP_host_map | GNTMAP_device_map)) == 0) {
                return GNTST_bad_handle;
            }
            undoDev = devBusAddr != 0 && (m.flags & GNTMAP_device_map) != 0;
            if (undoDev && devBusAddr != m.devBusAddr) {
                return GNTST_bad_dev_addr;
            }
            undoHost = hostAddr != 0 && (m.flags & GNTMAP_host_map) != 0;
            if (undoHost && (hostAddr >>> GuestPage.PAGE_SHIFT) != m.hostGfn) {
                return GNTST_general_error;
            }
            boolean ro = (m.flags & GNTMAP_readonly) != 0;
            Active act = rg.active(m.ref);
            if (undoDev) {
                act.pin -= ro ? Grants.GNTPIN_devr_inc : Grants.GNTPIN_devw_inc;
                m.flags &= ~GNTMAP_device_map;
            }
            if (undoHost) {
                act.pin -= ro ? Grants.GNTPIN_hstr_inc : Grants.GNTPIN_hstw_inc;
                m.flags &= ~GNTMAP_host_map;
            }
            releaseStatus(rg, m.ref, act); // a mapped grant is never transitive
            put = (m.flags & (GNTMAP_host_map | GNTMAP_device_map)) == 0;
        } finally {
            rg.lock.unlock();
        }
        if (undoHost) {
            if (replaceGfn >= 0) {
                ld.memory.map(m.hostGfn, ld.memory.page(replaceGfn));
                ld.memory.map(replaceGfn, new GuestPage());
            } else {
                ld.memory.map(m.hostGfn, m.displaced);
            }
        }
        if (put) {
            ld.grants.freeHandle((int) handle);
        }
        return GNTST_okay;
    }

    /**
     * gnttab_release_mappings: a dying domain gives back every grant it still maps, so the
     * granters see the pins go and can end access.
     */
    static void releaseMappings(Domain d) {
        Grants g = d.grants;
        if (g == null) {
            return;
        }
        for (int handle : g.handlesInUse()) {
            Mapping m = g.mapping(handle);
            if (m != null) {
                unmapCommon(d, m.hostGfn << GuestPage.PAGE_SHIFT, m.devBusAddr, handle, -1);
            }
        }
    }

    /**
     * Clears GTF_writing with the last writable pin and GTF_reading with the last pin (the
     * entry's table locked). When a transitive grant loses its last pin, returns the grant it
     * resolved to, for the caller to release once it has unlocked: no two tables are ever
     * locked at once, so grants that refer to each other cannot deadlock (XSA-411).
     */
    private static Active.Ref releaseStatus(Grants g, int ref, Active act) {
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

    /** Drops one copy pin of {@code ref} in {@code g}, then whatever it resolved to. */
    private static void unpin(Grants g, int ref, boolean writable) {
        while (g != null) {
            Active.Ref next;
            g.enter();
            try {
                Active act = g.active(ref);
                act.pin -= writable ? Grants.GNTPIN_hstw_inc : Grants.GNTPIN_hstr_inc;
                next = releaseStatus(g, ref, act);
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
    record Buf(GuestPage page, int start, int length, Grants table, int ref, boolean writable) {
    }

    private void copy(Domain cur, GuestStruct s) {
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
        if (!srcGref && srcDom != DomId.DOMID_SELF || !dstGref && dstDom != DomId.DOMID_SELF) {
            return GNTST_permission_denied;
        }
        Domain sd = hv.domainByAnyId(cur, srcDom);
        Domain dd = hv.domainByAnyId(cur, dstDom);
        if (sd == null || dd == null) {
            return GNTST_bad_domain;
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
        } finally {
            unclaim(src);
            unclaim(dst);
        }
    }

    /** gnttab_copy_claim_buf: a Buf with a host pin held, or the GNTST status as an Integer. */
    private Object claim(Domain cur, Domain owner, GuestStruct s, int side, boolean gref, boolean readonly) {
        if (!gref) {
            long gmfn = s.u64(side + COPY_PTR_U);
            if (!ownedFrame(owner, gmfn)) {
                return GNTST_bad_page;
            }
            return new Buf(owner.memory.page(gmfn), 0, GuestPage.PAGE_SIZE, null, 0, !readonly);
        }
        int ref = s.u32(side + COPY_PTR_U);
        while (true) {
            Object r = acquireForCopy(cur.domid, owner.grants, ref, readonly, 0);
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
        GrantEntry e;
        rg.enter();
        try {
            if (ref < 0 || ref >= rg.nrEntries()) {
                return GNTST_bad_gntref;
            }
            Active act = rg.active(ref);
            if (act.pin != 0 && act.domid != domid || (act.pin & Grants.GNTPIN_overflow) != 0) {
                return GNTST_general_error;
            }
            GrantVersion v = rg.version;
            e = v.read(rg, ref);
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
            int rc = v.acquire(rg, ref, domid, readonly, act.pin != 0, false);
            if (rc != GNTST_okay) {
                return rc;
            }
            boolean fresh = act.pin == 0;
            if (!fresh && changedUnderPin(act, e, readonly)) {
                v.release(rg, ref, false, true);
                return GNTST_general_error;
            }
            if (fresh && e.type() != GTF_transitive && !ownedFrame(rg.domain, e.frame())) {
                v.release(rg, ref, true, !readonly);
                return GNTST_bad_page;
            }
            if (fresh) {
                act.domid = domid;
                act.frame = e.frame();
                act.start = e.subPage() ? e.pageOffset() : 0;
                act.length = e.subPage() ? e.length() : GuestPage.PAGE_SIZE;
                // Xen treats a transitive grant as sub-page whatever it resolves to.
                act.subPage = e.subPage() || e.type() == GTF_transitive;
                act.transitive = e.type() == GTF_transitive;
            }
            act.pin += readonly ? Grants.GNTPIN_hstr_inc : Grants.GNTPIN_hstw_inc;
            if (!fresh || e.type() != GTF_transitive) {
                if (act.trans == null) {
                    return new Buf(rg.domain.memory.page(act.frame), act.start, act.length, rg, ref, !readonly);
                }
                Buf inner = act.trans.buf();
                return new Buf(inner.page(), inner.start(), inner.length(), rg, ref, !readonly);
            }
        } finally {
            rg.lock.unlock();
        }
        // A fresh transitive grant: acquire the grant it names, as the granting domain.
        Domain td = hv.domainByAnyId(rg.domain, e.transDomid());
        Object inner = td == null || td == rg.domain
                ? Integer.valueOf(GNTST_general_error)
                : acquireForCopy(rg.domain.domid, td.grants, e.transGref(), readonly, depth + 1);
        if (inner instanceof Integer || inner == RETRY) {
            unpin(rg, ref, !readonly);
            return inner;
        }
        Buf b = (Buf) inner;
        rg.enter();
        try {
            Active act = rg.active(ref);
            act.trans = new Active.Ref(td.grants, e.transGref(), !readonly, b);
            act.start = b.start();
            act.length = b.length();
        } finally {
            rg.lock.unlock();
        }
        return new Buf(b.page(), b.start(), b.length(), rg, ref, !readonly);
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
                || act.subPage && (!e.subPage() || e.pageOffset() != act.start || e.length() != act.length);
    }

    private static void unclaim(Buf b) {
        if (b != null && b.table != null) {
            unpin(b.table, b.ref, b.writable);
        }
    }

    // ------------------------------------------------------------ swap, cache_flush

    private void swap(Domain cur, GuestStruct s) {
        int a = s.u32(SWAP_REF_A);
        int b = s.u32(SWAP_REF_B);
        Grants g = cur.grants;
        int status;
        g.enter();
        try {
            if (a < 0 || a >= g.nrEntries() || b < 0 || b >= g.nrEntries()) {
                status = GNTST_bad_gntref;
            } else if (g.pinOf(a) != 0 || g.pinOf(b) != 0) {
                status = GNTST_eagain;
            } else {
                if (a != b) {
                    g.version.swap(g, a, b);
                }
                status = GNTST_okay;
            }
        } finally {
            g.lock.unlock();
        }
        s.put16(SWAP_STATUS, status);
    }

    /**
     * GNTTABOP_cache_flush: memory here is always coherent, so a well-formed request succeeds
     * without work; unknown op bits are -EOPNOTSUPP and a range beyond the page -EINVAL, as
     * Xen's gnttab_cache_flush checks them.
     */
    private static long cacheFlush(Domain cur, long gpa, int count) {
        for (int i = 0; i < count; i++) {
            GuestStruct s = GuestStruct.copyFrom(cur.memory, gpa + (long) i * SIZEOF_CACHE_FLUSH, SIZEOF_CACHE_FLUSH);
            int op = s.u32(CACHE_FLUSH_OP);
            if ((op & ~(GNTTAB_CACHE_CLEAN | GNTTAB_CACHE_INVAL | GNTTAB_CACHE_SOURCE_GREF)) != 0) {
                return -EOPNOTSUPP;
            }
            if (s.u16(CACHE_FLUSH_OFFSET) + s.u16(CACHE_FLUSH_LENGTH) > GuestPage.PAGE_SIZE) {
                return -EINVAL;
            }
        }
        return 0;
    }
}
