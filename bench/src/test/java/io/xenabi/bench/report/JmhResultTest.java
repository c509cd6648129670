package io.xenabi.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Measurements taken outside JMH, written in its format, read back by the report. */
class JmhResultTest {
    @Test
    void percentilesAreNearestRank() {
        double[] s = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals(5, JmhResult.percentile(s, 50));
        assertEquals(10, JmhResult.percentile(s, 99));
        assertEquals(1, JmhResult.percentile(s, 0));
        assertEquals(10, JmhResult.percentile(s, 100));
    }

    @Test
    void aWrittenResultReadsBackWithMedianScoreHalfRangeErrorAndPercentiles(@TempDir Path dir) throws Exception {
        new JmhResult().add("io.xenabi.bench.StartupTime.xlList", "ss", Map.of("k", "v"), "s",
                new double[] {1.4, 1.0, 1.2}).write(dir.resolve("startup.json"));
        List<Result> back = Result.loadAll(dir);
        assertEquals(1, back.size());
        Result r = back.get(0);
        assertEquals("StartupTime.xlList", r.shortName());
        assertEquals(1.2, r.score());
        assertEquals(0.2, r.error(), 1e-9);
        assertEquals("s", r.unit());
        assertEquals(Map.of("k", "v"), r.params());
        assertEquals(1.4, r.percentiles().get("99.0"));
        Files.writeString(dir.resolve("broken.json"), "not json");
        assertThrows(java.io.IOException.class, () -> Result.loadAll(dir));
    }

    @Test
    void noSamplesIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new JmhResult().add("a.B.c", "ss", Map.of(), "s", new double[0]));
    }
}
