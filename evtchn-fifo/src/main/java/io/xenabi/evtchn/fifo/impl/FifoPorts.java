package io.xenabi.evtchn.fifo.impl;

import static io.xenabi.evtchn.EvtchnFifo.CONTROL_BLOCK_READY;
import static io.xenabi.evtchn.EvtchnFifo.EVENT_WORDS_PER_PAGE;
import static io.xenabi.evtchn.EvtchnFifo.EVTCHN_FIFO_BUSY;
import static io.xenabi.evtchn.EvtchnFifo.EVTCHN_FIFO_LINKED;
import static io.xenabi.evtchn.EvtchnFifo.EVTCHN_FIFO_LINK_BITS;
import static io.xenabi.evtchn.EvtchnFifo.EVTCHN_FIFO_LINK_MASK;
import static io.xenabi.evtchn.EvtchnFifo.EVTCHN_FIFO_MASKED;
import static io.xenabi.evtchn.EvtchnFifo.EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES;
import static io.xenabi.evtchn.EvtchnFifo.EVTCHN_FIFO_MAX_QUEUES;
import static io.xenabi.evtchn.EvtchnFifo.EVTCHN_FIFO_NR_CHANNELS;
import static io.xenabi.evtchn.EvtchnFifo.EVTCHN_FIFO_PENDING;
import static io.xenabi.evtchn.EvtchnFifo.EVTCHN_FIFO_PRIORITY_DEFAULT;
import static io.xenabi.evtchn.EvtchnFifo.EVTCHN_FIFO_PRIORITY_MIN;
import static io.xenabi.evtchn.EvtchnFifo.SIZEOF_CONTROL_BLOCK;

import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import io.xenabi.abi.XenErrno;
import io.xenabi.evtchn.EvtchnDomain;
import io.xenabi.evtchn.EvtchnFifo;
import io.xenabi.evtchn.EvtchnOp;
import io.xenabi.evtchn.EvtchnPort;
import io.xenabi.evtchn.EvtchnPortOps;
import io.xenabi.evtchn.EvtchnSetupArg;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One domain on the FIFO ABI: Xen's {@code struct evtchn_fifo_domain} and the per-vCPU
 * {@code struct evtchn_fifo_vcpu}, with the event words and control blocks living in the
 * guest's own pages. Guest and hypervisor change the same words concurrently, so every
 * change of an event word is an atomic read-modify-write, following the protocol of
 * xen/common/event_fifo.c (LINKED/BUSY, try_set_link).
 */
final class FifoPorts implements EvtchnPortOps {
    static final int STATE_MAGIC = 0x58464946; // "XFIF"
    static final int STATE_VERSION = 1;

    /** Xen's struct evtchn_fifo_queue: the head lives in the control block, the tail here. */
    static final class Queue {
        final int vcpu;
        final int priority;
        final ReentrantLock lock = new ReentrantLock();
        int tail;

        Queue(int vcpu, int priority) {
            this.vcpu = vcpu;
            this.priority = priority;
        }

        int order() {
            return vcpu * EVTCHN_FIFO_MAX_QUEUES + priority;
        }
    }

    /** Xen's struct evtchn_fifo_vcpu. */
    static final class FifoVcpu {
        final Queue[] queues = new Queue[EVTCHN_FIFO_MAX_QUEUES];
        volatile GuestPage controlPage;
        volatile int controlOffset;
        long controlGfn = -1;

        FifoVcpu(int id) {
            for (int i = 0; i < queues.length; i++) {
                queues[i] = new Queue(id, i);
            }
        }
    }

    private final EvtchnDomain domain;
    private final GuestMemory memory;
    /** Null until the first init_control (Xen's d->evtchn_fifo). */
    private volatile FifoVcpu[] vcpus;
    private final GuestPage[] eventArray = new GuestPage[EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES];
    private final long[] eventArrayGfns = new long[EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES];
    /** Xen's num_evtchns: ports that have an event word. */
    private volatile int numEvtchns;

    FifoPorts(EvtchnDomain domain) {
        this.domain = domain;
        this.memory = domain.memory();
    }

    // ------------------------------------------------------------ last queue

