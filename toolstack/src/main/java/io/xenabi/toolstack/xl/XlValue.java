package io.xenabi.toolstack.xl;

import java.util.List;

/**
 * A value in an xl.cfg file: a string, a number or a list of values, with where it was written.
 *
 * @param text the string, or the number as written
 * @param number the number, when {@link #isNumber()}
 * @param list the elements, when {@link #isList()}
 * @param kind what the value is
 * @param line where it starts (1-based)
 * @param column where it starts (1-based)
 */
public record XlValue(Kind kind, String text, long number, List<XlValue> list, int line, int column) {
    /** The kinds of value xl.cfg has. */
    public enum Kind { STRING, NUMBER, LIST }

    public boolean isString() {
        return kind == Kind.STRING;
    }

    public boolean isNumber() {
        return kind == Kind.NUMBER;
    }

    public boolean isList() {
        return kind == Kind.LIST;
    }
}
