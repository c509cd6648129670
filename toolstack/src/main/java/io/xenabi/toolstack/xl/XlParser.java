package io.xenabi.toolstack.xl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The syntax of xl.cfg exactly as Xen's libxlutil reads it (tools/libs/util/libxlu_cfg_l.l, the
 * lexer, and libxlu_cfg_y.y, the grammar; learnt from them and from running libxlutil, written
 * anew). The text is read byte for byte: each {@code char} of {@code text} is one byte (0-255).
 *
 * <ul>
 * <li>Keys are {@code [a-z][._0-9a-z]*}; numbers are {@code [0-9][0-9a-fx]*} and are kept as the
 *     string written (libxlutil has no number type: {@code xlu_cfg_get_long} converts on use);
 *     strings are single- or double-quoted with the same escapes in both; there are no bare words.
 * <li>A setting is {@code KEY = VALUE} or {@code KEY += VALUE} ended by a newline or {@code ;};
 *     the last setting of a file needs no end. {@code #} starts a comment that must end with a
 *     newline. Lists {@code [ v, v, ]} nest and may span lines; their values are strings, numbers
 *     or lists.
 * <li>Blanks are space and tab only: a carriage return, like any other character outside these
 *     tokens, is a lexical error, except as the very last byte of the file (flex's error state is
 *     left at end of input without a report).
 * <li>{@code +=} appends to the previous value of the key (lists to lists, strings to strings);
 *     a key set twice keeps the last value.
 * </ul>
 * libxlutil aborts on a NUL byte inside a quoted string (its dequoting uses {@code strlen}); this
 * parser refuses such a file instead.
 */
final class XlParser {
    /** Lists nest at most this deep; deeper is refused, not recursed into. */
    static final int MAX_LIST_DEPTH = 64;
    /** Text quoted in a cause is cut to this many characters. */
    static final int MAX_SHOWN = 64;

    private enum T { IDENT, NUMBER, STRING, COMMA, LBRACK, RBRACK, ADD, ASSIGN, SEMI, NEWLINE, EOF }

    private final String source;
    private final String text;
    private int pos;
    private int line = 1;
    private int lineStart;
    // the current token
    private T tok;
    private String tokText;
    private int tokLine;
    private int tokCol;
    private int depth;
    // where the innermost open list starts
    private int openLine;
    private int openCol;

    private XlParser(String source, String text) {
        this.source = source;
        this.text = text;
    }

    /** {@code s} as a cause quotes it: at most {@value #MAX_SHOWN} characters, bytes outside ASCII as \xHH. */
    static String shown(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < MAX_SHOWN; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                b.append(c);
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c == '\r') {
                b.append("\\r");
            } else if (c == '\t') {
                b.append("\\t");
            } else {
                b.append(String.format("\\x%02x", (int) c));
            }
        }
        return b.length() < MAX_SHOWN ? b.toString() : b.substring(0, MAX_SHOWN - 3) + "...";
    }

    /** Parses {@code text} (one char per byte); {@code source} names it in errors. */
    static Map<String, XlValue> parse(String source, String text) {
        return new XlParser(source, text).file();
    }

    private XlConfigException error(int l, int c, String cause) {
        return new XlConfigException(source, l, c, cause);
    }

    // ---- the lexer ----------------------------------------------------------------------------

    private static boolean identStart(char c) {
        return c >= 'a' && c <= 'z';
    }

    private static boolean identPart(char c) {
        return identStart(c) || (c >= '0' && c <= '9') || c == '.' || c == '_';
    }

    private static boolean numberPart(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == 'x';
    }

    private void token(T t, String s, int start) {
        tok = t;
        tokText = s;
        tokLine = line;
        tokCol = start - lineStart + 1;
    }

    private void newline() {
        line++;
        lineStart = pos;
    }

    /** Reads the next token into {@link #tok}. */
    private void next() {
        while (true) {
            if (pos >= text.length()) {
                token(T.EOF, "", pos);
                return;
            }
            int start = pos;
            char c = text.charAt(pos);
            if (c == ' ' || c == '\t') {
                pos++;
                continue;
            }
            if (identStart(c)) {
                while (pos < text.length() && identPart(text.charAt(pos))) {
                    pos++;
                }
                token(T.IDENT, text.substring(start, pos), start);
                return;
            }
            if (c >= '0' && c <= '9') {
                while (pos < text.length() && numberPart(text.charAt(pos))) {
                    pos++;
                }
                token(T.NUMBER, text.substring(start, pos), start);
                return;
            }
            switch (c) {
                case ',' -> { pos++; token(T.COMMA, ",", start); return; }
                case '[' -> { pos++; token(T.LBRACK, "[", start); return; }
                case ']' -> { pos++; token(T.RBRACK, "]", start); return; }
                case '=' -> { pos++; token(T.ASSIGN, "=", start); return; }
                case ';' -> { pos++; token(T.SEMI, ";", start); return; }
                case '\n' -> {
                    token(T.NEWLINE, "\n", start);
                    pos++;
                    newline();
                    return;
                }
                default -> { }
            }
            if (c == '+' && pos + 1 < text.length() && text.charAt(pos + 1) == '=') {
                pos += 2;
                token(T.ADD, "+=", start);
                return;
            }
            if (c == '#') {
                int nl = text.indexOf('\n', pos);
                if (nl >= 0) {
                    token(T.NEWLINE, "\n", start);
                    pos = nl + 1;
                    newline();
                    return;
                }
                // a comment without its newline is no token: the lexer's error path below
            }
            if (c == '"' || c == '\'') {
                int end = quotedEnd(pos);
                if (end > 0) {
                    token(T.STRING, dequote(start, text.substring(pos + 1, end)), start);
                    pos = end + 1;
                    return;
                }
            }
            lexicalError(start, c);
            token(T.EOF, "", pos);
            return;
        }
    }

    /** The index of the quote closing the string opened at {@code open}, or -1 if it is not closed on its line. */
    private int quotedEnd(int open) {
        char q = text.charAt(open);
        int i = open + 1;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == q) {
                return i;
            }
            if (c == '\n') {
                return -1;
            }
            if (c == '\\') {
                if (i + 1 >= text.length() || text.charAt(i + 1) == '\n') {
                    return -1;
                }
                i += 2;
            } else {
                i++;
            }
        }
        return -1;
    }

    /**
     * flex's error state: the character at {@code at} matched no token. libxlutil reports it
     * (and fails the file) once the next character is read; at the end of input there is none and
     * nothing is reported.
     */
    private void lexicalError(int at, char c) {
        pos = at + 1;
        if (pos >= text.length()) {
            return;
        }
        int col = at - lineStart + 1;
        String cause;
        if (c == '\r') {
            cause = "carriage return: xl.cfg lines end with a line feed alone (a CRLF file?)";
        } else if (c == '"' || c == '\'') {
            cause = "unterminated string";
        } else if (c == '#') {
            cause = "a comment must end with a newline";
        } else if (c == '+' || c == '-' || c == '.' || c == '(' || c == ')' || c == ':') {
            cause = "unexpected '" + c + "': xl.cfg is not Python (no expressions, tuples or signs)";
        } else if (c >= 'A' && c <= 'Z') {
            cause = "unexpected '" + c + "': keys and hex digits are lower case";
        } else {
            cause = "unexpected '" + shown(String.valueOf(c)) + "'";
        }
        throw error(line, col, cause);
    }

    /** libxlutil's xlu__cfgl_dequote over the contents {@code s} of a string token at {@code at}. */
    private String dequote(int at, String s) {
        int col = at - lineStart + 1;
        StringBuilder b = new StringBuilder(s.length());
        int p = 0;
        while (p < s.length()) {
            char c = s.charAt(p++);
            if (c == '\0') {
                // libxlutil measures the token with strlen and aborts on its own assertion
                throw error(line, col, "NUL byte in a string");
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char nc = s.charAt(p++);
            switch (nc) {
                case '"', '\'', '\\' -> b.append(nc);
                case 'a' -> b.append('\007');
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'v' -> b.append('\013');
                case 'x' ->
                    // libxlutil reads at most two hex digits but demands more than two: a \x escape
                    // is always refused.
                    throw error(line, col, "invalid digit after backslash hex numerical character escape in quoted string");
                default -> {
                    if (nc >= '0' && nc <= '7') {
                        // libxlutil reads up to three more characters as a decimal number
                        // (strtoul base 10), demands that it used at least two of them, and stores
                        // nothing: the escape vanishes from the string.
                        int used = strtoulUsed(s, p, Math.min(s.length(), p + 3) - p);
                        if (used <= 1) {
                            throw error(line, col, "invalid digit after backslash octal numerical character escape in quoted string");
                        }
                        p += used;
                    } else {
                        throw error(line, col, "invalid character after backslash in quoted string");
                    }
                }
            }
        }
        return b.toString();
    }

    /** How many of the {@code n} characters at {@code p} C's strtoul(…, 10) consumes (0 if no digit). */
    private static int strtoulUsed(String s, int p, int n) {
        int i = p;
        int end = p + n;
        while (i < end && isCSpace(s.charAt(i))) {
            i++;
        }
        if (i < end && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            i++;
        }
        int digits = i;
        while (i < end && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
        return i == digits ? 0 : i - p;
    }

    /** C's isspace in the C locale. */
    static boolean isCSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\013' || c == '\f' || c == '\r';
    }

    // ---- the grammar --------------------------------------------------------------------------

    private XlConfigException syntax(String expected) {
        String found = switch (tok) {
            case EOF -> "the end of the file";
            case NEWLINE -> "the end of the line";
            case STRING -> "a string";
            default -> "'" + shown(tokText) + "'";
        };
        return error(tokLine, tokCol, "expected " + expected + ", found " + found);
    }

    private Map<String, XlValue> file() {
        Map<String, XlValue> settings = new HashMap<>();
        List<String> order = new ArrayList<>();
        next();
        while (true) {
            switch (tok) {
                case EOF -> {
                    Map<String, XlValue> out = new LinkedHashMap<>();
                    for (String k : order) {
                        out.put(k, settings.get(k));
                    }
                    return out;
                }
                case NEWLINE, SEMI -> next();
                case IDENT -> {
                    String key = tokText;
                    next();
                    boolean add;
                    if (tok == T.ASSIGN) {
                        add = false;
                    } else if (tok == T.ADD) {
                        add = true;
                    } else {
                        throw syntax("'=' after '" + shown(key) + "'");
                    }
                    next();
                    XlValue v = value();
                    if (tok != T.NEWLINE && tok != T.SEMI && tok != T.EOF) {
                        throw syntax("the end of the line or ';' after the value of '" + shown(key) + "'");
                    }
                    XlValue prev = settings.get(key);
                    if (add && prev != null) {
                        v = append(key, prev, v);
                    } else if (add) {
                        v = v.appended();
                    }
                    order.remove(key);
                    order.add(key);
                    settings.put(key, v);
                }
                default -> throw syntax("a key");
            }
        }
    }

    private XlValue append(String key, XlValue prev, XlValue v) {
        if (prev.kind() != v.kind()) {
            throw error(v.line(), v.column(), "can't add [list] to \"string\" or vice versa ('"
                    + shown(key) + "' += at line " + v.line() + ")");
        }
        if (v.isList()) {
            List<XlValue> items = new ArrayList<>(prev.list());
            items.addAll(v.list());
            return new XlValue(XlValue.Kind.LIST, "", List.copyOf(items), true, v.line(), v.column());
        }
        return new XlValue(XlValue.Kind.STRING, prev.text() + v.text(), List.of(), true, v.line(), v.column());
    }

    private void newlines() {
        while (tok == T.NEWLINE) {
            next();
        }
    }

    private XlValue value() {
        int l = tokLine;
        int c = tokCol;
        switch (tok) {
            case STRING, NUMBER -> {
                XlValue v = new XlValue(XlValue.Kind.STRING, tokText, List.of(), false, l, c);
                next();
                return v;
            }
            case LBRACK -> {
                if (++depth > MAX_LIST_DEPTH) {
                    throw error(l, c, "lists nested deeper than " + MAX_LIST_DEPTH);
                }
                int outerLine = openLine;
                int outerCol = openCol;
                openLine = l;
                openCol = c;
                next();
                newlines();
                List<XlValue> items = new ArrayList<>();
                if (tok != T.RBRACK) {
                    items.add(value());
                    newlines();
                    while (tok == T.COMMA) {
                        next();
                        newlines();
                        if (tok == T.RBRACK) {
                            break;
                        }
                        items.add(value());
                        newlines();
                    }
                    if (tok == T.EOF) {
                        throw error(l, c, "unterminated list");
                    }
                    if (tok != T.RBRACK) {
                        throw syntax("',' or ']' in the list");
                    }
                }
                next();
                depth--;
                openLine = outerLine;
                openCol = outerCol;
                return new XlValue(XlValue.Kind.LIST, "", List.copyOf(items), false, l, c);
            }
            default -> {
                if (tok == T.EOF && depth > 0) {
                    throw error(openLine, openCol, "unterminated list");
                }
                throw syntax("a value");
            }
        }
    }
}
