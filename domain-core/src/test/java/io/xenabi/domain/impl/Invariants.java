package io.xenabi.domain.impl;

import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import io.xenabi.domain.DomainInfo;
import io.xenabi.domain.impl.gnttab.Grants.Mapping;
import io.xenabi.gnttab.GrantEntry;
import io.xenabi.gnttab.GrantFlags;
import io.xenabi.gnttab.GrantVersion;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import io.xenabi.domain.impl.domains.Domain;
import io.xenabi.domain.impl.domains.Port;
import io.xenabi.domain.impl.gnttab.Grants;

/**
 * The hypervisor's invariants, read from its own bookkeeping, for the fuzz tests to check after
 * every hypercall.
 *
 * <p>Global invariants ({@link #check}), true between any two hypercalls:
 * <ol>
 * <li>the two ends of every interdomain channel name each other, and the peer is alive;</li>
 * <li>a domain's count of ports in use equals the ports its table holds open or reserved;</li>
 * <li>every grant's active pin count equals the live mappings of it in all maptracks (copy pins
 * are gone once a copy returns), and every mapping of a grant belongs to the domain the active
 * entry names;</li>
 * <li>every mapping maps a frame granted to its mapper: never through a transitive grant (a pin
 * with no mapping left is "leaked-pin", tagged when a transitive grant names the ref).</li>
 * </ol>
 * Each broken invariant is a {@link Broken} naming which one.
 *
 * <p>Isolation ({@link #rightsOf}, {@link #snapshot}, {@link #newPortsAreTheCallers}): a call by
 * domain A may change domain B only where A has a right to. A privileged caller (Domain-0) or
 * B == A has every right. Otherwise A's rights over B are exactly:
 * <ul>
 * <li><b>ports</b>: B's ports that are interdomain with A, or unbound and offered to A (A may
 * close its end, bind to the offer, send). Nothing else in B's port table, and not B's count of
 * ports in use, may change;</li>
 * <li><b>event delivery</b>: if such a port exists, B's shared_info page and the pages B
 * registered for FIFO (control blocks, event array) may change (events A sends);</li>
 * <li><b>grants</b>: B's grant references whose entry names A, or that A has pinned, or (v2
 * transitive) whose entry names a domain X that has a transitive grant to A naming B: their
 * active pins, their entries' bytes in B's shared frames (the GTF_reading/GTF_writing bits) and
 * their status words in B's status frames;</li>
 * <li><b>granted memory</b>: the frames of those references that are writable (no
 * GTF_readonly in the entry), or pinned writable by A; such a frame may be one of B's grant
 * table frames or its shared_info page, if B granted that.</li>
 * </ul>
 * Everything else of B that the hypervisor can see must stay byte for byte the same: every
 * port's state, vCPU, peer, offer, VIRQ and priority; the grant table's version, sizes, pins and
 * B's own maptrack; and every page present in B's physmap (which page object sits at each gfn,
 * and its contents), shared_info included. A page another domain granted and B mapped shows
 * that owner's bytes: only which page sits at that gfn counts for B (the owner's snapshot covers
 * the bytes).
 */
final class Invariants {
    private Invariants() {
    }

    static List<Domain> domains(HypervisorImpl hv) {
        List<Domain> out = new ArrayList<>();
        for (DomainInfo i : hv.list()) {
            Domain d = hv.parts().table().byAnyId(null, i.domid());
            if (d != null) {
                out.add(d);
            }
        }
        return out;
    }

    // ------------------------------------------------------------ global invariants

    static void check(HypervisorImpl hv) {
        check(hv, Set.of());
    }

    /**
     * As {@link #check(HypervisorImpl)}; {@code transitiveTargets} are the grants ({@code domid
     * << 32 | ref}) that a transitive grant named at some time (the fuzzer knows), so that a pin
     * left on one is tagged as such even after the transitive entry was rewritten.
     */
    static void check(HypervisorImpl hv, Set<Long> transitiveTargets) {
        List<Domain> all = domains(hv);
        for (Domain d : all) {
            checkPorts(hv, d);
        }
        checkGrantedFrames(all);
        checkPins(all, transitiveTargets);
    }

