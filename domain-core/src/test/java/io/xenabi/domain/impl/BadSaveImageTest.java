package io.xenabi.domain.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainException;
import io.xenabi.domain.DomainInfo;
import io.xenabi.domain.PortInfo;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.xenabi.domain.impl.domains.HostSettings;
import io.xenabi.domain.impl.save.SaveImage;

/**
 * A real image written by xl save, then damaged every way: cut at every record boundary and
 * inside records, every byte flipped, wrong magic and versions, records of unknown types, variants
 * the host lacks or withholds, and well-checksummed images whose records lie. Each restore throws
 * one line naming the cause, creates no domain and leaves the running domain as it was.
 */
class BadSaveImageTest {
    @TempDir
    Path dir;

    private HypervisorImpl hv;
    private Guest keeper;
    private byte[] image;
    private List<DomainInfo> domainsBefore;
    private List<PortInfo> keeperPortsBefore;
    private final byte[] keeperPage = new byte[4096];

    /** A record of the image: its type and payload. */
    private record Rec(int type, byte[] payload) {
    }

    @BeforeEach
    void saveAliceBesideAKeeper() throws IOException {
        hv = TestHypervisors.all();
        keeper = new Guest(hv, hv.create(DomainConfig.named("keeper").withVcpus(2)));
        assertEquals(0, keeper.setUp(Guest.Abi.FIFO, 2));
        keeper.bindIpi(0);
        Arrays.fill(keeperPage, (byte) 0x5A);
        keeper.mem.write(40L * 4096, keeperPage, 0, keeperPage.length);

        Guest alice = new Guest(hv, hv.create(DomainConfig.named("alice").withAbiPermit(1)));
        assertEquals(0, alice.setUp(Guest.Abi.FIFO, 1));
        byte[] data = new byte[4096];
        Arrays.fill(data, (byte) 7);
        alice.mem.write(77L * 4096, data, 0, data.length);
        Path saved = dir.resolve("alice.save");
        hv.save(alice.domid, saved, Map.of("guest.mode", "auto"));
        image = Files.readAllBytes(saved);
        domainsBefore = hv.list();
        keeperPortsBefore = hv.ports(keeper.domid);
    }

    /** Restores {@code bytes}; asserts it is refused in one line with nothing changed; returns the line. */
    private String refused(byte[] bytes) throws IOException {
        Path bad = dir.resolve("bad.save");
        Files.write(bad, bytes);
        return refused(bad);
    }

    private String refused(Path bad) {
        String m = assertThrows(DomainException.class, () -> hv.restore(bad)).getMessage();
        assertTrue(m.chars().noneMatch(Character::isISOControl) && !m.isBlank() && m.length() < 200, m);
        assertEquals(domainsBefore, hv.list(), "no domain created, none changed");
        assertEquals(keeperPortsBefore, hv.ports(keeper.domid), "the running domain's event channels as they were");
        byte[] page = new byte[4096];
        keeper.mem.read(40L * 4096, page, 0, page.length);
        assertArrayEquals(keeperPage, page, "the running domain's memory as it was");
        return m;
    }

    /** The valid image's records. */
    private List<Rec> records() {
        ByteBuffer b = ByteBuffer.wrap(image);
        List<Rec> out = new ArrayList<>();
        int pos = 12;
        while (true) {
            int type = b.getInt(pos);
            int length = b.getInt(pos + 4);
            out.add(new Rec(type, Arrays.copyOfRange(image, pos + 8, pos + 8 + length)));
            pos += 8 + length;
            if (type == SaveImage.REC_END) {
                return out;
            }
        }
    }

    /** Offsets where a record starts, then the checksum's and the file's end. */
    private List<Integer> boundaries() {
        List<Integer> out = new ArrayList<>();
        int pos = 12;
        for (Rec r : records()) {
            out.add(pos);
            pos += 8 + r.payload().length;
        }
        out.add(pos);
        return out;
    }

