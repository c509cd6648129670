package io.xenabi.domain.impl.save;

import io.xenabi.abi.AbiCapability;
import io.xenabi.abi.AbiVariant;
import io.xenabi.abi.GuestPage;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainException;
import io.xenabi.domain.DomainType;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * xenabi's save image: self-describing, versioned and checksummed. Like Xen's migration stream
 * it carries no event-channel or grant-table state (the restored domain starts on the base
 * ABIs and the guest rebinds), but it records which variants the guest used, so a host that
 * lacks one refuses the image instead of breaking the guest on resume, and the domain's permit
 * set, so no host widens it.
 *
 * <pre>
 * magic "XENABISV" | u32 version | records... | END record | u64 CRC32 of everything before
 * record: u32 type | u32 length | payload
 *   CONFIG   the domain configuration, permit bitmap included
 *   PERMIT   (version 2) the permit set fixed at creation: u32 count | (family, name, u32 bit) each
 *   USED     the variants in use: family and name, e.g. evtchn fifo, gnttab v2
 *   NOTES    string pairs the toolstack keeps with the image (the guest kernel's mode)
 *   SHARED   the shared_info page
 *   PAGE     u64 gfn | 4096 bytes, for each page of guest RAM present
 *   END      empty
 * </pre>
 * Version 1 images (no PERMIT record) are still read; their permit set is unknown and is taken
 * as the advanced variants their guest used, which never widens it.
 */
public final class SaveImage {
    public static final byte[] MAGIC = {'X', 'E', 'N', 'A', 'B', 'I', 'S', 'V'};
    /** The version written; {@link #OLDEST} to this one are read. */
    public static final int VERSION = 2;
    public static final int OLDEST = 1;
    public static final int REC_CONFIG = 1;
    public static final int REC_USED = 2;
    public static final int REC_NOTES = 3;
    public static final int REC_SHARED = 4;
    public static final int REC_PAGE = 5;
    public static final int REC_PERMIT = 6;
    public static final int REC_END = 0xFFFF;
    /** The reader holds an image whole: larger ones are refused, and not written. */
    public static final int MAX_IMAGE_BYTES = 1 << 30;

    /**
     * What an image holds once read and checked; {@code permit} is null for a version 1 image,
     * which does not carry it.
     */
    public record Contents(int version, DomainConfig config, List<AbiVariant> permit, Map<String, String> used,
            Map<String, String> notes, byte[] sharedInfo, List<Long> gfns, List<byte[]> pages) {
    }

    private SaveImage() {
    }

    public static void write(Path file, DomainConfig c, List<AbiVariant> permit, Map<String, String> used,
            Map<String, String> notes,
            GuestPage sharedInfo, List<io.xenabi.abi.GuestMemory.Mapped> pages) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(MAGIC);
        out.writeInt(VERSION);
        record(out, REC_CONFIG, o -> {
            o.writeUTF(c.name());
            o.writeInt(c.vcpus());
            o.writeLong(c.memoryMiB());
            o.writeInt(c.maxEventChannels());
            o.writeInt(c.maxGrantFrames());
            o.writeInt(c.maxMaptrackFrames());
            o.writeLong(c.abiPermit());
            o.writeUTF(c.type().name());
            o.writeBoolean(c.xenExtensions());
        });
        record(out, REC_PERMIT, o -> {
            o.writeInt(permit.size());
            for (AbiVariant v : permit) {
                o.writeUTF(v.family());
                o.writeUTF(v.name());
                o.writeInt(v.capability());
            }
        });
        record(out, REC_USED, o -> pairs(o, used));
        record(out, REC_NOTES, o -> pairs(o, notes));
        byte[] shared = new byte[GuestPage.PAGE_SIZE];
        sharedInfo.read(0, shared, 0, shared.length);
        record(out, REC_SHARED, o -> o.write(shared));
        byte[] buf = new byte[GuestPage.PAGE_SIZE];
        for (io.xenabi.abi.GuestMemory.Mapped m : pages) {
            m.page().read(0, buf, 0, buf.length);
            record(out, REC_PAGE, o -> {
                o.writeLong(m.gfn());
                o.write(buf);
            });
        }
        record(out, REC_END, o -> { });
        out.flush();
        CRC32 crc = new CRC32();
        crc.update(bytes.toByteArray());
        out.writeLong(crc.getValue());
        out.flush();
        if (bytes.size() > MAX_IMAGE_BYTES) {
            throw new IOException("the image would be " + bytes.size() + " bytes, more than " + MAX_IMAGE_BYTES);
        }
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".save", ".tmp");
        Files.write(tmp, bytes.toByteArray());
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @FunctionalInterface
    private interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    private static void record(DataOutputStream out, int type, Body body) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream o = new DataOutputStream(b);
        body.write(o);
        o.flush();
        out.writeInt(type);
        out.writeInt(b.size());
        out.write(b.toByteArray());
    }

    private static void pairs(DataOutputStream o, Map<String, String> m) throws IOException {
        o.writeInt(m.size());
        for (Map.Entry<String, String> e : m.entrySet()) {
            o.writeUTF(e.getKey());
            o.writeUTF(e.getValue());
        }
    }

    /** A frame of the image: a record's type and where its payload lies. */
    private record Frame(int type, int offset, int length) {
    }

    /**
     * Reads and checks {@code file}; throws naming the cause in one line, having created nothing.
     * In three passes, so each fault gets its own name: the header (magic, then version); the
     * records' frames up to END and the checksum (a truncated image, then a flipped byte); only
     * then the payloads, which a checksummed image from a correct writer always passes.
     */
    public static Contents read(Path file) {
        String name = String.valueOf(file.getFileName());
        byte[] all = readBounded(file, name);
        if (all.length < MAGIC.length + 4 || !java.util.Arrays.equals(MAGIC, 0, MAGIC.length, all, 0, MAGIC.length)) {
            throw new DomainException(name + " is not a xenabi save image");
        }
        ByteBuffer b = ByteBuffer.wrap(all);
        int version = b.getInt(MAGIC.length);
        if (version < OLDEST || version > VERSION) {
            throw new DomainException(name + ": image version " + Integer.toUnsignedString(version)
                    + " is not supported (this host reads " + OLDEST + " to " + VERSION + ")");
        }
        List<Frame> frames = new ArrayList<>();
        int pos = MAGIC.length + 4;
        while (true) {
            if (all.length - pos < 8) {
                throw new DomainException(name + ": the image is truncated (it ends after " + frames.size()
                        + " records, before its END record)");
            }
            int type = b.getInt(pos);
            int length = b.getInt(pos + 4);
            if (length < 0 || length > all.length - pos - 8) {
                throw new DomainException(name + ": the image is truncated (record " + (frames.size() + 1)
                        + " runs past the end of the file)");
            }
            frames.add(new Frame(type, pos + 8, length));
            pos += 8 + length;
            if (type == REC_END) {
                break;
            }
        }
        if (all.length - pos < 8) {
            throw new DomainException(name + ": the image is truncated (its checksum is missing)");
        }
        if (all.length - pos > 8) {
            throw new DomainException(name + ": " + (all.length - pos - 8) + " bytes after the end of the image");
        }
        CRC32 crc = new CRC32();
        crc.update(all, 0, pos);
        if (crc.getValue() != b.getLong(pos)) {
            throw new DomainException(name + ": checksum mismatch: the image is corrupted");
        }
        return contents(name, version, all, frames);
    }

    /** The file's bytes, refusing what is not a regular file or is larger than {@link #MAX_IMAGE_BYTES}. */
    private static byte[] readBounded(Path file, String name) {
        try {
            if (!Files.exists(file)) {
                throw new DomainException("cannot read the image " + file + ": no such file");
            }
            if (!Files.isRegularFile(file)) {
                throw new DomainException(name + " is not a xenabi save image (not a regular file)");
            }
            long size = Files.size(file);
            if (size > MAX_IMAGE_BYTES) {
                throw new DomainException(name + " is not a xenabi save image this host reads: " + size
                        + " bytes, more than " + MAX_IMAGE_BYTES);
            }
            try (java.io.InputStream in = Files.newInputStream(file)) {
                return in.readNBytes(MAX_IMAGE_BYTES);
            }
        } catch (IOException e) {
            throw new DomainException("cannot read the image " + file + ": " + cause(e));
        }
    }

    /**
     * What went wrong with a file, in words: a {@link java.nio.file.FileSystemException}'s message
     * is only the path, its reason is the cause.
     */
    public static String cause(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** The payloads of a checksummed image: known types, each once (pages aside), each read to its end. */
    private static Contents contents(String name, int version, byte[] all, List<Frame> frames) {
        DomainConfig config = null;
        List<AbiVariant> permit = null;
        Map<String, String> used = null;
        Map<String, String> notes = null;
        byte[] shared = null;
        Map<Long, byte[]> pages = new LinkedHashMap<>();
        for (Frame f : frames) {
            String what = recordName(f.type());
            DataInputStream r = new DataInputStream(new java.io.ByteArrayInputStream(all, f.offset(), f.length()));
            try {
                switch (f.type()) {
                    case REC_CONFIG -> {
                        once(name, what, config);
                        config = new DomainConfig(r.readUTF(), r.readInt(), r.readLong(), r.readInt(), r.readInt(),
                                r.readInt(), r.readLong(), DomainType.valueOf(r.readUTF()), r.readBoolean());
                    }
                    case REC_PERMIT -> {
                        if (version < 2) {
                            throw new DomainException(name + ": unknown record type " + f.type()
                                    + " in a version " + version + " image: the image is corrupted");
                        }
                        once(name, what, permit);
                        permit = readPermit(r);
                    }
                    case REC_USED -> {
                        once(name, what, used);
                        used = readPairs(r);
                    }
                    case REC_NOTES -> {
                        once(name, what, notes);
                        notes = readPairs(r);
                    }
                    case REC_SHARED -> {
                        once(name, what, shared);
                        shared = r.readNBytes(GuestPage.PAGE_SIZE);
                        if (shared.length != GuestPage.PAGE_SIZE) {
                            throw new EOFException();
                        }
                    }
                    case REC_PAGE -> {
                        long gfn = r.readLong();
                        byte[] page = r.readNBytes(GuestPage.PAGE_SIZE);
                        if (page.length != GuestPage.PAGE_SIZE) {
                            throw new EOFException();
                        }
                        if (pages.put(gfn, page) != null) {
                            throw new DomainException(name + ": the image is corrupted (gfn " + gfn + " twice)");
                        }
                    }
                    case REC_END -> { }
                    default -> throw new DomainException(name + ": unknown record type " + f.type()
                            + ": the image is corrupted or from a newer xenabi");
                }
                if (r.available() != 0) {
                    throw new DomainException(name + ": the image is corrupted (" + r.available()
                            + " bytes left over in its " + what + " record)");
                }
            } catch (EOFException e) {
                throw new DomainException(name + ": the image is corrupted (its " + what + " record is too short)");
            } catch (IOException | IllegalArgumentException e) {
                throw new DomainException(name + ": the image is corrupted (its " + what + " record: " + e.getMessage()
                        + ")");
            }
        }
        if (config == null || shared == null || version >= 2 && permit == null) {
            throw new DomainException(name + ": the image lacks its "
                    + (config == null ? "CONFIG" : shared == null ? "SHARED" : "PERMIT") + " record");
        }
        return new Contents(version, config, permit, used == null ? Map.of() : used, notes == null ? Map.of() : notes, shared,
                List.copyOf(pages.keySet()), List.copyOf(pages.values()));
    }

    private static void once(String name, String what, Object seen) {
        if (seen != null) {
            throw new DomainException(name + ": the image is corrupted (two " + what + " records)");
        }
    }

    private static String recordName(int type) {
        return switch (type) {
            case REC_CONFIG -> "CONFIG";
            case REC_USED -> "USED";
            case REC_NOTES -> "NOTES";
            case REC_SHARED -> "SHARED";
            case REC_PAGE -> "PAGE";
            case REC_PERMIT -> "PERMIT";
            case REC_END -> "END";
            default -> "type " + type;
        };
    }

    /** A PERMIT payload: advanced variants by family, name and bit. */
    private static List<AbiVariant> readPermit(DataInputStream r) throws IOException {
        int n = r.readInt();
        if (n < 0 || n > AbiCapability.MAX_BIT + 1) {
            throw new IOException(n + " variants");
        }
        List<AbiVariant> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            AbiVariant v = new AbiVariant(r.readUTF(), r.readUTF(), r.readInt());
            if (v.isBase()) {
                throw new IOException("base variant " + v.qualifiedName() + " in the permit set");
            }
            out.add(v);
        }
        return List.copyOf(out);
    }

    private static Map<String, String> readPairs(DataInputStream r) throws IOException {
        int n = r.readInt();
        if (n < 0 || n > 1000) {
            throw new IOException(n + " pairs");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            m.put(r.readUTF(), r.readUTF());
        }
        return m;
    }
}
