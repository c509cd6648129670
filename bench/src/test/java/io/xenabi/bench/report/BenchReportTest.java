package io.xenabi.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report generator: reading JMH results, selecting rows, judging goals, writing the doc. */
class BenchReportTest {
    private static List<Result> fixture() throws IOException {
        try (InputStream in = BenchReportTest.class.getResourceAsStream("results.json")) {
            return Result.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static String line(String table, String row) {
        return table.lines().filter(l -> l.startsWith("| " + row + " |")).findFirst().orElseThrow();
    }

    private static String report(String... rows) throws IOException {
        return BenchReport.table(BenchReport.parseRows(BenchReport.HEADER + "\n" + String.join("\n", rows)), fixture());
    }

    @Test
    void jmhResultsAreReadWithTheirParamsThreadsUnitsAndPercentiles() throws IOException {
        List<Result> all = fixture();
        assertEquals(7, all.size());
        Result first = all.get(0);
        assertEquals("EventDeliveryBench.baseline", first.shortName());
        assertEquals(Map.of("abi", "2l"), first.params());
        assertEquals(20.0, first.score());
        assertEquals(1.5, first.error());
        assertEquals("ns/op", first.unit());
        assertEquals(4, all.get(5).threads());
        assertTrue(Double.isNaN(all.get(2).error()), "JMH's \"NaN\" error reads as NaN");
        assertEquals(9.0, all.get(6).percentiles().get("99.0"));
    }

    @Test
    void aFileThatIsNoJmhResultArrayIsRefused() {
        assertThrows(IOException.class, () -> Result.parse("{\"benchmark\":\"x\"}"));
        assertThrows(IOException.class, () -> Result.parse("[{\"mode\":\"avgt\"}]"));
    }

    @Test
    void aSelectorNamesClassMethodParamsAndPercentile() {
        Selector s = Selector.parse("HotSwapPause.pause[domains=1000,threads=2]@p99.9");
        assertEquals("HotSwapPause.pause", s.name());
        assertEquals(Map.of("domains", "1000", "threads", "2"), s.params());
        assertEquals(99.9, s.percentile());
        assertNull(Selector.parse("A.b").percentile());
        assertThrows(IllegalArgumentException.class, () -> Selector.parse("justAName"));
        assertThrows(IllegalArgumentException.class, () -> Selector.parse("A.b[abi]"));
    }

    @Test
    void theRatioIsBaselineCostOverMeasuredCostAndTheGoalIsJudgedOnIt() throws IOException {
        String t = report("2l\tEventDeliveryBench.sendAndConsume[abi=2l]\tEventDeliveryBench.baseline[abi=2l]\tratio>=50%",
                "fifo\tEventDeliveryBench.sendAndConsume[abi=fifo]\tEventDeliveryBench.baseline[abi=fifo]\tratio>=33%");
        assertEquals("| 2l | 50.0 ± 3.25 ns/op | 20.0 ± 1.50 ns/op | 40.0 % | ratio ≥ 50 % | **no** |", line(t, "2l"));
        assertEquals("| fifo | 100 ± 10.0 ns/op | 30.0 ns/op | 30.0 % | ratio ≥ 33 % | **no** |", line(t, "fifo"));
    }

    @Test
    void aThroughputsCostIsItsInverseAndThreadsSelectTheRun() throws IOException {
        String t = report("scale\tPortScalingBench.send[threads=4]\tPortScalingBench.send[threads=1]\tcost<=0.5x");
        // cost per op: 40 ns with 4 threads against 100 ns with 1: 0.4 x, within 0.5 x
        assertEquals("| scale | 0.0250 ± 0.00200 ops/ns | 0.0100 ± 0.00100 ops/ns | 250 % | cost ≤ 0.5 × baseline | yes |",
                line(t, "scale"));
    }

    @Test
    void aPercentileSuffixSelectsThatPercentileAndAValueGoalJudgesIt() throws IOException {
        String t = report("p50\tHotSwapPause.pause[domains=100]@p50\t-\tvalue<=5",
                "p99\tHotSwapPause.pause[domains=100]@p99\t-\tvalue<=5",
                "p90\tHotSwapPause.pause[domains=100]@p90\t-\t-");
        assertEquals("| p50 | p50 2.50 ms | - | - | ≤ 5 | yes |", line(t, "p50"));
        assertEquals("| p99 | p99 9.00 ms | - | - | ≤ 5 | **no** |", line(t, "p99"));
        assertEquals("| p90 | no p90 in the result | - | - | - | - |", line(t, "p90"));
    }

    @Test
    void aMissingResultShowsNotRunAndAnUnderdeterminedOneAmbiguous() throws IOException {
        String t = report("gone\tGrantCopyBench.copy\tGrantCopyBench.baseline\tratio>=50%",
                "both\tEventDeliveryBench.baseline\t-\t-");
        assertEquals("| gone | not run | not run | - | ratio ≥ 50 % | - |", line(t, "gone"));
        assertEquals("| both | ambiguous (2 results) | - | - | - | - |", line(t, "both"));
    }

    @Test
    void goalsParseTheThreeFormsAndRefuseOthers() {
        assertEquals(new Goal(Goal.Kind.RATIO_AT_LEAST, 33), Goal.parse("ratio>=33%"));
        assertEquals(new Goal(Goal.Kind.COST_AT_MOST, 1.5), Goal.parse("cost<=1.5x"));
        assertEquals(new Goal(Goal.Kind.VALUE_AT_MOST, 1.5), Goal.parse("value<=1.5"));
        assertEquals(Goal.Kind.NONE, Goal.parse("-").kind());
        assertThrows(IllegalArgumentException.class, () -> Goal.parse("ratio>=33"));
        assertThrows(IllegalArgumentException.class, () -> Goal.parse("fast"));
        assertTrue(Goal.parse("value<=1.5").met(1.5, 1.5, null));
        assertFalse(Goal.parse("value<=1.5").met(1.6, 1.6, null));
    }

    @Test
    void aBadRowNamesItsLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BenchReport.parseRows(BenchReport.HEADER + "\n# comment\nx\tA.b\t-\tratio>=50%\n"));
        assertEquals("rows.tsv line 3: goal ratio>=50% needs a baseline", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BenchReport.parseRows("row measured\n"));
    }

