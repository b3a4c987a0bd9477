/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A real ring-3 task: its own page table (an L4 holding only user
 * mappings), one code page and one data page, entered with
 * HYPERVISOR_iret and left through a trap.
 *
 * The task runs one program (user_entry.S): it spins until a TSC deadline
 * (long enough for events to arrive in user mode, if asked to), reads a
 * word of its own data page and copies it, then loads from a probe
 * address the kernel chose, records that the load worked, and ends by
 * loading from an address that is never mapped. Every run therefore comes back as a #PF,
 * and the fault address says how far it got: the exit address (it ran to
 * the end) or the probe address (the probe faulted).
 */
#ifndef PVSR_TEST_GUEST_USER_H
#define PVSR_TEST_GUEST_USER_H

/* The task's address space (the lower, user half). */
#define USER_CODE_VA 0x400000UL
#define USER_DATA_VA 0x401000UL
/* Never mapped: the program ends with a load from here. */
#define USER_EXIT_VA 0x10000UL

/* Layout of the data page, shared by the program and the kernel. */
#define USER_PAGE_OWN_VALUE 0 /* written by the kernel */
#define USER_PAGE_OWN_SEEN 8 /* what the task read there */
#define USER_PAGE_PROBE_SEEN 16 /* what the task read at the probe */
#define USER_PAGE_PROBE_DONE 24 /* 1 once the probe load worked */
#define USER_PAGE_SPIN_UNTIL 32 /* TSC value to spin until first */

#ifndef __ASSEMBLY__
#include "test-guest/traps.h"

struct user_page {
	uint64_t own_value;
	uint64_t own_seen;
	uint64_t probe_seen;
	uint64_t probe_done;
	uint64_t spin_until_tsc;
};

struct user_run_args {
	uint64_t own_value; /* put in the task's data page */
	unsigned long probe_va; /* what the task then loads from */
	uint64_t spin_until_tsc; /* 0: no spinning */
};

struct user_run_result {
	struct trap_fixup trap; /* how user mode ended */
	uint64_t own_seen;
	bool probe_done;
	uint64_t probe_seen;
};

/*
 * Build the task (page table, pages) once; later calls return the first
 * result. 0 or a negative Xen errno.
 */
long user_task_init(void);

/*
 * Run the program once on the calling vCPU. User mode runs with events
 * on; the caller's event mask is restored afterwards. Returns 0 with
 * *res filled, or a negative Xen errno if user mode could not be entered.
 */
long user_run(const struct user_run_args *args, struct user_run_result *res);

/*
 * The task's L4, for what must rebuild a vCPU's context after a resume
 * (pvsr_vcpu_arch_state.user_l4_mfn): 0 before user_task_init().
 * Only the PFN is kept; the MFN is looked up in this domain's P2M.
 */
unsigned long user_l4_pfn(void);
uint64_t user_l4_mfn(void);

/*
 * A fresh page holding the program [start, end), mapped at va in the L4
 * l4_mfn, executable and not writable. 0 or a negative Xen errno.
 */
long user_map_program(uint64_t l4_mfn, unsigned long va, const char *start,
		      const char *end);

/* Make the task's L4 the calling vCPU's user page table. */
long user_use_task_page_table(void);

/* The entry to ring 3 (user_entry.S): a program and three arguments. */
__noreturn void user_enter(unsigned long rip, unsigned long rsp,
			   unsigned long arg0, unsigned long arg1,
			   unsigned long arg2);
extern const char user_code_start[], user_code_end[];
#endif

#endif /* PVSR_TEST_GUEST_USER_H */
