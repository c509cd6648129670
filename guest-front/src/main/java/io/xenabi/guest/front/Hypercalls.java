package io.xenabi.guest.front;

import static io.xenabi.evtchn.EvtchnOp.*;

import io.xenabi.abi.DomId;
import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.MemoryOp;
import io.xenabi.abi.SchedOp;
import io.xenabi.gnttab.GnttabOp;
import io.xenabi.gnttab.GrantFlags;

/**
 * One domain's hypercalls with their argument structs in its own memory, in Xen's x86_64 layout
 * (xen/include/public/event_channel.h, grant_table.h, memory.h, sched.h). Each call writes its
 * struct at {@code gpa}, issues the hypercall as {@code vcpu} and returns Xen's result; a call
 * with an output returns the output (a port, a handle) or the negative errno. Where the struct
 * goes is the caller's business (an {@link ArgStack} frame, or a slot of its own); two calls
 * must not share a struct at once.
 */
public final class Hypercalls {
    private final Door door;
    private final int domid;
    private final GuestMemory memory;

    public Hypercalls(Door door, int domid, GuestMemory memory) {
        this.door = door;
        this.domid = domid;
        this.memory = memory;
    }

    public int domid() {
        return domid;
    }

    public GuestMemory memory() {
        return memory;
    }

    public Door door() {
        return door;
    }

    /** {@code HYPERVISOR_event_channel_op(cmd, gpa)}. */
    public long evtchnOp(int vcpu, int cmd, long gpa) {
        return door.hypercall(domid, vcpu, Hypercall.__HYPERVISOR_event_channel_op, cmd, gpa, 0);
    }

    /** {@code HYPERVISOR_grant_table_op(cmd, gpa, count)}. */
    public long gnttabOp(int vcpu, int cmd, long gpa, int count) {
        return door.hypercall(domid, vcpu, Hypercall.__HYPERVISOR_grant_table_op, cmd, gpa, count);
    }

    /** {@code HYPERVISOR_memory_op(cmd, gpa)}. */
    public long memoryOp(int vcpu, int cmd, long gpa) {
        return door.hypercall(domid, vcpu, Hypercall.__HYPERVISOR_memory_op, cmd, gpa, 0);
    }

    /** {@code HYPERVISOR_sched_op(cmd, arg)}. */
    public long schedOp(int vcpu, int cmd, long arg) {
        return door.hypercall(domid, vcpu, Hypercall.__HYPERVISOR_sched_op, cmd, arg, 0);
    }

    private long outputOrError(long rc, long gpa, int offset) {
        return rc < 0 ? rc : memory.read32(gpa + offset);
    }

    // ------------------------------------------------------------------ memory_op

    /** XENMEM_add_to_physmap of {@code idx} in {@code space} at {@code gpfn}, for the domain itself. */
    public long addToPhysmap(int vcpu, long gpa, int space, long idx, long gpfn) {
        memory.write16(gpa + MemoryOp.ADD_TO_PHYSMAP_DOMID, DomId.DOMID_SELF);
        memory.write16(gpa + MemoryOp.ADD_TO_PHYSMAP_SIZE, 0);
        memory.write32(gpa + MemoryOp.ADD_TO_PHYSMAP_SPACE, space);
        memory.write64(gpa + MemoryOp.ADD_TO_PHYSMAP_IDX, idx);
        memory.write64(gpa + MemoryOp.ADD_TO_PHYSMAP_GPFN, gpfn);
        return memoryOp(vcpu, MemoryOp.XENMEM_add_to_physmap, gpa);
    }

    // ------------------------------------------------------------------ event_channel_op

    /** EVTCHNOP_alloc_unbound for {@code remoteDom}: the new port or an errno. */
    public long allocUnbound(int vcpu, long gpa, int remoteDom) {
        memory.write16(gpa + ALLOC_UNBOUND_DOM, DomId.DOMID_SELF);
        memory.write16(gpa + ALLOC_UNBOUND_REMOTE_DOM, remoteDom);
        return outputOrError(evtchnOp(vcpu, EVTCHNOP_alloc_unbound, gpa), gpa, ALLOC_UNBOUND_PORT);
    }

