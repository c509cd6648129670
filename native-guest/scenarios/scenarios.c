// SPDX-License-Identifier: MIT
/*
 * Scenario drivers: each boots the real Linux events code (and grant-table
 * code) through ng_guest_boot and then drives it through its public API
 * (include/xen/events.h, include/xen/grant_table.h). Upcalls reach the
 * handlers below only through events_base.c's xen_evtchn_do_upcall.
 *
 * Result lines (stdout) are "NAME: key=value ...", one per scenario run.
 */
#include <ng/kernel.h>
#include <ng/irq.h>
#include <ng/guest.h>
#include <xen/xen.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/xenbus.h>
#include <xen/interface/event_channel.h>
#include <xen/interface/sched.h>
#include <asm/xen/hypercall.h>

static const char *abi_name(void)
{
	return xen_fifo_events ? "fifo" : "2l";
}

static int boot(int fifo, int grants)
{
	struct ng_boot_options o = { .fifo_events = fifo, .grant_table = grants };
	int rc = ng_guest_boot(&o);

	if (rc)
		ng_result("boot: failed rc=%d\n", rc);
	return rc;
}

/* Wait, taking upcalls, until *counter reaches want or timeout_ms passes. */
static bool wait_for(volatile unsigned long *counter, unsigned long want, unsigned long timeout_ms)
{
	unsigned long long deadline = ng_now_ns() + (unsigned long long)timeout_ms * NSEC_PER_MSEC;

	local_irq_enable();
	while (READ_ONCE(*counter) < want) {
		if (ng_now_ns() > deadline)
			return false;
		ng_poll_bridge();
		ng_run_deferred();
		if (READ_ONCE(*counter) < want)
			ng_delay_ns(10000);
	}
	return true;
}

/* ---- boot: xen_init_IRQ picks FIFO, else 2-level ---- */
static int run_boot(int argc, char **argv)
{
	int fifo = !ng_flag(argc, argv, "--2l");

	if (boot(fifo, ng_flag(argc, argv, "--grants")))
		return 1;
	ng_result("boot: abi=%s vcpus=%u channels=%u\n", abi_name(), nr_cpu_ids,
		  xen_evtchn_nr_channels());
	return 0;
}

/* ---- ping and pong over an interdomain channel ---- */
static volatile unsigned long events_seen;
static int echo_irq = -1;

static irqreturn_t count_event(int irq, void *dev_id)
{
	(void)dev_id;
	events_seen++;
	xen_irq_lateeoi(irq, 0);
	return IRQ_HANDLED;
}

static irqreturn_t echo_event(int irq, void *dev_id)
{
	(void)dev_id;
	events_seen++;
	notify_remote_via_irq(irq);
	xen_irq_lateeoi(irq, 0);
	return IRQ_HANDLED;
}

/* Boot, then bind --remote D's --remote-port P with count_event (late EOI):
 * the irq, or -1 after a result line naming the scenario. */
static int boot_and_bind_peer(int argc, char **argv, bool two_level, const char *name)
{
	static struct xenbus_device peer;
	int irq;

	peer.otherend_id = (int)ng_arg(argc, argv, "--remote", 0);
	if (boot(!two_level, 0))
		return -1;
	irq = bind_interdomain_evtchn_to_irqhandler_lateeoi(&peer,
			(evtchn_port_t)ng_arg(argc, argv, "--remote-port", 0),
			count_event, 0, name, NULL);
	if (irq < 0) {
		ng_result("%s: bind failed rc=%d abi=%s\n", name, irq, abi_name());
		return -1;
	}
	return irq;
}

/* ping --remote D --remote-port P [--count N] [--timeout-ms T] [--2l] [--cpu C]:
 * bind to the peer's unbound port, then N round trips; a round trip
 * without an answer within T ms counts as lost. */