    /**
     * Every mapping maps a frame granted to its mapper: the active entry it pins is a full-page
     * grant pinned for the mapper, never a transitive one (Xen's map_grant_ref refuses a
     * transitive entry, and a pinned one whose active entry is sub-page, as every transitive
     * active entry is: its {@code frame} names no page the granter granted).
     */
    private static void checkGrantedFrames(List<Domain> all) {
        for (Domain d : all) {
            Grants mine = Grants.of(d);
            if (mine == null) {
                continue;
            }
            for (int h : mine.maptrack.handlesInUse()) {
                Mapping m = mine.maptrack.mapping(h);
                Grants g = m.granter;
                g.enter();
                try {
                    Grants.Active act = m.ref >= 0 && m.ref < g.nrEntries() ? g.active(m.ref) : null;
                    fail("granted-frame", "transitive", act != null && (act.transitive || act.trans != null),
                            "d%d handle %d maps d%d ref %d, a transitive grant: d%d's gfn 0x%x, which no grant"
                            + " entry grants to d%d", d.domid, h, g.domain.domid, m.ref, g.domain.domid,
                            act == null ? 0 : act.frame, d.domid);
                } finally {
                    g.lock.unlock();
                }
            }
        }
    }

    /**
     * How many v2 transitive grants now lead somewhere: the entry names a mapper other than its
     * granter, and the grant it names is a full-page permit_access to the transitive granter
     * (for the fuzzers' coverage counts).
     */
    static int liveTransitiveGrants(HypervisorImpl hv) {
        List<Domain> all = domains(hv);
        int n = 0;
        for (Domain x : all) {
            List<GrantEntry> es = entries(x);
            for (GrantEntry e : es) {
                if (e.type() != GrantFlags.GTF_transitive || e.domid() == x.domid) {
                    continue;
                }
                for (Domain b : all) {
                    if (b.domid == e.transDomid() && b != x) {
                        List<GrantEntry> bs = entries(b);
                        GrantEntry t = e.transGref() >= 0 && e.transGref() < bs.size() ? bs.get(e.transGref()) : null;
                        if (t != null && t.type() == GrantFlags.GTF_permit_access && t.domid() == x.domid
                                && !t.subPage()) {
                            n++;
                        }
                    }
                }
            }
        }
        return n;
    }

    /**
     * Names the transitive grant of another domain that names {@code d}'s {@code ref}, or null:
     * a pin of such a ref with no mapping is most likely a transitive grant's leftover.
     */
    private static String transitiveTargetOf(List<Domain> all, Domain d, int ref) {
        for (Domain x : all) {
            if (x == d) {
                continue;
            }
            List<GrantEntry> es = entries(x);
            for (int r = 0; r < es.size(); r++) {
                GrantEntry e = es.get(r);
                if (e.type() == GrantFlags.GTF_transitive && e.transDomid() == d.domid && e.transGref() == ref) {
                    return "named by d" + x.domid + " ref " + r + ", a transitive grant";
                }
            }
        }
        return null;
    }

    private static void checkPorts(HypervisorImpl hv, Domain d) {
        int inUse = 0;
        for (int p = 0; p < d.validPorts(); p++) {
            Port chn = d.port(p);
            if (chn.isOpen()) { // port 0 stays reserved and uncounted
                inUse++;
            }
            if (chn.state == Port.ECS_INTERDOMAIN) {
                Domain rd = chn.remoteDomain;
                fail("channel-ends", "", rd == null || hv.parts().table().byAnyId(null, rd.domid) != rd, "d%d port %d: peer domain gone",
                        d.domid, p);
                Port peer = rd.port(chn.remotePort);
                fail("channel-ends", "", peer == null || peer.state != Port.ECS_INTERDOMAIN || peer.remoteDomain != d
                        || peer.remotePort != p, "d%d port %d -> d%d port %d: the peer does not point back",
                        d.domid, p, rd.domid, chn.remotePort);
            }
        }
        fail("port-count", "", inUse != d.activePorts.get(), "d%d: %d ports open but the count says %d", d.domid, inUse,
                d.activePorts.get());
    }

