package io.xenabi.bench;

import static io.xenabi.gnttab.GnttabOp.*;

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
 * cost of one block whatever the batch. The baseline copies the same bytes between the same
 * backing pages directly ({@link GuestPage#copyFrom}, an arraycopy and a fence): the physical
 * limit of the work on this JVM.
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

    /** The physical limit: the same bytes between the same pages, no door. */
    @Benchmark
    @OperationsPerInvocation(BLOCKS)
    public void baseline() {
        for (int i = 0; i < BLOCKS; i++) {
            dst[i].copyFrom(src[i], offset[i], offset[i], size);
        }
    }
}