    /** An image of {@code version} holding {@code recs}, with a correct checksum. */
    private static byte[] build(int version, List<Rec> recs) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(SaveImage.MAGIC);
        out.writeInt(version);
        for (Rec r : recs) {
            out.writeInt(r.type());
            out.writeInt(r.payload().length);
            out.write(r.payload());
        }
        out.flush();
        CRC32 crc = new CRC32();
        crc.update(bytes.toByteArray());
        out.writeLong(crc.getValue());
        out.flush();
        return bytes.toByteArray();
    }

    /** The valid image with {@code change} applied to its records, checksummed again. */
    private byte[] rebuilt(UnaryOperator<List<Rec>> change) throws IOException {
        return build(SaveImage.VERSION, change.apply(new ArrayList<>(records())));
    }

    private static byte[] pairs(Map<String, String> m) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream o = new DataOutputStream(b);
        o.writeInt(m.size());
        for (Map.Entry<String, String> e : m.entrySet()) {
            o.writeUTF(e.getKey());
            o.writeUTF(e.getValue());
        }
        o.flush();
        return b.toByteArray();
    }

    private List<Rec> replace(List<Rec> recs, int type, byte[] payload) {
        recs.replaceAll(r -> r.type() == type ? new Rec(type, payload) : r);
        return recs;
    }

    @Test
    void theUndamagedImageRestores() throws IOException {
        assertEquals(image.length, build(SaveImage.VERSION, records()).length);
        assertArrayEquals(image, build(SaveImage.VERSION, records()), "the test's writer is the product's");
        assertEquals("alice", hv.info(hv.restore(dir.resolve("alice.save")).domid()).orElseThrow().name());
    }

    @Test
    void cutAtEveryRecordBoundaryIsTruncated() throws IOException {
        List<Integer> cuts = boundaries();
        List<Integer> types = records().stream().map(Rec::type).toList();
        assertEquals(List.of(SaveImage.REC_CONFIG, SaveImage.REC_PERMIT, SaveImage.REC_USED, SaveImage.REC_NOTES,
                SaveImage.REC_SHARED), types.subList(0, 5));
        assertTrue(types.subList(5, types.size() - 1).stream().allMatch(t -> t == SaveImage.REC_PAGE) && types.size() > 6,
                "then the pages: " + types);
        assertEquals(types.size() + 1, cuts.size(), "each record's start, then the checksum's");
        for (int cut : cuts) {
            assertTrue(refused(Arrays.copyOf(image, cut)).startsWith("bad.save: the image is truncated ("),
                    "cut at " + cut);
        }
        for (int cut : new int[] {0, 7, 8, 11}) {
            assertEquals("bad.save is not a xenabi save image", refused(Arrays.copyOf(image, cut)), "cut at " + cut);
        }
    }

    @Test
    void cutInsideEveryRecordIsTruncated() throws IOException {
        List<Integer> cuts = boundaries();
        for (int i = 0; i + 1 < cuts.size(); i++) {
            int start = cuts.get(i);
            int end = cuts.get(i + 1);
            for (int cut : new int[] {start + 1, start + 4, start + 7, start + 8 + (end - start - 8) / 2, end - 1}) {
                if (cut > start && cut < end) {
                    assertTrue(refused(Arrays.copyOf(image, cut)).startsWith("bad.save: the image is truncated ("),
                            "cut at " + cut);
                }
            }
        }
        int crcAt = cuts.get(cuts.size() - 1);
        assertEquals("bad.save: the image is truncated (its checksum is missing)",
                refused(Arrays.copyOf(image, crcAt + 5)));
    }

    /**
     * A dense sample of the image's bytes flipped in turn: every byte of the header, of each
     * record's frame and of the checksum; the first and last 16 bytes of each payload; and every
     * 61st byte between (every byte of the whole image took 90 s on a loaded machine).
     */
    @Test
    void aFlippedByteIsRefusedNamingTheCause() throws IOException {
        List<Integer> starts = boundaries();
        int crcAt = starts.get(starts.size() - 1);
        java.util.TreeSet<Integer> sample = new java.util.TreeSet<>();
        for (int i = 0; i < 12; i++) {
            sample.add(i);
        }
        for (int k = 0; k + 1 < starts.size(); k++) {
            int s = starts.get(k);
            int end = starts.get(k + 1);
            for (int i = s; i < end; i++) {
                if (i < s + 8 + 16 || i >= end - 16 || (i - s) % 61 == 0) {
                    sample.add(i);
                }
            }
        }
        for (int i = crcAt; i < image.length; i++) {
            sample.add(i);
        }
        Path bad = dir.resolve("bad.save");
        Files.write(bad, image);
        int checksummed = 0;
        try (RandomAccessFile f = new RandomAccessFile(bad.toFile(), "rw")) {
            for (int i : sample) {
                f.seek(i);
                f.write(image[i] ^ 0x10);
                String m = refused(bad);
                f.seek(i);
                f.write(image[i]);
                int at = i;
                boolean frame = starts.stream().anyMatch(s -> at >= s && at < s + 8 && s < crcAt);
                if (i < 8) {
                    assertEquals("bad.save is not a xenabi save image", m, "byte " + i);
                } else if (i < 12) {
                    assertTrue(m.startsWith("bad.save: image version "), "byte " + i + ": " + m);
                } else if (frame) {
                    assertTrue(m.startsWith("bad.save: the image is truncated (") || m.contains("bytes after the end")
                            || m.contains("checksum mismatch"), "byte " + i + ": " + m);
                } else {
                    assertEquals("bad.save: checksum mismatch: the image is corrupted", m, "byte " + i);
                    checksummed++;
                }
            }
        }
        assertTrue(sample.size() > 500 && checksummed > 400, sample.size() + " flips, " + checksummed + " in payloads");
    }

    @Test
    void aWrongMagicIsNotAnImage() throws IOException {
        byte[] bad = image.clone();
        System.arraycopy("XENSAVE!".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, bad, 0, 8);
        assertEquals("bad.save is not a xenabi save image", refused(bad));
    }

    @Test
    void aFutureOrWrongVersionIsNamed() throws IOException {
        assertEquals("bad.save: image version 3 is not supported (this host reads 1 to 2)",
                refused(build(3, records())));
        assertEquals("bad.save: image version 0 is not supported (this host reads 1 to 2)",
                refused(build(0, records())));
        assertEquals("bad.save: image version 4294967295 is not supported (this host reads 1 to 2)",
                refused(build(-1, records())));
    }

    @Test
    void aRecordOfAnUnknownTypeIsNamed() throws IOException {
        byte[] bad = rebuilt(recs -> {
            recs.add(recs.size() - 1, new Rec(7, new byte[] {1, 2, 3}));
            return recs;
        });
        assertEquals("bad.save: unknown record type 7: the image is corrupted or from a newer xenabi", refused(bad));
    }

    /** The image as xenabi's version 1 wrote it: the same records but PERMIT, under version 1. */
    private byte[] version1() throws IOException {
        List<Rec> recs = new ArrayList<>(records());
        recs.removeIf(r -> r.type() == SaveImage.REC_PERMIT);
        return build(1, recs);
    }

    @Test
    void aVersion1ImageStillRestoresWithTheVariantsItsGuestUsedAsItsSet() throws IOException {
        Path old = dir.resolve("old.save");
        Files.write(old, version1());
        DomainInfo d = hv.info(hv.restore(old).domid()).orElseThrow();
        assertEquals("alice", d.name());
        assertEquals(List.of("evtchn-fifo"), d.permitNames(), "its guest used FIFO; nothing else is known");
        Guest again = new Guest(hv, d.domid());
        assertEquals(0, again.setUp(Guest.Abi.FIFO, 1), "the guest resumes on FIFO");
        assertEquals(-io.xenabi.abi.XenErrno.ENOSYS, new GrantGuest(hv, d.domid()).setVersion(2),
                "never widened to what this host has");
    }

    @Test
    void aVersion1ImageOfATwoLevelGuestIsPermittedNoAdvancedVariant() throws IOException {
        Guest bob = new Guest(hv, hv.create(DomainConfig.named("bob")));
        assertEquals(0, bob.setUp(Guest.Abi.TWO_LEVEL, 1));
        Path saved = dir.resolve("bob.save");
        hv.save(bob.domid, saved, Map.of());
        image = Files.readAllBytes(saved);
        Path old = dir.resolve("old.save");
        Files.write(old, version1());
        DomainInfo d = hv.info(hv.restore(old).domid()).orElseThrow();
        assertEquals(List.of(), d.permitNames());
        Guest again = new Guest(hv, d.domid());
        again.mapSharedInfo();
        assertEquals(-io.xenabi.abi.XenErrno.EOPNOTSUPP, again.initControl(0), "it stays on 2-level");
    }

    @Test
    void aPermitRecordOutOfPlaceOrMissingIsNamed() throws IOException {
        byte[] v1WithPermit = build(1, records());
        assertEquals("bad.save: unknown record type 6 in a version 1 image: the image is corrupted",
                refused(v1WithPermit));
        byte[] noPermit = rebuilt(recs -> {
            recs.removeIf(r -> r.type() == SaveImage.REC_PERMIT);
            return recs;
        });
        assertEquals("bad.save: the image lacks its PERMIT record", refused(noPermit));
        byte[] twice = rebuilt(recs -> {
            recs.add(1, recs.get(1));
            return recs;
        });
        assertEquals("bad.save: the image is corrupted (two PERMIT records)", refused(twice));
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream o = new DataOutputStream(b);
        o.writeInt(1);
        o.writeUTF("evtchn");
        o.writeUTF("2l");
        o.writeInt(-1);
        o.flush();
        assertEquals("bad.save: the image is corrupted (its PERMIT record: base variant evtchn-2l in the permit set)",
                refused(rebuilt(recs -> replace(recs, SaveImage.REC_PERMIT, b.toByteArray()))));
        b.reset();
        o.writeInt(1);
        o.writeUTF("evtchn");
        o.writeUTF("fifo");
        o.writeInt(70);
        o.flush();
        assertEquals("bad.save: the image is corrupted (its PERMIT record: capability bit 70 is outside 0..62)",
                refused(rebuilt(recs -> replace(recs, SaveImage.REC_PERMIT, b.toByteArray()))));
    }

    @Test
    void aVariantTheHostDoesNotHaveIsNamed() throws IOException {
        byte[] lifo = rebuilt(recs -> replace(recs, SaveImage.REC_USED, uncheck(() -> pairs(Map.of("evtchn", "lifo")))));
        assertEquals("the image's guest used evtchn-lifo, which this host does not have", refused(lifo));
        byte[] family = rebuilt(recs -> replace(recs, SaveImage.REC_USED, uncheck(() -> pairs(Map.of("iommu", "v9")))));
        assertEquals("the image's guest used iommu-v9, which this host does not have", refused(family));
    }

    @Test
    void aVariantTheHostWithholdsIsNamed() {
        hv.applyHostSettings(new HostSettings(List.of("*"), List.of("gnttab-v2"), 1023, 64, 1024));
        domainsBefore = hv.list();
        assertEquals("the image's guest used evtchn-fifo, which this host does not permit",
                refused(dir.resolve("alice.save")));
    }

    @Test
    void aChecksummedImageWhoseRecordsLieIsCorrupted() throws IOException {
        assertEquals("bad.save: the image is corrupted (its PAGE record is too short)", refused(rebuilt(recs -> {
            recs.replaceAll(r -> r.type() == SaveImage.REC_PAGE ? new Rec(r.type(), Arrays.copyOf(r.payload(), 108)) : r);
            return recs;
        })));
        assertEquals("bad.save: the image is corrupted (3 bytes left over in its SHARED record)", refused(rebuilt(recs -> {
            recs.replaceAll(r -> r.type() == SaveImage.REC_SHARED ? new Rec(r.type(), Arrays.copyOf(r.payload(), 4099))
                    : r);
            return recs;
        })));
        assertEquals("bad.save: the image is corrupted (two CONFIG records)", refused(rebuilt(recs -> {
            recs.add(1, recs.get(0));
            return recs;
        })));
        assertEquals("bad.save: the image lacks its SHARED record", refused(rebuilt(recs -> {
            recs.removeIf(r -> r.type() == SaveImage.REC_SHARED);
            return recs;
        })));
        long firstGfn = records().stream().filter(r -> r.type() == SaveImage.REC_PAGE).findFirst()
                .map(r -> ByteBuffer.wrap(r.payload()).getLong()).orElseThrow();
        assertEquals("bad.save: the image is corrupted (gfn " + firstGfn + " twice)", refused(rebuilt(recs -> {
            Rec page = recs.stream().filter(r -> r.type() == SaveImage.REC_PAGE).findFirst().orElseThrow();
            recs.add(recs.indexOf(page), page);
            return recs;
        })));
        byte[] far = rebuilt(recs -> {
            int at = recs.size() - 2; // the last page
            byte[] p = recs.get(at).payload().clone();
            ByteBuffer.wrap(p).putLong(0, 1L << 40);
            recs.set(at, new Rec(SaveImage.REC_PAGE, p));
            return recs;
        });
        assertEquals("the image has a page at gfn 1099511627776 beyond its memory: corrupted", refused(far));
    }

    @Test
    void aConfigurationTheHostRefusesCreatesNothing() throws IOException {
        byte[] config = records().get(0).payload().clone();
        // name "alice" (u16 length + 5 bytes), then u32 vcpus
        ByteBuffer.wrap(config).putInt(7, 99);
        assertEquals("vcpus=99 is outside 1..32", refused(rebuilt(recs -> replace(recs, SaveImage.REC_CONFIG, config))));
    }

    @Test
    void aNameWithAControlCharacterStaysOnOneLine() throws IOException {
        byte[] config = records().get(0).payload().clone();
        config[2 + 2] = '\n'; // "al\nce"
        String m = refused(rebuilt(recs -> replace(recs, SaveImage.REC_CONFIG, config)));
        assertTrue(m.startsWith("invalid domain name 'al\\nce'"), m);
    }

    @Test
    void whatIsNotARegularFileIsNotAnImage() {
        assertEquals(dir.getFileName() + " is not a xenabi save image (not a regular file)", refused(dir));
        Path zero = Path.of("/dev/zero");
        assumeTrue(Files.exists(zero));
        assertEquals("zero is not a xenabi save image (not a regular file)", refused(zero));
    }

    @Test
    void aHugeFileIsRefusedUnread() throws IOException {
        Path huge = dir.resolve("huge.save");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.write(image, 0, 12);
            f.setLength(3L << 30); // sparse
        }
        assertEquals("huge.save is not a xenabi save image this host reads: 3221225472 bytes, more than 1073741824",
                refused(huge));
    }

    @Test
    void aMissingFileIsNamed() {
        Path none = dir.resolve("none.save");
        assertEquals("cannot read the image " + none + ": no such file", refused(none));
        assertFalse(Files.exists(none));
    }

    @Test
    void aSaveThatCannotWriteSaysWhyAndLeavesTheDomainRunning() {
        Path nowhere = dir.resolve("no/such/folder/keeper.save");
        assertEquals("cannot write " + nowhere + ": no such file or directory",
                assertThrows(DomainException.class, () -> hv.save(keeper.domid, nowhere, Map.of())).getMessage());
        assertEquals(domainsBefore, hv.list(), "the domain is running again, not destroyed");
        assertEquals(keeperPortsBefore, hv.ports(keeper.domid));
    }

    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    private static <T> T uncheck(IoSupplier<T> s) {
        try {
            return s.get();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
