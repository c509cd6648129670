package io.xenabi.bench;

import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.Hypercall;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainInfo;
import io.xenabi.domain.impl.HypervisorImpl;
import io.xenabi.evtchn.EvtchnOp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.openjdk.jol.info.GraphLayout;

/**
 * The heap the hypervisor spends on a domain and on a bound port, measured with JOL: the
 * retained graph of the {@link HypervisorImpl} (every object reachable from it: the domain
 * table, each domain's struct, vCPUs, locks, event-channel buckets and ports, the per-domain
 * state of the event-channel variant, the grant table with its frames and active entries, the
 * shared_info page) minus the graph of each domain's {@link GuestMemory} (the guest's RAM: its
 * page table and pages belong to the guest). Objects shared by all domains (the variants,
 * the hypervisor itself) cancel out in the differences.
 *
 * <ul>
 *   <li>bytes per idle domain: (graph with {@value #DOMAINS} more idle domains - graph before)
 *       / {@value #DOMAINS};</li>
 *   <li>bytes per bound port: one domain (2-level ABI, max_event_channels 4095) with its first
 *       bucket full (port 0 reserved + 63 IPIs bound), then {@value #PORTS} more IPIs bound, a
 *       whole number of buckets: (graph after - graph before) / {@value #PORTS}. Xen's
 *       figure to compare is sizeof(struct evtchn), 64 bytes.</li>
 * </ul>
 *
 * <p>Run with {@code BENCH_MAIN=io.xenabi.bench.DomainHeap bench/run [out.json]}; writes the
 * results in JMH's JSON result format (mode "ss", score error 0) to {@code out.json}, default
 * {@code bench/target/domain-heap.json}, and the footprint of the port difference to stdout.
 */
public final class DomainHeap {
    static final int DOMAINS = 64;
    static final int PORTS = 1024;
    static final long ARG = 4096;

    private DomainHeap() {
    }

    public static void main(String[] args) throws IOException {
        // Records (HostSettings, DomainConfig) hide their field offsets from Unsafe; JOL then
        // finds them by its "magic" probe, which must be chosen before JOL starts.
        System.setProperty("jol.magicFieldOffset", "true");
        Path out = Path.of(args.length > 0 ? args[0] : "bench/target/domain-heap.json");
        HypervisorImpl hv = Grantor.hypervisor();

        GraphLayout before = hypervisorSide(hv);
        for (int i = 0; i < DOMAINS; i++) {
            hv.create(DomainConfig.named("idle" + i));
        }
        GraphLayout idle = hypervisorSide(hv);
        double perDomain = (double) (idle.totalSize() - before.totalSize()) / DOMAINS;

        int domid = hv.create(DomainConfig.named("ports").withMaxEventChannels(4095));
        bindIpis(hv, domid, Grantor.BUCKET_PORTS - 1);
        GraphLayout few = hypervisorSide(hv);
        bindIpis(hv, domid, PORTS);
        GraphLayout many = hypervisorSide(hv);
        double perPort = (double) (many.totalSize() - few.totalSize()) / PORTS;
        System.out.println("What " + PORTS + " more bound ports add to the hypervisor's heap:");
        System.out.println(many.subtract(few).toFootprint());
        System.out.println("What " + DOMAINS + " idle domains add:");
        System.out.println(idle.subtract(before).toFootprint());

        String json = "[\n" + result("bytesPerIdleDomain", "{}", perDomain, "B/domain") + ",\n"
                + result("bytesPerBoundPort", "{\"abi\":\"2l\",\"ports\":\"" + PORTS + "\"}", perPort, "B/port")
                + "\n]\n";
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, json);
        System.out.printf(Locale.ROOT, "%.1f B per idle domain, %.1f B per bound port; written to %s%n", perDomain,
                perPort, out);
    }

    /** The hypervisor's graph without the guests' RAM. */
    static GraphLayout hypervisorSide(HypervisorImpl hv) {
        List<Object> guestRam = new ArrayList<>();
        for (DomainInfo d : hv.list()) {
            guestRam.add(hv.memory(d.domid()));
        }
        GraphLayout all = GraphLayout.parseInstance(hv);
        return guestRam.isEmpty() ? all : all.subtract(GraphLayout.parseInstance(guestRam.toArray()));
    }

    private static void bindIpis(HypervisorImpl hv, int domid, int n) {
        GuestMemory mem = hv.memory(domid);
        for (int i = 0; i < n; i++) {
            mem.write32(ARG + EvtchnOp.BIND_IPI_VCPU, 0);
            Grantor.check(hv.hypercall(domid, 0, Hypercall.__HYPERVISOR_event_channel_op, EvtchnOp.EVTCHNOP_bind_ipi,
                    ARG), "bind_ipi");
        }
    }

    private static String result(String method, String params, double score, String unit) {
        String s = String.format(Locale.ROOT, "%.2f", score);
        return "  {\"jmhVersion\":\"1.37\",\"benchmark\":\"" + DomainHeap.class.getName() + "." + method
                + "\",\"mode\":\"ss\",\"threads\":1,\"forks\":1,\"measurementIterations\":1,\"params\":" + params
                + ",\"primaryMetric\":{\"score\":" + s + ",\"scoreError\":0.0,\"scoreConfidence\":[" + s + "," + s
                + "],\"scoreUnit\":\"" + unit + "\",\"rawData\":[[" + s + "]]},\"secondaryMetrics\":{}}";
    }
}
