package io.xenabi.toolstack.xl;

/**
 * A number as xl reads it: libxlutil's {@code xlu_cfg_get_long}, which is C's
 * {@code strtol(s, &end, 0)} (leading blanks, a sign, {@code 0x} for hex, a leading {@code 0} for
 * octal) over the whole atom, refusing an atom with anything after the number, an empty one, one
 * out of the range of a long ({@code ERANGE}), a list, and a value set by {@code +=}
 * (tools/libs/util/libxlu_cfg.c, xlu_cfg_get_bounded_long).
 *
 * @param value the number, when {@code errno == 0}
 * @param errno 0, or {@code EINVAL} (22) or {@code ERANGE} (34) as libxlutil returns them
 * @param cause why it is not a number, for a person; empty when it is one
 */
record XlNumber(long value, int errno, String cause) {
    static final int EINVAL = 22;
    static final int ERANGE = 34;

    boolean ok() {
        return errno == 0;
    }

    private static XlNumber invalid(String cause) {
        return new XlNumber(0, EINVAL, cause);
    }

    /** Reads {@code v} as {@code xlu_cfg_get_long} does. */
    static XlNumber of(XlValue v) {
        if (v.isList()) {
            return invalid("is a list but should be a single value");
        }
        if (v.added()) {
            return invalid("is set with += and += cannot be used with numbers");
        }
        return parse(v.text());
    }

    /** C's strtol with base 0 over all of {@code s}. */
    static XlNumber parse(String s) {
        int i = 0;
        int n = s.length();
        while (i < n && XlParser.isCSpace(s.charAt(i))) {
            i++;
        }
        boolean negative = false;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        int base = 10;
        if (i + 1 < n && s.charAt(i) == '0' && (s.charAt(i + 1) == 'x' || s.charAt(i + 1) == 'X')
                && i + 2 < n && Character.digit(s.charAt(i + 2), 16) >= 0 && s.charAt(i + 2) < 0x80) {
            base = 16;
            i += 2;
        } else if (i < n && s.charAt(i) == '0') {
            base = 8;
        }
        int digits = i;
        // accumulate as a negative number, as C libraries do, so that LONG_MIN fits
        long acc = 0;
        boolean overflow = false;
        long limit = negative ? Long.MIN_VALUE : -Long.MAX_VALUE;
        while (i < n) {
            char c = s.charAt(i);
            int d = c < 0x80 ? Character.digit(c, base) : -1;
            if (d < 0) {
                break;
            }
            if (!overflow) {
                if (acc < (limit + d) / base || acc * base < limit + d) {
                    overflow = true;
                } else {
                    acc = acc * base - d;
                }
            }
            i++;
        }
        if (i == digits) {
            return invalid("is not a valid number");
        }
        if (overflow) {
            return new XlNumber(0, ERANGE, "is out of range");
        }
        if (i != n) {
            return invalid("is not a valid number");
        }
        return new XlNumber(negative ? acc : -acc, 0, "");
    }
}
