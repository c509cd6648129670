package io.xenabi.oracle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The divergences from real Xen 4.17 the replay accepts ({@code oracle/allowlist.tsv}), each
 * with its reason. A line is {@code CASE <tab> CALL <tab> KIND <tab> REASON}: CALL is the
 * 1-based number of the call in its case (the record's {@code call} lines, skipped lines not
 * counted) or {@code *} for every call of the case; KIND is one of
 * <ul>
 * <li>{@code xen-change}: Xen changed since 4.17 and xenabi follows master; REASON names the
 *     commit (its abbreviated hash first);
 * <li>{@code model}: xenabi's model differs from the oracle's setup (a translated guest where the
 *     probe is a PV process, Linux's kernel state in the oracle's domains);
 * <li>{@code row}: a FIDELITY-GAPS row still open; REASON starts
 *     {@code row Gn} or {@code row En} (its fix makes the entry stale).
 * </ul>
 * {@code #} starts a comment line.
 */
record Allowlist(List<Entry> entries) {
    /** One accepted divergence. */
    record Entry(int line, String caseName, int call, String kind, String reason) {
        boolean matches(String c, int n) {
            return caseName.equals(c) && (call == 0 || call == n);
        }

        @Override
        public String toString() {
            return "allowlist.tsv:" + line + " (" + caseName + " " + (call == 0 ? "*" : call) + ")";
        }
    }

    private static final Pattern COMMIT = Pattern.compile("^[0-9a-f]{10,40}\\b.*");
    private static final Pattern ROW = Pattern.compile("^row [GE][0-9]+\\b.*");

    static Allowlist read(Path file) throws IOException {
        List<Entry> out = new ArrayList<>();
        int n = 0;
        for (String line : Files.readAllLines(file)) {
            n++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] t = line.split("\t", -1);
            if (t.length != 4) {
                throw new IOException(file + ":" + n + ": want CASE, CALL, KIND and REASON separated by tabs");
            }
            int call = t[1].equals("*") ? 0 : Integer.parseInt(t[1]);
            boolean ok = switch (t[2]) {
                case "xen-change" -> COMMIT.matcher(t[3]).matches();
                case "row" -> ROW.matcher(t[3]).matches();
                case "model" -> !t[3].isBlank();
                default -> false;
            };
            if (!ok || call < 0) {
                throw new IOException(file + ":" + n + ": kind " + t[2] + " needs its reason ("
                        + "xen-change: a commit hash first; row: 'row Gn'; model: a sentence)");
            }
            out.add(new Entry(n, t[0], call, t[2], t[3]));
        }
        return new Allowlist(List.copyOf(out));
    }

    /** The entry accepting a divergence at call {@code n} of case {@code c}, or null. */
    Entry find(String c, int n) {
        for (Entry e : entries) {
            if (e.matches(c, n)) {
                return e;
            }
        }
        return null;
    }
}
