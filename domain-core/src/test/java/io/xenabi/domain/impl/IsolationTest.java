package io.xenabi.domain.impl;

import static io.xenabi.abi.XenErrno.EINVAL;
import static io.xenabi.abi.XenErrno.ENOSYS;
import static io.xenabi.abi.XenErrno.EPERM;
import static io.xenabi.abi.XenErrno.ESRCH;
import static io.xenabi.evtchn.EvtchnOp.EVTCHNSTAT_interdomain;
import static io.xenabi.evtchn.EvtchnOp.EVTCHNSTAT_unbound;
import static io.xenabi.gnttab.GnttabOp.*;
import static io.xenabi.gnttab.GnttabStatus.*;
import static io.xenabi.gnttab.GrantFlags.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.abi.DomId;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.MemoryOp;
import io.xenabi.abi.SchedOp;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainException;
import io.xenabi.domain.DomainState;
import io.xenabi.domain.PortInfo;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import io.xenabi.domain.impl.domains.Domain;

/**
 * What one domain cannot do to another through the hypercall door, with Xen's answers
 * (xen/common/event_channel.c, grant_table.c, sched/core.c, the dummy XSM policy): alice and bob
 * share a channel and grants, eve is an unprivileged third domain.
 */
class IsolationTest {
    static final long DATA_GFN = 50;  // the page alice grants
    static final long HOST_GFN = 400; // where a mapper puts it

    private HypervisorImpl hv;
    private Guest alice;
    private Guest bob;
    private Guest eve;
    private GrantGuest aliceGnt;
    private GrantGuest bobGnt;
    private GrantGuest eveGnt;
    private long alicePort;
    private long bobPort;

    @BeforeEach
    void boot() {
        hv = TestHypervisors.all();
        alice = new Guest(hv, hv.create(DomainConfig.named("alice")));
        bob = new Guest(hv, hv.create(DomainConfig.named("bob")));
        eve = new Guest(hv, hv.create(DomainConfig.named("eve")));
        for (Guest g : new Guest[] {alice, bob, eve}) {
            assertEquals(0, g.setUp(Guest.Abi.TWO_LEVEL, 1));
        }
        alicePort = alice.allocUnbound(bob.domid);
        bobPort = bob.bindInterdomain(alice.domid, alicePort);
        assertTrue(bobPort > 0);
        aliceGnt = new GrantGuest(hv, alice.domid);
        bobGnt = new GrantGuest(hv, bob.domid);
        eveGnt = new GrantGuest(hv, eve.domid);
        for (GrantGuest g : new GrantGuest[] {aliceGnt, bobGnt, eveGnt}) {
            g.mapFrames(1);
        }
    }

    private PortInfo port(Guest g, long port) {
        return hv.ports(g.domid).stream().filter(p -> p.port() == port).findFirst().orElseThrow();
    }

    private byte[] page(Guest g, long gfn) {
        byte[] b = new byte[4096];
        g.mem.read(gfn * 4096, b, 0, b.length);
        return b;
    }

