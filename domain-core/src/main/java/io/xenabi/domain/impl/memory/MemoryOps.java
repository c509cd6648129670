package io.xenabi.domain.impl.memory;

import static io.xenabi.abi.XenErrno.EINVAL;
import static io.xenabi.abi.XenErrno.ENOSYS;
import static io.xenabi.abi.XenErrno.EPERM;
import static io.xenabi.abi.XenErrno.ESRCH;

import io.xenabi.abi.MemoryOp;
import io.xenabi.domain.impl.domains.Domain;
import io.xenabi.domain.impl.domains.DomainTable;
import io.xenabi.domain.impl.domains.GuestStruct;
import io.xenabi.domain.impl.gnttab.GrantFrames;

/** {@code __HYPERVISOR_memory_op} (xen/common/memory.c): XENMEM_add_to_physmap only. */
public final class MemoryOps {
    private final DomainTable table;

    public MemoryOps(DomainTable table) {
        this.table = table;
    }

    public long op(Domain d, int cmd, long gpa) {
        if (cmd != MemoryOp.XENMEM_add_to_physmap) {
            return -ENOSYS;
        }
        GuestStruct s = GuestStruct.copyFrom(d.memory, gpa, MemoryOp.SIZEOF_ADD_TO_PHYSMAP);
        int dom = s.u16(MemoryOp.ADD_TO_PHYSMAP_DOMID);
        int space = s.u32(MemoryOp.ADD_TO_PHYSMAP_SPACE);
        long idx = s.u64(MemoryOp.ADD_TO_PHYSMAP_IDX);
        long gpfn = s.u64(MemoryOp.ADD_TO_PHYSMAP_GPFN);
        Domain target = table.byAnyId(d, dom);
        if (target == null) {
            return -ESRCH;
        }
        if (target != d && !d.privileged) {
            return -EPERM;
        }
        if (!target.memory.isValidGfn(gpfn)) {
            return -EINVAL;
        }
        if (space == MemoryOp.XENMAPSPACE_grant_table) {
            return GrantFrames.map(target, idx, gpfn);
        }
        if (space != MemoryOp.XENMAPSPACE_shared_info || idx != 0) {
            return -EINVAL;
        }
        target.mapSharedInfo(gpfn);
        return 0;
    }
}
