package io.xenabi.bench;

import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.impl.HypervisorImpl;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Domains created and destroyed per second: xl create + xl destroy of a default domain (one
 * vCPU, 128 MiB, the base event-channel ABI and a v1 grant table of one frame). No baseline:
 * nothing outside the emulator does this work. The heap a domain and a bound port cost is
 * measured by {@link DomainHeap}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DomainBench {
    private HypervisorImpl hv;
    private final DomainConfig config = DomainConfig.named("bench");

    @Setup(Level.Trial)
    public void boot() {
        hv = Grantor.hypervisor();
    }

    @Benchmark
    public int createDestroy() {
        int domid = hv.create(config);
        hv.destroy(domid);
        return domid;
    }
}
