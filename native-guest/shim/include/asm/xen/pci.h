/* SPDX-License-Identifier: MIT */
/* No PCI in a native guest. */
#define pci_xen_hvm_init() do { } while (0)
#define pci_xen_initial_domain() do { } while (0)
