// SPDX-License-Identifier: GPL-2.0
/*
 * The ring-3 task (see user.h).
 *
 * In 64-bit PV the kernel and user mode both run in ring 3; Xen tells
 * them apart by which page table is live. A vCPU has two: the kernel's
 * (CR3) and a user one (MMUEXT_NEW_USER_BASEPTR, ctrlreg[1] in a vCPU
 * context). Xen switches to the user one on an iret whose cs has RPL 3,
 * and back on every trap, event or syscall from user mode, swapping the
 * GS bases at the same time. So the user L4 must hold nothing but user
 * mappings: whatever it maps, user mode can reach.
 */
#include "test-guest/user.h"
#include "test-guest/mm.h"
#include "test-guest/events.h"
#include "test-guest/smp.h"
#include "arch/x86/setjmp.h"
#include "hypercall/hypercall.h"
#include <xenpub/errno.h>

_Static_assert(offsetof(struct user_page, own_value) == USER_PAGE_OWN_VALUE &&
		       offsetof(struct user_page, own_seen) ==
			       USER_PAGE_OWN_SEEN &&
		       offsetof(struct user_page, probe_seen) ==
			       USER_PAGE_PROBE_SEEN &&
		       offsetof(struct user_page, probe_done) ==
			       USER_PAGE_PROBE_DONE &&
		       offsetof(struct user_page, spin_until_tsc) ==
			       USER_PAGE_SPIN_UNTIL,
	       "user_entry.S and struct user_page disagree");

/*
 * Room left below the frames of the kernel code that enters user mode,
 * before Xen's bounce frames for traps and events from user mode.
 */
#define KERNEL_SP_GAP 128

static struct {
	long status; /* of user_task_init(), once done */
	bool done;
	unsigned long l4_pfn;
	struct user_page *page; /* the data page, in the direct map */
} task;

/* Per vCPU: how a run gets back from user mode. */
struct user_cpu {
	struct pvsr_jmp_buf back;
	struct trap_fixup fixup;
	bool events_were_masked;
};

static struct user_cpu user_cpus[GUEST_MAX_VCPUS];

unsigned long user_l4_pfn(void)
{
	return task.done && !task.status ? task.l4_pfn : 0;
}

uint64_t user_l4_mfn(void)
{
	unsigned long pfn = user_l4_pfn();

	return pfn ? pfn_to_mfn(pfn) : 0;
}

long user_map_program(uint64_t l4_mfn, unsigned long va, const char *start,
		      const char *end)
{
	char *code = mm_alloc_page();

	if (!code)
		return -XEN_ENOMEM;
	memcpy(code, start, end - start);
	return mm_map(l4_mfn, va,
		      pvsr_pte_user_leaf(virt_to_mfn(code), PVSR_PROT_EXEC));
}

static long map_data(uint64_t l4_mfn)
{
	struct user_page *page = mm_alloc_page();

	if (!page)
		return -XEN_ENOMEM;
	task.page = page;
	return mm_map(l4_mfn, USER_DATA_VA,
		      pvsr_pte_user_leaf(virt_to_mfn(page), PVSR_PROT_WRITE));
}

/*
 * The L4 starts empty: Xen fills in its own slots when it validates the
 * pin, and we add only the task's pages.
 */
static long build_task(void)
{
	uint64_t l4_mfn;
	long rc;

	mm_init();
	rc = mm_new_table(&task.l4_pfn);
	if (rc)
		return rc;
	rc = mm_pin_l4(task.l4_pfn);
	if (rc)
		return rc;
	l4_mfn = pfn_to_mfn(task.l4_pfn);
	rc = user_map_program(l4_mfn, USER_CODE_VA, user_code_start,
			      user_code_end);
	if (rc)
		return rc;
	return map_data(l4_mfn);
}

long user_task_init(void)
{
	if (!task.done) {
		task.status = build_task();
		task.done = true;
	}
	return task.status;
}

/*
 * The user page table is per vCPU in Xen. Registering the same L4 again
 * is a no-op; after a migration the MFN is new, so look it up each time.
 */
long user_use_task_page_table(void)
{
	struct mmuext_op op = {
		.cmd = MMUEXT_NEW_USER_BASEPTR,
		.arg1.mfn = user_l4_mfn(),
	};

	return pvsr_hyp_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static inline unsigned long current_sp(void)
{
	unsigned long sp;

	asm volatile("movq %%rsp, %0" : "=r"(sp));
	return sp;
}

/*
 * Xen writes the frame of a trap or event from user mode at kernel_sp.
 * Point it just below the frames in use: whatever lies below the caller
 * is dead once in user mode, handlers then run on the vCPU's own stack
 * (where the workloads expect them), and every run sets it again, so a
 * context rebuilt after a resume cannot leave it stale.
 */
static long set_kernel_stack_below(unsigned long sp)
{
	return cpu_set_kernel_stack((sp - KERNEL_SP_GAP) & ~15UL);
}

static void collect(const struct user_cpu *uc, struct user_run_result *res)
{
	const struct user_page *page = task.page;

	res->trap = uc->fixup;
	res->own_seen = page->own_seen;
	res->probe_done = page->probe_done;
	res->probe_seen = page->probe_seen;
}

long user_run(const struct user_run_args *args, struct user_run_result *res)
{
	struct guest_cpu *cpu = this_cpu();
	struct user_cpu *uc = &user_cpus[cpu->id];
	long rc;

	if (!user_l4_pfn())
		return -XEN_ENOENT;
	*task.page = (struct user_page){
		.own_value = args->own_value,
		.spin_until_tsc = args->spin_until_tsc,
	};
	rc = user_use_task_page_table();
	if (rc)
		return rc;
	uc->events_were_masked = cpu->vcpu_info->evtchn_upcall_mask;
	uc->fixup = (struct trap_fixup){
		.vector = PVSR_VEC_PF,
		.resume = &uc->back,
	};
	if (!pvsr_setjmp(&uc->back)) {
		rc = set_kernel_stack_below(current_sp());
		if (rc)
			return rc;
		trap_fixup_arm(&uc->fixup);
		user_enter(USER_CODE_VA, USER_DATA_VA + GUEST_PAGE_SIZE,
			   USER_DATA_VA, args->probe_va, USER_EXIT_VA);
	}
	/*
	 * Back in kernel mode (kernel page table and GS), through the #PF
	 * handler, which masked events.
	 */
	if (!uc->events_were_masked)
		events_enable_local();
	collect(uc, res);
	return 0;
}
