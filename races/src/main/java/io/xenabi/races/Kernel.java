package io.xenabi.races;

import io.xenabi.domain.testkit.TestHosts;
import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import io.xenabi.abi.SharedInfo;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.impl.HypervisorImpl;
import io.xenabi.evtchn.EvtchnFifo;
import io.xenabi.gnttab.GnttabOp;
import io.xenabi.gnttab.GrantFlags;
import io.xenabi.guest.front.ArgStack;
import io.xenabi.guest.front.EvtchnBoot;
import io.xenabi.guest.front.EvtchnOps;
import io.xenabi.guest.front.FifoEvents;
import io.xenabi.guest.front.GrantFront;
import io.xenabi.guest.front.Hypercalls;
import io.xenabi.guest.front.Layout;
import io.xenabi.guest.front.TwoLevelEvents;
import java.util.function.IntConsumer;

/**
 * A minimal Linux-like guest kernel for the race tests: it reaches the hypervisor only through
 * the door, with Xen's argument structs in its own memory, and plays the guest's half of each
 * ABI as Linux does, by the guest front-end library ({@code io.xenabi.guest.front}: its
 * hypercalls, 2-level and FIFO consumers and grant entries).
 *
 * <p>Each vCPU has its own 512-byte argument slot, so threads acting as different vCPUs of one
 * domain never share a struct. Nothing here is thread-safe beyond that: one thread per vCPU.
 */
public final class Kernel {
    /** The two event-channel ABIs. */
    public enum Abi { TWO_LEVEL, FIFO }

    static final long SCRATCH_GFN = 1;
    static final long SHARED_INFO_GFN = 2;
    static final long CONTROL_GFN = 16; // + vcpu
    static final long ARRAY_GFN = 64;
    static final long GRANT_FRAME_GFN = 100;
    static final long STATUS_FRAME_GFN = 200;
    /** The library's argument pages (one per vCPU), for what it issues itself. */
    private static final long LIBRARY_ARG_GFN = 300;
    /** First gfn of pages the tests grant or map into. */
    public static final long DATA_GFN = 0x400;

    public final HypervisorImpl hv;
    public final int domid;
    public final GuestMemory mem;
    public final Abi abi;
    private final Hypercalls calls;
    private final ArgStack args;
    private final Layout layout;
    private final GrantFront grants;
    /** shared_info, once mapped at {@link #SHARED_INFO_GFN}. */
    private GuestPage shared;
    private EvtchnOps ops;
    private FifoEvents fifo;
    private TwoLevelEvents twoLevel;
    /** Linux's evtchn_to_cpu: the vCPU a port is bound to (2-level consumers filter by it). */
    private final int[] portVcpu = new int[4096];

    private Kernel(HypervisorImpl hv, int domid, Abi abi, int vcpus) {
        this.hv = hv;
        this.domid = domid;
        this.mem = hv.memory(domid);
        this.abi = abi;
        this.calls = new Hypercalls(hv::hypercall, domid, mem);
        this.layout = new Layout(vcpus, SHARED_INFO_GFN, CONTROL_GFN, ARRAY_GFN, GRANT_FRAME_GFN, STATUS_FRAME_GFN);
        long[] argGfns = new long[vcpus];
        for (int v = 0; v < vcpus; v++) {
            argGfns[v] = LIBRARY_ARG_GFN + v;
        }
        this.args = new ArgStack(mem, argGfns, () -> -1);
        this.grants = new GrantFront(calls, layout, args);
    }

    /** A hypervisor with the four real variants registered as DS would. */
    public static HypervisorImpl hypervisor() {
        return TestHosts.all();
    }

    /**
     * Creates a domain and sets its ABI up as Linux does at boot (shared_info, then FIFO's
     * control blocks and one event-array page); ports come up masked and are unmasked as they
     * are bound.
     */
    public static Kernel boot(HypervisorImpl hv, String name, int vcpus, Abi abi) {
        int domid = hv.create(DomainConfig.named(name).withVcpus(vcpus));
        Kernel k = new Kernel(hv, domid, abi, vcpus);
        k.shared = EvtchnBoot.mapSharedInfo(k.calls, k.args, k.layout);
        k.twoLevel = new TwoLevelEvents(k.shared, k.calls, k.args, vcpus);
        k.ops = k.twoLevel;
        if (abi == Abi.FIFO) {
            k.fifo = new FifoEvents(k.calls, k.layout, k.args);
            for (int v = 0; v < vcpus; v++) {
                check(k.fifo.initControl(v), "init_control");
            }
            check(k.fifo.setup(0), "expand_array");
            k.ops = k.fifo;
        }
        return k;
    }

