package io.xenabi.oracle;

import io.xenabi.oracle.OracleRecord.Answer;
import io.xenabi.oracle.OracleRecord.Call;
import io.xenabi.oracle.OracleRecord.Case;
import io.xenabi.oracle.OracleRecord.Range;
import io.xenabi.oracle.OracleRecord.Step;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays a record of real Xen's answers on xenabi (docs/ORACLE.md, "How an answer is
 * compared"): every case in order on one {@link XenabiSide}, each call issued with xenabi's own
 * variables, its answer compared with real Xen's, the saves of both answers bound for the rest
 * of the case.
 */
final class Replay {
    /** A call whose answer differs from real Xen's: where, and the first difference. */
    record Divergence(String caseName, int call, String domain, String what) {
        @Override
        public String toString() {
            return caseName + " #" + call + " (" + domain + "): " + what;
        }
    }

    /** What a replay saw: the counts and every divergence, in order. */
    record Result(int cases, int calls, int skipped, List<Divergence> divergences) {}

    private Replay() {}

    static Result run(OracleRecord record, XenabiSide side) {
        List<Divergence> out = new ArrayList<>();
        int calls = 0;
        int skipped = 0;
        Map<String, Long> sideGlobals = side.globals();
        for (Case c : record.cases()) {
            side.transport(c.transport());
            Map<String, Long> xen = new HashMap<>(record.globals());
            Map<String, Long> mine = new HashMap<>(sideGlobals);
            int n = 0;
            for (Step s : c.steps()) {
                Call call = s.call();
                if (call == null) {
                    skipped++; // real Xen's run did not issue it: neither does the replay
                    continue;
                }
                n++;
                calls++;
                String unset = unset(call, mine);
                if (unset != null) {
                    out.add(new Divergence(c.name(), n, call.domain(),
                            call.name() + ": not issued, $" + unset + " is unset here (real Xen set it)"));
                } else {
                    Answer a = side.issue(call, mine);
                    String d = AnswerCheck.compare(call, s.answer(), xen, a, mine);
                    if (d != null) {
                        out.add(new Divergence(c.name(), n, call.domain(), d));
                    }
                    mine.putAll(AnswerCheck.saved(call, a));
                }
                xen.putAll(AnswerCheck.saved(call, s.answer()));
            }
        }
        return new Result(record.cases().size(), calls, skipped, List.copyOf(out));
    }

    /** A variable the call needs that this side has not set, or null. */
    private static String unset(Call call, Map<String, Long> vars) {
        for (Range r : call.syms()) {
            if (!vars.containsKey(r.var())) {
                return r.var();
            }
        }
        return null;
    }
}