static int ping(int argc, char **argv, bool two_level)
{
	unsigned long count = ng_arg(argc, argv, "--count", 100);
	unsigned long timeout = ng_arg(argc, argv, "--timeout-ms", 50);
	unsigned long cpu = ng_arg(argc, argv, "--cpu", 0);
	unsigned long i, lost = 0, base;
	unsigned long long t0, t1;
	int irq;

	irq = boot_and_bind_peer(argc, argv, two_level, "ping");
	if (irq < 0)
		return 1;
	if (cpu != 0 && irq_set_affinity(irq, cpumask_of(cpu)) != 0) {
		ng_result("ping: moving the channel to vCPU %lu failed abi=%s\n", cpu, abi_name());
		return 1;
	}
	/* Xen sets a freshly bound port pending (evtchn_bind_interdomain). */
	wait_for(&events_seen, 1, 20);
	base = events_seen;
	t0 = ng_now_ns();
	for (i = 0; i < count; i++) {
		unsigned long want = events_seen + 1;

		notify_remote_via_irq(irq);
		if (!wait_for(&events_seen, want, timeout))
			lost++;
	}
	t1 = ng_now_ns();
	ng_result("ping: abi=%s sent=%lu replies=%lu lost=%lu bind-events=%lu mean-us=%llu\n",
		  abi_name(), count, events_seen - base, lost, base,
		  count ? (t1 - t0) / count / 1000 : 0);
	unbind_from_irqhandler(irq, NULL);
	return lost ? 3 : 0;
}

static int run_ping(int argc, char **argv)
{
	return ping(argc, argv, ng_flag(argc, argv, "--2l"));
}

/* The resumed kernel of the 2019 thread: its events code was set up for
 * 2-level on its first boot (a host without FIFO), so it never asks for
 * FIFO; it pings a peer and counts what is lost. */
static int run_resumed(int argc, char **argv)
{
	return ping(argc, argv, true);
}

/* pong --remote D [--count N] [--2l]: offer an unbound port to D, print it,
 * echo every event until N came. */
static int run_pong(int argc, char **argv)
{
	struct evtchn_alloc_unbound *a;
	unsigned long count = ng_arg(argc, argv, "--count", 100);
	unsigned long timeout = ng_arg(argc, argv, "--timeout-ms", 60000);
	int rc;

	if (boot(!ng_flag(argc, argv, "--2l"), 0))
		return 1;
	a = kzalloc(sizeof(*a), GFP_KERNEL);
	a->dom = DOMID_SELF;
	a->remote_dom = (domid_t)ng_arg(argc, argv, "--remote", 0);
	rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, a);
	if (rc) {
		ng_result("pong: alloc_unbound failed rc=%d\n", rc);
		return 1;
	}
	echo_irq = bind_evtchn_to_irqhandler_lateeoi(a->port, echo_event, 0, "pong", NULL);
	if (echo_irq < 0) {
		ng_result("pong: bind failed rc=%d\n", echo_irq);
		return 1;
	}
	ng_result("pong: port=%u abi=%s\n", a->port, abi_name());
	kfree(a);
	rc = wait_for(&events_seen, count, timeout) ? 0 : 3;
	ng_result("pong: abi=%s echoed=%lu\n", abi_name(), events_seen);
	unbind_from_irqhandler(echo_irq, NULL);
	return rc;
}

/* masked --remote D --remote-port P [--2l]: the port masked through Linux's
 * own path (disable_irq: the chip's disable_dynirq, do_mask, the ABI's mask
 * in events_fifo.c or events_2l.c) while the peer sends; a line on stdin
 * says the peer has sent. Nothing may be handled while masked and the port
 * must show pending (xen_test_irq_pending); enable_irq then unmasks through
 * Linux's unmask (EVTCHNOP_unmask for a pending port of an HVM guest) and the
 * events the peer sent arrive as one, coalesced by the ABI's single pending
 * bit. A second line on stdin: the peer sent one more, which must arrive too
 * (the late EOI left the port unmasked). */