    /**
     * Xen's {@code union evtchn_fifo_lastq} as the one word {@link EvtchnPort#lastQueue()}
     * keeps: {@code last_priority} in byte 0, {@code last_vcpu_id} in bytes 2-3, so a send
     * reads the vCPU and the priority of the last queue in one read.
     */
    static int lastq(int vcpu, int priority) {
        return (vcpu << 16) | (priority & 0xFF);
    }

    static int lastqVcpu(int raw) {
        return raw >>> 16;
    }

    static int lastqPriority(int raw) {
        return raw & 0xFF;
    }

    /** The queue a last-queue word names (a word from before the domain's vCPU count is clamped). */
    private static Queue lastQueue(FifoVcpu[] vs, int raw) {
        int vcpu = lastqVcpu(raw);
        return vs[vcpu < vs.length ? vcpu : 0].queues[lastqPriority(raw) % EVTCHN_FIFO_MAX_QUEUES];
    }

    // ------------------------------------------------------------ event words

    private GuestPage wordPage(int port) {
        if (port < 0 || port >= numEvtchns) {
            return null;
        }
        return eventArray[port / EVENT_WORDS_PER_PAGE];
    }

    private static int wordOffset(int port) {
        return (port % EVENT_WORDS_PER_PAGE) * 4;
    }

    private static boolean testAndSet(GuestPage page, int off, int bit) {
        return (page.getAndOr32(off, 1 << bit) & (1 << bit)) != 0;
    }

    private static void clearBit(GuestPage page, int off, int bit) {
        page.getAndAnd32(off, ~(1 << bit));
    }

    private static boolean testBit(GuestPage page, int off, int bit) {
        return (page.get32(off) & (1 << bit)) != 0;
    }

    @Override
    public int maxPorts() {
        return EVTCHN_FIFO_NR_CHANNELS;
    }

    @Override
    public void init(EvtchnPort port) {
        port.setPriority(EVTCHN_FIFO_PRIORITY_DEFAULT);
    }

    /** Xen's setup_ports: keep the pending state, reset the priority. */
    @Override
    public void adopt(EvtchnPort port, boolean pending) {
        port.setPriority(EVTCHN_FIFO_PRIORITY_DEFAULT);
        if (pending) {
            if (wordPage(port.port()) == null) {
                port.setSavedPending(true);
            } else {
                setPending(port);
            }
        }
    }

    /**
     * try_set_link: sets the LINK field of a word iff it is still LINKED. Returns 1 when
     * linked, 0 when the word is no longer linked, -1 when the guest changed it meanwhile.
     */
    private static int trySetLink(GuestPage page, int off, int[] w, int link) {
        int old = w[0];
        if ((old & (1 << EVTCHN_FIFO_LINKED)) == 0) {
            return 0;
        }
        int now = (old & ~((1 << EVTCHN_FIFO_BUSY) | EVTCHN_FIFO_LINK_MASK)) | link;
        if (page.compareAndSet32(off, old, now)) {
            return 1;
        }
        w[0] = page.get32(off);
        return -1;
    }

    /**
     * evtchn_fifo_set_link: the guest may only set/clear MASKED, clear PENDING and clear
     * LINKED on a linked word; marking the tail BUSY blocks its unmask, so the compare-and-set
     * fails at most a few times.
     */
    private static boolean setLink(GuestPage page, int off, int link) {
        int[] w = {page.get32(off)};
        int ret = trySetLink(page, off, w, link);
        if (ret >= 0) {
            return ret == 1;
        }
        page.getAndOr32(off, 1 << EVTCHN_FIFO_BUSY);
        w[0] = page.get32(off);
        for (int attempt = 0; attempt < 4; attempt++) {
            ret = trySetLink(page, off, w, link);
            if (ret >= 0) {
                if (ret == 0) {
                    clearBit(page, off, EVTCHN_FIFO_BUSY);
                }
                return ret == 1;
            }
        }
        clearBit(page, off, EVTCHN_FIFO_BUSY);
        return true;
    }

