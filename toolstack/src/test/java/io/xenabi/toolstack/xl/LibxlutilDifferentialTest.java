package io.xenabi.toolstack.xl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.xenabi.abi.AbiVariant;
import io.xenabi.domain.DomainConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * xenabi's xl.cfg parser against Xen's own: every file of the corpus ({@code xlcfg-probe/corpus},
 * one per syntax class) and thousands of seeded random files go through libxlutil (our
 * {@code xlcfg-dump}, linked against Debian's libxen-dev) and through {@link XlParser}; both must
 * give the same verdict (accepted or refused) and, for every key xenabi reads, the same value:
 * the same string bytes, the same list, and the same number or the same errno from
 * {@code xlu_cfg_get_long}. Where libxlutil crashes on a file (a NUL byte inside a string) xenabi
 * must refuse it. Where libxlutil accepts a file that xenabi then refuses for a key's value, the
 * one-line cause names the key.
 *
 * <p>Skipped with a message where libxlutil is absent; mandatory where
 * {@code XENABI_REQUIRE_LIBXLUTIL=1} (CI). {@code -Dxenabi.xlcfg.generated=N} and
 * {@code -Dxenabi.xlcfg.seed=S} size and seed the random part (5,000 files, seed 1 by default).
 */
class LibxlutilDifferentialTest {
    private static final List<String> KEYS = List.of("name", "type", "builder", "memory", "maxmem", "vcpus",
            "max_event_channels", "max_grant_frames", "max_maptrack_frames", "max_grant_version",
            "disable_evtchn_fifo", "xen_extensions", "abi_permit", "foo.bar", "a9", "x_y");
    private static final Path PROBE = Path.of(System.getProperty("xenabi.xlcfg.probe", "../xlcfg-probe"));
    private static final List<AbiVariant> VARIANTS = List.of(new AbiVariant("evtchn", "2l", -1),
            new AbiVariant("evtchn", "fifo", 0), new AbiVariant("gnttab", "v1", -1), new AbiVariant("gnttab", "v2", 1));

    private static Path dump;

    @BeforeAll
    static void buildTheReference() throws Exception {
        boolean required = "1".equals(System.getenv("XENABI_REQUIRE_LIBXLUTIL"));
        boolean present = Files.exists(Path.of("/usr/include/libxlutil.h"));
        if (!present && required) {
            fail("XENABI_REQUIRE_LIBXLUTIL=1 but /usr/include/libxlutil.h is absent: install Debian's libxen-dev");
        }
        assumeTrue(present, "libxlutil (Debian's libxen-dev) is absent: the differential test against Xen's own"
                + " xl.cfg parser is skipped");
        Path out = Path.of("target", "xlcfg-probe").toAbsolutePath();
        Process make = new ProcessBuilder("make", "-s", "-C", PROBE.toString(), "OUT=" + out)
                .redirectErrorStream(true).start();
        String log = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(make.waitFor(120, TimeUnit.SECONDS) && make.exitValue() == 0, "building xlcfg-dump failed:\n" + log);
        dump = out.resolve("xlcfg-dump");
    }

    /** What libxlutil made of each file, by path, in xlcfg-dump's line format. */
    private static Map<Path, String> libxlutil(List<Path> files) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(dump.toString(), "--batch"));
        cmd.addAll(KEYS);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Thread feeder = new Thread(() -> {
            try (Writer w = new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
                for (Path f : files) {
                    w.write(f.toString() + "\n");
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        feeder.start();
        Map<Path, String> out = new LinkedHashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.ISO_8859_1))) {
            Path current = null;
            StringBuilder b = new StringBuilder();
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("file\t")) {
                    current = Path.of(line.substring(5));
                    b.setLength(0);
                } else if (line.equals("end")) {
                    out.put(current, b.toString());
                } else {
                    b.append(line).append('\n');
                }
            }
        }
        feeder.join();
        assertEquals(0, p.waitFor(), "xlcfg-dump --batch failed");
        assertEquals(files.size(), out.size(), "xlcfg-dump answered for every file");
        return out;
    }

    private static String escaped(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '\\') {
                b.append("\\\\");
            } else if (c < 0x20 || c > 0x7e) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** What xenabi's parser made of {@code text}, in xlcfg-dump's line format. */
    private static String xenabi(Path file, String text) {
        Map<String, XlValue> keys;
        try {
            keys = XlParser.parse(file.toString(), text);
        } catch (XlConfigException e) {
            return "parse\trefused\t22\n";
        }
        StringBuilder b = new StringBuilder("parse\tok\n");
        for (String k : KEYS) {
            XlValue v = keys.get(k);
            if (v == null) {
                b.append(k).append("\tabsent\n");
            } else if (v.isString()) {
                XlNumber n = XlNumber.of(v);
                b.append(k).append("\tstring\t").append(escaped(v.text()))
                        .append(n.ok() ? "\tlong\t" + n.value() : "\tlong\terror\t" + n.errno()).append('\n');
            } else {
                b.append(k).append("\tlist\t").append(v.list().size());
                for (XlValue item : v.list()) {
                    b.append(item.isString() ? "\ts:" + escaped(item.text()) : "\tl:" + item.list().size());
                }
                b.append('\n');
            }
        }
        return b.toString();
    }

    /** Compares every file; returns how many libxlutil accepted. */
    private static int compare(List<Path> files, String what) throws Exception {
        Map<Path, String> reference = libxlutil(files);
        List<String> differences = new ArrayList<>();
        int accepted = 0;
        for (Path f : files) {
            String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
            String mine = xenabi(f, text);
            String theirs = reference.get(f);
            if (theirs.startsWith("parse\tcrashed")) {
                theirs = "parse\trefused\t22\n"; // libxlutil aborted: xenabi must refuse
            }
            if (!mine.equals(theirs)) {
                differences.add(f + " (" + escaped(text.length() > 200 ? text.substring(0, 200) + "..." : text)
                        + ")\n--- xenabi\n" + mine + "--- libxlutil\n" + reference.get(f));
                continue;
            }
            if (theirs.startsWith("parse\tok")) {
                accepted++;
                keyErrorsNameTheKey(f, text);
            }
        }
        assertTrue(differences.isEmpty(), differences.size() + " of " + files.size() + " " + what
                + " differ from libxlutil; the first:\n" + (differences.isEmpty() ? "" : differences.get(0)));
        return accepted;
    }

    /** A file libxlutil accepts and xenabi refuses for a value is refused in one line naming the key. */
    private static void keyErrorsNameTheKey(Path f, String text) {
        try {
            XlConfig.parse(f.toString(), text, DomainConfig.named("-"), VARIANTS);
        } catch (XlConfigException e) {
            String m = e.getMessage();
            assertTrue(m.lines().count() == 1, m);
            boolean named = m.contains("no name") || m.contains("maxmem=") || m.contains("base variant")
                    || m.contains("contradicts") || m.contains("no ABI variant") || m.contains("abi_permit")
                    || KEYS.stream().anyMatch(k -> m.contains(": " + k + " ") || m.contains("type '")
                            || m.contains("builder '"));
            assertTrue(named, "a refusal of a file libxlutil accepts names the key: " + m);
        }
    }

    @Test
    void theCorpusReadsAsLibxlutilReadsIt() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(PROBE.resolve("corpus"))) {
            files = s.filter(p -> p.toString().endsWith(".cfg")).sorted().toList();
        }
        assertTrue(files.size() >= 200, "the corpus has " + files.size() + " files");
        int accepted = compare(files, "corpus files");
        assertTrue(accepted > 50 && accepted < files.size() - 50, accepted + " accepted: both verdicts are exercised");
    }

    @Test
    void seededRandomFilesReadAsLibxlutilReadsThem(@TempDir Path dir) throws Exception {
        long seed = Long.getLong("xenabi.xlcfg.seed", 1);
        int count = Integer.getInteger("xenabi.xlcfg.generated", 5000);
        XlCfgGenerator g = new XlCfgGenerator(seed);
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Path f = dir.resolve(String.format("s%d-%05d.cfg", seed, i));
            Files.write(f, g.next().getBytes(StandardCharsets.ISO_8859_1));
            files.add(f);
        }
        int accepted = compare(files, "generated files (seed " + seed + ")");
        assertTrue(accepted > count / 20, accepted + " of " + count + " accepted: the generator reaches valid files");
    }
}
