package io.xenabi.domain.impl.domains;

import io.xenabi.abi.GuestMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A hypercall argument struct copied out of guest memory and back, as Xen's
 * {@code copy_from_guest}/{@code __copy_to_guest} do: the whole struct at once, at any
 * alignment, little-endian (x86_64). A bad address raises {@link io.xenabi.abi.GuestFault}
 * before anything has changed.
 */
public final class GuestStruct {
    private final GuestMemory memory;
    private long gpa;
    private final ByteBuffer buf;

    private GuestStruct(GuestMemory memory, long gpa, int size) {
        this.memory = memory;
        this.gpa = gpa;
        byte[] bytes = new byte[size];
        memory.read(gpa, bytes, 0, size);
        this.buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * copy_from_guest of the next struct of the same size at {@code gpa} into this one's buffer
     * (the elements of a batch, one after another); a bad address raises GuestFault before
     * anything has changed.
     */
    public GuestStruct reload(long gpa) {
        memory.read(gpa, buf.array(), 0, buf.capacity());
        this.gpa = gpa;
        return this;
    }

    /** copy_from_guest of {@code size} bytes at {@code gpa}. */
    public static GuestStruct copyFrom(GuestMemory memory, long gpa, int size) {
        return new GuestStruct(memory, gpa, size);
    }

    /**
     * copy_from_guest of one u32 (a port number): read in place when aligned, copied byte by
     * byte otherwise, since Xen's copy has no alignment rule; a bad address raises GuestFault.
     */
    public static int u32At(GuestMemory memory, long gpa) {
        return (gpa & 3) == 0 ? memory.read32(gpa) : copyFrom(memory, gpa, 4).u32(0);
    }

    public int u8(int off) {
        return buf.get(off) & 0xFF;
    }

    public int u16(int off) {
        return buf.getShort(off) & 0xFFFF;
    }

    /** A guest u32 as Java int (callers treat it as unsigned where Xen does). */
    public int u32(int off) {
        return buf.getInt(off);
    }

    public long u32AsLong(int off) {
        return buf.getInt(off) & 0xFFFF_FFFFL;
    }

    public long u64(int off) {
        return buf.getLong(off);
    }

    public GuestStruct put8(int off, int v) {
        buf.put(off, (byte) v);
        return this;
    }

    public GuestStruct put16(int off, int v) {
        buf.putShort(off, (short) v);
        return this;
    }

    public GuestStruct put32(int off, int v) {
        buf.putInt(off, v);
        return this;
    }

    public GuestStruct put64(int off, long v) {
        buf.putLong(off, v);
        return this;
    }

    /** __copy_field_to_guest of a 16-bit field (the status of a copy or an unmap). */
    public void copyBack16(int off) {
        long at = gpa + off;
        if ((at & 1) == 0) {
            memory.write16(at, buf.getShort(off));
        } else {
            memory.write(at, buf.array(), off, 2);
        }
    }

    /** __copy_to_guest of the whole struct. */
    public void copyBack() {
        memory.write(gpa, buf.array(), 0, buf.capacity());
    }
}
