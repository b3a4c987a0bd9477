/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvsr_setjmp/pvsr_longjmp for x86-64. The layout is in setjmp.h; the
 * vcpu_guest_context builder fakes a return from pvsr_setjmp using the
 * same fields (rip = PVSR_JB_RIP, rsp = PVSR_JB_RSP + 8, rax = 1).
 */
#include "arch/x86/setjmp.h"

	.text
	.globl pvsr_setjmp
	.type pvsr_setjmp, @function
pvsr_setjmp:
	movq	%rbx, PVSR_JB_RBX(%rdi)
	movq	%rbp, PVSR_JB_RBP(%rdi)
	movq	%r12, PVSR_JB_R12(%rdi)
	movq	%r13, PVSR_JB_R13(%rdi)
	movq	%r14, PVSR_JB_R14(%rdi)
	movq	%r15, PVSR_JB_R15(%rdi)
	movq	%rsp, PVSR_JB_RSP(%rdi)
	movq	(%rsp), %rax
	movq	%rax, PVSR_JB_RIP(%rdi)
	xorl	%eax, %eax
	ret
	.size pvsr_setjmp, . - pvsr_setjmp

	.globl pvsr_longjmp
	.type pvsr_longjmp, @function
pvsr_longjmp:
	/* setjmp must never appear to return 0 a second time. */
	movl	%esi, %eax
	testl	%eax, %eax
	jnz	1f
	incl	%eax
1:	movq	PVSR_JB_RBX(%rdi), %rbx
	movq	PVSR_JB_RBP(%rdi), %rbp
	movq	PVSR_JB_R12(%rdi), %r12
	movq	PVSR_JB_R13(%rdi), %r13
	movq	PVSR_JB_R14(%rdi), %r14
	movq	PVSR_JB_R15(%rdi), %r15
	movq	PVSR_JB_RSP(%rdi), %rsp
	addq	$8, %rsp
	jmp	*PVSR_JB_RIP(%rdi)
	.size pvsr_longjmp, . - pvsr_longjmp

	.section .note.GNU-stack, "", @progbits
