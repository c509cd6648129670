package io.xenabi.shell.impl;

import io.xenabi.domain.DomainInfo;
import io.xenabi.domain.Hypervisor;
import io.xenabi.guest.AbiMode;
import io.xenabi.guest.GuestKernel;
import io.xenabi.guest.GuestStats;
import io.xenabi.guest.Guests;
import io.xenabi.guest.PingResult;
import io.xenabi.guest.ShareMode;
import io.xenabi.guest.ShareResult;
import io.xenabi.guest.ScenarioResult;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The {@code guest} scope: boot and stop guest kernels in domains and run workloads between them. */
@Component(service = Object.class, immediate = true, property = {
    "osgi.command.scope=guest",
    "osgi.command.function=start",
    "osgi.command.function=stop",
    "osgi.command.function=list",
    "osgi.command.function=ping",
    "osgi.command.function=stats",
    "osgi.command.function=share",
    "osgi.command.function=scenario",
    "osgi.command.function=join"
})
public final class GuestCommands {
    private final Hypervisor hypervisor;
    private final Guests guests;

    @Activate
    public GuestCommands(@Reference(name = "hypervisor") Hypervisor hypervisor,
            @Reference(name = "guests") Guests guests) {
        this.hypervisor = hypervisor;
        this.guests = guests;
    }

    @Descriptor("boot a guest kernel in a domain and say which event-channel ABI it ended up on")
    public String start(
            @Descriptor("auto: try FIFO, fall back to 2-level on any error (Linux); 2l: never try FIFO")
            @Parameter(names = "--abi", absentValue = "auto") String abi,
            @Descriptor("domain id or name") String dom) {
        AbiMode mode = parseAbi(abi);
        int domid = Arguments.domain(hypervisor, "guest:start", dom);
        GuestKernel k = guests.start(domid, mode);
        return startedLine(k.name(), domid, k.abi().variantName(), k.stats().fallbackReason());
    }

    @Descriptor("stop the guest kernel of a domain (joins its vCPUs, resets its event channels)")
    public String stop(@Descriptor("domain id or name") String dom) {
        int domid = Arguments.domain(hypervisor, "guest:stop", dom);
        String name = nameOf(domid);
        guests.stop(domid);
        return "guest " + name + " (domain " + domid + ") stopped";
    }

    @Descriptor("list the running guest kernels")
    public String list() {
        return kernelTable(guests.kernels());
    }

    @Descriptor("FROM grants pages filled with a known pattern to TO, which maps or copies each and checks"
            + " the bytes; then access is ended and the pages reclaimed; one line of results")
    public String share(
            @Descriptor("pages to share (default 1)") @Parameter(names = {"-p", "--pages"}, absentValue = "1")
            String pages,
            @Descriptor("grant-table version FROM asks for (default 1; Linux stays on v1 if refused)")
            @Parameter(names = {"-v", "--version"}, absentValue = "1") String version,
            @Descriptor("TO reads with GNTTABOP_copy") @Parameter(names = "--copy", presentValue = "true",
                    absentValue = "false") boolean copy,
            @Descriptor("TO reads by mapping (the default)") @Parameter(names = "--map", presentValue = "true",
                    absentValue = "false") boolean map,
            @Descriptor("granting domain, id or name") String from,
            @Descriptor("mapping or copying domain, id or name") String to) {
        int n = Arguments.nonNegativeInt("guest:share", "--pages", pages);
        if (n == 0) {
            throw new IllegalArgumentException("guest:share: --pages must be at least 1");
        }
        int v = Arguments.nonNegativeInt("guest:share", "--version", version);
        if (v != 1 && v != 2) {
            throw new IllegalArgumentException("guest:share: --version must be 1 or 2, not " + version);
        }
        if (copy && map) {
            throw new IllegalArgumentException("guest:share: give --copy or --map, not both");
        }
        ShareMode mode = copy ? ShareMode.COPY : ShareMode.MAP;
        int f = Arguments.domain(hypervisor, "guest:share", from);
        int t = Arguments.domain(hypervisor, "guest:share", to);
        ShareResult r = guests.share(f, t, n, v, mode);
        return shareLine(nameOf(f), nameOf(t), r);
    }

