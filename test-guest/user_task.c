// SPDX-License-Identifier: GPL-2.0
/*
 * The per-vCPU ring-3 task (see user_task.h): its pages, its entry into
 * user mode on a task kernel stack, and what each run found.
 */
#include "test-guest/user_task.h"
#include "test-guest/user.h"
#include "test-guest/mm.h"
#include "test-guest/smp.h"
#include "test-guest/events.h"
#include "test-guest/time.h"
#include "arch/x86/traps.h"
#include "hypercall/hypercall.h"
#include <xenpub/errno.h>

#define TASK_KSTACK_SIZE 8192
/* An event frame from user mode lies this close below kernel_sp. */
#define EVENT_FRAME_MAX 512

struct utask_cpu {
	uint64_t *page; /* the vCPU's data page, kernel view */
	struct pvsr_jmp_buf back;
	struct trap_fixup fixup;
	struct utask_stats stats;
};

static struct utask_cpu utask_cpus[GUEST_MAX_VCPUS];
static char task_kstacks[GUEST_MAX_VCPUS][TASK_KSTACK_SIZE] __aligned(16);
static bool utask_is_ready;

static unsigned long data_va(unsigned int cpu)
{
	return UTASK_DATA_VA + cpu * GUEST_PAGE_SIZE;
}

static uint64_t *word(uint64_t *page, unsigned int off)
{
	return &page[off / sizeof(uint64_t)];
}

/* Values no fresh vCPU has: each register and vCPU its own. */
static void fill_expectations(unsigned int cpu, uint64_t *page)
{
	unsigned int r;

	for (r = 0; r < 16; r++) {
		uint64_t lo = 0x5a5a000000000000ULL | ((uint64_t)cpu << 16) | r;

		*word(page, UTASK_XMM_EXPECT + 16 * r) = lo;
		*word(page, UTASK_XMM_EXPECT + 16 * r + 8) = ~lo;
	}
	/* A normal double in [2, 4): exact through fldl/fstl. */
	*word(page, UTASK_X87_EXPECT) = 0x4000000000000000ULL |
					((uint64_t)cpu << 20) | 0x1234;
	/* Not the reset value 0x1f80: flush-to-zero and a rounding mode. */
	*word(page, UTASK_MXCSR_EXPECT) = 0x9f80 | ((cpu & 3) << 13);
	*word(page, UTASK_FS_EXPECT) = 0xf5f5000000000000ULL | cpu;
	*word(page, UTASK_GS_EXPECT) = 0x6565000000000000ULL | cpu;
	*word(page, UTASK_FS_AREA) = *word(page, UTASK_FS_EXPECT);
	*word(page, UTASK_GS_AREA + UTASK_GS_OFFSET) =
		*word(page, UTASK_GS_EXPECT);
}

long utask_init(void)
{
	uint64_t l4_mfn = user_l4_mfn();
	unsigned int cpu;
	long rc;

	if (!l4_mfn)
		return -XEN_ENOENT;
	rc = user_map_program(l4_mfn, UTASK_CODE_VA, utask_prog_start,
			      utask_prog_end);
	for (cpu = 0; !rc && cpu < guest_nr_vcpus; cpu++) {
		uint64_t *page = mm_alloc_page();

		if (!page)
			return -XEN_ENOMEM;
		fill_expectations(cpu, page);
		utask_cpus[cpu].page = page;
		rc = mm_map(l4_mfn, data_va(cpu),
			    pvsr_pte_user_leaf(virt_to_mfn(page),
					       PVSR_PROT_WRITE));
	}
	if (!rc)
		__atomic_store_n(&utask_is_ready, true, __ATOMIC_RELEASE);
	return rc;
}

unsigned int utask_user_pages(void)
{
	return utask_ready() ? 1 + guest_nr_vcpus : 0;
}

bool utask_ready(void)
{
	return __atomic_load_n(&utask_is_ready, __ATOMIC_ACQUIRE);
}

bool utask_on_task_stack(unsigned int cpu, unsigned long sp)
{
	unsigned long base = (unsigned long)task_kstacks[cpu];

	return sp >= base && sp <= base + TASK_KSTACK_SIZE;
}

void utask_check_event_frame(struct guest_cpu *cpu, const void *regs)
{
	unsigned long at = (unsigned long)regs;

	if (at >= cpu->kernel_sp || at < cpu->kernel_sp - EVENT_FRAME_MAX)
		utask_cpus[cpu->id].stats.kstack_errors++;
}

