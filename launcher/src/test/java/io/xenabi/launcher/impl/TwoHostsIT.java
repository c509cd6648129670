package io.xenabi.launcher.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.launcher.impl.ProductRun.Run;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The mission's promise across two hosts, as a person runs them: a guest booted and saved on an
 * older host ({@code ./xenabi --without ...}) and restored on a newer one keeps the ABIs it used
 * and is never permitted what the old host did not have; one that used FIFO on the old host sets
 * its control blocks up again and gets its events. Each host is the product jar in a JVM and a
 * home folder of its own; the save image is a real file passed between them.
 */
class TwoHostsIT {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "old host on {0}/{1}")
    @CsvSource({"2l, v1", "2l, v2", "fifo, v1", "fifo, v2"})
    void aGuestSavedOnAnOlderHostKeepsItsAbisAndItsPermitSetOnANewerOne(String evtchn, String gnttab) throws Exception {
        List<String> without = new ArrayList<>();
        if (evtchn.equals("2l")) {
            without.add("evtchn-fifo");
        }
        if (gnttab.equals("v1")) {
            without.add("gnttab-v2");
        }
        Path image = dir.resolve("vm.save");
        String share = gnttab.equals("v2")
                ? "; xl:create name=peer; guest:start peer; guest:share vm peer --pages 1 --version 2" : "";
        Run old = ProductRun.run(dir.resolve("old"), "xl:create name=vm; guest:start vm" + share + "; xl:save vm " + image,
                without.isEmpty() ? new String[0] : new String[] {"xenabi.without=" + String.join(",", without)});
        assertEquals(0, old.status(), old.errLines() + old.out());
        assertTrue(old.out().contains("guest vm (domain 1) started on " + evtchn), old.out());

        Run restored = ProductRun.run(dir.resolve("new"), "xl:restore " + image + "; xl:list; xl:info vm;"
                + " xl:create name=peer; guest:start peer; guest:ping vm peer --count 20;"
                + " guest:share vm peer --pages 2 --version 2");
        assertEquals(0, restored.status(), restored.errLines() + restored.out());
        String out = restored.out();
        assertTrue(out.contains("restored vm as domain 1, guest resumed on " + evtchn), out);
        assertEquals(List.of("evtchn", evtchn.equals("2l") ? "2l" : "2l,fifo", "2l,fifo", evtchn), infoRow(out, "evtchn"),
                "FIFO is permitted only if the old host had it");
        // The guest model sets its grant-table version when it shares (no grant state crosses a
        // save, as in Xen's stream): the restored domain is on v1 until its guest asks for v2.
        assertEquals(List.of("gnttab", gnttab.equals("v1") ? "v1" : "v1,v2", "v1,v2", "v1"), infoRow(out, "gnttab"),
                "grant v2 is permitted only if the old host had it");
        Matcher ping = Pattern.compile("ping vm\\(1\\) -> peer\\(2\\): round-trips=(\\d+) lost=(\\d+)").matcher(out);
        assertTrue(ping.find(), out);
        assertEquals("20", ping.group(1), "every round trip of the resumed guest came back: " + out);
        assertEquals("0", ping.group(2));
        Matcher shared = Pattern.compile("share vm\\(1\\) -> peer\\(2\\): version=(\\d) mode=map shared=2 verified=2"
                + " failed=0(.*)").matcher(out);
        assertTrue(shared.find(), out);
        assertEquals(gnttab.substring(1), shared.group(1), "v2 only where the old host had it: " + shared.group(2));
    }

    @Test
    void aHostCannotLeaveOutABaseVariantOrOneItDoesNotHave() throws Exception {
        Run base = ProductRun.run(dir.resolve("a"), "xl:list", "xenabi.without=evtchn-2l");
        assertEquals(2, base.status());
        assertEquals(List.of("xenabi: --without evtchn-2l: evtchn-2l is a base variant, which every host has"),
                base.errLines());
        Run unknown = ProductRun.run(dir.resolve("b"), "xl:list", "xenabi.without=gnttab-v3");
        assertEquals(2, unknown.status());
        assertEquals(List.of("xenabi: --without gnttab-v3: no variant named 'gnttab-v3' (variants: evtchn-2l,"
                + " evtchn-fifo, gnttab-v1, gnttab-v2)"), unknown.errLines());
        assertEquals("", unknown.out(), "no command ran");
    }

    @Test
    void aVariantLeftOutIsInstalledButNotActiveAndNoDomainMayUseIt() throws Exception {
        Run r = ProductRun.run(dir.resolve("a"), "xl:create name=vm; xl:info vm; lb -s xenabi",
                "xenabi.without=evtchn-fifo");
        assertEquals(0, r.status(), r.errLines().toString());
        assertEquals(List.of("evtchn", "2l", "2l", "2l"), infoRow(r.out(), "evtchn"), r.out());
        Matcher fifo = Pattern.compile("(?m)^\\s*\\d+\\|(\\w+)\\s*\\|.*\\|io\\.xenabi\\.evtchn-fifo\\b").matcher(r.out());
        assertTrue(fifo.find(), r.out());
        assertEquals("Resolved", fifo.group(1), "the bundle stays installed, stopped");
    }

    /** The row of {@code family} in xl:info's table, split at blanks. */
    private static List<String> infoRow(String out, String family) {
        Matcher m = Pattern.compile("(?m)^" + family + " .*$").matcher(out);
        assertTrue(m.find(), out);
        List<String> cells = new ArrayList<>(List.of(m.group().trim().split("\\s+")));
        return cells;
    }
}
