package io.xenabi.bridge.impl;

import io.xenabi.domain.Hypervisor;
import io.xenabi.domain.NativeDomain;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReferenceArray;

/** One native domain's socket: accepts the vCPUs' connections, routes upcalls and physmap changes. */
final class DomainServer {
    private static final System.Logger LOG = System.getLogger(DomainServer.class.getName());
    final NativeDomain domain;
    final Hypervisor hypervisor;
    private final Path socket;
    private final ServerSocketChannel server;
    /** The connection that claimed each vCPU (its HELLO was accepted), or null. */
    final AtomicReferenceArray<Connection> claimed;
    /** The connection of each vCPU once its WELCOME is sent (where upcalls go), or null. */
    final AtomicReferenceArray<Connection> vcpus;
    private final CopyOnWriteArrayList<Connection> all = new CopyOnWriteArrayList<>();
    /** The connection whose hypercall runs on this thread: its physmap changes go there. */
    final ThreadLocal<Connection> current = new ThreadLocal<>();
    /**
     * Frames not backed by the domain's own RAM now, by gfn: sent to each new vCPU 0 (a
     * resumed process maps the RAM file only).
     */
    private final Map<Long, Overlay> overlays = new ConcurrentSkipListMap<>();
    volatile boolean closing;

    record Overlay(long gfn, Path file, long offset, boolean readonly) {
    }

    DomainServer(NativeDomain domain, Hypervisor hypervisor) throws IOException {
        this.domain = domain;
        this.hypervisor = hypervisor;
        this.vcpus = new AtomicReferenceArray<>(domain.vcpus());
        this.claimed = new AtomicReferenceArray<>(domain.vcpus());
        this.socket = domain.ramFile().resolveSibling("dom" + domain.domid() + ".sock");
        Files.deleteIfExists(socket);
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        // The folder is 0700 already, so nobody else could connect in between.
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        for (int v = 0; v < domain.vcpus(); v++) {
            int vcpu = v;
            domain.onUpcall(v, () -> {
                Connection c = vcpus.get(vcpu);
                if (c != null) {
                    c.sendUpcall(vcpu);
                }
            });
        }
        domain.onPhysmap(this::physmapChanged);
    }

    Path socket() {
        return socket;
    }

    void start() {
        Thread t = new Thread(this::acceptLoop, "xenabi-bridge-d" + domain.domid());
        t.setDaemon(true);
        t.start();
    }

    private void acceptLoop() {
        while (!closing) {
            try {
                SocketChannel ch = server.accept();
                Connection c = new Connection(this, ch);
                all.add(c);
                Thread t = new Thread(c, "xenabi-bridge-d" + domain.domid() + "-conn");
                t.setDaemon(true);
                t.start();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closing) {
                    LOG.log(System.Logger.Level.WARNING, "d" + domain.domid() + ": accept failed: " + e.getMessage());
                }
                return;
            }
        }
    }

    void gone(Connection c) {
        all.remove(c);
    }

    /** A vCPU 0 connected: it gets every frame not backed by its RAM, before anything else. */
    void replayOverlays(Connection c) {
        for (Overlay o : overlays.values()) {
            c.sendPhysmap(o.gfn(), o.file(), o.offset(), o.readonly());
        }
    }

    private void physmapChanged(long gfn, Path file, long offset, boolean readonly) {
        if (file != null && file.equals(domain.ramFile()) && offset == gfn << 12 && !readonly) {
            overlays.remove(gfn);
        } else {
            overlays.put(gfn, new Overlay(gfn, file, offset, readonly));
        }
        Connection c = current.get();
        if (c == null || c.server != this) {
            c = vcpus.get(0);
        }
        if (c != null) {
            c.sendPhysmap(gfn, file, offset, readonly);
        }
    }

    /** Ends every connection but {@code c} and frees their vCPUs: a new process takes the domain over. */
    void takeOver(Connection c) {
        for (Connection o : all) {
            if (o != c) {
                o.close();
            }
        }
        for (int v = 0; v < vcpus.length(); v++) {
            vcpus.set(v, null);
            claimed.set(v, null);
        }
    }

    /** Ends every connection (the domain shut down or is gone); none of them crashes it. */
    void closeConnections() {
        for (Connection c : all) {
            c.close();
        }
    }

    void close() {
        closing = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        closeConnections();
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "d" + domain.domid() + ": socket stays: " + e.getMessage());
        }
    }
}