    @Descriptor("run a lifecycle scenario: hibernate-resume (a guest first booted FIRST-BOOT hibernates; a new"
            + " domain boots a FIFO-capable kernel that hands over to the resumed kernel without a reset) or kexec"
            + " (the boot kernel issues EVTCHNOP_reset first); prints a line holding lost=K")
    public String scenario(
            @Descriptor("the first boot's kernel: 2l (an old kernel, default) or auto")
            @Parameter(names = "--first-boot", absentValue = "2l") String firstBoot,
            @Descriptor("advanced variants the new domain may use, comma-separated; \"\" or none for none;"
                    + " default all") @Parameter(names = "--abi-permit", absentValue = "all") String permit,
            @Descriptor("round trips after the resume (default 20)")
            @Parameter(names = {"-c", "--count"}, absentValue = "20") String count,
            @Descriptor("hibernate-resume or kexec") String name) {
        boolean kexec = switch (name) {
            case "hibernate-resume" -> false;
            case "kexec" -> true;
            default -> throw new IllegalArgumentException("guest:scenario: unknown scenario '" + name
                    + "' (hibernate-resume or kexec)");
        };
        AbiMode first = parseAbi(firstBoot);
        int n = Arguments.nonNegativeInt("guest:scenario", "--count", count);
        if (n == 0) {
            throw new IllegalArgumentException("guest:scenario: --count must be at least 1");
        }
        ScenarioResult r = guests.handover(first, permitBits(permit), kexec, n);
        return "scenario " + r.scenario() + ": boot kernel on " + r.bootAbi() + ", hypervisor on " + r.hypervisorAbi()
                + ", resumed kernel on " + r.resumedAbi() + ": sent=" + r.sent() + " lost=" + r.lost();
    }

    /** "all", "none" or "" (nothing), or comma-separated qualified names of variants. */
    long permitBits(String list) {
        try {
            return io.xenabi.toolstack.VariantNames.parse(list, hypervisor.variants());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("guest:scenario: " + e.getMessage());
        }
    }

    static String shareLine(String from, String to, ShareResult r) {
        return "share " + from + "(" + r.from() + ") -> " + to + "(" + r.to() + "): version=" + r.version() + " mode="
                + r.mode().name().toLowerCase(Locale.ROOT) + " shared=" + r.shared() + " verified=" + r.verified()
                + " failed=" + r.failed() + (r.note().isEmpty() ? "" : " (" + r.note() + ")");
    }

    @Descriptor("ping over an interdomain event channel: FROM sends, TO echoes; one line of results")
    public String ping(
            @Descriptor("round trips to run (default 10)") @Parameter(names = {"-c", "--count"}, absentValue = "10")
            String count,
            @Descriptor("milliseconds to wait for each echo (default 1000); a later echo, within 30 s in all,"
                    + " is counted late, not lost")
            @Parameter(names = {"-t", "--timeout"}, absentValue = "1000") String timeout,
            @Descriptor("run in the background; guest:join prints the result")
            @Parameter(names = {"-b", "--background"}, presentValue = "true", absentValue = "false")
            boolean background,
            @Descriptor("sending domain, id or name") String from,
            @Descriptor("echoing domain, id or name") String to) {
        int n = Arguments.nonNegativeInt("guest:ping", "--count", count);
        if (n == 0) {
            throw new IllegalArgumentException("guest:ping: --count must be at least 1");
        }
        long ms = Arguments.number("guest:ping", "--timeout", timeout);
        if (ms == 0) {
            throw new IllegalArgumentException("guest:ping: --timeout must be at least 1 ms");
        }
        int f = Arguments.domain(hypervisor, "guest:ping", from);
        int t = Arguments.domain(hypervisor, "guest:ping", to);
        if (background) {
            String fromName = nameOf(f);
            String toName = nameOf(t);
            CompletableFuture<String> job = CompletableFuture.supplyAsync(
                    () -> pingLine(fromName, toName, guests.ping(f, t, n, Duration.ofMillis(ms))));
            synchronized (backgroundPings) {
                backgroundPings.add(job);
                return "ping " + fromName + " -> " + toName + " running in the background (job "
                        + backgroundPings.size() + "); guest:join prints its result";
            }
        }
        PingResult r = guests.ping(f, t, n, Duration.ofMillis(ms));
        return pingLine(nameOf(f), nameOf(t), r);
    }

