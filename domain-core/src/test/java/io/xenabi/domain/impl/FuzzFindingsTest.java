package io.xenabi.domain.impl;

import static io.xenabi.abi.XenErrno.EINVAL;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.xenabi.abi.MemoryOp;
import io.xenabi.domain.impl.gnttab.Grants;
import io.xenabi.domain.DomainConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Counterexamples the hypercall fuzzer ({@link DoorFuzzTest}) found, shrunk and kept as plain
 * tests: each failed before its fix.
 */
class FuzzFindingsTest {
    private HypervisorImpl hv;
    private GrantGuest guest;

    @BeforeEach
    void setUp() {
        hv = TestHypervisors.all();
        guest = new GrantGuest(hv, hv.create(DomainConfig.named("guest")));
    }

    /** Shrunk from "d0 ADD_TO_PHYSMAP idx=-1": idx is unsigned in Xen, so -1 is far beyond the table. */
    @Test
    void addToPhysmapOfAStatusFrameAtAnIndexWithTheTopBitsSetIsEinval() {
        assertEquals(-EINVAL, guest.addToPhysmap(-1L, 300));
        assertEquals(0, hv.internalErrors.get());
    }

    /**
     * A fuzz finding, then the source: an index with the top bits set once crashed inside xenabi.
     * Xen 4.17's frame lookups take the index as an unsigned int after the status bit is looked
     * at (gnttab_get_shared_frame_mfn), so on x86 such an index is its lower half: 1 << 32 and
     * Long.MIN_VALUE map shared frame 0 with rc 0; with bit 31 set under v1 it is shared frame
     * 0x80000000, beyond the table.
     */
    @Test
    void addToPhysmapDropsTheUpperHalfOfAGrantFrameIndexAsXensUnsignedInt() {
        assertEquals(0, guest.addToPhysmap(Long.MIN_VALUE, 300));
        assertEquals(0, guest.addToPhysmap(1L << 32, 301));
        assertEquals(-EINVAL, guest.addToPhysmap(Long.MIN_VALUE | MemoryOp.XENMAPIDX_grant_table_status, 302));
        assertEquals(301, Grants.of(hv.parts().table().get(guest.domid)).sharedGfn[0], "frame 0 moved to 301");
        assertEquals(0, hv.internalErrors.get());
    }
}
