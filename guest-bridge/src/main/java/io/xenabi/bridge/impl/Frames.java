package io.xenabi.bridge.impl;

import static io.xenabi.abi.XenErrno.EBADMSG;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The guest bridge protocol, version 1 (docs/native-guests.md; native-guest/runtime/ngb_proto.h
 * is its C form): little-endian frames of a fixed size per type, a 16-byte header first.
 */
final class Frames {
    static final int MAGIC = 0x4247584e;
    static final int VERSION = 1;
    static final int HEADER = 16;

    static final int HELLO = 1;
    static final int WELCOME = 2;
    static final int HYPERCALL = 3;
    static final int RESULT = 4;
    static final int UPCALL = 5;
    static final int PHYSMAP = 6;
    static final int PHYSMAP_DONE = 7;
    static final int ERROR = 8;

    static final int PATH_MAX = 256;
    static final int MSG_MAX = 112;
    static final int MAX_SIZE = 304;

    static final int PHYSMAP_UNMAPPED = 0;
    static final int PHYSMAP_FILE = 1;
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;

    /**
     * Errno values the protocol adds to XenErrno's (EBADMSG is Xen's). Xen's public/errno.h has
     * neither of these: they are Linux's (asm-generic/errno.h), as the native guest runtime's
     * {@code <errno.h>} gives them (native-guest/runtime/ngb_proto.c).
     */
    static final int EPROTO = 71;
    static final int EPROTONOSUPPORT = 93;

    private Frames() {
    }

    /** The size of a frame of {@code type}, or -1 for no such type. */
    static int size(int type) {
        return switch (type) {
            case HELLO -> 32;
            case WELCOME -> 296;
            case HYPERCALL -> 72;
            case RESULT, UPCALL, PHYSMAP_DONE -> 24;
            case PHYSMAP -> 304;
            case ERROR -> 136;
            default -> -1;
        };
    }

    /** A frame whose header is wrong: the negative errno to send in ERROR, and why. */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;
        final int errno;

        Malformed(int errno, String why) {
            super(why, null, false, false);
            this.errno = errno;
        }
    }

    /**
     * Checks a received header: 0 when good, else throws with the errno: {@code -EPROTO} for a
     * bad magic or type, {@code -EPROTONOSUPPORT} for another version, {@code -EBADMSG} for a
     * length that is not the type's size.
     */
    static int check(ByteBuffer h) throws Malformed {
        int magic = h.getInt(0);
        if (magic != MAGIC) {
            throw new Malformed(-EPROTO, String.format("bad magic %#x", magic));
        }
        int version = h.getShort(4) & 0xffff;
        if (version != VERSION) {
            throw new Malformed(-EPROTONOSUPPORT, "protocol version " + version + ", not 1");
        }
        int type = h.getShort(6) & 0xffff;
        int size = size(type);
        if (size < 0) {
            throw new Malformed(-EPROTO, "unknown frame type " + type);
        }
        long length = h.getInt(8) & 0xffffffffL;
        if (length != size) {
            throw new Malformed(-EBADMSG, "frame type " + type + " of " + length + " bytes, not " + size);
        }
        return type;
    }

    /** A new frame of {@code type} with its header filled in. */
    static ByteBuffer frame(int type, int seq) {
        ByteBuffer b = ByteBuffer.allocate(size(type)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, MAGIC).putShort(4, (short) VERSION).putShort(6, (short) type).putInt(8, size(type))
                .putInt(12, seq);
        return b;
    }

    static ByteBuffer welcome(int seq, int status, int domid, int vcpu, int nrVcpus, long ramBytes, String path)
            throws Malformed {
        ByteBuffer b = frame(WELCOME, seq);
        b.putInt(16, status).putShort(20, (short) domid).putShort(22, (short) vcpu).putInt(24, nrVcpus)
                .putLong(32, ramBytes);
        putString(b, 40, PATH_MAX, path);
        return b;
    }

    static ByteBuffer result(int seq, long result) {
        return frame(RESULT, seq).putLong(16, result);
    }

    static ByteBuffer upcall(int seq, int vcpu) {
        return frame(UPCALL, seq).putInt(16, vcpu);
    }

    static ByteBuffer physmap(int seq, long gfn, long nrFrames, int kind, int prot, long fileOffset, String path)
            throws Malformed {
        ByteBuffer b = frame(PHYSMAP, seq);
        b.putLong(16, gfn).putLong(24, nrFrames).putInt(32, kind).putInt(36, prot).putLong(40, fileOffset);
        putString(b, 48, PATH_MAX, path);
        return b;
    }

    static ByteBuffer error(int seq, int code, String message) {
        ByteBuffer b = frame(ERROR, seq).putInt(16, code);
        byte[] m = message.getBytes(StandardCharsets.UTF_8);
        b.put(24, m, 0, Math.min(m.length, MSG_MAX - 1));
        return b;
    }

    /** Puts a NUL-terminated string in its field; one that does not fit is refused. */
    static void putString(ByteBuffer b, int at, int field, String s) throws Malformed {
        byte[] bytes = s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= field) {
            throw new Malformed(-EBADMSG, "a string of " + bytes.length + " bytes does not fit in " + field);
        }
        b.put(at, bytes);
    }

    /** The NUL-terminated string of a field; one without its NUL is refused. */
    static String getString(ByteBuffer b, int at, int field) throws Malformed {
        for (int i = 0; i < field; i++) {
            if (b.get(at + i) == 0) {
                byte[] s = new byte[i];
                b.get(at, s);
                return new String(s, StandardCharsets.UTF_8);
            }
        }
        throw new Malformed(-EBADMSG, "a string without its NUL");
    }
}
