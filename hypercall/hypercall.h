/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Typed hypercalls: the only way pvsr code talks to Xen.
 *
 * The guest build links hypercall/page.c (calls through the hypercall
 * page that Xen fills in); the KUnit build links hypercall/fake.c, a fake
 * hypervisor that keeps Xen's state and enforces its rules. Callers cannot
 * tell which one they got. Every function returns Xen's result: 0 or
 * positive on success, a negative Xen errno (<xenpub/errno.h>) on failure.
 */
#ifndef PVSR_HYPERCALL_HYPERCALL_H
#define PVSR_HYPERCALL_HYPERCALL_H

#include "hypercall/xen_abi.h"

long pvsr_hyp_set_trap_table(const struct trap_info *table);
long pvsr_hyp_mmu_update(struct mmu_update *req, unsigned int count,
			 unsigned int *done, domid_t domid);
long pvsr_hyp_mmuext_op(struct mmuext_op *op, unsigned int count,
			unsigned int *done, domid_t domid);
long pvsr_hyp_set_gdt(xen_ulong_t *frames, unsigned int entries);
long pvsr_hyp_stack_switch(unsigned long ss, unsigned long sp);
long pvsr_hyp_update_va_mapping(unsigned long va, uint64_t pte,
				unsigned long flags);
long pvsr_hyp_set_timer_op(uint64_t deadline_ns);
long pvsr_hyp_set_segment_base(unsigned int which, unsigned long base);
/*
 * The live FS base, or the kernel or user GS base (SEGBASE_FS,
 * SEGBASE_GS_KERNEL, SEGBASE_GS_USER): rdmsr, which Xen emulates for a
 * 64-bit PV kernel from the values really loaded. Returns 0 or -XEN_EINVAL.
 */
long pvsr_hyp_read_segment_base(unsigned int which, unsigned long *base);
/* Debug register reg (0-3, 6, 7) of the calling vCPU. */
unsigned long pvsr_hyp_get_debugreg(unsigned int reg);
long pvsr_hyp_xen_version(int cmd, void *arg);
long pvsr_hyp_vm_assist(unsigned int cmd, unsigned int type);
long pvsr_hyp_callback_register(struct callback_register *cb);

long pvsr_hyp_memory_op(unsigned int cmd, void *arg);
long pvsr_hyp_vcpu_op(int cmd, unsigned int vcpu, void *arg);
long pvsr_hyp_event_channel_op(int cmd, void *arg);

/*
 * HYPERVISOR_multicall: Xen runs the nr entries in order, each as its own
 * hypercall, and writes each one's return value into its `result`; an
 * entry that fails does not stop the ones after it. Returns 0 when every
 * entry ran (their results say how), or a negative Xen errno when the
 * batch as a whole was refused (e.g. -EFAULT for a bad list). Xen may
 * overwrite the other fields of an entry: read only `result` after.
 */
long pvsr_hyp_multicall(struct multicall_entry *calls, unsigned int nr);

long pvsr_hyp_sched_yield(void);
long pvsr_hyp_sched_block(void);
long pvsr_hyp_sched_poll(evtchn_port_t *ports, unsigned int nr,
			 uint64_t timeout_ns);
long pvsr_hyp_sched_shutdown(unsigned int reason);

/*
 * SCHEDOP_shutdown(SHUTDOWN_suspend). Xen's ABI puts the start_info MFN in
 * the third argument register (rdx); the toolstack translates it between
 * MFN and PFN across save/restore. Returns 0 in a new domain, 1 when the
 * suspend was cancelled (same domain), negative on error.
 */
long pvsr_hyp_sched_suspend(unsigned long start_info_mfn);

/*
 * The hypercall page (guest) or its stand-in (KUnit), for code that must
 * tell whether an interrupted context was inside a hypercall.
 */
extern char hypercall_page[];
#define PVSR_HYPERCALL_PAGE_SIZE 4096
/* Xen writes one stub per hypercall, this far apart. */
#define PVSR_HYPERCALL_STUB_SIZE 32
/* The opcode Xen's 64-bit PV hypercall stubs trap with ("syscall"). */
#define PVSR_SYSCALL_BYTE0 0x0f
#define PVSR_SYSCALL_BYTE1 0x05

#endif /* PVSR_HYPERCALL_HYPERCALL_H */
