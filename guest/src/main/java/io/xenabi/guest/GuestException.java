package io.xenabi.guest;

/**
 * A guest kernel could not do what was asked: a hypercall failed, the kernel is not running,
 * the domain lacks memory. The message is one line naming the cause (the failing hypercall
 * and Xen's errno where there is one).
 */
public class GuestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GuestException(String message) {
        super(message);
    }

    public GuestException(String message, Throwable cause) {
        super(message, cause);
    }
}