/* The task's own FS and user GS bases, as a kernel loads them per task. */
static long load_task_segments(unsigned int cpu)
{
	long rc = pvsr_hyp_set_segment_base(SEGBASE_FS,
					    data_va(cpu) + UTASK_FS_AREA);

	if (!rc)
		rc = pvsr_hyp_set_segment_base(SEGBASE_GS_USER,
					       data_va(cpu) + UTASK_GS_AREA);
	return rc;
}

/* How the run ended: the exit load, or a mismatch the program wrote. */
static void account(struct utask_cpu *uc, unsigned long exit_va)
{
	uint64_t *page = uc->page;
	uint64_t err = __atomic_exchange_n(word(page, UTASK_ERROR),
					   UTASK_E_NONE, __ATOMIC_ACQ_REL);
	unsigned long addr = uc->fixup.fault_address;

	uc->stats.rounds = *word(page, UTASK_ROUNDS);
	uc->stats.last_detail = *word(page, UTASK_ERROR_DETAIL);
	if (err == UTASK_E_XMM || err == UTASK_E_X87 || err == UTASK_E_MXCSR)
		uc->stats.fpu_errors++;
	else if (err == UTASK_E_FS || err == UTASK_E_GS)
		uc->stats.segment_errors++;
	else if (uc->fixup.from_user && (addr == 0 || addr == UTASK_GS_OFFSET))
		uc->stats.segment_errors++; /* %fs:0 or %gs:8 with base 0 */
	else if (!uc->fixup.taken || addr != exit_va)
		uc->stats.other_faults++;
	if (uc->stats.segment_errors || uc->stats.other_faults)
		uc->stats.last_detail = addr;
}

long utask_run(uint64_t run_ns, bool until_stopped)
{
	struct guest_cpu *cpu = this_cpu();
	struct utask_cpu *uc = &utask_cpus[cpu->id];
	unsigned long sp =
		(unsigned long)task_kstacks[cpu->id] + TASK_KSTACK_SIZE;
	bool masked = cpu->vcpu_info->evtchn_upcall_mask;
	long rc;

	if (!utask_ready())
		return -XEN_ENOENT;
	/* An open-ended run's STOP is armed by utask_arm_all(), not here. */
	if (!until_stopped)
		*word(uc->page, UTASK_STOP) = 0;
	*word(uc->page, UTASK_RUN_UNTIL) =
		until_stopped ? ~0ULL : time_tsc_now() + time_ns_to_tsc(run_ns);
	rc = user_use_task_page_table();
	if (!rc)
		rc = load_task_segments(cpu->id);
	if (rc)
		return rc;
	uc->fixup = (struct trap_fixup){
		.vector = PVSR_VEC_PF,
		.resume = &uc->back,
	};
	uc->stats.runs++;
	if (!pvsr_setjmp(&uc->back)) {
		rc = cpu_set_kernel_stack(sp);
		if (rc)
			return rc;
		trap_fixup_arm(&uc->fixup);
		user_enter(UTASK_CODE_VA, data_va(cpu->id) + GUEST_PAGE_SIZE,
			   data_va(cpu->id), USER_EXIT_VA, 0);
	}
	/* Back through the #PF handler (events masked) on our own stack. */
	account(uc, USER_EXIT_VA);
	if (!masked)
		events_enable_local();
	return 0;
}

void utask_arm_all(void)
{
	unsigned int cpu;

	for (cpu = 0; cpu < guest_nr_vcpus; cpu++)
		if (utask_cpus[cpu].page)
			__atomic_store_n(word(utask_cpus[cpu].page, UTASK_STOP),
					 0, __ATOMIC_RELEASE);
}

void utask_stop_all(void)
{
	unsigned int cpu;

	for (cpu = 0; cpu < guest_nr_vcpus; cpu++)
		if (utask_cpus[cpu].page)
			__atomic_store_n(word(utask_cpus[cpu].page, UTASK_STOP),
					 1, __ATOMIC_RELEASE);
}

void utask_snapshot(unsigned int cpu, struct utask_stats *out)
{
	*out = utask_cpus[cpu].stats;
	if (utask_cpus[cpu].page)
		out->rounds = __atomic_load_n(word(utask_cpus[cpu].page,
						   UTASK_ROUNDS),
					      __ATOMIC_ACQUIRE);
}
