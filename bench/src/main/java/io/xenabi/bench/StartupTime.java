package io.xenabi.bench;

import io.xenabi.bench.report.JmhResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Benchmark row 8, start-up: the wall time of {@code ./xenabi -c 'xl:list'} from the call to
 * its exit, each run a new JVM (cold: no JVM or framework state carried over; the OS file cache
 * is warm). One untimed run first builds the jar if needed; then {@code --runs} timed runs. The
 * result (JMH format, mode "ss", unit "s") has the median as its score and half the range
 * (max - min) / 2 as its error. A run that fails or does not list Domain-0 ends the measurement
 * with exit status 1.
 *
 * <p>Run from the repository root: {@code java -cp ... io.xenabi.bench.StartupTime [--runs 5]
 * [--out FILE]}
 */
public final class StartupTime {
    private StartupTime() {
    }

    public static void main(String[] args) throws Exception {
        int runs = 5;
        String out = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[i + 1]);
                case "--out" -> out = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (use --runs N --out FILE)");
            }
        }
        Path home = Files.createTempDirectory("xenabi-startup");
        runOnce(home); // builds the jar when it is missing or stale, creates the home
        double[] seconds = new double[runs];
        for (int i = 0; i < runs; i++) {
            seconds[i] = runOnce(home);
            System.err.printf("start-up run %d: %.3f s%n", i + 1, seconds[i]);
        }
        JmhResult result = new JmhResult().add(StartupTime.class.getName() + ".xlList", "ss", Map.of(), "s", seconds);
        if (out != null) {
            result.write(Path.of(out));
        }
    }

    private static double runOnce(Path home) throws IOException, InterruptedException {
        Path log = Files.createTempFile("xenabi-startup", ".log");
        ProcessBuilder pb = new ProcessBuilder("./xenabi", "--home", home.toString(), "-c", "xl:list")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        long t0 = System.nanoTime();
        int rc = pb.start().waitFor();
        long took = System.nanoTime() - t0;
        String text = Files.readString(log, StandardCharsets.UTF_8);
        Files.delete(log);
        if (rc != 0 || !text.contains("Domain-0")) {
            throw new IllegalStateException("./xenabi -c xl:list failed (exit " + rc + "): " + text.strip());
        }
        return took / 1e9;
    }
}
