package io.xenabi.bench.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Picks one result out of a run: {@code SimpleClassName.method}, optionally followed by
 * {@code [param=value,...]} (every named parameter must match; the pseudo-parameter
 * {@code threads} matches JMH's thread count) and by {@code @pNN} (the NNth percentile of a
 * sample-mode result instead of its score, e.g. {@code @p50}, {@code @p99}, {@code @p99.9}).
 */
public record Selector(String name, Map<String, String> params, Double percentile) {
    private static final Pattern SYNTAX = Pattern.compile(
            "([A-Za-z_$][\\w$]*\\.[A-Za-z_$][\\w$]*)(?:\\[([^\\]]*)])?(?:@p(\\d+(?:\\.\\d+)?))?");

    /** Parses a selector; an unreadable one is an IllegalArgumentException naming it. */
    public static Selector parse(String text) {
        Matcher m = SYNTAX.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is no benchmark id (Class.method[param=value,...]@pNN)");
        }
        Map<String, String> params = new LinkedHashMap<>();
        if (m.group(2) != null && !m.group(2).isBlank()) {
            for (String kv : m.group(2).split(",")) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("'" + text + "': '" + kv + "' is no param=value");
                }
                params.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            }
        }
        Double p = m.group(3) == null ? null : Double.valueOf(m.group(3));
        if (p != null && p > 100) {
            throw new IllegalArgumentException("'" + text + "': percentile above 100");
        }
        return new Selector(m.group(1), params, p);
    }

    public boolean matches(Result r) {
        if (!r.shortName().equals(name)) {
            return false;
        }
        for (Map.Entry<String, String> e : params.entrySet()) {
            String actual = e.getKey().equals("threads") ? String.valueOf(r.threads()) : r.params().get(e.getKey());
            if (!e.getValue().equals(actual)) {
                return false;
            }
        }
        return true;
    }

    /** The results it picks out of {@code all}: one, none (not run) or several (ambiguous). */
    public List<Result> select(List<Result> all) {
        return all.stream().filter(this::matches).toList();
    }

    /** The selected value of {@code r}: its score, or the percentile asked for (null if absent). */
    public Double value(Result r) {
        if (percentile == null) {
            return r.score();
        }
        return r.percentiles().get(String.valueOf(percentile));
    }

    /** The cost of {@code r}: its value, inverted for a rate (ops per time). */
    public Double cost(Result r) {
        Double v = value(r);
        return v == null ? null : r.isThroughput() ? 1 / v : v;
    }
}
