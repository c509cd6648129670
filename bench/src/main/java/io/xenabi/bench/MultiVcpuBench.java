package io.xenabi.bench;

import io.xenabi.abi.Hypercall;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.impl.HypervisorImpl;
import io.xenabi.evtchn.EvtchnOp;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Multi-vCPU: one domain with 4 vCPUs; each benchmark thread is one vCPU that sends an IPI to
 * itself through the door and takes it in its upcall, as {@link EventDeliveryBench} does for
 * one. {@code senders1} and {@code senders2} run 1 and 2 such threads at once (fixed by {@link
 * Threads}: run without JMH's {@code -t}); the score is the events per second of all threads
 * together, which must not fall as threads are added. The rows use at most as many sender
 * threads as the machine has cores (2 here): with more, the run measures the scheduler's time
 * slicing, not the state xenabi shares between vCPUs.
 *
 * <p>The vCPUs' ports lie 512 apart, so each one's pending bit (2-level) or event word (FIFO)
 * sits in a cache line of its own: what is measured is the state the emulator shares between
 * vCPUs, not the false sharing a guest would get from neighbouring ports.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MultiVcpuBench {
    static final int VCPUS = 4;
    /** Ports between two vCPUs' ports: one 64-byte cache line of 2-level pending bits. */
    static final int SPACING = 512;

    /** The domain, shared by the threads of one run. */
    @State(Scope.Benchmark)
    public static class Host {
        @Param({"2l", "fifo"})
        public String abi;

        BenchGuest guest;
        final int[] ports = new int[VCPUS];
        final AtomicInteger nextVcpu = new AtomicInteger();

        @Setup(Level.Trial)
        public void boot() {
            int highest = 1 + (VCPUS - 1) * SPACING;
            guest = new BenchGuest(abi, DomainConfig.named("bench").withVcpus(VCPUS)
                    .withMaxEventChannels(Math.max(highest, DomainConfig.DEFAULT_MAX_EVENT_CHANNELS)), highest);
            for (int p = 1; p <= highest; p++) {
                boolean mine = (p - 1) % SPACING == 0;
                int vcpu = mine ? (p - 1) / SPACING : 0; // the others are fillers to space the ports out
                if (guest.bindIpi(vcpu) != p) {
                    throw new IllegalStateException("ports are not bound in order");
                }
                if (mine) {
                    ports[vcpu] = p;
                }
            }
        }
    }

    /** One sender thread: its own vCPU, port and argument slot. */
    @State(Scope.Thread)
    public static class Sender {
        HypervisorImpl hv;
        BenchGuest guest;
        int domid;
        int vcpu;
        long sendArg;

        @Setup(Level.Trial)
        public void bind(Host host) {
            guest = host.guest;
            hv = guest.hv;
            domid = guest.domid;
            vcpu = host.nextVcpu.getAndIncrement();
            if (vcpu >= VCPUS) {
                throw new IllegalStateException("more threads than the domain's " + VCPUS + " vCPUs");
            }
            sendArg = guest.sendArg(vcpu, host.ports[vcpu]);
            if (sendAndConsume() != 1) {
                throw new IllegalStateException("the event was not delivered to vCPU " + vcpu);
            }
        }

        int sendAndConsume() {
            hv.hypercall(domid, vcpu, Hypercall.__HYPERVISOR_event_channel_op, EvtchnOp.EVTCHNOP_send, sendArg);
            return guest.consume(vcpu);
        }
    }

    @Benchmark
    @Threads(1)
    public int senders1(Sender s) {
        return s.sendAndConsume();
    }

    @Benchmark
    @Threads(2)
    public int senders2(Sender s) {
        return s.sendAndConsume();
    }
}