    @Override
    public void setPending(EvtchnPort port) {
        int p = port.port();
        GuestPage page = wordPage(p);
        FifoVcpu[] vs = vcpus;
        if (page == null || vs == null) {
            // The event array page may not exist yet: remember for add_page_to_event_array,
            // on the port (Xen's evtchn->pending), where a close or a reset leaves it.
            port.setSavedPending(true);
            return;
        }
        int off = wordOffset(p);
        int vcpu = port.notifyVcpu();
        FifoVcpu v = vs[vcpu];
        Queue q = null;
        Queue oldQ = null;
        boolean locked = false;
        // Lock the queue the port goes to and the one it was last on (two on a move).
        for (int attempt = 0; attempt < 3 && !locked; attempt++) {
            q = v.queues[port.priority()];
            int lastq = port.lastQueue();
            oldQ = lastQueue(vs, lastq);
            lockPair(q, oldQ);
            if (q == v.queues[port.priority()] && lastq == port.lastQueue()) {
                locked = true;
            } else {
                unlockPair(q, oldQ);
            }
        }
        if (!locked) {
            return; // Xen: "lost event (too many queue changes)"
        }
        boolean linked = true;
        boolean checkPollers = false;
        try {
            if (v.controlPage == null) {
                return; // no control block: the guest cannot have unmasked, drop the event
            }
            // evtchn_fifo_set_pending: pollers are checked only when PENDING was newly set.
            checkPollers = (page.getAndOr32(off, 1 << EVTCHN_FIFO_PENDING) & (1 << EVTCHN_FIFO_PENDING)) == 0;
            if (!testBit(page, off, EVTCHN_FIFO_MASKED) && !testAndSet(page, off, EVTCHN_FIFO_LINKED)) {
                // If this event was a tail, the old queue is now empty.
                if (oldQ.tail == p) {
                    oldQ.tail = 0;
                }
                if (oldQ != q) {
                    port.setLastQueue(lastq(vcpu, q.priority));
                    oldQ.lock.unlock();
                    oldQ = q;
                }
                linked = false;
                if (q.tail != 0) {
                    GuestPage tailPage = wordPage(q.tail);
                    linked = setLink(tailPage, wordOffset(q.tail), p);
                }
                if (!linked) {
                    v.controlPage.set32(v.controlOffset + EvtchnFifo.head(q.priority), p);
                }
                q.tail = p;
            }
        } finally {
            unlockPair(q, oldQ);
        }
        if (!linked && !testAndSet(v.controlPage, v.controlOffset + CONTROL_BLOCK_READY, q.priority)) {
            domain.markEventsPending(vcpu);
        }
        if (checkPollers) {
            domain.checkPollers(p);
        }
    }

    /** Pollers are checked in {@link #setPending}, only when PENDING went from 0 to 1. */
    @Override
    public boolean checksPollers() {
        return true;
    }

    private static void lockPair(Queue a, Queue b) {
        if (a == b) {
            a.lock.lock();
        } else if (a.order() < b.order()) {
            a.lock.lock();
            b.lock.lock();
        } else {
            b.lock.lock();
            a.lock.lock();
        }
    }

    private static void unlockPair(Queue a, Queue b) {
        if (a != b) {
            b.lock.unlock();
        }
        a.lock.unlock();
    }

    /**
     * Just clears PENDING: the guest unlinks and ignores non-pending events. Without a word
     * there is nothing to clear, and the saved pending flag stays (evtchn_fifo_clear_pending).
     */
    @Override
    public void clearPending(EvtchnPort port) {
        GuestPage page = wordPage(port.port());
        if (page != null) {
            clearBit(page, wordOffset(port.port()), EVTCHN_FIFO_PENDING);
        }
    }

    @Override
    public void unmask(EvtchnPort port) {
        GuestPage page = wordPage(port.port());
        if (page == null) {
            return;
        }
        int off = wordOffset(port.port());
        clearBit(page, off, EVTCHN_FIFO_MASKED);
        if (testBit(page, off, EVTCHN_FIFO_PENDING)) {
            setPending(port);
        }
    }

    @Override
    public boolean isPending(EvtchnPort port) {
        GuestPage page = wordPage(port.port());
        return page != null && testBit(page, wordOffset(port.port()), EVTCHN_FIFO_PENDING);
    }

    @Override
    public boolean isMasked(EvtchnPort port) {
        GuestPage page = wordPage(port.port());
        return page == null || testBit(page, wordOffset(port.port()), EVTCHN_FIFO_MASKED);
    }

