package io.xenabi.domain;

/**
 * A toolstack request that cannot be carried out (an unknown domain, a bad configuration). The
 * message is one line naming the cause, fit to show a person as it is. Nothing has changed when
 * it is thrown.
 */
public class DomainException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DomainException(String message) {
        super(message);
    }
}
