package io.xenabi.evtchn;

/**
 * The FIFO ABI's guest-visible constants (xen/include/public/event_channel.h, Xen 4.4+):
 * the 32-bit event word and the per-vCPU control block.
 */
public final class EvtchnFifo {
    public static final int EVTCHN_FIFO_PRIORITY_MAX = 0;
    public static final int EVTCHN_FIFO_PRIORITY_DEFAULT = 7;
    public static final int EVTCHN_FIFO_PRIORITY_MIN = 15;
    public static final int EVTCHN_FIFO_MAX_QUEUES = EVTCHN_FIFO_PRIORITY_MIN + 1;

    /** Bit numbers in an event word. */
    public static final int EVTCHN_FIFO_PENDING = 31;
    public static final int EVTCHN_FIFO_MASKED = 30;
    public static final int EVTCHN_FIFO_LINKED = 29;
    public static final int EVTCHN_FIFO_BUSY = 28;

    public static final int EVTCHN_FIFO_LINK_BITS = 17;
    public static final int EVTCHN_FIFO_LINK_MASK = (1 << EVTCHN_FIFO_LINK_BITS) - 1;
    public static final int EVTCHN_FIFO_NR_CHANNELS = 1 << EVTCHN_FIFO_LINK_BITS;

    /**
     * Event words per 4 KiB event-array page, and the most pages a domain can add: Xen's
     * EVTCHN_FIFO_EVENT_WORDS_PER_PAGE and EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES, internal to
     * xen/common/event_fifo.c (no public header has them, so the header probe cannot check them).
     */
    public static final int EVENT_WORDS_PER_PAGE = 4096 / 4;
    public static final int EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES = EVTCHN_FIFO_NR_CHANNELS / EVENT_WORDS_PER_PAGE;

    /** struct evtchn_fifo_control_block (72 bytes): ready u32 @0, _rsvd u32 @4, head[16] u32 @8. */
    public static final int CONTROL_BLOCK_READY = 0;
    public static final int CONTROL_BLOCK_HEAD = 8;
    public static final int SIZEOF_CONTROL_BLOCK = 72;

    private EvtchnFifo() {
    }

    /** Offset in the control block of {@code head[priority]}. */
    public static int head(int priority) {
        return CONTROL_BLOCK_HEAD + 4 * priority;
    }
}