    private static void checkPins(List<Domain> all, Set<Long> transitiveTargets) {
        // expected pins per (granter, ref), and who maps them
        Map<Grants, Map<Integer, Integer>> expected = new HashMap<>();
        Map<Grants, Map<Integer, Integer>> mapper = new HashMap<>();
        for (Domain d : all) {
            if (Grants.of(d) == null) {
                continue;
            }
            for (int h : Grants.of(d).maptrack.handlesInUse()) {
                Mapping m = Grants.of(d).maptrack.mapping(h);
                boolean ro = (m.flags & GrantFlags.GNTMAP_readonly) != 0;
                int pin = 0;
                if ((m.flags & GrantFlags.GNTMAP_host_map) != 0) {
                    pin += ro ? Grants.GNTPIN_hstr_inc : Grants.GNTPIN_hstw_inc;
                }
                if ((m.flags & GrantFlags.GNTMAP_device_map) != 0) {
                    pin += ro ? Grants.GNTPIN_devr_inc : Grants.GNTPIN_devw_inc;
                }
                fail("pins-mappings", "", pin == 0, "d%d handle %d maps nothing but is in use", d.domid, h);
                expected.computeIfAbsent(m.granter, k -> new HashMap<>()).merge(m.ref, pin, Integer::sum);
                Integer other = mapper.computeIfAbsent(m.granter, k -> new HashMap<>()).put(m.ref, d.domid);
                fail("pins-mappings", "", other != null && other != d.domid, "d%d ref %d is mapped by both d%d and d%d",
                        m.granter.domain.domid, m.ref, other, d.domid);
            }
        }
        for (Domain d : all) {
            Grants g = Grants.of(d);
            if (g == null) {
                continue;
            }
            g.enter();
            try {
                Map<Integer, Integer> want = expected.getOrDefault(g, Map.of());
                int entries = g.nrEntries();
                Set<Integer> refs = new HashSet<>(g.pinnedRefs());
                refs.addAll(want.keySet());
                for (int ref : refs) {
                    int pin = g.pinOf(ref);
                    int exp = want.getOrDefault(ref, 0);
                    String target = pin == exp ? null : transitiveTargetOf(all, d, ref);
                    if (target == null && transitiveTargets.contains((long) d.domid << 32 | (ref & 0xFFFFFFFFL))) {
                        target = "named by a transitive grant earlier";
                    }
                    fail(exp == 0 ? "leaked-pin" : "pins-mappings", target == null ? "" : "transitive-target",
                            pin != exp, "d%d ref %d: pin 0x%x but the live mappings make 0x%x%s", d.domid, ref, pin,
                            exp, target == null ? "" : " (" + target + ")");
                    if (pin != 0) {
                        int by = mapper.get(g).get(ref);
                        fail("pins-mappings", "", g.active(ref).domid != by, "d%d ref %d: active for d%d but mapped by d%d", d.domid, ref,
                                g.active(ref).domid, by);
                    }
                }
                for (int ref : want.keySet()) {
                    fail("pins-mappings", "", ref >= entries, "d%d ref %d is mapped beyond the table (%d entries)", d.domid, ref, entries);
                }
            } finally {
                g.lock.unlock();
            }
        }
    }

    private static void fail(String invariant, String tag, boolean broken, String format, Object... args) {
        if (broken) {
            throw new Broken(invariant, tag, String.format(format, args));
        }
    }

    /**
     * A broken invariant, named (and tagged with what kind of grant it involves, or "") so that a
     * report says at once which rule broke and for what kind of grant.
     */
    static final class Broken extends AssertionError {
        private static final long serialVersionUID = 1L;
        final String invariant;
        final String tag;