    /** EVTCHNOP_bind_interdomain to {@code remotePort} of {@code remoteDom}: the local port or an errno. */
    public long bindInterdomain(int vcpu, long gpa, int remoteDom, int remotePort) {
        memory.write16(gpa + BIND_INTERDOMAIN_REMOTE_DOM, remoteDom);
        memory.write32(gpa + BIND_INTERDOMAIN_REMOTE_PORT, remotePort);
        return outputOrError(evtchnOp(vcpu, EVTCHNOP_bind_interdomain, gpa), gpa, BIND_INTERDOMAIN_LOCAL_PORT);
    }

    /** EVTCHNOP_bind_ipi for {@code target}: the port or an errno. */
    public long bindIpi(int vcpu, long gpa, int target) {
        memory.write32(gpa + BIND_IPI_VCPU, target);
        return outputOrError(evtchnOp(vcpu, EVTCHNOP_bind_ipi, gpa), gpa, BIND_IPI_PORT);
    }

    /** EVTCHNOP_bind_virq of {@code virq} on {@code target}: the port or an errno. */
    public long bindVirq(int vcpu, long gpa, int virq, int target) {
        memory.write32(gpa + BIND_VIRQ_VIRQ, virq);
        memory.write32(gpa + BIND_VIRQ_VCPU, target);
        return outputOrError(evtchnOp(vcpu, EVTCHNOP_bind_virq, gpa), gpa, BIND_VIRQ_PORT);
    }

    /** EVTCHNOP_bind_vcpu of {@code port} to {@code target}. */
    public long bindVcpu(int vcpu, long gpa, int port, int target) {
        memory.write32(gpa + BIND_VCPU_PORT, port);
        memory.write32(gpa + BIND_VCPU_VCPU, target);
        return evtchnOp(vcpu, EVTCHNOP_bind_vcpu, gpa);
    }

    /** An op whose struct is one port: EVTCHNOP_send, EVTCHNOP_close or EVTCHNOP_unmask. */
    public long portOp(int vcpu, long gpa, int cmd, int port) {
        memory.write32(gpa + PORT, port);
        return evtchnOp(vcpu, cmd, gpa);
    }

    public long send(int vcpu, long gpa, int port) {
        return portOp(vcpu, gpa, EVTCHNOP_send, port);
    }

    public long close(int vcpu, long gpa, int port) {
        return portOp(vcpu, gpa, EVTCHNOP_close, port);
    }

    public long unmask(int vcpu, long gpa, int port) {
        return portOp(vcpu, gpa, EVTCHNOP_unmask, port);
    }

    /** EVTCHNOP_reset of the domain itself. */
    public long reset(int vcpu, long gpa) {
        memory.write16(gpa + RESET_DOM, DomId.DOMID_SELF);
        return evtchnOp(vcpu, EVTCHNOP_reset, gpa);
    }

    /** EVTCHNOP_init_control: {@code target}'s control block at {@code gfn}+{@code offset}. */
    public long initControl(int vcpu, long gpa, long gfn, int offset, int target) {
        memory.write64(gpa + INIT_CONTROL_CONTROL_GFN, gfn);
        memory.write32(gpa + INIT_CONTROL_OFFSET, offset);
        memory.write32(gpa + INIT_CONTROL_VCPU, target);
        memory.write8(gpa + INIT_CONTROL_LINK_BITS, 0);
        return evtchnOp(vcpu, EVTCHNOP_init_control, gpa);
    }

    /** The {@code link_bits} output of the EVTCHNOP_init_control whose struct is at {@code gpa}. */
    public int linkBits(long gpa) {
        return memory.read8(gpa + INIT_CONTROL_LINK_BITS);
    }

    /** EVTCHNOP_expand_array with the page at {@code gfn}. */
    public long expandArray(int vcpu, long gpa, long gfn) {
        memory.write64(gpa + EXPAND_ARRAY_ARRAY_GFN, gfn);
        return evtchnOp(vcpu, EVTCHNOP_expand_array, gpa);
    }

    // ------------------------------------------------------------------ sched_op

    /** SCHEDOP_block: sleeps until an event is pending for {@code vcpu}. */
    public long block(int vcpu) {
        return schedOp(vcpu, SchedOp.SCHEDOP_block, 0);
    }

    /**
     * SCHEDOP_poll on one port: the port list (one entry) goes 64 bytes after the struct. Returns
     * when the port is pending, or Xen system time reaches {@code timeout} (0: no timeout).
     */
    public long poll(int vcpu, long gpa, int port, long timeout) {
        memory.write32(gpa + 64, port);
        memory.write64(gpa + SchedOp.SCHED_POLL_PORTS, gpa + 64);
        memory.write32(gpa + SchedOp.SCHED_POLL_NR_PORTS, 1);
        memory.write64(gpa + SchedOp.SCHED_POLL_TIMEOUT, timeout);
        return schedOp(vcpu, SchedOp.SCHEDOP_poll, gpa);
    }

