/* SPDX-License-Identifier: MIT */
/* Kconfig of the x86_64 HVM guest the native-guest shim stands for. */
#define CONFIG_X86 1
#define CONFIG_X86_64 1
#define CONFIG_64BIT 1
#define CONFIG_SMP 1
#define CONFIG_XEN 1
#define CONFIG_XEN_PVHVM 1
#define CONFIG_XEN_PVHVM_GUEST 1
#define CONFIG_NR_CPUS 8
#define CONFIG_HZ 250
#define CONFIG_PAGE_OFFSET 0
#define CONFIG_XEN_GRANT_TABLE 1
