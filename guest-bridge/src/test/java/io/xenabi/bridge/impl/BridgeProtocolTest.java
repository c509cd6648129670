package io.xenabi.bridge.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.abi.DomId;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.MemoryOp;
import io.xenabi.abi.SchedOp;
import io.xenabi.abi.XenErrno;
import io.xenabi.abi.XenVersion;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainState;
import io.xenabi.domain.DomainType;
import io.xenabi.evtchn.EvtchnOp;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bridge protocol against a hand-written Java client, frame by frame. */
class BridgeProtocolTest {
    @TempDir
    Path home;
    private Bridges b;
    private int domid;
    private int other;

    @BeforeEach
    void boot() {
        b = new Bridges(home.resolve("run"));
        domid = b.hv.create(DomainConfig.named("n").withType(DomainType.PVH, true).withVcpus(2).withMemoryMiB(4)
                .withNativeGuest(true));
        other = b.hv.create(DomainConfig.named("bystander"));
    }

    @AfterEach
    void stop() {
        b.close();
    }

    /** A guest's connection, as the C runtime's. */
    final class Client implements AutoCloseable {
        final SocketChannel ch;
        int seq;

        Client() throws IOException {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(b.bridge.socket(domid)));
        }

        void send(ByteBuffer f) throws IOException {
            f.clear();
            while (f.hasRemaining()) {
                ch.write(f);
            }
        }

        ByteBuffer read() throws IOException {
            ByteBuffer h = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            fill(h);
            int len = h.getInt(8);
            ByteBuffer f = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
            f.put(h.flip());
            fill(f);
            return f;
        }

        private void fill(ByteBuffer x) throws IOException {
            while (x.hasRemaining()) {
                if (ch.read(x) < 0) {
                    throw new EOFException();
                }
            }
        }

        /** HELLO; returns the WELCOME's status. */
        int hello(int dom, int vcpu, long ram) throws IOException {
            send(Frames.frame(Frames.HELLO, 0).putShort(16, (short) dom).putShort(18, (short) vcpu).putLong(24, ram));
            ByteBuffer w = read();
            assertEquals(Frames.WELCOME, w.getShort(6));
            return w.getInt(16);
        }

        /** A hypercall; frames before its RESULT are handed to {@code early}. */
        long call(int op, long... a) throws IOException {
            ByteBuffer f = Frames.frame(Frames.HYPERCALL, ++seq).putLong(16, op);
            for (int i = 0; i < a.length; i++) {
                f.putLong(24 + 8 * i, a[i]);
            }
            send(f);
            while (true) {
                ByteBuffer r = read();
                int type = r.getShort(6);
                if (type == Frames.RESULT) {
                    assertEquals(seq, r.getInt(12), "the RESULT echoes the seq");
                    return r.getLong(16);
                }
                early.append(type).append(' ');
                last = r;
                if (type == Frames.PHYSMAP) {
                    send(Frames.frame(Frames.PHYSMAP_DONE, r.getInt(12)));
                }
            }
        }

        final StringBuilder early = new StringBuilder();
        ByteBuffer last;

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    private DomainState state(int d) {
        return b.hv.info(d).orElseThrow().state();
    }

    private void awaitState(int d, DomainState want) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (state(d) != want && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        assertEquals(want, state(d));
    }

