package io.xenabi.bench.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Writes measurements taken outside JMH in JMH's JSON result format (the subset the report
 * reads), so every result file of a report run looks alike.
 */
public final class JmhResult {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ArrayNode results = JSON.createArrayNode();

    /**
     * Adds one result: {@code samples} (in {@code unit}) summarised as their median (the score),
     * half their range (the error) and the percentiles 0, 50, 90, 99, 99.9 and 100.
     */
    public JmhResult add(String benchmark, String mode, Map<String, String> params, String unit, double[] samples) {
        if (samples.length == 0) {
            throw new IllegalArgumentException(benchmark + ": no samples");
        }
        double[] s = samples.clone();
        Arrays.sort(s);
        ObjectNode r = results.addObject();
        r.put("benchmark", benchmark);
        r.put("mode", mode);
        r.put("threads", 1);
        r.put("forks", 1);
        ObjectNode p = r.putObject("params");
        params.forEach(p::put);
        ObjectNode m = r.putObject("primaryMetric");
        m.put("score", percentile(s, 50));
        m.put("scoreError", (s[s.length - 1] - s[0]) / 2);
        m.put("scoreUnit", unit);
        ObjectNode pc = m.putObject("scorePercentiles");
        for (double q : new double[] {0, 50, 90, 99, 99.9, 100}) {
            pc.put(String.valueOf(q), percentile(s, q));
        }
        ArrayNode raw = m.putArray("rawData").addArray();
        for (double v : samples) {
            raw.add(v);
        }
        return this;
    }

    /** The {@code q}-th percentile of sorted {@code s}, nearest rank. */
    public static double percentile(double[] s, double q) {
        int rank = (int) Math.ceil(q / 100 * s.length);
        return s[Math.max(0, Math.min(s.length - 1, rank - 1))];
    }

    public void write(Path file) throws IOException {
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), results);
    }
}
