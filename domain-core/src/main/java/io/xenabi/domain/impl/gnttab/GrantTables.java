package io.xenabi.domain.impl.gnttab;

import static io.xenabi.abi.XenErrno.EINVAL;
import static io.xenabi.abi.XenErrno.ENOSYS;
import static io.xenabi.abi.XenErrno.EOPNOTSUPP;
import static io.xenabi.gnttab.GnttabOp.*;
import static io.xenabi.gnttab.GnttabStatus.*;
import static io.xenabi.gnttab.GrantFlags.*;

import io.xenabi.abi.DomId;
import io.xenabi.abi.GuestFault;
import io.xenabi.abi.GuestPage;
import io.xenabi.domain.DomainType;
import io.xenabi.domain.impl.domains.Domain;
import io.xenabi.domain.impl.domains.DomainTable;
import io.xenabi.domain.impl.domains.GuestStruct;
import io.xenabi.domain.impl.gnttab.Grants.Active;
import io.xenabi.domain.impl.gnttab.Grants.Mapping;
import io.xenabi.gnttab.GrantEntry;
import io.xenabi.gnttab.GrantVersion;

/**
 * The generic half of {@code __HYPERVISOR_grant_table_op}, after xen/common/grant_table.c:
 * batches, sizing, version switches, active entries and pins, maptrack handles, and the checks
 * of map, unmap, copy and swap. What a grant looks like in guest memory is the version's
 * ({@link GrantVersion}).
 *
 * <p>xenabi's domains address memory by gfn (as auto-translated guests do): a host mapping
 * places the granted page at the guest physical address {@code host_addr} of the mapper;
 * {@code GNTTABOP_transfer}, which Xen offers to PV guests only, checks its frames but moves
 * no page (see {@link #transfer}).
 */
public final class GrantTables {
    /**
     * The continuation argument (opaque to the guest) starts at this bit of {@code cmd}: Xen's
     * internal GNTTABOP_CONTINUATION_ARG_SHIFT (xen/common/grant_table.c), not in the public header.
     */
    public static final int GNTTABOP_CONTINUATION_ARG_SHIFT = 12;
    /**
     * GNTTABOP_CMD_MASK: the sub-op; the continuation bits above it must be clear except for
     * cache_flush (xen/common/grant_table.c, do_grant_table_op), so an unknown sub-op below
     * 4096 is -ENOSYS, not -EINVAL.
     */
    public static final int GNTTABOP_CMD_MASK = (1 << GNTTABOP_CONTINUATION_ARG_SHIFT) - 1;

    private final DomainTable table;
    private final GrantCopy copy;
    private final GrantVersionSwitch versions;

    public GrantTables(DomainTable table, io.xenabi.domain.impl.variants.Variants variants) {
        this.table = table;
        this.copy = new GrantCopy(table);
        this.versions = new GrantVersionSwitch(table, variants);
    }

    /** One grant_table_op of domain {@code cur} issued on its vCPU {@code vcpu} (Xen's current). */
    public long op(Domain cur, int vcpu, int cmd, long gpa, long count) {
        if (!isPv(cur) && !hvmAllowed(cmd)) {
            return -ENOSYS;
        }
        // count is an unsigned int in do_grant_table_op: the register's upper half is dropped,
        // and only what reads as negative as an int is -EINVAL (row G14).
        if ((int) count < 0) {
            return -EINVAL;
        }
        if ((cmd & ~GNTTABOP_CMD_MASK) != 0 && (cmd & GNTTABOP_CMD_MASK) != GNTTABOP_cache_flush) {
            return -EINVAL;
        }
        cmd &= GNTTABOP_CMD_MASK;
        int n = (int) count;
        return switch (cmd) {
            case GNTTABOP_map_grant_ref -> batch(cur, gpa, n, SIZEOF_MAP_GRANT_REF, (d, s) -> map(d, vcpu, s));
            case GNTTABOP_unmap_grant_ref -> batch(cur, gpa, n, SIZEOF_UNMAP_GRANT_REF, UNMAP_STATUS, this::unmap);
            case GNTTABOP_unmap_and_replace -> batch(cur, gpa, n, SIZEOF_UNMAP_AND_REPLACE, this::unmapAndReplace);
            case GNTTABOP_copy -> batch(cur, gpa, n, SIZEOF_COPY, COPY_STATUS, copy::copy);
            case GNTTABOP_swap_grant_ref -> batch(cur, gpa, n, SIZEOF_SWAP_GRANT_REF, this::swap);
            case GNTTABOP_cache_flush -> cacheFlush(cur, gpa, n);
            case GNTTABOP_setup_table -> n != 1 ? -EINVAL : setupTable(cur, gpa);
            case GNTTABOP_query_size -> n != 1 ? -EINVAL : querySize(cur, gpa);
            case GNTTABOP_get_status_frames -> n != 1 ? -EINVAL : getStatusFrames(cur, gpa);
            // set_version and get_version take no count (gnttab_set_version/get_version): row G10.
            case GNTTABOP_set_version -> versions.setVersion(cur, gpa);
            case GNTTABOP_get_version -> versions.getVersion(cur, gpa);
            // Xen 4.17 has no case for dump_table (nor has master): -ENOSYS like an unknown op (G9).
            case GNTTABOP_transfer -> batch(cur, gpa, n, SIZEOF_TRANSFER, TRANSFER_STATUS, this::transfer);
            default -> -ENOSYS;
        };
    }

