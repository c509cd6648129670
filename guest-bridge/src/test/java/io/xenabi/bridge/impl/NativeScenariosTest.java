package io.xenabi.bridge.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.xenabi.abi.AbiCapability;
import io.xenabi.abi.SchedOp;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainInfo;
import io.xenabi.domain.DomainState;
import io.xenabi.domain.DomainType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * native-guest's scenarios (the real Linux 6.1 event-channel code) against the real bridge and
 * hypervisor. Needs gcc and Debian's linux-source-6.1 to build the guest; without them the test
 * is skipped with the reason, unless {@code XENABI_REQUIRE_NATIVE=1}, where it fails.
 */
class NativeScenariosTest {
    private static final Path NATIVE = Path.of("..", "native-guest").toAbsolutePath().normalize();
    private static final Path GUEST = NATIVE.resolve("target/native-guest");
    /**
     * How long ping waits for each answer before counting it lost, where none may be lost: long
     * enough that a loaded machine never turns a late answer into a loss (an answer that never
     * comes still fails the test, as the run then outlasts its 60 s).
     */
    private static final String PATIENCE_MS = "10000";

    @TempDir
    Path home;
    private Bridges b;

    @BeforeAll
    static void build() throws Exception {
        boolean required = "1".equals(System.getenv("XENABI_REQUIRE_NATIVE"));
        String why = null;
        if (!Files.isRegularFile(NATIVE.resolve("build.sh"))) {
            why = "no native-guest folder at " + NATIVE;
        } else {
            Process p;
            try {
                p = new ProcessBuilder("sh", "build.sh").directory(NATIVE.toFile()).redirectErrorStream(true).start();
            } catch (IOException e) {
                p = null;
                why = "cannot run native-guest/build.sh: " + e.getMessage();
            }
            if (p != null) {
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(600, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    why = "native-guest/build.sh took over 10 minutes";
                } else if (p.exitValue() == 3) {
                    why = "native guest not built: " + out.strip()
                            + " (apt-get install -y linux-source-6.1 gcc; XENABI_REQUIRE_NATIVE=1 makes this fail)";
                } else if (p.exitValue() != 0) {
                    fail("native-guest/build.sh failed (" + p.exitValue() + "):\n" + out);
                }
            }
        }
        if (why != null) {
            if (required) {
                fail(why);
            }
            Assumptions.abort(why);
        }
    }

    @BeforeEach
    void boot() {
        b = new Bridges(home.resolve("run"));
    }

    @AfterEach
    void stop() {
        b.close();
    }

