package io.xenabi.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One result of JMH's JSON format: the benchmark's full name, its thread count and parameters,
 * and the primary metric (score, error, unit and, for sample modes, percentiles keyed as JMH
 * writes them: "50.0", "99.0", "99.9").
 */
public record Result(String benchmark, String mode, int threads, Map<String, String> params, double score,
        double error, String unit, Map<String, Double> percentiles) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The results of a JMH JSON document (an array of results). */
    public static List<Result> parse(String json) throws IOException {
        JsonNode root = JSON.readTree(json);
        if (root == null || !root.isArray()) {
            throw new IOException("not a JMH result file: the top level is no array");
        }
        List<Result> out = new ArrayList<>();
        for (JsonNode r : root) {
            JsonNode m = r.path("primaryMetric");
            if (!r.hasNonNull("benchmark") || !m.hasNonNull("score")) {
                throw new IOException("not a JMH result: " + r.toString().lines().findFirst().orElse(""));
            }
            Map<String, String> params = new LinkedHashMap<>();
            r.path("params").fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue().asText()));
            Map<String, Double> pc = new LinkedHashMap<>();
            m.path("scorePercentiles").fields().forEachRemaining(e -> pc.put(e.getKey(), e.getValue().asDouble()));
            double error = m.path("scoreError").asDouble(Double.NaN); // JMH writes "NaN" for one iteration
            out.add(new Result(r.get("benchmark").asText(), r.path("mode").asText(), r.path("threads").asInt(1),
                    params, m.get("score").asDouble(), error, m.path("scoreUnit").asText(), pc));
        }
        return out;
    }

    /** Every result of every {@code *.json} file in {@code dir}. */
    public static List<Result> loadAll(Path dir) throws IOException {
        List<Result> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
        for (Path f : files) {
            try {
                out.addAll(parse(Files.readString(f)));
            } catch (IOException e) {
                throw new IOException(f + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** "EventDeliveryBench.baseline" of "io.xenabi.bench.EventDeliveryBench.baseline". */
    public String shortName() {
        String[] parts = benchmark.split("\\.");
        return parts.length < 2 ? benchmark : parts[parts.length - 2] + "." + parts[parts.length - 1];
    }

    /** Whether the unit is a rate ("ops/ns", "ops/s"): then lower cost is a higher score. */
    public boolean isThroughput() {
        return unit.startsWith("ops/");
    }
}
