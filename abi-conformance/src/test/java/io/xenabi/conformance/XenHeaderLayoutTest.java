package io.xenabi.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.xenabi.abi.DomId;
import io.xenabi.abi.HvmOp;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.MemoryOp;
import io.xenabi.abi.SchedOp;
import io.xenabi.abi.SharedInfo;
import io.xenabi.abi.VcpuOp;
import io.xenabi.abi.XenErrno;
import io.xenabi.abi.XenVersion;
import io.xenabi.evtchn.EvtchnFifo;
import io.xenabi.evtchn.EvtchnOp;
import io.xenabi.gnttab.GnttabOp;
import io.xenabi.gnttab.GnttabStatus;
import io.xenabi.gnttab.GrantEntryLayout;
import io.xenabi.gnttab.GrantFlags;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks every ABI constant and struct offset xenabi mirrors against Xen's own public headers:
 * a C probe (layout-probe.c) is compiled with gcc against {@code /usr/include/xen} and prints
 * the values, and each must equal the Java constant of the same name. Without gcc or the
 * headers (libxen-dev) the test is skipped, unless {@code XENABI_REQUIRE_XEN_HEADERS=1} is set,
 * as CI sets it, where their absence fails the build.
 */
class XenHeaderLayoutTest {
    private static final List<Class<?>> MIRRORS = List.of(XenErrno.class, DomId.class, Hypercall.class,
            SharedInfo.class, SchedOp.class, MemoryOp.class, EvtchnOp.class, EvtchnFifo.class, GnttabOp.class,
            GnttabStatus.class, GrantFlags.class, GrantEntryLayout.class, XenVersion.class, VcpuOp.class, HvmOp.class);

    private static Map<String, Long> probe;

    @BeforeAll
    static void runProbe() throws Exception {
        boolean required = "1".equals(System.getenv("XENABI_REQUIRE_XEN_HEADERS"));
        boolean headers = Files.isRegularFile(Path.of("/usr/include/xen/event_channel.h"));
        if (!headers) {
            if (required) {
                fail("Xen public headers are missing: apt-get install -y libxen-dev");
            }
            Assumptions.abort("Xen public headers not installed (apt-get install -y libxen-dev)");
        }
        Path dir = Files.createDirectories(Path.of("target", "layout-probe"));
        Path source = dir.resolve("layout-probe.c");
        try (InputStream in = XenHeaderLayoutTest.class.getResourceAsStream("layout-probe.c")) {
            Files.write(source, in.readAllBytes());
        }
        Path binary = dir.resolve("layout-probe");
        String compiled = run(List.of("gcc", "-Wall", "-Werror",
                "-D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__", "-o", binary.toString(),
                source.toString()), required);
        Assumptions.assumeTrue(compiled != null, "gcc is not available");
        probe = new LinkedHashMap<>();
        for (String line : run(List.of(binary.toString()), true).split("\n")) {
            String[] kv = line.trim().split(" ");
            probe.put(kv[0], Long.parseLong(kv[1]));
        }
    }

    private static String run(List<String> command, boolean required) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            if (required) {
                throw e;
            }
            return null;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), command + " did not finish");
        assertEquals(0, p.exitValue(), () -> command + " failed:\n" + out);
        return out;
    }

    private static Field field(String key) {
        int dot = key.indexOf('.');
        String cls = key.substring(0, dot);
        String name = key.substring(dot + 1);
        for (Class<?> c : MIRRORS) {
            if (c.getSimpleName().equals(cls)) {
                try {
                    return c.getField(name);
                } catch (NoSuchFieldException e) {
                    return null;
                }
            }
        }
        throw new AssertionError("probe printed a class the test does not know: " + key);
    }

    @Test
    void everyProbedValueEqualsTheJavaConstant() throws IllegalAccessException {
        List<String> wrong = new ArrayList<>();
        int compared = 0;
        for (Map.Entry<String, Long> e : probe.entrySet()) {
            Field f = field(e.getKey());
            if (f == null) {
                if (!e.getKey().startsWith("XenErrno.")) {
                    wrong.add(e.getKey() + ": no Java constant of that name");
                }
                continue;
            }
            long java = ((Number) f.get(null)).longValue();
            if (!holds(f, java, e.getValue())) {
                wrong.add(e.getKey() + ": Java " + java + ", Xen headers " + e.getValue());
            }
            compared++;
        }
        assertTrue(wrong.isEmpty(), () -> String.join("\n", wrong));
        assertTrue(compared > 250, "only " + compared + " values compared");
    }

    /**
     * Whether the Java constant holds the header's value. A Java int holds a {@code uint32_t}
     * value of 2^31 or more (GNTTAB_CACHE_SOURCE_GREF is {@code 1u<<31}) as the same 32 bits,
     * which Java reads as negative; any other difference is a mismatch.
     */
    private static boolean holds(Field f, long java, long xen) {
        if (java == xen) {
            return true;
        }
        return f.getType() == int.class && xen > Integer.MAX_VALUE && xen <= 0xFFFF_FFFFL
                && Integer.toUnsignedLong((int) java) == xen;
    }

    @Test
    void everyJavaErrnoIsXens() {
        for (Field f : XenErrno.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
                assertTrue(probe.containsKey("XenErrno." + f.getName()),
                        () -> "XenErrno." + f.getName() + " is not in xen/errno.h");
            }
        }
    }

    @Test
    void theKeyLayoutsOfTheMissionAreProbed() {
        assertEquals(3136L, probe.get("SharedInfo.SIZEOF_SHARED_INFO"));
        assertEquals(72L, probe.get("EvtchnFifo.SIZEOF_CONTROL_BLOCK"));
        assertEquals(24L, probe.get("EvtchnOp.SIZEOF_EVTCHN_INIT_CONTROL"));
        assertEquals(95L, probe.get("XenErrno.EOPNOTSUPP"));
        assertEquals(8L, probe.get("GrantEntryLayout.SIZEOF_GRANT_ENTRY_V1"));
        assertEquals(16L, probe.get("GrantEntryLayout.SIZEOF_GRANT_ENTRY_V2"));
        assertEquals(40L, probe.get("GnttabOp.SIZEOF_COPY"));
    }
}
