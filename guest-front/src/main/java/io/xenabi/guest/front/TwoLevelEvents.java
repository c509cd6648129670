package io.xenabi.guest.front;

import io.xenabi.abi.GuestPage;
import io.xenabi.abi.SharedInfo;
import io.xenabi.abi.XenErrno;

/**
 * The 2-level front-end, after Linux's {@code drivers/xen/events/events_2l.c}: pending and mask
 * bitmaps in shared_info, and a per-vCPU selector of the words that may hold events for it.
 */
public final class TwoLevelEvents implements EvtchnOps {
    /** 64 words of 64 bits on a 64-bit guest. */
    public static final int WORDS = SharedInfo.EVTCHN_BITMAP_BYTES / 8;
    public static final int NR_CHANNELS = WORDS * 64;

    private final GuestPage sharedInfo;
    private final Hypercalls calls;
    private final ArgStack args;
    /**
     * Per vCPU: the word after the last one scanned, so a busy low word cannot starve the rest;
     * vCPU v's at index {@code v * PER_CPU_STRIDE}, a cache line of its own, as Linux keeps it
     * per CPU (current_word_idx): two vCPUs taking upcalls at once do not share the line.
     */
    private final int[] nextWord;
    /** Ints per vCPU in {@link #nextWord}: 64 bytes. */
    static final int PER_CPU_STRIDE = 16;

    public TwoLevelEvents(GuestPage sharedInfo, Hypercalls calls, ArgStack args, int vcpus) {
        this.sharedInfo = sharedInfo;
        this.calls = calls;
        this.args = args;
        this.nextWord = new int[vcpus * PER_CPU_STRIDE];
    }

    @Override
    public String name() {
        return "2l";
    }

    @Override
    public int maxChannels() {
        return NR_CHANNELS;
    }

    @Override
    public void maskAll() {
        for (int w = 0; w < WORDS; w++) {
            sharedInfo.set64(SharedInfo.EVTCHN_MASK + 8 * w, -1L);
        }
    }

    @Override
    public long setup(int port) {
        return port < NR_CHANNELS ? 0 : -XenErrno.EINVAL;
    }

    @Override
    public void mask(int port) {
        sharedInfo.testAndSetBit(SharedInfo.EVTCHN_MASK, port);
    }

    /**
     * Linux clears the mask bit itself only when it runs on the port's vCPU; our callers are
     * mostly other threads, so, like Linux in that case (an HVM guest), we ask Xen, which
     * clears the bit and raises the event if it became pending meanwhile, atomically with its
     * own set_pending.
     */
    @Override
    public void unmask(int vcpu, int port) {
        try (ArgStack.Frame f = args.enter(vcpu)) {
            calls.unmask(f.vcpu(), f.gpa(), port);
        }
    }

    @Override
    public boolean isPending(int port) {
        return sharedInfo.testBit(SharedInfo.EVTCHN_PENDING, port);
    }

    @Override
    public void clearPending(int port) {
        sharedInfo.testAndClearBit(SharedInfo.EVTCHN_PENDING, port);
    }

    @Override
    public boolean isMasked(int port) {
        return sharedInfo.testBit(SharedInfo.EVTCHN_MASK, port);
    }

    @Override
    public void remove(int port, boolean callerIsVcpu) {
        // Nothing links a 2-level port anywhere: it is free as soon as Xen has closed it.
    }

    /** The selector bit of {@code port}'s word in {@code vcpu}'s {@code evtchn_pending_sel}. */
    public boolean selectorBit(int vcpu, int port) {
        long sel = sharedInfo.get64(SharedInfo.vcpuInfo(vcpu) + SharedInfo.VCPU_EVTCHN_PENDING_SEL);
        return (sel & (1L << (port / 64))) != 0;
    }

    /**
     * Takes the selector with one exchange, then, word by word (round robin from where the
     * last scan stopped), handles the ports that are pending, unmasked and owned by this vCPU.
     * Pending is cleared before the handler runs, as Linux's edge-irq ack does; an event that
     * arrives meanwhile sets the selector again and raises another upcall.
     */
    @Override
    public int handleEvents(int vcpu, Dispatcher dispatcher) {
        int selOffset = SharedInfo.vcpuInfo(vcpu) + SharedInfo.VCPU_EVTCHN_PENDING_SEL;
        long sel = sharedInfo.getAndSet64(selOffset, 0);
        int found = 0;
        int start = nextWord[vcpu * PER_CPU_STRIDE];
        while (sel != 0) {
            long rotated = Long.rotateRight(sel, start);
            int w = (Long.numberOfTrailingZeros(rotated) + start) & (WORDS - 1);
            sel &= ~(1L << w);
            long bits = sharedInfo.get64(SharedInfo.EVTCHN_PENDING + 8 * w)
                    & ~sharedInfo.get64(SharedInfo.EVTCHN_MASK + 8 * w);
            while (bits != 0) {
                int port = w * 64 + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (dispatcher.owns(vcpu, port) && sharedInfo.testAndClearBit(SharedInfo.EVTCHN_PENDING, port)) {
                    found++;
                    dispatcher.deliver(vcpu, port);
                }
            }
            start = (w + 1) & (WORDS - 1);
        }
        nextWord[vcpu * PER_CPU_STRIDE] = start;
        return found;
    }

    /** 2-level keeps nothing of its own in guest memory: nothing to set up again. */
    @Override
    public long resume() {
        java.util.Arrays.fill(nextWord, 0);
        return 0;
    }
}
