package io.xenabi.domain.impl;

import static io.xenabi.evtchn.EvtchnOp.*;

import io.xenabi.abi.DomId;
import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.MemoryOp;
import io.xenabi.abi.SchedOp;
import io.xenabi.abi.SharedInfo;
import io.xenabi.evtchn.EvtchnFifo;

/**
 * A test guest: builds Xen's argument structs in its own memory and goes through the door,
 * as a kernel would. Every method returns the hypercall's result; the "port" helpers return
 * the port (>= 0) or the negative errno.
 */
final class Guest {
    /** The two ABIs a test guest can run. */
    enum Abi { TWO_LEVEL, FIFO }

    static final long SCRATCH_GFN = 1;
    static final long SHARED_INFO_GFN = 2;
    static final long CONTROL_GFN = 16; // + vcpu
    static final long ARRAY_GFN = 64;   // + page

    final HypervisorImpl hv;
    final int domid;
    final GuestMemory mem;
    private int arrayPages;

    Guest(HypervisorImpl hv, int domid) {
        this.hv = hv;
        this.domid = domid;
        this.mem = hv.memory(domid);
    }

    /** Scratch struct address for vCPU {@code v}: its own 512-byte slot in the scratch page. */
    static long arg(int vcpu) {
        return SCRATCH_GFN * 4096 + vcpu * 512L;
    }

    long evtchn(int vcpu, int cmd) {
        return hv.hypercall(domid, vcpu, Hypercall.__HYPERVISOR_event_channel_op, cmd, arg(vcpu));
    }

    private void clear(int vcpu) {
        mem.write(arg(vcpu), new byte[64], 0, 64);
    }

    long port(long rc, int offset) {
        return rc < 0 ? rc : mem.read32(arg(0) + offset);
    }

    long allocUnbound(int dom, int remoteDom) {
        clear(0);
        mem.write16(arg(0) + ALLOC_UNBOUND_DOM, dom);
        mem.write16(arg(0) + ALLOC_UNBOUND_REMOTE_DOM, remoteDom);
        return port(evtchn(0, EVTCHNOP_alloc_unbound), ALLOC_UNBOUND_PORT);
    }

    long allocUnbound(int remoteDom) {
        return allocUnbound(DomId.DOMID_SELF, remoteDom);
    }

    long bindInterdomain(int remoteDom, long remotePort) {
        clear(0);
        mem.write16(arg(0) + BIND_INTERDOMAIN_REMOTE_DOM, remoteDom);
        mem.write32(arg(0) + BIND_INTERDOMAIN_REMOTE_PORT, (int) remotePort);
        return port(evtchn(0, EVTCHNOP_bind_interdomain), BIND_INTERDOMAIN_LOCAL_PORT);
    }

    long bindVirq(int virq, int vcpu) {
        clear(0);
        mem.write32(arg(0) + BIND_VIRQ_VIRQ, virq);
        mem.write32(arg(0) + BIND_VIRQ_VCPU, vcpu);
        return port(evtchn(0, EVTCHNOP_bind_virq), BIND_VIRQ_PORT);
    }

    long bindIpi(int vcpu) {
        clear(0);
        mem.write32(arg(0) + BIND_IPI_VCPU, vcpu);
        return port(evtchn(0, EVTCHNOP_bind_ipi), BIND_IPI_PORT);
    }

    long bindPirq(int pirq) {
        clear(0);
        mem.write32(arg(0) + BIND_PIRQ_PIRQ, pirq);
        return port(evtchn(0, EVTCHNOP_bind_pirq), BIND_PIRQ_PORT);
    }

    private long onePort(int vcpu, int cmd, long port) {
        clear(vcpu);
        mem.write32(arg(vcpu) + PORT, (int) port);
        return evtchn(vcpu, cmd);
    }

    long close(long port) {
        return onePort(0, EVTCHNOP_close, port);
    }

    long send(long port) {
        return onePort(0, EVTCHNOP_send, port);
    }

    long send(int vcpu, long port) {
        return onePort(vcpu, EVTCHNOP_send, port);
    }

    long unmask(long port) {
        return onePort(0, EVTCHNOP_unmask, port);
    }

    /** EVTCHNOP_status; on success the struct is left at arg(0) for {@link #statusField}. */
    long status(int dom, long port) {
        clear(0);
        mem.write16(arg(0) + STATUS_DOM, dom);
        mem.write32(arg(0) + STATUS_PORT, (int) port);
        return evtchn(0, EVTCHNOP_status);
    }

    int statusField(int offset) {
        return mem.read32(arg(0) + offset);
    }

    int statusU16() {
        return mem.read16(arg(0) + STATUS_U);
    }

    long bindVcpu(long port, int vcpu) {
        clear(0);
        mem.write32(arg(0) + BIND_VCPU_PORT, (int) port);
        mem.write32(arg(0) + BIND_VCPU_VCPU, vcpu);
        return evtchn(0, EVTCHNOP_bind_vcpu);
    }

