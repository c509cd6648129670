/* SPDX-License-Identifier: MIT */
/*
 * HYPERVISOR_* for the native guest: every call goes through one door,
 * ng_hypercall, with pointer arguments turned into guest addresses.
 * Numbers are Xen's (xen/interface/xen.h).
 */
#ifndef NG_ASM_XEN_HYPERCALL_H
#define NG_ASM_XEN_HYPERCALL_H
#include <ng/kernel.h>
#include <xen/interface/xen.h>
#include <xen/interface/sched.h>
#include <xen/interface/physdev.h>
#include <xen/interface/event_channel.h>
#include <xen/interface/memory.h>
#include <xen/interface/hvm/hvm_op.h>
#include <xen/interface/vcpu.h>
#include <xen/interface/version.h>
#include <xen/interface/grant_table.h>

#define NG_P(p) ng_gpa(p)
static inline int HYPERVISOR_event_channel_op(int cmd, void *arg)
{ return (int)ng_hypercall(__HYPERVISOR_event_channel_op, cmd, NG_P(arg), 0, 0, 0); }
static inline int HYPERVISOR_grant_table_op(unsigned int cmd, void *uop, unsigned int count)
{ return (int)ng_hypercall(__HYPERVISOR_grant_table_op, cmd, NG_P(uop), count, 0, 0); }
static inline int HYPERVISOR_sched_op(int cmd, void *arg)
{ return (int)ng_hypercall(__HYPERVISOR_sched_op, cmd, NG_P(arg), 0, 0, 0); }
static inline int HYPERVISOR_memory_op(unsigned int cmd, void *arg)
{ return (int)ng_hypercall(__HYPERVISOR_memory_op, cmd, NG_P(arg), 0, 0, 0); }
static inline int HYPERVISOR_physdev_op(int cmd, void *arg)
{ return (int)ng_hypercall(__HYPERVISOR_physdev_op, cmd, NG_P(arg), 0, 0, 0); }
static inline int HYPERVISOR_vcpu_op(int cmd, int vcpuid, void *extra_args)
{ return (int)ng_hypercall(__HYPERVISOR_vcpu_op, cmd, vcpuid, NG_P(extra_args), 0, 0); }
static inline int HYPERVISOR_xen_version(int cmd, void *arg)
{ return (int)ng_hypercall(__HYPERVISOR_xen_version, cmd, NG_P(arg), 0, 0, 0); }
static inline unsigned long HYPERVISOR_hvm_op(int op, void *arg)
{ return (unsigned long)ng_hypercall(__HYPERVISOR_hvm_op, op, NG_P(arg), 0, 0, 0); }
#undef NG_P
#endif