    private byte[] fillAlicePage() {
        byte[] b = new byte[4096];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 7 + 1);
        }
        alice.mem.write(DATA_GFN * 4096, b, 0, b.length);
        return b;
    }

    /** alice grants her data page to bob read-only and bob maps it at HOST_GFN. */
    private void bobMapsAliceReadOnly() {
        aliceGnt.grant(8, bob.domid, DATA_GFN, GTF_permit_access | GTF_readonly);
        assertEquals(GNTST_okay, bobGnt.map(alice.domid, 8, GNTMAP_host_map | GNTMAP_readonly,
                GrantGuest.addr(HOST_GFN)));
    }

    // ------------------------------------------------------------ event channels

    @Test
    void aDomainCannotSendOnAnotherDomainsPort() {
        boolean bobWasPending = bob.pending(bobPort); // bind_interdomain sets the new port pending
        // A port number names a port of the caller's own table: eve's is free there.
        assertEquals(-EINVAL, eve.send(alicePort));
        assertEquals(-EINVAL, eve.send(bobPort));
        assertFalse(alice.pending(alicePort));
        assertEquals(bobWasPending, bob.pending(bobPort));
    }

    @Test
    void aDomainCannotCloseAnotherDomainsPort() {
        assertEquals(-EINVAL, eve.close(alicePort));
        assertEquals(EVTCHNSTAT_interdomain, port(alice, alicePort).status());
        assertEquals(EVTCHNSTAT_interdomain, port(bob, bobPort).status());
    }

    @Test
    void aDomainCannotUnmaskAnotherDomainsPort() {
        alice.mask(Guest.Abi.TWO_LEVEL, alicePort);
        // evtchn_unmask acts on eve's own port of that number (valid, free): 0, and alice's stays masked
        assertEquals(0, eve.unmask(alicePort));
        assertTrue(port(alice, alicePort).masked());
        assertEquals(-EINVAL, eve.unmask(1 << 16)); // beyond eve's table
    }

    @Test
    void aDomainCannotQueryAnotherDomainsPort() {
        assertEquals(-EPERM, eve.status(alice.domid, alicePort));
    }

    @Test
    void aDomainCannotBindAPortOfferedToAnother() {
        long offer = alice.allocUnbound(bob.domid);
        assertEquals(-EINVAL, eve.bindInterdomain(alice.domid, offer));
        assertEquals(EVTCHNSTAT_unbound, port(alice, offer).status());
        assertEquals(bob.domid, port(alice, offer).remoteDomain());
        assertTrue(bob.bindInterdomain(alice.domid, offer) > 0); // still there for bob
    }

    @Test
    void aDomainCannotAllocateAPortInAnotherDomain() {
        int before = hv.ports(alice.domid).size();
        assertEquals(-EPERM, eve.allocUnbound(alice.domid, eve.domid));
        assertEquals(before, hv.ports(alice.domid).size());
    }

    @Test
    void aDomainCannotResetAnotherDomainsChannels() {
        assertEquals(-EPERM, eve.reset(alice.domid, false));
        assertEquals(EVTCHNSTAT_interdomain, port(alice, alicePort).status());
    }

    // ------------------------------------------------------------ grants

    @Test
    void aDomainCannotMapAGrantAddressedToAnother() {
        aliceGnt.grant(8, bob.domid, DATA_GFN, GTF_permit_access);
        // _set_status: "Bad flags or dom" is GNTST_general_error
        assertEquals(GNTST_general_error, eveGnt.map(alice.domid, 8, GNTMAP_host_map, GrantGuest.addr(HOST_GFN)));
        assertEquals(0, aliceGnt.accessBits(8));
        assertEquals(GNTST_okay, bobGnt.map(alice.domid, 8, GNTMAP_host_map, GrantGuest.addr(HOST_GFN)));
    }

    @Test
    void aDomainCannotCopyFromAGrantAddressedToAnother() {
        aliceGnt.grant(8, bob.domid, DATA_GFN, GTF_permit_access);
        assertEquals(GNTST_general_error, eveGnt.copy(8, alice.domid, 0, 60, DomId.DOMID_SELF, 0, 64,
                GNTCOPY_source_gref));
    }

    @Test
    void aDomainCannotCopyAnotherDomainsFrameWithoutAGrant() {
        byte[] before = fillAlicePage();
        // gnttab_copy_lock_domain: only DOMID_SELF may be named by frame
        assertEquals(GNTST_permission_denied, eveGnt.copy(DATA_GFN, alice.domid, 0, 60, DomId.DOMID_SELF, 0, 64, 0));
        assertEquals(GNTST_permission_denied, eveGnt.copy(60, DomId.DOMID_SELF, 0, DATA_GFN, alice.domid, 0, 64, 0));
        assertArrayEquals(before, page(alice, DATA_GFN));
    }

    @Test
    void aDomainCannotMapAReadOnlyGrantWritable() {
        aliceGnt.grant(8, bob.domid, DATA_GFN, GTF_permit_access | GTF_readonly);
        // "Attempt to write-pin a r/o grant entry"
        assertEquals(GNTST_general_error, bobGnt.map(alice.domid, 8, GNTMAP_host_map, GrantGuest.addr(HOST_GFN)));
        assertEquals(0, aliceGnt.accessBits(8));
    }

    @Test
    void aDomainCannotCopyIntoAReadOnlyGrant() {
        byte[] before = fillAlicePage();
        aliceGnt.grant(8, bob.domid, DATA_GFN, GTF_permit_access | GTF_readonly);
        assertEquals(GNTST_general_error, bobGnt.copy(60, DomId.DOMID_SELF, 0, 8, alice.domid, 0, 64,
                GNTCOPY_dest_gref));
        assertArrayEquals(before, page(alice, DATA_GFN));
    }

    @Test
    void aGuestWriteToAReadOnlyMappingIsDiscarded() {
        byte[] before = fillAlicePage();
        bobMapsAliceReadOnly();
        bob.mem.write32(HOST_GFN * 4096, 0xDEAD);
        bob.mem.write(HOST_GFN * 4096 + 8, new byte[64], 0, 64);
        assertArrayEquals(before, page(alice, DATA_GFN));
        assertArrayEquals(before, page(bob, HOST_GFN)); // bob still reads alice's bytes
    }

    @Test
    void aHypercallCannotWriteItsResultThroughAReadOnlyMapping() {
        fillAlicePage();
        alice.mem.write16(DATA_GFN * 4096 + QUERY_DOM, DomId.DOMID_SELF);
        byte[] before = page(alice, DATA_GFN);
        bobMapsAliceReadOnly();
        // bob's query_size struct lies in alice's page: Xen discards the copy back (p2m_grant_map_ro)
        assertEquals(0, hv.hypercall(bob.domid, 0, Hypercall.__HYPERVISOR_grant_table_op, GNTTABOP_query_size,
                HOST_GFN * 4096, 1));
        assertArrayEquals(before, page(alice, DATA_GFN));
    }

    @Test
    void aDomainCannotCopyThroughAPageItOnlyMapped() {
        byte[] before = fillAlicePage();
        bobMapsAliceReadOnly();
        // get_paged_frame: the page is not bob's own
        assertEquals(GNTST_bad_page, bobGnt.copy(60, DomId.DOMID_SELF, 0, HOST_GFN, DomId.DOMID_SELF, 0, 64, 0));
        assertEquals(GNTST_bad_page, bobGnt.copy(HOST_GFN, DomId.DOMID_SELF, 0, 60, DomId.DOMID_SELF, 0, 64, 0));
        assertArrayEquals(before, page(alice, DATA_GFN));
    }

    @Test
    void aDomainCannotGrantOnAPageItOnlyMapped() {
        byte[] before = fillAlicePage();
        bobMapsAliceReadOnly();
        bobGnt.grant(9, eve.domid, HOST_GFN, GTF_permit_access);
        assertEquals(GNTST_bad_page, eveGnt.map(bob.domid, 9, GNTMAP_host_map, GrantGuest.addr(HOST_GFN)));
        assertEquals(GNTST_bad_page, eveGnt.copy(60, DomId.DOMID_SELF, 0, 9, bob.domid, 0, 64, GNTCOPY_dest_gref));
        assertArrayEquals(before, page(alice, DATA_GFN));
    }

    @Test
    void aDomainCannotPutItsFifoControlBlockOnAPageItOnlyMapped() {
        byte[] before = fillAlicePage();
        bobMapsAliceReadOnly();
        bob.mem.write64(Guest.arg(0) + io.xenabi.evtchn.EvtchnOp.INIT_CONTROL_CONTROL_GFN, HOST_GFN);
        bob.mem.write32(Guest.arg(0) + io.xenabi.evtchn.EvtchnOp.INIT_CONTROL_OFFSET, 0);
        bob.mem.write32(Guest.arg(0) + io.xenabi.evtchn.EvtchnOp.INIT_CONTROL_VCPU, 0);
        assertEquals(-EINVAL, bob.evtchn(0, io.xenabi.evtchn.EvtchnOp.EVTCHNOP_init_control));
        assertArrayEquals(before, page(alice, DATA_GFN));
    }

    @Test
    void aDomainCannotQueryOrSetUpAnotherDomainsGrantTable() {
        assertEquals(GNTST_permission_denied, eveGnt.querySize(alice.domid));
        assertEquals(GNTST_permission_denied, eveGnt.setupTable(alice.domid, 2));
        assertEquals(GNTST_permission_denied, eveGnt.getStatusFrames(alice.domid, 1));
        assertEquals(-EPERM, eveGnt.getVersion(alice.domid));
        assertEquals(GNTST_okay, aliceGnt.querySize(DomId.DOMID_SELF)); // setup_table grew nothing
        assertEquals(1, alice.mem.read32(GrantGuest.ARG + QUERY_NR_FRAMES));
    }

    @Test
    void aDomainCannotMapAnotherDomainsGrantFramesOrSharedInfo() {
        eve.mem.write16(GrantGuest.LIST + MemoryOp.ADD_TO_PHYSMAP_DOMID, alice.domid);
        eve.mem.write32(GrantGuest.LIST + MemoryOp.ADD_TO_PHYSMAP_SPACE, MemoryOp.XENMAPSPACE_grant_table);
        eve.mem.write64(GrantGuest.LIST + MemoryOp.ADD_TO_PHYSMAP_IDX, 0);
        eve.mem.write64(GrantGuest.LIST + MemoryOp.ADD_TO_PHYSMAP_GPFN, 300);
        assertEquals(-EPERM, hv.hypercall(eve.domid, 0, Hypercall.__HYPERVISOR_memory_op,
                MemoryOp.XENMEM_add_to_physmap, GrantGuest.LIST));
        eve.mem.write32(GrantGuest.LIST + MemoryOp.ADD_TO_PHYSMAP_SPACE, MemoryOp.XENMAPSPACE_shared_info);
        assertEquals(-EPERM, hv.hypercall(eve.domid, 0, Hypercall.__HYPERVISOR_memory_op,
                MemoryOp.XENMEM_add_to_physmap, GrantGuest.LIST));
    }

    // ------------------------------------------------------------ acting for another domain

    private long remoteShutdown(Guest from, int dom, int reason) {
        long s = Guest.arg(0) + 256;
        from.mem.write16(s, dom);
        from.mem.write32(s + 4, reason);
        return hv.hypercall(from.domid, 0, Hypercall.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_remote_shutdown, s);
    }

    @Test
    void anUnprivilegedDomainCannotShutAnotherDown() {
        assertEquals(-EPERM, remoteShutdown(eve, alice.domid, SchedOp.SHUTDOWN_poweroff));
        assertEquals(DomainState.RUNNING, hv.info(alice.domid).orElseThrow().state());
        assertEquals(-ESRCH, remoteShutdown(eve, DomId.DOMID_SELF, SchedOp.SHUTDOWN_poweroff));
    }

    @Test
    void theControlDomainShutsAnotherDown() {
        Guest dom0 = new Guest(hv, 0);
        assertEquals(0, remoteShutdown(dom0, alice.domid, SchedOp.SHUTDOWN_poweroff));
        assertEquals(DomainState.SHUTDOWN, hv.info(alice.domid).orElseThrow().state());
    }

    @Test
    void onlyTheControlDomainAllocatesAPortInAnotherDomain() {
        Guest dom0 = new Guest(hv, 0);
        long p = dom0.allocUnbound(alice.domid, bob.domid);
        assertTrue(p > 0);
        assertEquals(EVTCHNSTAT_unbound, port(alice, p).status());
        assertEquals(bob.domid, port(alice, p).remoteDomain());
    }

    @Test
    void theControlDomainResetsAnotherDomainOnlyWhilePaused() {
        Guest dom0 = new Guest(hv, 0);
        assertEquals(-EINVAL, dom0.reset(alice.domid, false)); // evtchn_reset: a running domain
        hv.pause(alice.domid);
        assertEquals(0, dom0.reset(alice.domid, false));
        hv.unpause(alice.domid);
        assertTrue(hv.ports(alice.domid).isEmpty());
        assertEquals(EVTCHNSTAT_unbound, port(bob, bobPort).status()); // bob's end is left unbound
    }

    @Test
    void noGuestHasADomctlToCreateOrPauseOthers() {
        // The door offers no __HYPERVISOR_domctl (36): domains are created, paused and destroyed
        // by the toolstack, which acts as Domain-0 and has no way in for a guest.
        assertEquals(-ENOSYS, hv.hypercall(eve.domid, 0, 36, 0, Guest.arg(0)));
        assertEquals(-ENOSYS, hv.hypercall(0, 0, 36, 0, Guest.arg(0)));
    }

    @Test
    void theToolstackRefusesToPauseOrDestroyDomain0() {
        assertThrows(DomainException.class, () -> hv.pause(0));
        assertThrows(DomainException.class, () -> hv.destroy(0));
    }
}
