package io.xenabi.bridge.impl;

import io.xenabi.abi.DomId;
import io.xenabi.abi.SchedOp;
import io.xenabi.abi.XenErrno;
import io.xenabi.domain.DomainException;
import io.xenabi.domain.DomainInfo;
import io.xenabi.domain.DomainState;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One connection: a HELLO claims a vCPU, then its hypercalls run on this thread through the
 * door, one at a time. UPCALL and PHYSMAP frames may be written from other threads, so every
 * write holds the connection's write lock.
 */
final class Connection implements Runnable {
    private static final System.Logger LOG = System.getLogger(Connection.class.getName());
    /** Every hypercall and its result on stderr, for debugging a guest (system property). */
    private static final boolean TRACE = Boolean.getBoolean("xenabi.bridge.trace");
    final DomainServer server;
    private final SocketChannel ch;
    private final Object writeLock = new Object();
    private final AtomicInteger seq = new AtomicInteger();
    private final ByteBuffer header = ByteBuffer.allocate(Frames.HEADER).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer body = ByteBuffer.allocate(Frames.MAX_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    private final long[] args = new long[6];
    private int vcpu = -1;
    private boolean answeredShutdown;
    /** A protocol fault met while waiting for a PHYSMAP_DONE inside a hypercall: raised after it. */
    private Frames.Malformed deferredFault;
    private volatile boolean closed;

    Connection(DomainServer server, SocketChannel ch) {
        this.server = server;
        this.ch = ch;
    }

    private int domid() {
        return server.domain.domid();
    }

    private String who() {
        return "d" + domid() + (vcpu >= 0 ? "v" + vcpu : "");
    }

    @Override
    public void run() {
        try {
            if (hello()) {
                serve();
            }
        } catch (Frames.Malformed m) {
            fault(m.errno, m.getMessage());
        } catch (EOFException e) {
            if (!closed && vcpu >= 0) {
                crash("the process disconnected");
            }
        } catch (IOException e) {
            if (!closed && vcpu >= 0) {
                crash("the connection failed: " + e.getMessage());
            }
        } finally {
            release();
        }
    }

    /** Reads one frame into {@link #body} (header included) and returns its type. */
    private int read() throws IOException, Frames.Malformed {
        header.clear();
        readFully(header);
        int type = Frames.check(header);
        body.clear().limit(Frames.size(type));
        body.put(header.flip());
        readFully(body);
        return type;
    }

    private void readFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new EOFException();
            }
        }
    }

    /** The HELLO: true when a vCPU was claimed and WELCOME sent. */
    private boolean hello() throws IOException, Frames.Malformed {
        int type = read();
        int hseq = body.getInt(12);
        if (type != Frames.HELLO) {
            throw new Frames.Malformed(-Frames.EPROTO, "the first frame is type " + type + ", not HELLO");
        }
        int dom = body.getShort(16) & 0xffff;
        int v = body.getShort(18) & 0xffff;
        long ram = body.getLong(24);
        int status = 0;
        String why = null;
        if (dom != domid() && dom != DomId.DOMID_SELF) {
            status = -XenErrno.ESRCH;
            why = "HELLO for domain " + dom;
        } else if (v >= server.domain.vcpus()) {
            status = -XenErrno.ENOENT;
            why = "HELLO for vCPU " + v + " of " + server.domain.vcpus();
        } else if (ram != 0 && ram != server.domain.ramBytes()) {
            status = -XenErrno.EINVAL;
            why = "HELLO with " + ram + " bytes of RAM, not " + server.domain.ramBytes();
        } else if (v == 0 && suspended()) {
            // A new process takes over the suspended domain: the old one's connections end
            // (none crashes it) and the domain runs again, its state as the old one left it.
            server.takeOver(this);
            server.domain.resumeFromSuspend();
            LOG.log(System.Logger.Level.INFO, who() + ": a new process resumes the suspended domain");
        }
        if (status == 0 && !server.claimed.compareAndSet(v, null, this)) {
            status = -XenErrno.EBUSY;
            why = "vCPU " + v + " is connected already";
        }
        if (status != 0) {
            LOG.log(System.Logger.Level.WARNING, who() + ": connection refused: " + why);
            send(Frames.welcome(hseq, status, domid(), v, server.domain.vcpus(), 0, ""));
            closed = true;
            return false;
        }
        vcpu = v;
        send(Frames.welcome(hseq, 0, domid(), v, server.domain.vcpus(), server.domain.ramBytes(),
                server.domain.ramFile().toString()));
        if (v == 0) {
            server.replayOverlays(this);
        }
        // Upcalls go here from now on; one marked while no process was connected (a vcpu_info
        // registered by vCPU 0 marks the vCPU pending) is told now, else it would be lost.
        server.vcpus.set(v, this);
        if (server.domain.upcallPending(v)) {
            sendUpcall(v);
        }
        return true;
    }

    private void serve() throws IOException, Frames.Malformed {
        while (!closed) {
            int type = read();
            int fseq = body.getInt(12);
            switch (type) {
                case Frames.HYPERCALL -> {
                    long op = body.getLong(16);
                    for (int i = 0; i < 6; i++) {
                        args[i] = body.getLong(24 + 8 * i);
                    }
                    long rc = hypercall(op);
                    if (deferredFault != null) {
                        throw deferredFault;
                    }
                    if (TRACE) {
                        System.err.printf("bridge d%dv%d #%d op %d (%#x, %#x, %#x) = %d%n", domid(), vcpu, fseq, op,
                                args[0], args[1], args[2], rc);
                    }
                    // A shut-down domain's vCPUs never run again (Xen deschedules them): only the
                    // call that shut it down is answered, so the process can exit; the others
                    // stay unanswered until the process exits or the domain is destroyed.
                    if (!shutDown() || op == io.xenabi.abi.Hypercall.__HYPERVISOR_sched_op
                            && args[0] == SchedOp.SCHEDOP_shutdown && !answeredShutdown) {
                        answeredShutdown |= shutDown();
                        send(Frames.result(fseq, rc));
                    }
                }
                case Frames.PHYSMAP_DONE -> {
                    int status = body.getInt(16);
                    if (status != 0) {
                        LOG.log(System.Logger.Level.WARNING, who() + ": the process could not apply a physmap"
                                + " change: errno " + -status);
                    }
                }
                default -> throw new Frames.Malformed(-Frames.EPROTO, "a frame of type " + type + " from the guest");
            }
        }
    }

    private long hypercall(long op) {
        if (op < 0 || op > Integer.MAX_VALUE) {
            return -XenErrno.ENOSYS;
        }
        server.current.set(this);
        try {
            return server.hypervisor.hypercall(domid(), vcpu, (int) op, args[0], args[1], args[2], args[3], args[4],
                    args[5]);
        } finally {
            server.current.remove();
        }
    }

    /** Whether the domain is shut down with SHUTDOWN_suspend. */
    private boolean suspended() {
        Optional<DomainInfo> info = server.hypervisor.info(domid());
        return info.isPresent() && info.get().state() == DomainState.SHUTDOWN
                && info.get().shutdownReason() == SchedOp.SHUTDOWN_suspend;
    }

    /** Whether the domain has shut down (any reason, suspend too) or is gone. */
    private boolean shutDown() {
        Optional<DomainInfo> info = server.hypervisor.info(domid());
        return info.isEmpty() || info.get().state() == DomainState.DYING || info.get().state() == DomainState.SHUTDOWN
                || info.get().state() == DomainState.CRASHED;
    }

    void sendUpcall(int v) {
        if (TRACE) {
            System.err.printf("bridge d%dv%d UPCALL%n", domid(), v);
        }
        try {
            send(Frames.upcall(seq.incrementAndGet(), v));
        } catch (IOException e) {
            // the reader sees the connection fail
        }
    }

    /**
     * Sends a PHYSMAP. One caused by this connection's own hypercall (this is its thread) is
     * applied before the hypercall goes on: the guest answers it with PHYSMAP_DONE before
     * anything else, since its vCPU waits for the RESULT, so the DONE is read here. Only then
     * does the hypervisor go on, say, to drop an unmapped grant's pins so that its granter may
     * reclaim the page, as Xen flushes the mapper's TLBs before it clears GTF_reading/writing
     * (unmap_common_complete, xen/common/grant_table.c). Other PHYSMAPs are answered through
     * {@link #serve}.
     */
    void sendPhysmap(long gfn, Path file, long offset, boolean readonly) {
        try {
            ByteBuffer f;
            if (file == null) {
                f = Frames.physmap(seq.incrementAndGet(), gfn, 1, Frames.PHYSMAP_UNMAPPED, 0, 0, "");
            } else {
                boolean own = file.equals(server.domain.ramFile());
                f = Frames.physmap(seq.incrementAndGet(), gfn, 1, Frames.PHYSMAP_FILE,
                        readonly ? Frames.PROT_READ : Frames.PROT_READ | Frames.PROT_WRITE, offset,
                        own ? "" : file.toString());
            }
            send(f);
            if (server.current.get() == this && deferredFault == null) {
                awaitDone(f.getInt(12), gfn);
            }
        } catch (IOException | Frames.Malformed e) {
            LOG.log(System.Logger.Level.WARNING, who() + ": physmap change of gfn " + gfn + " not sent: "
                    + e.getMessage());
        }
    }

    /** Reads this connection's PHYSMAP_DONE for {@code pseq} (its reader thread, inside a hypercall). */
    private void awaitDone(int pseq, long gfn) throws IOException {
        try {
            int type = read();
            if (type != Frames.PHYSMAP_DONE || body.getInt(12) != pseq) {
                deferredFault = new Frames.Malformed(-Frames.EPROTO, "a frame of type " + type + " (seq "
                        + body.getInt(12) + ") while the PHYSMAP " + pseq + " of a hypercall waits for its DONE");
                return;
            }
            int status = body.getInt(16);
            if (status != 0) {
                LOG.log(System.Logger.Level.WARNING, who() + ": the process could not apply the physmap change of"
                        + " gfn " + gfn + ": errno " + -status);
            }
        } catch (Frames.Malformed m) {
            deferredFault = m;
        }
    }

    private void send(ByteBuffer frame) throws IOException {
        synchronized (writeLock) {
            frame.clear();
            while (frame.hasRemaining()) {
                ch.write(frame);
            }
        }
    }

    /** A protocol fault: ERROR, one log line, the connection ends and (for a vCPU) the domain crashes. */
    private void fault(int errno, String why) {
        LOG.log(System.Logger.Level.WARNING, who() + ": protocol fault: " + why);
        try {
            send(Frames.error(seq.incrementAndGet(), errno, why));
        } catch (IOException e) {
            // gone already
        }
        if (vcpu >= 0) {
            crash(why);
        }
        closed = true;
    }

    /** Xen's SHUTDOWN_crash for the domain, unless it has shut down already or is going. */
    private void crash(String why) {
        if (server.closing) {
            return;
        }
        Optional<DomainInfo> info = server.hypervisor.info(domid());
        if (info.isEmpty() || info.get().state() != DomainState.RUNNING && info.get().state() != DomainState.PAUSED) {
            return;
        }
        LOG.log(System.Logger.Level.WARNING, who() + ": " + why + ": domain crashed");
        try {
            server.hypervisor.shutdown(domid(), SchedOp.SHUTDOWN_crash);
        } catch (DomainException e) {
            LOG.log(System.Logger.Level.DEBUG, who() + ": " + e.getMessage());
        }
        server.closeConnections();
    }

    void close() {
        closed = true;
        try {
            ch.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    private void release() {
        close();
        if (vcpu >= 0) {
            server.vcpus.compareAndSet(vcpu, this, null);
            server.claimed.compareAndSet(vcpu, this, null);
        }
        server.gone(this);
    }
}