    /** Runs the guest on {@code socket} and returns its output; fails on a timeout. */
    static String run(Path socket, int domid, List<String> scenario, int expectExit) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(GUEST.toString(), "--socket", socket.toString(), "--domid",
                Integer.toString(domid)));
        cmd.addAll(scenario);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuilder out = new StringBuilder();
        Thread reader = new Thread(() -> {
            try {
                out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                out.append("(output lost: ").append(e.getMessage()).append(")");
            }
        });
        reader.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            reader.join(5000);
            fail("the native guest took over 60 s: " + cmd + "\n" + out);
        }
        reader.join(5000);
        assertEquals(expectExit, p.exitValue(), "exit status of " + cmd + "\n" + out);
        return out.toString();
    }

    @ParameterizedTest(name = "boot, {0}, {1} vCPUs")
    @CsvSource({"fifo, 1", "fifo, 2", "fifo, 4", "2l, 1", "2l, 2", "2l, 4"})
    void linuxBootsOnFifoWherePermittedAndOnTwoLevelWhereWithheld(String abi, int vcpus) throws Exception {
        long permit = abi.equals("fifo") ? AbiCapability.ALL : 0;
        int domid = b.hv.create(DomainConfig.named("native").withType(DomainType.PVH, true).withVcpus(vcpus)
                .withMemoryMiB(32).withAbiPermit(permit).withNativeGuest(true));
        String out = run(b.bridge.socket(domid), domid, List.of("boot"), 0);
        assertTrue(out.contains("boot: abi=" + abi + " vcpus=" + vcpus + " "), out);
        DomainInfo info = b.hv.info(domid).orElseThrow();
        assertEquals(DomainState.SHUTDOWN, info.state(), out);
        assertEquals(SchedOp.SHUTDOWN_poweroff, info.shutdownReason(), out);
        assertEquals(abi, info.evtchnAbi(), out);
    }

    /**
     * A Java peer in Domain-0 that answers every event on {@code port} with one back (2-level:
     * it polls the port, clears its pending bit in its shared_info and sends).
     */
    private Thread echo(int port, java.util.concurrent.atomic.AtomicBoolean stop) {
        io.xenabi.abi.GuestMemory m = b.hv.memory(0);
        Thread t = new Thread(() -> {
            long arg = 4096;
            long list = arg + 64;
            while (!stop.get()) {
                m.write32(list, port);
                m.write64(arg + SchedOp.SCHED_POLL_PORTS, list);
                m.write32(arg + SchedOp.SCHED_POLL_NR_PORTS, 1);
                m.write64(arg + SchedOp.SCHED_POLL_TIMEOUT, 0);
                b.hv.hypercall(0, 0, io.xenabi.abi.Hypercall.__HYPERVISOR_sched_op, SchedOp.SCHEDOP_poll, arg);
                if (m.page(2).testAndClearBit(io.xenabi.abi.SharedInfo.EVTCHN_PENDING, port)) {
                    m.write32(arg + io.xenabi.evtchn.EvtchnOp.PORT, port);
                    b.hv.hypercall(0, 0, io.xenabi.abi.Hypercall.__HYPERVISOR_event_channel_op,
                            io.xenabi.evtchn.EvtchnOp.EVTCHNOP_send, arg);
                }
            }
        }, "echo");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Domain-0's shared_info at gfn 2 and an unbound port for {@code remote}. */
    private int unboundPortOfDom0(int remote) {
        io.xenabi.abi.GuestMemory m = b.hv.memory(0);
        long arg = 8192;
        m.write16(arg + io.xenabi.abi.MemoryOp.ADD_TO_PHYSMAP_DOMID, io.xenabi.abi.DomId.DOMID_SELF);
        m.write32(arg + io.xenabi.abi.MemoryOp.ADD_TO_PHYSMAP_SPACE, io.xenabi.abi.MemoryOp.XENMAPSPACE_shared_info);
        m.write64(arg + io.xenabi.abi.MemoryOp.ADD_TO_PHYSMAP_IDX, 0);
        m.write64(arg + io.xenabi.abi.MemoryOp.ADD_TO_PHYSMAP_GPFN, 2);
        assertEquals(0, b.hv.hypercall(0, 0, io.xenabi.abi.Hypercall.__HYPERVISOR_memory_op,
                io.xenabi.abi.MemoryOp.XENMEM_add_to_physmap, arg));
        m.write16(arg + io.xenabi.evtchn.EvtchnOp.ALLOC_UNBOUND_DOM, io.xenabi.abi.DomId.DOMID_SELF);
        m.write16(arg + io.xenabi.evtchn.EvtchnOp.ALLOC_UNBOUND_REMOTE_DOM, remote);
        assertEquals(0, b.hv.hypercall(0, 0, io.xenabi.abi.Hypercall.__HYPERVISOR_event_channel_op,
                io.xenabi.evtchn.EvtchnOp.EVTCHNOP_alloc_unbound, arg));
        return m.read32(arg + io.xenabi.evtchn.EvtchnOp.ALLOC_UNBOUND_PORT);
    }

    @ParameterizedTest(name = "ping a Java peer, {0}, {1} vCPUs, on vCPU {2}")
    @CsvSource({"fifo, 1, 0", "2l, 1, 0", "fifo, 2, 1", "2l, 4, 3"})
    void linuxPingsAJavaPeerInDomain0(String abi, int vcpus, int cpu) throws Exception {
        long permit = abi.equals("fifo") ? AbiCapability.ALL : 0;
        int domid = b.hv.create(DomainConfig.named("native").withType(DomainType.PVH, true).withVcpus(vcpus)
                .withMemoryMiB(32).withAbiPermit(permit).withNativeGuest(true));
        int port = unboundPortOfDom0(domid);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread peer = echo(port, stop);
        String out;
        try {
            out = run(b.bridge.socket(domid), domid, List.of("ping", "--remote", "0", "--remote-port",
                    Integer.toString(port), "--count", "200", "--cpu", Integer.toString(cpu), "--timeout-ms",
                    PATIENCE_MS), 0);
        } finally {
            stop.set(true);
            peer.interrupt(); // an interrupted poll returns
            peer.join(5000);
        }
        assertTrue(out.contains("ping: abi=" + abi + " sent=200 replies=200 lost=0 bind-events=1"), out);
        assertFalse(peer.isAlive());
        System.out.println("native round trip (" + abi + ", " + vcpus + " vCPUs, vCPU " + cpu + "): "
                + out.lines().filter(l -> l.startsWith("ping:")).findFirst().orElse("?"));
    }

    @ParameterizedTest(name = "ping {0} to pong {1}, two native guests")
    @CsvSource({"fifo, fifo", "2l, fifo", "fifo, 2l"})
    void twoNativeGuestsPingPong(String pingAbi, String pongAbi) throws Exception {
        int pong = b.hv.create(DomainConfig.named("pong").withType(DomainType.PVH, true).withMemoryMiB(32)
                .withAbiPermit(pongAbi.equals("fifo") ? AbiCapability.ALL : 0).withNativeGuest(true));
        int ping = b.hv.create(DomainConfig.named("ping").withType(DomainType.PVH, true).withVcpus(2).withMemoryMiB(32)
                .withAbiPermit(pingAbi.equals("fifo") ? AbiCapability.ALL : 0).withNativeGuest(true));
        Process p = new ProcessBuilder(GUEST.toString(), "--socket", b.bridge.socket(pong).toString(), "--domid",
                Integer.toString(pong), "pong", "--remote", Integer.toString(ping), "--count", "100")
                .redirectErrorStream(true).start();
        StringBuilder pongOut = new StringBuilder();
        java.util.concurrent.CompletableFuture<Integer> port = new java.util.concurrent.CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (java.io.BufferedReader r = new java.io.BufferedReader(
                    new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null;) {
                    pongOut.append(line).append('\n');
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("pong: port=(\\d+)").matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException e) {
                pongOut.append("(output lost)");
            }
            port.complete(-1);
        });
        reader.start();
        try {
            int pongPort = port.get(60, TimeUnit.SECONDS);
            assertTrue(pongPort > 0, pongOut.toString());
            String out = run(b.bridge.socket(ping), ping, List.of("ping", "--remote", Integer.toString(pong),
                    "--remote-port", Integer.toString(pongPort), "--count", "100", "--cpu", "1", "--timeout-ms",
                    PATIENCE_MS), 0);
            assertTrue(out.contains("ping: abi=" + pingAbi + " sent=100 replies=100 lost=0 bind-events=1"), out);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), pongOut.toString());
            reader.join(5000);
            assertEquals(0, p.exitValue(), pongOut.toString());
            assertTrue(pongOut.toString().contains("pong: abi=" + pongAbi + " echoed=100"), pongOut.toString());
            System.out.println("native to native (" + pingAbi + " to " + pongAbi + "): "
                    + out.lines().filter(l -> l.startsWith("ping:")).findFirst().orElse("?"));
        } finally {
            p.destroyForcibly();
        }
    }

    /**
     * The 2019 handover with the real Linux code and the real bridge: a boot kernel (FIFO when
     * permitted) suspends, a resumed kernel whose events code speaks 2-level takes the domain
     * over and pings a Java peer. With FIFO permitted the boot kernel turned it on and every
     * event is lost; with it withheld none is.
     */
    @ParameterizedTest(name = "2019 handover, FIFO permitted: {0}")
    @CsvSource({"true, 20, 3", "false, 0, 0"})
    void theHandoverLosesEventsOnlyWhereFifoIsPermitted(boolean fifo, int lost, int exit) throws Exception {
        int domid = b.hv.create(DomainConfig.named("handover").withType(DomainType.PVH, true).withMemoryMiB(32)
                .withAbiPermit(fifo ? AbiCapability.ALL : 0).withNativeGuest(true));
        String boot = run(b.bridge.socket(domid), domid, List.of("--alloc-from-mib", "16", "boot-kernel"), 0);
        assertTrue(boot.contains("boot-kernel: abi=" + (fifo ? "fifo" : "2l")), boot);
        DomainInfo info = b.hv.info(domid).orElseThrow();
        assertEquals(DomainState.SHUTDOWN, info.state(), boot);
        assertEquals(SchedOp.SHUTDOWN_suspend, info.shutdownReason(), boot);
        int port = unboundPortOfDom0(domid);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread peer = echo(port, stop);
        String out;
        try {
            out = run(b.bridge.socket(domid), domid, List.of("--alloc-from-mib", "16", "resumed-kernel", "--remote",
                    "0", "--remote-port", Integer.toString(port), "--count", "20", "--timeout-ms",
                    // a lost reply costs the whole wait, so the lossy case waits briefly; the
                    // lossless one waits long enough for a loaded CI machine (a 20 ms wait once
                    // counted a late reply as lost there)
                    fifo ? "20" : "5000"), exit);
        } finally {
            stop.set(true);
            peer.interrupt();
            peer.join(5000);
        }
        assertTrue(out.contains("ping: abi=2l sent=20 replies=" + (20 - lost) + " lost=" + lost), boot + out);
        System.out.println("2019 handover, FIFO " + (fifo ? "permitted" : "withheld") + ": "
                + out.lines().filter(l -> l.startsWith("ping:")).findFirst().orElse("?"));
    }
    /**
     * Linux's grant-table.c as the granter (grant v1, its frames placed with
     * XENMEM_add_to_physmap in the process's mapping, now that they are page files), Domain-0
     * (a Java guest) as the peer: Domain-0 maps every grant and sees the pattern the native guest
     * wrote, copies one with GNTTABOP_copy; while mapped, Linux's
     * gnttab_try_end_foreign_access is refused (the entry's GTF_reading/GTF_writing, Xen's
     * grant_table.c); after Domain-0 unmaps, every end of access succeeds.
     */
    @ParameterizedTest(name = "Linux grants {0} pages to a Java peer, read-only: {1}")
    @CsvSource({"1, false", "4, false", "4, true"})
    void linuxGrantsPagesThatAPeerMapsCopiesAndUnmaps(int pages, boolean readonly) throws Exception {
        int domid = b.hv.create(DomainConfig.named("granter").withType(DomainType.PVH, true).withMemoryMiB(32)
                .withAbiPermit(AbiCapability.ALL).withNativeGuest(true));
        List<String> cmd = new ArrayList<>(List.of("grant", "--remote", "0", "--pages", Integer.toString(pages),
                "--wait-stdin"));
        if (readonly) {
            cmd.add("--readonly");
        }
        try (Guest g = new Guest(b.bridge.socket(domid), domid, cmd)) {
            String refsLine = g.awaitLine("grant: refs=");
            int eq = refsLine.indexOf('=');
            String[] refs = refsLine.substring(eq + 1, refsLine.indexOf(' ', eq)).split(",");
            assertEquals(pages, refs.length, refsLine);
            io.xenabi.abi.GuestMemory m = b.hv.memory(0);
            int flags = io.xenabi.gnttab.GrantFlags.GNTMAP_host_map
                    | (readonly ? io.xenabi.gnttab.GrantFlags.GNTMAP_readonly : 0);
            long ops = 16 << 12;
            long firstHost = 64;
            for (int i = 0; i < pages; i++) {
                long op = ops + (long) i * io.xenabi.gnttab.GnttabOp.SIZEOF_MAP_GRANT_REF;
                m.write64(op + io.xenabi.gnttab.GnttabOp.MAP_HOST_ADDR, (firstHost + i) << 12);
                m.write32(op + io.xenabi.gnttab.GnttabOp.MAP_FLAGS, flags);
                m.write32(op + io.xenabi.gnttab.GnttabOp.MAP_REF, Integer.parseInt(refs[i]));
                m.write16(op + io.xenabi.gnttab.GnttabOp.MAP_DOM, domid);
            }
            assertEquals(0, b.hv.hypercall(0, 0, io.xenabi.abi.Hypercall.__HYPERVISOR_grant_table_op,
                    io.xenabi.gnttab.GnttabOp.GNTTABOP_map_grant_ref, ops, pages));
            int[] handles = new int[pages];
            for (int i = 0; i < pages; i++) {
                long op = ops + (long) i * io.xenabi.gnttab.GnttabOp.SIZEOF_MAP_GRANT_REF;
                assertEquals(io.xenabi.gnttab.GnttabStatus.GNTST_okay,
                        (short) m.read16(op + io.xenabi.gnttab.GnttabOp.MAP_STATUS), "map of ref " + refs[i]);
                handles[i] = m.read32(op + io.xenabi.gnttab.GnttabOp.MAP_HANDLE);
                for (int off = 0; off < 4096; off += 509) {
                    assertEquals((byte) (i * 31 + off * 7 + 1), (byte) m.read8(((firstHost + i) << 12) + off),
                            "byte " + off + " of granted page " + i);
                }
            }
            // GNTTABOP_copy from the last grant into a Domain-0 page (by gmfn).
            long copy = ops + 4096;
            long dest = 100;
            m.write32(copy + io.xenabi.gnttab.GnttabOp.COPY_SOURCE + io.xenabi.gnttab.GnttabOp.COPY_PTR_U,
                    Integer.parseInt(refs[pages - 1]));
            m.write16(copy + io.xenabi.gnttab.GnttabOp.COPY_SOURCE + io.xenabi.gnttab.GnttabOp.COPY_PTR_DOMID, domid);
            m.write16(copy + io.xenabi.gnttab.GnttabOp.COPY_SOURCE + io.xenabi.gnttab.GnttabOp.COPY_PTR_OFFSET, 16);
            m.write64(copy + io.xenabi.gnttab.GnttabOp.COPY_DEST + io.xenabi.gnttab.GnttabOp.COPY_PTR_U, dest);
            m.write16(copy + io.xenabi.gnttab.GnttabOp.COPY_DEST + io.xenabi.gnttab.GnttabOp.COPY_PTR_DOMID,
                    io.xenabi.abi.DomId.DOMID_SELF);
            m.write16(copy + io.xenabi.gnttab.GnttabOp.COPY_DEST + io.xenabi.gnttab.GnttabOp.COPY_PTR_OFFSET, 0);
            m.write16(copy + io.xenabi.gnttab.GnttabOp.COPY_LEN, 64);
            m.write16(copy + io.xenabi.gnttab.GnttabOp.COPY_FLAGS, io.xenabi.gnttab.GrantFlags.GNTCOPY_source_gref);
            assertEquals(0, b.hv.hypercall(0, 0, io.xenabi.abi.Hypercall.__HYPERVISOR_grant_table_op,
                    io.xenabi.gnttab.GnttabOp.GNTTABOP_copy, copy, 1));
            assertEquals(io.xenabi.gnttab.GnttabStatus.GNTST_okay,
                    (short) m.read16(copy + io.xenabi.gnttab.GnttabOp.COPY_STATUS));
            for (int off = 0; off < 64; off++) {
                assertEquals((byte) ((pages - 1) * 31 + (16 + off) * 7 + 1), (byte) m.read8((dest << 12) + off),
                        "copied byte " + off);
            }
            g.say("mapped");
            g.awaitLine("grant: every end of access refused while mapped: " + pages);
            for (int i = 0; i < pages; i++) {
                long op = ops + (long) i * io.xenabi.gnttab.GnttabOp.SIZEOF_UNMAP_GRANT_REF;
                m.write64(op + io.xenabi.gnttab.GnttabOp.UNMAP_HOST_ADDR, (firstHost + i) << 12);
                m.write64(op + io.xenabi.gnttab.GnttabOp.UNMAP_DEV_BUS_ADDR, 0);
                m.write32(op + io.xenabi.gnttab.GnttabOp.UNMAP_HANDLE, handles[i]);
            }
            assertEquals(0, b.hv.hypercall(0, 0, io.xenabi.abi.Hypercall.__HYPERVISOR_grant_table_op,
                    io.xenabi.gnttab.GnttabOp.GNTTABOP_unmap_grant_ref, ops, pages));
            for (int i = 0; i < pages; i++) {
                assertEquals(io.xenabi.gnttab.GnttabStatus.GNTST_okay, (short) m.read16(ops
                        + (long) i * io.xenabi.gnttab.GnttabOp.SIZEOF_UNMAP_GRANT_REF
                        + io.xenabi.gnttab.GnttabOp.UNMAP_STATUS), "unmap " + i);
            }
            String last = g.awaitLine("grant: abi=");
            assertTrue(last.startsWith("grant: abi=fifo granted=" + pages + " ended=" + pages + " "), last);
            g.exits(0);
        }
    }

    /** Domain-0 sends one event on its {@code port}. */
    private void sendFromDom0(int port) {
        long arg = 8192;
        b.hv.memory(0).write32(arg + io.xenabi.evtchn.EvtchnOp.PORT, port);
        assertEquals(0, b.hv.hypercall(0, 0, io.xenabi.abi.Hypercall.__HYPERVISOR_event_channel_op,
                io.xenabi.evtchn.EvtchnOp.EVTCHNOP_send, arg));
    }

    /** The native domain's end of its channel to Domain-0's {@code dom0Port}, as the hypervisor shows it. */
    private io.xenabi.domain.PortInfo portTo(int domid, int dom0Port) {
        return b.hv.ports(domid).stream().filter(i -> i.remoteDomain() == 0 && i.remotePort() == dom0Port).findFirst()
                .orElseThrow(() -> new AssertionError("no port of d" + domid + " bound to Domain-0's " + dom0Port
                        + ": " + b.hv.ports(domid)));
    }

    /**
     * Masked events are kept and delivered on unmask, with Linux's own mask and unmask
     * (disable_irq and enable_irq: events_base.c's disable_dynirq and enable_dynirq, then
     * events_fifo.c's or events_2l.c's mask and unmask). While the port is masked Domain-0 sends
     * five events: none is handled, the hypervisor shows the port pending and masked, and Linux's
     * xen_test_irq_pending agrees. On unmask Linux finds it pending and asks Xen
     * (EVTCHNOP_unmask: FIFO always for a pending event, 2-level because an HVM guest does),
     * which raises one upcall: the five events were one, as the ABI's single pending bit
     * coalesces them, and the handler runs exactly once. One more event afterwards is handled
     * too (the late EOI unmasked the port again).
     */
    @ParameterizedTest(name = "masked events kept and delivered on unmask, {0}")
    @CsvSource({"fifo", "2l"})
    void eventsSentWhileLinuxMasksThePortAreKeptAndArriveAsOneOnUnmask(String abi) throws Exception {
        long permit = abi.equals("fifo") ? AbiCapability.ALL : 0;
        int domid = b.hv.create(DomainConfig.named("masked").withType(DomainType.PVH, true).withMemoryMiB(32)
                .withAbiPermit(permit).withNativeGuest(true));
        int port = unboundPortOfDom0(domid);
        List<String> cmd = new ArrayList<>(List.of("masked", "--remote", "0", "--remote-port", Integer.toString(port)));
        if (abi.equals("2l")) {
            cmd.add("--2l");
        }
        try (Guest g = new Guest(b.bridge.socket(domid), domid, cmd)) {
            g.awaitLine("masked: abi=" + abi + " masked, waiting for the peer");
            io.xenabi.domain.PortInfo before = portTo(domid, port);
            assertTrue(before.masked(), before.toString());
            assertFalse(before.pending(), before.toString());
            for (int i = 0; i < 5; i++) {
                sendFromDom0(port);
            }
            io.xenabi.domain.PortInfo held = portTo(domid, port);
            assertTrue(held.masked() && held.pending(), "after 5 sends while masked: " + held);
            g.say("sent");
            String line = g.awaitLine("masked: abi=" + abi + " handled-while-masked=");
            assertEquals("masked: abi=" + abi + " handled-while-masked=0 pending-while-masked=1"
                    + " handled-after-unmask=1 upcalls-after-unmask=1", line, g.output());
            io.xenabi.domain.PortInfo after = portTo(domid, port);
            assertFalse(after.masked() || after.pending(), "after the handler's late EOI: " + after);
            sendFromDom0(port);
            g.say("again");
            assertEquals("masked: abi=" + abi + " handled-after-one-more=1",
                    g.awaitLine("masked: abi=" + abi + " handled-after-one-more="), g.output());
            g.exits(0);
        }
    }

    /**
     * A native guest process whose output is read line by line as it comes and whose standard
     * input paces it (a scenario waiting for the test's go-ahead).
     */
    static final class Guest implements AutoCloseable {
        private final Process p;
        private final StringBuilder out = new StringBuilder();
        private final java.util.concurrent.LinkedBlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
        private final Thread reader;

        Guest(Path socket, int domid, List<String> scenario) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(GUEST.toString(), "--socket", socket.toString(), "--domid",
                    Integer.toString(domid)));
            cmd.addAll(scenario);
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            reader = new Thread(() -> {
                try (java.io.BufferedReader r = new java.io.BufferedReader(
                        new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null;) {
                        synchronized (out) {
                            out.append(line).append('\n');
                        }
                        lines.add(line);
                    }
                } catch (IOException e) {
                    lines.add("(output lost)");
                }
                lines.add("(end)");
            });
            reader.start();
        }

        /** The next line of the guest's output starting with {@code prefix}; fails at its end or after 60 s. */
        String awaitLine(String prefix) throws InterruptedException {
            while (true) {
                String line = lines.poll(60, TimeUnit.SECONDS);
                if (line == null || line.equals("(end)")) {
                    fail("no line \"" + prefix + "\" from the native guest:\n" + output());
                }
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
        }

        /** One line on the guest's standard input. */
        void say(String line) throws IOException {
            p.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().flush();
        }

        /** Waits for the exit (60 s at most) and checks its status. */
        void exits(int status) throws InterruptedException {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), output());
            reader.join(5000);
            assertEquals(status, p.exitValue(), output());
        }

        String output() {
            synchronized (out) {
                return out.toString();
            }
        }

        @Override
        public void close() throws InterruptedException {
            p.destroyForcibly();
            reader.join(5000);
        }
    }
}