    /** Whether a domain is PV: the others (PVH, HVM) are paging_mode_external in Xen. */
    static boolean isPv(Domain d) {
        return d.config.type() == DomainType.PV;
    }

    /**
     * The sub-ops a PVH or HVM guest may use (xen/arch/x86/hvm/hypercall.c, hvm_grant_table_op):
     * "all other commands need auditing" and are -ENOSYS before do_grant_table_op sees them, so
     * the raw cmd is compared, continuation bits and all (row G15).
     */
    private static boolean hvmAllowed(int cmd) {
        return switch (cmd) {
            case GNTTABOP_query_size, GNTTABOP_setup_table, GNTTABOP_set_version, GNTTABOP_get_version,
                    GNTTABOP_copy, GNTTABOP_map_grant_ref, GNTTABOP_unmap_grant_ref, GNTTABOP_swap_grant_ref -> true;
            default -> false;
        };
    }

    /** One element of a batch: reads its fields from, and writes its status into, {@code s}. */
    @FunctionalInterface
    public interface Element {
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
        Domain d = table.byAnyId(cur, s.u16(domOff));
        long nr = s.u32AsLong(nrOff);
        long list = s.u64(listOff);
        long[] gfns = null;
        int status;
        if (d == null) {
            status = GNTST_bad_domain;
        } else if (!xsmTarget(cur, d)) {
            status = GNTST_permission_denied;
        } else {
            Grants g = Grants.of(d);
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
            // Each gfn is copied out on its own; one that cannot be written makes the status
            // GNTST_bad_virt_addr and the op still returns 0 (gnttab_setup_table: row G11).
            for (int i = 0; i < gfns.length; i++) {
                try {
                    cur.memory.write64(list + 8L * i, gfns[i]);
                } catch (GuestFault e) {
                    status = GNTST_bad_virt_addr;
                }
            }
        }
        s.put16(statusOff, status).copyBack16(statusOff);
        return 0;
    }

    private long querySize(Domain cur, long gpa) {
        GuestStruct s = GuestStruct.copyFrom(cur.memory, gpa, SIZEOF_QUERY_SIZE);
        Domain d = table.byAnyId(cur, s.u16(QUERY_DOM));
        if (d == null) {
            s.put16(QUERY_STATUS, GNTST_bad_domain);
        } else if (!xsmTarget(cur, d)) {
            s.put16(QUERY_STATUS, GNTST_permission_denied);
        } else {
            Grants.of(d).enter();
            try {
                s.put32(QUERY_NR_FRAMES, Grants.of(d).nrFrames()).put32(QUERY_MAX_NR_FRAMES, Grants.of(d).maxFrames)
                        .put16(QUERY_STATUS, GNTST_okay);
            } finally {
                Grants.of(d).lock.unlock();
            }
        }
        s.copyBack();
        return 0;
    }

    // ------------------------------------------------------------ map / unmap

