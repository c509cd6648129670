package io.xenabi.evtchn.fifo.impl;

import static io.xenabi.evtchn.EvtchnFifo.*;

import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import io.xenabi.evtchn.EvtchnOp;
import io.xenabi.evtchn.EvtchnPortOps;
import io.xenabi.evtchn.testkit.FakeEvtchnDomain;
import java.util.ArrayList;
import java.util.List;

/**
 * The guest side of the FIFO ABI for tests, after the consumer protocol Linux follows
 * (drivers/xen/events/events_fifo.c): take the READY word, walk each ready queue from its head
 * by LINK, clearing LINKED atomically, and handle events that are pending and unmasked.
 */
final class FifoGuest {
    static final long ARG = 1 * 4096;
    static final long CONTROL_GFN = 8; // + vcpu
    static final long ARRAY_GFN = 32;  // + page

    final GuestMemory mem;
    final EvtchnPortOps ops;
    private final int[][] heads = new int[2][EVTCHN_FIFO_MAX_QUEUES];
    private int pages;

    FifoGuest(GuestMemory mem, EvtchnPortOps ops) {
        this.mem = mem;
        this.ops = ops;
    }

    long initControl(int vcpu, long gfn, int offset) {
        mem.write64(ARG + EvtchnOp.INIT_CONTROL_CONTROL_GFN, gfn);
        mem.write32(ARG + EvtchnOp.INIT_CONTROL_OFFSET, offset);
        mem.write32(ARG + EvtchnOp.INIT_CONTROL_VCPU, vcpu);
        mem.write8(ARG + EvtchnOp.INIT_CONTROL_LINK_BITS, 0);
        return FakeEvtchnDomain.setupOp(mem, ops, 0, EvtchnOp.EVTCHNOP_init_control, ARG,
                EvtchnOp.SIZEOF_EVTCHN_INIT_CONTROL);
    }

    long expand(long gfn) {
        mem.write64(ARG + EvtchnOp.EXPAND_ARRAY_ARRAY_GFN, gfn);
        long rc = FakeEvtchnDomain.setupOp(mem, ops, 0, EvtchnOp.EVTCHNOP_expand_array, ARG,
                EvtchnOp.SIZEOF_EVTCHN_EXPAND_ARRAY);
        if (rc == 0) {
            pages++;
        }
        return rc;
    }

    long expand() {
        return expand(ARRAY_GFN + pages);
    }

    void setUp() {
        if (initControl(0, CONTROL_GFN, 0) != 0 || initControl(1, CONTROL_GFN + 1, 0) != 0 || expand() != 0) {
            throw new AssertionError("FIFO set-up failed");
        }
    }

    GuestPage wordPage(int port) {
        return mem.page(ARRAY_GFN + port / EVENT_WORDS_PER_PAGE);
    }

    static int wordOff(int port) {
        return (port % EVENT_WORDS_PER_PAGE) * 4;
    }

    int word(int port) {
        return wordPage(port).get32(wordOff(port));
    }

    void mask(int port) {
        wordPage(port).getAndOr32(wordOff(port), 1 << EVTCHN_FIFO_MASKED);
    }

    GuestPage control(int vcpu) {
        return mem.page(CONTROL_GFN + vcpu);
    }

    int head(int vcpu, int priority) {
        return control(vcpu).get32(io.xenabi.evtchn.EvtchnFifo.head(priority));
    }

    int ready(int vcpu) {
        return control(vcpu).get32(CONTROL_BLOCK_READY);
    }

    /** One upcall's worth of work on {@code vcpu}: the ports handled, in order. */
    List<Integer> consume(int vcpu) {
        List<Integer> handled = new ArrayList<>();
        GuestPage cb = control(vcpu);
        int ready = cb.getAndAnd32(CONTROL_BLOCK_READY, 0);
        while (ready != 0) {
            int q = Integer.numberOfTrailingZeros(ready);
            int port = heads[vcpu][q];
            if (port == 0) {
                port = cb.get32(io.xenabi.evtchn.EvtchnFifo.head(q));
            }
            GuestPage page = wordPage(port);
            int off = wordOff(port);
            int old;
            int next;
            do {
                old = page.get32(off);
                next = old & ~((1 << EVTCHN_FIFO_LINKED) | EVTCHN_FIFO_LINK_MASK);
            } while (!page.compareAndSet32(off, old, next));
            int link = old & EVTCHN_FIFO_LINK_MASK;
            if (link == 0) {
                ready &= ~(1 << q);
            }
            heads[vcpu][q] = link;
            if ((old & (1 << EVTCHN_FIFO_PENDING)) != 0 && (old & (1 << EVTCHN_FIFO_MASKED)) == 0) {
                page.getAndAnd32(off, ~(1 << EVTCHN_FIFO_PENDING));
                handled.add(port);
            }
        }
        return handled;
    }
}
