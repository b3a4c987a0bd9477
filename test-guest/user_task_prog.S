/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The program of the per-vCPU ring-3 task (see user_task.h), copied into
 * the task's code page: position independent, no stack. rdi: this
 * vCPU's data page; rsi: the address whose load ends the run.
 * SSE is used here, in user mode only; the kernel is built without it.
 */
#include "test-guest/user_task.h"

.macro LOAD_XMM n
	movdqu	UTASK_XMM_EXPECT + 16 * \n(%rdi), %xmm\n
.endm

/* Store xmm n and compare both halves with what the kernel put there. */
.macro CHECK_XMM n
	movdqu	%xmm\n, UTASK_SCRATCH(%rdi)
	movq	UTASK_SCRATCH(%rdi), %rax
	cmpq	UTASK_XMM_EXPECT + 16 * \n(%rdi), %rax
	jne	9f
	movq	UTASK_SCRATCH + 8(%rdi), %rax
	cmpq	UTASK_XMM_EXPECT + 16 * \n + 8(%rdi), %rax
	jne	9f
	jmp	8f
9:	movq	$\n, %rcx
	jmp	bad_xmm
8:
.endm

	.section .rodata, "a"
	.balign 16
	.globl utask_prog_start
	.globl utask_prog_end
utask_prog_start:
	movq	%rsi, %r9
	cmpq	$0, UTASK_LOADED(%rdi)
	jne	round
	LOAD_XMM 0
	LOAD_XMM 1
	LOAD_XMM 2
	LOAD_XMM 3
	LOAD_XMM 4
	LOAD_XMM 5
	LOAD_XMM 6
	LOAD_XMM 7
	LOAD_XMM 8
	LOAD_XMM 9
	LOAD_XMM 10
	LOAD_XMM 11
	LOAD_XMM 12
	LOAD_XMM 13
	LOAD_XMM 14
	LOAD_XMM 15
	fninit
	fldl	UTASK_X87_EXPECT(%rdi)
	ldmxcsr	UTASK_MXCSR_EXPECT(%rdi)
	movq	$1, UTASK_LOADED(%rdi)
round:
	CHECK_XMM 0
	CHECK_XMM 1
	CHECK_XMM 2
	CHECK_XMM 3
	CHECK_XMM 4
	CHECK_XMM 5
	CHECK_XMM 6
	CHECK_XMM 7
	CHECK_XMM 8
	CHECK_XMM 9
	CHECK_XMM 10
	CHECK_XMM 11
	CHECK_XMM 12
	CHECK_XMM 13
	CHECK_XMM 14
	CHECK_XMM 15
	/* fstl does not pop: st0 stays for the next round. */
	fstl	UTASK_SCRATCH(%rdi)
	movq	UTASK_SCRATCH(%rdi), %rax
	cmpq	UTASK_X87_EXPECT(%rdi), %rax
	jne	bad_x87
	stmxcsr	UTASK_SCRATCH(%rdi)
	movl	UTASK_SCRATCH(%rdi), %eax
	cmpl	UTASK_MXCSR_EXPECT(%rdi), %eax
	jne	bad_mxcsr
	/* With a lost base these load from 0 or 8: a #PF that says which. */
	movq	%fs:0, %rax
	cmpq	UTASK_FS_EXPECT(%rdi), %rax
	jne	bad_fs
	movq	%gs:UTASK_GS_OFFSET, %rax
	cmpq	UTASK_GS_EXPECT(%rdi), %rax
	jne	bad_gs
	incq	UTASK_ROUNDS(%rdi)
	cmpq	$0, UTASK_STOP(%rdi)
	jne	leave
	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	cmpq	UTASK_RUN_UNTIL(%rdi), %rax
	jb	round
leave:
	movq	(%r9), %rax
	ud2
bad_xmm:
	movq	$UTASK_E_XMM, UTASK_ERROR(%rdi)
	movq	%rcx, UTASK_ERROR_DETAIL(%rdi)
	jmp	leave
bad_x87:
	movq	$UTASK_E_X87, UTASK_ERROR(%rdi)
	jmp	bad_value
bad_mxcsr:
	movq	$UTASK_E_MXCSR, UTASK_ERROR(%rdi)
	jmp	bad_value
bad_fs:
	movq	$UTASK_E_FS, UTASK_ERROR(%rdi)
	jmp	bad_value
bad_gs:
	movq	$UTASK_E_GS, UTASK_ERROR(%rdi)
bad_value:
	movq	%rax, UTASK_ERROR_DETAIL(%rdi)
	jmp	leave
utask_prog_end:

	.section .note.GNU-stack, "", @progbits
