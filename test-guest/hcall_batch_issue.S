/* SPDX-License-Identifier: GPL-2.0 */
/*
 * long hcall_batch_issue(struct mmu_update *req, unsigned long count,
 *			  unsigned int *done, uint8_t *upcall_mask)
 *
 * Lets events in and goes straight into Xen's mmu_update stub, whose
 * "ret" returns to our caller. From the unmask to the stub's syscall the
 * batch is built (with this domain's MFNs) but not yet issued: an upcall
 * landing there must not park, or the batch would be issued in the next
 * domain. The upcall knows the spot by the window labels and the stub.
 */
#include "hypercall/xen_abi_asm.h"

/*
 * Self-test builds widen the window to a spin of a few ms, longer than
 * pvsr's 1 ms between park pokes, so that a park IPI lands in it:
 * PVSR_SELFTEST_BATCH_WINDOW_WIDE with the hold-off (must pass),
 * PVSR_SELFTEST_BATCH_WINDOW_OPEN without it (must fail).
 */
#if defined(PVSR_SELFTEST_BATCH_WINDOW_WIDE) || \
	defined(PVSR_SELFTEST_BATCH_WINDOW_OPEN)
#define WINDOW_SPINS 300000
#endif

	.text
	.globl hcall_batch_issue
	.type hcall_batch_issue, @function
hcall_batch_issue:
	movq	$DOMID_SELF, %r10
	movb	$0, (%rcx)
	.globl hcall_batch_window_start
hcall_batch_window_start:
#ifdef WINDOW_SPINS
	movl	$WINDOW_SPINS, %eax
1:	pause
	decl	%eax
	jnz	1b
#endif
	.globl hcall_batch_window_end
hcall_batch_window_end:
	jmp	hypercall_page + __HYPERVISOR_mmu_update * 32
	.size hcall_batch_issue, . - hcall_batch_issue

	.section .note.GNU-stack, "", @progbits