static int run_masked(int argc, char **argv)
{
	unsigned long base, while_masked, after_unmask, upcalls_before, upcalls_after;
	bool pending;
	int irq;

	irq = boot_and_bind_peer(argc, argv, ng_flag(argc, argv, "--2l"), "masked");
	if (irq < 0)
		return 1;
	/* Xen sets a freshly bound port pending (evtchn_bind_interdomain). */
	if (!wait_for(&events_seen, 1, 10000)) {
		ng_result("masked: the bind's event never came abi=%s\n", abi_name());
		return 1;
	}
	base = events_seen;
	disable_irq(irq);
	ng_result("masked: abi=%s masked, waiting for the peer\n", abi_name());
	if (ng_wait_stdin_line()) {
		ng_result("masked: no go-ahead on stdin\n");
		return 2;
	}
	/* The peer's sends returned before it wrote the line: any upcall they
	 * raised is in the socket already, and one poll takes it. */
	ng_poll_bridge();
	ng_run_deferred();
	while_masked = events_seen - base;
	pending = xen_test_irq_pending(irq);
	upcalls_before = ng_upcalls();
	enable_irq(irq);
	ng_poll_bridge();
	ng_run_deferred();
	after_unmask = events_seen - base - while_masked;
	upcalls_after = ng_upcalls() - upcalls_before;
	ng_result("masked: abi=%s handled-while-masked=%lu pending-while-masked=%d handled-after-unmask=%lu upcalls-after-unmask=%lu\n",
		  abi_name(), while_masked, pending, after_unmask, upcalls_after);
	if (ng_wait_stdin_line()) {
		ng_result("masked: no second go-ahead on stdin\n");
		return 2;
	}
	ng_poll_bridge();
	ng_run_deferred();
	ng_result("masked: abi=%s handled-after-one-more=%lu\n", abi_name(),
		  events_seen - base - while_masked - after_unmask);
	unbind_from_irqhandler(irq, NULL);
	return while_masked == 0 && pending && after_unmask == 1 && upcalls_after == 1 &&
	       events_seen - base == 2 ? 0 : 3;
}

/* ---- grants ---- */
#define MAX_GRANTS 64
/* Where a backend writes its replies in each granted page, and the u64 in
 * page 0 where the frontend rings "unmap now". */
#define REPLY_FROM 2048
#define DOORBELL 4088
/* What a backend writes in its own (ballooned) pages before it maps over
 * them: seen again after the unmap, the page is its own once more. */
#define OWN_MARK 0x5a
/* The bytes a peer in the test writes at 0..PEER_LEN-1 of granted page i
 * while it is mapped (map --wait-stdin). */
#define PEER_LEN 64

static u8 pattern(unsigned long i, unsigned long off)
{
	return (u8)(i * 31 + off * 7 + 1);
}

static u8 reply(unsigned long i, unsigned long off)
{
	return (u8)~pattern(i, off);
}

static u8 peer_mark(unsigned long i)
{
	return (u8)(0xa0 + i);
}

/* Takes upcalls until *flag is set or timeout_ms passes. */
static bool wait_flag(volatile u64 *flag, unsigned long timeout_ms)
{
	unsigned long long deadline = ng_now_ns() + (unsigned long long)timeout_ms * NSEC_PER_MSEC;

	local_irq_enable();
	while (!READ_ONCE(*flag)) {
		if (ng_now_ns() > deadline)
			return false;
		ng_poll_bridge();
		ng_run_deferred();
		ng_delay_ns(10000);
	}
	return true;
}

/* grant --remote D [--pages N] [--readonly] [--hold-ms T] [--wait-stdin]
 *       [--channel]:
 * grant N pages filled with a known pattern, print their refs; with
 * --hold-ms, keep them granted that long; with --wait-stdin, wait for a line
 * on standard input (the peer has mapped them) and print one line once every
 * page's end of access was refused while mapped. With --channel (the
 * frontend of a native pair): offer D an unbound port (printed with the
 * refs), wait for its event (mapped, replies written), check the replies,
 * try to end access (refused while mapped), ring the doorbell in page 0 and
 * notify, then wait for the second event (unmapped). Then end access
 * (refused while the peer maps a page, retried) and reclaim every page. */
