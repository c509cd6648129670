package io.xenabi.guest.front;

import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A kernel's hypercall argument structs: one page per vCPU, used like a stack. A caller enters
 * a {@link Frame} on a vCPU's page (its own vCPU when it is a vCPU thread, vCPU 0 otherwise,
 * like a process on the boot CPU), fills the struct, issues the hypercall as that vCPU and reads
 * the results back. The page's lock plays the part of Linux's {@code preempt_disable}: two
 * threads never share a struct, and a handler that issues a hypercall while its vCPU is inside
 * one gets the next slot.
 */
public final class ArgStack {
    /** Bytes per frame: the largest argument struct used (a gnttab_copy) is 40 bytes. */
    public static final int FRAME_SIZE = 128;
    private static final int MAX_DEPTH = GuestPage.PAGE_SIZE / FRAME_SIZE;
    private static final byte[] ZEROS = new byte[FRAME_SIZE];

    private final GuestMemory memory;
    private final long[] pageGpa;
    private final ReentrantLock[] locks;
    private final VcpuOfThread vcpuOfThread;

    /** Which vCPU the calling thread is, or -1 for a thread that is not a vCPU. */
    @FunctionalInterface
    public interface VcpuOfThread {
        int currentVcpu();
    }

    /** Frames on the pages at {@code argGfns[v]}, one per vCPU. */
    public ArgStack(GuestMemory memory, long[] argGfns, VcpuOfThread vcpuOfThread) {
        this.memory = memory;
        this.vcpuOfThread = vcpuOfThread;
        this.pageGpa = new long[argGfns.length];
        this.locks = new ReentrantLock[argGfns.length];
        for (int v = 0; v < pageGpa.length; v++) {
            pageGpa[v] = argGfns[v] << GuestPage.PAGE_SHIFT;
            locks[v] = new ReentrantLock();
        }
    }

    /** Frames on the argument pages of {@link Layout#standard}. */
    public static ArgStack standard(GuestMemory memory, Layout layout, VcpuOfThread vcpuOfThread) {
        long[] gfns = new long[layout.vcpus()];
        for (int v = 0; v < gfns.length; v++) {
            gfns[v] = layout.standardArgGfn(v);
        }
        return new ArgStack(memory, gfns, vcpuOfThread);
    }

    /** The vCPU the calling thread acts as: its own, or 0 for a thread that is not a vCPU. */
    public int currentVcpu() {
        int v = vcpuOfThread.currentVcpu();
        return v < 0 ? 0 : v;
    }

    /** Whether the calling thread is one of the kernel's vCPUs. */
    public boolean onVcpu() {
        return vcpuOfThread.currentVcpu() >= 0;
    }

    /** A frame on the calling thread's vCPU (vCPU 0 for other threads). */
    public Frame enter() {
        return enter(currentVcpu());
    }

    /** A zeroed frame on {@code vcpu}'s page, issuing hypercalls as that vCPU. */
    public Frame enter(int vcpu) {
        ReentrantLock lock = locks[vcpu];
        lock.lock();
        int depth = lock.getHoldCount() - 1;
        if (depth >= MAX_DEPTH) {
            lock.unlock();
            throw new IllegalStateException("hypercall frames nested " + depth + " deep on vCPU " + vcpu);
        }
        long gpa = pageGpa[vcpu] + (long) depth * FRAME_SIZE;
        memory.write(gpa, ZEROS, 0, FRAME_SIZE);
        return new Frame(vcpu, gpa, lock);
    }

    /** One argument struct in guest memory, owned until {@link #close()}. */
    public static final class Frame implements AutoCloseable {
        private final int vcpu;
        private final long gpa;
        private final ReentrantLock lock;

        private Frame(int vcpu, long gpa, ReentrantLock lock) {
            this.vcpu = vcpu;
            this.gpa = gpa;
            this.lock = lock;
        }

        /** The vCPU that issues the hypercall. */
        public int vcpu() {
            return vcpu;
        }

        /** Where the struct is. */
        public long gpa() {
            return gpa;
        }

        @Override
        public void close() {
            lock.unlock();
        }
    }
}