    @Override
    public boolean isBusy(EvtchnPort port) {
        GuestPage page = wordPage(port.port());
        return page != null && testBit(page, wordOffset(port.port()), EVTCHN_FIFO_LINKED);
    }

    @Override
    public boolean hasPriorities() {
        return true;
    }

    /** evtchn_fifo_set_priority; domain-core has checked that the port is in use. */
    @Override
    public int setPriority(EvtchnPort port, int priority) {
        if (Integer.compareUnsigned(priority, EVTCHN_FIFO_PRIORITY_MIN) > 0) {
            return -XenErrno.EINVAL;
        }
        // Only future events move; one already linked stays on its old queue, as in Xen.
        port.setPriority(priority);
        return 0;
    }

    @Override
    public String printState(EvtchnPort port) {
        GuestPage page = wordPage(port.port());
        if (page == null) {
            return "no-word";
        }
        int w = page.get32(wordOffset(port.port()));
        String busy = (w & (1 << EVTCHN_FIFO_BUSY)) != 0 ? "B " : "";
        String link = (w & (1 << EVTCHN_FIFO_LINKED)) != 0 ? "link=" + (w & EVTCHN_FIFO_LINK_MASK) : "unlinked";
        int lastq = port.lastQueue();
        return String.format("%sword=0x%08x %s q=v%d/p%d", busy, w, link, lastqVcpu(lastq), lastqPriority(lastq));
    }

    // ------------------------------------------------------------ setup ops

    @Override
    public long setupOp(int vcpu, int cmd, EvtchnSetupArg arg) {
        return switch (cmd) {
            case EvtchnOp.EVTCHNOP_init_control -> initControl(arg);
            case EvtchnOp.EVTCHNOP_expand_array -> expandArray(arg);
            default -> -XenErrno.ENOSYS;
        };
    }

    /** evtchn_fifo_init_control; domain-core copies the struct (with link_bits) back on success. */
    private long initControl(EvtchnSetupArg arg) {
        long gfn = arg.u64(EvtchnOp.INIT_CONTROL_CONTROL_GFN);
        int offset = arg.u32(EvtchnOp.INIT_CONTROL_OFFSET);
        int vcpuId = arg.u32(EvtchnOp.INIT_CONTROL_VCPU);
        arg.put8(EvtchnOp.INIT_CONTROL_LINK_BITS, EVTCHN_FIFO_LINK_BITS);
        if (Integer.compareUnsigned(vcpuId, domain.maxVcpus()) >= 0) {
            return -XenErrno.ENOENT;
        }
        // Must not cross the page boundary, and must be 8-byte aligned.
        if (Integer.compareUnsigned(offset, GuestPage.PAGE_SIZE - SIZEOF_CONTROL_BLOCK) > 0 || (offset & 7) != 0) {
            return -XenErrno.EINVAL;
        }
        FifoVcpu[] vs = vcpus;
        boolean first = vs == null;
        if (first) {
            vs = new FifoVcpu[domain.maxVcpus()];
            for (int i = 0; i < vs.length; i++) {
                vs[i] = new FifoVcpu(i);
            }
        }
        FifoVcpu v = vs[vcpuId];
        if (v.controlPage != null) {
            return -XenErrno.EINVAL;
        }
        if (!memory.isValidGfn(gfn) || memory.isForeign(gfn)) {
            return -XenErrno.EINVAL; // map_guest_page fails (for a grant-mapped page too: not the domain's own)
        }
        v.controlGfn = gfn;
        v.controlOffset = offset;
        v.controlPage = memory.page(gfn);
        if (first) {
            vcpus = vs;
        }
        return 0;
    }

    /** evtchn_fifo_expand_array / add_page_to_event_array. */
    private long expandArray(EvtchnSetupArg arg) {
        long gfn = arg.u64(EvtchnOp.EXPAND_ARRAY_ARRAY_GFN);
        if (vcpus == null) {
            return -XenErrno.EOPNOTSUPP;
        }
        int first = numEvtchns;
        int slot = first / EVENT_WORDS_PER_PAGE;
        if (slot >= EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES) {
            return -XenErrno.ENOSPC;
        }
        if (!memory.isValidGfn(gfn) || memory.isForeign(gfn)) {
            return -XenErrno.EINVAL; // map_guest_page fails
        }
        eventArray[slot] = memory.page(gfn);
        eventArrayGfns[slot] = gfn;
        numEvtchns = first + EVENT_WORDS_PER_PAGE; // volatile: publishes the page
        reraise(first, numEvtchns);
        return 0;
    }