    static void check(long rc, String what) {
        if (rc != 0) {
            throw new IllegalStateException(what + " failed: " + rc);
        }
    }

    /** The argument slot of vCPU {@code vcpu}. */
    static long slot(int vcpu) {
        return SCRATCH_GFN * GuestPage.PAGE_SIZE + vcpu * 512L;
    }

    private static long must(long rc, String what) {
        if (rc < 0) {
            throw new IllegalStateException(what + " failed: " + rc);
        }
        return rc;
    }

    /** A port just bound: unmasked as Linux's bind does (FIFO's array pages come up masked). */
    private int bound(long port, String what) {
        int p = (int) must(port, what);
        if (ops.isMasked(p)) {
            ops.unmask(0, p);
        }
        return p;
    }

    // ------------------------------------------------------------------ event-channel ops

    public int bindIpi(int vcpu) {
        int port = bound(calls.bindIpi(0, slot(0), vcpu), "bind_ipi");
        portVcpu[port] = vcpu;
        return port;
    }

    public int allocUnbound(int remoteDom) {
        return bound(calls.allocUnbound(0, slot(0), remoteDom), "alloc_unbound");
    }

    public int bindInterdomain(int remoteDom, int remotePort) {
        return bound(calls.bindInterdomain(0, slot(0), remoteDom, remotePort), "bind_interdomain");
    }

    /** An interdomain channel between this kernel and {@code peer}: {this port, peer port}. */
    public int[] connect(Kernel peer) {
        int mine = allocUnbound(peer.domid);
        return new int[] {mine, peer.bindInterdomain(domid, mine)};
    }

    public void bindVcpu(int port, int vcpu) {
        check(calls.bindVcpu(0, slot(0), port, vcpu), "bind_vcpu");
        portVcpu[port] = vcpu;
    }

    public long send(int vcpu, int port) {
        return calls.send(vcpu, slot(vcpu), port);
    }

    public long close(int vcpu, int port) {
        return calls.close(vcpu, slot(vcpu), port);
    }

    /** EVTCHNOP_unmask itself (Xen clears the mask and re-delivers a pending event). */
    public long unmaskHypercall(int vcpu, int port) {
        return calls.unmask(vcpu, slot(vcpu), port);
    }

    /** EVTCHNOP_reset of the domain itself. */
    public long reset(int vcpu) {
        return calls.reset(vcpu, slot(vcpu));
    }

    /**
     * SCHEDOP_poll on one port of vCPU {@code vcpu}: returns when the port is pending, an upcall
     * is pending, or Xen system time reaches {@code deadline} (nanoseconds since the hypervisor
     * started; the caller keeps its own estimate).
     */
    public long poll(int vcpu, int port, long deadline) {
        return calls.poll(vcpu, slot(vcpu), port, deadline);
    }

    // ------------------------------------------------------------------ the guest's view

    /** The FIFO event word of {@code port}. */
    public int fifoWord(int port) {
        return fifo.word(port);
    }

    /** The control block's READY word of {@code vcpu}. */
    public int ready(int vcpu) {
        return fifo.controlBlock(vcpu).get32(EvtchnFifo.CONTROL_BLOCK_READY);
    }

    public boolean pending(int port) {
        return ops.isPending(port);
    }

    public boolean masked(int port) {
        return ops.isMasked(port);
    }

    public boolean linked(int port) {
        return fifo.isLinked(port);
    }

    /** The guest masks a port: a bit in shared_info (2-level) or MASKED in its word (FIFO). */
    public void mask(int port) {
        ops.mask(port);
    }

    public boolean upcallPending(int vcpu) {
        return shared.get8(SharedInfo.vcpuInfo(vcpu) + SharedInfo.VCPU_EVTCHN_UPCALL_PENDING) != 0;
    }

