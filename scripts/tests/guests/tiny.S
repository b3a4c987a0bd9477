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
 * Note numbers are Xen's public elfnote.h ABI (written out so the harness
 * self-tests need no libxen-dev).
 */
#define XEN_ELFNOTE_ENTRY          1
#define XEN_ELFNOTE_HYPERCALL_PAGE 2
#define XEN_ELFNOTE_VIRT_BASE      3
#define XEN_ELFNOTE_PADDR_OFFSET   4
#define XEN_ELFNOTE_XEN_VERSION    5
#define XEN_ELFNOTE_GUEST_OS       6
#define XEN_ELFNOTE_LOADER         8

#define VIRT_BASE 0xffffffff80000000

.macro NOTE type
	.pushsection .note.Xen, "a", @note
	.balign 4
	.long	2f - 1f
	.long	4f - 3f
	.long	\type
1:	.asciz	"Xen"
2:	.balign 4
3:
.endm
.macro NOTE_END
4:	.balign 4
	.popsection
.endm

NOTE XEN_ELFNOTE_GUEST_OS
	.asciz "pvsr-harness-tiny"
NOTE_END
NOTE XEN_ELFNOTE_XEN_VERSION
	.asciz "xen-3.0"
NOTE_END
NOTE XEN_ELFNOTE_LOADER
	.asciz "generic"
NOTE_END
NOTE XEN_ELFNOTE_VIRT_BASE
	.quad VIRT_BASE
NOTE_END
NOTE XEN_ELFNOTE_PADDR_OFFSET
	.quad VIRT_BASE
NOTE_END
NOTE XEN_ELFNOTE_ENTRY
	.quad _start
NOTE_END
NOTE XEN_ELFNOTE_HYPERCALL_PAGE
	.quad hypercall_page
NOTE_END

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
