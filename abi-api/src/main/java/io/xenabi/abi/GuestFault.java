package io.xenabi.abi;

/**
 * A guest address that does not name guest RAM: the emulator's page fault. The hypercall door
 * turns it into {@code -EFAULT}; it never reaches a guest as an exception. It carries no stack
 * trace because a guest can raise it at will and it is always caught.
 */
public final class GuestFault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long address;

    public GuestFault(long address) {
        super("guest address 0x" + Long.toHexString(address) + " is not guest RAM", null, false, false);
        this.address = address;
    }

    /** The guest physical address (or gfn shifted to an address) that faulted. */
    public long address() {
        return address;
    }
}
