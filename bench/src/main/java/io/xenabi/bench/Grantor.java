package io.xenabi.bench;

import io.xenabi.domain.testkit.TestHosts;
import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.Hypercall;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.impl.HypervisorImpl;
import io.xenabi.guest.front.ArgStack;
import io.xenabi.guest.front.GrantFront;
import io.xenabi.guest.front.Hypercalls;
import io.xenabi.guest.front.Layout;

/**
 * The guest side the grant benchmarks share: a hypervisor with every variant added by hand, as
 * DS would add them, and a domain that maps its grant frames with XENMEM_add_to_physmap and
 * writes its grant entries itself (frame and domid first, flags last), as Linux does, by the
 * guest front-end library's {@link GrantFront}.
 */
final class Grantor {
    /** The struct area each domain builds its hypercall arguments in. */
    static final long ARG = 4096;
    /** Where each domain maps its shared grant frame 0 (and status frame 0 under v2). */
    static final long FRAME_GFN = 8;
    static final long STATUS_GFN = 9;
    /** The set-up hypercalls' argument page. */
    private static final long SETUP_ARG_GFN = 2;
    /** Ports per event-channel bucket (domain-core allocates ports 64 at a time, as Xen does). */
    static final int BUCKET_PORTS = 64;

    final HypervisorImpl hv;
    final int domid;
    final GuestMemory mem;
    final int version;
    /** The domain's hypercalls and argument structs, by the guest front-end library. */
    final Hypercalls calls;
    private final GrantFront table;

    private Grantor(HypervisorImpl hv, int domid, int version) {
        this.hv = hv;
        this.domid = domid;
        this.mem = hv.memory(domid);
        this.version = version;
        this.calls = new Hypercalls(hv::hypercall, domid, mem);
        this.table = new GrantFront(calls, new Layout(1, 0, 0, 0, FRAME_GFN, STATUS_GFN),
                new ArgStack(mem, new long[] {SETUP_ARG_GFN}, () -> -1));
    }

    /** A hypervisor with evtchn 2l and fifo, gnttab v1 and v2. */
    static HypervisorImpl hypervisor() {
        return TestHosts.all();
    }

    /** A new domain on grant-table {@code version} with its frame 0 (and status frame) mapped. */
    static Grantor create(HypervisorImpl hv, String name, int version) {
        Grantor g = new Grantor(hv, hv.create(DomainConfig.named(name)), version);
        if (version != 1) {
            check(g.table.setVersion(0, version), "set_version");
        }
        g.table.mapFrames(1);
        return g;
    }

    long op(int cmd, long gpa, long count) {
        return hv.hypercall(domid, 0, Hypercall.__HYPERVISOR_grant_table_op, cmd, gpa, count);
    }

    /** Grants page {@code gfn} to {@code to} in entry {@code ref} (full page). */
    void grant(int ref, int to, long gfn, int flags) {
        table.grant(ref, to, gfn, flags);
    }

    static void check(long rc, String what) {
        if (rc != 0) {
            throw new IllegalStateException(what + " failed: " + rc);
        }
    }
}
