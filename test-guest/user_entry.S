/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Into ring 3, and the program the ring-3 task runs (see user.h).
 */
#include "hypercall/xen_abi_asm.h"
#include "test-guest/user.h"

/* IF (events on in user mode, like any real task) and reserved bit 1. */
#define USER_RFLAGS 0x202

	.text
/*
 * user_enter(rip, rsp, arg0, arg1, arg2): never returns; the task comes
 * back to the kernel through a trap. The iret frame has cs with RPL 3,
 * which is what makes Xen's do_iret switch to the user page table (and
 * the user GS base). The hypercall stub pushes rax, r11 and rcx itself;
 * every other register goes to user mode as it is, so the arguments go
 * in rdi, rsi, rdx and the rest are cleared: no kernel values leak.
 */
	.globl user_enter
	.type user_enter, @function
user_enter:
	pushq	$FLAT_USER_SS64
	pushq	%rsi
	pushq	$USER_RFLAGS
	pushq	$FLAT_USER_CS64
	pushq	%rdi
	movq	%rdx, %rdi
	movq	%rcx, %rsi
	movq	%r8, %rdx
	xorl	%eax, %eax
	xorl	%ebx, %ebx
	xorl	%ecx, %ecx
	xorl	%ebp, %ebp
	xorl	%r8d, %r8d
	xorl	%r9d, %r9d
	xorl	%r10d, %r10d
	xorl	%r11d, %r11d
	xorl	%r12d, %r12d
	xorl	%r13d, %r13d
	xorl	%r14d, %r14d
	xorl	%r15d, %r15d
	jmp	pvsr_hyp_iret
	.size user_enter, . - user_enter

/*
 * The program, copied into the task's code page: position independent,
 * no stack. rdi: the task's data page, rsi: the probe address, rdx: the
 * exit address (kept in r9: rdtsc writes rdx).
 */
	.section .rodata, "a"
	.balign 16
	.globl user_code_start
	.globl user_code_end
user_code_start:
	movq	%rdx, %r9
	movq	USER_PAGE_SPIN_UNTIL(%rdi), %r8
1:	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	cmpq	%r8, %rax
	jb	1b
	movq	USER_PAGE_OWN_VALUE(%rdi), %rax
	movq	%rax, USER_PAGE_OWN_SEEN(%rdi)
	movq	(%rsi), %rax
	movq	%rax, USER_PAGE_PROBE_SEEN(%rdi)
	movq	$1, USER_PAGE_PROBE_DONE(%rdi)
	movq	(%r9), %rax
	ud2
user_code_end:

	.section .note.GNU-stack, "", @progbits
