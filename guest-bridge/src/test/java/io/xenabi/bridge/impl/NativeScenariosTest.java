package io.xenabi.bridge.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.xenabi.abi.AbiCapability;
import io.xenabi.abi.SchedOp;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainInfo;
import io.xenabi.domain.DomainState;
import io.xenabi.domain.DomainType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * native-guest's scenarios (the real Linux 6.1 event-channel code) against the real bridge and
 * hypervisor. Needs gcc and Debian's linux-source-6.1 to build the guest; without them the test
 * is skipped with the reason, unless {@code XENABI_REQUIRE_NATIVE=1}, where it fails.
 */
class NativeScenariosTest {
    private static final Path NATIVE = Path.of("..", "native-guest").toAbsolutePath().normalize();
    private static final Path GUEST = NATIVE.resolve("target/native-guest");

    @TempDir
    Path home;
    private Bridges b;

    @BeforeAll
    static void build() throws Exception {
        boolean required = "1".equals(System.getenv("XENABI_REQUIRE_NATIVE"));
        String why = null;
        if (!Files.isRegularFile(NATIVE.resolve("build.sh"))) {
            why = "no native-guest folder at " + NATIVE;
        } else {
            Process p;
            try {
                p = new ProcessBuilder("sh", "build.sh").directory(NATIVE.toFile()).redirectErrorStream(true).start();
            } catch (IOException e) {
                p = null;
                why = "cannot run native-guest/build.sh: " + e.getMessage();
            }
            if (p != null) {
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(600, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    why = "native-guest/build.sh took over 10 minutes";
                } else if (p.exitValue() == 3) {
                    why = "native guest not built: " + out.strip()
                            + " (apt-get install -y linux-source-6.1 gcc; XENABI_REQUIRE_NATIVE=1 makes this fail)";
                } else if (p.exitValue() != 0) {
                    fail("native-guest/build.sh failed (" + p.exitValue() + "):\n" + out);
                }
            }
        }
        if (why != null) {
            if (required) {
                fail(why);
            }
            Assumptions.abort(why);
        }
    }

    @BeforeEach
    void boot() {
        b = new Bridges(home.resolve("run"));
    }

    @AfterEach
    void stop() {
        b.close();
    }

    /** Runs the guest on {@code socket} and returns its output; fails on a timeout. */
    static String run(Path socket, int domid, List<String> scenario, int expectExit) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(GUEST.toString(), "--socket", socket.toString(), "--domid",
                Integer.toString(domid)));
        cmd.addAll(scenario);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuilder out = new StringBuilder();
        Thread reader = new Thread(() -> {
            try {
                out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                out.append("(output lost: ").append(e.getMessage()).append(")");
            }
        });
        reader.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            reader.join(5000);
            fail("the native guest took over 60 s: " + cmd + "\n" + out);
        }
        reader.join(5000);
        assertEquals(expectExit, p.exitValue(), "exit status of " + cmd + "\n" + out);
        return out.toString();
    }

    @ParameterizedTest(name = "boot, {0}, {1} vCPUs")
    @CsvSource({"fifo, 1", "fifo, 2", "fifo, 4", "2l, 1", "2l, 2", "2l, 4"})
    void linuxBootsOnFifoWherePermittedAndOnTwoLevelWhereWithheld(String abi, int vcpus) throws Exception {
        long permit = abi.equals("fifo") ? AbiCapability.ALL : 0;
        int domid = b.hv.create(DomainConfig.named("native").withType(DomainType.PVH, true).withVcpus(vcpus)
                .withMemoryMiB(32).withAbiPermit(permit).withNativeGuest(true));
        String out = run(b.bridge.socket(domid), domid, List.of("boot"), 0);
        assertTrue(out.contains("boot: abi=" + abi + " vcpus=" + vcpus + " "), out);
        DomainInfo info = b.hv.info(domid).orElseThrow();
        assertEquals(DomainState.SHUTDOWN, info.state(), out);
        assertEquals(SchedOp.SHUTDOWN_poweroff, info.shutdownReason(), out);
        assertEquals(abi, info.evtchnAbi(), out);
    }
}
