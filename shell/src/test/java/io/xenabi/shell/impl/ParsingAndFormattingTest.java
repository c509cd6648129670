package io.xenabi.shell.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.abi.AbiCapability;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainInfo;
import io.xenabi.domain.DomainState;
import io.xenabi.domain.PortInfo;
import io.xenabi.evtchn.EvtchnOp;
import io.xenabi.guest.AbiMode;
import io.xenabi.guest.EvtchnAbi;
import io.xenabi.guest.GuestStats;
import io.xenabi.guest.PingResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure parts of the commands: argument parsing and table/line formatting. */
class ParsingAndFormattingTest {
    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void createTakesXlKeysAndDefaults() {
        DomainConfig c = CreateArgs.parse("name=alice", "vcpus=4", "memory=256", "max_event_channels=2047");
        assertEquals(new DomainConfig("alice", 4, 256, 2047, AbiCapability.ALL), c);
        assertEquals(DomainConfig.named("bob"), CreateArgs.parse("name=bob"));
    }

    @Test
    void createAcceptsXlCfgQuoting() {
        assertTrue(CreateArgs.parse("name=n", "native=1").nativeGuest(), "xl:create ... native=1");
        assertTrue(CreateArgs.parse("name=n", "native_guest=yes").nativeGuest());
        assertFalse(CreateArgs.parse("name=n").nativeGuest());
        assertEquals("alice", CreateArgs.parse("name=\"alice\"").name());
        assertEquals("bob", CreateArgs.parse("name='bob'").name());
    }

    @Test
    void createNamesAnUnknownKey() {
        assertEquals("xl:create: unknown key 'colour'", message(() -> CreateArgs.parse("name=a", "colour=red")));
    }

    @Test
    void createNamesABadNumber() {
        assertEquals("xl:create: vcpus 'two' is not a number", message(() -> CreateArgs.parse("name=a", "vcpus=two")));
        assertEquals("xl:create: memory -5 is negative", message(() -> CreateArgs.parse("name=a", "memory=-5")));
    }

    @Test
    void createRefusesMissingNameBareWordsAndRepeats() {
        assertEquals("xl:create: name=NAME is required", message(() -> CreateArgs.parse("vcpus=2")));
        assertEquals("xl:create: name=NAME is required", message(() -> CreateArgs.parse()));
        assertEquals("xl:create: 'alice' is not key=value", message(() -> CreateArgs.parse("alice")));
        assertEquals("xl:create: key 'vcpus' given twice", message(() -> CreateArgs.parse("name=a", "vcpus=1",
                "vcpus=2")));
    }

    @Test
    void abiOptionIsAutoOr2l() {
        assertEquals(AbiMode.AUTO, GuestCommands.parseAbi("auto"));
        assertEquals(AbiMode.TWO_LEVEL, GuestCommands.parseAbi("2L"));
        assertEquals("guest:start: --abi must be auto or 2l, not 'fifo3'",
                message(() -> GuestCommands.parseAbi("fifo3")));
    }

    @Test
    void numbersAreCheckedWithTheirName() {
        assertEquals(42, Arguments.nonNegativeInt("guest:ping", "--count", "42"));
        assertEquals(255, Arguments.number("x", "y", "0xff"));
        assertEquals("guest:ping: --count 'many' is not a number",
                message(() -> Arguments.nonNegativeInt("guest:ping", "--count", "many")));
        assertEquals("guest:ping: --count 3000000000 is too large",
                message(() -> Arguments.nonNegativeInt("guest:ping", "--count", "3000000000")));
    }

    @Test
    void tableAlignsTextLeftAndNumbersRight() {
        String t = new Table("Name", ">ID").row("Domain-0", 0).row("a", 12).toString();
        assertEquals("Name      ID\nDomain-0   0\na         12", t);
    }

    @Test
    void xlListHasOneRowPerDomainWithTheAbiAndPermitColumns() {
        DomainInfo dom0 = new DomainInfo(0, new DomainConfig("Domain-0", 1, 64, 1023, 0), DomainState.RUNNING, "2l",
                0, -1);
        DomainInfo alice = new DomainInfo(7, DomainConfig.named("alice").withVcpus(2), DomainState.PAUSED, "fifo", 3,
                -1, io.xenabi.abi.AbiCapability.mask(0), 2,
                List.of(new io.xenabi.abi.AbiVariant("evtchn", "fifo", 0)), false);
        String[] lines = XlCommands.listTable(List.of(dom0, alice), List.of()).split("\n");
        assertEquals(3, lines.length);
        assertEquals(List.of("Name", "ID", "vCPUs", "Mem(MiB)", "EvtchnABI", "Gnttab", "Ports", "State", "Permit"),
                List.of(lines[0].trim().split("\\s+")));
        assertEquals(List.of("Domain-0", "0", "1", "64", "2l", "v1", "0", "running", "-"),
                List.of(lines[1].trim().split("\\s+")));
        assertEquals(List.of("alice", "7", "2", "128", "fifo", "v2", "3", "paused", "evtchn-fifo"),
                List.of(lines[2].trim().split("\\s+")));
    }