static int run_grant(int argc, char **argv)
{
	unsigned long pages = ng_arg(argc, argv, "--pages", 4);
	unsigned long hold = ng_arg(argc, argv, "--hold-ms", 0);
	domid_t remote = (domid_t)ng_arg(argc, argv, "--remote", 0);
	int ro = ng_flag(argc, argv, "--readonly");
	int wait_peer = ng_flag(argc, argv, "--wait-stdin");
	int channel = ng_flag(argc, argv, "--channel");
	unsigned long i, off, granted = 0, ended = 0, refused = 0, replies = 0;
	unsigned long long deadline;
	grant_ref_t refs[MAX_GRANTS];
	u8 *page[MAX_GRANTS];
	int done[MAX_GRANTS] = { 0 };
	evtchn_port_t port = 0;
	int irq = -1;

	if (pages < 1 || pages > MAX_GRANTS) {
		ng_result("grant: --pages takes 1..%d\n", MAX_GRANTS);
		return 2;
	}
	if (boot(1, 1))
		return 1;
	for (i = 0; i < pages; i++) {
		int ref;

		page[i] = (u8 *)get_zeroed_page(GFP_KERNEL);
		for (off = 0; off < PAGE_SIZE; off++)
			page[i][off] = pattern(i, off);
		ref = gnttab_grant_foreign_access(remote, xen_page_to_gfn(virt_to_page(page[i])), ro);
		if (ref < 0) {
			ng_result("grant: grant %lu failed rc=%d\n", i, ref);
			return 1;
		}
		refs[i] = ref;
		granted++;
	}
	if (channel) {
		struct evtchn_alloc_unbound *a = kzalloc(sizeof(*a), GFP_KERNEL);
		int rc;

		a->dom = DOMID_SELF;
		a->remote_dom = remote;
		rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, a);
		port = a->port;
		kfree(a);
		if (rc) {
			ng_result("grant: alloc_unbound failed rc=%d\n", rc);
			return 1;
		}
		irq = bind_evtchn_to_irqhandler_lateeoi(port, count_event, 0, "front", NULL);
		if (irq < 0) {
			ng_result("grant: bind failed rc=%d\n", irq);
			return 1;
		}
	}
	ng_result("grant: refs=");
	for (i = 0; i < pages; i++)
		ng_result("%s%u", i ? "," : "", refs[i]);
	if (channel)
		ng_result(" port=%u", port);
	ng_result(" to=%u\n", remote);
	deadline = ng_now_ns() + (unsigned long long)hold * NSEC_PER_MSEC;
	local_irq_enable();
	while (ng_now_ns() < deadline) {
		ng_poll_bridge();
		ng_delay_ns(1000000);
	}
	if (wait_peer && ng_wait_stdin_line()) {
		ng_result("grant: no go-ahead on stdin\n");
		return 2;
	}
	if (channel) {
		if (!wait_for(&events_seen, 1, 60000)) {
			ng_result("grant: no event from the backend\n");
			return 3;
		}
		for (i = 0; i < pages; i++) {
			int ok = 1;

			for (off = REPLY_FROM; off < DOORBELL && ok; off++)
				ok = page[i][off] == reply(i, off);
			replies += ok;
		}
		for (i = 0; i < pages; i++)
			if (!gnttab_try_end_foreign_access(refs[i]))
				refused++;
		if (refused == granted)
			ng_result("grant: every end of access refused while mapped: %lu\n", refused);
		WRITE_ONCE(*(u64 *)(page[0] + DOORBELL), 1);
		notify_remote_via_irq(irq);
		if (!wait_for(&events_seen, 2, 60000)) {
			ng_result("grant: the backend never said it unmapped\n");
			return 3;
		}
	}
	/* gnttab_try_end_foreign_access is refused while the peer maps a page. */
	deadline = ng_now_ns() + 30ULL * NSEC_PER_SEC;
	while (ended < granted && ng_now_ns() < deadline) {
		unsigned long refused_before = refused;

		for (i = 0; i < pages; i++) {
			if (done[i])
				continue;
			if (gnttab_try_end_foreign_access(refs[i])) {
				done[i] = 1;
				ended++;
				free_page((unsigned long)page[i]);
			} else {
				refused++;
			}
		}
		if (wait_peer && refused_before == 0 && refused == granted)
			ng_result("grant: every end of access refused while mapped: %lu\n", refused);
		if (ended < granted)
			ng_delay_ns(1000000);
	}
	if (irq >= 0)
		unbind_from_irqhandler(irq, NULL);
	ng_result("grant: abi=%s granted=%lu ended=%lu refused-while-mapped=%lu", abi_name(),
		  granted, ended, refused);
	if (channel)
		ng_result(" replies=%lu", replies);
	ng_result("\n");
	return ended == granted && (!channel || replies == granted) ? 0 : 3;
}

