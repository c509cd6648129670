package io.xenabi.toolstack.impl;

import io.xenabi.domain.testkit.TestHosts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainInfo;
import io.xenabi.domain.DomainState;
import io.xenabi.domain.impl.HypervisorImpl;
import io.xenabi.guest.AbiMode;
import io.xenabi.guest.impl.GuestsImpl;
import io.xenabi.toolstack.Rebooted;
import io.xenabi.toolstack.RestoredDomain;
import io.xenabi.toolstack.Toolstack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The xl verbs on the real hypervisor with both event-channel ABIs and real guest kernels. */
class ToolstackImplTest {
    private HypervisorImpl hv;
    private GuestsImpl guests;
    private ToolstackImpl toolstack;

    @BeforeEach
    void setUp() {
        hv = TestHosts.of("evtchn-2l", "evtchn-fifo");
        guests = new GuestsImpl(hv);
        toolstack = new ToolstackImpl(hv, guests);
    }

    @AfterEach
    void tearDown() {
        for (var k : guests.kernels()) {
            guests.stop(k.domid());
        }
    }

    @Test
    void shutdownStopsTheGuestFirstAndKeepsTheDomain() {
        int d = toolstack.create(DomainConfig.named("alice"));
        guests.start(d, AbiMode.AUTO);
        toolstack.shutdown(d);
        assertFalse(guests.kernel(d).isPresent(), "the guest kernel stopped");
        assertEquals(DomainState.SHUTDOWN, hv.info(d).orElseThrow().state());
    }

    @Test
    void rebootCreatesTheDomainAgainAndBootsItsGuestInTheSameMode() {
        int d = toolstack.create(DomainConfig.named("bob").withVcpus(2));
        guests.start(d, AbiMode.TWO_LEVEL);
        Rebooted r = toolstack.reboot(d);
        assertEquals(new Rebooted("bob", d, r.after(), "2l"), r);
        assertTrue(r.after() != d);
        assertTrue(hv.info(d).isEmpty(), "the old domain is gone");
        assertEquals(2, hv.info(r.after()).orElseThrow().config().vcpus());
        assertEquals(AbiMode.TWO_LEVEL, guests.kernel(r.after()).orElseThrow().mode());
    }

    @Test
    void rebootWithoutAGuestBootsNone() {
        int d = toolstack.create(DomainConfig.named("carl"));
        Rebooted r = toolstack.reboot(d);
        assertEquals("", r.guestAbi());
        assertTrue(guests.kernel(r.after()).isEmpty());
    }

    @Test
    void saveSuspendsTheGuestAndRestoreResumesIt(@TempDir Path dir) {
        int d = toolstack.create(DomainConfig.named("dora"));
        guests.start(d, AbiMode.AUTO);
        Path image = dir.resolve("dora.save");
        toolstack.save(d, image);
        assertTrue(hv.info(d).isEmpty(), "xl save destroys the domain");
        assertTrue(Files.exists(image));
        RestoredDomain r = toolstack.restore(image);
        assertEquals("dora", r.name());
        assertEquals("fifo", r.guestAbi());
        assertEquals(AbiMode.AUTO, guests.kernel(r.domid()).orElseThrow().mode());
    }

    @Test
    void restoreResumesTheGuestOnTheAbiItWasUsingInsteadOfProbingAgain(@TempDir Path dir) {
        // A guest that boots with AUTO on a host where FIFO is permitted probes FIFO; one saved
        // while on 2-level (as on an older host) must come back on 2-level, never be booted anew.
        int d = toolstack.create(DomainConfig.named("hana"));
        guests.start(d, AbiMode.TWO_LEVEL);
        guests.suspend(d);
        Path image = dir.resolve("hana.save");
        hv.save(d, image, Map.of(Toolstack.GUEST_MODE, "AUTO", Toolstack.GUEST_ABI, "TWO_LEVEL"));
        RestoredDomain r = toolstack.restore(image);
        assertEquals("2l", r.guestAbi());
        assertEquals("2l", hv.info(r.domid()).orElseThrow().evtchnAbi());
        assertEquals(AbiMode.AUTO, guests.kernel(r.domid()).orElseThrow().mode());
    }

    @Test
    void aBadDestinationIsRefusedWhileTheGuestStillRuns(@TempDir Path dir) {
        int d = toolstack.create(DomainConfig.named("erin"));
        guests.start(d, AbiMode.AUTO);
        Exception e = assertThrows(IllegalArgumentException.class, () -> toolstack.save(d, dir));
        assertEquals("xl:save: " + dir + " is a directory", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> toolstack.save(d, dir.resolve("no/x.save")));
        assertTrue(e.getMessage().startsWith("xl:save: cannot write "), e.getMessage());
        assertTrue(guests.kernel(d).isPresent(), "the guest was not suspended");
        assertEquals(DomainState.RUNNING, hv.info(d).orElseThrow().state());
    }

    @Test
    void aGuestThatCannotResumeIsRolledBack(@TempDir Path dir) {
        int d = hv.create(DomainConfig.named("fred"));
        Path image = dir.resolve("fred.save");
        hv.save(d, image, Map.of(Toolstack.GUEST_MODE, "BOGUS"));
        List<String> before = hv.list().stream().map(DomainInfo::name).toList();
        Exception e = assertThrows(IllegalArgumentException.class, () -> toolstack.restore(image));
        assertEquals("xl:restore: the guest could not resume (the image names an unknown guest mode or ABI); the restored"
                + " domain was destroyed", e.getMessage());
        assertEquals(before, hv.list().stream().map(DomainInfo::name).toList());
    }

    @Test
    void theJsonNamesRealVariantsOnly() {
        // No abi_permit: every bit; only the advanced variant present (FIFO) is named, no bitN.
        String dry = toolstack.configJson(hv.defaults("gina"));
        assertTrue(dry.contains("\"names\" : [ \"evtchn-fifo\" ]"), dry);
        int d = toolstack.create(DomainConfig.named("gina").withAbiPermit(0));
        String json = toolstack.listJson(d);
        assertTrue(json.startsWith("[ {") && json.contains("\"domid\" : " + d) && json.contains("\"names\" : [ ]"),
                json);
        assertFalse(toolstack.listJson(-1).matches("(?s).*\\bbit[0-9]+.*"));
    }
}
