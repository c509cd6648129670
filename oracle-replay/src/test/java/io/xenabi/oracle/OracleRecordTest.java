package io.xenabi.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.oracle.OracleRecord.Answer;
import io.xenabi.oracle.OracleRecord.Call;
import io.xenabi.oracle.OracleRecord.Case;
import io.xenabi.oracle.OracleRecord.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The committed record of real Xen 4.17 reads whole, and the comparison rules hold on it. */
class OracleRecordTest {
    static final Path RECORD = Path.of("..", "oracle", "corpus", "xen-4.17.record");
    static OracleRecord record;

    @BeforeAll
    static void read() throws IOException {
        record = OracleRecord.read(RECORD);
    }

    static Case named(String name) {
        return record.cases().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    /** Real Xen's variables during a case: the globals, then each answer's saves in order, up to step n. */
    static Map<String, Long> xenVarsBefore(Case c, int n) {
        Map<String, Long> vars = new HashMap<>(record.globals());
        for (int i = 0; i < n; i++) {
            Step s = c.steps().get(i);
            if (s.call() != null) {
                vars.putAll(AnswerCheck.saved(s.call(), s.answer()));
            }
        }
        return vars;
    }

    @Test
    void theRecordHoldsTheWholeCorpusFromBothDomains() {
        assertEquals("4.17.7", record.xenVersion());
        assertTrue(record.cases().size() >= 300, record.cases().size() + " cases");
        for (String g : new String[] {"dom0", "domU", "self", "gref_00", "gref_0u", "gref_u0"}) {
            assertTrue(record.globals().containsKey(g), g);
        }
        long domU = record.cases().stream().flatMap(c -> c.steps().stream())
                .filter(s -> s.call() != null && s.call().byDomU()).count();
        assertTrue(domU >= 200, domU + " calls by the domU");
        assertTrue(record.cases().stream().map(Case::name).distinct().count() == record.cases().size(),
                "case names are unique");
    }

    @Test
    void everyRecordedAnswerAgreesWithItself() {
        int calls = 0;
        for (Case c : record.cases()) {
            for (int i = 0; i < c.steps().size(); i++) {
                Step s = c.steps().get(i);
                if (s.call() == null) {
                    continue;
                }
                Map<String, Long> vars = xenVarsBefore(c, i + 1);
                assertNull(AnswerCheck.compare(s.call(), s.answer(), vars, s.answer(), vars), c.name());
                calls++;
            }
        }
        assertTrue(calls >= 800, calls + " calls");
    }

    @Test
    void knownAnswersOfRealXen() {
        // ../shared/ORACLE.md: close, then close again: 0, then -EINVAL; EVTCHNOP 99: -ENOSYS
        Case loop = named("evtchn.bind_interdomain.loopback");
        assertEquals(-22, loop.steps().get(9).answer().rc());
        assertEquals("evtchn.close", loop.steps().get(9).call().name());
        assertEquals(-38, named("evtchn.unknown_subops").steps().get(2).answer().rc());
        // a failed map leaves the guest's handle alone (FIDELITY-GAPS G3): 0x1234 stays
        Answer bad = named("gnttab.map.bad_ref").steps().get(0).answer();
        assertEquals(-3, (short) OracleRecord.getLe(bad.out(), 18, 2));
        assertEquals(0x1234, OracleRecord.getLe(bad.out(), 20, 4));
    }

    @Test
    void aDifferentRcOrByteIsADivergence() {
        Step s = named("gnttab.query_size.self").steps().get(0);
        Map<String, Long> vars = record.globals();
        Answer e = s.answer();
        Answer rc = new Answer(-22, e.out(), e.bufs(), e.saved());
        assertNotNull(AnswerCheck.compare(s.call(), e, vars, rc, vars));
        byte[] out = e.out().clone();
        out[8] ^= 1; // max_nr_frames
        String d = AnswerCheck.compare(s.call(), e, vars, new Answer(e.rc(), out, e.bufs(), e.saved()), vars);
        assertNotNull(d);
        assertTrue(d.contains("@8"), d);
    }

    @Test
    void maskedAndSavedBytesAreNotCompared() {
        Case c = named("gnttab.map.device_from_domU");
        Step map = c.steps().get(0);
        Map<String, Long> vars = xenVarsBefore(c, 1);
        byte[] out = map.answer().out().clone();
        out[20] ^= 0x7f; // handle (saved)
        out[27] ^= 0x7f; // dev_bus_addr (saved)
        Answer other = new Answer(0, out, Map.of(), Map.of());
        assertNull(AnswerCheck.compare(map.call(), map.answer(), vars, other, vars));
        assertEquals(Map.of("h", OracleRecord.getLe(out, 20, 4), "dba", OracleRecord.getLe(out, 24, 8)),
                AnswerCheck.saved(map.call(), other));

        Step setup = named("gnttab.setup_table.self_one").steps().get(0);
        byte[] frames = setup.answer().bufs().get("fl").clone();
        frames[0] ^= 1; // the frame number (masked)
        byte[] out2 = setup.answer().out().clone();
        out2[16] ^= 1; // frame_list pointer (ptr)
        Answer a = new Answer(0, out2, Map.of("fl", frames), Map.of());
        assertNull(AnswerCheck.compare(setup.call(), setup.answer(), record.globals(), a, record.globals()));
    }

    @Test
    void aFailedElementSavesNothing() {
        Step s = named("gnttab.map.self_grant").steps().get(0);
        assertEquals(0, s.answer().rc());
        assertEquals(-2, (short) OracleRecord.getLe(s.answer().out(), 18, 2)); // GNTST_bad_domain
        assertTrue(AnswerCheck.saved(s.call(), s.answer()).isEmpty());
    }

    @Test
    void symRangesHoldEachSidesOwnValues() {
        Case c = named("evtchn.alloc_unbound.self_domU");
        Step status = c.steps().get(1);
        Map<String, Long> xen = xenVarsBefore(c, 1);
        Map<String, Long> side = new HashMap<>(xen);
        side.put("domU", 7L);
        side.put("p", 1000L);
        byte[] in = status.call().inFor(side);
        assertEquals(1000, OracleRecord.getLe(in, 4, 4));
        assertEquals(0x7ff0, OracleRecord.getLe(in, 0, 2));
        byte[] out = status.answer().out().clone();
        OracleRecord.putLe(out, 4, 4, 1000);
        OracleRecord.putLe(out, 16, 2, 7); // u.unbound.dom = the side's domU
        Answer mine = new Answer(0, out, Map.of(), Map.of());
        assertNull(AnswerCheck.compare(status.call(), status.answer(), xen, mine, side));
        OracleRecord.putLe(out, 16, 2, xen.get("domU")); // real Xen's domid is wrong on this side
        assertNotNull(AnswerCheck.compare(status.call(), status.answer(), xen, mine, side));
    }

    @Test
    void aBrokenRecordNamesItsLine(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path f = dir.resolve("bad.record");
        Files.writeString(f, "oracle-record 1\ncase x\ncall dom0 op=32 sub=3 in=00 name=evtchn.close\n"
                + "ret rc=0 out=0000\nend\n");
        IOException e = assertThrows(IOException.class, () -> OracleRecord.read(f));
        assertTrue(e.getMessage().contains(":4:"), e.getMessage());
        Call ok = OracleRecord.parseCall("call domU op=20 sub=6 vcpu=0 count=1 in=f07f sym=0:2:self name=gnttab.query_size");
        assertTrue(ok.byDomU());
        assertEquals(OracleRecord.HYPERVISOR_GRANT_TABLE_OP, ok.op());
    }
}
