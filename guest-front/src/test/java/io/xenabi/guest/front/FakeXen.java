package io.xenabi.guest.front;

import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.MemoryOp;
import io.xenabi.abi.XenErrno;
import io.xenabi.evtchn.EvtchnOp;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * A door that answers the few ops the front-end's tests need and records every call as
 * {@code "op/cmd@vcpu"} (for example {@code "evtchn/11@1"}): enough to check which hypercalls a
 * sequence issues, from which vCPU, with which struct, without a hypervisor.
 */
final class FakeXen implements Door {
    final GuestMemory memory = new GuestMemory(1024);
    final List<String> calls = new ArrayList<>();
    /** vCPUs whose EVTCHNOP_init_control fails with -EINVAL. */
    IntPredicate initControlFails = v -> false;
    int nextPort = 1;

    @Override
    public long hypercall(int domid, int vcpu, int op, long arg0, long arg1, long arg2) {
        int cmd = (int) arg0;
        long gpa = arg1;
        switch (op) {
            case Hypercall.__HYPERVISOR_memory_op -> {
                calls.add("memory/" + cmd + "@" + vcpu);
                return cmd == MemoryOp.XENMEM_add_to_physmap ? 0 : -XenErrno.ENOSYS;
            }
            case Hypercall.__HYPERVISOR_event_channel_op -> {
                calls.add("evtchn/" + cmd + "@" + vcpu);
                switch (cmd) {
                    case EvtchnOp.EVTCHNOP_init_control -> {
                        int target = memory.read32(gpa + EvtchnOp.INIT_CONTROL_VCPU);
                        if (target != vcpu) {
                            throw new AssertionError("init_control for vCPU " + target + " issued by " + vcpu);
                        }
                        if (initControlFails.test(target)) {
                            return -XenErrno.EINVAL;
                        }
                        memory.write8(gpa + EvtchnOp.INIT_CONTROL_LINK_BITS, 17);
                        return 0;
                    }
                    case EvtchnOp.EVTCHNOP_bind_ipi -> {
                        memory.write32(gpa + EvtchnOp.BIND_IPI_PORT, nextPort++);
                        return 0;
                    }
                    default -> {
                        return 0;
                    }
                }
            }
            case Hypercall.__HYPERVISOR_grant_table_op -> {
                calls.add("gnttab/" + cmd + "@" + vcpu);
                return 0;
            }
            default -> {
                return -XenErrno.ENOSYS;
            }
        }
    }
}
