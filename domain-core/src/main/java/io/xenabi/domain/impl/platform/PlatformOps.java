package io.xenabi.domain.impl.platform;

import static io.xenabi.abi.XenErrno.EBUSY;
import static io.xenabi.abi.XenErrno.EINVAL;
import static io.xenabi.abi.XenErrno.ENOENT;
import static io.xenabi.abi.XenErrno.ENOSYS;
import static io.xenabi.abi.XenErrno.ENXIO;
import static io.xenabi.abi.XenErrno.EPERM;
import static io.xenabi.abi.XenErrno.ESRCH;

import io.xenabi.abi.GuestPage;
import io.xenabi.abi.HvmOp;
import io.xenabi.abi.SharedInfo;
import io.xenabi.abi.VcpuOp;
import io.xenabi.abi.XenVersion;
import io.xenabi.domain.DomainType;
import io.xenabi.domain.impl.domains.Domain;
import io.xenabi.domain.impl.domains.DomainTable;
import io.xenabi.domain.impl.domains.GuestStruct;
import io.xenabi.domain.impl.domains.Vcpu;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * What an HVM or PVH Linux asks before it uses event channels: {@code XENVER_get_features}
 * (xen/common/kernel.c), {@code VCPUOP_register_vcpu_info} (xen/common/domain.c) and
 * {@code HVMOP_set_param}/{@code get_param} for {@code HVM_PARAM_CALLBACK_IRQ}
 * (xen/arch/x86/hvm/hvm.c).
 */
public final class PlatformOps {
    private final DomainTable table;
    /** Each domain's HVM params as set (Xen's {@code d->arch.hvm.params}); only the callback via is kept. */
    private final Map<Domain, long[]> params = Collections.synchronizedMap(new WeakHashMap<>());

    public PlatformOps(DomainTable table) {
        this.table = table;
    }

    /** Xen's x86 {@code is_hvm_domain}: true for HVM and PVH alike, whose physmap is translated. */
    static boolean isHvm(Domain d) {
        return d.config.type() != DomainType.PV;
    }

    // ------------------------------------------------------------------ xen_version

    /**
     * {@code XENVER_get_features} (kernel.c, do_xen_version): submap 0 only (-EINVAL for any
     * other); the bits follow the domain's type. xenabi does not offer the phys-area features
     * (runstate, vcpu_time) since it serves neither VCPUOP, nor hvm_pirqs (no emulated PIRQs).
     */
    public long getFeatures(Domain d, long gpa) {
        GuestStruct s = GuestStruct.copyFrom(d.memory, gpa, XenVersion.SIZEOF_FEATURE_INFO);
        if (s.u32(XenVersion.FEATURE_INFO_SUBMAP_IDX) != 0) {
            return -EINVAL;
        }
        int submap = bit(XenVersion.XENFEAT_memory_op_vnode_supported);
        if (isHvm(d)) {
            // paging_mode_translate(d): writable page tables and the auto-translated physmap;
            // not PV: supervisor mode kernel and the callback vector.
            submap |= bit(XenVersion.XENFEAT_writable_page_tables) | bit(XenVersion.XENFEAT_auto_translated_physmap)
                    | bit(XenVersion.XENFEAT_supervisor_mode_kernel) | bit(XenVersion.XENFEAT_hvm_callback_vector)
                    | bit(XenVersion.XENFEAT_not_direct_mapped);
        } else {
            submap |= bit(XenVersion.XENFEAT_mmu_pt_update_preserve_ad) | bit(XenVersion.XENFEAT_highmem_assist)
                    | bit(XenVersion.XENFEAT_gnttab_map_avail_bits) | bit(XenVersion.XENFEAT_direct_mapped);
        }
        if (d.privileged) {
            submap |= bit(XenVersion.XENFEAT_dom0);
        }
        s.put32(XenVersion.FEATURE_INFO_SUBMAP, submap).copyBack();
        return 0;
    }

    private static int bit(int feature) {
        return 1 << feature;
    }

    // ------------------------------------------------------------------ vcpu_op

    /** {@code __HYPERVISOR_vcpu_op(cmd, vcpuid, arg)} (domain.c, do_vcpu_op). */
    public long vcpuOp(Domain d, int cmd, long vcpuid, long gpa) {
        if (vcpuid < 0 || vcpuid >= d.vcpus.length) {
            return -ENOENT; // domain_vcpu(d, vcpuid) == NULL
        }
        if (cmd != VcpuOp.VCPUOP_register_vcpu_info) {
            return -ENOSYS;
        }
        return registerVcpuInfo(d, d.vcpus[(int) vcpuid], gpa);
    }

