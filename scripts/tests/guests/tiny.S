/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny 64-bit PV "guest" for the harness's own end-to-end self-tests: it
 * proves the harness reports a crash and a hang under the real Xen, without
 * depending on the real test guest misbehaving.
 *
 *   -DTINY_CRASH: executes ud2 with no trap table: Xen crashes the domain
 *                 ("Unhandled: vec 6"), which on_crash="preserve" keeps.
 *   -DTINY_HANG:  spins forever, printing nothing.
 *
 * The notes come from the same header as the pvsr guest's: Xen's public
 * elfnote.h, through hypercall/xen_elfnote.inc.
 */
#include "hypercall/xen_elfnote.inc"

#define VIRT_BASE 0xffffffff80000000

XEN_NOTE XEN_ELFNOTE_GUEST_OS
	.asciz "pvsr-harness-tiny"
XEN_NOTE_END
XEN_NOTE XEN_ELFNOTE_XEN_VERSION
	.asciz "xen-3.0"
XEN_NOTE_END
XEN_NOTE XEN_ELFNOTE_LOADER
	.asciz "generic"
XEN_NOTE_END
XEN_NOTE XEN_ELFNOTE_VIRT_BASE
	.quad VIRT_BASE
XEN_NOTE_END
XEN_NOTE XEN_ELFNOTE_PADDR_OFFSET
	.quad VIRT_BASE
XEN_NOTE_END
XEN_NOTE XEN_ELFNOTE_ENTRY
	.quad _start
XEN_NOTE_END
XEN_NOTE XEN_ELFNOTE_HYPERCALL_PAGE
	.quad hypercall_page
XEN_NOTE_END

	.text
	.globl _start
_start:
#if defined(TINY_CRASH)
	ud2
#elif defined(TINY_HANG)
1:	pause
	jmp	1b
#else
#error "define TINY_CRASH or TINY_HANG"
#endif

	.balign 4096
hypercall_page:
	.fill 4096, 1, 0xc3

	.section .note.GNU-stack, "", @progbits
