package io.xenabi.guest.front;

import static org.junit.jupiter.api.Assertions.*;

import io.xenabi.abi.GuestPage;
import io.xenabi.abi.SharedInfo;
import io.xenabi.evtchn.EvtchnFifo;
import io.xenabi.evtchn.EvtchnOp;
import io.xenabi.gnttab.GrantEntryLayout;
import io.xenabi.gnttab.GrantFlags;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrontTest {
    private static final int PENDING = 1 << EvtchnFifo.EVTCHN_FIFO_PENDING;
    private static final int MASKED = 1 << EvtchnFifo.EVTCHN_FIFO_MASKED;
    private static final int LINKED = 1 << EvtchnFifo.EVTCHN_FIFO_LINKED;

    private final FakeXen xen = new FakeXen();
    private final Layout layout = Layout.standard(2);
    private final Hypercalls calls = new Hypercalls(xen, 7, xen.memory);
    private final ArgStack args = ArgStack.standard(xen.memory, layout, () -> -1);

    private GuestPage sharedInfo() {
        return EvtchnBoot.mapSharedInfo(calls, args, layout);
    }

    @Test
    void bootProbesFifoOnEveryVcpuEachIssuedByThatVcpu() {
        EvtchnBoot.Chosen c = EvtchnBoot.boot(calls, args, layout, sharedInfo(), true);
        assertEquals("fifo", c.ops().name());
        assertEquals("", c.fallbackReason());
        assertEquals(List.of("memory/7@0", "evtchn/11@0", "evtchn/11@1"), xen.calls);
        assertEquals(17, ((FifoEvents) c.ops()).linkBits());
    }

    @Test
    void bootFallsBackToTwoLevelAndResetsWhenALaterVcpuFails() {
        xen.initControlFails = v -> v == 1;
        EvtchnBoot.Chosen c = EvtchnBoot.boot(calls, args, layout, sharedInfo(), true);
        assertEquals("2l", c.ops().name());
        assertEquals("EVTCHNOP_init_control(vcpu 1): -EINVAL", c.fallbackReason());
        assertEquals("evtchn/" + EvtchnOp.EVTCHNOP_reset + "@0", xen.calls.get(xen.calls.size() - 1));
        assertTrue(c.ops().isMasked(5), "2-level boots with every port masked");
    }

    @Test
    void bootWithoutFifoProbesNothing() {
        EvtchnBoot.Chosen c = EvtchnBoot.boot(calls, args, layout, sharedInfo(), false);
        assertEquals("2l", c.ops().name());
        assertEquals(List.of("memory/7@0"), xen.calls);
    }

    @Test
    void resumeOnTwoLevelProbesNothingAndResumeOnFifoSetsEveryControlBlockUpAgain() {
        GuestPage shared = sharedInfo();
        xen.calls.clear();
        assertEquals("2l", EvtchnBoot.resume(calls, args, layout, shared, "2l").name());
        assertEquals(List.of(), xen.calls, "a 2-level kernel resumes without a hypercall");
        FifoEvents fifo = (FifoEvents) EvtchnBoot.resume(calls, args, layout, shared, "fifo");
        assertEquals(List.of("evtchn/11@0", "evtchn/11@1"), xen.calls);
        assertEquals(0, fifo.eventArrayPages(), "the event array starts out empty again");
        assertNotNull(fifo.controlBlock(1));
    }

    @Test
    void resumeOnFifoFailsInOneLineWhereInitControlFails() {
        xen.initControlFails = v -> true;
        FrontException e = assertThrows(FrontException.class,
                () -> EvtchnBoot.resume(calls, args, layout, sharedInfo(), "fifo"));
        assertEquals("resuming on fifo: EVTCHNOP_init_control: -EINVAL", e.getMessage());
        assertFalse(xen.calls.contains("evtchn/" + EvtchnOp.EVTCHNOP_reset + "@0"), "no fallback on resume");
    }

    @Test
    void fifoResumeClearsTheLocalHeadsAndTheControlBlock() {
        FifoEvents fifo = (FifoEvents) EvtchnBoot.boot(calls, args, layout, sharedInfo(), true).ops();
        fifo.controlBlock(0).set32(EvtchnFifo.CONTROL_BLOCK_READY, 1);
        assertEquals(0, fifo.resume());
        assertEquals(0, fifo.controlBlock(0).get32(EvtchnFifo.CONTROL_BLOCK_READY));
    }

    @Test
    void twoLevelConsumerTakesPendingUnmaskedOwnedPortsAndClearsPending() {
        GuestPage shared = sharedInfo();
        TwoLevelEvents ops = new TwoLevelEvents(shared, calls, args, 2);
        for (int port : new int[] {3, 70, 71}) {
            shared.testAndSetBit(SharedInfo.EVTCHN_PENDING, port);
        }
        shared.testAndSetBit(SharedInfo.EVTCHN_MASK, 71);
        shared.set64(SharedInfo.vcpuInfo(0) + SharedInfo.VCPU_EVTCHN_PENDING_SEL, 0b11);
        List<Integer> got = new ArrayList<>();
        EvtchnOps.Dispatcher d = new EvtchnOps.Dispatcher() {
            @Override
            public void deliver(int vcpu, int port) {
                got.add(port);
            }

            @Override
            public boolean owns(int vcpu, int port) {
                return port != 70;
            }
        };
        assertEquals(1, ops.handleEvents(0, d));
        assertEquals(List.of(3), got);
        assertFalse(ops.isPending(3));
        assertTrue(ops.isPending(70), "a port of another vCPU is left pending");
        assertTrue(ops.isPending(71), "a masked port is left pending");
        assertEquals(0, shared.get64(SharedInfo.vcpuInfo(0) + SharedInfo.VCPU_EVTCHN_PENDING_SEL));
    }

    @Test
    void fifoConsumerWalksTheQueueByLinkAndSkipsMaskedEvents() {
        FifoEvents fifo = (FifoEvents) EvtchnBoot.boot(calls, args, layout, sharedInfo(), true).ops();
        assertEquals(0, fifo.setup(10));
        GuestPage words = fifo.eventPage(5);
        int q = EvtchnFifo.EVTCHN_FIFO_PRIORITY_DEFAULT;
        words.set32(4 * 5, PENDING | LINKED | 6);
        words.set32(4 * 6, PENDING | LINKED | MASKED | 9);
        words.set32(4 * 9, PENDING | LINKED);
        fifo.controlBlock(0).set32(EvtchnFifo.head(q), 5);
        fifo.controlBlock(0).set32(EvtchnFifo.CONTROL_BLOCK_READY, 1 << q);
        List<Integer> got = new ArrayList<>();
        assertEquals(2, fifo.handleEvents(0, (v, p) -> got.add(p)));
        assertEquals(List.of(5, 9), got);
        assertEquals(PENDING | MASKED, fifo.word(6), "the masked event left the queue, still pending");
        assertFalse(fifo.isLinked(5) || fifo.isLinked(9));
        assertEquals(0, fifo.handleEvents(1, (v, p) -> got.add(p)), "vCPU 1's queues are empty");
    }

    @Test
    void fifoUnmaskClearsMaskedItselfUnlessPendingThenAsksXen() {
        FifoEvents fifo = (FifoEvents) EvtchnBoot.boot(calls, args, layout, sharedInfo(), true).ops();
        fifo.setup(1);
        xen.calls.clear();
        fifo.unmask(1, 1);
        assertFalse(fifo.isMasked(1));
        assertEquals(List.of(), xen.calls);
        fifo.mask(2);
        fifo.eventPage(2).getAndOr32(8, PENDING);
        fifo.unmask(1, 2);
        assertEquals(List.of("evtchn/" + EvtchnOp.EVTCHNOP_unmask + "@1"), xen.calls);
    }

    @Test
    void structsGoWhereXenReadsThem() {
        long gpa = 4096 * 20;
        assertEquals(1, calls.bindIpi(1, gpa, 1));
        assertEquals(1, xen.memory.read32(gpa + EvtchnOp.BIND_IPI_VCPU));
        calls.bindInterdomain(0, gpa, 3, 44);
        assertEquals(3, xen.memory.read16(gpa + EvtchnOp.BIND_INTERDOMAIN_REMOTE_DOM));
        assertEquals(44, xen.memory.read32(gpa + EvtchnOp.BIND_INTERDOMAIN_REMOTE_PORT));
    }

    @Test
    void grantEntriesOfV1AndV2() {
        GrantFront g = new GrantFront(calls, layout, args);
        g.mapFrames(1);
        g.grantAccess(9, 3, 0x1234, true);
        long e = layout.grantFrameGfn(0) * 4096 + 9 * 8L;
        assertEquals(0x1234, xen.memory.read32(e + GrantEntryLayout.V1_FRAME));
        assertEquals(3, xen.memory.read16(e + GrantEntryLayout.V1_DOMID));
        assertEquals(GrantFlags.GTF_permit_access | GrantFlags.GTF_readonly,
                xen.memory.read16(e + GrantEntryLayout.V1_FLAGS));
        xen.memory.write16(e, GrantFlags.GTF_permit_access | GrantFlags.GTF_reading);
        assertFalse(g.endAccess(9), "in use: the grant stays");
        xen.memory.write16(e, GrantFlags.GTF_permit_access);
        assertTrue(g.endAccess(9));
        assertEquals(0, xen.memory.read16(e));

        assertEquals(0, g.setVersion(0, 2));
        assertEquals(2, g.version());
        g.grantAccess(300, 4, 0x5678, false);
        long e2 = layout.grantFrameGfn(1) * 4096 + (300 - 256) * 16L;
        assertEquals(0x5678, xen.memory.read64(e2 + GrantEntryLayout.V2_FULL_PAGE_FRAME));
        assertEquals(GrantFlags.GTF_permit_access, xen.memory.read16(e2 + GrantEntryLayout.V2_FLAGS));
        xen.memory.write16(layout.statusFrameGfn(0) * 4096 + 300 * 2, GrantFlags.GTF_writing);
        assertFalse(g.endAccess(300));
        assertEquals(0, xen.memory.read16(e2 + GrantEntryLayout.V2_FLAGS), "v2 clears the flags first");
        assertEquals(1, GrantFront.statusFrames(8));
    }
}