    long reset(int dom, boolean cont) {
        clear(0);
        mem.write16(arg(0) + RESET_DOM, dom);
        return evtchn(0, cont ? EVTCHNOP_reset_cont : EVTCHNOP_reset);
    }

    long setPriority(long port, int priority) {
        clear(0);
        mem.write32(arg(0) + SET_PRIORITY_PORT, (int) port);
        mem.write32(arg(0) + SET_PRIORITY_PRIORITY, priority);
        return evtchn(0, EVTCHNOP_set_priority);
    }

    long initControl(int vcpu) {
        clear(vcpu);
        mem.write64(arg(vcpu) + INIT_CONTROL_CONTROL_GFN, CONTROL_GFN + vcpu);
        mem.write32(arg(vcpu) + INIT_CONTROL_OFFSET, 0);
        mem.write32(arg(vcpu) + INIT_CONTROL_VCPU, vcpu);
        return evtchn(vcpu, EVTCHNOP_init_control);
    }

    long expandArray() {
        clear(0);
        mem.write64(arg(0) + EXPAND_ARRAY_ARRAY_GFN, ARRAY_GFN + arrayPages);
        long rc = evtchn(0, EVTCHNOP_expand_array);
        if (rc == 0) {
            arrayPages++;
        }
        return rc;
    }

    /** Sets the ABI up as a Linux guest would; returns the first failing result or 0. */
    long setUp(Abi abi, int vcpus) {
        long rc = mapSharedInfo();
        if (rc != 0 || abi == Abi.TWO_LEVEL) {
            return rc;
        }
        for (int v = 0; v < vcpus; v++) {
            rc = initControl(v);
            if (rc != 0) {
                return rc;
            }
        }
        return expandArray();
    }

    long mapSharedInfo() {
        clear(0);
        mem.write16(arg(0) + MemoryOp.ADD_TO_PHYSMAP_DOMID, DomId.DOMID_SELF);
        mem.write32(arg(0) + MemoryOp.ADD_TO_PHYSMAP_SPACE, MemoryOp.XENMAPSPACE_shared_info);
        mem.write64(arg(0) + MemoryOp.ADD_TO_PHYSMAP_IDX, 0);
        mem.write64(arg(0) + MemoryOp.ADD_TO_PHYSMAP_GPFN, SHARED_INFO_GFN);
        return hv.hypercall(domid, 0, Hypercall.__HYPERVISOR_memory_op, MemoryOp.XENMEM_add_to_physmap, arg(0));
    }

    /** Masks a port the way the guest does under its ABI: a bit in shared_info or the event word. */
    void mask(Abi abi, long port) {
        if (abi == Abi.TWO_LEVEL) {
            mem.page(SHARED_INFO_GFN).testAndSetBit(SharedInfo.EVTCHN_MASK, (int) port);
        } else {
            long gpa = ARRAY_GFN * 4096 + port * 4;
            mem.page(ARRAY_GFN + port / EvtchnFifo.EVENT_WORDS_PER_PAGE)
                    .getAndOr32((int) (gpa % 4096), 1 << EvtchnFifo.EVTCHN_FIFO_MASKED);
        }
    }

    boolean upcallPending(int vcpu) {
        return mem.read8(SHARED_INFO_GFN * 4096 + SharedInfo.vcpuInfo(vcpu)
                + SharedInfo.VCPU_EVTCHN_UPCALL_PENDING) != 0;
    }

    void clearUpcall(int vcpu) {
        mem.write8(SHARED_INFO_GFN * 4096 + SharedInfo.vcpuInfo(vcpu) + SharedInfo.VCPU_EVTCHN_UPCALL_PENDING, 0);
    }

    boolean pending(long port) {
        return hv.ports(domid).stream().filter(p -> p.port() == port).findFirst()
                .orElseThrow(() -> new AssertionError("port " + port + " is not open")).pending();
    }

    long poll(int vcpu, long timeoutNs, int... ports) {
        long list = arg(vcpu) + 64;
        for (int i = 0; i < ports.length; i++) {
            mem.write32(list + 4L * i, ports[i]);
        }
        long s = arg(vcpu);
        mem.write64(s + SchedOp.SCHED_POLL_PORTS, list);
        mem.write32(s + SchedOp.SCHED_POLL_NR_PORTS, ports.length);
        mem.write64(s + SchedOp.SCHED_POLL_TIMEOUT, timeoutNs == 0 ? 0 : hv.parts().table().systemTime() + timeoutNs);
        return hv.hypercall(domid, vcpu, Hypercall.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_poll, s);
    }

    long block(int vcpu) {
        return hv.hypercall(domid, vcpu, Hypercall.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_block, 0);
    }
}
