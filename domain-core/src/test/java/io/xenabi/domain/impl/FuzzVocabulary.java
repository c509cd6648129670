package io.xenabi.domain.impl;

import static io.xenabi.evtchn.EvtchnOp.*;
import static io.xenabi.gnttab.GnttabOp.*;
import static io.xenabi.gnttab.GrantFlags.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.xenabi.abi.AbiCapability;
import io.xenabi.abi.DomId;
import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.MemoryOp;
import io.xenabi.abi.XenErrno;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainState;
import io.xenabi.domain.DomainType;
import io.xenabi.gnttab.GnttabStatus;
import io.xenabi.gnttab.GrantEntryLayout;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import io.xenabi.domain.impl.domains.Domain;

/**
 * The hypercall fuzzers' vocabulary, shared by the single-threaded {@link DoorFuzzTest} and the
 * concurrent {@link ConcurrentDoorFuzzTest}: what a step is ({@link Kind}, {@link Step}), the
 * guest layout, the pools of smart and wild argument values, how steps are drawn
 * ({@link #steps}), and the {@link Driver} that turns a step into a hypercall of a given vCPU.
 */
final class FuzzVocabulary {
    private FuzzVocabulary() {
    }

    /** What a step does; hypercalls, plus the guest writing its own grant entries, plus the toolstack. */
    enum Kind {
        ALLOC_UNBOUND, BIND_INTERDOMAIN, BIND_VIRQ, BIND_IPI, BIND_PIRQ, CLOSE, SEND, STATUS, BIND_VCPU, UNMASK, RESET,
        RESET_CONT, INIT_CONTROL, EXPAND_ARRAY, SET_PRIORITY, EVTCHN_RAW,
        MAP, UNMAP, UNMAP_AND_REPLACE, COPY, SETUP_TABLE, SET_VERSION, GET_VERSION, GET_STATUS_FRAMES, QUERY_SIZE,
        SWAP, CACHE_FLUSH, DUMP_TABLE, TRANSFER, GNTTAB_RAW,
        ADD_TO_PHYSMAP, XEN_VERSION,
        GRANT, GRANT_SUB_PAGE, GRANT_TRANSITIVE,
        PAUSE, UNPAUSE
    }

    /**
     * One step: the calling domain (index into the fuzzed domains), what it does, selectors
     * into the value pools below (0 picks each pool's most typical valid value, so shrinking
     * heads for plain calls), where the struct goes and the batch count.
     */
    record Step(int caller, Kind kind, List<Integer> sel, int where, int count) {
        @Override
        public String toString() {
            return "d" + caller + " " + kind + " sel=" + sel + " where=" + where + " count=" + count;
        }
    }

    // ------------------------------------------------------------ guest layout (every domain)

    static final long ARG = 3L * 4096;
    static final long LIST = 4L * 4096;
    static final long SHINFO_GFN = 2;
    static final long DATA_GFN = 20;   // 20..23: pages a guest grants
    static final long HOST_GFN = 40;   // 40..43: where a guest maps others' grants
    static final long FIFO_GFN = 50;   // 50..51 control blocks, 52..55 event array
    static final long FRAME_GFN = 100; // grant shared frames
    static final long STATUS_GFN = 200; // grant status frames
    static final long RAM_PAGES = 256;  // 1 MiB domUs
    static final long RAM_END = RAM_PAGES * 4096;

    // ------------------------------------------------------------ value pools (index 0: typical)

