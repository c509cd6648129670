package io.xenabi.bench.report;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The benchmark report: reads every JMH JSON result file of a directory and the rows of
 * {@code bench/rows.tsv}, and rewrites the part of {@code docs/BENCHMARKS.md} between
 * {@code <!-- results:begin -->} and {@code <!-- results:end -->} with the machine, the date,
 * the command and one table line per row: measured, baseline, ratio, goal and whether it is met.
 *
 * <p>Usage: {@code BenchReport --results DIR --rows FILE --doc FILE [--command TEXT]
 * [--elapsed SECONDS] [--load "1 5 15-minute load averages"]}
 */
public final class BenchReport {
    public static final String BEGIN = "<!-- results:begin -->";
    public static final String END = "<!-- results:end -->";
    static final String HEADER = "row\tmeasured\tbaseline\tgoal";
    /** The file name suffix of a benchmark class bench/report skipped: {@code NativeHypercallBench.skipped}. */
    static final String SKIPPED = ".skipped";

    /** One line of rows.tsv. */
    public record Row(String name, Selector measured, Selector baseline, Goal goal) {
    }

    private BenchReport() {
    }

    /** The rows of a rows.tsv text; a bad line is an IllegalArgumentException naming it. */
    public static List<Row> parseRows(String tsv) {
        List<String> lines = tsv.lines().toList();
        if (lines.isEmpty() || !lines.get(0).strip().equals(HEADER)) {
            throw new IllegalArgumentException("rows.tsv must start with the header '" + HEADER.replace("\t", "<TAB>")
                    + "'");
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            try {
                if (f.length != 4) {
                    throw new IllegalArgumentException("has " + f.length + " tab-separated fields, not 4");
                }
                Selector baseline = f[2].strip().equals("-") ? null : Selector.parse(f[2]);
                Goal goal = Goal.parse(f[3]);
                if (goal.needsBaseline() && baseline == null) {
                    throw new IllegalArgumentException("goal " + f[3] + " needs a baseline");
                }
                rows.add(new Row(f[0].strip(), Selector.parse(f[1]), baseline, goal));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("rows.tsv line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return rows;
    }

    /** The Markdown table of {@code rows} against {@code results}. */
    public static String table(List<Row> rows, List<Result> results) {
        return table(rows, results, Map.of());
    }

    /**
     * The Markdown table of {@code rows} against {@code results}; a row whose benchmark class is
     * a key of {@code skipped} and has no result reads "not run: " and the class's reason.
     */
    public static String table(List<Row> rows, List<Result> results, Map<String, String> skipped) {
        StringBuilder out = new StringBuilder();
        out.append("| row | measured | baseline | ratio | goal | met? |\n");
        out.append("|---|---|---|---|---|---|\n");
        for (Row row : rows) {
            Pick m = pick(row.measured(), results, skipped);
            Pick b = row.baseline() == null ? null : pick(row.baseline(), results, skipped);
            String ratio = "-";
            String met = "-";
            if (m.value != null) {
                Double baseCost = b == null || b.value == null ? null : b.cost;
                if (baseCost != null) {
                    ratio = format(baseCost / m.cost * 100) + " %";
                }
                Boolean ok = row.goal().met(m.value, m.cost, baseCost);
                met = ok == null ? "-" : ok ? "yes" : "**no**";
            }
            out.append("| ").append(row.name()).append(" | ").append(m.text).append(" | ")
                    .append(b == null ? "-" : b.text).append(" | ").append(ratio).append(" | ")
                    .append(row.goal()).append(" | ").append(met).append(" |\n");
        }
        return out.toString();
    }

    /** A selector's outcome: the value and cost (null when none) and the cell's text. */
    private record Pick(Double value, Double cost, String text) {
    }

    private static Pick pick(Selector s, List<Result> results, Map<String, String> skipped) {
        List<Result> found = s.select(results);
        if (found.isEmpty()) {
            String why = skipped.get(s.name().substring(0, s.name().indexOf('.')));
            return new Pick(null, null, why == null ? "not run" : "not run: " + why.replace("|", "\\|"));
        }
        if (found.size() > 1) {
            return new Pick(null, null, "ambiguous (" + found.size() + " results)");
        }
        Result r = found.get(0);
        Double v = s.value(r);
        if (v == null) {
            return new Pick(null, null, "no p" + percentileName(s.percentile()) + " in the result");
        }
        String text = s.percentile() != null ? "p" + percentileName(s.percentile()) + " " + format(v) + " " + r.unit()
                : Double.isNaN(r.error()) ? format(v) + " " + r.unit()
                : format(v) + " ± " + format(r.error()) + " " + r.unit();
        return new Pick(v, s.cost(r), text);
    }

    /**
     * The benchmark classes {@code bench/report} did not run, each with its reason: every
     * {@code <SimpleClassName>.skipped} file of {@code dir}, its first line.
     */
    public static Map<String, String> loadSkipped(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(p -> p.getFileName().toString().endsWith(SKIPPED)).sorted().toList()) {
                String name = f.getFileName().toString();
                String why = Files.readString(f).lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst()
                        .orElse("no reason given");
                out.put(name.substring(0, name.length() - SKIPPED.length()), why);
            }
        }
        return out;
    }

    /** Three significant digits (all digits above 999), never exponent notation. */
    static String format(double v) {
        double a = Math.abs(v);
        if (a >= 1 || a == 0 || Double.isNaN(v)) {
            return String.format(Locale.ROOT, a >= 100 || a == 0 ? "%.0f" : a >= 10 ? "%.1f" : "%.2f", v);
        }
        return new BigDecimal(v).round(new MathContext(3)).toPlainString();
    }

    /** A percentile's name: 50 for 50.0, 99.9 for 99.9. */
    static String percentileName(double p) {
        return p == Math.rint(p) ? String.valueOf((long) p) : String.valueOf(p);
    }

    /** {@code doc} with the text between the markers replaced by {@code body}. */
    public static String replaceResults(String doc, String body) {
        int b = doc.indexOf(BEGIN);
        int e = doc.indexOf(END);
        if (b < 0 || e < b) {
            throw new IllegalArgumentException("the document lacks the markers " + BEGIN + " ... " + END);
        }
        return doc.substring(0, b + BEGIN.length()) + "\n" + body + doc.substring(e);
    }

    /** The machine the report ran on: CPUs, CPU model and the JVM. */
    static String machine() {
        String model = "unknown CPU";
        try {
            model = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse(model);
        } catch (IOException | RuntimeException e) {
            // not Linux: the model stays unknown
        }
        return Runtime.getRuntime().availableProcessors() + " CPUs (" + model + "), "
                + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
    }

    public static void main(String[] args) {
        try {
            run(args);
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("bench report: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void run(String[] args) throws IOException {
        Path results = null;
        Path rowsFile = null;
        Path doc = null;
        String command = "bench/report";
        String elapsed = null;
        String load = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--results" -> results = Path.of(args[i + 1]);
                case "--rows" -> rowsFile = Path.of(args[i + 1]);
                case "--doc" -> doc = Path.of(args[i + 1]);
                case "--command" -> command = args[i + 1];
                case "--elapsed" -> elapsed = args[i + 1];
                case "--load" -> load = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (results == null || rowsFile == null || doc == null || args.length % 2 != 0) {
            throw new IllegalArgumentException("usage: BenchReport --results DIR --rows FILE --doc FILE"
                    + " [--command TEXT] [--elapsed SECONDS] [--load TEXT]");
        }
        List<Row> rows = parseRows(Files.readString(rowsFile));
        List<Result> all = Result.loadAll(results);
        Map<String, String> skipped = loadSkipped(results);
        String when = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"));
        StringBuilder body = new StringBuilder();
        body.append("\nMachine: ").append(machine()).append(".  \n");
        if (load != null) {
            body.append("Load average when the run began (1, 5, 15 min): ").append(load)
                    .append(" (other processes shared the CPUs).  \n");
        }
        body.append("Date: ").append(when).append(".  \n");
        body.append("Command: `").append(command).append('`');
        if (elapsed != null) {
            long s = Long.parseLong(elapsed);
            body.append(" (took ").append(s / 60).append(" min ").append(s % 60).append(" s)");
        }
        body.append(".\n\n").append(table(rows, all, skipped)).append('\n');
        Files.writeString(doc, replaceResults(Files.readString(doc), body.toString()));
        System.err.println("bench report: " + rows.size() + " rows from " + all.size() + " results written to " + doc);
    }
}
