package io.xenabi.abi;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * One 4 KiB page of guest memory, little-endian as on x86. Shared structures (bitmaps, event
 * words, control blocks) are accessed with the atomic and volatile accessors, which require
 * natural alignment, as the same fields in Xen's headers have. Byte ranges are copied with
 * {@link #read} and {@link #write}.
 *
 * <p>A page is an object of its own so that a variant can keep a reference to the pages it
 * shares with a guest (Xen maps them once with {@code map_domain_page_global}) instead of
 * looking them up on every event.
 */
public final class GuestPage {
    public static final int PAGE_SHIFT = 12;
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;

    private static final VarHandle BYTE = MethodHandles.arrayElementVarHandle(byte[].class);
    private static final VarHandle SHORT =
            MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final byte[] bytes = new byte[PAGE_SIZE];

    public byte get8(int offset) {
        return (byte) BYTE.getVolatile(bytes, offset);
    }

    public void set8(int offset, byte value) {
        BYTE.setVolatile(bytes, offset, value);
    }

    /** Atomically exchanges one byte (an x86 {@code xchg}), returning the old value. */
    public byte getAndSet8(int offset, byte value) {
        return (byte) BYTE.getAndSet(bytes, offset, value);
    }

    public short get16(int offset) {
        return (short) SHORT.getVolatile(bytes, offset);
    }

    public void set16(int offset, short value) {
        SHORT.setVolatile(bytes, offset, value);
    }

    /**
     * Atomic 16-bit compare-and-set (a {@code cmpxchg} on a word Xen shares with the guest, such
     * as a v2 grant status). Byte-array views support atomic updates only for 32 and 64 bits, so
     * this works on the aligned 32-bit word holding the halfword, retrying while only the other
     * half changes. {@code offset} must be even.
     */
    public boolean compareAndSet16(int offset, short expect, short update) {
        if ((offset & 1) != 0) {
            throw new IllegalArgumentException("16-bit atomic at odd offset " + offset);
        }
        int base = offset & ~3;
        int shift = (offset & 2) * 8;
        int mask = 0xFFFF << shift;
        while (true) {
            int old = get32(base);
            if ((short) (old >>> shift) != expect) {
                return false;
            }
            int now = (old & ~mask) | ((update & 0xFFFF) << shift);
            if (INT.compareAndSet(bytes, base, old, now)) {
                return true;
            }
        }
    }

    public int get32(int offset) {
        return (int) INT.getVolatile(bytes, offset);
    }

    public void set32(int offset, int value) {
        INT.setVolatile(bytes, offset, value);
    }

    public boolean compareAndSet32(int offset, int expect, int update) {
        return INT.compareAndSet(bytes, offset, expect, update);
    }

    /** Atomically ORs {@code bits} into the word and returns its previous value. */
    public int getAndOr32(int offset, int bits) {
        return (int) INT.getAndBitwiseOr(bytes, offset, bits);
    }

    /** Atomically ANDs {@code bits} into the word and returns its previous value. */
    public int getAndAnd32(int offset, int bits) {
        return (int) INT.getAndBitwiseAnd(bytes, offset, bits);
    }

    public long get64(int offset) {
        return (long) LONG.getVolatile(bytes, offset);
    }

    public void set64(int offset, long value) {
        LONG.setVolatile(bytes, offset, value);
    }

    public boolean compareAndSet64(int offset, long expect, long update) {
        return LONG.compareAndSet(bytes, offset, expect, update);
    }

    public long getAndOr64(int offset, long bits) {
        return (long) LONG.getAndBitwiseOr(bytes, offset, bits);
    }

    public long getAndAnd64(int offset, long bits) {
        return (long) LONG.getAndBitwiseAnd(bytes, offset, bits);
    }

    /** Atomically exchanges a 64-bit word, returning the old value. */
    public long getAndSet64(int offset, long value) {
        return (long) LONG.getAndSet(bytes, offset, value);
    }

    /**
     * Atomically sets bit {@code bit} of the bitmap of 64-bit words that starts at
     * {@code bitmapOffset} and says whether it was set before (Xen's
     * {@code guest_test_and_set_bit}).
     */
    public boolean testAndSetBit(int bitmapOffset, int bit) {
        long mask = 1L << (bit & 63);
        return (getAndOr64(bitmapOffset + ((bit >>> 6) << 3), mask) & mask) != 0;
    }

    /** Atomically clears a bit of a 64-bit-word bitmap and says whether it was set before. */
    public boolean testAndClearBit(int bitmapOffset, int bit) {
        long mask = 1L << (bit & 63);
        return (getAndAnd64(bitmapOffset + ((bit >>> 6) << 3), ~mask) & mask) != 0;
    }

    /** Reads a bit of a 64-bit-word bitmap. */
    public boolean testBit(int bitmapOffset, int bit) {
        return (get64(bitmapOffset + ((bit >>> 6) << 3)) & (1L << (bit & 63))) != 0;
    }

    /** Copies {@code length} bytes from this page at {@code offset} into {@code dst}. */
    public void read(int offset, byte[] dst, int dstOffset, int length) {
        System.arraycopy(bytes, offset, dst, dstOffset, length);
        VarHandle.acquireFence();
    }

    /** Copies {@code length} bytes of {@code src} into this page at {@code offset}. */
    public void write(int offset, byte[] src, int srcOffset, int length) {
        VarHandle.releaseFence();
        System.arraycopy(src, srcOffset, bytes, offset, length);
        VarHandle.fullFence();
    }

    /** Copies bytes from another page into this one (a grant copy, a page import). */
    public void copyFrom(GuestPage src, int srcOffset, int offset, int length) {
        System.arraycopy(src.bytes, srcOffset, bytes, offset, length);
        VarHandle.fullFence();
    }

    /** Fills {@code length} bytes from {@code offset} with {@code value}. */
    public void fill(int offset, int length, byte value) {
        java.util.Arrays.fill(bytes, offset, offset + length, value);
        VarHandle.fullFence();
    }
}
