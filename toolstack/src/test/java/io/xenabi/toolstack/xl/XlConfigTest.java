package io.xenabi.toolstack.xl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.xenabi.abi.AbiCapability;
import io.xenabi.abi.AbiVariant;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainException;
import io.xenabi.domain.DomainType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class XlConfigTest {
    private static final List<AbiVariant> VARIANTS = List.of(new AbiVariant("evtchn", "2l", -1),
            new AbiVariant("evtchn", "fifo", 0), new AbiVariant("gnttab", "v1", -1), new AbiVariant("gnttab", "v2", 1),
            new AbiVariant("gnttab", "v3", 2));
    private static final DomainConfig DEFAULTS = DomainConfig.named("-");

    private static XlConfig parse(String text) {
        return XlConfig.parse("t.cfg", text, DEFAULTS, VARIANTS);
    }

    private static String error(String text) {
        return assertThrows(XlConfigException.class, () -> parse(text)).getMessage();
    }

    @Test
    void theSyntaxOfXl() {
        XlConfig c = parse("""
                # a guest
                name = "alice"   # trailing comment
                type='pvh'; vcpus = 0x4
                memory = 512
                abi_permit = [
                    "evtchn-fifo",   # event channels
                    'gnttab-v3',
                ]
                """);
        assertEquals("alice", c.config().name());
        assertEquals(DomainType.PVH, c.config().type());
        assertEquals(4, c.config().vcpus());
        assertEquals(512, c.config().memoryMiB());
        assertEquals(AbiCapability.mask(0) | AbiCapability.mask(2), c.config().abiPermit());
        assertEquals(List.of("evtchn-fifo", "gnttab-v3"), c.permitNames());
        assertTrue(c.warnings().isEmpty());
    }

    @Test
    void escapesWorkInBothQuotesAsInLibxlutil() {
        // FIDELITY-GAPS X7: libxlutil dequotes single- and double-quoted strings alike.
        assertEquals("a\"b", parse("name = \"a\\\"b\"").config().name());
        assertEquals("a\nb", parse("name = 'a\\nb'").config().name());
        assertEquals("it's", parse("name = 'it\\'s'").config().name());
    }

    @Test
    void numbersAreReadAsXlReadsThem() {
        // X1 (strtol base 0: a leading 0 is octal), X3 (a quoted number is a number, as
        // xen-tools writes them), X4 (a number where a string goes is that string).
        assertEquals(8, parse("name='a'; vcpus = 010").config().vcpus());
        assertEquals(16, parse("name='a'; vcpus = 0x10").config().vcpus());
        assertEquals(256, parse("name='a'; memory = '256'; vcpus = \"1\"").config().memoryMiB());
        assertEquals(1, parse("name='a'; memory = '256'; vcpus = \"1\"").config().vcpus());
        assertEquals("123", parse("name = 123").config().name());
        assertEquals("t.cfg:1:20: memory = 0128 is not a valid number", error("name='a'; memory = 0128"));
    }

    @Test
    void plusEqualsAppendsAsInLibxlutil() {
        // X5: += appends a list to a list and a string to a string.
        XlConfig c = parse("name = 'a'\nname += 'b'\nabi_permit = [ 'evtchn-fifo' ]\nabi_permit += [ 'gnttab-v3' ]\n");
        assertEquals("ab", c.config().name());
        assertEquals(List.of("evtchn-fifo", "gnttab-v3"), c.permitNames());
        assertEquals("t.cfg:2:10: vcpus = 2 is set with += and += cannot be used with numbers",
                error("name='a'\nvcpus += 2"));
    }

    @Test
    void dottedKeysAreKeysAndBareWordsAreNotValues() {
        // X6: foo.bar is a key (unknown, so ignored); X8: xl.cfg has no bare words.
        assertEquals(List.of("t.cfg:1: unknown key 'foo.bar' ignored"), parse("foo.bar = 1; name='a'").warnings());
        assertEquals("t.cfg:1:23: expected a value, found 'true'", error("disable_evtchn_fifo = true\nname='a'"));
    }

    @Test
    void upperCaseHexAndCarriageReturnsAreLexicalErrors() {
        // X9, X10: libxlutil's lexer knows lower-case hex digits only, and blanks are space and tab.
        assertEquals("t.cfg:1:21: unexpected 'X': keys and hex digits are lower case", error("name='a'; memory = 0X80"));
        assertEquals("t.cfg:1:9: carriage return: xl.cfg lines end with a line feed alone (a CRLF file?)",
                error("name='a'\r\nvcpus = 2\r\n"));
    }

    @Test
    void unknownKeysAreWarnedAboutAndIgnoredAsXlDoes() {
        XlConfig c = parse("name = \"a\"\nvif = [ 'bridge=xenbr0' ]\n");
        assertEquals(List.of("t.cfg:2: unknown key 'vif' ignored"), c.warnings());
    }

    @Test
    void errorsNameFileLineAndColumn() {
        assertEquals("t.cfg:2:8: expected a value, found the end of the line", error("name = \"a\"\nvcpus =\n"));
        assertEquals("t.cfg:1:8: unterminated string", error("name = \"alice\n"));
        assertEquals("t.cfg:1:11: unexpected 'Z': keys and hex digits are lower case", error("vcpus = 0xZZ\n"));
        assertEquals("t.cfg:1:9: vcpus = two is not a valid number", error("vcpus = 'two'"));
        assertEquals("t.cfg:1:15: no ABI variant is named 'evtchn-lifo'", error("abi_permit = [\"evtchn-lifo\"]"));
        assertEquals("t.cfg:1:1: no name = \"...\" given", error("vcpus = 2"));
        assertEquals("t.cfg:1:9: vcpus = 99 is outside 1..32", error("vcpus = 99"));
        assertEquals("t.cfg:1:8: name is a list but should be a single value", error("name = [ 5 ]"));
        assertEquals("t.cfg:2:14: unterminated list", error("name='a'\nabi_permit = [ 'evtchn-fifo'"));
        assertEquals("t.cfg:1:10: expected the end of the line or ';' after the value of 'name', found 'x'",
                error("name='a' x"));
        assertEquals("t.cfg:1:1: expected a key, found '='", error("= 3"));
    }

    @Test
    void theLegacyKeysMapOntoTheBitmap() {
        assertEquals(AbiCapability.ALL & ~AbiCapability.mask(1), parse("name='a'\nmax_grant_version=1").config()
                .abiPermit());
        assertEquals(AbiCapability.ALL & ~AbiCapability.mask(0), parse("name='a'\ndisable_evtchn_fifo=1").config()
                .abiPermit());
        assertEquals(0, parse("name='a'\nabi_permit = [ ]").config().abiPermit(), "an empty list permits nothing");
    }

    @Test
    void contradictoryKeysAreAnError() {
        assertEquals("t.cfg:3:19: max_grant_version = 2 contradicts abi_permit at line 2",
                error("name='a'\nabi_permit=[]\nmax_grant_version=2"));
        assertEquals("t.cfg:2:19: max_grant_version = 1 contradicts abi_permit at line 1",
                error("abi_permit = [ 'gnttab-v2' ]\nmax_grant_version=1\nname='a'"));
        assertEquals("t.cfg:2:21: disable_evtchn_fifo = 1 contradicts abi_permit at line 1",
                error("abi_permit = [ 'evtchn-fifo' ]\ndisable_evtchn_fifo=1\nname='a'"));
        assertEquals("t.cfg:1:16: 'evtchn-2l' is a base variant, always there: do not list it",
                error("abi_permit = [ 'evtchn-2l' ]"));
    }

    @Test
    void hvmWithoutXenExtensions() {
        DomainConfig c = parse("name='h'\ntype='hvm'\nxen_extensions=0").config();
        assertEquals(DomainType.HVM, c.type());
        assertFalse(c.hasXenInterfaces());
        // xl reads booleans with xlu_cfg_get_defbool: a number, any but 0 being true
        assertTrue(parse("name='h'; type='hvm'; xen_extensions=7").config().hasXenInterfaces());
        assertEquals("t.cfg:1:38: xen_extensions must be a number, 0 or 1 ('on' is not a valid number)",
                error("name='h'; type='hvm'; xen_extensions='on'"));
    }

    @Test
    void nativeGuestMakesTheGuestANativeProcess() {
        DomainConfig c = parse("name='n'\ntype='pvh'\nnative_guest=1").config();
        assertTrue(c.nativeGuest());
        assertFalse(parse("name='j'").config().nativeGuest(), "not by default");
        assertEquals("t.cfg:1:24: native_guest must be a number, 0 or 1 ('yes' is not a valid number)",
                error("name='n'; native_guest='yes'"));
    }

    @Test
    void theDryRunJsonHoldsThePermitSetByNameAndBitmap() throws Exception {
        XlConfig c = parse("name='d'\nmax_grant_version = 1\nabi_permit = [ \"evtchn-fifo\" ]\n");
        List<String> names = new ArrayList<>();
        String bitmap = null;
        try (JsonParser p = new JsonFactory().createParser(c.toJson())) {
            String field = null;
            while (p.nextToken() != null) {
                if (p.currentToken() == JsonToken.FIELD_NAME) {
                    field = p.currentName();
                } else if (p.currentToken() == JsonToken.VALUE_STRING && "names".equals(field)) {
                    names.add(p.getText());
                } else if (p.currentToken() == JsonToken.VALUE_STRING && "bitmap".equals(field)) {
                    bitmap = p.getText();
                }
            }
        }
        assertEquals(List.of("evtchn-fifo"), names);
        assertEquals("0x1", bitmap);
    }

    @Test
    void badFilesGetOneLine(@TempDir Path dir) throws Exception {
        Path bin = dir.resolve("bin.cfg");
        Files.write(bin, new byte[] {'n', 0, (byte) 0xFF, 1});
        assertTrue(assertThrows(XlConfigException.class, () -> XlConfig.read(bin, DEFAULTS, VARIANTS)).getMessage()
                .endsWith("bin.cfg:1:2: unexpected '\\x00'"));
        Path missing = dir.resolve("nope.cfg");
        assertTrue(assertThrows(DomainException.class, () -> XlConfig.read(missing, DEFAULTS, VARIANTS)).getMessage()
                .startsWith("cannot read "));
        Path good = dir.resolve("good.cfg");
        Files.writeString(good, "name = \"g\"\n");
        assertEquals("g", XlConfig.read(good, DEFAULTS, VARIANTS).config().name());
    }
}
