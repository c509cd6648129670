/* SPDX-License-Identifier: MIT */
/* An auto-translated guest: gfn == pfn == guest address >> PAGE_SHIFT. */
#ifndef NG_ASM_XEN_PAGE_H
#define NG_ASM_XEN_PAGE_H
#include <ng/kernel.h>
#include <ng/mm.h>
#include <xen/interface/xen.h>
#include <xen/interface/grant_table.h>
#include <xen/features.h>
#define INVALID_P2M_ENTRY (~0UL)
#define FOREIGN_FRAME_BIT (1UL << 62)
#define FOREIGN_FRAME(m) ((m) | FOREIGN_FRAME_BIT)
#define IDENTITY_FRAME_BIT (1UL << 61)
#define IDENTITY_FRAME(m) ((m) | IDENTITY_FRAME_BIT)
typedef struct xmaddr { phys_addr_t maddr; } xmaddr_t;
typedef struct xpaddr { phys_addr_t paddr; } xpaddr_t;
static inline unsigned long pfn_to_mfn(unsigned long pfn) { return pfn; }
static inline unsigned long mfn_to_pfn(unsigned long mfn) { return mfn; }
static inline unsigned long pfn_to_gfn(unsigned long pfn) { return pfn; }
static inline unsigned long gfn_to_pfn(unsigned long gfn) { return gfn; }
static inline unsigned long __pfn_to_mfn(unsigned long pfn) { return pfn; }
#define virt_to_machine(v) ((xmaddr_t){ ng_gpa(v) })
#define virt_to_mfn(v) (ng_gpa(v) >> PAGE_SHIFT)
#define virt_to_gfn(v) (ng_gpa(v) >> PAGE_SHIFT)
#define gfn_to_virt(g) ng_ptr((unsigned long)(g) << PAGE_SHIFT)
#define mfn_to_virt(m) gfn_to_virt(m)
static inline bool set_phys_to_machine(unsigned long pfn, unsigned long mfn) { (void)pfn; (void)mfn; return true; }
static inline int set_foreign_p2m_mapping(void *a, void *b, void *c, unsigned int n) { (void)a; (void)b; (void)c; (void)n; return 0; }
static inline int clear_foreign_p2m_mapping(void *a, void *b, void *c, unsigned int n) { (void)a; (void)b; (void)c; (void)n; return 0; }
#endif