    private void map(Domain ld, int vcpu, GuestStruct s) {
        long hostAddr = s.u64(MAP_HOST_ADDR);
        int flags = s.u32(MAP_FLAGS);
        int ref = s.u32(MAP_REF);
        int dom = s.u16(MAP_DOM);
        // A failed map writes only the status: handle and dev_bus_addr stay as the guest left
        // them (map_grant_ref sets them on success alone: row G3).
        if ((flags & (GNTMAP_host_map | GNTMAP_device_map)) == 0) {
            s.put16(MAP_STATUS, GNTST_bad_gntref);
            return;
        }
        // map_grant_ref: a paging_mode_external domain (PVH, HVM) has no device mappings, nor
        // PV's application_map and contains_pte: general_error before the granter is looked up (G15).
        if (!isPv(ld) && (flags & (GNTMAP_device_map | GNTMAP_application_map | GNTMAP_contains_pte)) != 0) {
            s.put16(MAP_STATUS, GNTST_general_error);
            return;
        }
        // rcu_lock_domain_by_id, not by_any_id: DOMID_SELF names no domain here (map_grant_ref).
        Domain rd = dom == DomId.DOMID_SELF ? null : table.byAnyId(ld, dom);
        if (rd == null) {
            s.put16(MAP_STATUS, GNTST_bad_domain);
            return;
        }
        boolean host = (flags & GNTMAP_host_map) != 0;
        boolean dev = (flags & GNTMAP_device_map) != 0;
        boolean ro = (flags & GNTMAP_readonly) != 0;
        // host_addr is looked at only when the mapping is made, after the ref and pin checks
        // (create_grant_host_mapping, row G4), and its offset in the page is ignored, as the
        // translated create_grant_p2m_mapping does (addr >> PAGE_SHIFT).
        long hostGfn = hostAddr >>> GuestPage.PAGE_SHIFT;
        // The handle is taken first, as Xen does, but its mapping is published only once complete:
        // an unmap racing on a guessed handle finds nothing there until then.
        int handle = Grants.of(ld).maptrack.newHandle(vcpu, null);
        if (handle < 0) {
            s.put16(MAP_STATUS, GNTST_no_space);
            return;
        }
        Grants rg = Grants.of(rd);
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
        if (status == GNTST_okay && host && !ld.memory.isValidGfn(hostGfn)) {
            // create_grant_host_mapping failed: GNTST_general_error (its only failure), and
            // map_grant_ref's undo_out takes the pin and the status bits back.
            status = GNTST_general_error;
            unpin(rg, ref, ro, host, dev);
        }
        if (status != GNTST_okay) {
            Grants.of(ld).maptrack.freeHandle(handle);
            s.put16(MAP_STATUS, status);
            return;
        }
        Mapping m = new Mapping();
        m.granter = rg;
        m.ref = ref;
        m.flags = flags & (GNTMAP_host_map | GNTMAP_device_map | GNTMAP_readonly);
        if (host) {
            m.hostGfn = hostGfn;
            m.page = rd.memory.page(frame);
            Grants.of(ld).hostMap(hostGfn, m.page, ro);
        }
        // Every successful map returns the frame's address as dev_bus_addr, a host-only one too
        // (map_grant_ref: op->dev_bus_addr = mfn_to_maddr(mfn); row G2). xenabi has no machine
        // addresses: a frame's address is the granter's gfn address, as for a device map.
        m.devBusAddr = frame << GuestPage.PAGE_SHIFT;
        s.put64(MAP_DEV_BUS_ADDR, m.devBusAddr);
        Grants.of(ld).maptrack.install(handle, m);
        s.put32(MAP_HANDLE, handle).put16(MAP_STATUS, GNTST_okay);
    }

