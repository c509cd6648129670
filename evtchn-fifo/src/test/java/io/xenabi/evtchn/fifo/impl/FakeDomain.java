package io.xenabi.evtchn.fifo.impl;

import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import io.xenabi.evtchn.EvtchnDomain;
import io.xenabi.evtchn.EvtchnFifo;
import io.xenabi.evtchn.EvtchnPort;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/** A two-vCPU domain with real guest memory that records the upcalls it is asked for. */
final class FakeDomain implements EvtchnDomain {
    final GuestMemory memory = new GuestMemory(1024);
    final GuestPage shared = new GuestPage();
    final ConcurrentLinkedQueue<Integer> upcalls = new ConcurrentLinkedQueue<>();
    final Map<Integer, Port> ports = new ConcurrentHashMap<>();

    /** A port as domain-core keeps it. */
    static final class Port implements EvtchnPort {
        final int port;
        volatile int vcpu;
        volatile int priority = EvtchnFifo.EVTCHN_FIFO_PRIORITY_DEFAULT;
        volatile int lastVcpu;
        volatile int lastPriority = EvtchnFifo.EVTCHN_FIFO_PRIORITY_DEFAULT;

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
        public int lastVcpu() {
            return lastVcpu;
        }

        @Override
        public int lastPriority() {
            return lastPriority;
        }

        @Override
        public void setLastQueue(int vcpu, int priority) {
            lastVcpu = vcpu;
            lastPriority = priority;
        }
    }

    Port bind(int port, int vcpu) {
        if (ports.containsKey(port) || vcpu < 0 || vcpu >= maxVcpus()) {
            throw new AssertionError("fake domain: port " + port + " bound twice or vCPU " + vcpu + " absent");
        }
        Port p = new Port(port, vcpu);
        ports.put(port, p);
        return p;
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
    public EvtchnPort port(int port) {
        return ports.get(port);
    }

    @Override
    public int validPorts() {
        return ports.keySet().stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
    }
}
