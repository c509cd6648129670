package io.xenabi.domain.xl;

/** A bad xl.cfg: the message is one line, {@code file:line:column: cause}. */
public final class XlConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public XlConfigException(String source, int line, int column, String cause) {
        super(source + ":" + line + ":" + column + ": " + cause);
    }
}
