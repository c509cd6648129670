package io.xenabi.bench;

import io.xenabi.abi.DomId;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.XenVersion;
import io.xenabi.bridge.impl.GuestBridge;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainType;
import io.xenabi.domain.impl.HypervisorImpl;
import io.xenabi.domain.testkit.TestHosts;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A native guest's hypercall round trip (docs/native-guests.md) against the bare echo of the
 * same transport, each one HYPERCALL frame (72 bytes) out and one RESULT frame (24 bytes) back
 * on a Unix stream socket, sampled one by one (p50, p99).
 *
 * <p>{@code hypercall}: the benchmark thread is vCPU 0 of a native domain, connected to the
 * guest bridge's {@code dom<id>.sock} with HELLO as native-guest's runtime connects, and makes
 * {@code xen_version(XENVER_version)} (no guest memory read, so the cost is the transport, the
 * bridge and the door). {@code echo}: the same client, frames and reads against native-guest's
 * echo mode ({@code native-guest --echo PATH}: its own framing code answers every HYPERCALL with
 * a RESULT, no hypervisor).
 *
 * <p>Needs gcc and Debian's linux-source-6.1 to build native-guest; {@code --check} (a main)
 * builds it and exits 0, or exits 3 after one line saying why it cannot, which
 * {@code bench/report} turns into "not run: why" on the rows.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class NativeHypercallBench {
    private static final int MAGIC = 0x4247584e;
    private static final int HELLO = 1;
    private static final int WELCOME = 2;
    private static final int HYPERCALL = 3;
    private static final int RESULT = 4;
    private static final int HEADER = 16;

    private Path home;
    private HypervisorImpl hv;
    private GuestBridge bridge;
    private Process echoProcess;
    private Vcpu toBridge;
    private Vcpu toEcho;

    /** One client connection, framed as native-guest's runtime frames (ngb_proto.h). */
    static final class Vcpu implements AutoCloseable {
        private final SocketChannel ch;
        private final ByteBuffer call = ByteBuffer.allocateDirect(72).order(ByteOrder.LITTLE_ENDIAN);
        private final ByteBuffer header = ByteBuffer.allocateDirect(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        private final ByteBuffer body = ByteBuffer.allocateDirect(304).order(ByteOrder.LITTLE_ENDIAN);
        private int seq;

        Vcpu(Path socket, int domid) throws IOException {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer hello = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
            header(hello, HELLO, 32, 0);
            hello.putShort(16, (short) domid).putShort(18, (short) 0).putInt(20, (int) ProcessHandle.current().pid())
                    .putLong(24, 0);
            write(hello);
            int type = read();
            if (type != WELCOME || body.getInt(16) != 0) {
                throw new IOException(socket + " refused vCPU 0: frame type " + type + ", status " + body.getInt(16));
            }
            call.clear();
            header(call, HYPERCALL, 72, 0);
        }

        private static void header(ByteBuffer b, int type, int length, int seq) {
            b.putInt(0, MAGIC).putShort(4, (short) 1).putShort(6, (short) type).putInt(8, length).putInt(12, seq);
        }

        private void write(ByteBuffer b) throws IOException {
            b.clear();
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }

        /** Reads one frame (header, then the rest, as the runtime's ng_recv_frame does) into body. */
        private int read() throws IOException {
            header.clear();
            fill(header);
            int length = header.getInt(8);
            if (header.getInt(0) != MAGIC || length < HEADER || length > body.capacity()) {
                throw new IOException("malformed frame: length " + length);
            }
            body.clear().limit(length);
            body.put(header.flip());
            fill(body);
            return header.getShort(6) & 0xffff;
        }

        private void fill(ByteBuffer b) throws IOException {
            while (b.hasRemaining()) {
                if (ch.read(b) < 0) {
                    throw new IOException("the other end closed the connection");
                }
            }
        }

        /** One HYPERCALL and its RESULT (an UPCALL or other frame meanwhile is read and passed over). */
        long hypercall(long op, long a0, long a1) throws IOException {
            call.putInt(12, ++seq).putLong(16, op).putLong(24, a0).putLong(32, a1);
            write(call);
            while (true) {
                int type = read();
                if (type == RESULT && body.getInt(12) == seq) {
                    return body.getLong(16);
                }
                if (type == RESULT) {
                    throw new IOException("RESULT " + body.getInt(12) + " for HYPERCALL " + seq);
                }
            }
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    @Setup(Level.Trial)
    public void start() throws Exception {
        Path guest = NativeGuestBuild.binary();
        home = Files.createTempDirectory("xenabi-bench-native");
        hv = TestHosts.all();
        hv.natives().setRunFolder(home.resolve("run"));
        bridge = new GuestBridge(hv.natives(), hv);
        int domid = hv.create(DomainConfig.named("bench").withType(DomainType.PVH, true).withMemoryMiB(32)
                .withNativeGuest(true));
        toBridge = new Vcpu(bridge.socket(domid), domid);
        Path echoSocket = home.resolve("echo.sock");
        echoProcess = new ProcessBuilder(guest.toString(), "--echo", echoSocket.toString())
                .redirectErrorStream(true).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(echoProcess.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        if (line == null || !line.startsWith("echo: listening")) {
            throw new IllegalStateException("native-guest --echo did not start: " + line);
        }
        toEcho = new Vcpu(echoSocket, DomId.DOMID_SELF);
        long v = toBridge.hypercall(Hypercall.__HYPERVISOR_xen_version, XenVersion.XENVER_version, 0);
        if (v <= 0) {
            throw new IllegalStateException("xen_version(XENVER_version) through the bridge answered " + v);
        }
    }

    /** A native guest's xen_version(XENVER_version): the socket, the bridge and the door. */
    @Benchmark
    public long hypercall() throws IOException {
        return toBridge.hypercall(Hypercall.__HYPERVISOR_xen_version, XenVersion.XENVER_version, 0);
    }

    /** The same frames against native-guest's echo mode: the bare transport. */
    @Benchmark
    public long echo() throws IOException {
        return toEcho.hypercall(Hypercall.__HYPERVISOR_xen_version, XenVersion.XENVER_version, 0);
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException, InterruptedException {
        if (toEcho != null) {
            toEcho.close();
        }
        if (echoProcess != null && !echoProcess.waitFor(5, TimeUnit.SECONDS)) {
            echoProcess.destroyForcibly();
        }
        // The bridge first: it ends its connections itself, so the domain is not crashed by
        // an end of file from its vCPU.
        if (bridge != null) {
            bridge.close();
        }
        if (toBridge != null) {
            toBridge.close();
        }
        if (home != null) {
            try (Stream<Path> s = Files.walk(home)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** {@code --check}: builds native-guest; exit 0, or 3 after printing why it cannot run. */
    public static void main(String[] args) {
        if (args.length != 1 || !args[0].equals("--check")) {
            System.err.println("usage: NativeHypercallBench --check (run the benchmark with bench/run NativeHypercallBench)");
            System.exit(2);
        }
        try {
            System.out.println("native-guest built: " + NativeGuestBuild.binary());
        } catch (NativeGuestBuild.Unavailable e) {
            System.out.println(e.getMessage());
            System.exit(3);
        }
    }
}
