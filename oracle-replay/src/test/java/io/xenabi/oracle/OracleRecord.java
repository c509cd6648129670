package io.xenabi.oracle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A record of real Xen's answers, as {@code oracle-probe drive} writes it (docs/ORACLE.md,
 * "Record format"): the global variables real Xen's run had, and the cases in order, each a list
 * of steps (a call with its answer, or a line real Xen's run skipped).
 */
public record OracleRecord(String xenVersion, Map<String, Long> globals, List<Case> cases) {

    /** Hypercall numbers the corpus uses ({@code xen/include/public/xen.h}). */
    public static final int HYPERVISOR_GRANT_TABLE_OP = 20;
    public static final int HYPERVISOR_EVENT_CHANNEL_OP = 32;

    /**
     * A case: its name, its steps, and the transport to the domU's probe it ran under
     * ({@code mailbox}, or {@code xenstore} after a {@code transport xenstore} line: the mailbox's
     * grant is then unmapped).
     */
    public record Case(String name, List<Step> steps, String transport) {}

    /** One line of a case: a call and real Xen's answer, or a skipped line (call and answer null). */
    public record Step(Call call, Answer answer, String skipped) {}

    /** A byte range of the struct ({@code buf} null) or of a named buffer, maybe naming a variable. */
    public record Range(String buf, int off, int len, String var) {}

    /** A buffer: its name, size and initial bytes. */
    public record Buffer(String name, int size, byte[] init) {}

    /** A pointer fix-up: the address of buffer {@code buf} goes into the struct at {@code off} (u64). */
    public record Ptr(int off, String buf) {}

    /** A call as recorded: what was sent, by which domain, and which bytes mean what. */
    public record Call(String domain, int op, long sub, int vcpu, long count, byte[] in, Long argaddr,
            Integer okif, List<Buffer> bufs, List<Ptr> ptrs, List<Range> syms, List<Range> saves,
            List<Range> masks, String name) {

        /** Whether the domU (not dom0) issues it. */
        public boolean byDomU() {
            return domain.equals("domU");
        }

        /**
         * The struct to send on a side whose variables are {@code vars}: {@code in} with each sym
         * range holding that side's value.
         */
        public byte[] inFor(Map<String, Long> vars) {
            byte[] b = in.clone();
            for (Range r : syms) {
                Long v = vars.get(r.var());
                if (v == null) {
                    throw new IllegalStateException(name + ": variable " + r.var() + " is not set");
                }
                putLe(b, r.off(), r.len(), v);
            }
            return b;
        }

        public Buffer buffer(String bufName) {
            for (Buffer b : bufs) {
                if (b.name().equals(bufName)) {
                    return b;
                }
            }
            throw new IllegalArgumentException(name + ": no buffer " + bufName);
        }
    }

    /** An answer: the return value, the struct after the call, each buffer after it, values saved. */
    public record Answer(long rc, byte[] out, Map<String, byte[]> bufs, Map<String, Long> saved) {}

    /** Reads a record file. Throws naming the line of anything it cannot read. */
    public static OracleRecord read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        String version = null;
        Map<String, Long> globals = new LinkedHashMap<>();
        List<Case> cases = new ArrayList<>();
        String caseName = null;
        List<Step> steps = null;
        Call pending = null;
        String transport = "mailbox";
        int n = 0;
        for (String line : lines) {
            n++;
            try {
                if (line.startsWith("xen ")) {
                    version = line.substring(4);
                } else if (line.startsWith("var ")) {
                    int eq = line.indexOf('=');
                    globals.put(line.substring(4, eq), Long.parseUnsignedLong(line.substring(eq + 1)));
                } else if (line.startsWith("case ")) {
                    caseName = line.substring(5);
                    steps = new ArrayList<>();
                } else if (line.equals("end")) {
                    if (pending != null) {
                        throw new IllegalArgumentException("a call without an answer");
                    }
                    cases.add(new Case(caseName, List.copyOf(steps), transport));
                    caseName = null;
                    steps = null;
                } else if (line.startsWith("call ")) {
                    pending = parseCall(line);
                } else if (line.startsWith("ret ")) {
                    if (pending == null || steps == null) {
                        throw new IllegalArgumentException("an answer without a call");
                    }
                    steps.add(new Step(pending, parseAnswer(line, pending), null));
                    pending = null;
                } else if (line.startsWith("skip ")) {
                    if (steps != null) {
                        steps.add(new Step(null, null, line.substring(5)));
                    }
                } else if (line.startsWith("transport ")) {
                    transport = line.substring(10);
                } else if (!(line.startsWith("oracle-record ") || line.startsWith("file ")
                        || line.startsWith("end-record ") || line.isEmpty())) {
                    throw new IllegalArgumentException("unknown line");
                }
            } catch (RuntimeException e) {
                throw new IOException(file + ":" + n + ": " + e.getMessage(), e);
            }
        }
        return new OracleRecord(version, Map.copyOf(globals), List.copyOf(cases));
    }

    static Call parseCall(String line) {
        String[] t = line.split(" ");
        String domain = t[1];
        if (!domain.equals("dom0") && !domain.equals("domU")) {
            throw new IllegalArgumentException("unknown domain " + domain);
        }
        int op = -1;
        long sub = 0;
        long count = 1;
        int vcpu = 0;
        byte[] in = null;
        Long argaddr = null;
        Integer okif = null;
        String name = null;
        List<Buffer> bufs = new ArrayList<>();
        List<Ptr> ptrs = new ArrayList<>();
        List<Range> syms = new ArrayList<>();
        List<Range> saves = new ArrayList<>();
        List<Range> masks = new ArrayList<>();
        for (int i = 2; i < t.length; i++) {
            int eq = t[i].indexOf('=');
            String k = t[i].substring(0, eq);
            String v = t[i].substring(eq + 1);
            switch (k) {
                case "op" -> op = Integer.parseInt(v);
                case "sub" -> sub = Long.parseUnsignedLong(v);
                case "vcpu" -> vcpu = Integer.parseInt(v);
                case "count" -> count = Long.parseUnsignedLong(v);
                case "in" -> in = HexFormat.of().parseHex(v);
                case "argaddr" -> argaddr = Long.parseUnsignedLong(v);
                case "okif" -> okif = Integer.parseInt(v);
                case "name" -> name = v;
                case "buf" -> {
                    String[] p = v.split(":", 3);
                    bufs.add(new Buffer(p[0], Integer.parseInt(p[1]),
                            p.length > 2 ? HexFormat.of().parseHex(p[2]) : new byte[0]));
                }
                case "ptr" -> {
                    String[] p = v.split(":", 2);
                    ptrs.add(new Ptr(Integer.parseInt(p[0]), p[1]));
                }
                case "sym" -> {
                    String[] p = v.split(":", 3);
                    syms.add(new Range(null, Integer.parseInt(p[0]), Integer.parseInt(p[1]), p[2]));
                }
                case "save" -> {
                    int colon = v.indexOf(':');
                    saves.add(range(v.substring(colon + 1), v.substring(0, colon)));
                }
                case "mask" -> masks.add(range(v, null));
                default -> throw new IllegalArgumentException("unknown key " + k);
            }
        }
        if (op < 0 || in == null || name == null) {
            throw new IllegalArgumentException("a call needs op, in and name");
        }
        return new Call(domain, op, sub, vcpu, count, in, argaddr, okif, List.copyOf(bufs), List.copyOf(ptrs),
                List.copyOf(syms), List.copyOf(saves), List.copyOf(masks), name);
    }

    /** "OFF:LEN" or "BUF@OFF:LEN". */
    private static Range range(String s, String var) {
        String buf = null;
        int at = s.indexOf('@');
        if (at >= 0) {
            buf = s.substring(0, at);
            s = s.substring(at + 1);
        }
        String[] p = s.split(":");
        return new Range(buf, Integer.parseInt(p[0]), Integer.parseInt(p[1]), var);
    }

    static Answer parseAnswer(String line, Call call) {
        long rc = 0;
        byte[] out = null;
        Map<String, byte[]> bufs = new LinkedHashMap<>();
        Map<String, Long> saved = new LinkedHashMap<>();
        for (String tok : line.substring(4).split(" ")) {
            int eq = tok.indexOf('=');
            String k = tok.substring(0, eq);
            String v = tok.substring(eq + 1);
            if (k.equals("rc")) {
                rc = Long.parseLong(v);
            } else if (k.equals("out")) {
                out = HexFormat.of().parseHex(v);
            } else if (k.startsWith("buf.")) {
                bufs.put(k.substring(4), HexFormat.of().parseHex(v));
            } else if (k.startsWith("var.")) {
                saved.put(k.substring(4), Long.parseUnsignedLong(v));
            } else {
                throw new IllegalArgumentException("unknown answer key " + k);
            }
        }
        if (out == null || out.length != call.in().length) {
            throw new IllegalArgumentException("out must have the struct's " + call.in().length + " bytes");
        }
        return new Answer(rc, out, Map.copyOf(bufs), Map.copyOf(saved));
    }

    static void putLe(byte[] b, int off, int len, long v) {
        for (int i = 0; i < len; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    static long getLe(byte[] b, int off, int len) {
        long v = 0;
        for (int i = 0; i < len; i++) {
            v |= (b[off + i] & 0xffL) << (8 * i);
        }
        return v;
    }
}