    /** Domain codes: 0..3 the fuzzed domains, then DOMID_SELF, an unknown domid, DOMID_INVALID, 0xFFFF. */
    static final int[] PEER = {1, 2, 0, 1, 2, 3, 4, 5, 6, 7};
    static final int[] SELF = {4, 4, 1, 2, 0, 3, 5, 6, 7};
    static final int[] PORTS = {1, 2, 3, 4, 5, 6, 7, 1, 2, 3, 0, 8, 63, 64, -1, 4096, 1 << 17, Integer.MAX_VALUE,
        Integer.MIN_VALUE};
    static final int[] VCPU = {0, 1, 0, 2, -1, 64};
    static final int[] VIRQ = {VIRQ_TIMER, VIRQ_CONSOLE, VIRQ_DEBUG, VIRQ_DOM_EXC, VIRQ_ARGO, VIRQ_XENPMU, 23, NR_VIRQS,
        -1};
    static final int[] PIRQ = {0, 1, 55, 56, 255, -1};
    static final int[] REF = {8, 9, 10, 11, 12, 13, 8, 9, 0, 7, 255, 256, 511, 512, 1023, -1, 1 << 20};
    static final long[] FRAME = {DATA_GFN, DATA_GFN + 1, DATA_GFN + 2, DATA_GFN + 3, DATA_GFN, HOST_GFN, HOST_GFN + 1,
        FRAME_GFN, SHINFO_GFN, RAM_PAGES - 1, RAM_PAGES, 1L << 30, -1};
    static final int[] GTF = {GTF_permit_access, GTF_permit_access | GTF_readonly, GTF_permit_access,
        GTF_permit_access | GTF_readonly, GTF_permit_access, GTF_permit_access, GTF_invalid, GTF_accept_transfer, GTF_permit_access | GTF_reading,
        GTF_permit_access | GTF_sub_page, 0xFFFF};
    static final int[] MAP_FLAG_SET = {GNTMAP_host_map, GNTMAP_host_map | GNTMAP_readonly, GNTMAP_host_map,
        GNTMAP_host_map | GNTMAP_readonly, GNTMAP_host_map | GNTMAP_readonly,
        GNTMAP_device_map, GNTMAP_device_map | GNTMAP_readonly, GNTMAP_host_map | GNTMAP_device_map,
        GNTMAP_host_map | GNTMAP_device_map | GNTMAP_readonly, 0, GNTMAP_host_map | GNTMAP_application_map,
        GNTMAP_host_map | GNTMAP_contains_pte, 0xFF};
    static final long[] HOST_ADDR = {HOST_GFN * 4096, (HOST_GFN + 1) * 4096, (HOST_GFN + 2) * 4096,
        (HOST_GFN + 3) * 4096, DATA_GFN * 4096, HOST_GFN * 4096 + 8, 0, (RAM_PAGES - 1) * 4096, RAM_END, 1L << 40,
        -4096};
    static final int[] HANDLE = {0, 1, 2, 3, 0, 1, -1, 1 << 20};
    static final long[] DEV_ADDR = {0, DATA_GFN * 4096, (DATA_GFN + 1) * 4096, (DATA_GFN + 2) * 4096,
        (DATA_GFN + 3) * 4096, 1};
    static final long[] COPY_U = {8, 9, 10, 11, DATA_GFN, DATA_GFN + 1, HOST_GFN, HOST_GFN + 1, FRAME_GFN, 1L << 30,
        -1};
    static final int[] COPY_OFF = {0, 8, 100, 4088, 4095, 4096, 65535};
    static final int[] COPY_LENS = {8, 64, 4096, 1, 0, 4097, 65535};
    static final int[] COPY_FLAG_SET = {GNTCOPY_source_gref | GNTCOPY_dest_gref, GNTCOPY_source_gref, GNTCOPY_dest_gref,
        0, 0xFFFF};
    static final int[] NR_FRAMES = {1, 2, 0, 4, 33, -1};
    static final int[] VERSION = {2, 1, 0, 3, -1};
    static final int[] FLUSH_OP = {1, 2, 3, (1 << 31) | 1, 4, -1};
    static final int[] FLUSH_OFF = {0, 8, 4095, 4096};
    static final int[] SPACE = {MemoryOp.XENMAPSPACE_grant_table, MemoryOp.XENMAPSPACE_grant_table,
        MemoryOp.XENMAPSPACE_shared_info, MemoryOp.XENMAPSPACE_gmfn, 99};
    static final long[] IDX = {0, 1, 0x80000000L, 2, 0x80000001L, 31, 32, 1L << 20, -1};
    static final long[] GPFN = {FRAME_GFN, FRAME_GFN + 1, STATUS_GFN, FRAME_GFN + 2, STATUS_GFN + 1, SHINFO_GFN,
        HOST_GFN, DATA_GFN, RAM_PAGES - 1, RAM_PAGES, -1};
    static final long[] CONTROL_GFN = {FIFO_GFN, FIFO_GFN + 1, HOST_GFN, DATA_GFN, FRAME_GFN, RAM_PAGES, -1};
    static final int[] CONTROL_OFF = {0, 8, 4024, 4025, 4096, -8};
    static final long[] ARRAY_GFN = {FIFO_GFN + 2, FIFO_GFN + 3, FIFO_GFN + 4, HOST_GFN + 1, RAM_PAGES, -1};
    static final int[] PRIORITY = {0, 7, 15, 16, -1};
    /** Where the struct goes; -1 means 8 bytes before the end of the caller's RAM. */
    static final long[] WHERE = {ARG, ARG + 1, ARG + 4096 - 8, -1, -8, 1L << 40, HOST_GFN * 4096};
    /** Each vCPU builds its structs in its own two pages (struct, list), vCPU 0's at {@link #ARG}. */
    static final long ARG_AREA = 2L * 4096;

    /** The struct area of {@code vcpu}: {@link #ARG} for vCPU 0, then two pages further per vCPU. */
    static long argArea(int vcpu) {
        return ARG + vcpu * ARG_AREA;
    }

    /** Where a struct goes ({@link #WHERE}), moved to the vCPU's own area when it is in vCPU 0's. */
    static long where(long arg, int where, long ramEnd) {
        long w = WHERE[where];
        return w == -1 ? ramEnd - 8 : w >= ARG && w < ARG + ARG_AREA ? w - ARG + arg : w;
    }

    // ------------------------------------------------------------ generation

    static final int SELECTORS = 8;

    static Arbitrary<List<Step>> sequences() {
        return steps().list().ofMinSize(20).ofMaxSize(60);
    }

