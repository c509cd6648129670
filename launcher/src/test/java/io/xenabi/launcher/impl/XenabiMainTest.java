package io.xenabi.launcher.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The -c mode against a real Gogo runtime with a small test scope. */
class XenabiMainTest {
    /** Commands of a test scope, recording what ran. */
    public static final class Probe {
        final List<String> ran = new ArrayList<>();

        public String hello(String who) {
            ran.add("hello " + who);
            return "hello " + who;
        }

        public void fail(String why) {
            ran.add("fail");
            throw new IllegalArgumentException(why + "\nsecond line");
        }

        public void quiet() {
            ran.add("quiet");
        }

        public String opts(
                @org.apache.felix.service.command.Parameter(names = {"-v", "--verbose"}, presentValue = "true",
                        absentValue = "false") boolean verbose,
                @org.apache.felix.service.command.Parameter(names = "--count", absentValue = "1") String count,
                String who) {
            ran.add("opts " + verbose + " " + count + " " + who);
            return who;
        }
    }

    private final ThreadIOImpl threadIO = new ThreadIOImpl();
    private final CommandProcessorImpl processor;
    private final Probe probe = new Probe();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    XenabiMainTest() {
        threadIO.start();
        processor = new CommandProcessorImpl(threadIO);
        processor.addCommand("t", probe);
    }

    @AfterEach
    void stop() {
        threadIO.stop();
    }

    private int run(String script) {
        return XenabiMain.run(processor, script, new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void everyCommandRunsInOrderAndResultsArePrinted() {
        assertEquals(0, run("t:hello alice; t:quiet; t:hello 'bob carol'"));
        assertEquals(List.of("hello alice", "quiet", "hello bob carol"), probe.ran);
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("hello alice") && printed.contains("hello bob carol"), printed);
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theFirstFailureStopsTheRunWithOneLineOnStderr() {
        assertEquals(1, run("t:hello a; t:fail 'no domain named carol'; t:hello b"));
        assertEquals(List.of("hello a", "fail"), probe.ran, "nothing runs after a failure");
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals("xenabi: t:fail 'no domain named carol': no domain named carol second line\n", e);
    }

    @Test
    void wrongArgumentsAreExplainedWithTheHelpToRead() {
        assertEquals(1, run("t:hello a b c"));
        assertEquals("xenabi: t:hello a b c: wrong number or kind of arguments (see 'help t:hello')\n",
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anUnknownOptionIsOneLineNamingIt() {
        assertEquals(1, run("t:opts -v -x bob"));
        assertEquals("xenabi: t:opts -v -x bob: t:opts: unknown option '-x' (see 'help t:opts')\n",
                err.toString(StandardCharsets.UTF_8));
        assertEquals(List.of(), probe.ran);
    }

    @Test
    void optionsAndTheirValuesAreNotUnknown() {
        assertEquals(0, run("t:opts --verbose --count -3 bob; t:opts -v ann"));
        assertEquals(List.of("opts true -3 bob", "opts true 1 ann"), probe.ran);
        assertEquals(1, run("t:opts --count 2 bob extra"));
        assertEquals("xenabi: t:opts --count 2 bob extra: wrong number or kind of arguments (see 'help t:opts')\n",
                err.toString(StandardCharsets.UTF_8), "too many words, no unknown option");
    }

    @Test
    void anUnknownCommandFails() {
        assertEquals(1, run("nosuch:command"));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("xenabi: nosuch:command: "));
    }

    @Test
    void splittingRespectsQuotesAndBrackets() {
        assertEquals(List.of("a 'x;y'", "b \"p;q\"", "each [1;2] { echo $it }", "c"),
                Commands.split(" a 'x;y' ;b \"p;q\"; each [1;2] { echo $it } ;; c ;"));
        assertThrows(IllegalArgumentException.class, () -> Commands.split("a 'open"));
        assertThrows(IllegalArgumentException.class, () -> Commands.split("a { b"));
        assertEquals(1, run("t:hello 'open"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unterminated"));
    }
}
