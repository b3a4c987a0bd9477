/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Xen constants for assembly files. xen.h guards its C parts with
 * __ASSEMBLY__, so its #defines can be used from .S files directly.
 */
#ifndef PVSR_HYPERCALL_XEN_ABI_ASM_H
#define PVSR_HYPERCALL_XEN_ABI_ASM_H

#ifndef __ASSEMBLY__
#error "for assembly files only; C code includes hypercall/xen_abi.h"
#endif

#include <xenpub/xen.h>
#include <xenpub/elfnote.h>

/*
 * One Xen ELF note: name "Xen", a type from elfnote.h, and the descriptor
 * written between XEN_NOTE and XEN_NOTE_END, e.g.
 *	XEN_NOTE XEN_ELFNOTE_LOADER
 *		.asciz "generic"
 *	XEN_NOTE_END
 */
.macro XEN_NOTE type
	.pushsection .note.Xen, "a", @note
	.balign 4
	.long	2f - 1f
	.long	4f - 3f
	.long	\type
1:	.asciz	"Xen"
2:	.balign 4
3:
.endm

.macro XEN_NOTE_END
4:	.balign 4
	.popsection
.endm

#endif /* PVSR_HYPERCALL_XEN_ABI_ASM_H */
