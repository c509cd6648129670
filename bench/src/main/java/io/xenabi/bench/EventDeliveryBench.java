package io.xenabi.bench;

import io.xenabi.abi.GuestPage;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.SharedInfo;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.impl.HypervisorImpl;
import io.xenabi.evtchn.EvtchnFifo;
import io.xenabi.evtchn.EvtchnOp;
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
 * Event delivery, single-threaded: EVTCHNOP_send through the door on an IPI, then the guest
 * consumes it the way Linux does for the ABI (2-level: selector and bitmap words; FIFO: READY,
 * HEAD, clear LINKED). The baseline does the bare atomic work of the same ABI with no door.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EventDeliveryBench {
    @Param({"2l", "fifo"})
    public String abi;

    private HypervisorImpl hv;
    private int domid;
    private GuestPage shared;
    private GuestPage control;
    private GuestPage words;
    private int port;
    private long sendArg;
    private final GuestPage baselinePage = new GuestPage();

    @Setup(Level.Trial)
    public void boot() {
        BenchGuest g = new BenchGuest(abi, DomainConfig.named("bench"), 1);
        hv = g.hv;
        domid = g.domid;
        shared = g.shared;
        control = g.control(0);
        words = g.eventPage(0);
        port = g.bindIpi(0);
        sendArg = g.sendArg(0, port);
    }

    /** Send through the door, then consume as the guest. */
    @Benchmark
    public int sendAndConsume() {
        hv.hypercall(domid, 0, Hypercall.__HYPERVISOR_event_channel_op, EvtchnOp.EVTCHNOP_send, sendArg);
        shared.set8(SharedInfo.vcpuInfo(0) + SharedInfo.VCPU_EVTCHN_UPCALL_PENDING, (byte) 0);
        if (abi.equals("2l")) {
            long sel = shared.getAndSet64(SharedInfo.vcpuInfo(0) + SharedInfo.VCPU_EVTCHN_PENDING_SEL, 0);
            int word = Long.numberOfTrailingZeros(sel);
            shared.testAndClearBit(SharedInfo.EVTCHN_PENDING, word * 64 + port % 64);
            return word;
        }
        int ready = control.getAndAnd32(EvtchnFifo.CONTROL_BLOCK_READY, 0);
        int q = Integer.numberOfTrailingZeros(ready);
        int head = control.get32(EvtchnFifo.head(q));
        int off = head * 4;
        int old = words.get32(off);
        words.compareAndSet32(off, old, old & ~((1 << EvtchnFifo.EVTCHN_FIFO_LINKED) | EvtchnFifo.EVTCHN_FIFO_LINK_MASK
                | (1 << EvtchnFifo.EVTCHN_FIFO_PENDING)));
        return head;
    }

    /** Where the baseline keeps its evtchn_upcall_pending byte (the selector's cache line, as in vcpu_info). */
    private static final int UPCALL = 56;

    /**
     * The physical limit of the same work: the atomics the ABI needs, no door. Both ABIs raise
     * the vCPU's evtchn_upcall_pending with an atomic exchange (Xen's vcpu_mark_events_pending)
     * and the guest's upcall clears it, as {@link #sendAndConsume} does.
     */
    @Benchmark
    public int baseline() {
        if (abi.equals("2l")) {
            baselinePage.testAndSetBit(2048, port);
            baselinePage.testAndSetBit(8, 0);
            baselinePage.getAndSet8(UPCALL, (byte) 1);
            baselinePage.set8(UPCALL, (byte) 0);
            long sel = baselinePage.getAndSet64(8, 0);
            baselinePage.testAndClearBit(2048, port);
            return (int) sel;
        }
        baselinePage.getAndOr32(64, (1 << EvtchnFifo.EVTCHN_FIFO_PENDING) | (1 << EvtchnFifo.EVTCHN_FIFO_LINKED));
        baselinePage.set32(8, port);
        baselinePage.getAndOr32(0, 1 << 7);
        baselinePage.getAndSet8(UPCALL, (byte) 1);
        baselinePage.set8(UPCALL, (byte) 0);
        int ready = baselinePage.getAndAnd32(0, 0);
        int old = baselinePage.get32(64);
        baselinePage.compareAndSet32(64, old, 0);
        return ready;
    }
}
