package io.xenabi.toolstack.xl;

import io.xenabi.domain.DomainException;

/**
 * A bad xl.cfg: the message is one line, {@code file:line:column: cause} (control characters in
 * quoted text are escaped), and nothing has been created.
 */
public final class XlConfigException extends DomainException {
    private static final long serialVersionUID = 1L;

    public XlConfigException(String source, int line, int column, String cause) {
        super(source + ":" + line + ":" + column + ": " + cause);
    }
}
