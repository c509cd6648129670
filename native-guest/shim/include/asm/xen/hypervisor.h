/* SPDX-License-Identifier: MIT */
/* The x86 Xen guest's view of its hypervisor, for an HVM guest. */
#ifndef NG_ASM_XEN_HYPERVISOR_H
#define NG_ASM_XEN_HYPERVISOR_H
#include <ng/kernel.h>
extern struct shared_info *HYPERVISOR_shared_info;
extern struct start_info *xen_start_info;
/* Xen's CPUID leaves as the runtime reports them (base 0x40000000). */
uint32_t xen_cpuid_base(void);
uint32_t cpuid_eax(uint32_t leaf);
uint32_t cpuid_ebx(uint32_t leaf);
enum x86_hypervisor_type { X86_HYPER_NATIVE = 0, X86_HYPER_XEN_HVM = 4, X86_HYPER_XEN_PV = 5 };
#define hypervisor_is_type(t) ((t) == X86_HYPER_XEN_HVM)
#define xen_pv_smp_init() do { } while (0)
#endif
