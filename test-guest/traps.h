/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Expected faults: a test that provokes a trap on purpose (a ring-3 load
 * from a kernel address, an int3) arms a fixup for that vector first; the
 * trap then resumes at the fixup instead of crashing the domain.
 */
#ifndef PVSR_TEST_GUEST_TRAPS_H
#define PVSR_TEST_GUEST_TRAPS_H

#include "test-guest/lib.h"
#include "arch/x86/setjmp.h"
#include "arch/x86/traps.h"

struct trap_fixup {
	unsigned long vector; /* the one trap expected */
	/* longjmp here (value 1); NULL: carry on after the trap. */
	struct pvsr_jmp_buf *resume;
	/* Filled when the trap is taken: */
	bool taken;
	bool from_user;
	unsigned long error_code;
	unsigned long fault_address;
	unsigned long rip;
};

void trap_fixup_arm(struct trap_fixup *fixup);
void trap_fixup_disarm(void);

unsigned long trap_fault_address(void);
void dump_registers(const struct pvsr_regs *regs);
__noreturn void crash_domain(void);

/* Event channel upcall (test-guest/events.c). */
void guest_event_upcall(struct pvsr_regs *regs);

#endif /* PVSR_TEST_GUEST_TRAPS_H */