    /**
     * map_grant_ref's part under the granter's lock (xen/common/grant_table.c). An entry already
     * pinned is refused when another domain holds it, when a counter this map increments would
     * overflow, or when its active entry is a sub-page one: a transitive grant a copy has pinned
     * is one (acquire_grant_for_copy), and it names no page of the granter's, so it can never be
     * mapped (row G1). The shared entry is checked and its status bits set only for the first
     * pin, or for the first writable one (row G20: while writable pins exist, a granter's later
     * GTF_readonly does not stop another writable map).
     */
    private static int pinForMap(Domain ld, Grants rg, int ref, boolean ro, boolean host, boolean dev) {
        if (ref < 0 || ref >= rg.nrEntries()) {
            return GNTST_bad_gntref;
        }
        int incr = pinIncr(ro, host, dev);
        Active act = rg.active(ref);
        if (act.pin != 0 && (act.domid != ld.domid || (act.pin & Grants.overflowMask(incr)) != 0 || act.subPage)) {
            return GNTST_general_error;
        }
        if (Grants.needsStatus(act, ro)) {
            GrantVersion v = rg.version;
            GrantEntry e = v.read(rg, ref);
            int rc = v.acquire(rg, ref, ld.domid, ro, act.pin != 0, true);
            if (rc != GNTST_okay) {
                return rc;
            }
            if (act.pin == 0) {
                if (!Grants.ownedFrame(rg.domain, e.frame())) {
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
        }
        act.pin += incr;
        return GNTST_okay;
    }

    /** map_grant_ref's pin_incr: one pin on each counter the map's flags name. */
    private static int pinIncr(boolean ro, boolean host, boolean dev) {
        return (host ? (ro ? Grants.GNTPIN_hstr_inc : Grants.GNTPIN_hstw_inc) : 0)
                | (dev ? (ro ? Grants.GNTPIN_devr_inc : Grants.GNTPIN_devw_inc) : 0);
    }

    /** map_grant_ref's undo_out: takes back a pin {@link #pinForMap} gave, with its status bits. */
    private static void unpin(Grants rg, int ref, boolean ro, boolean host, boolean dev) {
        rg.enter();
        try {
            Active act = rg.active(ref);
            act.pin -= pinIncr(ro, host, dev);
            Grants.releaseStatus(rg, ref, act); // a mapped grant is never transitive
        } finally {
            rg.lock.unlock();
        }
    }

    private void unmap(Domain ld, GuestStruct s) {
        s.put16(UNMAP_STATUS, unmapCommon(ld, s.u64(UNMAP_HOST_ADDR), s.u64(UNMAP_DEV_BUS_ADDR),
                s.u32AsLong(UNMAP_HANDLE), -1, false));
    }

    private void unmapAndReplace(Domain ld, GuestStruct s) {
        // new_addr is looked at only when the host part is undone, after the handle checks
        // (replace_grant_host_mapping; row G18); its offset in the page is ignored.
        long newAddr = s.u64(UNMAP_REPLACE_NEW_ADDR);
        long newGfn = newAddr == 0 ? -1 : newAddr >>> GuestPage.PAGE_SHIFT;
        s.put16(UNMAP_REPLACE_STATUS, unmapCommon(ld, s.u64(UNMAP_REPLACE_HOST_ADDR), 0,
                s.u32AsLong(UNMAP_REPLACE_HANDLE), newGfn, false));
    }

    /**
     * unmap_common: undoes the host part when {@code hostAddr} is given and the device part
     * when {@code devBusAddr} is; a partial unmap is legal (XSA-224). With {@code replaceGfn}
     * the page at that gfn takes the host slot's place and a fresh page takes its own.
     *
     * <p>Which parts are left, and so whether this call frees the handle, is decided under the
     * granter's lock together with the pins (XSA-218): of two unmaps racing on one handle (one
     * per part, or both for the same part) exactly one frees it, and one that finds no part left
     * is {@code GNTST_bad_handle}, as in Xen's unmap_common. The host part's physmap change is
     * made under that lock too, so that of two unmaps of the same mapping (G21: through two
     * handles of one frame) one finds it gone.
     *
     * <p>{@code release} is gnttab_release_mappings' unmap of a dying domain: every part goes,
     * without checks of the addresses.
     */
    private static int unmapCommon(Domain ld, long hostAddr, long devBusAddr, long handle, long replaceGfn,
            boolean release) {
        Mapping m = Grants.of(ld).maptrack.mapping(handle);
        if (m == null) {
            return GNTST_bad_handle;
        }
        Grants rg = m.granter;
        boolean undoHost;
        boolean undoDev;
        boolean put;
        rg.enter();
        try {
            if (Grants.of(ld).maptrack.mapping(handle) != m || (m.flags & (GNTMAP_host_map | GNTMAP_device_map)) == 0) {
                return GNTST_bad_handle;
            }
            undoDev = (devBusAddr != 0 || release) && (m.flags & GNTMAP_device_map) != 0;
            if (undoDev && !release && devBusAddr != m.devBusAddr) {
                return GNTST_bad_dev_addr;
            }
            undoHost = (hostAddr != 0 || release) && (m.flags & GNTMAP_host_map) != 0;
            // replace_grant_host_mapping's failures are all GNTST_general_error: a new_addr that
            // maps nothing (beyond the RAM here), or a host_addr that does not map the frame.
            if (undoHost && !release && replaceGfn >= 0 && !ld.memory.isValidGfn(replaceGfn)) {
                return GNTST_general_error;
            }
            // host_addr need only map the handle's frame, whichever mapping of it is there (row
            // G21: h1 at M and h2 at M+1 of one ref; an unmap of h1 at M+1 takes the mapping at
            // M+1 away and frees h1, and M keeps mapping the frame, as in Xen). A dying domain's
            // release gives its pins back whatever its physmap holds (gnttab_release_mappings).
            if (undoHost && !Grants.of(ld).hostUnmap(hostAddr >>> GuestPage.PAGE_SHIFT, m.page, replaceGfn)
                    && !release) {
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
            Grants.releaseStatus(rg, m.ref, act); // a mapped grant is never transitive
            put = (m.flags & (GNTMAP_host_map | GNTMAP_device_map)) == 0;
        } finally {
            rg.lock.unlock();
        }
        if (put) {
            Grants.of(ld).maptrack.freeHandle((int) handle);
        }
        return GNTST_okay;
    }

    /**
     * gnttab_release_mappings: a dying domain gives back every grant it still maps, so the
     * granters see the pins go and can end access.
     */
    public static void releaseMappings(Domain d) {
        Grants g = Grants.of(d);
        if (g == null) {
            return;
        }
        for (int handle : g.maptrack.handlesInUse()) {
            Mapping m = g.maptrack.mapping(handle);
            if (m != null) {
                unmapCommon(d, m.hostGfn << GuestPage.PAGE_SHIFT, m.devBusAddr, handle, -1, true);
            }
        }
    }

    // ------------------------------------------------------------ transfer

    /**
     * One element of GNTTABOP_transfer, which only a PV domain reaches (hvm_grant_table_op has
     * no case for it; Xen's opt_grant_transfer is on with CONFIG_PV), as far as gnttab_transfer
     * goes before it steals the page (row G16). The frame, a gfn here as everywhere in xenabi,
     * must be a page of the sender's own that steal_page could take: one outside its RAM, a
     * foreign mapping, a page the hypervisor shares with it (shared_info, a grant or status
     * frame: is_special_page) or one Xen holds references to (a registered vcpu_info, a frame a
     * pinned grant names) is GNTST_bad_page, and the op returns 0.
     *
     * <p>The steal itself is not modelled: Xen then takes the page from the sender, looks the
     * receiver up (bad_domain), needs headroom below its max_pages (general_error) and an
     * accept_transfer entry for the sender, and puts the page at the gfn in the receiver's
     * entry. xenabi has no reservations (no max_pages, no decrease_reservation to make room), so
     * a frame that passes the checks is GNTST_general_error, the sender keeping its page.
     */
    private void transfer(Domain d, GuestStruct s) {
        long gfn = s.u64(TRANSFER_MFN);
        s.put16(TRANSFER_STATUS, stealable(d, gfn) ? GNTST_general_error : GNTST_bad_page);
    }

    /** Whether steal_page (xen/arch/x86/mm.c) would take frame {@code gfn} from {@code d}. */
    private static boolean stealable(Domain d, long gfn) {
        if (!Grants.ownedFrame(d, gfn)) {
            return false; // get_gfn_unshare finds no valid frame, or the page's owner is not d
        }
        GuestPage page = d.memory.page(gfn);
        if (page == d.sharedInfo) {
            return false;
        }
        for (int v = 0; v < d.vcpus.length; v++) {
            if (d.vcpuInfoPage(v) == page) {
                return false;
            }
        }
        Grants g = Grants.of(d);
        g.enter();
        try {
            for (int i = 0; i < g.nrFrames(); i++) {
                if (g.sharedFrame(i) == page) {
                    return false;
                }
            }
            for (int i = 0; i < g.nrStatusFrames(); i++) {
                if (g.statusFrame(i) == page) {
                    return false;
                }
            }
            return !g.pinsFrame(gfn);
        } finally {
            g.lock.unlock();
        }
    }

    // ------------------------------------------------------------ swap, cache_flush

    private void swap(Domain cur, GuestStruct s) {
        int a = s.u32(SWAP_REF_A);
        int b = s.u32(SWAP_REF_B);
        Grants g = Grants.of(cur);
        int status;
        g.enter();
        try {
            if (a < 0 || a >= g.nrEntries() || b < 0 || b >= g.nrEntries()) {
                status = GNTST_bad_gntref;
            } else if (a == b) {
                status = GNTST_okay; // gnttab_swap_grant_ref: the same ref is a no-op, before the pins (G8)
            } else if (g.pinOf(a) != 0 || g.pinOf(b) != 0) {
                status = GNTST_eagain;
            } else {
                g.version.swap(g, a, b);
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
