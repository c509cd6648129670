package io.xenabi.guest.impl;

import static io.xenabi.evtchn.EvtchnFifo.EVENT_WORDS_PER_PAGE;
import static io.xenabi.evtchn.EvtchnFifo.EVTCHN_FIFO_BUSY;
import static io.xenabi.evtchn.EvtchnFifo.EVTCHN_FIFO_LINKED;
import static io.xenabi.evtchn.EvtchnFifo.EVTCHN_FIFO_LINK_MASK;
import static io.xenabi.evtchn.EvtchnFifo.EVTCHN_FIFO_MASKED;
import static io.xenabi.evtchn.EvtchnFifo.EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES;
import static io.xenabi.evtchn.EvtchnFifo.EVTCHN_FIFO_MAX_QUEUES;
import static io.xenabi.evtchn.EvtchnFifo.EVTCHN_FIFO_PENDING;

import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import io.xenabi.abi.XenErrno;
import io.xenabi.evtchn.EvtchnFifo;
import io.xenabi.evtchn.EvtchnOp;
import io.xenabi.guest.EvtchnAbi;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The FIFO front-end, after Linux's {@code drivers/xen/events/events_fifo.c}: a control block
 * per vCPU (READY bits and the HEAD of 16 priority queues, written by Xen), an event array of
 * 32-bit event words grown page by page, and the HEAD of each queue the guest keeps for itself
 * while it walks the LINKs.
 */
final class FifoEvents implements EvtchnOps {
    private static final int PENDING = 1 << EVTCHN_FIFO_PENDING;
    private static final int MASKED = 1 << EVTCHN_FIFO_MASKED;
    private static final int LINKED = 1 << EVTCHN_FIFO_LINKED;
    private static final int BUSY = 1 << EVTCHN_FIFO_BUSY;
    /** How long a close waits for its port to leave a queue. */
    private static final long UNLINK_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final GuestMemory memory;
    private final Physmap physmap;
    private final ArgStack args;
    private final GuestPage[] controlBlocks;
    /** Per vCPU and priority: the next port to take, 0 when the guest reached the tail. */
    private final int[][] queueHeads;
    private final GuestPage[] eventArray = new GuestPage[EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES];
    /** Pages of {@link #eventArray} Xen has accepted; written under {@code this}. */
    private volatile int eventArrayPages;
    private volatile int linkBits;

    FifoEvents(GuestMemory memory, Physmap physmap, ArgStack args) {
        this.memory = memory;
        this.physmap = physmap;
        this.args = args;
        this.controlBlocks = new GuestPage[physmap.vcpus()];
        this.queueHeads = new int[physmap.vcpus()][EVTCHN_FIFO_MAX_QUEUES];
    }

    /**
     * EVTCHNOP_init_control for {@code vcpu} with a cleared control block and cleared local
     * HEADs (Linux's {@code init_control_block}). Returns Xen's result; the first success
     * switches the domain to FIFO.
     */
    long initControl(int vcpu) {
        long gfn = physmap.controlBlockGfn(vcpu);
        GuestPage block = memory.page(gfn);
        block.fill(0, GuestPage.PAGE_SIZE, (byte) 0);
        java.util.Arrays.fill(queueHeads[vcpu], 0);
        long rc;
        try (ArgStack.Frame f = args.enter(vcpu)) {
            f.put64(EvtchnOp.INIT_CONTROL_CONTROL_GFN, gfn)
                    .put32(EvtchnOp.INIT_CONTROL_OFFSET, 0)
                    .put32(EvtchnOp.INIT_CONTROL_VCPU, vcpu);
            rc = f.evtchnOp(EvtchnOp.EVTCHNOP_init_control);
            if (rc == 0) {
                linkBits = f.u8(EvtchnOp.INIT_CONTROL_LINK_BITS);
            }
        }
        if (rc == 0) {
            controlBlocks[vcpu] = block;
        }
        return rc;
    }

    /** The {@code link_bits} Xen reported (17), 0 before the first init_control. */
    int linkBits() {
        return linkBits;
    }

    /** Event-array pages in use. */
    int eventArrayPages() {
        return eventArrayPages;
    }

    @Override
    public EvtchnAbi abi() {
        return EvtchnAbi.FIFO;
    }

    @Override
    public void maskAll() {
        for (int i = 0; i < eventArrayPages; i++) {
            maskPage(eventArray[i]);
        }
    }

    private static void maskPage(GuestPage page) {
        for (int i = 0; i < EVENT_WORDS_PER_PAGE; i++) {
            page.set32(4 * i, MASKED);
        }
    }