    // ------------------------------------------------------------------ grant_table_op

    /** GNTTABOP_set_version: Xen's result; the version in force is then at {@code gpa}. */
    public long setVersion(int vcpu, long gpa, int version) {
        memory.write32(gpa + GnttabOp.SET_VERSION_VERSION, version);
        return gnttabOp(vcpu, GnttabOp.GNTTABOP_set_version, gpa, 1);
    }

    /**
     * One GNTTABOP_map_grant_ref of {@code dom}'s {@code ref} at {@code hostAddr}: Xen's result;
     * the status is then {@link #status}({@code gpa + MAP_STATUS}), the handle at {@code MAP_HANDLE}.
     */
    public long mapGrantRef(int vcpu, long gpa, long hostAddr, int flags, int ref, int dom) {
        memory.write(gpa, new byte[GnttabOp.SIZEOF_MAP_GRANT_REF], 0, GnttabOp.SIZEOF_MAP_GRANT_REF);
        memory.write64(gpa + GnttabOp.MAP_HOST_ADDR, hostAddr);
        memory.write32(gpa + GnttabOp.MAP_FLAGS, flags);
        memory.write32(gpa + GnttabOp.MAP_REF, ref);
        memory.write16(gpa + GnttabOp.MAP_DOM, dom);
        return gnttabOp(vcpu, GnttabOp.GNTTABOP_map_grant_ref, gpa, 1);
    }

    /** One GNTTABOP_unmap_grant_ref of {@code handle} at {@code hostAddr}; status at {@code UNMAP_STATUS}. */
    public long unmapGrantRef(int vcpu, long gpa, long hostAddr, int handle) {
        memory.write(gpa, new byte[GnttabOp.SIZEOF_UNMAP_GRANT_REF], 0, GnttabOp.SIZEOF_UNMAP_GRANT_REF);
        memory.write64(gpa + GnttabOp.UNMAP_HOST_ADDR, hostAddr);
        memory.write32(gpa + GnttabOp.UNMAP_HANDLE, handle);
        return gnttabOp(vcpu, GnttabOp.GNTTABOP_unmap_grant_ref, gpa, 1);
    }

    /** Writes one {@code gnttab_copy} with a granted source and an own gmfn destination. */
    public void copyFromGrant(long gpa, int dom, int ref, int srcOffset, long dstGfn, int dstOffset, int len) {
        memory.write(gpa, new byte[GnttabOp.SIZEOF_COPY], 0, GnttabOp.SIZEOF_COPY);
        memory.write64(gpa + GnttabOp.COPY_SOURCE + GnttabOp.COPY_PTR_U, ref);
        memory.write16(gpa + GnttabOp.COPY_SOURCE + GnttabOp.COPY_PTR_DOMID, dom);
        memory.write16(gpa + GnttabOp.COPY_SOURCE + GnttabOp.COPY_PTR_OFFSET, srcOffset);
        memory.write64(gpa + GnttabOp.COPY_DEST + GnttabOp.COPY_PTR_U, dstGfn);
        memory.write16(gpa + GnttabOp.COPY_DEST + GnttabOp.COPY_PTR_DOMID, DomId.DOMID_SELF);
        memory.write16(gpa + GnttabOp.COPY_DEST + GnttabOp.COPY_PTR_OFFSET, dstOffset);
        memory.write16(gpa + GnttabOp.COPY_LEN, len);
        memory.write16(gpa + GnttabOp.COPY_FLAGS, GrantFlags.GNTCOPY_source_gref);
    }

    /** One GNTTABOP_copy of {@code len} bytes of {@code dom}'s {@code ref} into own {@code dstGfn}. */
    public long copy(int vcpu, long gpa, int dom, int ref, long dstGfn, int len) {
        copyFromGrant(gpa, dom, ref, 0, dstGfn, 0, len);
        return gnttabOp(vcpu, GnttabOp.GNTTABOP_copy, gpa, 1);
    }

    /** A signed 16-bit status ({@code GNTST_*}) at {@code gpa}. */
    public int status(long gpa) {
        return (short) memory.read16(gpa);
    }

    /** A 32-bit output at {@code gpa} (a handle, a version). */
    public int u32(long gpa) {
        return memory.read32(gpa);
    }
}
