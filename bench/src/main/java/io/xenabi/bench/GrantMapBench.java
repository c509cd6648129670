package io.xenabi.bench;

import static io.xenabi.gnttab.GnttabOp.*;
import static io.xenabi.gnttab.GrantFlags.GNTMAP_host_map;
import static io.xenabi.gnttab.GrantFlags.GTF_permit_access;
import static io.xenabi.gnttab.GrantFlags.GTF_reading;
import static io.xenabi.gnttab.GrantFlags.GTF_writing;

import io.xenabi.abi.GuestPage;
import io.xenabi.gnttab.GnttabStatus;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Grant map + unmap pairs per second, as a backend maps a frontend's page and lets it go: the
 * front grants one page (writable) in grant-table {@code version}; the back maps it at a guest
 * address of its own with GNTTABOP_map_grant_ref (GNTMAP_host_map) and unmaps it with
 * GNTTABOP_unmap_grant_ref, one element per hypercall.
 *
 * <p>The baseline is the bare work of the same pair with no door, no checks beyond the flags
 * and no locks: the atomic set and clear of GTF_reading|GTF_writing where the version keeps them
 * (v1: a CAS on the entry's flags and domid; v2: a 16-bit CAS on the status frame after reading
 * the entry), the pin count, a maptrack slot taken and freed, and the mapper's page slot swapped
 * to the granted page and back.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GrantMapBench {
    static final int REF = 8; // the first entry after the reserved ones
    static final long PAGE_GFN = 64;
    static final long MAP_GFN = 128;
    static final long UNMAP_ARG = Grantor.ARG + 64;

    @Param({"1", "2"})
    public int version;

    private Grantor back;

    // The baseline's state: an entry, a status word, a pin, a maptrack slot, a page slot.
    private final GuestPage entries = new GuestPage();
    private final GuestPage status = new GuestPage();
    private final int[] pins = new int[16];
    private final Object[] maptrack = new Object[16];
    private final GuestPage[] physmap = {new GuestPage(), new GuestPage()};
    private final Object mapping = new Object();
    private int frontDomid;
    private int backDomid;

    @Setup(Level.Trial)
    public void boot() {
        var hv = Grantor.hypervisor();
        Grantor front = Grantor.create(hv, "front", version);
        back = Grantor.create(hv, "back", 1);
        frontDomid = front.domid;
        backDomid = back.domid;
        front.grant(REF, back.domid, PAGE_GFN, GTF_permit_access);
        front.mem.write32(PAGE_GFN * GuestPage.PAGE_SIZE, 0x600d);
        back.mem.write64(Grantor.ARG + MAP_HOST_ADDR, MAP_GFN * GuestPage.PAGE_SIZE);
        back.mem.write32(Grantor.ARG + MAP_FLAGS, GNTMAP_host_map);
        back.mem.write32(Grantor.ARG + MAP_REF, REF);
        back.mem.write16(Grantor.ARG + MAP_DOM, front.domid);
        back.mem.write64(UNMAP_ARG + UNMAP_HOST_ADDR, MAP_GFN * GuestPage.PAGE_SIZE);
        Grantor.check(back.op(GNTTABOP_map_grant_ref, Grantor.ARG, 1), "map_grant_ref");
        if (back.mem.read16(Grantor.ARG + MAP_STATUS) != GnttabStatus.GNTST_okay
                || back.mem.read32(MAP_GFN * GuestPage.PAGE_SIZE) != 0x600d) {
            throw new IllegalStateException("the back does not see the granted page");
        }
        back.mem.write32(UNMAP_ARG + UNMAP_HANDLE, back.mem.read32(Grantor.ARG + MAP_HANDLE));
        Grantor.check(back.op(GNTTABOP_unmap_grant_ref, UNMAP_ARG, 1), "unmap_grant_ref");
        if (back.mem.read16(UNMAP_ARG + UNMAP_STATUS) != GnttabStatus.GNTST_okay) {
            throw new IllegalStateException("unmap failed");
        }
        entries.set32(REF * 8, GTF_permit_access | backDomid << 16);
        entries.set32(REF * 16, GTF_permit_access | backDomid << 16);
    }

    /** One map and one unmap through the door; the back passes the handle on, as Linux does. */
    @Benchmark
    public long mapUnmap() {
        long rc = back.op(GNTTABOP_map_grant_ref, Grantor.ARG, 1);
        back.mem.write32(UNMAP_ARG + UNMAP_HANDLE, back.mem.read32(Grantor.ARG + MAP_HANDLE));
        return rc | back.op(GNTTABOP_unmap_grant_ref, UNMAP_ARG, 1);
    }

    /** The bare work of the pair: flags set and cleared atomically, pin, maptrack, page slot. */
    @Benchmark
    public Object baseline() {
        int bits = GTF_reading | GTF_writing;
        if (version == 1) {
            int combo = entries.get32(REF * 8);
            if ((combo >>> 16) != backDomid || !entries.compareAndSet32(REF * 8, combo, combo | bits)) {
                throw new IllegalStateException();
            }
        } else {
            int header = entries.get32(REF * 16);
            if ((header >>> 16) != backDomid) {
                throw new IllegalStateException();
            }
            short old = status.get16(REF * 2);
            status.compareAndSet16(REF * 2, old, (short) (old | bits));
        }
        pins[REF] += 0x101;
        maptrack[frontDomid & 15] = mapping;
        GuestPage displaced = physmap[0];
        physmap[0] = physmap[1];
        // unmap
        physmap[1] = physmap[0];
        physmap[0] = displaced;
        Object m = maptrack[frontDomid & 15];
        maptrack[frontDomid & 15] = null;
        pins[REF] -= 0x101;
        if (version == 1) {
            entries.getAndAnd32(REF * 8, ~bits);
        } else {
            short old = status.get16(REF * 2);
            status.compareAndSet16(REF * 2, old, (short) (old & ~bits));
        }
        return m;
    }
}
