/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit only: see context_test_probe.h.
 */
#include "arch/x86/context_test_probe.h"

#define OUT(i) (8 * PROBE_OUT_##i)

	.text
	.globl pvsr_ctx_test_probe
	.globl pvsr_ctx_test_probe_ret
	.type pvsr_ctx_test_probe, @function
pvsr_ctx_test_probe:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rsi			/* 16(%rsp): out */
	pushq	%rdx			/* 8(%rsp): jump */
	pushq	$0			/* 0(%rsp): returns; rsp 16-aligned */
	movabsq	$PROBE_RBX, %rbx
	movabsq	$PROBE_RBP, %rbp
	movabsq	$PROBE_R12, %r12
	movabsq	$PROBE_R13, %r13
	movabsq	$PROBE_R14, %r14
	movabsq	$PROBE_R15, %r15
	movq	%rsp, OUT(RSP_CALL)(%rsi)
	call	pvsr_setjmp		/* %rdi: jb */
pvsr_ctx_test_probe_ret:
	incq	(%rsp)
	cmpq	$1, (%rsp)
	jne	1f
	/* First return: lose every value, then do what Xen would. */
	xorl	%ebx, %ebx
	xorl	%ebp, %ebp
	xorl	%r12d, %r12d
	xorl	%r13d, %r13d
	xorl	%r14d, %r14d
	xorl	%r15d, %r15d
	call	*8(%rsp)
	ud2
1:	movq	16(%rsp), %rsi
	movq	(%rsp), %rdx
	movq	%rdx, OUT(RETURNS)(%rsi)
	movq	%rax, OUT(RAX)(%rsi)
	movq	%rsp, OUT(RSP)(%rsi)
	movq	%rbx, OUT(RBX)(%rsi)
	movq	%rbp, OUT(RBP)(%rsi)
	movq	%r12, OUT(R12)(%rsi)
	movq	%r13, OUT(R13)(%rsi)
	movq	%r14, OUT(R14)(%rsi)
	movq	%r15, OUT(R15)(%rsi)
	addq	$24, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret
	.size pvsr_ctx_test_probe, . - pvsr_ctx_test_probe

	.globl pvsr_ctx_test_entry
	.type pvsr_ctx_test_entry, @function
pvsr_ctx_test_entry:
	movq	%rsp, %rdi
	movq	%rbp, %rsi
	subq	$8, %rsp		/* as a C function expects a call */
	call	pvsr_ctx_test_entered
	ud2
	.size pvsr_ctx_test_entry, . - pvsr_ctx_test_entry

	.section .note.GNU-stack, "", @progbits
