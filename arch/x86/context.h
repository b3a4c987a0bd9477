/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vcpu_guest_context builder: one path that brings a vCPU up at boot
 * and back after a resume.
 *
 * A vCPU taken down with VCPUOP_down, or a vCPU in a freshly restored
 * domain, is uninitialised: VCPUOP_initialise wants every register and
 * every frame number. We build that from a pvsr_jmp_buf, faking a return
 * from pvsr_setjmp with 1 (rip = saved return address, rsp = saved SP + 8,
 * rax = 1, only the callee-saved registers restored), plus what the vCPU
 * needs to run in this domain, with the frame numbers of *this* domain.
 * At boot the jmp_buf simply points at the secondary entry.
 */
#ifndef PVSR_ARCH_X86_CONTEXT_H
#define PVSR_ARCH_X86_CONTEXT_H

#include "hypercall/xen_abi.h"
#include "arch/x86/setjmp.h"
#include "arch/x86/park.h"

/* What a vCPU needs besides its registers, as of this domain. */
struct pvsr_vcpu_arch_state {
	unsigned long kernel_sp; /* where Xen bounces from user mode */
	unsigned long gs_base_kernel; /* the vCPU's per-CPU pointer */
	unsigned long kernel_l4_mfn; /* kernel page table (CR3) */
	unsigned long user_l4_mfn; /* user page table, 0 if none */
	unsigned long gdt_mfn; /* one read-only GDT frame, or 0 */
	unsigned int gdt_ents;
	const struct trap_info *traps; /* terminated by address 0 */
	unsigned long event_callback;
	unsigned long failsafe_callback;
	unsigned long syscall_callback;
	/* VGCF_failsafe_disables_events etc., as the callbacks were set. */
	unsigned long callback_flags;
	unsigned long ldt_base; /* linear address, 0 if no LDT */
	unsigned int ldt_ents;
	/*
	 * Where the vCPU's vcpu_info lives (frame of this domain, offset in
	 * it; must not cross a page), for pvsr to register it before
	 * VCPUOP_initialise in the same batch; mfn 0: pvsr asks the
	 * kernel's register_vcpu_info op instead. Not part of the context.
	 */
	unsigned long vcpu_info_mfn;
	unsigned int vcpu_info_offset;
};

/* Fill *ctx so that the vCPU resumes from jb as pvsr_setjmp() == 1. */
void pvsr_arch_build_context(struct vcpu_guest_context *ctx,
			     const struct pvsr_jmp_buf *jb,
			     const struct pvsr_vcpu_arch_state *state);

/*
 * What the vCPU saved at park (segment bases, debug registers) goes into
 * a context built for it; its FPU state it restores itself.
 */
void pvsr_arch_context_apply_park(struct vcpu_guest_context *ctx,
				  const struct pvsr_arch_park *park);

/*
 * A jmp_buf that "returns" into entry(), a function that never returns,
 * on the stack ending at stack_top (16-byte aligned); its frame chain
 * ends there so backtraces stop cleanly.
 */
void pvsr_arch_entry_jmp_buf(struct pvsr_jmp_buf *jb, void (*entry)(void),
			     unsigned long stack_top);

/*
 * Do on the calling CPU what Xen does with a built context, for the
 * registers a faked setjmp return uses. For tests: proves a context
 * really returns from pvsr_setjmp with 1 on the original stack.
 */
__noreturn void
pvsr_arch_load_context_local(const struct vcpu_guest_context *ctx);

#endif /* PVSR_ARCH_X86_CONTEXT_H */
