package io.xenabi.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every case real Xen 4.17 answered (oracle/corpus/xen-4.17.record) replayed through xenabi's
 * door on the oracle's setup: every rc and every byte written back agrees with real Xen's, or
 * the divergence is on oracle/allowlist.tsv with its reason, and every entry there still names
 * a divergence.
 */
class OracleReplayTest {
    static final Path ALLOWLIST = Path.of("..", "oracle", "allowlist.tsv");
    static OracleRecord record;
    static Replay.Result result;
    static Allowlist allowlist;

    @BeforeAll
    static void replay() throws IOException {
        record = OracleRecord.read(OracleRecordTest.RECORD);
        result = Replay.run(record, new XenabiSide());
        allowlist = Allowlist.read(ALLOWLIST);
        List<String> lines = new ArrayList<>();
        int allowed = 0;
        for (Replay.Divergence d : result.divergences()) {
            Allowlist.Entry e = allowlist.find(d.caseName(), d.call());
            allowed += e == null ? 0 : 1;
            lines.add((e == null ? "DIVERGES " : "allowed  ") + d + (e == null ? "" : "  [" + e.kind() + "]"));
        }
        String figures = "oracle replay: " + result.cases() + " cases, " + result.calls() + " calls ("
                + result.skipped() + " lines real Xen did not issue), " + result.divergences().size()
                + " divergences, " + allowed + " allowlisted";
        lines.add(0, figures);
        System.out.println(figures);
        Path report = Path.of("target", "oracle-replay.txt");
        Files.createDirectories(report.getParent());
        Files.write(report, lines);
    }

    @Test
    void theWholeRecordIsReplayed() {
        long calls = record.cases().stream().flatMap(c -> c.steps().stream()).filter(s -> s.call() != null).count();
        assertEquals(record.cases().size(), result.cases());
        assertEquals(calls, result.calls(), "every call of the record is replayed or counted as not issued");
        assertTrue(result.cases() >= 300 && result.calls() >= 1000, result.cases() + " cases, " + result.calls() + " calls");
    }

    @Test
    void theSetupHoldsThePortsAndGrantsOfTheOraclesDomains() {
        // census.domU is replayed without a divergence: ports 1-15 as the domU's kernel held them
        assertTrue(result.divergences().stream().noneMatch(d -> d.caseName().equals("census.domU")));
        // in census.dom0 only the five PIRQs differ (xenabi's dom0 has no physical IRQs)
        assertEquals(List.of(15, 18, 19, 20, 25), result.divergences().stream()
                .filter(d -> d.caseName().equals("census.dom0")).map(Replay.Divergence::call).toList());
    }

    @Test
    void anAllowlistEntryMustNameItsReason(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path f = dir.resolve("a.tsv");
        Files.writeString(f, "# comment\ncase.a\t3\tmodel\tthe probe is PV\ncase.b\t*\txen-change\t"
                + "a4a790f432 gnttab: fully ignore zero-size copy requests\ncase.c\t1\trow\trow G3, on g-map\n");
        Allowlist a = Allowlist.read(f);
        assertEquals(3, a.entries().size());
        assertEquals("model", a.find("case.a", 3).kind());
        assertEquals(null, a.find("case.a", 2));
        assertEquals("xen-change", a.find("case.b", 7).kind());
        for (String bad : new String[] {"case.a\t1\txen-change\tsomething changed\n", "case.a\t1\trow\tG3\n",
                "case.a\t1\tmodel\t\n", "case.a\t1\tbug\twhy\n", "case.a 1 model spaces\n"}) {
            Files.writeString(f, bad);
            assertThrows(IOException.class, () -> Allowlist.read(f), bad);
        }
    }

    @Test
    void everyAnswerAgreesWithRealXenOrIsAllowlisted() {
        List<String> bad = new ArrayList<>();
        for (Replay.Divergence d : result.divergences()) {
            if (allowlist.find(d.caseName(), d.call()) == null) {
                bad.add(d.toString());
            }
        }
        assertTrue(bad.isEmpty(), bad.size() + " divergences from real Xen 4.17 not on oracle/allowlist.tsv"
                + " (target/oracle-replay.txt has them all):\n  " + String.join("\n  ", bad));
    }

    @Test
    void everyAllowlistEntryStillNamesADivergence() {
        Set<Allowlist.Entry> used = new LinkedHashSet<>();
        for (Replay.Divergence d : result.divergences()) {
            Allowlist.Entry e = allowlist.find(d.caseName(), d.call());
            if (e != null) {
                used.add(e);
            }
        }
        List<String> stale = new ArrayList<>();
        for (Allowlist.Entry e : allowlist.entries()) {
            if (!used.contains(e)) {
                stale.add(e + " " + e.kind() + ": " + e.reason());
            }
        }
        assertTrue(stale.isEmpty(), "xenabi now agrees with real Xen here; remove the entries:\n  "
                + String.join("\n  ", stale));
    }
}
