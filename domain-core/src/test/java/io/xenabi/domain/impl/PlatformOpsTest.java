package io.xenabi.domain.impl;

import static io.xenabi.abi.XenErrno.EBUSY;
import static io.xenabi.abi.XenErrno.EFAULT;
import static io.xenabi.abi.XenErrno.EINVAL;
import static io.xenabi.abi.XenErrno.ENOENT;
import static io.xenabi.abi.XenErrno.ENXIO;
import static io.xenabi.abi.XenErrno.EPERM;
import static io.xenabi.abi.XenErrno.ESRCH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.abi.DomId;
import io.xenabi.abi.HvmOp;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.SharedInfo;
import io.xenabi.abi.VcpuOp;
import io.xenabi.abi.XenVersion;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainType;
import io.xenabi.domain.Hypervisor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** XENVER_get_features, VCPUOP_register_vcpu_info and HVMOP_set_param/get_param, with Xen's errors. */
class PlatformOpsTest {
    private HypervisorImpl hv;
    private int names;

    @BeforeEach
    void boot() {
        hv = TestHypervisors.all();
    }

    private Guest guest(DomainType type, int vcpus) {
        return new Guest(hv, hv.create(DomainConfig.named("g" + names++).withVcpus(vcpus).withType(type, true)));
    }

    private long features(Guest g, int submap) {
        long a = Guest.arg(0);
        g.mem.write32(a + XenVersion.FEATURE_INFO_SUBMAP_IDX, submap);
        g.mem.write32(a + XenVersion.FEATURE_INFO_SUBMAP, 0xdead);
        return hv.hypercall(g.domid, 0, Hypercall.__HYPERVISOR_xen_version, XenVersion.XENVER_get_features, a);
    }

    private static boolean has(int submap, int feature) {
        return (submap & (1 << feature)) != 0;
    }

    @Test
    void getFeaturesGivesAnHvmOrPvhGuestTheCallbackVectorAndTheTranslatedPhysmap() {
        for (DomainType t : new DomainType[] {DomainType.HVM, DomainType.PVH}) {
            Guest g = guest(t, 1);
            assertEquals(0, features(g, 0));
            int submap = g.mem.read32(Guest.arg(0) + XenVersion.FEATURE_INFO_SUBMAP);
            assertTrue(has(submap, XenVersion.XENFEAT_auto_translated_physmap), t.name());
            assertTrue(has(submap, XenVersion.XENFEAT_hvm_callback_vector), t.name());
            assertFalse(has(submap, XenVersion.XENFEAT_dom0), t.name());
            assertFalse(has(submap, XenVersion.XENFEAT_direct_mapped), t.name());
            assertEquals(0, g.mem.read32(Guest.arg(0) + XenVersion.FEATURE_INFO_SUBMAP_IDX), "submap_idx kept");
        }
    }

    @Test
    void getFeaturesGivesAPvGuestNeitherAndRefusesAnotherSubmap() {
        Guest g = guest(DomainType.PV, 1);
        assertEquals(0, features(g, 0));
        int submap = g.mem.read32(Guest.arg(0) + XenVersion.FEATURE_INFO_SUBMAP);
        assertFalse(has(submap, XenVersion.XENFEAT_auto_translated_physmap));
        assertFalse(has(submap, XenVersion.XENFEAT_hvm_callback_vector));
        assertTrue(has(submap, XenVersion.XENFEAT_direct_mapped));
        assertEquals(-EINVAL, features(g, 1));
        assertEquals(0xdead, g.mem.read32(Guest.arg(0) + XenVersion.FEATURE_INFO_SUBMAP), "nothing written");
        assertEquals(-EFAULT, hv.hypercall(g.domid, 0, Hypercall.__HYPERVISOR_xen_version,
                XenVersion.XENVER_get_features, 1L << 40));
        Guest dom0 = new Guest(hv, Hypervisor.DOMID_0);
        assertEquals(0, features(dom0, 0));
        assertTrue(has(dom0.mem.read32(Guest.arg(0) + XenVersion.FEATURE_INFO_SUBMAP), XenVersion.XENFEAT_dom0));
    }

    private long register(Guest g, long vcpu, long gfn, long offset) {
        long a = Guest.arg(0);
        g.mem.write64(a + VcpuOp.REGISTER_VCPU_INFO_MFN, gfn);
        g.mem.write32(a + VcpuOp.REGISTER_VCPU_INFO_OFFSET, (int) offset);
        g.mem.write32(a + VcpuOp.REGISTER_VCPU_INFO_RSVD, 0);
        return hv.hypercall(g.domid, 0, Hypercall.__HYPERVISOR_vcpu_op, VcpuOp.VCPUOP_register_vcpu_info, vcpu, a);
    }

    @Test
    void registerVcpuInfoRefusesWhatXenRefuses() {
        Guest g = guest(DomainType.HVM, 2);
        assertEquals(-ENOENT, register(g, 2, 8, 0), "no such vCPU");
        assertEquals(-ENOENT, register(g, -1, 8, 0));
        assertEquals(-EINVAL, register(g, 0, 8, 4096), "the offset leaves the frame");
        assertEquals(-EINVAL, register(g, 0, -1L >>> 1, 0), "the address overflows");
        assertEquals(-ENXIO, register(g, 0, 8, 4096 - 32), "across the page");
        assertEquals(-ENXIO, register(g, 0, 8, 4), "not 8-aligned");
        assertEquals(-EINVAL, register(g, 0, g.mem.nrPages(), 0), "not the domain's RAM");
        assertEquals(-EFAULT, hv.hypercall(g.domid, 0, Hypercall.__HYPERVISOR_vcpu_op,
                VcpuOp.VCPUOP_register_vcpu_info, 0, 1L << 40));
        assertEquals(0, register(g, 1, 8, 64));
        assertEquals(-EBUSY, register(g, 1, 9, 0), "registered once");
        assertEquals(0, register(g, 0, 8, 0), "the other vCPU still may");
    }

