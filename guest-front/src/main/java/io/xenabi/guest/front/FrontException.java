package io.xenabi.guest.front;

import io.xenabi.abi.XenErrno;

/** A hypercall of the front-end failed: names the step and Xen's errno, in one line. */
public final class FrontException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String what;
    private final long rc;

    public FrontException(String what, long rc) {
        super(what + ": -" + XenErrno.name(rc));
        this.what = what;
        this.rc = rc;
    }

    /** The step that failed, e.g. {@code XENMEM_add_to_physmap(shared_info)}. */
    public String what() {
        return what;
    }

    /** Xen's result, a negative errno. */
    public long rc() {
        return rc;
    }
}
