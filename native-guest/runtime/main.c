// SPDX-License-Identifier: MIT
/*
 * native-guest: a process that is a xenabi domain. It connects to the
 * domain's bridge socket once per vCPU, maps the domain's RAM file, starts
 * one thread per vCPU with its stack inside guest RAM, and runs a scenario
 * driver on vCPU 0.
 *
 *   native-guest --socket PATH [--domid N] [--ram FILE] [--alloc-from-mib M]
 *                SCENARIO [ARGS...]
 *   native-guest --echo PATH      the bare transport: echo.c
 *
 * Per-CPU areas and stacks always take the first frames, so two processes
 * running in the same domain one after the other (the 2019 handover) have
 * them, and so each vCPU's registered vcpu_info, at the same guest
 * addresses; --alloc-from-mib puts everything the kernel allocates after
 * that at M MiB and above (a boot kernel keeps clear of its successor).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "alloc.h"
#include "runtime.h"
#include "../shim/include/ng/host.h"
#include "../shim/include/ng/guest.h"

#define STACK_ORDER 6 /* 256 KiB per vCPU */

extern char __start_ng_percpu[], __stop_ng_percpu[];

static const char *socket_path;
static const struct ng_scenario *scenario;
static int scen_argc;
static char **scen_argv;
static int exit_status = 1;
static pthread_mutex_t boot_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t boot_cond = PTHREAD_COND_INITIALIZER;
static int booted, finished;