    /**
     * Grows the event array until it covers {@code port}, one EVTCHNOP_expand_array per page,
     * each page fully masked before Xen sees it (Linux's {@code evtchn_fifo_setup}).
     */
    @Override
    public synchronized long setup(int port) {
        int needed = port / EVENT_WORDS_PER_PAGE + 1;
        if (needed > EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES) {
            return -XenErrno.EINVAL;
        }
        while (eventArrayPages < needed) {
            int index = eventArrayPages;
            long gfn = physmap.eventArrayGfn(index);
            GuestPage page = memory.page(gfn);
            maskPage(page);
            long rc;
            try (ArgStack.Frame f = args.enter()) {
                f.put64(EvtchnOp.EXPAND_ARRAY_ARRAY_GFN, gfn);
                rc = f.evtchnOp(EvtchnOp.EVTCHNOP_expand_array);
            }
            if (rc < 0) {
                return rc;
            }
            eventArray[index] = page;
            eventArrayPages = index + 1;
        }
        return 0;
    }

    private GuestPage pageOf(int port) {
        int i = port / EVENT_WORDS_PER_PAGE;
        return port >= 0 && i < eventArrayPages ? eventArray[i] : null;
    }

    private static int offsetOf(int port) {
        return 4 * (port % EVENT_WORDS_PER_PAGE);
    }

    /** The event word of {@code port}; a port beyond the array reads as masked, not pending. */
    int word(int port) {
        GuestPage page = pageOf(port);
        return page == null ? MASKED : page.get32(offsetOf(port));
    }

    @Override
    public void mask(int port) {
        GuestPage page = pageOf(port);
        if (page != null) {
            page.getAndOr32(offsetOf(port), MASKED);
        }
    }

    /**
     * Clears MASKED with a compare-and-swap that expects BUSY clear, so it spins while Xen holds
     * the word (the BUSY protocol); if the event is pending, Xen must link it: EVTCHNOP_unmask.
     */
    @Override
    public void unmask(int port) {
        GuestPage page = pageOf(port);
        if (page == null) {
            return;
        }
        int off = offsetOf(port);
        int w = page.get32(off);
        while (true) {
            int old = w & ~BUSY;
            if (page.compareAndSet32(off, old, old & ~MASKED)) {
                break;
            }
            Thread.onSpinWait();
            w = page.get32(off);
        }
        if ((page.get32(off) & PENDING) != 0) {
            try (ArgStack.Frame f = args.enter()) {
                f.put32(EvtchnOp.PORT, port);
                f.evtchnOp(EvtchnOp.EVTCHNOP_unmask);
            }
        }
    }

    @Override
    public boolean isPending(int port) {
        return (word(port) & PENDING) != 0;
    }

    @Override
    public void clearPending(int port) {
        GuestPage page = pageOf(port);
        if (page != null) {
            page.getAndAnd32(offsetOf(port), ~PENDING);
        }
    }

    @Override
    public void remove(int port, boolean callerIsVcpu) {
        if (callerIsVcpu) {
            return; // the vCPU that would unlink it may be us: waiting could never end
        }
        long deadline = System.nanoTime() + UNLINK_WAIT_NANOS;
        while ((word(port) & LINKED) != 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(50_000);
        }
    }

    /** Clears LINKED and LINK in one compare-and-swap and returns the LINK it held. */
    private int clearLinked(int port) {
        GuestPage page = pageOf(port);
        if (page == null) {
            return 0;
        }
        int off = offsetOf(port);
        while (true) {
            int w = page.get32(off);
            if (page.compareAndSet32(off, w, w & ~(LINKED | EVTCHN_FIFO_LINK_MASK))) {
                return w & EVTCHN_FIFO_LINK_MASK;
            }
        }
    }

    /**
     * Takes READY with one exchange and consumes one event at a time from the highest-priority
     * ready queue, re-reading READY after each, so a higher-priority event overtakes the rest
     * (Linux's {@code consume_one_event}). The guest walks a queue by its own HEAD copy, reading
     * Xen's HEAD only when it reached the tail last time.
     */
    @Override
    public int handleEvents(int vcpu, Dispatcher dispatcher) {
        GuestPage block = controlBlocks[vcpu];
        if (block == null) {
            return 0;
        }
        int[] heads = queueHeads[vcpu];
        int found = 0;
        int ready = block.getAndAnd32(EvtchnFifo.CONTROL_BLOCK_READY, 0);
        while (ready != 0) {
            int priority = Integer.numberOfTrailingZeros(ready);
            int port = heads[priority];
            if (port == 0) {
                VarHandle.acquireFence();
                port = block.get32(EvtchnFifo.head(priority));
            }
            int next = clearLinked(port);
            if (next == 0) {
                ready &= ~(1 << priority);
            }
            GuestPage page = pageOf(port);
            if (page != null) {
                int off = offsetOf(port);
                if ((page.get32(off) & MASKED) == 0 && (page.getAndAnd32(off, ~PENDING) & PENDING) != 0) {
                    found++;
                    dispatcher.deliver(vcpu, port);
                }
            }
            heads[priority] = next;
            ready |= block.getAndAnd32(EvtchnFifo.CONTROL_BLOCK_READY, 0);
        }
        return found;
    }
}
