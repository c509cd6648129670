package io.xenabi.toolstack.xl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.xenabi.abi.AbiVariant;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainException;
import io.xenabi.domain.DomainType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every class of bad xl.cfg gets one line naming file:line:column and the cause, and nothing
 * else escapes: malformed, truncated, binary, huge, wrongly typed and contradictory files.
 */
class BadXlConfigTest {
    private static final List<AbiVariant> VARIANTS = List.of(new AbiVariant("evtchn", "2l", -1),
            new AbiVariant("evtchn", "fifo", 0), new AbiVariant("gnttab", "v1", -1), new AbiVariant("gnttab", "v2", 1));
    private static final DomainConfig DEFAULTS = DomainConfig.named("-");

    /** A file using every construct: comments, both quotes, escapes, hex, lists over lines, ';', UTF-8. */
    private static final String FULL = """
            # a guest -- commentaire français
            name = "alice\\tb"   # trailing comment
            type='pvh'; vcpus = 0x4
            memory = 512
            maxmem = 512
            max_event_channels = 4095
            abi_permit = [
                "evtchn-fifo",   # événements
                'gnttab-v2',
            ]
            max_grant_version = 2
            vif = [ 'bridge=xenbr0', ]
            """;

    @TempDir
    Path dir;

    private static XlConfig parse(String text) {
        return XlConfig.parse("t.cfg", text, DEFAULTS, VARIANTS);
    }

    private static String error(String text) {
        String m = assertThrows(XlConfigException.class, () -> parse(text)).getMessage();
        assertOneLine(m);
        return m;
    }

    private static void assertOneLine(String message) {
        assertFalse(message.isBlank());
        assertTrue(message.chars().noneMatch(Character::isISOControl), "not one printable line: " + message);
        assertTrue(message.length() < 300, "a cause, not a dump: " + message.length() + " characters");
    }

    private XlConfig read(byte[] bytes) throws Exception {
        Path f = dir.resolve("f.cfg");
        Files.write(f, bytes);
        return XlConfig.read(f, DEFAULTS, VARIANTS);
    }