static int connect_vcpu(int vcpu, struct ngb_welcome *w, uint64_t ram_bytes)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct ngb_hello h;
	int fd;

	if (strlen(socket_path) >= sizeof(a.sun_path)) {
		fprintf(stderr, "native-guest: socket path too long: %s\n", socket_path);
		return -1;
	}
	strcpy(a.sun_path, socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		fprintf(stderr, "native-guest: cannot connect to %s: %s\n", socket_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	ngb_init_header(&h.h, NGB_HELLO, 0);
	h.domid = ng_domid;
	h.vcpu = (uint16_t)vcpu;
	h.pid = (uint32_t)getpid();
	h.ram_bytes = ram_bytes;
	if (ng_send_frame(fd, &h) != 0 || ng_recv_frame(fd, w, 0) != 0) {
		close(fd);
		return -1;
	}
	if (w->h.type != NGB_WELCOME || w->status != 0) {
		fprintf(stderr, "native-guest: the bridge refused vCPU %d of domain %u: %s\n", vcpu,
			ng_domid, w->h.type == NGB_WELCOME ? strerror(-w->status) : "no WELCOME");
		close(fd);
		return -1;
	}
	return fd;
}

void ng_boot_done(void)
{
	pthread_mutex_lock(&boot_lock);
	booted = 1;
	pthread_cond_broadcast(&boot_cond);
	pthread_mutex_unlock(&boot_lock);
}

static void *vcpu_main(void *arg)
{
	int cpu = (int)(long)arg;

	ng_vcpu_enter(cpu);
	if (cpu == 0) {
		ng_kernel_early_init();
		exit_status = scenario->run(scen_argc, scen_argv);
		pthread_mutex_lock(&boot_lock);
		finished = 1;
		pthread_cond_broadcast(&boot_cond);
		pthread_mutex_unlock(&boot_lock);
		if (booted && ng_nr_cpus > 1)
			ng_stop_secondaries();
		if (booted) {
			ng_shutdown(ng_shutdown_reason);
			/* The machine is off (or suspended): its other vCPUs stop
			 * where they are, as Xen never runs them again; a secondary
			 * still blocked would never return to be joined. */
			fflush(NULL);
			exit(exit_status);
		}
		return NULL;
	}
	pthread_mutex_lock(&boot_lock);
	while (!booted && !finished)
		pthread_cond_wait(&boot_cond, &boot_lock);
	pthread_mutex_unlock(&boot_lock);
	if (booted)
		ng_secondary_idle();
	return NULL;
}

static void usage(void)
{
	int i;

	fprintf(stderr, "usage: native-guest --socket PATH [--domid N] [--ram FILE] [--alloc-from-mib M] SCENARIO [ARGS...]\n"
			"       native-guest --echo PATH   (answer HELLO and HYPERCALL frames on a socket at PATH: the bare transport)\n"
			"scenarios:\n");
	for (i = 0; ng_scenarios[i]; i++)
		fprintf(stderr, "  %-12s %s\n", ng_scenarios[i]->name, ng_scenarios[i]->usage);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, 0, 's' },
		{ "domid", required_argument, 0, 'd' },
		{ "ram", required_argument, 0, 'r' },
		{ "alloc-from-mib", required_argument, 0, 'a' },
		{ "echo", required_argument, 0, 'e' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	const char *ram_path = NULL;
	unsigned long alloc_from_mib = 0;
	struct ngb_welcome w;
	struct stat st;
	unsigned long pcpu_size;
	void *stacks[NG_MAX_VCPUS];
	int c, i, fd0;

	while ((c = getopt_long(argc, argv, "+s:d:r:a:e:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': socket_path = optarg; break;
		case 'd': ng_domid = (unsigned short)strtoul(optarg, NULL, 0); break;
		case 'r': ram_path = optarg; break;
		case 'a': alloc_from_mib = strtoul(optarg, NULL, 0); break;
		case 'e': return ng_echo(optarg);
		default: usage(); return c == 'h' ? 0 : 2;
		}
	}
	if (!socket_path || optind >= argc) {
		usage();
		return 2;
	}
	for (i = 0; ng_scenarios[i]; i++)
		if (strcmp(ng_scenarios[i]->name, argv[optind]) == 0)
			scenario = ng_scenarios[i];
	if (!scenario) {
		fprintf(stderr, "native-guest: no scenario %s\n", argv[optind]);
		usage();
		return 2;
	}
	scen_argc = argc - optind;
	scen_argv = argv + optind;

	fd0 = connect_vcpu(0, &w, 0);
	if (fd0 < 0)
		return 1;
	ng_domid = w.domid;
	ng_nr_cpus = (int)w.nr_vcpus;
	if (ng_nr_cpus < 1 || ng_nr_cpus > NG_MAX_VCPUS || ng_nr_cpus < scenario->min_vcpus) {
		fprintf(stderr, "native-guest: domain %u has %d vCPUs; this runtime takes 1..%d and %s needs %d\n",
			ng_domid, ng_nr_cpus, NG_MAX_VCPUS, scenario->name, scenario->min_vcpus);
		return 1;
	}
	if (!ram_path)
		ram_path = w.ram_path;
	ng_ram_fd = open(ram_path, O_RDWR | O_CLOEXEC);
	if (ng_ram_fd < 0 || fstat(ng_ram_fd, &st) != 0) {
		fprintf(stderr, "native-guest: cannot open RAM file %s: %s\n", ram_path, strerror(errno));
		return 1;
	}
	ng_ram_size = w.ram_bytes ? w.ram_bytes : (unsigned long)st.st_size;
	if ((unsigned long)st.st_size < ng_ram_size || ng_ram_size % 4096 || ng_ram_size < (1UL << 22)) {
		fprintf(stderr, "native-guest: RAM file %s holds %lld bytes, domain has %lu (at least 4 MiB, whole pages)\n",
			ram_path, (long long)st.st_size, ng_ram_size);
		return 1;
	}
	ng_ram_base = mmap(NULL, ng_ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, ng_ram_fd, 0);
	if (ng_ram_base == MAP_FAILED) {
		fprintf(stderr, "native-guest: cannot map RAM: %s\n", strerror(errno));
		return 1;
	}
	/* Frame 0 stays unused, so guest address 0 is never an object. */
	if (ng_alloc_init(ng_ram_base, ng_ram_size, 1) != 0) {
		fprintf(stderr, "native-guest: out of memory\n");
		return 1;
	}
	pcpu_size = (unsigned long)(__stop_ng_percpu - __start_ng_percpu);
	for (i = 0; i < ng_nr_cpus; i++) {
		unsigned int order = 0;

		while ((4096UL << order) < pcpu_size)
			order++;
		ng_percpu_base[i] = ng_alloc_pages(order, 1);
		if (!ng_percpu_base[i]) {
			fprintf(stderr, "native-guest: no RAM for per-CPU areas\n");
			return 1;
		}
		memcpy(ng_percpu_base[i], __start_ng_percpu, pcpu_size);
	}
	for (i = 0; i < ng_nr_cpus; i++) {
		ng_vcpus[i].id = i;
		ng_vcpus[i].fd = i == 0 ? fd0 : connect_vcpu(i, &w, ng_ram_size);
		if (ng_vcpus[i].fd < 0)
			return 1;
	}
	for (i = 0; i < ng_nr_cpus; i++) {
		stacks[i] = ng_alloc_pages(STACK_ORDER, 0);
		if (!stacks[i]) {
			fprintf(stderr, "native-guest: no RAM for the stack of vCPU %d\n", i);
			return 1;
		}
	}
	if (alloc_from_mib) {
		if ((alloc_from_mib << 20) >= ng_ram_size) {
			fprintf(stderr, "native-guest: --alloc-from-mib %lu is beyond the domain's %lu MiB\n",
				alloc_from_mib, ng_ram_size >> 20);
			return 1;
		}
		ng_alloc_set_floor((alloc_from_mib << 20) / 4096);
	}
	for (i = 0; i < ng_nr_cpus; i++) {
		struct ng_vcpu *v = &ng_vcpus[i];
		pthread_attr_t attr;
		void *stack = stacks[i];

		pthread_attr_init(&attr);
		pthread_attr_setstack(&attr, stack, 4096UL << STACK_ORDER);
		if (pthread_create(&v->thread, &attr, vcpu_main, (void *)(long)i) != 0) {
			fprintf(stderr, "native-guest: cannot start vCPU %d\n", i);
			return 1;
		}
		pthread_attr_destroy(&attr);
	}
	for (i = 0; i < ng_nr_cpus; i++)
		pthread_join(ng_vcpus[i].thread, NULL);
	return exit_status;
}
