#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A stand-in bridge for trying the native guest without xenabi: it serves
the bridge protocol (docs/native-guests.md) for one domain, logs every
hypercall the guest issues, and answers from a small table (not a
hypervisor: no event delivery beyond 2-level IPIs, no grants mapped).

  trace-bridge.py [--fifo] [--vcpus N] [--ram-mib M] DIR -- native-guest ARGS...
                  [--then native-guest ARGS...]

--fifo permits FIFO (EVTCHNOP_init_control succeeds and the domain switches).
Runs each guest in turn with --socket DIR/dom.sock in the same domain (a
guest that ends with SHUTDOWN_suspend hands the domain to the next, event
channels as they are), prints one line per hypercall."""
import mmap, os, socket, struct, subprocess, sys, threading

MAGIC, VERSION = 0x4247584E, 1
HDR = struct.Struct('<IHHII')
SIZES = {1: 32, 2: 296, 3: 72, 4: 24, 5: 24, 6: 304, 7: 24, 8: 136}
HYPERCALLS = {12: 'memory_op', 17: 'xen_version', 20: 'grant_table_op', 24: 'vcpu_op',
              29: 'sched_op', 32: 'event_channel_op', 34: 'hvm_op', 33: 'physdev_op'}
SUB = {
    'event_channel_op': {0: 'bind_interdomain', 1: 'bind_virq', 3: 'close', 4: 'send', 5: 'status',
                         6: 'alloc_unbound', 7: 'bind_ipi', 8: 'bind_vcpu', 9: 'unmask',
                         11: 'init_control', 12: 'expand_array', 13: 'set_priority'},
    'grant_table_op': {0: 'map_grant_ref', 1: 'unmap_grant_ref', 2: 'setup_table', 5: 'copy',
                       6: 'query_size', 8: 'set_version', 10: 'get_version'},
    'memory_op': {7: 'add_to_physmap'}, 'xen_version': {6: 'get_features'},
    'vcpu_op': {10: 'register_vcpu_info', 6: 'is_up'},
    'sched_op': {0: 'yield', 1: 'block', 2: 'shutdown', 3: 'poll'},
    'hvm_op': {0: 'set_param', 1: 'get_param'},
}
EOPNOTSUPP, ENOSYS = 95, 38


class Domain:
    def __init__(self, args):
        self.fifo = '--fifo' in args
        self.vcpus = int(args[args.index('--vcpus') + 1]) if '--vcpus' in args else 1
        self.ram_bytes = (int(args[args.index('--ram-mib') + 1]) if '--ram-mib' in args else 16) << 20
        self.lock = threading.Condition()
        self.next_port = 1
        self.ports = {}          # port -> (kind, vcpu)
        self.shared_info = None  # gpa
        self.vcpu_info = {}      # vcpu -> gpa
        self.conns = {}
        self.abi = '2l'
        self.ctrl = {}           # vcpu -> gpa of its FIFO control block
        self.arrays = []         # gpas of the FIFO event array pages
        self.tails = {}          # (vcpu, priority) -> port

    def u32(self, gpa, off=0):
        return struct.unpack_from('<I', self.ram, gpa + off)[0]

    def put(self, fmt, gpa, off, *v):
        struct.pack_into(fmt, self.ram, gpa + off, *v)

    def alloc_port(self, kind, vcpu=0):
        p = self.next_port
        self.next_port += 1
        self.ports[p] = (kind, vcpu)
        return p

    def raise_2l(self, port):
        """Xen's evtchn_2l_set_pending (event_2l.c)."""
        kind, vcpu = self.ports[port]
        if self.shared_info is None:
            return
        si = self.shared_info
        word, bit = port // 64, port % 64
        pend = struct.unpack_from('<Q', self.ram, si + 2048 + 8 * word)[0]
        mask = struct.unpack_from('<Q', self.ram, si + 2560 + 8 * word)[0]
        self.put('<Q', si, 2048 + 8 * word, pend | (1 << bit))
        if mask & (1 << bit) or pend & (1 << bit):
            return
        vi = self.vcpu_info.get(vcpu, si + 64 * vcpu)
        sel = struct.unpack_from('<Q', self.ram, vi + 8)[0]
        self.put('<Q', vi, 8, sel | (1 << word))
        if self.ram[vi] == 0:
            self.ram[vi] = 1
            self.kick(vcpu)

    def raise_port(self, port):
        if self.abi == 'fifo':
            self.raise_fifo(port)
        else:
            self.raise_2l(port)

    def fifo_word(self, port):
        page = port // 1024
        return self.arrays[page] + 4 * (port % 1024) if page < len(self.arrays) else None

    def raise_fifo(self, port):
        """Xen's evtchn_fifo_set_pending at priority 7 (event_fifo.c), without
        its atomics: enough for a stand-in."""
        kind, vcpu = self.ports[port]
        w = self.fifo_word(port)
        if w is None:
            return
        word = self.u32(w)
        self.put('<I', w, 0, word | (1 << 31))
        if word & ((1 << 30) | (1 << 29)):      # MASKED or LINKED
            return
        q = self.ctrl.get(vcpu)
        if q is None:
            return
        linked = False
        tail = self.tails.get((vcpu, 7))
        if tail:
            tw = self.fifo_word(tail)
            tword = self.u32(tw)
            if tword & (1 << 29):
                self.put('<I', tw, 0, (tword & ~0x1ffff) | port)
                linked = True
        self.put('<I', w, 0, self.u32(w) | (1 << 29))
        if not linked:
            self.put('<I', q, 8 + 4 * 7, port)
        self.tails[(vcpu, 7)] = port
        ready = self.u32(q)
        if not ready & (1 << 7):
            self.put('<I', q, 0, ready | (1 << 7))
            vi = self.vcpu_info.get(vcpu, self.shared_info + 64 * vcpu)
            if self.ram[vi] == 0:
                self.ram[vi] = 1
                self.kick(vcpu)

    def unmask_2l(self, port):
        """Xen's evtchn_2l_unmask: clear the mask; a pending port is raised."""
        if port not in self.ports:
            return
        if self.abi == 'fifo':
            # Xen's evtchn_fifo_unmask: clear MASKED, raise a pending event
            w = self.fifo_word(port)
            if w is not None:
                self.put('<I', w, 0, self.u32(w) & ~(1 << 30))
                if self.u32(w) & (1 << 31):
                    self.put('<I', w, 0, self.u32(w) & ~(1 << 31))
                    self.raise_fifo(port)
            return
        si = self.shared_info
        word, bit = port // 64, port % 64
        mask = struct.unpack_from('<Q', self.ram, si + 2560 + 8 * word)[0]
        self.put('<Q', si, 2560 + 8 * word, mask & ~(1 << bit))
        pend = struct.unpack_from('<Q', self.ram, si + 2048 + 8 * word)[0]
        if pend & (1 << bit):
            vcpu = self.ports[port][1]
            vi = self.vcpu_info.get(vcpu, si + 64 * vcpu)
            sel = struct.unpack_from('<Q', self.ram, vi + 8)[0]
            self.put('<Q', vi, 8, sel | (1 << word))
            if self.ram[vi] == 0:
                self.ram[vi] = 1
                self.kick(vcpu)

    def kick(self, vcpu):
        c = self.conns.get(vcpu)
        if c:
            c.send_frame(5, struct.pack('<II', vcpu, 0))
        with self.lock:
            self.lock.notify_all()

    def physmap(self, vcpu, gfn, path, offset, prot):
        body = struct.pack('<QQIIQ', gfn, 1, 1, prot, offset) + path.encode().ljust(256, b'\0')
        self.conns[vcpu].send_frame(6, body, 1000 + gfn)

    def hypercall(self, vcpu, op, a):
        name = HYPERCALLS.get(op, 'op%d' % op)
        sub = SUB.get(name, {}).get(a[0], str(a[0]))
        rc = self.answer(vcpu, name, sub, a)
        line = 'vcpu%d %s(%s) -> %d' % (vcpu, name, sub, rc)
        print(line, flush=True)
        return rc

    def answer(self, vcpu, name, sub, a):
        p = a[1]
        if name == 'xen_version' and sub == 'get_features':
            idx = self.u32(p)
            # XENFEAT_auto_translated_physmap (2), hvm_callback_vector (8)
            self.put('<I', p, 4, (1 << 2) | (1 << 8) if idx == 0 else 0)
            return 0
        if name == 'memory_op' and sub == 'add_to_physmap':
            space, gpfn = self.u32(p, 8), struct.unpack_from('<Q', self.ram, p + 16)[0]
            if space == 0:  # XENMAPSPACE_shared_info
                self.shared_info = gpfn << 12
            return 0
        if name == 'vcpu_op' and sub == 'register_vcpu_info':
            mfn, off = struct.unpack_from('<QI', self.ram, a[2])
            if a[1] in self.vcpu_info:
                return -16  # EBUSY: Xen registers once
            self.vcpu_info[a[1]] = (mfn << 12) + off
            return 0
        if name == 'hvm_op':
            if sub == 'set_param':
                domid, index, value = struct.unpack_from('<HxxIQ', self.ram, p)
                print('  set_param domid=%#x index=%d value=%#x' % (domid, index, value), flush=True)
            return 0
        if name == 'event_channel_op':
            if sub == 'init_control':
                if not self.fifo:
                    return -EOPNOTSUPP
                gfn, off, v = struct.unpack_from('<QII', self.ram, p)
                if v in self.ctrl:
                    return -16  # EBUSY: already set up
                self.ctrl[v] = (gfn << 12) + off
                self.abi = 'fifo'
                self.put('<B', p, 16, 17)
                return 0
            if sub == 'expand_array':
                if self.abi != 'fifo':
                    return -EOPNOTSUPP
                self.arrays.append(struct.unpack_from('<Q', self.ram, p)[0] << 12)
                return 0
            if sub == 'bind_ipi':
                self.put('<I', p, 4, self.alloc_port('ipi', self.u32(p)))
                return 0
            if sub == 'alloc_unbound':
                self.put('<I', p, 4, self.alloc_port('unbound'))
                return 0
            if sub == 'bind_interdomain':
                port = self.alloc_port('interdomain')
                self.put('<I', p, 8, port)
                self.raise_port(port)  # Xen's conservative notification
                return 0
            if sub == 'send':
                port = self.u32(p)
                # an IPI goes to its vCPU; an interdomain send is echoed back
                # by a pretend peer
                if port in self.ports and self.ports[port][0] in ('ipi', 'interdomain'):
                    self.raise_port(port)
                return 0
            if sub == 'unmask':
                self.unmask_2l(self.u32(p))
                return 0
            if sub == 'bind_vcpu':
                port, vcpu = struct.unpack_from('<II', self.ram, p)
                self.ports[port] = (self.ports[port][0], vcpu)
                return 0
            if sub == 'close':
                return 0
            return -ENOSYS
        if name == 'grant_table_op':
            if sub == 'map_grant_ref':
                # pretend peer: a grant of position i holds the pattern of
                # scenarios.c; the page comes as a PHYSMAP from its own file
                for i in range(a[2]):
                    op_ = p + 32 * i
                    host, flags, ref = struct.unpack_from('<QII', self.ram, op_)
                    path = os.path.join(self.dir, 'grant-%d' % ref)
                    with open(path, 'wb') as f:
                        f.write(bytes((i * 31 + off * 7 + 1) & 0xff for off in range(4096)))
                    self.physmap(vcpu, host >> 12, path, 0, 1 if flags & 4 else 3)
                    self.put('<hI', op_, 18, 0, 100 + i)
                return 0
            if sub == 'unmap_grant_ref':
                for i in range(a[2]):
                    op_ = p + 24 * i
                    host = struct.unpack_from('<Q', self.ram, op_)[0]
                    self.physmap(vcpu, host >> 12, '', host & ~0xfff, 3)
                    self.put('<h', op_, 20, 0)
                return 0
            if sub == 'query_size':
                self.put('<IIh', p, 4, 1, 64, 0)
                return 0
            if sub in ('set_version', 'get_version'):
                self.put('<I', p, 0, 1)
                return 0
            return -ENOSYS
        if name == 'sched_op':
            if sub == 'block':
                with self.lock:
                    vi = self.vcpu_info.get(vcpu)
                    while vi is not None and self.ram[vi] == 0 and not self.done:
                        self.lock.wait(0.5)
                return 0
            return 0
        return -ENOSYS


