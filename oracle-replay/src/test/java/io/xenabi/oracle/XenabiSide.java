package io.xenabi.oracle;

import io.xenabi.domain.testkit.TestHosts;
import static io.xenabi.evtchn.EvtchnOp.EVTCHNOP_alloc_unbound;
import static io.xenabi.evtchn.EvtchnOp.EVTCHNOP_bind_interdomain;
import static io.xenabi.evtchn.EvtchnOp.EVTCHNOP_bind_ipi;
import static io.xenabi.evtchn.EvtchnOp.EVTCHNOP_bind_vcpu;
import static io.xenabi.evtchn.EvtchnOp.EVTCHNOP_bind_virq;
import static io.xenabi.evtchn.EvtchnOp.EVTCHNOP_expand_array;
import static io.xenabi.evtchn.EvtchnOp.EVTCHNOP_init_control;
import static io.xenabi.evtchn.EvtchnOp.VIRQ_CONSOLE;
import static io.xenabi.evtchn.EvtchnOp.VIRQ_DOM_EXC;
import static io.xenabi.evtchn.EvtchnOp.VIRQ_TIMER;

import io.xenabi.abi.AbiCapability;
import io.xenabi.abi.DomId;
import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.Hypervisor;
import io.xenabi.domain.impl.HypervisorImpl;
import io.xenabi.evtchn.EvtchnFifo;
import io.xenabi.gnttab.GnttabOp;
import io.xenabi.gnttab.GrantFlags;
import io.xenabi.guest.front.ArgStack;
import io.xenabi.guest.front.EvtchnBoot;
import io.xenabi.guest.front.FifoEvents;
import io.xenabi.guest.front.GrantFront;
import io.xenabi.guest.front.Hypercalls;
import io.xenabi.guest.front.Layout;
import io.xenabi.oracle.OracleRecord.Answer;
import io.xenabi.oracle.OracleRecord.Buffer;
import io.xenabi.oracle.OracleRecord.Call;
import io.xenabi.oracle.OracleRecord.Ptr;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The oracle's two domains in xenabi (docs/ORACLE.md, "What the replay sets up"), built through
 * the public APIs only ({@link io.xenabi.domain.DomainControl#create}, then hypercalls through
 * {@link io.xenabi.domain.GuestDoor}): a Domain-0 with two vCPUs (Xen's {@code dom0_max_vcpus=2})
 * and the PV domU of {@code oracle/guest/domU.cfg} (2 vCPUs, 128 MiB, max_event_channels 1023,
 * max_grant_frames 64, max_maptrack_frames 1024); both kernels on FIFO event channels and grant
 * table v1 with one frame; every port the census saw held, in the order the kernels and daemons
 * took them, so that port numbers agree; the probes' three grants and the mailbox's, and dom0's
 * mapping of the mailbox. Then it issues a recorded call as real Xen's probe did and reads the
 * answer back.
 */
final class XenabiSide {
    /** Where the replay puts a call's struct, in the issuing domain's RAM; its buffers follow, a page each. */
    static final long STRUCT_GFN = 0x400;
    /** The probes' pages: the first two granted (gntalloc), then the domU's console and xenstore rings. */
    static final long PAGE_GFN = 0x500;
    /** The probes fill their granted pages with a byte pattern. */
    private static final int PATTERN = 0xa5;

    final Hypervisor hv;
    final int domU;
    private final Kernel dom0;
    private final Kernel guest;
    private final Map<String, Long> globals = new LinkedHashMap<>();
    private long mailboxHandle = -1;
    private long mailboxBusAddr;

    /** The four variants, as DS would register them, behind a Domain-0 of two vCPUs. */
    static Hypervisor hypervisor() {
        HypervisorImpl hv = new HypervisorImpl();
        hv.setDom0Vcpus(2); // before the variants: Domain-0 is replaced, as at boot
        TestHosts.ALL.forEach(name -> TestHosts.add(hv, name));
        return hv;
    }


    XenabiSide() {
        hv = hypervisor();
        dom0 = new Kernel(0, 2);
        dom0.boot();
        // dom0's kernel per CPU: the timer VIRQ and five IPIs (ports 1-6 on vCPU 0, 7-12 on 1)
        for (int cpu = 0; cpu < 2; cpu++) {
            dom0.must(dom0.bindVirq(VIRQ_TIMER, cpu), "VIRQ_TIMER");
            for (int i = 0; i < 5; i++) {
                dom0.must(dom0.evtchn(EVTCHNOP_bind_ipi, 8, cpu, 0, 4), "bind_ipi");
            }
        }
        // 13 (unbound, bound by 22 later), the global VIRQs of Linux's drivers and xenstored,
        // and the PIRQs (ACPI's SCI 9, the i8042's 12 and 1, the RTC's 8): xenabi's dom0 has no
        // physical IRQs, so an unbound port holds each of their numbers (allowlisted).
        int loop = dom0.allocUnbound(DomId.DOMID_SELF, 0);
        dom0.must(dom0.bindVirq(9, 0), "VIRQ_PCPU_STATE"); // 14
        int[] pirqPlaceholders = new int[5];
        pirqPlaceholders[0] = dom0.allocUnbound(DomId.DOMID_SELF, 0); // 15: PIRQ 9
        dom0.must(dom0.bindVirq(16, 0), "VIRQ_MCA"); // 16
        dom0.must(dom0.bindVirq(VIRQ_CONSOLE, 0), "VIRQ_CONSOLE"); // 17
        pirqPlaceholders[1] = dom0.allocUnbound(DomId.DOMID_SELF, 0); // 18: PIRQ 12
        pirqPlaceholders[2] = dom0.allocUnbound(DomId.DOMID_SELF, 0); // 19: PIRQ 1
        pirqPlaceholders[3] = dom0.allocUnbound(DomId.DOMID_SELF, 0); // 20: PIRQ 8
        int domExc = dom0.bindVirq(VIRQ_DOM_EXC, 0); // 21
        dom0.bindVcpu(domExc, 1);
        dom0.bindInterdomain(0, loop); // 22
        dom0.bindVcpu(loop, 1);

        // The domU (oracle/guest/domU.cfg), its xenstore and console ports made by the toolstack
        // and bound by xenstored and xenconsoled (dom0's 23 and 24).
        domU = hv.create(new DomainConfig("domU", 2, 128, 1023, 64, 1024, AbiCapability.ALL));
        guest = new Kernel(domU, 2);
        int store = dom0.allocUnbound(domU, 0);
        int console = dom0.allocUnbound(domU, 0);
        dom0.bindVcpu(dom0.bindInterdomain(domU, store), 1); // 23
        dom0.bindInterdomain(domU, console); // 24
        pirqPlaceholders[4] = dom0.allocUnbound(DomId.DOMID_SELF, 0); // 25: PIRQ 3, the second UART
        int[] pirqVcpu = {1, 1, 1, 0, 1};
        for (int i = 0; i < pirqPlaceholders.length; i++) {
            dom0.bindVcpu(pirqPlaceholders[i], pirqVcpu[i]);
        }

        // The domU's kernel: FIFO, then the timer VIRQ and five IPIs per CPU (3-8, 9-14).
        guest.boot();
        for (int cpu = 0; cpu < 2; cpu++) {
            guest.must(guest.bindVirq(VIRQ_TIMER, cpu), "VIRQ_TIMER");
            for (int i = 0; i < 5; i++) {
                guest.must(guest.evtchn(EVTCHNOP_bind_ipi, 8, cpu, 0, 4), "bind_ipi");
            }
        }
        guest.bindVcpu(store, 1);

        // The probes: three gntalloc'd pages, the mailbox's page and port (domU 15, dom0 26).
        dom0.grants.mapFrames(1);
        guest.grants.mapFrames(1);
        dom0.grant(8, 0, PAGE_GFN);
        dom0.grant(9, domU, PAGE_GFN + 1);
        // The toolstack's reserved entries of the domU (xc_dom_gnttab_seed): console and xenstore rings.
        guest.grant(0, 0, PAGE_GFN + 2);
        guest.grant(1, 0, PAGE_GFN + 3);
        guest.grant(8, 0, PAGE_GFN);
        guest.grant(9, 0, PAGE_GFN + 1);
        int mailbox = guest.allocUnbound(DomId.DOMID_SELF, 0);
        dom0.bindInterdomain(domU, mailbox); // 26
        guest.bindVcpu(mailbox, 1);
        mapMailbox();

        globals.put("dom0", 0L);
        globals.put("self", (long) DomId.DOMID_SELF);
        globals.put("domU", (long) domU);
        globals.put("gref_00", 8L);
        globals.put("gref_0u", 9L);
        globals.put("gref_u0", 8L);
    }

    /** The global variables of docs/ORACLE.md, as this side has them. */
    Map<String, Long> globals() {
        return Map.copyOf(globals);
    }

    /** dom0's probe maps the mailbox page the domU granted (ref 9) with gntdev. */
    private void mapMailbox() {
        byte[] map = new byte[GnttabOp.SIZEOF_MAP_GRANT_REF];
        OracleRecord.putLe(map, GnttabOp.MAP_FLAGS, 4, GrantFlags.GNTMAP_device_map);
        OracleRecord.putLe(map, GnttabOp.MAP_REF, 4, 9);
        OracleRecord.putLe(map, GnttabOp.MAP_DOM, 2, domU);
        byte[] out = dom0.call(OracleRecord.HYPERVISOR_GRANT_TABLE_OP, GnttabOp.GNTTABOP_map_grant_ref, map, 1);
        if ((short) OracleRecord.getLe(out, GnttabOp.MAP_STATUS, 2) != 0) {
            throw new IllegalStateException("dom0 cannot map the mailbox: " + (short) OracleRecord.getLe(out, 18, 2));
        }
        mailboxHandle = OracleRecord.getLe(out, GnttabOp.MAP_HANDLE, 4);
        mailboxBusAddr = OracleRecord.getLe(out, GnttabOp.MAP_DEV_BUS_ADDR, 8);
    }

    /**
     * The probes move to xenstore ({@code transport xenstore} in the record): dom0 unmaps the
     * mailbox, so the domU's grant table has no pinned entry.
     */
    void transport(String transport) {
        if (!transport.equals("xenstore") || mailboxHandle < 0) {
            return;
        }
        byte[] unmap = new byte[GnttabOp.SIZEOF_UNMAP_GRANT_REF];
        OracleRecord.putLe(unmap, GnttabOp.UNMAP_DEV_BUS_ADDR, 8, mailboxBusAddr);
        OracleRecord.putLe(unmap, GnttabOp.UNMAP_HANDLE, 4, mailboxHandle);
        byte[] out = dom0.call(OracleRecord.HYPERVISOR_GRANT_TABLE_OP, GnttabOp.GNTTABOP_unmap_grant_ref, unmap, 1);
        if ((short) OracleRecord.getLe(out, GnttabOp.UNMAP_STATUS, 2) != 0) {
            throw new IllegalStateException("dom0 cannot unmap the mailbox");
        }
        mailboxHandle = -1;
    }

    /**
     * Issues {@code call} as real Xen's probe did (docs/ORACLE.md, "How an answer is compared",
     * step 1) with this side's variables: the struct and each buffer in pages of the issuing
     * domain, the buffers' addresses at the ptr offsets, then reads the struct and the buffers
     * back.
     */
    Answer issue(Call call, Map<String, Long> vars) {
        Kernel k = call.byDomU() ? guest : dom0;
        GuestMemory mem = hv.memory(k.domid);
        byte[] in = call.inFor(vars);
        Map<String, Long> bufAt = new HashMap<>();
        long gfn = STRUCT_GFN + 1;
        for (Buffer b : call.bufs()) {
            long gpa = gfn++ << GuestPage.PAGE_SHIFT;
            mem.write(gpa, new byte[GuestPage.PAGE_SIZE], 0, GuestPage.PAGE_SIZE);
            mem.write(gpa, b.init(), 0, b.init().length);
            bufAt.put(b.name(), gpa);
        }
        for (Ptr p : call.ptrs()) {
            OracleRecord.putLe(in, p.off(), 8, bufAt.get(p.buf()));
        }
        byte[] sent = in.clone();
        List<int[]> moved = relocate(call, in, mem);
        long struct = STRUCT_GFN << GuestPage.PAGE_SHIFT;
        mem.write(struct, new byte[GuestPage.PAGE_SIZE], 0, GuestPage.PAGE_SIZE);
        mem.write(struct, in, 0, in.length);
        long arg = call.argaddr() == null ? struct : nullPage(mem, call.argaddr());
        long rc = call.op() == OracleRecord.HYPERVISOR_EVENT_CHANNEL_OP
                ? hv.hypercall(k.domid, call.vcpu(), call.op(), call.sub(), arg)
                : hv.hypercall(k.domid, call.vcpu(), call.op(), call.sub(), arg, call.count());
        byte[] out = new byte[in.length];
        mem.read(struct, out, 0, out.length);
        for (int[] r : moved) {
            // inputs Xen never writes: show them as the probe sent them
            System.arraycopy(sent, r[0], out, r[0], r[1]);
        }
        Map<String, byte[]> bufs = new LinkedHashMap<>();
        for (Buffer b : call.bufs()) {
            byte[] after = new byte[b.size()];
            mem.read(bufAt.get(b.name()), after, 0, after.length);
            bufs.put(b.name(), after);
        }
        return new Answer(rc, out, bufs, Map.of());
    }

    /**
     * Addresses and frames that mean "not the caller's" to a PV process, as the same for a
     * translated guest; returns the {offset, length} of each field it changed.
     *
     * <p>The probe is a PV process whose page 0 is not mapped, so a pointer into it faults; and a
     * PV guest names machine frames, of which frame 0 is never its own. xenabi's guests are
     * translated and have RAM at guest-physical 0, so such a pointer or frame is moved beyond the
     * domain's RAM, where it faults or is refused as well: the frame_list of setup_table and
     * get_status_frames when no buffer's address was put there, the array_gfn of expand_array
     * and the control_gfn of init_control ({@code argaddr} is moved by {@link #issue}).
     */
    private static List<int[]> relocate(Call call, byte[] in, GuestMemory mem) {
        int size;
        int field;
        boolean frame = false;
        if (call.op() == OracleRecord.HYPERVISOR_GRANT_TABLE_OP && call.sub() == GnttabOp.GNTTABOP_setup_table) {
            size = GnttabOp.SIZEOF_SETUP_TABLE;
            field = GnttabOp.SETUP_FRAME_LIST;
        } else if (call.op() == OracleRecord.HYPERVISOR_GRANT_TABLE_OP
                && call.sub() == GnttabOp.GNTTABOP_get_status_frames) {
            size = GnttabOp.SIZEOF_GET_STATUS_FRAMES;
            field = GnttabOp.STATUS_FRAMES_FRAME_LIST;
        } else if (call.op() == OracleRecord.HYPERVISOR_EVENT_CHANNEL_OP
                && (call.sub() == EVTCHNOP_expand_array || call.sub() == EVTCHNOP_init_control)) {
            size = in.length;
            field = 0; // EXPAND_ARRAY_ARRAY_GFN, INIT_CONTROL_CONTROL_GFN
            frame = true;
        } else {
            return List.of();
        }
        List<int[]> moved = new ArrayList<>();
        for (int at = field; at + 8 <= in.length; at += size) {
            int off = at;
            long v = OracleRecord.getLe(in, at, 8);
            long w = frame ? (v == 0 ? mem.nrPages() : v) : nullPage(mem, v);
            if (w != v && call.ptrs().stream().noneMatch(p -> p.off() == off)) {
                OracleRecord.putLe(in, at, 8, w);
                moved.add(new int[] {at, 8});
            }
        }
        return moved;
    }

    /** An address in the probe's unmapped page 0 as one beyond the domain's RAM; others unchanged. */
    private static long nullPage(GuestMemory mem, long addr) {
        return addr >= 0 && addr < GuestPage.PAGE_SIZE ? (mem.nrPages() << GuestPage.PAGE_SHIFT) + addr : addr;
    }

    /** One kernel: its hypercall argument pages, FIFO front-end and grant table, as guest-front drives them. */
    private final class Kernel {
        final int domid;
        final Hypercalls calls;
        final Layout layout;
        final ArgStack args;
        final GrantFront grants;

        Kernel(int domid, int vcpus) {
            this.domid = domid;
            GuestMemory mem = hv.memory(domid);
            calls = new Hypercalls(hv::hypercall, domid, mem);
            layout = Layout.standard(vcpus);
            args = ArgStack.standard(mem, layout, () -> -1);
            grants = new GrantFront(calls, layout, args);
        }

        /** Linux's boot: shared_info, FIFO on every vCPU, one event-array page (ports 0-1023). */
        void boot() {
            GuestPage shared = EvtchnBoot.mapSharedInfo(calls, args, layout);
            EvtchnBoot.Chosen chosen = EvtchnBoot.boot(calls, args, layout, shared, true);
            if (!(chosen.ops() instanceof FifoEvents fifo)) {
                throw new IllegalStateException("domain " + domid + " is not on FIFO: " + chosen.fallbackReason());
            }
            must(fifo.setup(EvtchnFifo.EVENT_WORDS_PER_PAGE - 1), "expand_array");
        }

        /** A v1 grant of page {@code gfn} (filled with the probes' pattern) to {@code to}, writable. */
        void grant(int ref, int to, long gfn) {
            hv.memory(domid).page(gfn).fill(0, GuestPage.PAGE_SIZE, (byte) PATTERN);
            grants.grantAccess(ref, to, gfn, false);
        }

        int bindVirq(int virq, int vcpu) {
            return evtchn(EVTCHNOP_bind_virq, 12, virq, vcpu, 8);
        }

        int allocUnbound(int dom, int remote) {
            return evtchn(EVTCHNOP_alloc_unbound, 8, dom | remote << 16, 0, 4);
        }

        int bindInterdomain(int remoteDom, int remotePort) {
            return evtchn(EVTCHNOP_bind_interdomain, 12, remoteDom, remotePort, 8);
        }

        void bindVcpu(int port, int vcpu) {
            if (vcpu != 0) {
                evtchn(EVTCHNOP_bind_vcpu, 8, port, vcpu, -1);
            }
        }

        /** An event-channel op on a struct of {@code size} bytes whose words 0 and 1 are given; the port at {@code out}. */
        int evtchn(int sub, int size, int word0, int word1, int out) {
            byte[] s = new byte[size];
            OracleRecord.putLe(s, 0, 4, word0);
            OracleRecord.putLe(s, 4, 4, word1);
            byte[] after = call(OracleRecord.HYPERVISOR_EVENT_CHANNEL_OP, sub, s, 1);
            return out < 0 ? 0 : (int) OracleRecord.getLe(after, out, 4);
        }

        /** Issues a hypercall from vCPU 0 on {@code struct}; the struct after it. Throws on a negative rc. */
        byte[] call(int op, int sub, byte[] struct, int count) {
            long gpa = STRUCT_GFN << GuestPage.PAGE_SHIFT;
            GuestMemory mem = hv.memory(domid);
            mem.write(gpa, struct, 0, struct.length);
            long rc = op == OracleRecord.HYPERVISOR_EVENT_CHANNEL_OP ? hv.hypercall(domid, 0, op, sub, gpa)
                    : hv.hypercall(domid, 0, op, sub, gpa, count);
            must(rc, "op " + op + "." + sub);
            byte[] out = new byte[struct.length];
            mem.read(gpa, out, 0, out.length);
            return out;
        }

        long must(long rc, String what) {
            if (rc < 0) {
                throw new IllegalStateException("domain " + domid + ": " + what + " failed: " + rc);
            }
            return rc;
        }
    }
}