    @Test
    void evtchnListShowsTheRemoteEndAndFlags() {
        PortInfo inter = new PortInfo(3, EvtchnOp.EVTCHNSTAT_interdomain, 0, 2, 4, -1, -1, 7, true, false, "");
        PortInfo virq = new PortInfo(5, EvtchnOp.EVTCHNSTAT_virq, 1, -1, -1, 0, -1, 7, false, true, "sel=0");
        String[] lines = EvtchnCommands.portTable(List.of(inter, virq)).split("\n");
        assertEquals(3, lines.length);
        assertEquals(List.of("3", "interdomain", "dom", "2", "port", "4", "0", "7", "yes", "no", "-"),
                List.of(lines[1].trim().split("\\s+")));
        assertEquals(List.of("5", "virq", "virq", "0", "1", "7", "no", "yes", "sel=0"),
                List.of(lines[2].trim().split("\\s+")));
    }

    @Test
    void pingIsOneLineWithRoundTripsLostAndMean() {
        PingResult r = new PingResult(1, 2, 1000, 998, 2, 12.345, 3, 4);
        assertEquals("ping alice(1) -> bob(2): round-trips=998 lost=2 mean=12.3us ports=3->4",
                GuestCommands.pingLine("alice", "bob", r));
    }

    @Test
    void startSaysWhyFifoWasRefused() {
        assertEquals("guest a (domain 3) started on fifo", GuestCommands.startedLine("a", 3, "fifo", ""));
        assertEquals("guest a (domain 3) started on 2l (FIFO refused: EVTCHNOP_init_control(vcpu 0): -EOPNOTSUPP)",
                GuestCommands.startedLine("a", 3, "2l", "EVTCHNOP_init_control(vcpu 0): -EOPNOTSUPP"));
    }

    @Test
    void statsListPortsInOrder() {
        GuestStats s = new GuestStats(3, EvtchnAbi.FIFO, "", 10, 1, 12, 0, Map.of(12, 2L, 3, 10L));
        assertEquals("guest a (domain 3): abi fifo\nupcalls 10 (spurious 1), events 12 (spurious 0)\n"
                + "Port  Events\n   3      10\n  12       2", GuestCommands.statsText("a", s));
    }

    @Test
    void grantEntriesAreListedWithTheirFlagsAndAccess() {
        String t = GnttabCommands.grantTable(java.util.List.of(
                new io.xenabi.domain.GrantInfo(8, 1 | 4, 2, 0x1f0, 1, 0, 0),
                new io.xenabi.domain.GrantInfo(9, 1 | 0x100, 3, 0x20, 2, 1, 0x8 | 0x10)));
        String[] lines = t.split("\n");
        assertEquals(3, lines.length, t);
        assertTrue(lines[1].matches("\\s*8\\s+permit_access,readonly\\s+2\\s+0x1f0\\s+1\\s+0\\s+--"), lines[1]);
        assertTrue(lines[2].matches("\\s*9\\s+permit_access,sub_page\\s+3\\s+0x20\\s+2\\s+1\\s+rw"), lines[2]);
        assertEquals("transitive", GnttabCommands.flags(3));
    }

    @Test
    void theShareLineHoldsWhatTheIssueAsksFor() {
        String line = GuestCommands.shareLine("front", "back", new io.xenabi.guest.ShareResult(1, 2, 2,
                io.xenabi.guest.ShareMode.COPY, 16, 15, 1, ""));
        assertEquals("share front(1) -> back(2): version=2 mode=copy shared=16 verified=15 failed=1", line);
    }

    @Test
    void abiListShowsBitsBundlesUsersAndRefusals() {
        String out = AbiCommands.variantTable(List.of(
                new io.xenabi.domain.VariantInfo(new io.xenabi.abi.AbiVariant("evtchn", "2l", -1), 3, "0.1.0", List.of(0),
                        "active"),
                new io.xenabi.domain.VariantInfo(new io.xenabi.abi.AbiVariant("evtchn", "fifo", 0), 5, "0.1.0",
                        List.of(1, 4), "active")), List.of("variant gnttab-v9 refused: capability bit 0 is owned by evtchn-fifo"));
        String[] lines = out.split("\n");
        assertEquals(List.of("evtchn", "2l", "base", "3", "0.1.0", "active", "0"), List.of(lines[1].trim().split("\\s+")));
        assertEquals(List.of("evtchn", "fifo", "0", "5", "0.1.0", "active", "1,4"),
                List.of(lines[2].trim().split("\\s+")));
        assertEquals("refused: variant gnttab-v9 refused: capability bit 0 is owned by evtchn-fifo", lines[3]);
    }
}
