package io.xenabi.domain.impl;

import static io.xenabi.domain.impl.FuzzVocabulary.*;
import static io.xenabi.gnttab.GnttabOp.GNTTABOP_set_version;
import static io.xenabi.gnttab.GnttabOp.SET_VERSION_VERSION;

import io.xenabi.abi.DomId;
import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.MemoryOp;
import io.xenabi.domain.DomainState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.RandomGenerator;
import net.jqwik.api.Example;

/**
 * Several vCPUs of several domains issuing random hypercalls at once, one thread each, drawn
 * from the single-threaded fuzzer's vocabulary ({@link FuzzVocabulary}: smart and wild
 * arguments). A run is a fresh hypervisor with the four fuzzed domains (the PV domain and the
 * v2-only one with two vCPUs each, the latter booted on grant v2): six threads play rounds of
 * {@link #STEPS} steps each (the toolstack's pause and unpause on Domain-0's thread, its pauses
 * undone at the end of the round); after every round all threads park at a barrier and, with nothing
 * running, the barrier's action checks the {@link Invariants} and that no hypercall failed inside
 * xenabi. Each call's result is checked by its thread (0 or more or a Xen errno; a known GNTST).
 *
 * <p>Every run has its own seed, drawn from the campaign's; each thread's steps come from that
 * seed and its index, so a run's calls are the same on a replay, only their interleaving (and
 * the smart arguments that depend on it) may differ. A failure prints the run's seed and its
 * schedule, each thread's calls with their round numbers and results (also written to
 * {@code target/concurrent-fuzz-failure.txt}); {@code -Dxenabi.cfuzz.replay=SEED} replays that run
 * until it fails again or {@code xenabi.cfuzz.replays} attempts (default 500) pass.
 *
 * <p>Bounded in CI by time ({@code xenabi.cfuzz.seconds}, default 40) with a fixed campaign seed
 * ({@code xenabi.cfuzz.seed}); a long campaign raises the time (docs/RELIABILITY.md). Every
 * finding fails the build: the one row the fuzzer found (G1 of FIDELITY-GAPS, a map racing a
 * copy through a transitive grant) is fixed, and RELIABILITY.md says how long finding it took.
 */
class ConcurrentDoorFuzzTest {
    static final String SECONDS = "xenabi.cfuzz.seconds";
    static final String SEED = "xenabi.cfuzz.seed";
    static final String REPLAY = "xenabi.cfuzz.replay";
    static final String REPLAYS = "xenabi.cfuzz.replays";
    /** The CI campaign's seed: fixed, so which runs CI makes is the same on every build. */
    static final long CI_SEED = 6_021_412_026L;
    /** Rounds per run and steps per round and thread ({@code xenabi.cfuzz.rounds}, {@code .steps}). */
    static final int ROUNDS = Integer.getInteger("xenabi.cfuzz.rounds", 8);
    static final int STEPS = Integer.getInteger("xenabi.cfuzz.steps", 12);
    /** A round that takes longer than this is a hang (a deadlock between vCPUs) and a finding. */
    static final long ROUND_TIMEOUT_SECONDS = 60;
    /** Every "op:result" of the campaign, counted: printed at the end (what the runs reached). */
    static final java.util.concurrent.ConcurrentHashMap<String, Long> RESULTS = new java.util.concurrent.ConcurrentHashMap<>();

    /** What a run found: the failure, the round it showed in, and the schedule that led there. */
    record Finding(long seed, int round, Throwable failure, String schedule) {
    }

