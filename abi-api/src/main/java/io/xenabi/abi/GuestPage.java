package io.xenabi.abi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * One 4 KiB page of guest memory, little-endian as on x86. Shared structures (bitmaps, event
 * words, control blocks) are accessed with the atomic and volatile accessors, which require
 * natural alignment, as the same fields in Xen's headers have. Byte ranges are copied with
 * {@link #read} and {@link #write}.
 *
 * <p>A page is an object of its own so that a variant can keep a reference to the pages it
 * shares with a guest (Xen maps them once with {@code map_domain_page_global}) instead of
 * looking them up on every event.
 *
 * <p>A page lives on the Java heap ({@link #GuestPage()}), or in a shared memory file that a
 * native guest process maps too ({@link #ofBuffer}, {@link #ofFile}): a 4 KiB slice of a
 * {@code MappedByteBuffer}, accessed with {@code MethodHandles.byteBufferViewVarHandle}. Byte
 * and 16-bit read-modify-writes of a file page go through the aligned 32-bit word holding them,
 * which interoperates with a C process's {@code lock} instructions on x86.
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

    private static final VarHandle B_SHORT =
            MethodHandles.byteBufferViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle B_INT =
            MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle B_LONG =
            MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** The page's bytes on the heap, or null for a page in a file. */
    private final byte[] bytes;
    /** The page in a mapped file (4096 bytes, page-aligned), or null for a heap page. */
    private final ByteBuffer buffer;
    /** Where a file page lives, or null. */
    private final FileSpan file;

    /** The file and byte offset a page of a shared memory file lives at. */
    public record FileSpan(Path path, long offset) {
    }

    /** A zeroed page on the Java heap. */
    public GuestPage() {
        this.bytes = new byte[PAGE_SIZE];
        this.buffer = null;
        this.file = null;
    }

    private GuestPage(ByteBuffer buffer, FileSpan file) {
        this.bytes = null;
        this.buffer = buffer;
        this.file = file;
    }

    /**
     * A page over {@code buffer}'s {@value #PAGE_SIZE} bytes from its position (a slice is taken;
     * the buffer must be direct, its address page-aligned), living at {@code file} (may be null).
     */
    public static GuestPage ofBuffer(ByteBuffer buffer, FileSpan file) {
        if (!buffer.isDirect() || buffer.remaining() < PAGE_SIZE) {
            throw new IllegalArgumentException("a guest page needs 4096 bytes of a direct buffer");
        }
        ByteBuffer slice = buffer.slice(buffer.position(), PAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        if (slice.alignmentOffset(0, PAGE_SIZE) != 0) {
            throw new IllegalArgumentException("a guest page must be page-aligned");
        }
        return new GuestPage(slice, file);
    }

    /**
     * A zeroed page in a file of its own, created at {@code path} (which must not exist) with
     * mode 0600: a hypervisor page (shared_info, a grant frame) a native guest maps by name.
     */
    public static GuestPage ofFile(Path path) {
        try (FileChannel ch = FileChannel.open(path, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ch.truncate(PAGE_SIZE);
            return ofBuffer(ch.map(FileChannel.MapMode.READ_WRITE, 0, PAGE_SIZE), new FileSpan(path, 0));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the page file " + path, e);
        }
    }

    /** Where this page lives in a shared memory file, or null for a heap page. */
    public FileSpan file() {
        return file;
    }

    public byte get8(int offset) {
        if (bytes != null) {
            return (byte) BYTE.getVolatile(bytes, offset);
        }
        return (byte) ((int) B_INT.getVolatile(buffer, offset & ~3) >>> ((offset & 3) << 3));
    }

    public void set8(int offset, byte value) {
        if (bytes != null) {
            BYTE.setVolatile(bytes, offset, value);
        } else {
            getAndSet8(offset, value);
        }
    }

    /** Atomically exchanges one byte (an x86 {@code xchg}), returning the old value. */
    public byte getAndSet8(int offset, byte value) {
        if (bytes != null) {
            return (byte) BYTE.getAndSet(bytes, offset, value);
        }
        int base = offset & ~3;
        int shift = (offset & 3) << 3;
        int mask = 0xFF << shift;
        while (true) {
            int old = (int) B_INT.getVolatile(buffer, base);
            int now = (old & ~mask) | ((value & 0xFF) << shift);
            if (old == now || B_INT.compareAndSet(buffer, base, old, now)) {
                return (byte) (old >>> shift);
            }
        }
    }

    public short get16(int offset) {
        return bytes != null ? (short) SHORT.getVolatile(bytes, offset) : (short) B_SHORT.getVolatile(buffer, offset);
    }

    public void set16(int offset, short value) {
        if (bytes != null) {
            SHORT.setVolatile(bytes, offset, value);
        } else {
            B_SHORT.setVolatile(buffer, offset, value);
        }
    }

    /**
     * Atomic 16-bit compare-and-set (a {@code cmpxchg} on a word Xen shares with the guest, such
     * as a v2 grant status). Views support atomic updates only for 32 and 64 bits, so this
     * works on the aligned 32-bit word holding the halfword, retrying while only the other half
     * changes. {@code offset} must be even.
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
            if (compareAndSet32(base, old, now)) {
                return true;
            }
        }
    }

    public int get32(int offset) {
        return bytes != null ? (int) INT.getVolatile(bytes, offset) : (int) B_INT.getVolatile(buffer, offset);
    }

    public void set32(int offset, int value) {
        if (bytes != null) {
            INT.setVolatile(bytes, offset, value);
        } else {
            B_INT.setVolatile(buffer, offset, value);
        }
    }

    public boolean compareAndSet32(int offset, int expect, int update) {
        return bytes != null ? INT.compareAndSet(bytes, offset, expect, update)
                : B_INT.compareAndSet(buffer, offset, expect, update);
    }

    /** Atomically ORs {@code bits} into the word and returns its previous value. */
    public int getAndOr32(int offset, int bits) {
        return bytes != null ? (int) INT.getAndBitwiseOr(bytes, offset, bits)
                : (int) B_INT.getAndBitwiseOr(buffer, offset, bits);
    }

    /** Atomically ANDs {@code bits} into the word and returns its previous value. */
    public int getAndAnd32(int offset, int bits) {
        return bytes != null ? (int) INT.getAndBitwiseAnd(bytes, offset, bits)
                : (int) B_INT.getAndBitwiseAnd(buffer, offset, bits);
    }

    public long get64(int offset) {
        return bytes != null ? (long) LONG.getVolatile(bytes, offset) : (long) B_LONG.getVolatile(buffer, offset);
    }

    public void set64(int offset, long value) {
        if (bytes != null) {
            LONG.setVolatile(bytes, offset, value);
        } else {
            B_LONG.setVolatile(buffer, offset, value);
        }
    }

    public boolean compareAndSet64(int offset, long expect, long update) {
        return bytes != null ? LONG.compareAndSet(bytes, offset, expect, update)
                : B_LONG.compareAndSet(buffer, offset, expect, update);
    }

    public long getAndOr64(int offset, long bits) {
        return bytes != null ? (long) LONG.getAndBitwiseOr(bytes, offset, bits)
                : (long) B_LONG.getAndBitwiseOr(buffer, offset, bits);
    }

    public long getAndAnd64(int offset, long bits) {
        return bytes != null ? (long) LONG.getAndBitwiseAnd(bytes, offset, bits)
                : (long) B_LONG.getAndBitwiseAnd(buffer, offset, bits);
    }

    /** Atomically exchanges a 64-bit word, returning the old value. */
    public long getAndSet64(int offset, long value) {
        return bytes != null ? (long) LONG.getAndSet(bytes, offset, value)
                : (long) B_LONG.getAndSet(buffer, offset, value);
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
        if (bytes != null) {
            System.arraycopy(bytes, offset, dst, dstOffset, length);
        } else {
            buffer.get(offset, dst, dstOffset, length);
        }
        VarHandle.acquireFence();
    }

    /** Copies {@code length} bytes of {@code src} into this page at {@code offset}. */
    public void write(int offset, byte[] src, int srcOffset, int length) {
        VarHandle.releaseFence();
        if (bytes != null) {
            System.arraycopy(src, srcOffset, bytes, offset, length);
        } else {
            buffer.put(offset, src, srcOffset, length);
        }
        VarHandle.fullFence();
    }

    /** Copies bytes from another page into this one (a grant copy, a page import). */
    public void copyFrom(GuestPage src, int srcOffset, int offset, int length) {
        if (bytes != null && src.bytes != null) {
            System.arraycopy(src.bytes, srcOffset, bytes, offset, length);
        } else if (bytes != null) {
            src.buffer.get(srcOffset, bytes, offset, length);
        } else if (src.bytes != null) {
            buffer.put(offset, src.bytes, srcOffset, length);
        } else {
            buffer.put(offset, src.buffer, srcOffset, length);
        }
        VarHandle.fullFence();
    }

    /** Fills {@code length} bytes from {@code offset} with {@code value}. */
    public void fill(int offset, int length, byte value) {
        if (bytes != null) {
            java.util.Arrays.fill(bytes, offset, offset + length, value);
        } else {
            for (int i = offset; i < offset + length; i++) {
                buffer.put(i, value);
            }
        }
        VarHandle.fullFence();
    }
}