/* map --remote D --refs R1,R2,... [--readonly] [--wait-stdin]
 *     [--remote-port P]:
 * the backend half: mark its own ballooned pages, map each grant of D there
 * (gnttab_map_refs: GNTTABOP_map_grant_ref, host mapping), check the
 * pattern run_grant wrote, then write replies into each page (a writable
 * mapping) or check that a write faults (read-only). With --wait-stdin, print
 * a line, wait for one on standard input and check the peer's bytes written
 * meanwhile. With --remote-port (the backend of a native pair): bind to the
 * frontend's port, notify it once the replies are in, wait for its doorbell,
 * and notify it again after the unmap. Unmap, check the pages are its own
 * again (the mark), give them back. */
static int run_map(int argc, char **argv)
{
	static struct xenbus_device peer;
	unsigned long refs[MAX_GRANTS];
	int n = ng_arg_list(argc, argv, "--refs", refs, MAX_GRANTS);
	domid_t remote = (domid_t)ng_arg(argc, argv, "--remote", 0);
	int ro = ng_flag(argc, argv, "--readonly");
	int wait_peer = ng_flag(argc, argv, "--wait-stdin");
	unsigned long rport = ng_arg(argc, argv, "--remote-port", 0);
	u32 flags = GNTMAP_host_map | (ro ? GNTMAP_readonly : 0);
	struct gnttab_map_grant_ref *map;
	struct gnttab_unmap_grant_ref *unmap;
	struct page *pages[MAX_GRANTS];
	int i, rc, irq = -1, mapped = 0, verified = 0, unmapped = 0, restored = 0;
	int replied = 0, faulted = 0, seen = 0, rang = 0;
	unsigned long off;

	if (n < 1) {
		ng_result("map: --refs wants 1..%d grant references\n", MAX_GRANTS);
		return 2;
	}
	if (boot(1, 1))
		return 1;
	if (rport) {
		peer.otherend_id = remote;
		irq = bind_interdomain_evtchn_to_irqhandler_lateeoi(&peer, (evtchn_port_t)rport,
				count_event, 0, "back", NULL);
		if (irq < 0) {
			ng_result("map: bind failed rc=%d\n", irq);
			return 1;
		}
		/* Xen sets a freshly bound port pending (evtchn_bind_interdomain). */
		wait_for(&events_seen, 1, 20);
	}
	map = kcalloc(n, sizeof(*map), GFP_KERNEL);
	unmap = kcalloc(n, sizeof(*unmap), GFP_KERNEL);
	if (!map || !unmap || gnttab_alloc_pages(n, pages)) {
		ng_result("map: out of memory\n");
		return 1;
	}
	for (i = 0; i < n; i++) {
		memset(page_address(pages[i]), OWN_MARK, PAGE_SIZE);
		gnttab_set_map_op(&map[i], (phys_addr_t)(unsigned long)page_address(pages[i]),
				  flags, (grant_ref_t)refs[i], remote);
	}
	rc = gnttab_map_refs(map, NULL, pages, n);
	if (rc) {
		ng_result("map: GNTTABOP_map_grant_ref failed rc=%d\n", rc);
		return 1;
	}
	for (i = 0; i < n; i++) {
		u8 *p = page_address(pages[i]);
		int ok = 1;

		if (map[i].status != GNTST_okay)
			continue;
		mapped++;
		for (off = 0; off < PAGE_SIZE && ok; off++)
			ok = p[off] == pattern(i, off);
		verified += ok;
		if (ro) {
			faulted += ng_write_faults(p + REPLY_FROM) == 1;
		} else {
			for (off = REPLY_FROM; off < DOORBELL; off++)
				p[off] = reply(i, off);
			replied++;
		}
		gnttab_set_unmap_op(&unmap[i], (phys_addr_t)(unsigned long)p, flags, map[i].handle);
	}
	if (wait_peer) {
		ng_result("map: mapped=%d verified=%d replied=%d faulted=%d\n", mapped, verified, replied,
			  faulted);
		if (ng_wait_stdin_line()) {
			ng_result("map: no go-ahead on stdin\n");
			return 2;
		}
		for (i = 0; i < n; i++) {
			const u8 *p = page_address(pages[i]);
			int ok = map[i].status == GNTST_okay;

			for (off = 0; off < PEER_LEN && ok; off++)
				ok = p[off] == peer_mark(i);
			seen += ok;
		}
	}
	if (irq >= 0 && mapped) {
		notify_remote_via_irq(irq);
		rang = wait_flag((volatile u64 *)((u8 *)page_address(pages[0]) + DOORBELL), 60000);
	}
	for (i = 0; i < n; i++) {
		const u8 *p = page_address(pages[i]);
		int ok = 1;

		if (map[i].status != GNTST_okay)
			continue;
		rc = gnttab_unmap_refs(&unmap[i], NULL, &pages[i], 1);
		if (rc == 0 && unmap[i].status == GNTST_okay)
			unmapped++;
		for (off = 0; off < PAGE_SIZE && ok; off++)
			ok = p[off] == OWN_MARK;
		restored += ok;
	}
	if (irq >= 0) {
		notify_remote_via_irq(irq);
		unbind_from_irqhandler(irq, NULL);
	}
	gnttab_free_pages(n, pages);
	ng_result("map: abi=%s from=%u asked=%d mapped=%d verified=%d unmapped=%d restored=%d "
		  "replied=%d faulted=%d", abi_name(), remote, n, mapped, verified, unmapped, restored,
		  replied, faulted);
	if (wait_peer)
		ng_result(" seen=%d", seen);
	if (irq >= 0)
		ng_result(" doorbell=%d", rang);
	ng_result(" first-status=%d\n", map[0].status);
	kfree(map);
	kfree(unmap);
	return mapped == n && verified == n && unmapped == n && restored == n &&
	       (ro ? faulted == n : replied == n) && (!wait_peer || seen == n) &&
	       (irq < 0 || rang) ? 0 : 3;
}

