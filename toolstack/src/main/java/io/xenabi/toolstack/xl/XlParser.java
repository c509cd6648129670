package io.xenabi.toolstack.xl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The syntax of xl.cfg (after tools/libs/util's lexer and grammar, written anew): settings
 * {@code KEY = VALUE} ended by a newline or {@code ;}; {@code #} comments to the end of the
 * line; values are double-quoted strings (C escapes), single-quoted strings (no escapes),
 * decimal or hex numbers ({@code 0x...}, optionally negative), or lists {@code [ v, v, ]} that may
 * span lines. A key given twice keeps the last value, as xl does.
 */
final class XlParser {
    /** Lists nest at most this deep (xl's vnuma uses two levels); deeper is refused, not recursed into. */
    static final int MAX_LIST_DEPTH = 8;
    /** Text quoted in a cause is cut to this many characters. */
    static final int MAX_SHOWN = 64;

    private final String source;
    private int depth;
    private final String text;
    private int pos;
    private int line = 1;
    private int col = 1;

    private XlParser(String source, String text) {
        this.source = source;
        this.text = text;
    }

    /** {@code s} as a cause quotes it: at most {@value #MAX_SHOWN} characters. */
    static String shown(String s) {
        return s.length() <= MAX_SHOWN ? s : s.substring(0, MAX_SHOWN - 3) + "...";
    }

    /** Parses {@code text}; {@code source} names it in errors. */
    static Map<String, XlValue> parse(String source, String text) {
        return new XlParser(source, text).settings();
    }

    private XlConfigException error(int l, int c, String cause) {
        return new XlConfigException(source, l, c, cause);
    }

    private boolean atEnd() {
        return pos >= text.length();
    }

    private char peek() {
        return text.charAt(pos);
    }

    private char next() {
        char c = text.charAt(pos++);
        if (c == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
        return c;
    }

    /** Skips blanks and comments; also newlines when {@code newlines}. */
    private void skip(boolean newlines) {
        while (!atEnd()) {
            char c = peek();
            if (c == '#') {
                while (!atEnd() && peek() != '\n') {
                    next();
                }
            } else if (c == ' ' || c == '\t' || c == '\r' || (newlines && c == '\n')) {
                next();
            } else {
                return;
            }
        }
    }

    private Map<String, XlValue> settings() {
        Map<String, XlValue> out = new LinkedHashMap<>();
        while (true) {
            skip(true);
            while (!atEnd() && peek() == ';') {
                next();
                skip(true);
            }
            if (atEnd()) {
                return out;
            }
            String key = identifier();
            skip(false);
            if (atEnd() || peek() != '=') {
                throw error(line, col, "expected '=' after '" + shown(key) + "'");
            }
            next();
            skip(false);
            XlValue v = value();
            skip(false);
            if (!atEnd() && peek() != '\n' && peek() != ';') {
                throw error(line, col, "unexpected '" + peek() + "' after the value of '" + shown(key) + "'");
            }
            out.remove(key);
            out.put(key, v);
        }
    }

    private String identifier() {
        int l = line;
        int c = col;
        StringBuilder b = new StringBuilder();
        while (!atEnd() && (Character.isLetterOrDigit(peek()) || peek() == '_')) {
            b.append(next());
        }
        if (b.length() == 0 || Character.isDigit(b.charAt(0))) {
            throw error(l, c, atEnd() ? "expected a key" : "expected a key, found '" + shown(b.length() > 0
                    ? b.toString() : String.valueOf(peek())) + "'");
        }
        return b.toString();
    }

    private XlValue value() {
        if (atEnd() || peek() == '\n' || peek() == ';') {
            throw error(line, col, "expected a value");
        }
        int l = line;
        int c = col;
        char first = peek();
        if (first == '"' || first == '\'') {
            return new XlValue(XlValue.Kind.STRING, string(), 0, List.of(), l, c);
        }
        if (first == '[') {
            return list();
        }
        if (first == '-' || Character.isDigit(first)) {
            return number();
        }
        StringBuilder word = new StringBuilder();
        while (!atEnd() && (Character.isLetterOrDigit(peek()) || peek() == '_' || peek() == '-')) {
            word.append(next());
        }
        if (word.length() == 0) {
            throw error(l, c, "unexpected '" + first + "'");
        }
        // xl takes a few bare words (booleans); strings must otherwise be quoted.
        return new XlValue(XlValue.Kind.STRING, word.toString(), 0, List.of(), l, c);
    }

    private String string() {
        int l = line;
        int c = col;
        char quote = next();
        StringBuilder b = new StringBuilder();
        while (true) {
            if (atEnd() || peek() == '\n') {
                throw error(l, c, "unterminated string");
            }
            char ch = next();
            if (ch == quote) {
                return b.toString();
            }
            if (ch == '\\' && quote == '"') {
                if (atEnd()) {
                    throw error(l, c, "unterminated string");
                }
                char e = next();
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'r' -> b.append('\r');
                    case '\\', '"', '\'' -> b.append(e);
                    default -> throw error(line, col - 2, "unknown escape '\\" + e + "'");
                }
            } else {
                b.append(ch);
            }
        }
    }

    private XlValue number() {
        int l = line;
        int c = col;
        StringBuilder b = new StringBuilder();
        if (peek() == '-') {
            b.append(next());
        }
        while (!atEnd() && (Character.isLetterOrDigit(peek()))) {
            b.append(next());
        }
        String s = b.toString();
        String digits = s.startsWith("-") ? s.substring(1) : s;
        try {
            long v = digits.startsWith("0x") || digits.startsWith("0X")
                    ? Long.parseUnsignedLong(digits.substring(2), 16)
                    : Long.parseLong(digits);
            return new XlValue(XlValue.Kind.NUMBER, s, s.startsWith("-") ? -v : v, List.of(), l, c);
        } catch (NumberFormatException e) {
            throw error(l, c, "'" + shown(s) + "' is not a number");
        }
    }

    private XlValue list() {
        int l = line;
        int c = col;
        if (++depth > MAX_LIST_DEPTH) {
            throw error(l, c, "lists nested deeper than " + MAX_LIST_DEPTH);
        }
        next(); // [
        List<XlValue> items = new ArrayList<>();
        while (true) {
            skip(true);
            if (atEnd()) {
                throw error(l, c, "unterminated list");
            }
            if (peek() == ']') {
                next();
                depth--;
                return new XlValue(XlValue.Kind.LIST, "", 0, List.copyOf(items), l, c);
            }
            items.add(value());
            skip(true);
            if (!atEnd() && peek() == ',') {
                next();
            } else if (atEnd()) {
                throw error(l, c, "unterminated list");
            } else if (peek() != ']') {
                throw error(line, col, "expected ',' or ']' in the list");
            }
        }
    }
}
