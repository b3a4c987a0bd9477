/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry point and Xen ELF notes of the pvsr PV test guest.
 */
#include "hypercall/xen_elfnote.inc"
#include "test-guest/layout.h"

XEN_NOTE XEN_ELFNOTE_GUEST_OS
	.asciz "pvsr-test-guest"
XEN_NOTE_END
XEN_NOTE XEN_ELFNOTE_GUEST_VERSION
	.asciz "1"
XEN_NOTE_END
XEN_NOTE XEN_ELFNOTE_XEN_VERSION
	.asciz "xen-3.0"
XEN_NOTE_END
XEN_NOTE XEN_ELFNOTE_LOADER
	.asciz "generic"
XEN_NOTE_END
XEN_NOTE XEN_ELFNOTE_VIRT_BASE
	.quad GUEST_VIRT_BASE
XEN_NOTE_END
/* Physical = virtual - VIRT_BASE: ld's p_paddr equals p_vaddr. */
XEN_NOTE XEN_ELFNOTE_PADDR_OFFSET
	.quad GUEST_VIRT_BASE
XEN_NOTE_END
XEN_NOTE XEN_ELFNOTE_ENTRY
	.quad _start
XEN_NOTE_END
XEN_NOTE XEN_ELFNOTE_HYPERCALL_PAGE
	.quad hypercall_page
XEN_NOTE_END
/* xl save -c and failed saves resume us cooperatively (return 1). */
XEN_NOTE XEN_ELFNOTE_SUSPEND_CANCEL
	.long 1
XEN_NOTE_END

	.section .text.head, "ax", @progbits
	.globl _start
_start:
	/* rsi: start_info (virtual). Xen's boot stack is one page; use ours. */
	cld
	movq	$(guest_vcpu_stacks + GUEST_STACK_SIZE), %rsp
	xorl	%ebp, %ebp
	movq	%rsi, %rdi
	call	guest_start
	ud2

	.section .note.GNU-stack, "", @progbits