/* ---- the 2019 thread: a boot kernel that turns FIFO on hands over ---- */
static int run_boot_kernel(int argc, char **argv)
{
	(void)argc; (void)argv;
	if (boot(1, 0))
		return 1;
	ng_result("boot-kernel: abi=%s handing over without EVTCHNOP_reset\n", abi_name());
	/* As a hibernation resume: the domain is kept (SHUTDOWN_suspend), its
	 * event-channel ABI as the boot kernel left it. */
	ng_shutdown_reason = SHUTDOWN_suspend;
	return 0;
}

static const struct ng_scenario s_boot = {
	"boot", "[--2l] [--grants]: xen_init_IRQ (FIFO else 2-level), print the ABI", 1, run_boot };
static const struct ng_scenario s_ping = {
	"ping", "--remote D --remote-port P [--count N] [--timeout-ms T] [--2l] [--cpu C]", 1, run_ping };
static const struct ng_scenario s_pong = {
	"pong", "--remote D [--count N] [--timeout-ms T] [--2l]: echo a peer's events", 1, run_pong };
static const struct ng_scenario s_masked = {
	"masked", "--remote D --remote-port P [--2l]: mask, the peer sends, unmask: one event (stdin paces)",
	1, run_masked };
static const struct ng_scenario s_grant = {
	"grant", "--remote D [--pages N] [--readonly] [--hold-ms T] [--wait-stdin] [--channel]: grant pages, end access",
	1, run_grant };
static const struct ng_scenario s_map = {
	"map", "--remote D --refs R1,R2,... [--readonly] [--wait-stdin] [--remote-port P]: map a peer's grants, check, reply, unmap",
	1, run_map };
static const struct ng_scenario s_boot_kernel = {
	"boot-kernel", "the 2019 boot kernel: FIFO if permitted, then SHUTDOWN_suspend", 1,
	run_boot_kernel };
static const struct ng_scenario s_resumed = {
	"resumed-kernel", "--remote D --remote-port P [--count N]: ping on 2-level, counting lost",
	1, run_resumed };

const struct ng_scenario *const ng_scenarios[] = {
	&s_boot, &s_ping, &s_pong, &s_masked, &s_grant, &s_map, &s_boot_kernel, &s_resumed, NULL
};
