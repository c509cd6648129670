package io.xenabi.bench.report;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A row's goal: {@code -} (none), {@code ratio>=P%} (baseline cost / measured cost is at least
 * P %), {@code cost<=Kx} (measured cost at most K times the baseline's) or {@code value<=N} (the
 * measured value, in its own unit, at most N).
 */
public record Goal(Kind kind, double bound) {
    /** The kinds of goal. */
    public enum Kind { NONE, RATIO_AT_LEAST, COST_AT_MOST, VALUE_AT_MOST }

    private static final Pattern SYNTAX = Pattern.compile("(ratio>=|cost<=|value<=)(\\d+(?:\\.\\d+)?)(%|x)?");

    public static Goal parse(String text) {
        String t = text.trim().replace(" ", "");
        if (t.equals("-")) {
            return new Goal(Kind.NONE, 0);
        }
        Matcher m = SYNTAX.matcher(t);
        String suffix = m.matches() ? (m.group(3) == null ? "" : m.group(3)) : null;
        Kind kind = m.matches() ? switch (m.group(1)) {
            case "ratio>=" -> suffix.equals("%") ? Kind.RATIO_AT_LEAST : null;
            case "cost<=" -> suffix.equals("x") ? Kind.COST_AT_MOST : null;
            default -> suffix.isEmpty() ? Kind.VALUE_AT_MOST : null;
        } : null;
        if (kind == null) {
            throw new IllegalArgumentException("'" + text + "' is no goal (-, ratio>=P%, cost<=Kx or value<=N)");
        }
        return new Goal(kind, Double.parseDouble(m.group(2)));
    }

    /** Whether a goal needs the baseline. */
    public boolean needsBaseline() {
        return kind == Kind.RATIO_AT_LEAST || kind == Kind.COST_AT_MOST;
    }

    /**
     * Whether the goal is met by a measured value and cost against a baseline cost (null when
     * there is no baseline); null when there is no goal or it cannot be judged.
     */
    public Boolean met(double value, double cost, Double baselineCost) {
        return switch (kind) {
            case NONE -> null;
            case VALUE_AT_MOST -> value <= bound;
            case RATIO_AT_LEAST -> baselineCost == null ? null : baselineCost / cost * 100 >= bound;
            case COST_AT_MOST -> baselineCost == null ? null : cost <= bound * baselineCost;
        };
    }

    @Override
    public String toString() {
        String b = bound == Math.rint(bound) ? String.valueOf((long) bound) : String.valueOf(bound);
        return switch (kind) {
            case NONE -> "-";
            case RATIO_AT_LEAST -> "ratio ≥ " + b + " %";
            case COST_AT_MOST -> "cost ≤ " + b + " × baseline";
            case VALUE_AT_MOST -> "≤ " + b;
        };
    }
}