class Conn:
    def __init__(self, dom, s):
        self.dom, self.s, self.wlock = dom, s, threading.Lock()

    def send_frame(self, t, body, seq=0):
        data = HDR.pack(MAGIC, VERSION, t, 16 + len(body), seq) + body
        assert len(data) == SIZES[t]
        with self.wlock:
            self.s.sendall(data)

    def recv(self, n):
        b = b''
        while len(b) < n:
            c = self.s.recv(n - len(b))
            if not c:
                raise EOFError
            b += c
        return b

    def serve(self):
        dom = self.dom
        try:
            while True:
                magic, ver, t, length, seq = HDR.unpack(self.recv(16))
                if magic != MAGIC or ver != VERSION or SIZES.get(t) != length:
                    print('bad frame', magic, ver, t, length, flush=True)
                    return
                body = self.recv(length - 16)
                if t == 1:
                    _domid, vcpu, _pid, _ram = struct.unpack('<HHIQ', body)
                    self.vcpu = vcpu
                    dom.conns[vcpu] = self
                    path = dom.ram_path.encode().ljust(256, b'\0')
                    self.send_frame(2, struct.pack('<iHHIIQ', 0, 1, vcpu, dom.vcpus, 0, dom.ram_bytes) + path, seq)
                elif t == 3:
                    op, *a = struct.unpack('<7Q', body)
                    rc = dom.hypercall(self.vcpu, op, a)
                    self.send_frame(4, struct.pack('<q', rc), seq)
                elif t == 7:
                    status = struct.unpack_from('<i', body)[0]
                    print('  physmap seq %d done status %d' % (seq, status), flush=True)
        except EOFError:
            pass


