package io.xenabi.toolstack.xl;

import java.util.List;

/**
 * A value in an xl.cfg file as libxlutil holds it: an atom (a quoted string or a number, kept as
 * the string written, one char per byte) or a list of values, with where it was written.
 *
 * @param kind what the value is
 * @param text the atom, when {@link #isString()}
 * @param list the elements, when {@link #isList()}
 * @param added whether the key's last setting was {@code +=} (libxlutil's XLU_OP_ADDITION: such a
 *        value is never a number)
 * @param line where it starts (1-based)
 * @param column where it starts (1-based)
 */
public record XlValue(Kind kind, String text, List<XlValue> list, boolean added, int line, int column) {
    /** The kinds of value xl.cfg has. */
    public enum Kind { STRING, LIST }

    public boolean isString() {
        return kind == Kind.STRING;
    }

    public boolean isList() {
        return kind == Kind.LIST;
    }

    /** This value as set by {@code +=}. */
    XlValue appended() {
        return new XlValue(kind, text, list, true, line, column);
    }
}
