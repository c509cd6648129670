package io.xenabi.domain.impl;

import static io.xenabi.abi.XenErrno.EINVAL;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.xenabi.abi.MemoryOp;
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

    @Test
    void addToPhysmapOfASharedFrameAtAnIndexWithTheTopBitSetIsEinvalNotFrameZero() {
        assertEquals(-EINVAL, guest.addToPhysmap(Long.MIN_VALUE, 300));
        assertEquals(-EINVAL, guest.addToPhysmap(Long.MIN_VALUE | MemoryOp.XENMAPIDX_grant_table_status, 300));
        assertEquals(0, hv.internalErrors.get());
    }
}