    @Test
    void theSocketIsOwnerOnlyAndRefusedHellosTouchNothing() throws Exception {
        Path sock = b.bridge.socket(domid);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock.getParent())));
        long ram = 4L << 20;
        try (Client c = new Client()) {
            assertEquals(-XenErrno.ESRCH, c.hello(other, 0, 0), "another domain's");
        }
        try (Client c = new Client()) {
            assertEquals(-XenErrno.ENOENT, c.hello(DomId.DOMID_SELF, 2, 0), "no vCPU 2");
        }
        try (Client c = new Client()) {
            assertEquals(-XenErrno.EINVAL, c.hello(domid, 0, ram + 4096), "not its RAM size");
        }
        try (Client c = new Client(); Client d = new Client()) {
            assertEquals(0, c.hello(domid, 1, ram));
            assertEquals(-XenErrno.EBUSY, d.hello(domid, 1, 0), "vCPU 1 is taken");
            assertEquals(DomainState.RUNNING, state(domid));
            c.send(Frames.frame(Frames.HYPERCALL, 1).putLong(16, Hypercall.__HYPERVISOR_sched_op)
                    .putLong(24, SchedOp.SCHEDOP_shutdown).putLong(32, 1L << 40));
            assertEquals(-XenErrno.EFAULT, c.read().getLong(16), "a pointer outside its RAM: -EFAULT");
            assertEquals(DomainState.RUNNING, state(domid));
        }
        awaitState(domid, DomainState.CRASHED);
        assertEquals(DomainState.RUNNING, state(other), "nothing else is touched");
    }

    @Test
    void hypercallsReadAndWriteTheRamFileAndSharedInfoComesAsAPhysmap() throws Exception {
        MappedByteBuffer ram;
        try (FileChannel f = FileChannel.open(b.hv.natives().nativeDomain(domid).orElseThrow().ramFile(), StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            ram = f.map(FileChannel.MapMode.READ_WRITE, 0, 4L << 20);
        }
        ram.order(ByteOrder.LITTLE_ENDIAN);
        try (Client c = new Client(); Client c1 = new Client()) {
            assertEquals(0, c.hello(DomId.DOMID_SELF, 0, 0));
            assertEquals(0, c1.hello(domid, 1, 0));
            int arg = 4096;
            ram.putInt(arg, 0);
            assertEquals(0, c.call(Hypercall.__HYPERVISOR_xen_version, XenVersion.XENVER_get_features, arg));
            assertTrue((ram.getInt(arg + 4) & (1 << XenVersion.XENFEAT_hvm_callback_vector)) != 0);

            ram.putShort(arg + MemoryOp.ADD_TO_PHYSMAP_DOMID, (short) DomId.DOMID_SELF);
            ram.putInt(arg + MemoryOp.ADD_TO_PHYSMAP_SPACE, MemoryOp.XENMAPSPACE_shared_info);
            ram.putLong(arg + MemoryOp.ADD_TO_PHYSMAP_IDX, 0);
            ram.putLong(arg + MemoryOp.ADD_TO_PHYSMAP_GPFN, 7);
            assertEquals(0, c.call(Hypercall.__HYPERVISOR_memory_op, MemoryOp.XENMEM_add_to_physmap, arg));
            assertEquals("6 ", c.early.toString(), "the PHYSMAP comes before the RESULT");
            ByteBuffer pm = c.last;
            assertEquals(7, pm.getLong(16));
            assertEquals(1, pm.getLong(24));
            assertEquals(Frames.PHYSMAP_FILE, pm.getInt(32));
            assertEquals(Frames.PROT_READ | Frames.PROT_WRITE, pm.getInt(36));
            String path = Frames.getString(pm, 48, Frames.PATH_MAX);
            assertEquals(b.bridge.socket(domid).resolveSibling("dom" + domid + ".shinfo").toString(), path);

            // An IPI to vCPU 1: its connection gets the UPCALL.
            ram.putInt(arg + EvtchnOp.BIND_IPI_VCPU, 1);
            assertEquals(0, c.call(Hypercall.__HYPERVISOR_event_channel_op, EvtchnOp.EVTCHNOP_bind_ipi, arg));
            int port = ram.getInt(arg + EvtchnOp.BIND_IPI_PORT);
            ram.putInt(arg + EvtchnOp.PORT, port);
            assertEquals(0, c.call(Hypercall.__HYPERVISOR_event_channel_op, EvtchnOp.EVTCHNOP_send, arg));
            ByteBuffer up = c1.read();
            assertEquals(Frames.UPCALL, up.getShort(6));
            assertEquals(1, up.getInt(16));
            assertEquals(DomainState.RUNNING, state(domid));
        }
        awaitState(domid, DomainState.CRASHED);
    }

    /**
     * The PHYSMAP a hypercall causes is applied before the hypercall goes on: the bridge reads
     * its DONE first, so a guest sending anything else then (here a second HYPERCALL) commits a
     * protocol fault.
     */
    @Test
    void aHypercallsPhysmapWantsItsDoneBeforeAnythingElse() throws Exception {
        MappedByteBuffer ram;
        try (FileChannel f = FileChannel.open(b.hv.natives().nativeDomain(domid).orElseThrow().ramFile(),
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ram = f.map(FileChannel.MapMode.READ_WRITE, 0, 4L << 20);
        }
        ram.order(ByteOrder.LITTLE_ENDIAN);
        try (Client c = new Client()) {
            assertEquals(0, c.hello(domid, 0, 0));
            int arg = 4096;
            ram.putShort(arg + MemoryOp.ADD_TO_PHYSMAP_DOMID, (short) DomId.DOMID_SELF);
            ram.putInt(arg + MemoryOp.ADD_TO_PHYSMAP_SPACE, MemoryOp.XENMAPSPACE_shared_info);
            ram.putLong(arg + MemoryOp.ADD_TO_PHYSMAP_IDX, 0);
            ram.putLong(arg + MemoryOp.ADD_TO_PHYSMAP_GPFN, 7);
            c.send(Frames.frame(Frames.HYPERCALL, 1).putLong(16, Hypercall.__HYPERVISOR_memory_op)
                    .putLong(24, MemoryOp.XENMEM_add_to_physmap).putLong(32, arg));
            assertEquals(Frames.PHYSMAP, c.read().getShort(6));
            c.send(Frames.frame(Frames.HYPERCALL, 2).putLong(16, Hypercall.__HYPERVISOR_xen_version));
            ByteBuffer e = c.read();
            assertEquals(Frames.ERROR, e.getShort(6));
            assertEquals(-Frames.EPROTO, e.getInt(16));
        }
        awaitState(domid, DomainState.CRASHED);
    }

    @Test
    void aMalformedFrameGetsAnErrorAndCrashesTheDomainOnly() throws Exception {
        try (Client c = new Client()) {
            assertEquals(0, c.hello(domid, 0, 0));
            c.send(Frames.frame(Frames.HYPERCALL, 1).putInt(0, 0x12345678));
            ByteBuffer e = c.read();
            assertEquals(Frames.ERROR, e.getShort(6));
            assertEquals(-Frames.EPROTO, e.getInt(16));
            assertThrows(IOException.class, c::read, "the bridge closed the connection");
        }
        awaitState(domid, DomainState.CRASHED);
        assertEquals(b.hv.info(domid).orElseThrow().shutdownReason(), SchedOp.SHUTDOWN_crash);
        assertEquals(DomainState.RUNNING, state(other));
    }

    @Test
    void aWrongLengthOrAFrameOnlyTheBridgeSendsIsAFaultToo() throws Exception {
        try (Client c = new Client()) {
            assertEquals(0, c.hello(domid, 0, 0));
            c.send(Frames.frame(Frames.RESULT, 1));
            assertEquals(-Frames.EPROTO, c.read().getInt(16));
        }
        awaitState(domid, DomainState.CRASHED);
        b.hv.destroy(domid);
        domid = b.hv.create(DomainConfig.named("n2").withType(DomainType.PVH, true).withNativeGuest(true));
        try (Client c = new Client()) {
            assertEquals(0, c.hello(domid, 0, 0));
            c.send(Frames.frame(Frames.RESULT, 1).putInt(8, 25));
            assertEquals(-XenErrno.EBADMSG, c.read().getInt(16));
        }
        awaitState(domid, DomainState.CRASHED);
    }

    @Test
    void destroyingTheDomainRemovesItsSocketAndFiles() throws Exception {
        Path sock = b.bridge.socket(domid);
        Path ramFile = b.hv.natives().nativeDomain(domid).orElseThrow().ramFile();
        try (Client c = new Client()) {
            assertEquals(0, c.hello(domid, 0, 0));
            b.hv.destroy(domid);
            assertThrows(IOException.class, c::read);
        }
        assertTrue(Files.notExists(sock));
        assertTrue(Files.notExists(ramFile));
    }
}