        Broken(String invariant, String tag, String message) {
            super("invariant broken [" + invariant + (tag.isEmpty() ? "" : "/" + tag) + "]: " + message);
            this.invariant = invariant;
            this.tag = tag;
        }
    }

    // ------------------------------------------------------------ rights and snapshots

    /** What a call by one domain may change in another (see the class comment). */
    record Rights(Set<Integer> ports, boolean eventDelivery, Set<Integer> refs, Set<Long> frames) {
    }

    /**
     * The rights of {@code caller} over every other domain, or null for each domain it may change
     * freely (itself; everything when privileged).
     */
    static Map<Integer, Rights> rightsOf(HypervisorImpl hv, int caller) {
        List<Domain> all = domains(hv);
        Map<Integer, Rights> out = new TreeMap<>();
        Domain a = hv.parts().table().byAnyId(null, caller);
        if (a == null || a.privileged) {
            return out;
        }
        // domains with a v2 transitive grant to the caller: X -> (the domain it names)
        Map<Integer, Set<Integer>> transitiveVia = new HashMap<>();
        for (Domain x : all) {
            for (GrantEntry e : entries(x)) {
                if (e.type() == GrantFlags.GTF_transitive && e.domid() == caller) {
                    transitiveVia.computeIfAbsent(e.transDomid(), k -> new HashSet<>()).add(x.domid);
                }
            }
        }
        for (Domain b : all) {
            if (b == a) {
                continue;
            }
            Set<Integer> ports = new HashSet<>();
            for (int p = 0; p < b.validPorts(); p++) {
                Port chn = b.port(p);
                if (chn.state == Port.ECS_INTERDOMAIN && chn.remoteDomain == a
                        || chn.state == Port.ECS_UNBOUND && chn.unboundRemoteDomid == caller) {
                    ports.add(p);
                }
            }
            Set<Integer> refs = new HashSet<>();
            Set<Long> frames = new HashSet<>();
            Set<Integer> via = transitiveVia.getOrDefault(b.domid, Set.of());
            List<GrantEntry> entries = entries(b);
            for (int ref = 0; ref < entries.size(); ref++) {
                GrantEntry e = entries.get(ref);
                if (e.domid() != caller && !via.contains(e.domid()) && Grants.of(b).pinOf(ref) == 0) {
                    continue;
                }
                int pin = Grants.of(b).pinOf(ref);
                boolean pinnedByA = pin != 0 && Grants.of(b).active(ref).domid == caller;
                if (e.domid() == caller || via.contains(e.domid()) || pinnedByA) {
                    refs.add(ref);
                    if (!e.readonly()) {
                        frames.add(e.frame());
                    }
                    if (pinnedByA && (pin & (Grants.GNTPIN_hstw_mask | Grants.GNTPIN_devw_mask)) != 0) {
                        frames.add(Grants.of(b).active(ref).frame);
                    }
                }
            }
            out.put(b.domid, new Rights(ports, !ports.isEmpty(), refs, frames));
        }
        return out;
    }

    private static List<GrantEntry> entries(Domain d) {
        Grants g = Grants.of(d);
        if (g == null) {
            return List.of();
        }
        g.enter();
        try {
            GrantVersion v = g.version;
            List<GrantEntry> out = new ArrayList<>();
            int perFrame = v.entriesPerFrame();
            GrantEntry none = new GrantEntry(0, 0, 0, 0, 0, 0, 0);
            for (int ref = 0; ref < g.nrEntries(); ref++) {
                if (ref % perFrame == 0 && isZero(bytes(g.sharedFrame(ref / perFrame)))) {
                    for (int i = 0; i < perFrame; i++) {
                        out.add(none); // a frame of zeros: every entry is GTF_invalid for domid 0
                    }
                    ref += perFrame - 1;
                    continue;
                }
                out.add(v.read(g, ref));
            }
            return out;
        } finally {
            g.lock.unlock();
        }
    }

