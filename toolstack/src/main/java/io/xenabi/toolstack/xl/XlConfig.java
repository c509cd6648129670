package io.xenabi.toolstack.xl;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.xenabi.abi.AbiCapability;
import io.xenabi.abi.AbiVariant;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainException;
import io.xenabi.domain.DomainType;
import io.xenabi.toolstack.VariantNames;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A domain configuration read from an xl.cfg file: the keys of Xen's xl that xenabi models,
 * xenabi's positive {@code abi_permit}, and the legacy {@code max_grant_version} and
 * {@code disable_evtchn_fifo} mapped onto the permit bitmap. Unknown keys are warned about and
 * ignored, as xl does; contradictory keys are an error.
 *
 * @param config the configuration to create the domain with
 * @param permitNames the permitted advanced variants by qualified name
 * @param warnings what was ignored, one line each
 */
public record XlConfig(DomainConfig config, List<String> permitNames, List<String> warnings) {
    /** Files larger than this are not configurations. */
    public static final long MAX_FILE_BYTES = 1 << 20;

    /** Reads {@code file} over the host's {@code defaults}, resolving names among {@code variants}. */
    public static XlConfig read(Path file, DomainConfig defaults, List<AbiVariant> variants) {
        String source = file.toString();
        byte[] bytes;
        if (!Files.exists(file)) {
            throw new DomainException("cannot read " + source + ": no such file");
        }
        if (Files.isDirectory(file)) {
            throw new DomainException("cannot read " + source + ": it is a directory");
        }
        // Read at most one byte past the limit: the size a special file (a FIFO, /dev/zero)
        // reports says nothing about what reading it yields.
        try (java.io.InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes((int) MAX_FILE_BYTES + 1);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new DomainException("cannot read " + source + ": permission denied");
        } catch (IOException e) {
            throw new DomainException("cannot read " + source + ": " + e.getMessage());
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new XlConfigException(source, 1, 1, "the file is larger than " + MAX_FILE_BYTES
                    + " bytes: not a domain configuration");
        }
        // libxlutil reads bytes, not characters: one char per byte here, and text values are
        // decoded as UTF-8 where xenabi uses them as text (the name).
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        return parse(source, text, defaults, variants);
    }

    /** Reads xl.cfg text; {@code source} names it in errors. */
    public static XlConfig parse(String source, String text, DomainConfig defaults, List<AbiVariant> variants) {
        Map<String, XlValue> keys = XlParser.parse(source, text);
        List<String> warnings = new ArrayList<>();
        DomainConfig c = defaults;
        String name = null;
        Long memory = null;
        Long maxmem = null;
        DomainType type = defaults.type();
        XlValue typeAt = null;
        XlValue builderAt = null;
        boolean extensions = defaults.xenExtensions();
        Long permit = null;
        XlValue permitAt = null;
        Integer maxGrantVersion = null;
        XlValue maxGrantVersionAt = null;
        Boolean disableFifo = null;
        boolean nativeGuest = defaults.nativeGuest();
        XlValue disableFifoAt = null;
        for (Map.Entry<String, XlValue> e : keys.entrySet()) {
            String k = e.getKey();
            XlValue v = e.getValue();
            switch (k) {
                case "name" -> name = string(source, k, v);
                case "type" -> {
                    try {
                        type = DomainType.parse(string(source, k, v));
                    } catch (DomainException ex) {
                        throw err(source, v, ex.getMessage());
                    }
                    typeAt = v;
                }
                case "builder" -> {
                    String b = string(source, k, v);
                    if (!b.equals("hvm") && !b.equals("generic")) {
                        throw err(source, v, "builder '" + XlParser.shown(b) + "' is not hvm or generic");
                    }
                    builderAt = v;
                }
                case "memory" -> memory = number(source, k, v, 1, 1L << 20);
                case "maxmem" -> maxmem = number(source, k, v, 1, 1L << 20);
                case "vcpus" -> c = c.withVcpus((int) number(source, k, v, 1, DomainConfig.MAX_VCPUS));
                case "max_event_channels" -> c = c.withMaxEventChannels((int) number(source, k, v, 1, (1 << 17) - 1));
                case "max_grant_frames" -> c = c.withMaxGrantFrames((int) number(source, k, v, 1, 4096));
                case "max_maptrack_frames" -> c = c.withMaxMaptrackFrames((int) number(source, k, v, 0, 1 << 20));
                case "max_grant_version" -> {
                    maxGrantVersion = (int) number(source, k, v, 1, 2);
                    maxGrantVersionAt = v;
                }
                case "disable_evtchn_fifo" -> {
                    disableFifo = bool(source, k, v);
                    disableFifoAt = v;
                }
                case "xen_extensions" -> extensions = bool(source, k, v);
                case "native_guest" -> nativeGuest = bool(source, k, v);
                case "abi_permit" -> {
                    permit = permitBits(source, v, variants);
                    permitAt = v;
                }
                default -> warnings.add(source + ":" + v.line() + ": unknown key '" + XlParser.shown(k) + "' ignored");
            }
        }
        if (name == null) {
            throw new XlConfigException(source, 1, 1, "no name = \"...\" given");
        }
        if (builderAt != null) {
            // xl: "builder" is the deprecated spelling of "type"; both given and disagreeing is an
            // error (tools/xl/xl_parse.c, "Contradicting builder and type options").
            DomainType built = builderAt.text().equals("hvm") ? DomainType.HVM : DomainType.PV;
            if (typeAt != null && type != built) {
                throw err(source, builderAt, "builder = \"" + builderAt.text() + "\" contradicts type at line "
                        + typeAt.line());
            }
            type = built;
        }
        if (memory != null) {
            c = c.withMemoryMiB(memory);
        }
        if (maxmem != null && maxmem < c.memoryMiB()) {
            throw new XlConfigException(source, 1, 1, "maxmem=" + maxmem + " is below memory=" + c.memoryMiB());
        }
        if (maxmem != null && maxmem > c.memoryMiB()) {
            warnings.add(source + ": maxmem above memory is not modelled (no ballooning); the domain gets memory="
                    + c.memoryMiB());
        }
        long bits = permit != null ? permit : defaults.abiPermit();
        long v2 = AbiCapability.mask(AbiCapability.XENABI_CAP_GNTTAB_V2);
        long fifo = AbiCapability.mask(AbiCapability.XENABI_CAP_EVTCHN_FIFO);
        if (maxGrantVersion != null) {
            boolean wantV2 = maxGrantVersion == 2;
            if (permit != null && ((bits & v2) != 0) != wantV2) {
                throw err(source, maxGrantVersionAt, "max_grant_version = " + maxGrantVersion
                        + " contradicts abi_permit at line " + permitAt.line());
            }
            bits = wantV2 ? bits | v2 : bits & ~v2;
        }
        if (disableFifo != null) {
            if (permit != null && ((bits & fifo) != 0) == disableFifo) {
                throw err(source, disableFifoAt, "disable_evtchn_fifo = " + (disableFifo ? 1 : 0)
                        + " contradicts abi_permit at line " + permitAt.line());
            }
            bits = disableFifo ? bits & ~fifo : bits | fifo;
        }
        DomainConfig config = new DomainConfig(name, c.vcpus(), c.memoryMiB(), c.maxEventChannels(),
                c.maxGrantFrames(), c.maxMaptrackFrames(), bits, type, type != DomainType.HVM || extensions, nativeGuest);
        if (type != DomainType.HVM && !extensions) {
            warnings.add(source + ": xen_extensions = 0 only applies to HVM guests; ignored");
        }
        return new XlConfig(config, VariantNames.names(bits, variants), List.copyOf(warnings));
    }

