/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvsr_setjmp/pvsr_longjmp: the saved context of a parked vCPU.
 *
 * Only what the x86-64 SysV ABI makes callee-saved is kept, plus the stack
 * pointer at entry (pointing at the return address) and that return
 * address. A context "returned into" from elsewhere (pvsr_longjmp, or a
 * vcpu_guest_context built by arch/x86/context.c) resumes as if
 * pvsr_setjmp had returned a non-zero value.
 */
#ifndef PVSR_ARCH_X86_SETJMP_H
#define PVSR_ARCH_X86_SETJMP_H

#define PVSR_JB_RBX 0
#define PVSR_JB_RBP 8
#define PVSR_JB_R12 16
#define PVSR_JB_R13 24
#define PVSR_JB_R14 32
#define PVSR_JB_R15 40
#define PVSR_JB_RSP 48
#define PVSR_JB_RIP 56
#define PVSR_JB_SIZE 64

#ifndef __ASSEMBLY__
#include "hypercall/compiler.h"

struct pvsr_jmp_buf {
	unsigned long rbx;
	unsigned long rbp;
	unsigned long r12;
	unsigned long r13;
	unsigned long r14;
	unsigned long r15;
	unsigned long rsp; /* at entry to pvsr_setjmp: &return address */
	unsigned long rip; /* the return address */
};

_Static_assert(sizeof(struct pvsr_jmp_buf) == PVSR_JB_SIZE,
	       "setjmp.S and struct pvsr_jmp_buf disagree");

/* Returns 0 when saving, the value passed to the resumer otherwise. */
int pvsr_setjmp(struct pvsr_jmp_buf *buf) __attribute__((returns_twice));
__noreturn void pvsr_longjmp(const struct pvsr_jmp_buf *buf, int val);
#endif

#endif /* PVSR_ARCH_X86_SETJMP_H */
