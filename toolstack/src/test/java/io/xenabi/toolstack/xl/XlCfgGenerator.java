package io.xenabi.toolstack.xl;

import java.util.Random;

/**
 * Seeded random xl.cfg files for the libxlutil differential: settings drawn from the syntax
 * classes libxlutil's lexer and grammar distinguish (keys good and bad, both operators, numbers
 * in every base and form, strings in both quotes with every escape, nested lists, each statement
 * end, comments), then sometimes a stray byte or token inserted anywhere. The same seed gives the
 * same files.
 */
final class XlCfgGenerator {
    static final String[] KEYS = {"name", "memory", "vcpus", "abi_permit", "maxmem", "type", "builder",
        "max_grant_version", "disable_evtchn_fifo", "xen_extensions", "max_event_channels", "foo.bar", "a9",
        "x_y", "Name", "_a", "9a"};
    private static final String[] NUMBERS = {"0", "1", "2", "7", "010", "0128", "0x1f", "0X1F", "0xg", "00", "9",
        "99999999999999999999", "12ab", "0x", "1e3", "0x7fffffffffffffff", "0x8000000000000000"};
    private static final String[] ESCAPES = {"\\n", "\\t", "\\\\", "\\\"", "\\'", "\\x41", "\\101", "\\12", "\\q",
        "\\a", "\\1 2", "\\0-5", "\\7", "\\r", "\\v"};
    private static final String[] ENDS = {"\n", "\n", "\n", ";", "; ", "\r\n", " # c\n", "#\n", "\n\n", ""};
    private static final String[] STRAYS = {"\r", "\0", "\u00ff", "(", ")", "-", "+", ":", ".", "$", "{", "\u00e9",
        "\t", " ", "=", "+=", ",", "[", "]", "\"", "'", "#", "\n"};

    private final Random random;

    XlCfgGenerator(long seed) {
        random = new Random(seed);
    }

    private String pick(String[] choices) {
        return choices[random.nextInt(choices.length)];
    }

    private String string() {
        char quote = random.nextBoolean() ? '"' : '\'';
        StringBuilder b = new StringBuilder().append(quote);
        for (int i = random.nextInt(5); i > 0; i--) {
            switch (random.nextInt(4)) {
                case 0 -> b.append(pick(ESCAPES));
                case 1 -> b.append(quote == '"' ? '\'' : '"');
                case 2 -> b.append(pick(NUMBERS));
                default -> b.append((char) ('a' + random.nextInt(26)));
            }
        }
        return b.append(quote).toString();
    }

    private String value(int depth) {
        switch (random.nextInt(depth > 2 ? 2 : 4)) {
            case 0:
                return pick(NUMBERS);
            case 1:
                return string();
            case 2:
                StringBuilder b = new StringBuilder("[");
                for (int i = 0, n = random.nextInt(4); i < n; i++) {
                    if (i > 0) {
                        b.append(random.nextInt(5) == 0 ? ",\n" : ", ");
                    }
                    b.append(value(depth + 1));
                }
                if (random.nextInt(4) == 0) {
                    b.append(',');
                }
                if (random.nextInt(5) == 0) {
                    b.append('\n');
                }
                return b.append(']').toString();
            default:
                return '"' + pick(NUMBERS) + '"';
        }
    }

    /** The next file, one char per byte. */
    String next() {
        StringBuilder b = new StringBuilder();
        for (int i = 0, n = 1 + random.nextInt(6); i < n; i++) {
            if (random.nextInt(8) == 0) {
                b.append(' ');
            }
            b.append(pick(KEYS)).append(random.nextInt(5) == 0 ? " += " : " = ").append(value(0));
            if (i < n - 1 || random.nextBoolean()) {
                b.append(pick(ENDS));
            }
        }
        String s = b.toString();
        for (int i = random.nextInt(3) == 0 ? 1 + random.nextInt(2) : 0; i > 0; i--) {
            int at = random.nextInt(s.length() + 1);
            s = s.substring(0, at) + pick(STRAYS) + s.substring(at);
        }
        return s;
    }
}