    /** One step of any domain: more often the common, deep-reaching kinds. */
    static Arbitrary<Step> steps() {
        Arbitrary<Integer> caller = Arbitraries.frequency(Tuple.of(2, 0), Tuple.of(5, 1), Tuple.of(5, 2),
                Tuple.of(1, 3));
        Arbitrary<Kind> kind = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of(Kind.GRANT, Kind.ALLOC_UNBOUND, Kind.BIND_INTERDOMAIN, Kind.MAP, Kind.COPY,
                        Kind.SEND, Kind.ADD_TO_PHYSMAP, Kind.UNMAP, Kind.INIT_CONTROL, Kind.EXPAND_ARRAY, Kind.CLOSE)),
                Tuple.of(4, Arbitraries.of(Kind.class)));
        Arbitrary<List<Integer>> sel = Arbitraries.frequency(Tuple.of(3, 0), Tuple.of(4, 1), Tuple.of(3, 2))
                .flatMap(w -> Arbitraries.integers().between(0, 8 << w)).list().ofSize(SELECTORS);
        Arbitrary<Integer> where = Arbitraries.frequency(Tuple.of(40, 0), Tuple.of(1, 1), Tuple.of(1, 2),
                Tuple.of(1, 3), Tuple.of(1, 4), Tuple.of(1, 5), Tuple.of(1, 6));
        Arbitrary<Integer> count = Arbitraries.frequency(Tuple.of(40, 1), Tuple.of(2, 0), Tuple.of(2, 2),
                Tuple.of(1, -1), Tuple.of(1, 1 << 12), Tuple.of(1, Integer.MAX_VALUE));
        return Combinators.combine(caller, kind, sel, where, count).as(Step::new);
    }

    /**
     * The four domains on a fresh hypervisor, what their guests remember (grants written, live
     * mappings, FIFO pages) and how a step becomes a hypercall. Safe for one thread per vCPU:
     * each vCPU builds its structs in its own area ({@link #argArea}) and the guests' memory of
     * grants and mappings is shared by the domain's vCPUs, as in a guest kernel.
     */
    static final class Driver {
        final HypervisorImpl hv = TestHypervisors.all();
        final int[] domids = new int[4];
        /** vCPUs of each fuzzed domain (Domain-0 has its own count). */
        final int[] vcpus;
        /** Gfns each domain registered for FIFO: event delivery may change them. */
        final Map<Integer, Set<Long>> eventPages = new java.util.concurrent.ConcurrentHashMap<>();
        /** Live mappings per mapper: {handle, host_addr, dev_bus_addr}, as the guest remembers them. */
        final Map<Integer, List<long[]>> mappings = new java.util.concurrent.ConcurrentHashMap<>();
        /** Grant entries the guests wrote: {granter, ref, grantee}. */
        final List<int[]> grants = new java.util.concurrent.CopyOnWriteArrayList<>();
        /** Grants a transitive grant named ({@code domid << 32 | ref}): see {@link Invariants#check}. */
        final Set<Long> transitiveTargets = java.util.concurrent.ConcurrentHashMap.newKeySet();

        /** The single-threaded fuzzer's domains: the PV domain has two vCPUs, the others one. */
        Driver() {
            this(2, 1);
        }

        /** With {@code pvVcpus} vCPUs for the PV domain and {@code nofifoVcpus} for the v2-only one. */
        Driver(int pvVcpus, int nofifoVcpus) {
            vcpus = new int[] {1, pvVcpus, nofifoVcpus, 1};
            domids[0] = 0;
            domids[1] = hv.create(DomainConfig.named("pv").withVcpus(pvVcpus).withMemoryMiB(1));
            domids[2] = hv.create(DomainConfig.named("nofifo").withVcpus(nofifoVcpus).withMemoryMiB(1)
                    .withAbiPermit(AbiCapability.mask(AbiCapability.XENABI_CAP_GNTTAB_V2)));
            domids[3] = hv.create(DomainConfig.named("hvm").withMemoryMiB(1).withType(DomainType.HVM, false));
            for (int i = 0; i < 3; i++) {
                // As a booting kernel does: shared_info and the first grant frame in the physmap.
                physmap(domids[i], DomId.DOMID_SELF, MemoryOp.XENMAPSPACE_shared_info, 0, SHINFO_GFN);
                physmap(domids[i], DomId.DOMID_SELF, MemoryOp.XENMAPSPACE_grant_table, 0, FRAME_GFN);
            }
            Invariants.check(hv);
        }

        void physmap(int domid, int dom, int space, long idx, long gpfn) {
            GuestMemory m = hv.memory(domid);
            m.write16(ARG + MemoryOp.ADD_TO_PHYSMAP_DOMID, dom);
            m.write32(ARG + MemoryOp.ADD_TO_PHYSMAP_SPACE, space);
            m.write64(ARG + MemoryOp.ADD_TO_PHYSMAP_IDX, idx);
            m.write64(ARG + MemoryOp.ADD_TO_PHYSMAP_GPFN, gpfn);
            assertEquals(0, hv.hypercall(domid, 0, Hypercall.__HYPERVISOR_memory_op, MemoryOp.XENMEM_add_to_physmap,
                    ARG));
        }

        int dom(int[] pool, int sel) {
            int code = pool[sel % pool.length];
            return switch (code) {
                case 0, 1, 2, 3 -> domids[code];
                case 4 -> DomId.DOMID_SELF;
                case 5 -> 0x7FEF;
                case 6 -> DomId.DOMID_INVALID;
                default -> 0xFFFF;
            };
        }

        /** Mostly one of the caller's open ports, sometimes a wild one. */
        int port(int caller, int sel) {
            if (sel % 4 != 3) {
                List<io.xenabi.domain.PortInfo> open = hv.ports(caller);
                if (!open.isEmpty()) {
                    return open.get(sel / 4 % open.size()).port();
                }
            }
            return pick(PORTS, sel);
        }

        /** Mostly a port another domain offered to the caller: {domid, port}. */
        int[] offer(int caller, int domSel, int portSel) {
            if (domSel % 4 != 3) {
                List<int[]> offers = new java.util.ArrayList<>();
                for (int d : domids) {
                    for (var p : hv.ports(d)) {
                        if (p.status() == EVTCHNSTAT_unbound && p.remoteDomain() == caller) {
                            offers.add(new int[] {d, p.port()});
                        }
                    }
                }
                if (!offers.isEmpty()) {
                    return offers.get(domSel / 4 % offers.size());
                }
            }
            return new int[] {dom(PEER, domSel), pick(PORTS, portSel)};
        }

        /**
         * A vCPU number for a call that claims to come from another vCPU: the sequential fuzzer
         * uses vCPU 1 (of a domain that may have only one); with one thread per vCPU, a number
         * beyond the domain's vCPUs (a real other vCPU is running on its own thread).
         */
        int wildVcpu(int caller, int vcpu) {
            if (concurrent) {
                for (int i = 0; i < domids.length; i++) {
                    if (domids[i] == caller) {
                        return vcpus[i];
                    }
                }
            }
            return 1;
        }

        /** Set when one thread per vCPU drives this driver. */
        volatile boolean concurrent;

        /** Mostly a grant written for the caller: {granter, ref}. */
        int[] grantFor(int caller, int domSel, int refSel) {
            if (domSel % 4 != 3) {
                List<int[]> mine = grants.stream().filter(g -> g[2] == caller).toList();
                if (!mine.isEmpty()) {
                    int[] g = mine.get(domSel / 4 % mine.size());
                    return new int[] {g[0], g[1]};
                }
            }
            return new int[] {dom(PEER, domSel), pick(REF, refSel)};
        }

        /** Mostly one of the caller's live mappings: {handle, host_addr, dev_bus_addr}. */
        long[] mapping(int caller, int sel, int addrSel, int devSel) {
            List<long[]> mine = mappings.getOrDefault(caller, List.of());
            synchronized (mine) { // the domain's other vCPUs change it
                mine = List.copyOf(mine);
            }
            if (sel % 4 != 3 && !mine.isEmpty()) {
                long[] m = mine.get(sel / 4 % mine.size());
                return new long[] {m[0], addrSel % 5 == 4 ? pick(HOST_ADDR, addrSel) : m[1],
                    devSel % 5 == 4 ? pick(DEV_ADDR, devSel) : m[2]};
            }
            return new long[] {pick(HANDLE, sel), pick(HOST_ADDR, addrSel), pick(DEV_ADDR, devSel)};
        }

        static int pick(int[] pool, int sel) {
            return pool[sel % pool.length];
        }

        static long pick(long[] pool, int sel) {
            return pool[sel % pool.length];
        }

        Set<Long> eventPages(int domid) {
            return eventPages.getOrDefault(domid, Set.of());
        }

        /** Builds the struct, makes the call, and names the outcome "op:result". */
        String call(int caller, int vcpu, Step s) {
            long arg = argArea(vcpu);
            GuestMemory m = hv.memory(caller);
            List<Integer> x = s.sel();
            long ramEnd = m.nrPages() * 4096;
            long where = s.count() == Integer.MAX_VALUE ? ramEnd - 64 // a huge batch runs into the end of RAM
                    : where(arg, s.where(), ramEnd);
            Kind k = s.kind();
            if (k != Kind.PAUSE && k != Kind.UNPAUSE) { // the toolstack writes no struct
                m.write(arg, new byte[256], 0, 256);
            }
            switch (k) {
                case GRANT -> {
                    int ref = pick(REF, x.get(0));
                    int to = dom(PEER, x.get(1));
                    grant(m, caller, ref, to, pick(FRAME, x.get(2)), pick(GTF, x.get(3)));
                    grants.add(new int[] {caller, ref, to});
                    return "grant:written";
                }
                case GRANT_SUB_PAGE -> {
                    if (hv.grantVersion(caller) != 2) {
                        return "grant_sub_page:not v2";
                    }
                    long e = entry(caller, pick(REF, x.get(0)));
                    if (e < 0) {
                        return "grant_sub_page:outside";
                    }
                    m.write16(e + GrantEntryLayout.V2_SUB_PAGE_PAGE_OFF, pick(COPY_OFF, x.get(2)));
                    m.write16(e + GrantEntryLayout.V2_SUB_PAGE_LENGTH, pick(COPY_LENS, x.get(3)));
                    m.write64(e + GrantEntryLayout.V2_SUB_PAGE_FRAME, pick(FRAME, x.get(4)));
                    int to = dom(PEER, x.get(1));
                    m.write16(e + GrantEntryLayout.V2_DOMID, to);
                    m.write16(e + GrantEntryLayout.V2_FLAGS, GTF_permit_access | GTF_sub_page
                            | (x.get(5) % 2 == 0 ? 0 : GTF_readonly));
                    grants.add(new int[] {caller, pick(REF, x.get(0)), to});
                    return "grant_sub_page:written";
                }
                case GRANT_TRANSITIVE -> {
                    if (hv.grantVersion(caller) != 2) {
                        return "grant_transitive:not v2";
                    }
                    long e = entry(caller, pick(REF, x.get(0)));
                    if (e < 0) {
                        return "grant_transitive:outside";
                    }
                    // Mostly onwards a grant someone wrote for the caller, as a middle domain does.
                    int[] via = grantFor(caller, x.get(2), x.get(3));
                    int to = dom(PEER, x.get(1));
                    m.write16(e + GrantEntryLayout.V2_TRANSITIVE_TRANS_DOMID, via[0]);
                    m.write32(e + GrantEntryLayout.V2_TRANSITIVE_GREF, via[1]);
                    m.write16(e + GrantEntryLayout.V2_DOMID, to);
                    m.write16(e + GrantEntryLayout.V2_FLAGS, GTF_transitive);
                    grants.add(new int[] {caller, pick(REF, x.get(0)), to});
                    transitiveTargets.add((long) via[0] << 32 | (via[1] & 0xFFFFFFFFL));
                    return "grant_transitive:written";
                }
                case PAUSE, UNPAUSE -> {
                    int target = dom(PEER, x.get(0));
                    try {
                        if (k == Kind.PAUSE) {
                            hv.pause(target);
                        } else {
                            hv.unpause(target);
                        }
                        return k.name().toLowerCase() + ":ok";
                    } catch (io.xenabi.domain.DomainException e) {
                        return k.name().toLowerCase() + ":refused";
                    }
                }
                default -> {
                }
            }
            if (k == Kind.ADD_TO_PHYSMAP || k == Kind.XEN_VERSION) {
                long rc;
                if (k == Kind.XEN_VERSION) {
                    rc = hv.hypercall(caller, vcpu, Hypercall.__HYPERVISOR_xen_version, x.get(0) % 3 - 1);
                } else {
                    m.write16(arg + MemoryOp.ADD_TO_PHYSMAP_DOMID, dom(SELF, x.get(0)));
                    m.write32(arg + MemoryOp.ADD_TO_PHYSMAP_SPACE, pick(SPACE, x.get(1)));
                    m.write64(arg + MemoryOp.ADD_TO_PHYSMAP_IDX, pick(IDX, x.get(2)));
                    m.write64(arg + MemoryOp.ADD_TO_PHYSMAP_GPFN, pick(GPFN, x.get(3)));
                    rc = hv.hypercall(caller, vcpu, Hypercall.__HYPERVISOR_memory_op,
                            x.get(4) % 8 == 7 ? 99 : MemoryOp.XENMEM_add_to_physmap, where);
                }
                return name(k) + ":" + errno(rc);
            }
            if (k.ordinal() <= Kind.EVTCHN_RAW.ordinal()) {
                int cmd = evtchnStruct(caller, m, arg, k, x);
                long rc = hv.hypercall(caller, x.get(7) % 5 == 4 ? wildVcpu(caller, vcpu) : vcpu, Hypercall.__HYPERVISOR_event_channel_op, cmd,
                        where);
                if (rc == 0 && (k == Kind.INIT_CONTROL || k == Kind.EXPAND_ARRAY || k == Kind.EVTCHN_RAW)) {
                    // The gfn the call registered, read from wherever its struct was (even unaligned).
                    byte[] gfn = new byte[8];
                    m.read(where, gfn, 0, 8); // both structs start with the gfn
                    eventPages.computeIfAbsent(caller, d -> java.util.concurrent.ConcurrentHashMap.newKeySet())
                            .add(java.nio.ByteBuffer.wrap(gfn).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong());
                }
                return name(k) + ":" + errno(rc);
            }
            int statusOffset = gnttabStruct(caller, m, arg, k, x);
            int cmd = switch (k) {
                case MAP -> GNTTABOP_map_grant_ref;
                case UNMAP -> GNTTABOP_unmap_grant_ref;
                case UNMAP_AND_REPLACE -> GNTTABOP_unmap_and_replace;
                case COPY -> GNTTABOP_copy;
                case SETUP_TABLE -> GNTTABOP_setup_table;
                case SET_VERSION -> GNTTABOP_set_version;
                case GET_VERSION -> GNTTABOP_get_version;
                case GET_STATUS_FRAMES -> GNTTABOP_get_status_frames;
                case QUERY_SIZE -> GNTTABOP_query_size;
                case SWAP -> GNTTABOP_swap_grant_ref;
                case CACHE_FLUSH -> GNTTABOP_cache_flush;
                case DUMP_TABLE -> GNTTABOP_dump_table;
                case TRANSFER -> GNTTABOP_transfer;
                default -> pick(new int[] {GNTTABOP_map_grant_ref | (1 << 6), GNTTABOP_cache_flush | (1 << 6), 13,
                    99, -1}, x.get(0));
            };
            long rc = hv.hypercall(caller, vcpu, Hypercall.__HYPERVISOR_grant_table_op, cmd, where, s.count());
            if (rc == 0 && statusOffset >= 0 && where == arg && s.count() >= 1) {
                int st = (short) m.read16(arg + statusOffset);
                remember(caller, m, arg, k, st);
                String n = GnttabStatus.name(st);
                if (n.startsWith("status ")) {
                    if (concurrent && s.count() > 1) {
                        // A batch's later elements may lie where the domain's other vCPUs write,
                        // and copy over element 0's status (in Xen as well): not the hypervisor's.
                        return name(k) + ":batch status overwritten";
                    }
                    throw new AssertionError("not a GNTST status: " + st + " from " + s);
                }
                return name(k) + ":" + gntst(st);
            }
            return name(k) + ":" + errno(rc);
        }

        /** The guest remembers its mappings, as a backend keeps its handles. */
        private void remember(int caller, GuestMemory m, long arg, Kind k, int status) {
            if (status != GnttabStatus.GNTST_okay) {
                return;
            }
            List<long[]> mine = mappings.computeIfAbsent(caller,
                    d -> java.util.Collections.synchronizedList(new java.util.ArrayList<>()));
            if (k == Kind.MAP) {
                mine.add(new long[] {m.read32(arg + MAP_HANDLE), m.read64(arg + MAP_HOST_ADDR),
                    m.read64(arg + MAP_DEV_BUS_ADDR)});
            } else if (k == Kind.UNMAP || k == Kind.UNMAP_AND_REPLACE) {
                int handle = m.read32(arg + (k == Kind.UNMAP ? UNMAP_HANDLE : UNMAP_REPLACE_HANDLE));
                mine.removeIf(h -> h[0] == handle);
            }
        }

        /** The guest address of {@code ref}'s entry in its first (mapped) grant frame, or -1. */
        private long entry(int domid, int ref) {
            int size = hv.grantVersion(domid) == 2 ? 16 : 8;
            return ref < 0 || (long) (ref + 1) * size > 4096 ? -1 : FRAME_GFN * 4096 + (long) ref * size;
        }

        /** The guest writes a grant entry as Linux does: frame and domid first, flags last. */
        private void grant(GuestMemory m, int domid, int ref, int to, long frame, int flags) {
            long e = entry(domid, ref);
            if (e < 0) {
                return;
            }
            if (hv.grantVersion(domid) == 2) {
                m.write64(e + GrantEntryLayout.V2_FULL_PAGE_FRAME, frame);
                m.write16(e + GrantEntryLayout.V2_DOMID, to);
                m.write16(e + GrantEntryLayout.V2_FLAGS, flags);
            } else {
                m.write32(e + GrantEntryLayout.V1_FRAME, (int) frame);
                m.write16(e + GrantEntryLayout.V1_DOMID, to);
                m.write16(e + GrantEntryLayout.V1_FLAGS, flags);
            }
        }

        private int evtchnStruct(int caller, GuestMemory m, long arg, Kind k, List<Integer> x) {
            switch (k) {
                case ALLOC_UNBOUND -> {
                    m.write16(arg + ALLOC_UNBOUND_DOM, dom(SELF, x.get(0)));
                    m.write16(arg + ALLOC_UNBOUND_REMOTE_DOM, dom(PEER, x.get(1)));
                    return EVTCHNOP_alloc_unbound;
                }
                case BIND_INTERDOMAIN -> {
                    int[] o = offer(caller, x.get(0), x.get(1));
                    m.write16(arg + BIND_INTERDOMAIN_REMOTE_DOM, o[0]);
                    m.write32(arg + BIND_INTERDOMAIN_REMOTE_PORT, o[1]);
                    return EVTCHNOP_bind_interdomain;
                }
                case BIND_VIRQ -> {
                    m.write32(arg + BIND_VIRQ_VIRQ, pick(VIRQ, x.get(0)));
                    m.write32(arg + BIND_VIRQ_VCPU, pick(VCPU, x.get(1)));
                    return EVTCHNOP_bind_virq;
                }
                case BIND_IPI -> {
                    m.write32(arg + BIND_IPI_VCPU, pick(VCPU, x.get(0)));
                    return EVTCHNOP_bind_ipi;
                }
                case BIND_PIRQ -> {
                    m.write32(arg + BIND_PIRQ_PIRQ, pick(PIRQ, x.get(0)));
                    m.write32(arg + BIND_PIRQ_FLAGS, x.get(1) % 2);
                    return EVTCHNOP_bind_pirq;
                }
                case CLOSE, SEND, UNMASK -> {
                    m.write32(arg + PORT, port(caller, x.get(0)));
                    return k == Kind.CLOSE ? EVTCHNOP_close : k == Kind.SEND ? EVTCHNOP_send : EVTCHNOP_unmask;
                }
                case STATUS -> {
                    m.write16(arg + STATUS_DOM, dom(PEER, x.get(0)));
                    m.write32(arg + STATUS_PORT, port(caller, x.get(1)));
                    return EVTCHNOP_status;
                }
                case BIND_VCPU -> {
                    m.write32(arg + BIND_VCPU_PORT, port(caller, x.get(0)));
                    m.write32(arg + BIND_VCPU_VCPU, pick(VCPU, x.get(1)));
                    return EVTCHNOP_bind_vcpu;
                }
                case RESET, RESET_CONT -> {
                    m.write16(arg + RESET_DOM, dom(SELF, x.get(0)));
                    return k == Kind.RESET ? EVTCHNOP_reset : EVTCHNOP_reset_cont;
                }
                case INIT_CONTROL -> {
                    m.write64(arg + INIT_CONTROL_CONTROL_GFN, pick(CONTROL_GFN, x.get(0)) + (x.get(2) % 2));
                    m.write32(arg + INIT_CONTROL_OFFSET, pick(CONTROL_OFF, x.get(1)));
                    m.write32(arg + INIT_CONTROL_VCPU, pick(VCPU, x.get(2)));
                    return EVTCHNOP_init_control;
                }
                case EXPAND_ARRAY -> {
                    m.write64(arg + EXPAND_ARRAY_ARRAY_GFN, pick(ARRAY_GFN, x.get(0)));
                    return EVTCHNOP_expand_array;
                }
                case SET_PRIORITY -> {
                    m.write32(arg + SET_PRIORITY_PORT, port(caller, x.get(0)));
                    m.write32(arg + SET_PRIORITY_PRIORITY, pick(PRIORITY, x.get(1)));
                    return EVTCHNOP_set_priority;
                }
                default -> { // EVTCHN_RAW: any sub-op over raw words
                    for (int i = 0; i < 6; i++) {
                        m.write32(arg + 4L * i, pick(PORTS, x.get(i + 1)));
                    }
                    return x.get(0) % 18 - 1;
                }
            }
        }

        /** Builds a grant-table struct at {@code arg}; returns the offset of its status field, or -1. */
        private int gnttabStruct(int caller, GuestMemory m, long arg, Kind k, List<Integer> x) {
            switch (k) {
                case MAP -> {
                    m.write64(arg + MAP_HOST_ADDR, pick(HOST_ADDR, x.get(0)));
                    m.write32(arg + MAP_FLAGS, pick(MAP_FLAG_SET, x.get(1)));
                    int[] g = grantFor(caller, x.get(3), x.get(2));
                    m.write32(arg + MAP_REF, g[1]);
                    m.write16(arg + MAP_DOM, g[0]);
                    return MAP_STATUS;
                }
                case UNMAP -> {
                    long[] h = mapping(caller, x.get(2), x.get(0), x.get(1));
                    m.write64(arg + UNMAP_HOST_ADDR, h[1]);
                    m.write64(arg + UNMAP_DEV_BUS_ADDR, h[2]);
                    m.write32(arg + UNMAP_HANDLE, (int) h[0]);
                    return UNMAP_STATUS;
                }
                case UNMAP_AND_REPLACE -> {
                    long[] h = mapping(caller, x.get(2), x.get(0), 0);
                    m.write64(arg + UNMAP_REPLACE_HOST_ADDR, h[1]);
                    m.write64(arg + UNMAP_REPLACE_NEW_ADDR, x.get(1) % 3 == 0 ? 0 : pick(HOST_ADDR, x.get(1)));
                    m.write32(arg + UNMAP_REPLACE_HANDLE, (int) h[0]);
                    return UNMAP_REPLACE_STATUS;
                }
                case COPY -> {
                    int[] g = grantFor(caller, x.get(1), x.get(0));
                    boolean gref = x.get(0) % 4 != 3;
                    m.write64(arg + COPY_SOURCE + COPY_PTR_U, gref ? g[1] : pick(COPY_U, x.get(0)));
                    m.write16(arg + COPY_SOURCE + COPY_PTR_DOMID, gref ? g[0] : dom(PEER, x.get(1)));
                    m.write16(arg + COPY_SOURCE + COPY_PTR_OFFSET, pick(COPY_OFF, x.get(2)));
                    m.write64(arg + COPY_DEST + COPY_PTR_U, pick(COPY_U, x.get(3)));
                    m.write16(arg + COPY_DEST + COPY_PTR_DOMID, dom(SELF, x.get(4)));
                    m.write16(arg + COPY_DEST + COPY_PTR_OFFSET, pick(COPY_OFF, x.get(5)));
                    m.write16(arg + COPY_LEN, pick(COPY_LENS, x.get(6)));
                    m.write16(arg + COPY_FLAGS, pick(COPY_FLAG_SET, x.get(7)));
                    return COPY_STATUS;
                }
                case SETUP_TABLE -> {
                    m.write16(arg + SETUP_DOM, dom(SELF, x.get(0)));
                    m.write32(arg + SETUP_NR_FRAMES, pick(NR_FRAMES, x.get(1)));
                    m.write64(arg + SETUP_FRAME_LIST, x.get(2) % 6 == 5 ? RAM_END - 8 : arg + 4096);
                    return SETUP_STATUS;
                }
                case SET_VERSION -> {
                    m.write32(arg + SET_VERSION_VERSION, pick(VERSION, x.get(0)));
                    return -1;
                }
                case GET_VERSION -> {
                    m.write16(arg + GET_VERSION_DOM, dom(SELF, x.get(0)));
                    return -1;
                }
                case GET_STATUS_FRAMES -> {
                    m.write16(arg + STATUS_FRAMES_DOM, dom(SELF, x.get(0)));
                    m.write32(arg + STATUS_FRAMES_NR_FRAMES, pick(NR_FRAMES, x.get(1)));
                    m.write64(arg + STATUS_FRAMES_FRAME_LIST, x.get(2) % 6 == 5 ? RAM_END - 8 : arg + 4096);
                    return STATUS_FRAMES_STATUS;
                }
                case QUERY_SIZE, DUMP_TABLE -> {
                    m.write16(arg + (k == Kind.QUERY_SIZE ? QUERY_DOM : DUMP_DOM), dom(SELF, x.get(0)));
                    return k == Kind.QUERY_SIZE ? QUERY_STATUS : DUMP_STATUS;
                }
                case SWAP -> {
                    m.write32(arg + SWAP_REF_A, pick(REF, x.get(0)));
                    m.write32(arg + SWAP_REF_B, pick(REF, x.get(1)));
                    return SWAP_STATUS;
                }
                case CACHE_FLUSH -> {
                    m.write64(arg + CACHE_FLUSH_A, pick(COPY_U, x.get(0)));
                    m.write16(arg + CACHE_FLUSH_OFFSET, pick(FLUSH_OFF, x.get(1)));
                    m.write16(arg + CACHE_FLUSH_LENGTH, pick(COPY_LENS, x.get(2)));
                    m.write32(arg + CACHE_FLUSH_OP, pick(FLUSH_OP, x.get(3)));
                    return -1;
                }
                case TRANSFER -> {
                    m.write16(arg + TRANSFER_DOMID, dom(PEER, x.get(0)));
                    m.write32(arg + TRANSFER_REF, pick(REF, x.get(1)));
                    return -1;
                }
                default -> { // GNTTAB_RAW
                    for (int i = 0; i < 6; i++) {
                        m.write32(arg + 4L * i, pick(PORTS, x.get(i + 1)));
                    }
                    return -1;
                }
            }
        }

        private static String name(Kind k) {
            return switch (k) {
                case MAP -> "map_grant_ref";
                case UNMAP -> "unmap_grant_ref";
                case SWAP -> "swap_grant_ref";
                default -> k.name().toLowerCase();
            };
        }

        private static String errno(long rc) {
            if (rc >= 0) {
                return "ok";
            }
            String n = XenErrno.name(rc);
            if (n.startsWith("E?")) {
                throw new AssertionError("not a Xen errno: " + rc);
            }
            return n;
        }

        private static String gntst(int st) {
            return switch (st) {
                case GnttabStatus.GNTST_okay -> "okay";
                case GnttabStatus.GNTST_general_error -> "general_error";
                case GnttabStatus.GNTST_bad_domain -> "bad_domain";
                case GnttabStatus.GNTST_bad_gntref -> "bad_gntref";
                case GnttabStatus.GNTST_bad_handle -> "bad_handle";
                case GnttabStatus.GNTST_bad_virt_addr -> "bad_virt_addr";
                case GnttabStatus.GNTST_bad_dev_addr -> "bad_dev_addr";
                case GnttabStatus.GNTST_permission_denied -> "permission_denied";
                case GnttabStatus.GNTST_bad_page -> "bad_page";
                case GnttabStatus.GNTST_bad_copy_arg -> "bad_copy_arg";
                case GnttabStatus.GNTST_eagain -> "eagain";
                case GnttabStatus.GNTST_no_space -> "no_space";
                default -> "status " + st;
            };
        }
    }
}