    /**
     * Everything of {@code d} the hypervisor can see, minus what the rights allow to change;
     * {@code eventPages} are the gfns {@code d} registered for FIFO (the driver knows them).
     * Sections in a fixed order, each a string or the bytes of a page.
     */
    static Map<String, Object> snapshot(HypervisorImpl hv, int domid, Rights r, Set<Long> eventPages) {
        Domain d = hv.parts().table().byAnyId(null, domid);
        Map<String, Object> s = new LinkedHashMap<>();
        if (d == null) {
            s.put("gone", "");
            return s;
        }
        s.put("state", d.state() + " variant=" + d.evtchnVariant + " ports in use=" + d.activePorts.get()
                + " valid=" + d.validPorts());
        for (int p = 0; p < d.validPorts(); p++) {
            Port c = d.port(p);
            if (!r.ports().contains(p) && c.state != Port.ECS_FREE) {
                s.put("port " + p, c.state + " vcpu=" + c.notifyVcpu + " offer=" + c.unboundRemoteDomid + " peer="
                        + (c.remoteDomain == null ? "-" : c.remoteDomain.domid + ":" + c.remotePort) + " virq="
                        + c.virq + " prio=" + c.priority());
            }
        }
        Set<GuestPage> grantFrames = new HashSet<>();
        Grants g = Grants.of(d);
        if (g != null) {
            g.enter();
            try {
                s.put("grants", "v" + g.version.version() + " frames=" + g.nrFrames() + " status=" + g.nrStatusFrames()
                        + " shared gfns=" + Arrays.toString(g.sharedGfn) + " status gfns="
                        + Arrays.toString(g.statusGfn));
                StringBuilder pins = new StringBuilder();
                for (int ref : g.pinnedRefs()) {
                    if (!r.refs().contains(ref)) {
                        pins.append(ref).append('=').append(Integer.toHexString(g.pinOf(ref))).append(' ');
                    }
                }
                s.put("pins", pins.toString());
                int size = g.version.entrySize();
                for (int i = 0; i < g.nrFrames(); i++) {
                    grantFrames.add(g.sharedFrame(i));
                    if (r.frames().contains(g.sharedGfn[i])) {
                        continue; // B granted its table frame itself to A, writable
                    }
                    s.put("shared frame " + i, masked(g.sharedFrame(i), r.refs(), i * (GuestPage.PAGE_SIZE / size),
                            size));
                }
                for (int i = 0; i < g.nrStatusFrames(); i++) {
                    grantFrames.add(g.statusFrame(i));
                    if (r.frames().contains(g.statusGfn[i])) {
                        continue;
                    }
                    s.put("status frame " + i, masked(g.statusFrame(i), r.refs(), i * (GuestPage.PAGE_SIZE / 2), 2));
                }
            } finally {
                g.lock.unlock();
            }
            StringBuilder maps = new StringBuilder();
            for (int h : g.maptrack.handlesInUse()) {
                Mapping m = g.maptrack.mapping(h);
                maps.append(h).append("->d").append(m.granter.domid()).append(':').append(m.ref).append('/')
                        .append(m.flags).append('@').append(m.hostGfn).append(' ');
            }
            s.put("maptrack", maps.toString());
        }
        if (!r.eventDelivery() && (r.frames().isEmpty() || !r.frames().contains(d.memory.gfnOf(d.sharedInfo)))) {
            s.put("shared_info", bytes(d.sharedInfo));
        }
        GuestMemory mem = d.memory;
        for (GuestMemory.Mapped m : mem.presentPages()) {
            if (r.frames().contains(m.gfn()) || r.eventDelivery() && (eventPages.contains(m.gfn())
                    || m.page() == d.sharedInfo)) {
                continue;
            }
            // A grant mapping shows another domain's page: its bytes are that owner's (its own
            // snapshot covers them), only which page sits here is B's.
            boolean special = grantFrames.contains(m.page()) || m.page() == d.sharedInfo || mem.isForeign(m.gfn());
            byte[] b = special ? null : bytes(m.page());
            if (b != null && isZero(b)) {
                continue; // as good as untouched: reading a fresh page allocates it, changing nothing
            }
            s.put("gfn " + m.gfn() + " is", System.identityHashCode(m.page()));
            if (b != null) {
                s.put("gfn " + m.gfn(), b);
            }
        }
        return s;
    }

