package io.xenabi.oracle;

import io.xenabi.oracle.OracleRecord.Answer;
import io.xenabi.oracle.OracleRecord.Call;
import io.xenabi.oracle.OracleRecord.Range;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Compares an answer with real Xen's under the rules of docs/ORACLE.md ("How an answer is
 * compared"), the same rules as {@code oracle-probe compare}: the rc exactly; every byte of the
 * struct and of each buffer, except ptr, save and mask ranges; a sym range holds the side's own
 * value of its variable where real Xen's bytes held real Xen's value, and real Xen's bytes
 * otherwise.
 */
public final class AnswerCheck {
    private AnswerCheck() {}

    /**
     * Null when {@code actual} (given on a side whose variables are {@code sideVars}) agrees with
     * {@code expected} (real Xen's, whose variables were {@code xenVars}); else one line naming
     * the first difference.
     */
    public static String compare(Call call, Answer expected, Map<String, Long> xenVars, Answer actual,
            Map<String, Long> sideVars) {
        if (expected.rc() != actual.rc()) {
            return call.name() + ": rc " + actual.rc() + ", real Xen " + expected.rc();
        }
        String d = compareBytes(call, null, expected.out(), xenVars, actual.out(), sideVars);
        if (d != null) {
            return d;
        }
        for (OracleRecord.Buffer b : call.bufs()) {
            d = compareBytes(call, b.name(), expected.bufs().get(b.name()), xenVars, actual.bufs().get(b.name()),
                    sideVars);
            if (d != null) {
                return d;
            }
        }
        return null;
    }

    /** The variables {@code answer} binds: its save ranges, if rc >= 0 and the okif status is 0. */
    public static Map<String, Long> saved(Call call, Answer answer) {
        Map<String, Long> vars = new LinkedHashMap<>();
        if (answer.rc() < 0 || (call.okif() != null && OracleRecord.getLe(answer.out(), call.okif(), 2) != 0)) {
            return vars;
        }
        for (Range r : call.saves()) {
            byte[] src = r.buf() == null ? answer.out() : answer.bufs().get(r.buf());
            vars.put(r.var(), OracleRecord.getLe(src, r.off(), r.len()));
        }
        return vars;
    }

    private static String compareBytes(Call call, String buf, byte[] e, Map<String, Long> xenVars, byte[] a,
            Map<String, Long> sideVars) {
        String what = buf == null ? "out" : buf;
        if (e == null || a == null || e.length != a.length) {
            return call.name() + ": " + what + " missing or of another length";
        }
        boolean[] skip = new boolean[e.length];
        if (buf == null) {
            for (OracleRecord.Ptr p : call.ptrs()) {
                mark(skip, p.off(), 8);
            }
        }
        for (Range r : call.saves()) {
            if (java.util.Objects.equals(r.buf(), buf)) {
                mark(skip, r.off(), r.len());
            }
        }
        for (Range r : call.masks()) {
            if (java.util.Objects.equals(r.buf(), buf)) {
                mark(skip, r.off(), r.len());
            }
        }
        if (buf == null) {
            for (Range r : call.syms()) {
                if (skip[r.off()]) {
                    continue;
                }
                long xenValue = mask(xenVars.get(r.var()), r.len());
                long sideValue = mask(sideVars.get(r.var()), r.len());
                long eb = OracleRecord.getLe(e, r.off(), r.len());
                long ab = OracleRecord.getLe(a, r.off(), r.len());
                long want = eb == xenValue ? sideValue : eb;
                if (ab != want) {
                    return call.name() + ": out @" + r.off() + ":" + r.len() + " is 0x" + Long.toHexString(ab)
                            + ", want 0x" + Long.toHexString(want) + (eb == xenValue ? " ($" + r.var() + ")" : "");
                }
                mark(skip, r.off(), r.len());
            }
        }
        for (int i = 0; i < e.length; i++) {
            if (!skip[i] && e[i] != a[i]) {
                int n = Math.min(16, e.length - i);
                return call.name() + ": " + what + " @" + i + " is "
                        + HexFormat.of().formatHex(a, i, i + n) + ", real Xen " + HexFormat.of().formatHex(e, i, i + n);
            }
        }
        return null;
    }

    private static void mark(boolean[] skip, int off, int len) {
        for (int i = off; i < off + len && i < skip.length; i++) {
            skip[i] = true;
        }
    }

    private static long mask(Long v, int len) {
        if (v == null) {
            return -1;
        }
        return len >= 8 ? v : v & ((1L << (8 * len)) - 1);
    }
}