    @Test
    void onlyThePartBetweenTheMarkersIsRewritten() {
        String doc = "intro\n" + BenchReport.BEGIN + "\nold\n" + BenchReport.END + "\nafter\n";
        assertEquals("intro\n" + BenchReport.BEGIN + "\nnew\n" + BenchReport.END + "\nafter\n",
                BenchReport.replaceResults(doc, "new\n"));
        assertThrows(IllegalArgumentException.class, () -> BenchReport.replaceResults("no markers", "x"));
    }

    @Test
    void aSkippedClassesRowsSayNotRunWithTheReasonReadFromItsSkippedFile(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("NativeHypercallBench.skipped"),
                "native-guest: skipped: /usr/src/linux-source-6.1.tar.xz missing\n");
        Map<String, String> skipped = BenchReport.loadSkipped(dir);
        assertEquals(Map.of("NativeHypercallBench", "native-guest: skipped: /usr/src/linux-source-6.1.tar.xz missing"),
                skipped);
        String t = BenchReport.table(BenchReport.parseRows(BenchReport.HEADER + "\n"
                + "native\tNativeHypercallBench.hypercall@p50\tNativeHypercallBench.echo@p50\tcost<=1.5x\n"
                + "gone\tGrantCopyBench.copy\t-\t-"), fixture(), skipped);
        assertEquals("| native | not run: native-guest: skipped: /usr/src/linux-source-6.1.tar.xz missing"
                + " | not run: native-guest: skipped: /usr/src/linux-source-6.1.tar.xz missing | - | cost ≤ 1.5 × baseline"
                + " | - |", line(t, "native"));
        assertEquals("| gone | not run | - | - | - | - |", line(t, "gone"), "a class not skipped stays plain");
    }
}