    @Test
    void registerVcpuInfoCopiesTheOldOneMarksAllPendingAndEventsGoThere() {
        Guest g = guest(DomainType.HVM, 2);
        assertEquals(0, g.mapSharedInfo());
        long slot = Guest.SHARED_INFO_GFN * 4096 + SharedInfo.vcpuInfo(1);
        g.mem.write8(slot + SharedInfo.VCPU_EVTCHN_UPCALL_MASK, 1);
        g.mem.write64(slot + 16, 0x1234_5678L); // arch part: copied as it is
        long area = 8 * 4096 + 128;
        assertEquals(0, register(g, 1, 8, 128));
        assertEquals(1, g.mem.read8(area + SharedInfo.VCPU_EVTCHN_UPCALL_MASK), "copied");
        assertEquals(0x1234_5678L, g.mem.read64(area + 16), "copied");
        assertEquals(-1L, g.mem.read64(area + SharedInfo.VCPU_EVTCHN_PENDING_SEL), "pending_sel all ones");
        assertEquals(1, g.mem.read8(area + SharedInfo.VCPU_EVTCHN_UPCALL_PENDING), "marked pending");
        // From now on events for vCPU 1 land in the registered area, not in the shared_info slot.
        g.mem.write8(area + SharedInfo.VCPU_EVTCHN_UPCALL_PENDING, 0);
        g.mem.write64(area + SharedInfo.VCPU_EVTCHN_PENDING_SEL, 0);
        g.mem.write8(area + SharedInfo.VCPU_EVTCHN_UPCALL_MASK, 0);
        long port = g.bindIpi(1);
        assertTrue(port > 0);
        assertEquals(0, g.send(port));
        assertEquals(1, g.mem.read8(area + SharedInfo.VCPU_EVTCHN_UPCALL_PENDING));
        assertEquals(1L << (port / 64), g.mem.read64(area + SharedInfo.VCPU_EVTCHN_PENDING_SEL));
        assertEquals(0, g.mem.read8(slot + SharedInfo.VCPU_EVTCHN_UPCALL_PENDING), "the old slot is left alone");
        assertEquals(0, g.mem.read64(slot + SharedInfo.VCPU_EVTCHN_PENDING_SEL));
    }

    private long param(Guest g, int cmd, int dom, int index, long value) {
        long a = Guest.arg(0);
        g.mem.write16(a + HvmOp.HVM_PARAM_DOMID, dom);
        g.mem.write32(a + HvmOp.HVM_PARAM_INDEX, index);
        g.mem.write64(a + HvmOp.HVM_PARAM_VALUE, value);
        return hv.hypercall(g.domid, 0, Hypercall.__HYPERVISOR_hvm_op, cmd, a);
    }

    @Test
    void setParamKeepsTheCallbackViaWithXensErrors() {
        Guest g = guest(DomainType.HVM, 1);
        long via = 0x0200_0000_0000_00f3L;
        assertEquals(0, param(g, HvmOp.HVMOP_set_param, DomId.DOMID_SELF, HvmOp.HVM_PARAM_CALLBACK_IRQ, via));
        assertEquals(0, param(g, HvmOp.HVMOP_get_param, DomId.DOMID_SELF, HvmOp.HVM_PARAM_CALLBACK_IRQ, 0));
        assertEquals(via, g.mem.read64(Guest.arg(0) + HvmOp.HVM_PARAM_VALUE));
        assertEquals(-EINVAL, param(g, HvmOp.HVMOP_set_param, DomId.DOMID_SELF, HvmOp.HVM_NR_PARAMS, 1));
        assertEquals(-EPERM, param(g, HvmOp.HVMOP_set_param, DomId.DOMID_SELF, 5, 1), "not the guest's to set");
        assertEquals(-ESRCH, param(g, HvmOp.HVMOP_set_param, 77, HvmOp.HVM_PARAM_CALLBACK_IRQ, 1));
        Guest other = guest(DomainType.HVM, 1);
        assertEquals(-EPERM, param(g, HvmOp.HVMOP_set_param, other.domid, HvmOp.HVM_PARAM_CALLBACK_IRQ, 1));
        Guest pv = guest(DomainType.PV, 1);
        assertEquals(-EINVAL, param(pv, HvmOp.HVMOP_set_param, DomId.DOMID_SELF, HvmOp.HVM_PARAM_CALLBACK_IRQ, via),
                "not an HVM domain");
        Guest dom0 = new Guest(hv, Hypervisor.DOMID_0);
        assertEquals(0, param(dom0, HvmOp.HVMOP_get_param, g.domid, HvmOp.HVM_PARAM_CALLBACK_IRQ, 0));
        assertEquals(via, dom0.mem.read64(Guest.arg(0) + HvmOp.HVM_PARAM_VALUE), "the toolstack reads it");
        assertEquals(-EFAULT, hv.hypercall(g.domid, 0, Hypercall.__HYPERVISOR_hvm_op, HvmOp.HVMOP_set_param, 1L << 40));
    }
}