    @Example // a jqwik example: the steps are drawn with the vocabulary's arbitraries, on jqwik's thread
    void threadsOfSeveralDomainsRacingKeepTheInvariants() {
        long seconds = Long.getLong(SECONDS, 40);
        String replay = System.getProperty(REPLAY, "").trim();
        if (!replay.isEmpty()) {
            replay(Long.parseLong(replay), Integer.getInteger(REPLAYS, 500));
            return;
        }
        String seedProp = System.getProperty(SEED, "").trim();
        long campaign = seedProp.isEmpty() ? CI_SEED : seedProp.equals("random") ? new Random().nextLong()
                : Long.parseLong(seedProp);
        Random seeds = new Random(campaign);
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
        int runs = 0;
        long calls = 0;
        while (System.nanoTime() < deadline) {
            long seed = seeds.nextLong();
            Run run = new Run(seed);
            Finding f = run.play();
            runs++;
            calls += run.calls();
            if (f == null) {
                continue;
            }
            String report = report(f, campaign, runs, calls, start);
            write(report);
            throw new AssertionError(report, f.failure());
        }
        System.out.printf("ConcurrentDoorFuzzTest: campaign seed %d, %d runs, %d calls, %d s, no finding%n", campaign,
                runs, calls, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
        System.out.println("ConcurrentDoorFuzzTest: results " + new TreeMap<>(RESULTS));
        if (runs == 0) {
            throw new AssertionError("the campaign ran no run in " + seconds + " s");
        }
    }

    private static String report(Finding f, long campaign, int runs, long calls, long start) {
        return String.format("concurrent fuzzer: campaign seed %d, run %d (%d calls, %.1f s in): run seed %d broke in"
                + " round %d: %s%nreplay: mvn -B -pl domain-core -am test -Dtest=ConcurrentDoorFuzzTest"
                + " -Dsurefire.failIfNoSpecifiedTests=false -D%s=%d%nschedule (thread: round#step step -> result):%n%s",
                campaign, runs, calls, (System.nanoTime() - start) / 1e9, f.seed(), f.round(), f.failure(), REPLAY,
                f.seed(), f.schedule());
    }

    private static void write(String report) {
        try {
            Path out = Path.of("target", "concurrent-fuzz-failure.txt");
            Files.createDirectories(out.getParent());
            Files.writeString(out, report + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("could not write the failure report: " + e);
        }
    }

    /** Replays one run's seed until it fails again, at most {@code attempts} times. */
    private static void replay(long seed, int attempts) {
        for (int i = 1; i <= attempts; i++) {
            Finding f = new Run(seed).play();
            if (f != null) {
                String report = String.format("replay of run seed %d failed again at attempt %d:%n", seed, i)
                        + report(f, 0, i, 0, System.nanoTime());
                write(report);
                throw new AssertionError(report, f.failure());
            }
        }
        System.out.printf("ConcurrentDoorFuzzTest: replay of run seed %d: %d attempts, no failure (the threads"
                + " interleaved otherwise)%n", seed, attempts);
    }

    // ------------------------------------------------------------ one run

    /** One vCPU's thread: which domain (index into the fuzzed ones) and vCPU, and its steps. */
    record Vcpu(int index, int vcpu, List<Step> steps, List<String> log) {
        String name() {
            return "d" + index + "v" + vcpu;
        }
    }

    /** A fresh hypervisor and one thread per vCPU, playing {@link #ROUNDS} rounds. */
    static final class Run {
        final long seed;
        final Driver driver = new Driver(2, 2);
        final List<Vcpu> vcpus = new ArrayList<>();
        final AtomicReference<Finding> found = new AtomicReference<>();
        private volatile int round;

        Run(long seed) {
            this.seed = seed;
            driver.concurrent = true;
            bootV2(driver.domids[2]); // the v2-only domain boots on v2, as its kernel would
            Invariants.check(driver.hv);
            RandomGenerator<Step> gen = stepGenerator();
            int t = 0;
            for (int i = 0; i < driver.domids.length; i++) {
                for (int v = 0; v < driver.vcpus[i]; v++, t++) {
                    Random r = new Random(seed * 0x9E3779B97F4A7C15L + t);
                    List<Step> steps = new ArrayList<>();
                    for (int k = 0; k < ROUNDS * STEPS; k++) {
                        Step s = gen.next(r).value();
                        steps.add(new Step(i, s.kind(), s.sel(), s.where(), s.count()));
                    }
                    vcpus.add(new Vcpu(i, v, steps, java.util.Collections.synchronizedList(new ArrayList<>())));
                }
            }
        }

        private static RandomGenerator<Step> stepGenerator() {
            Arbitrary<Step> steps = FuzzVocabulary.steps();
            return steps.generator(1000);
        }

        private void bootV2(int domid) {
            GuestMemory m = driver.hv.memory(domid);
            m.write32(ARG + SET_VERSION_VERSION, 2);
            long rc = driver.hv.hypercall(domid, 0, Hypercall.__HYPERVISOR_grant_table_op, GNTTABOP_set_version, ARG,
                    1);
            if (rc != 0) {
                throw new AssertionError("set_version(2) at boot: " + rc);
            }
            driver.physmap(domid, DomId.DOMID_SELF, MemoryOp.XENMAPSPACE_grant_table,
                    MemoryOp.XENMAPIDX_grant_table_status, STATUS_GFN);
        }

        long calls() {
            long n = 0;
            for (Vcpu v : vcpus) {
                n += v.log().size();
            }
            return n;
        }

        /** Plays the run; null when every round ended with the invariants holding. */
        Finding play() {
            CyclicBarrier barrier = new CyclicBarrier(vcpus.size(), this::quiescent);
            List<Thread> threads = new ArrayList<>();
            for (Vcpu v : vcpus) {
                Thread th = new Thread(() -> vcpu(v, barrier), "cfuzz-" + v.name());
                th.setDaemon(true);
                threads.add(th);
            }
            threads.forEach(Thread::start);
            for (Thread th : threads) {
                try {
                    th.join(TimeUnit.SECONDS.toMillis(ROUND_TIMEOUT_SECONDS * (ROUNDS + 1)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (th.isAlive()) {
                    fail(new AssertionError("thread " + th.getName() + " did not finish: " + stacks(threads)));
                    break;
                }
            }
            return found.get();
        }

        /** The barrier's action: every thread is parked, nothing is running. */
        private void quiescent() {
            if (found.get() != null) {
                return;
            }
            try {
                if (driver.hv.internalErrors.get() != 0) {
                    throw new AssertionError("a hypercall failed inside xenabi (see the log above)");
                }
                Invariants.check(driver.hv, driver.transitiveTargets);
                if (Invariants.liveTransitiveGrants(driver.hv) > 0) {
                    RESULTS.merge("(rounds ending with a live transitive grant)", 1L, Long::sum);
                }
            } catch (Throwable t) {
                fail(t);
            }
            round++;
        }

        private void fail(Throwable t) {
            found.compareAndSet(null, new Finding(seed, round, t, schedule()));
        }

        /**
         * A vCPU's thread: its steps round by round, then the barrier. Once anything failed it
         * makes no more calls but still meets the others at each barrier, so that none waits.
         */
        private void vcpu(Vcpu v, CyclicBarrier barrier) {
            try {
                for (int r = 0; r < ROUNDS; r++) {
                    for (int k = 0; k < STEPS && found.get() == null; k++) {
                        try {
                            step(v, r, k, v.steps().get(r * STEPS + k));
                        } catch (Throwable t) {
                            fail(t);
                        }
                    }
                    if (v.index() == 0) {
                        unpauseAll(); // the toolstack's pauses last to the end of the round
                    }
                    barrier.await(ROUND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                }
            } catch (TimeoutException | BrokenBarrierException e) {
                fail(new AssertionError("round " + round + " did not end: a vCPU is stuck (" + e + ")"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Unpauses every fuzzed domain the toolstack left paused, so that no vCPU waits past its round. */
        private void unpauseAll() {
            for (int i = 1; i < driver.domids.length; i++) {
                while (driver.hv.info(driver.domids[i]).orElseThrow().state() == DomainState.PAUSED) {
                    driver.hv.unpause(driver.domids[i]);
                }
            }
        }

        private void step(Vcpu v, int r, int k, Step s) {
            boolean toolstack = s.kind() == Kind.PAUSE || s.kind() == Kind.UNPAUSE;
            int caller = toolstack ? 0 : driver.domids[v.index()];
            String result;
            if (toolstack && v.index() != 0) {
                // The toolstack runs on Domain-0's thread only: a vCPU of a paused domain waits in
                // the door until Domain-0's thread unpauses it, which no other vCPU may block.
                result = "skipped (the toolstack is d0v0's)";
            } else if (!toolstack && driver.hv.info(caller).orElseThrow().state() == DomainState.PAUSED) {
                result = "skipped (paused)"; // a paused vCPU makes no hypercall
            } else {
                try {
                    result = driver.call(caller, toolstack ? 0 : v.vcpu(), s);
                } catch (Throwable t) {
                    v.log().add("r" + r + "#" + k + " " + s + " -> " + t);
                    throw t;
                }
            }
            v.log().add("r" + r + "#" + k + " " + s + " -> " + result);
            RESULTS.merge(result, 1L, Long::sum);
        }

        String schedule() {
            StringBuilder b = new StringBuilder();
            for (Vcpu v : vcpus) {
                List<String> log;
                synchronized (v.log()) {
                    log = List.copyOf(v.log());
                }
                for (String line : log) {
                    b.append(v.name()).append(": ").append(line).append('\n');
                }
            }
            return b.toString();
        }

        private static String stacks(List<Thread> threads) {
            StringBuilder b = new StringBuilder();
            for (Thread th : threads) {
                b.append('\n').append(th.getName()).append(':');
                for (StackTraceElement e : th.getStackTrace()) {
                    b.append("\n    at ").append(e);
                }
            }
            return b.toString();
        }
    }
}
