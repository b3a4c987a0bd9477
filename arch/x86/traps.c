// SPDX-License-Identifier: GPL-2.0
/*
 * The trap table and Xen callbacks of a 64-bit PV kernel.
 */
#include "arch/x86/traps.h"
#include "hypercall/hypercall.h"

/*
 * flags: bits 0-1 are the privilege level allowed to raise the vector
 * with "int n" (3 for int3, so a ring-3 task can use it), bit 2 masks
 * events on entry like an interrupt gate (TI_SET_IF). Every handler runs
 * with events masked: they are short and never block.
 */
#define TRAP(vec, dpl, fn)                                                 \
	{                                                                  \
		.vector = (vec), .flags = (dpl) | 4, .cs = FLAT_KERNEL_CS, \
		.address = (unsigned long)(fn)                             \
	}

const struct trap_info pvsr_trap_table[] = { TRAP(0, 0, pvsr_entry_de),
					     TRAP(1, 0, pvsr_entry_db),
					     TRAP(2, 0, pvsr_entry_nmi),
					     TRAP(3, 3, pvsr_entry_bp),
					     TRAP(4, 3, pvsr_entry_of),
					     TRAP(5, 3, pvsr_entry_br),
					     TRAP(6, 0, pvsr_entry_ud),
					     TRAP(7, 0, pvsr_entry_nm),
					     TRAP(8, 0, pvsr_entry_df),
					     TRAP(10, 0, pvsr_entry_ts),
					     TRAP(11, 0, pvsr_entry_np),
					     TRAP(12, 0, pvsr_entry_ss),
					     TRAP(13, 0, pvsr_entry_gp),
					     TRAP(14, 0, pvsr_entry_pf),
					     TRAP(16, 0, pvsr_entry_mf),
					     TRAP(17, 0, pvsr_entry_ac),
					     TRAP(18, 0, pvsr_entry_mc),
					     TRAP(19, 0, pvsr_entry_xm),
					     { 0, 0, 0, 0 } };

static long register_callback(unsigned int type, void (*fn)(void),
			      unsigned int flags)
{
	struct callback_register cb = {
		.type = type,
		.flags = flags,
		.address = (unsigned long)fn,
	};

	return pvsr_hyp_callback_register(&cb);
}

long pvsr_arch_traps_init(void)
{
	long rc;

	rc = pvsr_hyp_set_trap_table(pvsr_trap_table);
	if (rc)
		return rc;
	rc = register_callback(CALLBACKTYPE_event, pvsr_entry_upcall,
			       CALLBACKF_mask_events);
	if (rc)
		return rc;
	return register_callback(CALLBACKTYPE_failsafe, pvsr_entry_failsafe,
				 CALLBACKF_mask_events);
}

void pvsr_arch_backtrace(unsigned long rbp, unsigned int max,
			 void (*emit)(unsigned long pc, void *arg), void *arg)
{
	const unsigned long *frame = (const unsigned long *)rbp;
	unsigned int n;

	for (n = 0; n < max; n++) {
		/* Stacks live in the kernel image, in the top 2 GiB. */
		if (!frame || ((unsigned long)frame & 7) ||
		    (unsigned long)frame < 0xffffffff80000000UL)
			return;
		emit(frame[1], arg);
		frame = (const unsigned long *)frame[0];
	}
}
