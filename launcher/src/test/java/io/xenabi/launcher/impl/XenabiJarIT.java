package io.xenabi.launcher.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import io.xenabi.launcher.impl.ProductRun.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product as a person runs it: target/xenabi.jar started in a JVM of its own with the
 * settings of ./xenabi -c. A bad xl.cfg file, a bad save image and a bad command each end the run
 * with status 1 and one line on stderr naming the cause, and a domain created before them in
 * the same framework is still listed after the failure (a Gogo try whose catch block lists the
 * domains, then rethrows). And no remote shell: the started product listens on no socket.
 */
class XenabiJarIT {
    @TempDir
    Path home;

    private Process start(String commands) throws IOException {
        return ProductRun.start(home, commands);
    }

    private Run finish(Process p) throws Exception {
        return ProductRun.finish(home, p);
    }

    private Run run(String commands) throws Exception {
        return finish(start(commands));
    }

    /**
     * Creates keep, then runs {@code bad} inside a try whose catch lists the domains and rethrows:
     * the run must end with status 1 and the one line {@code cause}, keep listed as created.
     */
    private void assertRefusedWithKeepUntouched(String bad, String cause) throws Exception {
        String tried = "try { " + bad + " } { echo (xl:list); throw }";
        Run r = run("xl:create name=keep; " + tried);
        assertEquals(1, r.status());
        assertEquals(List.of("xenabi: " + tried + ": " + cause), r.errLines());
        String out = r.out();
        int created = out.indexOf("created domain 1 (keep)");
        int listed = out.indexOf("\nkeep ", created);
        assertTrue(created >= 0 && listed > created, out);
        assertEquals(List.of("keep", "1", "1", "128", "2l", "v1", "0", "running", "all"),
                List.of(out.substring(listed).strip().split("\\s+")), "keep as it was created");
        assertEquals(4, out.strip().split("\n").length, "created, the header, Domain-0, keep: " + out);
    }

    @Test
    void aBadXlCfgFileEndsTheRunWithOneLineAndKeepsTheDomains() throws Exception {
        Path cfg = home.resolve("bad.cfg");
        Files.writeString(cfg, "name = \"bad\"\nvcpus = \"two\"\n");
        assertRefusedWithKeepUntouched("xl:create " + cfg, cfg + ":2:9: vcpus = two is not a valid number");
    }

    @Test
    void aBadSaveImageEndsTheRunWithOneLineAndKeepsTheDomains() throws Exception {
        Path image = home.resolve("future.save");
        Files.write(image, new byte[] {'X', 'E', 'N', 'A', 'B', 'I', 'S', 'V', 0, 0, 0, 3});
        assertRefusedWithKeepUntouched("xl:restore " + image,
                "future.save: image version 3 is not supported (this host reads 1 to 2)");
    }

    @Test
    void aBadCommandEndsTheRunWithOneLineAndKeepsTheDomains() throws Exception {
        assertRefusedWithKeepUntouched("xl:destroy nobody", "no domain named 'nobody'");
    }

    @Test
    void missingArgumentsStopTheRunThere() throws Exception {
        Run r = run("xl:create name=keep; xl:save keep; xl:create name=never");
        assertEquals(1, r.status());
        assertEquals(List.of("xenabi: xl:save keep: wrong number or kind of arguments (see 'help xl:save')"),
                r.errLines());
        assertTrue(r.out().contains("created domain 1 (keep)") && !r.out().contains("never"), r.out());
    }

    @Test
    void anUnknownOptionIsOneUsageLineNamingIt() throws Exception {
        Run r = run("xl:create name=keep; xl:list -x; xl:create name=never");
        assertEquals(1, r.status());
        assertEquals(List.of("xenabi: xl:list -x: xl:list: unknown option '-x' (see 'help xl:list')"), r.errLines());
        assertTrue(!r.out().contains("never"), r.out());
        r = run("guest:ping --count 3 --bogus a b");
        assertEquals(1, r.status());
        assertEquals(List.of("xenabi: guest:ping --count 3 --bogus a b: guest:ping: unknown option '--bogus'"
                + " (see 'help guest:ping')"), r.errLines());
    }

