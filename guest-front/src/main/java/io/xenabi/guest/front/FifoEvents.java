package io.xenabi.guest.front;

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
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The FIFO front-end, after Linux's {@code drivers/xen/events/events_fifo.c}: a control block
 * per vCPU (READY bits and the HEAD of 16 priority queues, written by Xen), an event array of
 * 32-bit event words grown page by page, and the HEAD of each queue the guest keeps for itself
 * while it walks the LINKs.
 */
public final class FifoEvents implements EvtchnOps {
    private static final int PENDING = 1 << EVTCHN_FIFO_PENDING;
    private static final int MASKED = 1 << EVTCHN_FIFO_MASKED;
    private static final int LINKED = 1 << EVTCHN_FIFO_LINKED;
    private static final int BUSY = 1 << EVTCHN_FIFO_BUSY;
    /** How long a close waits for its port to leave a queue. */
    private static final long UNLINK_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Hypercalls calls;
    private final GuestMemory memory;
    private final Layout layout;
    private final ArgStack args;
    private final GuestPage[] controlBlocks;
    /**
     * Per vCPU and priority: the next port to take, 0 when the guest reached the tail. Each
     * vCPU's row has a cache line of padding after its queues, so two vCPUs' rows never share
     * a line (Linux keeps them per CPU).
     */
    private final int[][] queueHeads;
    private final GuestPage[] eventArray = new GuestPage[EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES];
    /** Pages of {@link #eventArray} Xen has accepted; written under {@code this}. */
    private volatile int eventArrayPages;
    private volatile int linkBits;

    public FifoEvents(Hypercalls calls, Layout layout, ArgStack args) {
        this.calls = calls;
        this.memory = calls.memory();
        this.layout = layout;
        this.args = args;
        this.controlBlocks = new GuestPage[layout.vcpus()];
        this.queueHeads = new int[layout.vcpus()][EVTCHN_FIFO_MAX_QUEUES + 16];
    }

    /**
     * EVTCHNOP_init_control for {@code vcpu}, issued by that vCPU, with a cleared control block
     * and cleared local HEADs (Linux's {@code init_control_block}). Returns Xen's result; the
     * first success switches the domain to FIFO.
     */
    public long initControl(int vcpu) {
        long gfn = layout.controlBlockGfn(vcpu);
        GuestPage block = memory.page(gfn);
        block.fill(0, GuestPage.PAGE_SIZE, (byte) 0);
        Arrays.fill(queueHeads[vcpu], 0);
        long rc;
        try (ArgStack.Frame f = args.enter(vcpu)) {
            rc = calls.initControl(f.vcpu(), f.gpa(), gfn, 0, vcpu);
            if (rc == 0) {
                linkBits = calls.linkBits(f.gpa());
            }
        }
        if (rc == 0) {
            controlBlocks[vcpu] = block;
        }
        return rc;
    }

    /** The {@code link_bits} Xen reported (17), 0 before the first init_control. */
    public int linkBits() {
        return linkBits;
    }

    /** Event-array pages in use. */
    public int eventArrayPages() {
        return eventArrayPages;
    }

    @Override
    public String name() {
        return "fifo";
    }

    @Override
    public int maxChannels() {
        return eventArrayPages * EVENT_WORDS_PER_PAGE;
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
        if (port < 0 || needed > EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES) {
            return -XenErrno.EINVAL;
        }
        while (eventArrayPages < needed) {
            int index = eventArrayPages;
            long gfn = layout.eventArrayGfn(index);
            GuestPage page = memory.page(gfn);
            maskPage(page);
            long rc;
            try (ArgStack.Frame f = args.enter()) {
                rc = calls.expandArray(f.vcpu(), f.gpa(), gfn);
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
    public int word(int port) {
        GuestPage page = pageOf(port);
        return page == null ? MASKED : page.get32(offsetOf(port));
    }

    /** {@code vcpu}'s control block, or null before its init_control. */
    public GuestPage controlBlock(int vcpu) {
        return controlBlocks[vcpu];
    }

    /** The event-array page holding {@code port}'s word, or null beyond the array. */
    public GuestPage eventPage(int port) {
        return pageOf(port);
    }

    @Override
    public void mask(int port) {
        GuestPage page = pageOf(port);
        if (page != null) {
            page.getAndOr32(offsetOf(port), MASKED);
        }
    }

    /**
     * Linux's {@code evtchn_fifo_unmask}: clears MASKED itself when the event is not pending,
     * by a compare-and-swap that expects BUSY clear (so it waits while Xen holds the word);
     * when it is pending, EVTCHNOP_unmask has Xen clear MASKED and link the event.
     */
    @Override
    public void unmask(int vcpu, int port) {
        GuestPage page = pageOf(port);
        if (page == null) {
            return;
        }
        int off = offsetOf(port);
        int w = page.get32(off);
        while (true) {
            if ((w & MASKED) == 0) {
                return;
            }
            if ((w & PENDING) != 0) {
                break;
            }
            int old = w & ~BUSY;
            if (page.compareAndSet32(off, old, old & ~MASKED)) {
                return;
            }
            Thread.onSpinWait();
            w = page.get32(off);
        }
        try (ArgStack.Frame f = args.enter(vcpu)) {
            calls.unmask(f.vcpu(), f.gpa(), port);
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
    public boolean isMasked(int port) {
        return (word(port) & MASKED) != 0;
    }

    /** Whether {@code port}'s word is LINKED into a queue. */
    public boolean isLinked(int port) {
        return (word(port) & LINKED) != 0;
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

    /**
     * Takes READY with one exchange and consumes one event at a time from the highest-priority
     * ready queue, re-reading READY after each, so a higher-priority event overtakes the rest
     * (Linux's {@code consume_one_event}). The guest walks a queue by its own HEAD copy, reading
     * Xen's HEAD only when it reached the tail last time; each word leaves its queue with one
     * compare-and-swap clearing LINKED and LINK ({@code clear_linked}), and is delivered when
     * pending and unmasked, PENDING cleared first.
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
            int next = 0;
            GuestPage page = port == 0 ? null : pageOf(port);
            if (page != null) {
                int off = offsetOf(port);
                int w;
                do {
                    w = page.get32(off);
                } while (!page.compareAndSet32(off, w, w & ~(LINKED | EVTCHN_FIFO_LINK_MASK)));
                next = w & EVTCHN_FIFO_LINK_MASK;
                if ((page.get32(off) & (PENDING | MASKED)) == PENDING
                        && (page.getAndAnd32(off, ~PENDING) & PENDING) != 0) {
                    found++;
                    dispatcher.deliver(vcpu, port);
                }
            }
            if (next == 0) {
                ready &= ~(1 << priority);
            }
            heads[priority] = next;
            ready |= block.getAndAnd32(EvtchnFifo.CONTROL_BLOCK_READY, 0);
        }
        return found;
    }

    /**
     * Linux's {@code evtchn_fifo_resume}: every vCPU registers its control block again, cleared,
     * issued by that vCPU; the event array starts out empty again and grows as ports are bound
     * again (its pages are reused).
     */
    @Override
    public synchronized long resume() {
        for (int v = 0; v < controlBlocks.length; v++) {
            long rc = initControl(v);
            if (rc < 0) {
                return rc;
            }
        }
        eventArrayPages = 0;
        return 0;
    }
}