    private String readError(byte[] bytes) {
        String m = assertThrows(XlConfigException.class, () -> read(bytes)).getMessage();
        assertOneLine(m);
        return m;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "unterminated double-quoted string | name = \"alice             | t.cfg:1:8: unterminated string",
        "unterminated single-quoted string | name = 'alice              | t.cfg:1:8: unterminated string",
        "string ends at a backslash        | name = \"a\\               | t.cfg:1:8: unterminated string",
        "unknown escape                    | name = \"a\\q\"            | t.cfg:1:8: invalid character after backslash in quoted string",
        "a hex escape (libxlutil refuses all) | name = \"\\x41\"       | t.cfg:1:8: invalid digit after backslash hex numerical character escape in quoted string",
        "a list added to a string          | name = 'a'; name += [ 'b' ] | t.cfg:1:21: can't add [list] to \"string\" or vice versa ('name' += at line 1)",
        "unterminated list                 | abi_permit = [ 'evtchn-fifo', | t.cfg:1:14: unterminated list",
        "list without commas               | abi_permit = [ 'a' 'b' ]    | t.cfg:1:20: expected ',' or ']' in the list, found a string",
        "missing '='                       | name \"alice\"              | t.cfg:1:6: expected '=' after 'name', found a string",
        "missing value                     | name =                      | t.cfg:1:7: expected a value, found the end of the file",
        "no key                            | = 3                         | t.cfg:1:1: expected a key, found '='",
        "key starting with a digit         | 9lives = 1                  | t.cfg:1:1: expected a key, found '9'",
        "an upper-case key                 | Name = 'a'                  | t.cfg:1:1: unexpected 'N': keys and hex digits are lower case",
        "garbage after a value             | vcpus = 2 2                 | t.cfg:1:11: expected the end of the line or ';' after the value of 'vcpus', found '2'",
        "garbage instead of a key          | %%% = 1                     | t.cfg:1:1: unexpected '%'",
        "garbage instead of a value        | name = @; vcpus = 1         | t.cfg:1:8: unexpected '@'",
        "a stray last byte is not seen (flex) | name = @                 | t.cfg:1:9: expected a value, found the end of the file",
        "a number that is not one          | vcpus = 12abc               | t.cfg:1:9: vcpus = 12abc is not a valid number",
        "a number too large for 64 bits    | memory = 99999999999999999999 | t.cfg:1:10: memory = 99999999999999999999 is out of range",
        "a sign is Python, not xl.cfg      | vcpus = -1                  | t.cfg:1:9: unexpected '-': xl.cfg is not Python (no expressions, tuples or signs)",
        "a comment without its newline     | vcpus = 1 # one             | t.cfg:1:11: a comment must end with a newline",
    })
    void malformedSyntaxIsOneLineNamingWhere(String what, String text, String expected) {
        assertEquals(expected, error(text.strip()));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "a word where a number goes    | name='a'; vcpus = \"two\"        | t.cfg:1:19: vcpus = two is not a valid number",
        "a list where a number goes    | name='a'; memory = [ 1 ]        | t.cfg:1:20: memory is a list but should be a single value",
        "a list where a string goes    | name = [ 'a' ]                  | t.cfg:1:8: name is a list but should be a single value",
        "negative vcpus                | name='a'; vcpus = \"-1\"         | t.cfg:1:19: vcpus = -1 is outside 1..32",
        "zero vcpus                    | name='a'; vcpus = 0             | t.cfg:1:19: vcpus = 0 is outside 1..32",
        "memory beyond 1 TiB           | name='a'; memory = 0x100001     | t.cfg:1:20: memory = 0x100001 is outside 1..1048576",
        "hex beyond a long             | name='a'; memory = 0xffffffffffffffff | t.cfg:1:20: memory = 0xffffffffffffffff is out of range",
        "too many grant frames         | name='a'; max_grant_frames = 4097 | t.cfg:1:30: max_grant_frames = 4097 is outside 1..4096",
        "a scalar where a list goes    | name='a'; abi_permit = 'evtchn-fifo' | t.cfg:1:24: abi_permit must be a list of variant names, e.g. [ \"evtchn-fifo\" ]",
        "a number in abi_permit        | name='a'; abi_permit = [ 1 ]    | t.cfg:1:26: no ABI variant is named '1'",
        "a list in abi_permit          | name='a'; abi_permit = [ [ 'evtchn-fifo' ] ] | t.cfg:1:26: abi_permit entries must be quoted variant names",
        "a boolean that is no number   | name='a'; disable_evtchn_fifo = 'yes' | t.cfg:1:33: disable_evtchn_fifo must be a number, 0 or 1 ('yes' is not a valid number)",
        "grant version 3               | name='a'; max_grant_version = 3 | t.cfg:1:31: max_grant_version = 3 is outside 1..2",
        "an unknown type               | name='a'; type = 'xen'          | t.cfg:1:18: type 'xen' is not pv, pvh or hvm",
        "an unknown builder            | name='a'; builder = 'linux'     | t.cfg:1:21: builder 'linux' is not hvm or generic",
    })
    void wrongTypesAndRangesNameTheKey(String what, String text, String expected) {
        assertEquals(expected, error(text.strip()));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "abi_permit withholds v2, max_grant_version asks for it | name='a'; abi_permit = [ ]; max_grant_version = 2 | t.cfg:1:49: max_grant_version = 2 contradicts abi_permit at line 1",
        "abi_permit grants fifo, the legacy key disables it | name='a'; abi_permit = [ 'evtchn-fifo' ]; disable_evtchn_fifo = 1 | t.cfg:1:65: disable_evtchn_fifo = 1 contradicts abi_permit at line 1",
        "abi_permit withholds fifo, the legacy key enables it | name='a'; abi_permit = [ ]; disable_evtchn_fifo = 0 | t.cfg:1:51: disable_evtchn_fifo = 0 contradicts abi_permit at line 1",
        "builder hvm against type pv | name='a'; type = 'pv'; builder = 'hvm' | t.cfg:1:34: builder = \"hvm\" contradicts type at line 1",
        "builder generic against type hvm | name='a'; builder = 'generic'; type = 'hvm' | t.cfg:1:21: builder = \"generic\" contradicts type at line 1",
        "maxmem below memory | name='a'; memory = 256; maxmem = 128 | t.cfg:1:1: maxmem=128 is below memory=256",
    })
    void contradictoryKeysAreRefusedNamingBoth(String what, String text, String expected) {
        assertEquals(expected, error(text.strip()));
    }

    @Test
    void agreeingSpellingsOfTheSameSettingAreAccepted() {
        assertEquals(DomainType.HVM, parse("name='a'; type = 'hvm'; builder = 'hvm'").config().type());
        assertEquals(DomainType.HVM, parse("name='a'; builder = 'hvm'").config().type());
        assertEquals(DomainType.PV, parse("name='a'; type = 'pv'; builder = 'generic'").config().type());
        assertEquals(0, parse("name='a'; abi_permit = [ ]; max_grant_version = 1; disable_evtchn_fifo = 1")
                .config().abiPermit());
    }

    @Test
    void theFullFileIsValid() {
        XlConfig c = parse(FULL);
        assertEquals("alice\tb", c.config().name());
        assertEquals(4, c.config().vcpus());
    }

    @Test
    void aFileCutAtEveryByteIsValidOrOneLine() throws Exception {
        byte[] full = FULL.getBytes(StandardCharsets.UTF_8);
        int valid = 0;
        int refused = 0;
        for (int cut = 0; cut <= full.length; cut++) {
            byte[] prefix = Arrays.copyOf(full, cut);
            try {
                XlConfig c = read(prefix);
                assertEquals("alice\tb", c.config().name(), "a cut file that parses has what its text says");
                valid++;
            } catch (DomainException e) {
                assertOneLine(e.getMessage());
                assertTrue(e.getMessage().startsWith(dir.resolve("f.cfg") + ":"), e.getMessage());
                refused++;
            }
        }
        assertTrue(valid > 0 && refused > 0, valid + " valid, " + refused + " refused");
    }

    @Test
    void bytesAreReadAsLibxlutilReadsThemAndANameMustBeUtf8() throws Exception {
        // libxlutil reads bytes: any byte may stand in a comment or a string; xenabi then
        // needs the name as text.
        byte[] full = "name = 'a' # é\n".getBytes(StandardCharsets.UTF_8);
        byte[] cut = Arrays.copyOf(full, full.length - 2);
        cut[cut.length - 1] = '\n'; // the first byte of é only, then the newline
        Path f = dir.resolve("f.cfg");
        Files.write(f, cut);
        assertEquals("a", XlConfig.read(f, DEFAULTS, VARIANTS).config().name());
        Files.write(f, new byte[] {'n', 'a', 'm', 'e', '=', '"', (byte) 0xC3, '"', '\n'});
        assertTrue(readError(new byte[] {'n', 'a', 'm', 'e', '=', '"', (byte) 0xC3, '"', '\n'})
                .endsWith("f.cfg:1:6: name is not valid UTF-8 text"));
    }

    @Test
    void aNulByteOutsideAStringIsALexicalErrorAndInsideOneIsRefused() {
        // libxlutil aborts on a NUL inside a quoted string (its dequoting asserts on strlen).
        assertTrue(readError("name = 'a'\0\n".getBytes(StandardCharsets.UTF_8)).endsWith("f.cfg:1:11: unexpected '\\x00'"));
        assertTrue(readError("name = 'a\0b'\n".getBytes(StandardCharsets.UTF_8)).endsWith("f.cfg:1:8: NUL byte in a string"));
    }

    @Test
    void randomBinaryIsRefusedInOneLine() {
        Random r = new Random(7);
        for (int i = 0; i < 300; i++) {
            byte[] junk = new byte[1 + r.nextInt(200)];
            r.nextBytes(junk);
            readError(junk);
        }
    }

    @Test
    void aFileOverTheLimitIsRefusedUnread() throws Exception {
        byte[] big = new byte[10 << 20];
        Arrays.fill(big, (byte) '#');
        assertTrue(readError(big).endsWith("f.cfg:1:1: the file is larger than 1048576 bytes: not a domain configuration"));
    }

    @Test
    void anEndlessSpecialFileIsReadOnlyUpToTheLimit() {
        Path zero = Path.of("/dev/zero");
        assumeTrue(Files.isReadable(zero));
        String m = assertThrows(XlConfigException.class, () -> XlConfig.read(zero, DEFAULTS, VARIANTS)).getMessage();
        assertEquals("/dev/zero:1:1: the file is larger than 1048576 bytes: not a domain configuration", m);
    }

    @Test
    void aDirectoryIsNamedAsOne() {
        String m = assertThrows(DomainException.class, () -> XlConfig.read(dir, DEFAULTS, VARIANTS)).getMessage();
        assertEquals("cannot read " + dir + ": it is a directory", m);
    }

    @Test
    void aLineOfAMillionCharactersIsQuotedShort() {
        String key = "k".repeat(1_000_000);
        assertEquals("t.cfg:1:1000001: expected '=' after '" + "k".repeat(61) + "...', found the end of the file", error(key));
        String digits = "9".repeat(1_000_000);
        String m = error("name='a'\nvcpus = " + digits);
        assertTrue(m.startsWith("t.cfg:2:9: vcpus = 999") && m.endsWith("... is out of range"), m);
    }

    @Test
    void deeplyNestedListsAreRefusedNotRecursedInto() {
        // libxlutil's parser stack takes a few thousand levels; no xl key nests more than two
        assertEquals("t.cfg:1:69: lists nested deeper than 64", error("x = " + "[".repeat(1_000_000)));
        assertEquals(List.of("t.cfg:1: unknown key 'vnuma' ignored"),
                parse("vnuma = [ [ 'pnode=0', 'size=512' ], [ 'pnode=1' ] ]; name='a'").warnings(),
                "two levels, as xl's vnuma, are fine");
    }

    @Test
    void aKeyRepeatedAHundredThousandTimesKeepsTheLast() {
        StringBuilder b = new StringBuilder("name = 'a'\n");
        for (int i = 0; i < 100_000; i++) {
            b.append("vcpus = ").append(1 + i % 32).append('\n');
        }
        assertEquals(1 + (100_000 - 1) % 32, parse(b.toString()).config().vcpus());
    }

    @Test
    void controlCharactersInQuotedTextStayOnOneLine() {
        assertEquals("t.cfg:1:16: no ABI variant is named 'evtchn-\\nfifo'",
                error("abi_permit = [ \"evtchn-\\nfifo\" ]"));
        assertEquals("t.cfg:1:8: type 'p\\rv' is not pv, pvh or hvm", error("type = \"p\\rv\""));
    }
}
