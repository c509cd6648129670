package io.xenabi.evtchn.testkit;

import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import io.xenabi.evtchn.EvtchnDomain;
import io.xenabi.evtchn.EvtchnFifo;
import io.xenabi.evtchn.EvtchnPort;
import io.xenabi.evtchn.EvtchnPortOps;
import io.xenabi.evtchn.EvtchnSetupArg;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A domain as a variant sees it, for a variant's unit tests (evtchn-api's test kit): two
 * vCPUs, real guest memory (1024 pages) and shared_info, ports bound by the test, and a record
 * of the upcalls the variant asks for. It plays domain-core's part, including the copy of a
 * setup op's struct in and out ({@link #setupOp}).
 */
public final class FakeEvtchnDomain implements EvtchnDomain {
    public final GuestMemory memory = new GuestMemory(1024);
    public final GuestPage shared = new GuestPage();
    /** The vCPUs {@link #markEventsPending} was called for, in order. */
    public final ConcurrentLinkedQueue<Integer> upcalls = new ConcurrentLinkedQueue<>();
    /** The ports {@link #checkPollers} was called for, in order. */
    public final ConcurrentLinkedQueue<Integer> pollerChecks = new ConcurrentLinkedQueue<>();
    private final Map<Integer, Port> ports = new ConcurrentHashMap<>();

    /** A port as domain-core keeps it: the notify vCPU, the priority, the last-queue word and the saved pending flag. */
    public static final class Port implements EvtchnPort {
        final int port;
        public volatile int vcpu;
        volatile int priority = EvtchnFifo.EVTCHN_FIFO_PRIORITY_DEFAULT;
        volatile int lastQueue;
        volatile boolean savedPending;

        Port(int port, int vcpu) {
            this.port = port;
            this.vcpu = vcpu;
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public int notifyVcpu() {
            return vcpu;
        }

        @Override
        public int priority() {
            return priority;
        }

        @Override
        public void setPriority(int priority) {
            this.priority = priority;
        }

        @Override
        public int lastQueue() {
            return lastQueue;
        }

        @Override
        public void setLastQueue(int raw) {
            lastQueue = raw;
        }

        @Override
        public boolean savedPending() {
            return savedPending;
        }

        @Override
        public void setSavedPending(boolean pending) {
            savedPending = pending;
        }
    }

    /** Binds {@code port} to {@code vcpu} (the ABI's init hook is the caller's to call). */
    public Port bind(int port, int vcpu) {
        if (ports.containsKey(port) || vcpu < 0 || vcpu >= maxVcpus()) {
            throw new AssertionError("fake domain: port " + port + " bound twice or vCPU " + vcpu + " absent");
        }
        Port p = new Port(port, vcpu);
        ports.put(port, p);
        return p;
    }

    /**
     * A setup op as domain-core runs it: the {@code size}-byte struct at {@code gpa} copied in,
     * the op called, the struct copied back when it succeeded and the variant changed it.
     */
    public static long setupOp(GuestMemory memory, EvtchnPortOps ops, int vcpu, int cmd, long gpa, int size) {
        byte[] raw = new byte[size];
        memory.read(gpa, raw, 0, size);
        EvtchnSetupArg arg = new EvtchnSetupArg(raw);
        long rc = ops.setupOp(vcpu, cmd, arg);
        if (rc >= 0 && arg.changed()) {
            memory.write(gpa, arg.bytes(), 0, size);
        }
        return rc;
    }

    @Override
    public int domid() {
        return 3;
    }

    @Override
    public int maxVcpus() {
        return 2;
    }

    @Override
    public GuestMemory memory() {
        return memory;
    }

    @Override
    public GuestPage sharedInfo() {
        return shared;
    }

    @Override
    public void markEventsPending(int vcpu) {
        upcalls.add(vcpu);
    }

    @Override
    public void checkPollers(int port) {
        pollerChecks.add(port);
    }

    @Override
    public EvtchnPort port(int port) {
        return ports.get(port);
    }

    @Override
    public int validPorts() {
        return ports.keySet().stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
    }
}