    @Test
    void theProductNamesRealVariantsOnly() throws Exception {
        Path cfg = home.resolve("vm.cfg");
        Files.writeString(cfg, "name = \"vm\"\n");
        Run r = run("xl:create --dry-run " + cfg + "; xl:create " + cfg + "; xl:list; xl:info vm; xl:list -l vm");
        assertEquals(0, r.status(), r.errLines().toString());
        String out = r.out();
        assertTrue(out.contains("\"names\" : [ \"evtchn-fifo\", \"gnttab-v2\" ]"), out);
        assertFalse(out.matches("(?s).*\\bbit[0-9]+.*"), out);
        String json = out.substring(out.lastIndexOf("[ {"));
        List<String> names = new ArrayList<>();
        try (var parser = new com.fasterxml.jackson.core.JsonFactory().createParser(json)) {
            boolean inNames = false;
            for (var t = parser.nextToken(); t != null; t = parser.nextToken()) {
                if (t == com.fasterxml.jackson.core.JsonToken.FIELD_NAME && parser.currentName().equals("names")) {
                    inNames = true;
                } else if (t == com.fasterxml.jackson.core.JsonToken.END_ARRAY) {
                    inNames = false;
                } else if (inNames && t == com.fasterxml.jackson.core.JsonToken.VALUE_STRING) {
                    names.add(parser.getText());
                }
            }
        }
        assertEquals(List.of("evtchn-fifo", "gnttab-v2"), names, "the output parses as JSON: " + json);
    }

    @Test
    void theProductListensOnNoSocketAndHasNoRemoteShellCommand() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/net")), "Linux /proc");
        Process p = start("xl:create name=a; guest:start a; help; echo listening-check; sleep 2");
        Set<String> listening = listeningSocketsOnceReady(p);
        Run r = finish(p);
        assertEquals(0, r.status(), r.errLines().toString());
        assertEquals(Set.of(), listening, "no socket of the product listens");
        String help = r.out().toLowerCase(java.util.Locale.ROOT);
        assertTrue(help.contains("xl:create"), "help lists the commands");
        assertFalse(help.contains("telnet") || help.contains("sshd") || help.contains("ssh:"), help);
    }

    @Test
    void theSocketCheckSeesAListeningSocket() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/net")), "Linux /proc");
        Process p = start("s = (new java.net.ServerSocket 0); echo listening-check; sleep 2; $s close");
        Set<String> listening = listeningSocketsOnceReady(p);
        finish(p);
        assertEquals(1, listening.size(), "the check would catch a remote shell: " + listening);
    }

    /** Waits until the run prints {@code listening-check}, then the local addresses its sockets listen on. */
    private Set<String> listeningSocketsOnceReady(Process p) throws Exception {
        Path out = home.resolve("out.txt");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!Files.readString(out).contains("listening-check")) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline, "the run reaches the check: " + Files.readString(out));
            Thread.sleep(100);
        }
        Set<String> inodes = new HashSet<>();
        try (var fds = Files.list(Path.of("/proc", String.valueOf(p.pid()), "fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException gone) {
                    // a descriptor closed meanwhile
                }
            }
        }
        Set<String> listening = new HashSet<>();
        for (String table : List.of("tcp", "tcp6", "udp", "udp6")) {
            Path f = Path.of("/proc", String.valueOf(p.pid()), "net", table);
            if (!Files.exists(f)) {
                continue;
            }
            List<String> rows = Files.readAllLines(f);
            for (String row : rows.subList(1, rows.size())) {
                String[] c = row.trim().split("\\s+");
                boolean listens = table.startsWith("udp") || c[3].equals("0A"); // TCP_LISTEN; any bound UDP socket
                if (listens && inodes.contains(c[9])) {
                    listening.add(table + " " + c[1]);
                }
            }
        }
        return listening;
    }
}
