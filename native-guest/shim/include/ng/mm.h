/* SPDX-License-Identifier: MIT */
/* struct page for each frame of guest RAM; addresses are guest addresses. */
#ifndef NG_MM_H
#define NG_MM_H
#include <ng/kernel.h>
struct page {
	unsigned long flags;
	unsigned long private;
	struct list_head lru;
	atomic_t _refcount;
};
extern struct page *ng_mem_map;
#define PG_private 0
#define PG_foreign 1
#define page_to_pfn(p) ((unsigned long)((p) - ng_mem_map))
#define pfn_to_page(n) (ng_mem_map + (n))
#define page_address(p) ng_ptr(page_to_pfn(p) << PAGE_SHIFT)
#define virt_to_page(v) pfn_to_page(ng_gpa(v) >> PAGE_SHIFT)
#define virt_to_pfn(v) (ng_gpa(v) >> PAGE_SHIFT)
#define pfn_to_kaddr(n) ng_ptr((unsigned long)(n) << PAGE_SHIFT)
#define __pa(v) ((phys_addr_t)ng_gpa((const void *)(v)))
#define __va(a) ng_ptr((unsigned long)(a))
#define virt_to_phys(v) __pa(v)
#define phys_to_virt(a) __va(a)
#define page_to_phys(p) ((phys_addr_t)page_to_pfn(p) << PAGE_SHIFT)
#define page_private(p) ((p)->private)
#define set_page_private(p, v) ((p)->private = (unsigned long)(v))
#define PagePrivate(p) test_bit(PG_private, &(p)->flags)
#define SetPagePrivate(p) set_bit(PG_private, &(p)->flags)
#define ClearPagePrivate(p) clear_bit(PG_private, &(p)->flags)
#define PageForeign(p) test_bit(PG_foreign, &(p)->flags)
#define SetPageForeign(p) set_bit(PG_foreign, &(p)->flags)
#define ClearPageForeign(p) clear_bit(PG_foreign, &(p)->flags)
#define get_page(p) atomic_inc(&(p)->_refcount)
#define put_page(p) atomic_dec(&(p)->_refcount)
#define page_count(p) atomic_read(&(p)->_refcount)
#define is_vmalloc_addr(p) false
#define PageHighMem(p) false
#define clear_highpage(p) clear_page(page_address(p))
#define kmap(p) page_address(p)
#define kunmap(p) do { } while (0)
#define kmap_local_page(p) page_address(p)
#define kunmap_local(a) do { } while (0)
struct page *alloc_page(gfp_t gfp);
void __free_page(struct page *p);
#define __free_pages(p, o) free_pages((unsigned long)page_address(p), o)
#define MEMREMAP_WB 1
#define memremap(a, s, f) ng_ptr((unsigned long)(a))
#define memunmap(p) do { (void)(p); } while (0)
#endif
