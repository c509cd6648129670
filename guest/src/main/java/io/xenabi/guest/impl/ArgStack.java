package io.xenabi.guest.impl;

import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import io.xenabi.abi.Hypercall;
import io.xenabi.domain.Hypervisor;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The kernel's hypercall argument structs: one page per vCPU, used like a stack. A caller
 * enters a {@link Frame} on a vCPU's page (its own vCPU when it is a vCPU thread, vCPU 0
 * otherwise, like a process on the boot CPU), fills the struct, issues the hypercall as that
 * vCPU and reads the results back. The page's lock plays the part of Linux's
 * {@code preempt_disable}: two threads never share a struct, and a handler that issues a
 * hypercall while its vCPU is inside one gets the next slot.
 */
final class ArgStack {
    /** Bytes per frame: the largest argument struct used is 24 bytes. */
    static final int FRAME_SIZE = 64;
    private static final int MAX_DEPTH = GuestPage.PAGE_SIZE / FRAME_SIZE;

    private final Hypervisor hv;
    private final int domid;
    private final GuestMemory memory;
    private final long[] pageGpa;
    private final ReentrantLock[] locks;
    private final VcpuOfThread vcpuOfThread;

    /** Which vCPU the calling thread is, or -1 for a thread that is not a vCPU. */
    interface VcpuOfThread {
        int currentVcpu();
    }

    ArgStack(Hypervisor hv, int domid, GuestMemory memory, Physmap physmap, VcpuOfThread vcpuOfThread) {
        this.hv = hv;
        this.domid = domid;
        this.memory = memory;
        this.vcpuOfThread = vcpuOfThread;
        this.pageGpa = new long[physmap.vcpus()];
        this.locks = new ReentrantLock[physmap.vcpus()];
        for (int v = 0; v < pageGpa.length; v++) {
            pageGpa[v] = physmap.argGfn(v) << GuestPage.PAGE_SHIFT;
            locks[v] = new ReentrantLock();
        }
    }

    /** A frame on the calling thread's vCPU (vCPU 0 for other threads). */
    Frame enter() {
        int v = vcpuOfThread.currentVcpu();
        return enter(v < 0 ? 0 : v);
    }

    /** A frame on {@code vcpu}'s page, issuing hypercalls as that vCPU. */
    Frame enter(int vcpu) {
        ReentrantLock lock = locks[vcpu];
        lock.lock();
        int depth = lock.getHoldCount() - 1;
        if (depth >= MAX_DEPTH) {
            lock.unlock();
            throw new IllegalStateException("hypercall frames nested " + depth + " deep on vCPU " + vcpu);
        }
        long gpa = pageGpa[vcpu] + (long) depth * FRAME_SIZE;
        memory.write(gpa, new byte[FRAME_SIZE], 0, FRAME_SIZE);
        return new Frame(vcpu, gpa, lock);
    }

    /** One argument struct in guest memory, owned until {@link #close()}. */
    final class Frame implements AutoCloseable {
        final int vcpu;
        final long gpa;
        private final ReentrantLock lock;

        private Frame(int vcpu, long gpa, ReentrantLock lock) {
            this.vcpu = vcpu;
            this.gpa = gpa;
            this.lock = lock;
        }

        Frame put16(int offset, int value) {
            memory.write16(gpa + offset, value);
            return this;
        }

        Frame put32(int offset, int value) {
            memory.write32(gpa + offset, value);
            return this;
        }

        Frame put64(int offset, long value) {
            memory.write64(gpa + offset, value);
            return this;
        }

        int u8(int offset) {
            return memory.read8(gpa + offset) & 0xFF;
        }

        int u32(int offset) {
            return memory.read32(gpa + offset);
        }

        /** {@code HYPERVISOR_event_channel_op(cmd, &struct)}. */
        long evtchnOp(int cmd) {
            return hv.hypercall(domid, vcpu, Hypercall.__HYPERVISOR_event_channel_op, cmd, gpa);
        }

        /** {@code HYPERVISOR_grant_table_op(cmd, &struct, 1)}. */
        long gnttabOp(int cmd) {
            return hv.hypercall(domid, vcpu, Hypercall.__HYPERVISOR_grant_table_op, cmd, gpa, 1);
        }

        short s16(int offset) {
            return (short) memory.read16(gpa + offset);
        }

        long u64(int offset) {
            return memory.read64(gpa + offset);
        }

        /** {@code HYPERVISOR_memory_op(cmd, &struct)}. */
        long memoryOp(int cmd) {
            return hv.hypercall(domid, vcpu, Hypercall.__HYPERVISOR_memory_op, cmd, gpa);
        }

        @Override
        public void close() {
            lock.unlock();
        }
    }
}
