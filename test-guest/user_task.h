/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ring-3 task every vCPU runs: state that only lives in registers
 * while a user task runs, checked continuously from user mode.
 *
 * Each vCPU has a data page of its own in the user address space (the
 * task's L4, see user.h) and its own FS and user GS bases pointing into
 * it. The program (user_task_prog.S) loads known values into xmm0-15,
 * st0 and MXCSR once, then loops: every register and the words at %fs:0
 * and %gs:8 must still hold what the kernel put in the page. A mismatch
 * is written to the page and ends the run; a lost FS or GS base ends it
 * as a #PF at address 0 or 8. The kernel never touches vector registers
 * (it is built -mno-sse), so the values survive kernel entries, timer
 * ticks, and must survive a park and resume anywhere.
 *
 * Events from user mode land on a per-vCPU task kernel stack (not the
 * vCPU's own stack), so a context rebuilt with the wrong kernel_sp shows
 * up as an event frame outside it.
 */
#ifndef PVSR_TEST_GUEST_USER_TASK_H
#define PVSR_TEST_GUEST_USER_TASK_H

/* Where the per-vCPU pages and the program sit in the task's space. */
#define UTASK_CODE_VA 0x500000UL
#define UTASK_DATA_VA 0x600000UL /* + vCPU * page */

/* Layout of a vCPU's page, shared by the program and the kernel. */
#define UTASK_STOP 0 /* kernel: end the run at the next round */
#define UTASK_RUN_UNTIL 8 /* kernel: TSC value to run until */
#define UTASK_LOADED 16 /* registers hold the values already */
#define UTASK_ROUNDS 24 /* rounds checked, ever */
#define UTASK_ERROR 32 /* enum utask_error of the first mismatch */
#define UTASK_ERROR_DETAIL 40 /* register number, or the value seen */
#define UTASK_FS_EXPECT 48
#define UTASK_GS_EXPECT 56
#define UTASK_X87_EXPECT 64 /* bit pattern of a double in st0 */
#define UTASK_MXCSR_EXPECT 72
#define UTASK_SCRATCH 80 /* 16 bytes */
#define UTASK_XMM_EXPECT 128 /* 16 x 16 bytes */
#define UTASK_FS_AREA 0x800 /* fs_base points here: FS_EXPECT at +0 */
#define UTASK_GS_AREA 0x900 /* gs_base_user + 8: GS_EXPECT */
#define UTASK_GS_OFFSET 8

#define UTASK_E_NONE 0
#define UTASK_E_XMM 1
#define UTASK_E_X87 2
#define UTASK_E_MXCSR 3
#define UTASK_E_FS 4
#define UTASK_E_GS 5

#ifndef __ASSEMBLY__
#include "test-guest/guest.h"

struct utask_stats {
	uint64_t runs; /* entries into user mode */
	uint64_t rounds; /* rounds the program checked */
	uint64_t fpu_errors; /* xmm, x87 or MXCSR not as loaded */
	uint64_t segment_errors; /* %fs:0 / %gs:8 wrong, or a base lost */
	uint64_t other_faults; /* a run that ended any other way */
	uint64_t kstack_errors; /* event from user mode off the task stack */
	unsigned long last_detail;
};

/*
 * Once, on vCPU 0, after user_task_init(): map every vCPU's page and the
 * program into the task's address space. 0 or a negative Xen errno.
 */
long utask_init(void);
bool utask_ready(void);
/* Pages utask_init() mapped in the task's address space. */
unsigned int utask_user_pages(void);

/*
 * Run the calling vCPU's task in user mode until run_ns have passed, or,
 * with until_stopped, until utask_stop_all() (the run also ends at the
 * first mismatch). Returns 0 or a negative Xen errno if user mode could
 * not be entered. Not from event handlers.
 */
long utask_run(uint64_t run_ns, bool until_stopped);
/* Before open-ended runs: let them run until utask_stop_all(). */
void utask_arm_all(void);
/* Make every running task leave user mode at its next round. */
void utask_stop_all(void);

void utask_snapshot(unsigned int cpu, struct utask_stats *out);

/* An event from user mode on cpu had its frame at regs (kernel_sp check). */
void utask_check_event_frame(struct guest_cpu *cpu, const void *regs);
/* sp is on cpu's task kernel stack. */
bool utask_on_task_stack(unsigned int cpu, unsigned long sp);

extern const char utask_prog_start[], utask_prog_end[];
#endif

#endif /* PVSR_TEST_GUEST_USER_TASK_H */
