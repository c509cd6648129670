package io.xenabi.shell.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.abi.AbiVariant;
import io.xenabi.domain.DomainException;
import io.xenabi.domain.impl.HypervisorImpl;
import io.xenabi.evtchn.twolevel.impl.Evtchn2lVariant;
import io.xenabi.guest.impl.GuestsImpl;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.Map;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The commands as a Gogo session runs them (options, key=value words, DOM by name), on the real
 * hypervisor with the 2-level ABI only, so a guest in auto mode falls back to 2-level.
 */
class CommandsInGogoTest {
    private ThreadIOImpl threadIo;
    private GuestsImpl guests;
    private CommandSession session;

    @BeforeEach
    void setUp() {
        HypervisorImpl hv = new HypervisorImpl();
        hv.addEvtchnVariant(new Evtchn2lVariant(), Map.of(AbiVariant.PROP_FAMILY, "evtchn",
                AbiVariant.PROP_VARIANT, "2l", AbiVariant.PROP_CAPABILITY, -1));
        guests = new GuestsImpl(hv);
        threadIo = new ThreadIOImpl();
        threadIo.start();
        CommandProcessorImpl processor = new CommandProcessorImpl(threadIo);
        register(processor, "xl", new XlCommands(hv, guests), "create", "list", "destroy", "pause", "unpause",
                "shutdown", "reboot", "save", "restore");
        register(processor, "evtchn", new EvtchnCommands(hv), "list", "inject");
        register(processor, "guest", new GuestCommands(hv, guests), "start", "stop", "list", "ping", "stats",
                "join");
        session = processor.createSession(new ByteArrayInputStream(new byte[0]),
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()));
    }

    private static void register(CommandProcessorImpl p, String scope, Object target, String... functions) {
        for (String f : functions) {
            p.addCommand(scope, target, f);
        }
    }

    @AfterEach
    void tearDown() {
        session.close();
        threadIo.stop();
        // Leave no vCPU threads behind for the next test.
        for (var k : guests.kernels()) {
            guests.stop(k.domid());
        }
    }

    private String run(String line) throws Exception {
        return String.valueOf(session.execute(line));
    }

    @Test
    void createListAndDestroy() throws Exception {
        assertEquals("created domain 1 (alice)", run("xl:create name=alice vcpus=2 memory=64"));
        String[] rows = run("xl:list").split("\n");
        assertEquals(3, rows.length);
        assertTrue(rows[1].startsWith("Domain-0"), rows[1]);
        assertEquals(java.util.List.of("alice", "1", "2", "64", "2l", "-", "0", "running", "all"),
                java.util.List.of(rows[2].trim().split("\\s+")));
        assertEquals("destroyed domain 1 (alice)", run("xl:destroy alice"));
        assertEquals(2, run("xl:list").split("\n").length);
    }

    @Test
    void createReportsAnUnknownKeyInOneLine() {
        Exception e = assertThrows(IllegalArgumentException.class, () -> run("xl:create name=a colour=red"));
        assertEquals("xl:create: unknown key 'colour'", e.getMessage());
    }

    @Test
    void anUnknownDomainIsNamed() {
        Exception e = assertThrows(DomainException.class, () -> run("evtchn:list nobody"));
        assertEquals("no domain named 'nobody'", e.getMessage());
    }

    @Test
    void guestStartSaysItFellBackAndPingPrintsOneLine() throws Exception {
        run("xl:create name=alice");
        run("xl:create name=bob vcpus=2");
        String started = run("guest:start alice");
        assertTrue(started.matches("guest alice \\(domain 1\\) started on 2l \\(FIFO refused: .*EOPNOTSUPP\\)"),
                started);
        assertEquals("guest bob (domain 2) started on 2l", run("guest:start --abi 2l bob"));

        String ping = run("guest:ping --count 25 alice bob");
        assertTrue(ping.matches("ping alice\\(1\\) -> bob\\(2\\): round-trips=25 lost=0 mean=[0-9]+\\.[0-9]us"
                + " ports=\\d+->\\d+"), ping);
        assertEquals(1, ping.split("\n").length);

        String stats = run("guest:stats bob");
        assertTrue(stats.startsWith("guest bob (domain 2): abi 2l\n"), stats);
        assertEquals(2, run("guest:list").split("\n").length - 1);
        assertEquals("guest alice (domain 1) stopped", run("guest:stop 1"));
    }

    @Test
    void evtchnListShowsTheGuestsIpisAndInjectReachesThem() throws Exception {
        run("xl:create name=alice vcpus=2");
        run("guest:start alice");
        String[] rows = run("evtchn:list alice").split("\n");
        assertEquals(3, rows.length); // one wake-up IPI per vCPU
        assertTrue(rows[1].trim().startsWith("1  ipi"), rows[1]);
        assertEquals("injected an event on port 2 of domain 1 (alice)", run("evtchn:inject alice 2"));
        Exception e = assertThrows(IllegalArgumentException.class, () -> run("evtchn:inject alice 9"));
        assertTrue(e.getMessage().startsWith("evtchn:inject: port 9 of domain 1 "), e.getMessage());
    }

    @Test
    void pingCountMustBeANumber() {
        Exception e = assertThrows(IllegalArgumentException.class, () -> run("guest:ping --count lots 0 0"));
        assertEquals("guest:ping: --count 'lots' is not a number", e.getMessage());
    }

    @Test
    void pauseShutdownAndRebootFromTheShell() throws Exception {
        run("xl:create name=carol");
        run("guest:start carol --abi 2l");
        assertEquals("paused domain 1 (carol)", run("xl:pause carol"));
        assertTrue(run("xl:list").contains("paused"));
        assertEquals("unpaused domain 1 (carol)", run("xl:unpause carol"));
        assertEquals("rebooted carol: domain 1 -> 2, guest on 2l", run("xl:reboot carol"));
        assertEquals("shut down domain 2 (carol)", run("xl:shutdown carol"));
        String row = run("xl:list").split("\n")[2];
        assertTrue(row.startsWith("carol") && row.contains("shutdown"), row);
    }

    @Test
    void createFromAnXlCfgFileAndItsDryRun(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path cfg = dir.resolve("dora.cfg");
        java.nio.file.Files.writeString(cfg, "name = \"dora\"\nvcpus = 2\nmax_grant_version = 1\n"
                + "abi_permit = [ \"evtchn-fifo\" ]\n");
        String json = run("xl:create --dry-run " + cfg);
        assertTrue(json.contains("\"names\" : [ \"evtchn-fifo\" ]"), json);
        assertTrue(json.contains("\"bitmap\" : \"0x1\""), json);
        assertEquals(2, run("xl:list").split("\n").length, "a dry run creates nothing");
        assertEquals("created domain 1 (dora)", run("xl:create " + cfg + " memory=64"));
        String row = run("xl:list").split("\n")[2];
        assertTrue(row.matches("dora\\s+1\\s+2\\s+64\\s+.*evtchn-fifo"), row);
    }

    @Test
    void saveAndRestoreKeepTheBitmapAndTheGuestsTraffic(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        run("xl:create name=erin");
        run("xl:create name=fred");
        run("guest:start erin");
        run("guest:start fred");
        java.nio.file.Path image = dir.resolve("erin.save");
        assertEquals("saved domain 1 (erin) to " + image, run("xl:save erin " + image));
        assertEquals(3, run("xl:list").split("\n").length, "xl save destroys the domain");
        assertEquals("restored erin as domain 3, guest resumed on 2l", run("xl:restore " + image));
        assertTrue(run("guest:ping erin fred --count 50").contains("round-trips=50 lost=0"));
        assertTrue(run("xl:list").contains("erin"));
    }

    @Test
    void aBackgroundPingIsJoinedLater() throws Exception {
        run("xl:create name=gina");
        run("xl:create name=hank");
        run("guest:start gina");
        run("guest:start hank");
        assertTrue(run("guest:ping gina hank --count 200 --background").contains("running in the background"));
        assertTrue(run("guest:join").contains("round-trips=200 lost=0"));
        assertEquals("no background ping", run("guest:join"));
    }
}
