package io.xenabi.bench;

import static io.xenabi.gnttab.GnttabOp.*;
import static io.xenabi.gnttab.GrantFlags.GTF_permit_access;
import static io.xenabi.gnttab.GrantFlags.GTF_readonly;
import static io.xenabi.gnttab.GrantFlags.GTF_reading;

import io.xenabi.abi.DomId;
import io.xenabi.abi.GuestPage;
import io.xenabi.gnttab.GnttabStatus;
import io.xenabi.gnttab.GrantFlags;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Grant copy, as a backend copies a frontend's request pages: the front grants {@value #BLOCKS}
 * pages (read-only) to the back, and the back copies {@code size} bytes of each into its own
 * pages with GNTTABOP_copy (source a gref, destination a gmfn of DOMID_SELF), {@code batch}
 * elements per hypercall. Every invocation copies {@value #BLOCKS} blocks, so the score is the
 * cost of one block whatever the batch.
 *
 * <p>Two baselines, in the same run. {@link #baseline} is the bare work the ABI itself requires
 * in guest memory for each element: the GTF_reading bit set on the v1 entry by a compare-and-swap
 * of its flags and domid (after checking them, as Xen's _set_status_v1 does), the copy, the bit
 * cleared again by an atomic and, and the 16-bit status written into the element. {@link
 * #copyOnly} is the copy alone between the same backing pages ({@link GuestPage#copyFrom}, an
 * arraycopy and a fence): the physical limit of the bytes on this JVM.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GrantCopyBench {
    static final int BLOCKS = 32;
    /** The front's data pages are at FRONT_GFN.., the back's destination pages at BACK_GFN.. */
    static final long FRONT_GFN = 64;
    static final long BACK_GFN = 128;
    static final int FIRST_REF = 8; // after the reserved entries

    @Param({"4096", "512"})
    public int size;

    @Param({"1", "32"})
    public int batch;

    private Grantor back;
    private final GuestPage[] src = new GuestPage[BLOCKS];
    private final GuestPage[] dst = new GuestPage[BLOCKS];
    private final int[] offset = new int[BLOCKS];
    // The fair baseline's own v1 entries and copy elements (the real ones stay the door's).
    private final GuestPage entries = new GuestPage();
    private final GuestPage elements = new GuestPage();
    private int backDomid;

    @Setup(Level.Trial)
    public void boot() {
        var hv = Grantor.hypervisor();
        Grantor front = Grantor.create(hv, "front", 1);
        back = Grantor.create(hv, "back", 1);
        for (int i = 0; i < BLOCKS; i++) {
            offset[i] = (i * size) % GuestPage.PAGE_SIZE; // 512-byte blocks walk through the page
            byte[] data = new byte[GuestPage.PAGE_SIZE];
            Arrays.fill(data, (byte) (i + 1));
            front.mem.write((FRONT_GFN + i) * GuestPage.PAGE_SIZE, data, 0, data.length);
            front.grant(FIRST_REF + i, back.domid, FRONT_GFN + i, GrantFlags.GTF_permit_access | GrantFlags.GTF_readonly);
            long e = Grantor.ARG + (long) i * SIZEOF_COPY;
            back.calls.copyFromGrant(e, front.domid, FIRST_REF + i, offset[i], BACK_GFN + i, offset[i], size);
            src[i] = front.mem.page(FRONT_GFN + i);
            dst[i] = back.mem.page(BACK_GFN + i);
        }
        backDomid = back.domid;
        for (int i = 0; i < BLOCKS; i++) {
            entries.set32((FIRST_REF + i) * 8, GTF_permit_access | GTF_readonly | back.domid << 16);
        }
        grantCopy();
        for (int i = 0; i < BLOCKS; i++) {
            int status = (short) back.mem.read16(Grantor.ARG + (long) i * SIZEOF_COPY + COPY_STATUS);
            if (status != GnttabStatus.GNTST_okay || dst[i].get8(offset[i] + size - 1) != (byte) (i + 1)) {
                throw new IllegalStateException("copy element " + i + " did not copy: status " + status);
            }
        }
    }

    /** {@value #BLOCKS} blocks through the door, {@code batch} per GNTTABOP_copy. */
    @Benchmark
    @OperationsPerInvocation(BLOCKS)
    public long grantCopy() {
        long rc = 0;
        for (int i = 0; i < BLOCKS; i += batch) {
            rc |= back.op(GNTTABOP_copy, Grantor.ARG + (long) i * SIZEOF_COPY, batch);
        }
        return rc;
    }

    /**
     * The bare work of each element in guest memory, no door: GTF_reading set on the entry by a
     * CAS of its flags and domid, the copy, GTF_reading cleared, the status written.
     */
    @Benchmark
    @OperationsPerInvocation(BLOCKS)
    public void baseline() {
        int domidFlags = GTF_permit_access | GTF_readonly | backDomid << 16;
        for (int i = 0; i < BLOCKS; i++) {
            int at = (FIRST_REF + i) * 8;
            int combo = entries.get32(at);
            if (combo != domidFlags || !entries.compareAndSet32(at, combo, combo | GTF_reading)) {
                throw new IllegalStateException("entry " + (FIRST_REF + i) + " is not granted to the back");
            }
            dst[i].copyFrom(src[i], offset[i], offset[i], size);
            entries.getAndAnd32(at, ~GTF_reading);
            elements.set16(i * SIZEOF_COPY % GuestPage.PAGE_SIZE + COPY_STATUS, (short) GnttabStatus.GNTST_okay);
        }
    }

    /** The physical limit of the bytes: the same bytes between the same pages, no door, no entry. */
    @Benchmark
    @OperationsPerInvocation(BLOCKS)
    public void copyOnly() {
        for (int i = 0; i < BLOCKS; i++) {
            dst[i].copyFrom(src[i], offset[i], offset[i], size);
        }
    }
}
