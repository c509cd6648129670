package io.xenabi.domain.impl;

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
 * lacks one refuses the image instead of breaking the guest on resume.
 *
 * <pre>
 * magic "XENABISV" | u32 version | records... | END record | u64 CRC32 of everything before
 * record: u32 type | u32 length | payload
 *   CONFIG   the domain configuration, permit bitmap included
 *   USED     the variants in use: family and name, e.g. evtchn fifo, gnttab v2
 *   NOTES    string pairs the toolstack keeps with the image (the guest kernel's mode)
 *   SHARED   the shared_info page
 *   PAGE     u64 gfn | 4096 bytes, for each page of guest RAM present
 *   END      empty
 * </pre>
 */
final class SaveImage {
    static final byte[] MAGIC = {'X', 'E', 'N', 'A', 'B', 'I', 'S', 'V'};
    static final int VERSION = 1;
    static final int REC_CONFIG = 1;
    static final int REC_USED = 2;
    static final int REC_NOTES = 3;
    static final int REC_SHARED = 4;
    static final int REC_PAGE = 5;
    static final int REC_END = 0xFFFF;

    /** What an image holds once read and checked. */
    record Contents(DomainConfig config, Map<String, String> used, Map<String, String> notes, byte[] sharedInfo,
            List<Long> gfns, List<byte[]> pages) {
    }

    private SaveImage() {
    }

    static void write(Path file, DomainConfig c, Map<String, String> used, Map<String, String> notes,
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

    /** Reads and checks {@code file}; throws naming the cause in one line, having created nothing. */
    static Contents read(Path file) {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new DomainException("cannot read the image " + file + ": " + e.getMessage());
        }
        String name = file.getFileName().toString();
        if (all.length < MAGIC.length + 4 || !java.util.Arrays.equals(MAGIC, 0, MAGIC.length, all, 0, MAGIC.length)) {
            throw new DomainException(name + " is not a xenabi save image");
        }
        int version = ByteBuffer.wrap(all, MAGIC.length, 4).getInt();
        if (version != VERSION) {
            throw new DomainException(name + ": image version " + version + " is not supported (this host reads "
                    + VERSION + ")");
        }
        if (all.length < MAGIC.length + 4 + 8) {
            throw new DomainException(name + ": the image is truncated");
        }
        try {
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(all));
            in.skipNBytes(MAGIC.length + 4);
            DomainConfig config = null;
            Map<String, String> used = Map.of();
            Map<String, String> notes = Map.of();
            byte[] shared = null;
            List<Long> gfns = new ArrayList<>();
            List<byte[]> pages = new ArrayList<>();
            while (true) {
                int type = in.readInt();
                int length = in.readInt();
                if (length < 0) {
                    throw new DomainException(name + ": a record claims " + length + " bytes: the image is corrupted");
                }
                if (length > in.available()) {
                    throw new EOFException(); // the record runs past the end of the file
                }
                byte[] payload = in.readNBytes(length);
                if (payload.length != length) {
                    throw new EOFException();
                }
                if (type == REC_END) {
                    int end = all.length - in.available();
                    long stored = in.readLong();
                    CRC32 crc = new CRC32();
                    crc.update(all, 0, end);
                    if (crc.getValue() != stored) {
                        throw new DomainException(name + ": checksum mismatch: the image is corrupted");
                    }
                    if (in.available() != 0) {
                        throw new DomainException(name + ": " + in.available() + " bytes after the end of the image");
                    }
                    break;
                }
                DataInputStream r = new DataInputStream(new java.io.ByteArrayInputStream(payload));
                switch (type) {
                    case REC_CONFIG -> config = new DomainConfig(r.readUTF(), r.readInt(), r.readLong(), r.readInt(),
                            r.readInt(), r.readInt(), r.readLong(), DomainType.valueOf(r.readUTF()), r.readBoolean());
                    case REC_USED -> used = readPairs(r);
                    case REC_NOTES -> notes = readPairs(r);
                    case REC_SHARED -> shared = payload;
                    case REC_PAGE -> {
                        gfns.add(r.readLong());
                        pages.add(r.readNBytes(GuestPage.PAGE_SIZE));
                    }
                    default -> throw new DomainException(name + ": unknown record type " + type
                            + ": the image is corrupted or from a newer xenabi");
                }
            }
            if (config == null || shared == null || shared.length != GuestPage.PAGE_SIZE) {
                throw new DomainException(name + ": the image lacks its configuration or shared_info");
            }
            return new Contents(config, used, notes, shared, gfns, pages);
        } catch (EOFException e) {
            throw new DomainException(name + ": the image is truncated");
        } catch (IOException | IllegalArgumentException e) {
            throw new DomainException(name + ": the image is corrupted (" + e.getMessage() + ")");
        }
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