    /**
     * Re-raises events that were pending while their page was missing: every valid port of
     * the new page whose saved flag is set, whatever its state now (a free port too, which
     * becomes LINKED and so busy). As in add_page_to_event_array, the flag is left set.
     */
    private void reraise(int from, int to) {
        int limit = Math.min(to, domain.validPorts());
        for (int p = from; p < limit; p++) {
            EvtchnPort port = domain.port(p);
            if (port != null && port.savedPending()) {
                setPending(port);
            }
        }
    }

    // ------------------------------------------------------------ handover

    @Override
    public byte[] exportState() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(STATE_MAGIC);
            out.writeInt(STATE_VERSION);
            FifoVcpu[] vs = vcpus;
            out.writeInt(vs == null ? -1 : vs.length);
            if (vs != null) {
                for (FifoVcpu v : vs) {
                    out.writeLong(v.controlPage == null ? -1 : v.controlGfn);
                    out.writeInt(v.controlOffset);
                    for (Queue q : v.queues) {
                        out.writeInt(q.tail);
                    }
                }
            }
            int pages = numEvtchns / EVENT_WORDS_PER_PAGE;
            out.writeInt(pages);
            for (int i = 0; i < pages; i++) {
                out.writeLong(eventArrayGfns[i]);
            }
            out.writeInt(0); // the saved pending flags live on the ports now (version 1 listed them here)
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }

    static FifoPorts importState(EvtchnDomain domain, byte[] state) {
        if (state == null) {
            throw new IllegalArgumentException("no FIFO state given");
        }
        FifoPorts f = new FifoPorts(domain);
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(state))) {
            int magic = in.readInt();
            if (magic != STATE_MAGIC) {
                throw new IllegalArgumentException("not FIFO state (magic 0x" + Integer.toHexString(magic) + ")");
            }
            int version = in.readInt();
            if (version != STATE_VERSION) {
                throw new IllegalArgumentException("FIFO state version " + version + " is not readable by version "
                        + STATE_VERSION);
            }
            int n = in.readInt();
            if (n != -1 && n != domain.maxVcpus()) {
                throw new IllegalArgumentException("FIFO state has " + n + " vCPUs, the domain " + domain.maxVcpus());
            }
            if (n > 0) {
                FifoVcpu[] vs = new FifoVcpu[n];
                for (int i = 0; i < n; i++) {
                    FifoVcpu v = new FifoVcpu(i);
                    long gfn = in.readLong();
                    v.controlOffset = in.readInt();
                    for (Queue q : v.queues) {
                        q.tail = in.readInt();
                    }
                    if (gfn != -1) {
                        v.controlGfn = gfn;
                        v.controlPage = domain.memory().page(gfn);
                    }
                    vs[i] = v;
                }
                f.vcpus = vs;
            }
            int pages = in.readInt();
            if (pages < 0 || pages > EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES) {
                throw new IllegalArgumentException("FIFO state names " + pages + " event array pages");
            }
            for (int i = 0; i < pages; i++) {
                f.eventArrayGfns[i] = in.readLong();
                f.eventArray[i] = domain.memory().page(f.eventArrayGfns[i]);
            }
            f.numEvtchns = pages * EVENT_WORDS_PER_PAGE;
            int pend = in.readInt();
            for (int i = 0; i < pend; i++) {
                EvtchnPort port = domain.port(in.readInt()); // from an implementation that kept them itself
                if (port != null) {
                    port.setSavedPending(true);
                }
            }
            if (in.available() != 0) {
                throw new IllegalArgumentException("FIFO state has " + in.available() + " trailing bytes");
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalArgumentException("truncated or corrupt FIFO state: " + e.getMessage());
        }
        return f;
    }

    @Override
    public void destroy() {
        vcpus = null;
        numEvtchns = 0;
        java.util.Arrays.fill(eventArray, null);
    }
}
