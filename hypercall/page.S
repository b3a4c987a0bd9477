/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hypercall page. Xen writes one 32-byte stub per hypercall here
 * before the guest starts (XEN_ELFNOTE_HYPERCALL_PAGE names it); until
 * then it holds int3 so that a call through an unfilled page traps loudly
 * instead of returning garbage.
 */
#include "hypercall/xen_abi_asm.h"

	.section .text.hypercall_page, "ax", @progbits
	.balign 4096
	.globl hypercall_page
hypercall_page:
	.fill 4096, 1, 0xcc
	.size hypercall_page, 4096

/*
 * Return from an exception or event upcall through HYPERVISOR_iret. The
 * caller has restored every register and left a hardware-style frame
 * (rip, cs, rflags, rsp, ss) on the stack. Xen's iret stub pushes rcx,
 * r11 and rax itself; we add the flags word of struct iret_context.
 * VGCF_in_syscall is never set: we always want rcx/r11 restored.
 */
	.text
	.globl pvsr_hyp_iret
pvsr_hyp_iret:
	pushq	$0
	jmp	hypercall_page + __HYPERVISOR_iret * 32
	.size pvsr_hyp_iret, . - pvsr_hyp_iret

	.section .note.GNU-stack, "", @progbits
