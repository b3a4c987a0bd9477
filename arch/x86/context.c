// SPDX-License-Identifier: GPL-2.0
/*
 * Build a vcpu_guest_context from a pvsr_jmp_buf (see context.h).
 */
#include "arch/x86/context.h"

/* EFLAGS bit 1 is reserved and reads as 1; Xen forces IF itself. */
#define X86_EFLAGS_FIXED 0x2UL

/*
 * Self-test hook: the harness and KUnit prove that a wrong faked return
 * is caught by building with PVSR_SELFTEST_CONTEXT_RAX0.
 */
#ifdef PVSR_SELFTEST_CONTEXT_RAX0
#define SETJMP_RESUME_VALUE 0
#else
#define SETJMP_RESUME_VALUE 1
#endif

static void zero(void *p, unsigned long n)
{
	unsigned char *b = p;

	while (n--)
		*b++ = 0;
}

static void set_registers(struct cpu_user_regs *regs,
			  const struct pvsr_jmp_buf *jb)
{
	/* As if pvsr_setjmp's "ret" had just executed and returned 1. */
	regs->rip = jb->rip;
	regs->rsp = jb->rsp + 8;
	regs->rax = SETJMP_RESUME_VALUE;
	regs->rbx = jb->rbx;
	regs->rbp = jb->rbp;
	regs->r12 = jb->r12;
	regs->r13 = jb->r13;
	regs->r14 = jb->r14;
	regs->r15 = jb->r15;
	regs->cs = FLAT_KERNEL_CS;
	regs->ss = FLAT_KERNEL_SS;
	regs->ds = FLAT_KERNEL_DS;
	regs->es = FLAT_KERNEL_DS;
	regs->rflags = X86_EFLAGS_FIXED;
}

static void set_traps(struct vcpu_guest_context *ctx,
		      const struct trap_info *traps)
{
	for (; traps && traps->address; traps++)
		ctx->trap_ctxt[traps->vector] = *traps;
}

void pvsr_arch_build_context(struct vcpu_guest_context *ctx,
			     const struct pvsr_jmp_buf *jb,
			     const struct pvsr_vcpu_arch_state *state)
{
	zero(ctx, sizeof(*ctx));
	ctx->flags = VGCF_in_kernel | state->callback_flags;
	set_registers(&ctx->user_regs, jb);
	set_traps(ctx, state->traps);
	if (state->gdt_mfn) {
		ctx->gdt_frames[0] = state->gdt_mfn;
		ctx->gdt_ents = state->gdt_ents;
	}
	ctx->kernel_ss = FLAT_KERNEL_SS;
	ctx->kernel_sp = state->kernel_sp;
	ctx->ctrlreg[3] = xen_pfn_to_cr3(state->kernel_l4_mfn);
	/* x86-64 PV keeps the user page table base in ctrlreg[1]. */
	if (state->user_l4_mfn)
		ctx->ctrlreg[1] = xen_pfn_to_cr3(state->user_l4_mfn);
	ctx->event_callback_eip = state->event_callback;
	ctx->failsafe_callback_eip = state->failsafe_callback;
	ctx->syscall_callback_eip = state->syscall_callback;
	ctx->gs_base_kernel = state->gs_base_kernel;
	ctx->ldt_base = state->ldt_base;
	ctx->ldt_ents = state->ldt_ents;
}

/*
 * Self-test hook: with PVSR_SELFTEST_NO_SEGMENT_RESTORE a rebuilt vCPU
 * loses its FS and user GS bases, which resume_K_segment_bases must catch.
 */
void pvsr_arch_context_apply_park(struct vcpu_guest_context *ctx,
				  const struct pvsr_arch_park *park)
{
	unsigned int i;

#ifndef PVSR_SELFTEST_NO_SEGMENT_RESTORE
	ctx->fs_base = park->fs_base;
	ctx->gs_base_user = park->gs_base_user;
#endif
	ctx->gs_base_kernel = park->gs_base_kernel;
	for (i = 0; i < 8; i++)
		ctx->debugreg[i] = park->debugreg[i];
}

void pvsr_arch_entry_jmp_buf(struct pvsr_jmp_buf *jb, void (*entry)(void),
			     unsigned long stack_top)
{
	zero(jb, sizeof(*jb));
	jb->rip = (unsigned long)entry;
	/*
	 * The faked return adds 8, leaving rsp = stack_top - 8: the
	 * alignment a function sees right after a call.
	 */
	jb->rsp = stack_top - 16;
}

#define CTX_OFF(field) offsetof(struct vcpu_guest_context, user_regs.field)

__noreturn void
pvsr_arch_load_context_local(const struct vcpu_guest_context *ctx)
{
	asm volatile("movq %c[r15](%%rdi), %%r15\n\t"
		     "movq %c[r14](%%rdi), %%r14\n\t"
		     "movq %c[r13](%%rdi), %%r13\n\t"
		     "movq %c[r12](%%rdi), %%r12\n\t"
		     "movq %c[rbp](%%rdi), %%rbp\n\t"
		     "movq %c[rbx](%%rdi), %%rbx\n\t"
		     "movq %c[rax](%%rdi), %%rax\n\t"
		     "movq %c[rsp](%%rdi), %%rsp\n\t"
		     "jmp *%c[rip](%%rdi)"
		     :
		     : "D"(ctx), [r15] "i"(CTX_OFF(r15)),
		       [r14] "i"(CTX_OFF(r14)), [r13] "i"(CTX_OFF(r13)),
		       [r12] "i"(CTX_OFF(r12)), [rbp] "i"(CTX_OFF(rbp)),
		       [rbx] "i"(CTX_OFF(rbx)), [rax] "i"(CTX_OFF(rax)),
		       [rsp] "i"(CTX_OFF(rsp)), [rip] "i"(CTX_OFF(rip))
		     : "memory");
	__builtin_unreachable();
}