    private static XlConfigException err(String source, XlValue v, String cause) {
        return new XlConfigException(source, v.line(), v.column(), cause);
    }

    /** A string as xl reads it (xlu_cfg_get_string): any atom, quoted or a number, never a list. */
    private static String string(String source, String key, XlValue v) {
        if (!v.isString()) {
            throw err(source, v, key + " is a list but should be a single value");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(v.text().getBytes(StandardCharsets.ISO_8859_1))).toString();
        } catch (CharacterCodingException e) {
            throw err(source, v, key + " is not valid UTF-8 text");
        }
    }

    /**
     * A number as xl reads it (xlu_cfg_get_long: C's strtol with base 0 over the whole atom, so
     * {@code 010} is 8, {@code "256"} is 256 and {@code 0128} is not a number), within xenabi's
     * bounds for the key.
     */
    private static long number(String source, String key, XlValue v, long min, long max) {
        XlNumber n = XlNumber.of(v);
        if (!n.ok()) {
            throw err(source, v, key + (v.isList() ? "" : " = " + XlParser.shown(v.text())) + " " + n.cause());
        }
        if (n.value() < min || n.value() > max) {
            throw err(source, v, key + " = " + XlParser.shown(v.text()) + " is outside " + min + ".." + max);
        }
        return n.value();
    }

    /** A boolean as xl reads it (xlu_cfg_get_defbool: a number, and any number but 0 is true). */
    private static boolean bool(String source, String key, XlValue v) {
        XlNumber n = XlNumber.of(v);
        if (!n.ok()) {
            throw err(source, v, key + " must be a number, 0 or 1" + (v.isList() ? "" : " ('"
                    + XlParser.shown(v.text()) + "' " + n.cause() + ")"));
        }
        return n.value() != 0;
    }

    private static long permitBits(String source, XlValue v, List<AbiVariant> variants) {
        if (!v.isList()) {
            throw err(source, v, "abi_permit must be a list of variant names, e.g. [ \"evtchn-fifo\" ]");
        }
        long bits = 0;
        for (XlValue item : v.list()) {
            if (!item.isString()) {
                throw err(source, item, "abi_permit entries must be quoted variant names");
            }
            int bit = VariantNames.bitOf(item.text(), variants);
            if (bit == VariantNames.UNKNOWN) {
                throw err(source, item, "no ABI variant is named '" + XlParser.shown(item.text()) + "'");
            }
            if (bit == AbiCapability.BASE) {
                throw err(source, item, "'" + item.text() + "' is a base variant, always there: do not list it");
            }
            bits |= AbiCapability.mask(bit);
        }
        return bits;
    }

    /** The resolved configuration as JSON, as {@code xl create -n} prints it. */
    public String toJson() {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(w).useDefaultPrettyPrinter()) {
            write(g, config, permitNames);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /** Writes {@code config} as one JSON object, its permit set by {@code permitNames} and bitmap. */
    public static void write(JsonGenerator g, DomainConfig config, List<String> permitNames) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", config.name());
        g.writeStringField("type", config.type().name().toLowerCase(Locale.ROOT));
        g.writeNumberField("vcpus", config.vcpus());
        g.writeNumberField("memory", config.memoryMiB());
        g.writeNumberField("max_event_channels", config.maxEventChannels());
        g.writeNumberField("max_grant_frames", config.maxGrantFrames());
        g.writeNumberField("max_maptrack_frames", config.maxMaptrackFrames());
        g.writeBooleanField("xen_extensions", config.xenExtensions());
        g.writeObjectFieldStart("abi_permit");
        g.writeArrayFieldStart("names");
        for (String n : permitNames) {
            g.writeString(n);
        }
        g.writeEndArray();
        g.writeStringField("bitmap", "0x" + Long.toHexString(config.abiPermit()));
        g.writeEndObject();
        g.writeEndObject();
    }
}
