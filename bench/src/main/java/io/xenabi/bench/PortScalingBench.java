package io.xenabi.bench;

import io.xenabi.abi.Hypercall;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.impl.HypervisorImpl;
import io.xenabi.evtchn.EvtchnOp;
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
 * Scaling with ports: a domain with 64 bound ports, or with every port its ABI allows (4,095
 * under 2-level, 131,071 under FIFO), all IPIs to vCPU 0. Each operation sends
 * {@value #SPARSE} events through the door to a fixed sparse set of ports spread over the whole
 * range, then takes them as the guest's upcall does; the score is the cost per delivered
 * event. The 64-port row is the baseline of the other (goal: at most 1.5 times its cost).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PortScalingBench {
    /** Pending ports per operation. */
    static final int SPARSE = 8;

    @Param({"2l", "fifo"})
    public String abi;

    /** Bound ports: 64, or "max", the ABI's highest port. */
    @Param({"64", "max"})
    public String ports;

    private BenchGuest guest;
    private HypervisorImpl hv;
    private int domid;
    private final long[] sendArgs = new long[SPARSE];

    @Setup(Level.Trial)
    public void boot() {
        int bound = ports.equals("max") ? (abi.equals("fifo") ? 131_071 : 4_095) : Integer.parseInt(ports);
        guest = new BenchGuest(abi, DomainConfig.named("bench").withMaxEventChannels(Math.max(bound,
                DomainConfig.DEFAULT_MAX_EVENT_CHANNELS)), bound);
        hv = guest.hv;
        domid = guest.domid;
        for (int i = 1; i <= bound; i++) {
            if (guest.bindIpi(0) != i) {
                throw new IllegalStateException("ports are not bound in order");
            }
        }
        for (int i = 0; i < SPARSE; i++) {
            int port = 1 + (int) ((long) i * (bound - 1) / (SPARSE - 1)); // 1 .. bound, evenly apart
            long arg = BenchGuest.arg(0) + 8L * i;
            guest.mem.write32(arg + EvtchnOp.PORT, port);
            sendArgs[i] = arg;
        }
        if (sendAndConsume() != SPARSE) {
            throw new IllegalStateException("not every event was delivered");
        }
    }

    /** Sends to the sparse set through the door, then the upcall takes every event. */
    @Benchmark
    @OperationsPerInvocation(SPARSE)
    public int sendAndConsume() {
        for (long arg : sendArgs) {
            hv.hypercall(domid, 0, Hypercall.__HYPERVISOR_event_channel_op, EvtchnOp.EVTCHNOP_send, arg);
        }
        return guest.consume(0);
    }
}
