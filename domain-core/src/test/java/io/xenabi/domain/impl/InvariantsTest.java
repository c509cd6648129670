package io.xenabi.domain.impl;

import static io.xenabi.gnttab.GnttabStatus.GNTST_okay;
import static io.xenabi.gnttab.GrantFlags.GNTMAP_host_map;
import static io.xenabi.gnttab.GrantFlags.GTF_permit_access;
import static io.xenabi.gnttab.GrantFlags.GTF_transitive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.domain.DomainConfig;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import io.xenabi.domain.impl.domains.Domain;
import io.xenabi.domain.impl.gnttab.Grants;

/** The fuzzer's invariant checker notices each kind of breakage it is meant to catch. */
class InvariantsTest {
    private HypervisorImpl hv;
    private Guest alice;
    private Guest bob;
    private long alicePort;

    @BeforeEach
    void boot() {
        hv = TestHypervisors.all();
        alice = new Guest(hv, hv.create(DomainConfig.named("alice")));
        bob = new Guest(hv, hv.create(DomainConfig.named("bob")));
        alicePort = alice.allocUnbound(bob.domid);
        assertTrue(bob.bindInterdomain(alice.domid, alicePort) > 0);
    }

    private Domain domain(int domid) {
        return hv.parts().table().byAnyId(null, domid);
    }

    @Test
    void aHealthyHypervisorPasses() {
        Invariants.check(hv);
    }

    @Test
    void aChannelEndPointingElsewhereIsCaught() {
        domain(alice.domid).port((int) alicePort).remotePort = 7;
        assertThrows(AssertionError.class, () -> Invariants.check(hv));
    }

    @Test
    void aPortCountOffByOneIsCaught() {
        domain(alice.domid).activePorts.incrementAndGet();
        assertThrows(AssertionError.class, () -> Invariants.check(hv));
    }

    @Test
    void aPinWithoutAMappingIsCaught() {
        GrantGuest a = new GrantGuest(hv, alice.domid);
        GrantGuest b = new GrantGuest(hv, bob.domid);
        a.mapFrames(1);
        a.grant(8, bob.domid, 50, GTF_permit_access);
        assertEquals(GNTST_okay, b.map(alice.domid, 8, GNTMAP_host_map, GrantGuest.addr(400)));
        Invariants.check(hv);
        Grants.of(domain(alice.domid)).active(8).pin += Grants.GNTPIN_hstr_inc;
        assertThrows(AssertionError.class, () -> Invariants.check(hv));
    }

    @Test
    void aMappingOfATransitiveGrantIsCaughtAsAFrameNobodyGranted() {
        GrantGuest a = new GrantGuest(hv, alice.domid);
        GrantGuest b = new GrantGuest(hv, bob.domid);
        a.mapFrames(1);
        a.grant(8, bob.domid, 50, GTF_permit_access);
        assertEquals(GNTST_okay, b.map(alice.domid, 8, GNTMAP_host_map, GrantGuest.addr(400)));
        Invariants.check(hv);
        Grants.of(domain(alice.domid)).active(8).transitive = true; // what G1's racing map leaves
        Invariants.Broken e = assertThrows(Invariants.Broken.class, () -> Invariants.check(hv));
        assertEquals("granted-frame", e.invariant);
        assertEquals("transitive", e.tag);
    }

    @Test
    void aPinLeftOnTheGrantATransitiveOneNamesIsALeakedPinSaidSo() {
        GrantGuest a = new GrantGuest(hv, alice.domid);
        GrantGuest c = new GrantGuest(hv, hv.create(DomainConfig.named("carol")));
        a.mapFrames(1);
        assertEquals(0, c.setVersion(2));
        c.mapFrames(1);
        a.grant(8, c.domid, 50, GTF_permit_access);
        c.grantV2(20, bob.domid, GTF_transitive, alice.domid, 0, 8); // carol passes alice's ref 8 to bob
        Invariants.check(hv);
        Grants.of(domain(alice.domid)).active(8).pin += Grants.GNTPIN_hstr_inc; // G1's leftover after the unmap
        Invariants.Broken e = assertThrows(Invariants.Broken.class, () -> Invariants.check(hv));
        assertEquals("leaked-pin", e.invariant);
        assertEquals("transitive-target", e.tag);
        assertTrue(e.getMessage().contains("named by d" + c.domid + " ref 20"), e.getMessage());
    }

    @Test
    void aChangeToAnUntouchableDomainIsADifference() {
        Guest eve = new Guest(hv, hv.create(DomainConfig.named("eve")));
        Map<Integer, Invariants.Rights> rights = Invariants.rightsOf(hv, eve.domid);
        Invariants.Rights overAlice = rights.get(alice.domid);
        assertTrue(overAlice.ports().isEmpty() && overAlice.refs().isEmpty());
        var before = Invariants.snapshot(hv, alice.domid, overAlice, Set.of());
        assertNull(Invariants.difference(before, Invariants.snapshot(hv, alice.domid, overAlice, Set.of())));
        alice.mem.write32(10 * 4096, 1);
        assertNotNull(Invariants.difference(before, Invariants.snapshot(hv, alice.domid, overAlice, Set.of())));
    }

    @Test
    void aPeerPortIsARightOfTheOtherEnd() {
        Invariants.Rights bobOverAlice = Invariants.rightsOf(hv, bob.domid).get(alice.domid);
        assertEquals(Set.of((int) alicePort), bobOverAlice.ports());
        assertTrue(bobOverAlice.eventDelivery());
    }

    @Test
    void aPortOpenedInAnotherDomainByAnUnprivilegedCallerIsCaught() {
        var before = Invariants.openPorts(hv);
        long p = new Guest(hv, 0).allocUnbound(alice.domid, bob.domid);
        assertTrue(p > 0);
        var after = Invariants.openPorts(hv);
        Invariants.newPortsAreTheCallers(before, after, 0, true); // Domain-0 may
        assertThrows(AssertionError.class, () -> Invariants.newPortsAreTheCallers(before, after, bob.domid, false));
    }
}
