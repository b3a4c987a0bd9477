/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exception and event-upcall entry for a 64-bit PV kernel (see traps.h).
 */
#include "hypercall/xen_abi_asm.h"
#include "arch/x86/traps.h"

	.text

/* Xen's bounce frame starts with rcx and r11; give them back first. */
.macro ENTRY_NOERR name, vec
	.globl \name
	.type \name, @function
\name:
	popq	%rcx
	popq	%r11
	pushq	$0
	pushq	$\vec
	jmp	trap_common
	.size \name, . - \name
.endm

.macro ENTRY_ERR name, vec
	.globl \name
	.type \name, @function
\name:
	popq	%rcx
	popq	%r11
	pushq	$\vec
	jmp	trap_common
	.size \name, . - \name
.endm

ENTRY_NOERR pvsr_entry_de, 0
ENTRY_NOERR pvsr_entry_db, 1
ENTRY_NOERR pvsr_entry_nmi, 2
ENTRY_NOERR pvsr_entry_bp, 3
ENTRY_NOERR pvsr_entry_of, 4
ENTRY_NOERR pvsr_entry_br, 5
ENTRY_NOERR pvsr_entry_ud, 6
ENTRY_NOERR pvsr_entry_nm, 7
ENTRY_ERR   pvsr_entry_df, 8
ENTRY_ERR   pvsr_entry_ts, 10
ENTRY_ERR   pvsr_entry_np, 11
ENTRY_ERR   pvsr_entry_ss, 12
ENTRY_ERR   pvsr_entry_gp, 13
ENTRY_ERR   pvsr_entry_pf, 14
ENTRY_NOERR pvsr_entry_mf, 16
ENTRY_ERR   pvsr_entry_ac, 17
ENTRY_NOERR pvsr_entry_mc, 18
ENTRY_NOERR pvsr_entry_xm, 19
ENTRY_NOERR pvsr_entry_upcall, PVSR_VEC_UPCALL
ENTRY_NOERR pvsr_entry_failsafe, PVSR_VEC_FAILSAFE

trap_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	/* The C handler wants the ABI's 16-byte stack alignment. */
	movq	%rsp, %rbx
	andq	$-16, %rsp
	movq	%rbx, %rdi
	call	pvsr_handle_trap
	movq	%rbx, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	/* Drop vector and error code; the iret frame is left. */
	addq	$16, %rsp
	jmp	pvsr_hyp_iret

	.section .note.GNU-stack, "", @progbits
