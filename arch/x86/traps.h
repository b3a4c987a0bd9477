/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exception and event entry for a 64-bit PV kernel.
 *
 * Xen delivers exceptions and event upcalls by "bouncing" a frame onto the
 * guest kernel stack: rcx and r11 (clobbered by Xen's own syscall-based
 * return path) on top of a hardware-style iret frame. entry.S turns that
 * into a struct pvsr_regs and calls the embedding kernel's
 * pvsr_handle_trap(); returning from it resumes the interrupted context
 * through HYPERVISOR_iret.
 */
#ifndef PVSR_ARCH_X86_TRAPS_H
#define PVSR_ARCH_X86_TRAPS_H

/* Pseudo vectors for Xen callbacks, beyond the 256 hardware ones. */
#define PVSR_VEC_UPCALL 256
#define PVSR_VEC_FAILSAFE 257

#define PVSR_VEC_DE 0
#define PVSR_VEC_DB 1
#define PVSR_VEC_NMI 2
#define PVSR_VEC_BP 3
#define PVSR_VEC_UD 6
#define PVSR_VEC_GP 13
#define PVSR_VEC_PF 14

#ifndef __ASSEMBLY__
#include "hypercall/xen_abi.h"

/* Layout fixed by entry.S: pushed from the bottom up. */
struct pvsr_regs {
	unsigned long r15, r14, r13, r12, r11, r10, r9, r8;
	unsigned long rbp, rdi, rsi, rdx, rcx, rbx, rax;
	unsigned long vector;
	unsigned long error_code;
	/* The iret frame as Xen bounced it. */
	unsigned long rip, cs, rflags, rsp, ss;
};

/* Provided by the embedding kernel; runs with events masked. */
void pvsr_handle_trap(struct pvsr_regs *regs);

/* The trap table every vCPU loads (also copied into vcpu contexts). */
extern const struct trap_info pvsr_trap_table[];

/* Entry points for the vcpu context and HYPERVISOR_set_callbacks. */
void pvsr_entry_upcall(void);
void pvsr_entry_failsafe(void);

/* Exception entry points (entry.S), one per vector in the trap table. */
void pvsr_entry_de(void);
void pvsr_entry_db(void);
void pvsr_entry_nmi(void);
void pvsr_entry_bp(void);
void pvsr_entry_of(void);
void pvsr_entry_br(void);
void pvsr_entry_ud(void);
void pvsr_entry_nm(void);
void pvsr_entry_df(void);
void pvsr_entry_ts(void);
void pvsr_entry_np(void);
void pvsr_entry_ss(void);
void pvsr_entry_gp(void);
void pvsr_entry_pf(void);
void pvsr_entry_mf(void);
void pvsr_entry_ac(void);
void pvsr_entry_mc(void);
void pvsr_entry_xm(void);

/* Load the trap table and callbacks on the calling vCPU. */
long pvsr_arch_traps_init(void);

/* True when the trapped context was guest user mode (ring 3 proper). */
static inline int pvsr_regs_from_user(const struct pvsr_regs *regs)
{
	return (regs->cs & 3) == 3;
}

/*
 * Walk a frame-pointer chain from rbp, calling emit for each return
 * address; stops at a NULL or misaligned frame or after max frames.
 */
void pvsr_arch_backtrace(unsigned long rbp, unsigned int max,
			 void (*emit)(unsigned long pc, void *arg), void *arg);
#endif

#endif /* PVSR_ARCH_X86_TRAPS_H */