    /**
     * {@code VCPUOP_register_vcpu_info} (domain.c and map_guest_area): an address whose offset
     * leaves the named frame is -EINVAL, as is a frame that is not the domain's own RAM; one whose
     * vcpu_info would cross the page or is not 8-aligned is -ENXIO; a vCPU that registered
     * already is -EBUSY (Xen registers once). On success the current vcpu_info is copied into the
     * area, {@code evtchn_pending_sel} is set to all ones and events are marked pending, so that
     * nothing pending is lost: the guest takes one spurious upcall.
     */
    private long registerVcpuInfo(Domain d, Vcpu v, long gpa) {
        GuestStruct s = GuestStruct.copyFrom(d.memory, gpa, VcpuOp.SIZEOF_REGISTER_VCPU_INFO);
        long gfn = s.u64(VcpuOp.REGISTER_VCPU_INFO_MFN);
        long offset = s.u32AsLong(VcpuOp.REGISTER_VCPU_INFO_OFFSET);
        long gaddr = (gfn << GuestPage.PAGE_SHIFT) + offset;
        if (gaddr == -1L || gfn >>> (64 - GuestPage.PAGE_SHIFT) != 0 || gaddr >>> GuestPage.PAGE_SHIFT != gfn) {
            return -EINVAL; // !~gaddr || gaddr_to_gfn(gaddr) != info.mfn
        }
        synchronized (v) {
            if (v.vcpuInfoPage != null) {
                return -EBUSY;
            }
            int off = (int) offset;
            if (off > GuestPage.PAGE_SIZE - SharedInfo.SIZEOF_VCPU_INFO || (off & 7) != 0) {
                return -ENXIO;
            }
            if (!d.memory.isValidGfn(gfn) || d.memory.isForeign(gfn)) {
                return -EINVAL; // get_page_from_gfn finds no page of the domain's own
            }
            GuestPage page = d.memory.page(gfn);
            GuestPage old = d.vcpuInfoPage(v.id);
            int oldOff = d.vcpuInfoOffset(v.id);
            byte[] copy = new byte[SharedInfo.SIZEOF_VCPU_INFO];
            old.read(oldOff, copy, 0, copy.length);
            page.write(off, copy, 0, copy.length);
            page.set64(off + SharedInfo.VCPU_EVTCHN_PENDING_SEL, ~0L);
            v.vcpuInfoOffset = off;
            v.vcpuInfoPage = page;
        }
        d.markEventsPending(v.id);
        return 0;
    }

    // ------------------------------------------------------------------ hvm_op

    /** {@code __HYPERVISOR_hvm_op(cmd, arg)} (hvm.c, do_hvm_op): set_param and get_param. */
    public long hvmOp(Domain d, int cmd, long gpa) {
        if (cmd != HvmOp.HVMOP_set_param && cmd != HvmOp.HVMOP_get_param) {
            return -ENOSYS;
        }
        GuestStruct s = GuestStruct.copyFrom(d.memory, gpa, HvmOp.SIZEOF_HVM_PARAM);
        Domain target = table.byAnyId(d, s.u16(HvmOp.HVM_PARAM_DOMID));
        if (target == null) {
            return -ESRCH; // rcu_lock_domain_by_any_id
        }
        if (!isHvm(target)) {
            return -EINVAL;
        }
        if (target != d && !d.privileged) {
            return -EPERM; // xsm_hvm_param(XSM_TARGET, ...)
        }
        long index = s.u32AsLong(HvmOp.HVM_PARAM_INDEX);
        if (index >= HvmOp.HVM_NR_PARAMS) {
            return -EINVAL;
        }
        if (index != HvmOp.HVM_PARAM_CALLBACK_IRQ && target == d) {
            // hvm_allow_set_param / hvm_allow_get_param: of what xenabi keeps, the guest itself
            // may set and read only the callback via; the toolstack may keep any parameter.
            return -EPERM;
        }
        long[] p = params.computeIfAbsent(target, k -> new long[HvmOp.HVM_NR_PARAMS]);
        if (cmd == HvmOp.HVMOP_set_param) {
            synchronized (p) {
                p[(int) index] = s.u64(HvmOp.HVM_PARAM_VALUE);
            }
            return 0;
        }
        long value;
        synchronized (p) {
            value = p[(int) index];
        }
        s.put64(HvmOp.HVM_PARAM_VALUE, value).copyBack();
        return 0;
    }

    /** The domain's {@code HVM_PARAM_CALLBACK_IRQ} (0: none set), for the bridge and tests. */
    public long callbackVia(Domain d) {
        long[] p = params.get(d);
        if (p == null) {
            return 0;
        }
        synchronized (p) {
            return p[HvmOp.HVM_PARAM_CALLBACK_IRQ];
        }
    }
}
