package io.xenabi.guest;

/** The event-channel ABI a guest kernel ended up driving. */
public enum EvtchnAbi {
    TWO_LEVEL("2l"),
    FIFO("fifo");

    private final String variantName;

    EvtchnAbi(String variantName) {
        this.variantName = variantName;
    }

    /**
     * The variant's name as the hypervisor reports it ({@code DomainInfo.evtchnAbi()}):
     * {@code 2l} or {@code fifo}.
     */
    public String variantName() {
        return variantName;
    }
}