    /** Pings started with --background and not yet waited for. */
    private final List<CompletableFuture<String>> backgroundPings = new java.util.ArrayList<>();

    @Descriptor("wait for the pings started with --background and print their results")
    public String join() {
        List<CompletableFuture<String>> jobs;
        synchronized (backgroundPings) {
            jobs = List.copyOf(backgroundPings);
            backgroundPings.clear();
        }
        StringBuilder out = new StringBuilder();
        for (CompletableFuture<String> j : jobs) {
            try {
                out.append(out.length() == 0 ? "" : "\n").append(j.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("guest:join interrupted");
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable c = e.getCause();
                throw new IllegalStateException("background ping failed: " + (c == null ? e : c).getMessage());
            }
        }
        return jobs.isEmpty() ? "no background ping" : out.toString();
    }

    @Descriptor("show what a guest kernel's event front-end has seen")
    public String stats(@Descriptor("domain id or name") String dom) {
        int domid = Arguments.domain(hypervisor, "guest:stats", dom);
        return statsText(nameOf(domid), guests.stats(domid));
    }

    private String nameOf(int domid) {
        return hypervisor.info(domid).map(DomainInfo::name).orElse(String.valueOf(domid));
    }

    static AbiMode parseAbi(String abi) {
        return switch (abi == null ? "" : abi.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> AbiMode.AUTO;
            case "2l" -> AbiMode.TWO_LEVEL;
            default -> throw new IllegalArgumentException("guest:start: --abi must be auto or 2l, not '" + abi + "'");
        };
    }

    static String startedLine(String name, int domid, String abi, String fallbackReason) {
        return "guest " + name + " (domain " + domid + ") started on " + abi
                + (fallbackReason == null || fallbackReason.isEmpty() ? "" : " (FIFO refused: " + fallbackReason + ")");
    }

    static String pingLine(String fromName, String toName, PingResult r) {
        return String.format(Locale.ROOT, "ping %s(%d) -> %s(%d): round-trips=%d lost=%d%s mean=%.1fus ports=%d->%d",
                fromName, r.from(), toName, r.to(), r.roundTrips(), r.lost(), r.late() == 0 ? "" : " late=" + r.late(),
                r.meanMicros(), r.fromPort(), r.toPort());
    }

    static String kernelTable(List<GuestKernel> kernels) {
        Table t = new Table("Name", ">ID", ">vCPUs", "Mode", "EvtchnABI");
        for (GuestKernel k : kernels) {
            t.row(k.name(), k.domid(), k.vcpus(), k.mode() == AbiMode.AUTO ? "auto" : "2l", k.abi().variantName());
        }
        return t.toString();
    }

    static String statsText(String name, GuestStats s) {
        StringBuilder out = new StringBuilder();
        out.append("guest ").append(name).append(" (domain ").append(s.domid()).append("): abi ")
                .append(s.abi().variantName());
        if (!s.fallbackReason().isEmpty()) {
            out.append(" (FIFO refused: ").append(s.fallbackReason()).append(')');
        }
        out.append("\nupcalls ").append(s.upcalls()).append(" (spurious ").append(s.spuriousUpcalls())
                .append("), events ").append(s.eventsHandled()).append(" (spurious ").append(s.spuriousEvents())
                .append(")\n");
        Table t = new Table(">Port", ">Events");
        for (Map.Entry<Integer, Long> e : new TreeMap<>(s.eventsPerPort()).entrySet()) {
            t.row(e.getKey(), e.getValue());
        }
        return out.append(t).toString();
    }
}
