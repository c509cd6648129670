package io.xenabi.domain;

/**
 * A toolstack request that cannot be carried out (an unknown domain, a bad configuration). The
 * message is one line naming the cause, fit to show a person as it is. Nothing has changed when
 * it is thrown.
 */
public class DomainException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DomainException(String message) {
        super(oneLine(message));
    }

    /**
     * {@code text} with every control character (line breaks included) written as an escape:
     * causes quote names and strings from files and images, and must stay one line whatever
     * those hold.
     */
    static String oneLine(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
