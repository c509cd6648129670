package io.xenabi.itests;

import static org.junit.Assert.assertEquals;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.composite;

import io.xenabi.abi.AbiCapability;
import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.XenErrno;
import io.xenabi.domain.DomainConfig;
import io.xenabi.gnttab.GnttabOp;
import io.xenabi.abi.DomId;
import io.xenabi.abi.MemoryOp;
import io.xenabi.gnttab.GnttabStatus;
import io.xenabi.gnttab.GrantFlags;
import java.io.File;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The bitmap has no order: with a test-only bundle adding grant-table v3 (capability bit 2),
 * a domain permitted {v3} but not {v2} selects v3 and is refused v2, and the other way round,
 * with no change to domain-core or any other bundle.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class UnorderedCapabilityIT extends GuestDomains {
    private static final long ARG = 8L * 4096;

    @Override
    @Configuration
    public Option[] config() {
        File v3 = new File(System.getProperty("xenabi.bundle.gnttab-v3", ""));
        return new Option[] {composite(XenabiOptions.xenabi()), bundle(v3.toURI().toString())};
    }

    private long setVersion(int domid, int version) {
        GuestMemory m = hypervisor.memory(domid);
        m.write32(ARG + GnttabOp.SET_VERSION_VERSION, version);
        return hypervisor.hypercall(domid, 0, Hypercall.__HYPERVISOR_grant_table_op, GnttabOp.GNTTABOP_set_version,
                ARG, 1);
    }

    @Test
    public void theHypervisorSeesV3ByItsServicePropertiesAlone() {
        assertEquals(2, hypervisor.variants().stream().filter(v -> v.qualifiedName().equals("gnttab-v3"))
                .findFirst().orElseThrow().capability());
    }

    @Test
    public void permittedV3ButNotV2() {
        int d = domain(DomainConfig.named("only-v3").withAbiPermit(AbiCapability.mask(2)));
        assertEquals(-XenErrno.ENOSYS, setVersion(d, 2));
        assertEquals(1, hypervisor.grantVersion(d));
        assertEquals(0, setVersion(d, 3));
        assertEquals(3, hypervisor.grantVersion(d));
        assertEquals("still refused from v3", -XenErrno.ENOSYS, setVersion(d, 2));
    }

    @Test
    public void permittedV2ButNotV3() {
        int d = domain(DomainConfig.named("only-v2").withAbiPermit(
                AbiCapability.mask(AbiCapability.XENABI_CAP_GNTTAB_V2)));
        assertEquals(-XenErrno.ENOSYS, setVersion(d, 3));
        assertEquals(0, setVersion(d, 2));
        assertEquals(2, hypervisor.grantVersion(d));
    }

    @Test
    public void aCopyThroughAV3GrantReadsTheV3Layout() {
        int front = domain(DomainConfig.named("v3-front").withAbiPermit(AbiCapability.mask(2)));
        int back = domain(DomainConfig.named("v3-back"));
        assertEquals(0, setVersion(front, 3));
        GuestMemory fm = hypervisor.memory(front);
        GuestMemory bm = hypervisor.memory(back);
        fm.write16(ARG + MemoryOp.ADD_TO_PHYSMAP_DOMID, DomId.DOMID_SELF);
        fm.write32(ARG + MemoryOp.ADD_TO_PHYSMAP_SPACE, MemoryOp.XENMAPSPACE_grant_table);
        fm.write64(ARG + MemoryOp.ADD_TO_PHYSMAP_IDX, 0);
        fm.write64(ARG + MemoryOp.ADD_TO_PHYSMAP_GPFN, 20);
        assertEquals(0, hypervisor.hypercall(front, 0, Hypercall.__HYPERVISOR_memory_op,
                MemoryOp.XENMEM_add_to_physmap, ARG));
        fm.write64(30L * 4096 + 96, 0x0123_4567_89AB_CDEFL);
        long entry = 20L * 4096 + 9 * 32; // v3: 32-byte entries, frame at 8
        fm.write64(entry + 8, 30);
        fm.write32(entry, (back << 16) | GrantFlags.GTF_permit_access);
        bm.write32(ARG + GnttabOp.COPY_SOURCE + GnttabOp.COPY_PTR_U, 9);
        bm.write16(ARG + GnttabOp.COPY_SOURCE + GnttabOp.COPY_PTR_DOMID, front);
        bm.write16(ARG + GnttabOp.COPY_SOURCE + GnttabOp.COPY_PTR_OFFSET, 96);
        bm.write64(ARG + GnttabOp.COPY_DEST + GnttabOp.COPY_PTR_U, 40);
        bm.write16(ARG + GnttabOp.COPY_DEST + GnttabOp.COPY_PTR_DOMID, DomId.DOMID_SELF);
        bm.write16(ARG + GnttabOp.COPY_DEST + GnttabOp.COPY_PTR_OFFSET, 0);
        bm.write16(ARG + GnttabOp.COPY_LEN, 8);
        bm.write16(ARG + GnttabOp.COPY_FLAGS, GrantFlags.GNTCOPY_source_gref);
        assertEquals(0, hypervisor.hypercall(back, 0, Hypercall.__HYPERVISOR_grant_table_op, GnttabOp.GNTTABOP_copy,
                ARG, 1));
        assertEquals(GnttabStatus.GNTST_okay, (short) bm.read16(ARG + GnttabOp.COPY_STATUS));
        assertEquals(0x0123_4567_89AB_CDEFL, bm.read64(40L * 4096));
    }
}
