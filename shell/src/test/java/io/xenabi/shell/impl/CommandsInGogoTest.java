package io.xenabi.shell.impl;

import io.xenabi.domain.testkit.TestHosts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.domain.DomainException;
import io.xenabi.domain.impl.HypervisorImpl;
import io.xenabi.guest.impl.GuestsImpl;
import io.xenabi.toolstack.impl.ToolstackImpl;
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
    private HypervisorImpl hv;
    private GuestsImpl guests;
    private CommandSession session;

    @BeforeEach
    void setUp() {
        hv = TestHosts.of("evtchn-2l");
        guests = new GuestsImpl(hv);
        threadIo = new ThreadIOImpl();
        threadIo.start();
        CommandProcessorImpl processor = new CommandProcessorImpl(threadIo);
        register(processor, "xl", new XlCommands(hv, new ToolstackImpl(hv, guests)), "create", "list", "info",
                "destroy", "pause", "unpause", "shutdown", "reboot", "save", "restore");
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
        // Only evtchn-2l is present: the fixed permit set holds no advanced variant.
        assertEquals(java.util.List.of("alice", "1", "2", "64", "2l", "-", "0", "running", "-"),
                java.util.List.of(rows[2].trim().split("\\s+")));
        assertEquals("destroyed domain 1 (alice)", run("xl:destroy alice"));
        assertEquals(2, run("xl:list").split("\n").length);
    }

    @Test
    void listLongPrintsEachDomainsConfigurationAsJson() throws Exception {
        run("xl:create name=alice vcpus=2");
        String all = run("xl:list -l");
        java.util.List<String> names = new java.util.ArrayList<>();
        try (var p = new com.fasterxml.jackson.core.JsonFactory().createParser(all)) {
            for (var t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t == com.fasterxml.jackson.core.JsonToken.FIELD_NAME && p.currentName().equals("name")) {
                    p.nextToken();
                    names.add(p.getText());
                }
            }
        }
        assertEquals(java.util.List.of("Domain-0", "alice"), names, all);
        String one = run("xl:list --long alice");
        assertTrue(one.contains("\"domid\" : 1") && one.contains("\"vcpus\" : 2") && !one.contains("Domain-0"), one);
        assertTrue(one.contains("\"abi_permit\" : {"), one);
        String[] rows = run("xl:list alice").split("\n");
        assertEquals(2, rows.length);
        assertTrue(rows[1].startsWith("alice"), rows[1]);
        Exception e = assertThrows(IllegalArgumentException.class, () -> run("xl:list alice bob"));
        assertEquals("xl:list: give at most one domain, not 2", e.getMessage());
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
        assertTrue(row.matches("dora\\s+1\\s+2\\s+64\\s+.*running\\s+-"), "FIFO is not on this host: " + row);
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

    /**
     * Each bad command line (missing arguments, wrong types, unknown domains, bad options, bad
     * files) fails with one line naming the cause, and the running domain and its guest are as
     * they were.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "xl:create                                   | xl:create: name=NAME is required",
        "xl:create vcpus=2                           | xl:create: name=NAME is required",
        "xl:create name=x vcpus=two                  | xl:create: vcpus 'two' is not a number",
        "xl:create name=x vcpus=-1                   | xl:create: vcpus -1 is negative",
        "xl:create name=x vcpus=99                   | vcpus=99 is outside 1..32",
        "xl:create name=x memory=0x                  | xl:create: memory '0x' is not a number",
        "xl:create name=x colour=red                 | xl:create: unknown key 'colour'",
        "xl:create name=x name=y                     | xl:create: key 'name' given twice",
        "xl:create name=x type=xen                   | xl:create: type 'xen' is not pv, pvh or hvm",
        "xl:create name=x xen_extensions=maybe       | xl:create: xen_extensions 'maybe' is not a boolean",
        "xl:create name=bad/name                     | invalid domain name 'bad/name': use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit",
        "xl:create name=keeper                       | a domain named 'keeper' already exists (domid 1)",
        "xl:create /nonexistent/x.cfg                | cannot read /nonexistent/x.cfg: no such file",
        "xl:create --bogus name=x                    | xl:create: unknown option '--bogus' (see 'help xl:create')",
        "xl:destroy                                  | Cannot coerce destroy(",
        "xl:destroy nobody                           | no domain named 'nobody'",
        "xl:destroy 999                              | no domain with id 999",
        "xl:destroy 99999999999999999999             | no domain with id 99999999999999999999",
        "xl:pause nobody                             | no domain named 'nobody'",
        "xl:unpause nobody                           | no domain named 'nobody'",
        "xl:shutdown nobody                          | no domain named 'nobody'",
        "xl:reboot nobody                            | no domain named 'nobody'",
        "xl:info nobody                              | no domain named 'nobody'",
        "xl:list nobody                              | no domain named 'nobody'",
        "xl:list -l nobody                           | no domain named 'nobody'",
        "xl:list -x                                  | xl:list: unknown option '-x' (see 'help xl:list')",
        "xl:destroy --force                          | xl:destroy: unknown option '--force' (see 'help xl:destroy')",
        "xl:restore -x                               | xl:restore: unknown option '-x' (see 'help xl:restore')",
        "guest:ping keeper --nope                    | guest:ping: unknown option '--nope' (see 'help guest:ping')",
        "evtchn:list -a                              | evtchn:list: unknown option '-a' (see 'help evtchn:list')",
        "xl:save keeper                              | Cannot coerce save(",
        "xl:save nobody /tmp/n.save                  | no domain named 'nobody'",
        "xl:save keeper /nonexistent/k.save          | xl:save: cannot write /nonexistent/k.save: no directory /nonexistent",
        "xl:save keeper /tmp                         | xl:save: /tmp is a directory",
        "xl:save 0 /tmp/dom0.save                    | Domain-0 cannot be saved",
        "xl:restore                                  | Cannot coerce restore(",
        "xl:restore /nonexistent.save                | cannot read the image /nonexistent.save: no such file",
        "xl:restore /tmp                             | tmp is not a xenabi save image (not a regular file)",
        "evtchn:list                                 | Cannot coerce list(",
        "evtchn:list nobody                          | no domain named 'nobody'",
        "evtchn:inject keeper                        | Cannot coerce inject(",
        "evtchn:inject keeper x                      | evtchn:inject: port 'x' is not a number",
        "evtchn:inject keeper -1                     | evtchn:inject: port -1 is negative",
        "evtchn:inject keeper 99999999999            | evtchn:inject: port 99999999999 is too large",
        "evtchn:inject keeper 4000                   | evtchn:inject: port 4000 of domain 1 is not a valid port (-EINVAL)",
        "guest:start                                 | Cannot coerce start(",
        "guest:start nobody                          | no domain named 'nobody'",
        "guest:start --abi lifo keeper               | guest:start: --abi must be auto or 2l, not 'lifo'",
        "guest:start --bogus keeper                  | Cannot coerce start(",
        "guest:start keeper                          | a guest kernel already runs in domain 1 (keeper)",
        "guest:stop nobody                           | no domain named 'nobody'",
        "guest:stats nobody                          | no domain named 'nobody'",
        "guest:ping keeper                           | Cannot coerce ping(",
        "guest:ping --count lots keeper keeper       | guest:ping: --count 'lots' is not a number",
        "guest:ping keeper nobody                    | no domain named 'nobody'",
    })
    void aBadCommandIsOneLineAndChangesNothing(String line, String cause) throws Exception {
        run("xl:create name=keeper vcpus=2");
        run("guest:start keeper");
        java.util.List<io.xenabi.domain.DomainInfo> before = hv.list();
        java.util.List<io.xenabi.domain.PortInfo> ports = hv.ports(1);
        Exception e = assertThrows(Exception.class, () -> run(line.strip()));
        String message = e.getMessage();
        assertTrue(message.chars().noneMatch(Character::isISOControl), message);
        assertTrue(message.startsWith(cause.strip()), message);
        assertEquals(before, hv.list(), "no domain created or changed");
        assertEquals(ports, hv.ports(1), "the guest's event channels as they were");
        assertTrue(guests.kernel(1).isPresent(), "the guest still runs");
    }

    @Test
    void aRestoredGuestThatCannotResumeLeavesNoDomainBehind(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        run("xl:create name=keeper");
        int ivy = hv.create(io.xenabi.domain.DomainConfig.named("ivy"));
        java.nio.file.Path image = dir.resolve("ivy.save");
        hv.save(ivy, image, Map.of(io.xenabi.toolstack.Toolstack.GUEST_MODE, "BOGUS"));
        java.util.List<io.xenabi.domain.DomainInfo> before = hv.list();
        Exception e = assertThrows(IllegalArgumentException.class, () -> run("xl:restore " + image));
        assertEquals("xl:restore: the guest could not resume (the image names an unknown guest mode or ABI); the restored"
                + " domain was destroyed", e.getMessage());
        assertEquals(before.stream().map(io.xenabi.domain.DomainInfo::name).toList(),
                hv.list().stream().map(io.xenabi.domain.DomainInfo::name).toList());
    }
}