    /** A page's bytes with the entries of {@code refs} (those on this page) zeroed. */
    private static byte[] masked(GuestPage page, Set<Integer> refs, int firstRef, int entrySize) {
        byte[] b = bytes(page);
        for (int ref : refs) {
            int i = ref - firstRef;
            if (i >= 0 && (long) (i + 1) * entrySize <= GuestPage.PAGE_SIZE) {
                Arrays.fill(b, i * entrySize, (i + 1) * entrySize, (byte) 0);
            }
        }
        return b;
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] bytes(GuestPage page) {
        byte[] b = new byte[GuestPage.PAGE_SIZE];
        page.read(0, b, 0, b.length);
        return b;
    }

    /** The first section that differs between two snapshots, or null when they are the same. */
    static String difference(Map<String, Object> before, Map<String, Object> after) {
        Set<String> keys = new java.util.LinkedHashSet<>(before.keySet());
        keys.addAll(after.keySet());
        for (String k : keys) {
            Object x = before.get(k);
            Object y = after.get(k);
            boolean same = x instanceof byte[] bx && y instanceof byte[] by ? Arrays.equals(bx, by)
                    : java.util.Objects.equals(x, y);
            if (!same) {
                return k + ": " + show(x) + " -> " + show(y);
            }
        }
        return null;
    }

    private static String show(Object o) {
        if (o instanceof byte[] b) {
            for (int i = 0; i < b.length; i++) {
                if (b[i] != 0) {
                    return "page (first non-zero byte at " + i + ")";
                }
            }
            return "zero page";
        }
        return String.valueOf(o);
    }

    // ------------------------------------------------------------ who opened what

    /** Open ports of every domain: domid -> port -> "state/peer or offer". */
    static Map<Integer, Map<Integer, String>> openPorts(HypervisorImpl hv) {
        Map<Integer, Map<Integer, String>> out = new TreeMap<>();
        for (Domain d : domains(hv)) {
            Map<Integer, String> ports = new TreeMap<>();
            for (int p = 1; p < d.validPorts(); p++) {
                Port c = d.port(p);
                if (c.isOpen()) {
                    ports.put(p, c.state == Port.ECS_INTERDOMAIN ? "interdomain " + c.remoteDomain.domid
                            : c.state == Port.ECS_UNBOUND ? "unbound " + c.unboundRemoteDomid : "state " + c.state);
                }
            }
            out.put(d.domid, ports);
        }
        return out;
    }

    /**
     * After a call by {@code caller}: a port opened by the call is in the caller's own table
     * (unless the caller is privileged, which may allocate for others), and a port of another
     * domain that became interdomain was offered (unbound) to the domain it is now bound to.
     */
    static void newPortsAreTheCallers(Map<Integer, Map<Integer, String>> before,
            Map<Integer, Map<Integer, String>> after, int caller, boolean privileged) {
        for (var e : after.entrySet()) {
            int domid = e.getKey();
            Map<Integer, String> was = before.getOrDefault(domid, Map.of());
            for (var p : e.getValue().entrySet()) {
                String old = was.get(p.getKey());
                String now = p.getValue();
                if (old == null) {
                    fail("new-ports", "", domid != caller && !privileged, "d%d opened port %d in d%d", caller, p.getKey(), domid);
                } else if (!old.equals(now) && now.startsWith("interdomain ") && domid != caller) {
                    int peer = Integer.parseInt(now.substring("interdomain ".length()));
                    fail("new-ports", "", !old.equals("unbound " + peer), "d%d port %d went from '%s' to '%s' by a call of d%d", domid,
                            p.getKey(), old, now, caller);
                }
            }
        }
    }
}