def main():
    argv = sys.argv[1:]
    sep = argv.index('--')
    opts, guest = argv[:sep], argv[sep + 1:]
    d = opts[-1]
    dom = Domain(opts)
    os.makedirs(d, exist_ok=True)
    dom.ram_path = os.path.join(d, 'dom.ram')
    dom.dir = d
    with open(dom.ram_path, 'wb') as f:
        f.truncate(dom.ram_bytes)
    fd = os.open(dom.ram_path, os.O_RDWR)
    dom.ram = mmap.mmap(fd, dom.ram_bytes)
    sock = os.path.join(d, 'dom.sock')
    if os.path.exists(sock):
        os.unlink(sock)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sock)
    srv.listen(8)
    def accept():
        while True:
            try:
                s, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=Conn(dom, s).serve, daemon=True).start()
    threading.Thread(target=accept, daemon=True).start()
    guests = [[]]
    for w in guest:
        if w == '--then':
            guests.append([])
        else:
            guests[-1].append(w)
    for g in guests:
        dom.done = False
        proc = subprocess.Popen(g[:1] + ['--socket', sock] + g[1:])
        rc = proc.wait()
        dom.done = True
        with dom.lock:
            dom.lock.notify_all()
        print('guest exit status %d (domain on %s)' % (rc, dom.abi), flush=True)
    return rc


if __name__ == '__main__':
    sys.exit(main())
