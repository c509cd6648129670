package io.xenabi.evtchn;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The argument struct of a variant's setup op as domain-core copied it in from guest memory
 * (x86_64, little-endian), and the bytes it copies back out when the op succeeded and the
 * variant changed them. A variant reads and writes fields by their Xen offsets
 * ({@link EvtchnOp#INIT_CONTROL_VCPU}, ...) and never touches the guest's copy itself.
 */
public final class EvtchnSetupArg {
    private final ByteBuffer buf;
    private boolean changed;

    /** A struct of the given bytes (copied): what domain-core read from the guest. */
    public EvtchnSetupArg(byte[] bytes) {
        this.buf = ByteBuffer.wrap(bytes.clone()).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The struct's size in bytes. */
    public int size() {
        return buf.capacity();
    }

    public int u8(int off) {
        return buf.get(off) & 0xFF;
    }

    public int u16(int off) {
        return buf.getShort(off) & 0xFFFF;
    }

    /** A guest u32 as Java int (treated as unsigned where Xen does). */
    public int u32(int off) {
        return buf.getInt(off);
    }

    public long u64(int off) {
        return buf.getLong(off);
    }

    public EvtchnSetupArg put8(int off, int v) {
        buf.put(off, (byte) v);
        changed = true;
        return this;
    }

    public EvtchnSetupArg put16(int off, int v) {
        buf.putShort(off, (short) v);
        changed = true;
        return this;
    }

    public EvtchnSetupArg put32(int off, int v) {
        buf.putInt(off, v);
        changed = true;
        return this;
    }

    public EvtchnSetupArg put64(int off, long v) {
        buf.putLong(off, v);
        changed = true;
        return this;
    }

    /** Whether the variant wrote a field: only then is the struct copied back. */
    public boolean changed() {
        return changed;
    }

    /** The struct's bytes now (a copy), as domain-core copies them back. */
    public byte[] bytes() {
        return buf.array().clone();
    }
}