    /** The selector bit of {@code port}'s word in {@code vcpu}'s evtchn_pending_sel (2-level). */
    public boolean selectorBit(int vcpu, int port) {
        return twoLevel.selectorBit(vcpu, port);
    }

    /**
     * Linux's unmask of a masked port. FIFO (events_fifo.c evtchn_fifo_unmask): clear MASKED in
     * the word unless PENDING is set, by compare-exchange, and only otherwise ask Xen. 2-level
     * (events_2l.c, an HVM guest): the mask stays set and EVTCHNOP_unmask clears it.
     */
    public void unmask(int vcpu, int port) {
        ops.unmask(vcpu, port);
    }

    /**
     * The upcall handler of {@code vcpu}, as Linux's xen_evtchn_do_upcall runs it: clears
     * evtchn_upcall_pending, then consumes every pending, unmasked event of the vCPU, acking each
     * (clearing PENDING) before calling {@code handler}. Returns the number handled.
     */
    public int handleEvents(int vcpu, IntConsumer handler) {
        shared.set8(SharedInfo.vcpuInfo(vcpu) + SharedInfo.VCPU_EVTCHN_UPCALL_PENDING, (byte) 0);
        return ops.handleEvents(vcpu, new EvtchnOps.Dispatcher() {
            @Override
            public void deliver(int v, int port) {
                handler.accept(port);
            }

            @Override
            public boolean owns(int v, int port) {
                return portVcpu[port] == v;
            }
        });
    }

    // ------------------------------------------------------------------ grant tables

    /** Maps grant frames 0..n-1 (and v2's status frames) into the guest, as gnttab_setup does. */
    public void mapGrantFrames(int n) {
        grants.mapFrames(n);
    }

    /** GNTTABOP_set_version; the guest's entry layout follows on success. */
    public long setVersion(int vcpu, int version) {
        return grants.setVersion(vcpu, version);
    }

    /** The version the hypervisor reports for this domain's table. */
    public int grantVersion() {
        return hv.grantVersion(domid);
    }

    /** gnttab_update_entry_v1/v2: frame and domid first, flags last. */
    public void grantAccess(int ref, int to, long gfn, boolean readonly) {
        grants.grantAccess(ref, to, gfn, readonly);
    }

    /**
     * gnttab_end_foreign_access_ref: v1 swaps the flags to 0 unless the peer is reading or
     * writing; v2 clears the flags, then looks at the status word. True when access ended with
     * no use in flight (the page may be reused).
     */
    public boolean endAccess(int ref) {
        return grants.endAccess(ref);
    }

    /** The GTF_reading/GTF_writing bits of {@code ref} the guest sees. */
    public int accessBits(int ref) {
        return grants.accessBits(ref);
    }

    /** GNTTABOP_map_grant_ref of {@code dom}'s {@code ref} at {@code hostGfn}: the handle, or the GNTST status (< 0). */
    public int map(int vcpu, int dom, int ref, boolean readonly, long hostGfn) {
        long a = slot(vcpu);
        check(calls.mapGrantRef(vcpu, a, hostGfn * GuestPage.PAGE_SIZE,
                GrantFlags.GNTMAP_host_map | (readonly ? GrantFlags.GNTMAP_readonly : 0), ref, dom),
                "map_grant_ref hypercall");
        int status = calls.status(a + GnttabOp.MAP_STATUS);
        return status < 0 ? status : calls.u32(a + GnttabOp.MAP_HANDLE);
    }

    /** GNTTABOP_unmap_grant_ref: the GNTST status. */
    public int unmap(int vcpu, long hostGfn, int handle) {
        long a = slot(vcpu);
        check(calls.unmapGrantRef(vcpu, a, hostGfn * GuestPage.PAGE_SIZE, handle), "unmap_grant_ref hypercall");
        return calls.status(a + GnttabOp.UNMAP_STATUS);
    }

    /** GNTTABOP_copy of {@code len} bytes from {@code dom}'s {@code ref} into own {@code dstGfn}: the status. */
    public int copyFrom(int vcpu, int dom, int ref, long dstGfn, int len) {
        long a = slot(vcpu);
        check(calls.copy(vcpu, a, dom, ref, dstGfn, len), "copy hypercall");
        return calls.status(a + GnttabOp.COPY_STATUS);
    }
}
