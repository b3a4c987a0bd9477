// SPDX-License-Identifier: GPL-2.0
/*
 * Boot of the pvsr test guest on vCPU 0: per-CPU pointer, traps, console,
 * shared_info, then the scenario named on the command line.
 */
#include "test-guest/guest.h"
#include "test-guest/scenario.h"
#include "test-guest/smp.h"
#include "test-guest/hotplug.h"
#include "test-guest/suspend_window.h"
#include "test-guest/workload.h"
#include "test-guest/events.h"
#include "test-guest/suspend.h"
#include "test-guest/xenstore.h"
#include "arch/x86/traps.h"
#include "hypercall/hypercall.h"

start_info_t *guest_start_info;
struct shared_info *guest_shared_info;
struct guest_cpu guest_cpus[GUEST_MAX_VCPUS];
char guest_vcpu_stacks[GUEST_MAX_VCPUS][GUEST_STACK_SIZE] __aligned(
	GUEST_PAGE_SIZE);
char guest_cmdline[MAX_GUEST_CMDLINE];

/* The frame behind this page is given up for a mapping of shared_info. */
static char shared_info_page[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE)
	__section(".bss.page_aligned");

unsigned long pfn_to_mfn(unsigned long pfn)
{
	const unsigned long *p2m =
		(const unsigned long *)guest_start_info->mfn_list;

	return p2m[pfn];
}

unsigned long virt_to_mfn(const void *va)
{
	return pfn_to_mfn(virt_to_pfn(va));
}

static void map_shared_info(void)
{
	long rc;

	/* The same mapping pvsr makes again after every resume. */
	guest_arch_init(shared_info_page);
	rc = pvsr_arch_map_shared_info(&guest_arch);
	if (rc)
		panic("mapping shared_info failed: %ld", rc);
	guest_shared_info = (struct shared_info *)shared_info_page;
}

static void cpu0_early_init(void)
{
	struct guest_cpu *cpu = &guest_cpus[0];

	cpu->self = cpu;
	cpu->id = 0;
	cpu->stack_top = (unsigned long)guest_vcpu_stacks[0] + GUEST_STACK_SIZE;
	cpu->kernel_sp = cpu->stack_top;
	if (pvsr_hyp_set_segment_base(SEGBASE_GS_KERNEL, (unsigned long)cpu))
		crash_early();
}

void guest_poweroff(void)
{
	console_printf("# pvsr-guest: powering off\n");
	console_flush();
	pvsr_hyp_sched_shutdown(SHUTDOWN_poweroff);
	panic("SCHEDOP_shutdown(poweroff) returned");
}

void crash_early(void)
{
	pvsr_hyp_sched_shutdown(SHUTDOWN_crash);
	for (;;)
		;
}

void guest_start(start_info_t *si)
{
	long rc;

	guest_start_info = si;
	memcpy(guest_cmdline, si->cmd_line, sizeof(guest_cmdline));
	guest_cmdline[sizeof(guest_cmdline) - 1] = '\0';
	cpu0_early_init();
	console_init();
	rc = pvsr_arch_traps_init();
	if (rc)
		panic("loading the trap table and callbacks failed: %ld", rc);
	map_shared_info();
	guest_cpus[0].vcpu_info = &guest_shared_info->vcpu_info[0];
	console_printf("pvsr-guest: booting on %s, %lu pages, cmdline \"%s\"\n",
		       si->magic, si->nr_pages, guest_cmdline);
	events_init();
	smp_boot_cpu_init();
	cpu_local_setup();
	xs_init();
	hotplug_boot_limit();
	workload_cpu_start();
	window_init();
	smp_bring_up_all();
	guest_suspend_init();
	console_printf("pvsr-guest: %u vCPUs online\n", smp_online_count());
	scenario_main();
	guest_poweroff();
}
