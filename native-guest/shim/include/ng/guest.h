/* SPDX-License-Identifier: MIT */
/*
 * The kernel side's entry points for the runtime and the scenario drivers
 * (plain types; both environments include it).
 */
#ifndef NG_GUEST_H
#define NG_GUEST_H

struct ng_boot_options {
	int fifo_events;   /* Linux's xen.fifo_events: try FIFO, else 2-level */
	int grant_table;   /* set up the grant table (gnttab_init) */
};

/* On vCPU 0: features, shared_info, vcpu_info of every vCPU, xen_init_IRQ
 * (FIFO else 2-level), the secondaries' PREPARE states, the call-function
 * IPIs, then the grant table. 0 or a negative errno. */
int ng_guest_boot(const struct ng_boot_options *opt);
/* Run the CPU-hotplug PREPARE callbacks for a secondary vCPU. */
int ng_cpu_prepare(unsigned int cpu);
/* Run fn(arg) on a vCPU from its upcall (an IPI, EVTCHNOP_bind_ipi); waits. */
void ng_run_on(int cpu, void (*fn)(void *), void *arg);
/* A secondary vCPU's life: block, take upcalls and run work until ng_stop. */
void ng_secondary_idle(void);
/* Ask every vCPU's idle loop to end. */
void ng_stop_secondaries(void);

/* How the process leaves its domain once the scenario returns (after the
 * secondaries stopped): SHUTDOWN_poweroff unless a scenario sets another. */
extern unsigned int ng_shutdown_reason;
/* SCHEDOP_shutdown with a SHUTDOWN_* reason. */
void ng_shutdown(unsigned int reason);
void ng_kernel_early_init(void);

/* From events_base.c (not in its public headers). */
extern _Bool xen_fifo_events;
void xen_init_IRQ(void);

/* A scenario driver: run on vCPU 0 after the runtime connected every vCPU.
 * Returns the process's exit status (0 = pass) and prints one result line. */
struct ng_scenario {
	const char *name;
	const char *usage;
	int min_vcpus;
	int (*run)(int argc, char **argv);
};
extern const struct ng_scenario *const ng_scenarios[];
#endif
