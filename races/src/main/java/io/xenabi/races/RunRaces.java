package io.xenabi.races;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the jcstress tests of this module (org.openjdk.jcstress.Main with the given arguments)
 * and exits non-zero unless every test ran and passed. jcstress 0.16 itself ends with an
 * AssertionError ("TEST FAILURES") when a test saw a forbidden outcome or failed, but exits 0
 * when no test matched or ran, so this also checks that each test of META-INF/TestList left a
 * report in the result directory ({@code -r DIR}, required here), of those {@code -t REGEXP}
 * selects.
 */
public final class RunRaces {
    private RunRaces() {
    }

    public static void main(String[] args) throws Exception {
        Path results = null;
        java.util.regex.Pattern selected = java.util.regex.Pattern.compile(".*");
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("-r")) {
                results = Path.of(args[i + 1]);
            } else if (args[i].equals("-t")) {
                selected = java.util.regex.Pattern.compile(args[i + 1]);
            }
        }
        if (results == null) {
            System.err.println("RunRaces: give the result directory with -r DIR");
            System.exit(2);
        }
        org.openjdk.jcstress.Main.main(args); // throws on a failed test
        List<String> missing = new ArrayList<>();
        java.util.regex.Pattern filter = selected;
        List<String> tests = tests().stream().filter(t -> filter.matcher(t).find()).toList();
        for (String test : tests) {
            if (!Files.exists(results.resolve(test.replace('$', '.') + ".html"))) {
                missing.add(test);
            }
        }
        if (tests.isEmpty() || !missing.isEmpty()) {
            System.err.println("RunRaces: " + (tests.size() - missing.size()) + " of " + tests.size()
                    + " jcstress tests ran; missing " + missing);
            System.exit(1);
        }
        System.out.println("RunRaces: all " + tests.size() + " jcstress tests ran, none saw a forbidden outcome");
        System.exit(0);
    }

    /** The test classes the jcstress annotation processor listed. */
    private static List<String> tests() throws IOException {
        List<String> out = new ArrayList<>();
        try (InputStream in = RunRaces.class.getResourceAsStream("/META-INF/TestList")) {
            if (in == null) {
                return out;
            }
            // Each line: "JCTEST", then length-prefixed fields ("28Sio.xenabi..."), the name first.
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("JCTEST")) {
                    int s = line.indexOf('S', 6);
                    int len = Integer.parseInt(line.substring(6, s));
                    out.add(line.substring(s + 1, s + 1 + len));
                }
            }
        }
        return out;
    }
}
