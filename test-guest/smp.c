// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU bring-up. A secondary vCPU starts "returning from pvsr_setjmp"
 * into secondary_entry(): boot uses the very context builder that brings
 * vCPUs back after a resume, so that path is exercised on every boot.
 */
#include "test-guest/smp.h"
#include "test-guest/traps.h"
#include "test-guest/time.h"
#include "test-guest/user.h"
#include "arch/x86/traps.h"
#include "arch/x86/pte.h"
#include "hypercall/hypercall.h"

unsigned int guest_nr_vcpus = 1;
unsigned int guest_nr_online = 1;

/*
 * vcpu_info areas, 64 bytes each, 64 to a page. The shared_info slots
 * only cover vCPUs 0-31; Xen refuses VCPUOP_initialise above that until
 * a vcpu_info has been registered, and one must not cross a page.
 */
static struct vcpu_info
	vcpu_info_area[GUEST_MAX_VCPUS] __aligned(GUEST_PAGE_SIZE)
		__section(".bss.page_aligned");

_Static_assert(GUEST_PAGE_SIZE % sizeof(struct vcpu_info) == 0,
	       "a vcpu_info must never cross a page");

/* One GDT frame per vCPU; Xen wants GDT frames mapped read-only. */
static char
	gdt_pages[GUEST_MAX_VCPUS][GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE)
		__section(".bss.page_aligned");
#define GDT_ENTRIES 16

/* Built by vCPU 0 one at a time; too large for a stack. */
static struct vcpu_guest_context boot_context;

static unsigned int vcpu_info_offset(unsigned int cpu)
{
	return (unsigned long)&vcpu_info_area[cpu] % GUEST_PAGE_SIZE;
}

long smp_register_vcpu_info(unsigned int cpu)
{
	struct vcpu_register_vcpu_info info = {
		.mfn = virt_to_mfn(&vcpu_info_area[cpu]),
		.offset = vcpu_info_offset(cpu),
	};
	long rc = pvsr_hyp_vcpu_op(VCPUOP_register_vcpu_info, cpu, &info);

	if (!rc)
		guest_cpus[cpu].vcpu_info = &vcpu_info_area[cpu];
	return rc;
}

static void make_gdt_readonly(unsigned int cpu)
{
	unsigned long va = (unsigned long)gdt_pages[cpu];
	long rc = pvsr_hyp_update_va_mapping(
		va, pvsr_pte_kernel_leaf(virt_to_mfn(gdt_pages[cpu]), 0),
		UVMF_INVLPG | UVMF_ALL);

	if (rc)
		panic("making the GDT of vCPU %u read-only failed: %ld", cpu,
		      rc);
}

void smp_arch_state(unsigned int cpu, struct pvsr_vcpu_arch_state *st)
{
	memset(st, 0, sizeof(*st));
	st->kernel_sp = guest_cpus[cpu].kernel_sp;
	st->gs_base_kernel = (unsigned long)&guest_cpus[cpu];
	st->kernel_l4_mfn = virt_to_mfn((void *)guest_start_info->pt_base);
	st->user_l4_mfn = user_l4_mfn();
	st->gdt_mfn = virt_to_mfn(gdt_pages[cpu]);
	st->gdt_ents = GDT_ENTRIES;
	st->traps = pvsr_trap_table;
	st->event_callback = (unsigned long)pvsr_entry_upcall;
	st->failsafe_callback = (unsigned long)pvsr_entry_failsafe;
	/* As pvsr_arch_traps_init() registered them (CALLBACKF_mask_events). */
	st->callback_flags = VGCF_failsafe_disables_events;
	/* pvsr registers it in its bring-up batch after a real resume. */
	st->vcpu_info_mfn = virt_to_mfn(&vcpu_info_area[cpu]);
	st->vcpu_info_offset = vcpu_info_offset(cpu);
}

long cpu_set_kernel_stack(unsigned long sp)
{
	long rc = pvsr_hyp_stack_switch(FLAT_KERNEL_SS, sp);

	if (!rc)
		this_cpu()->kernel_sp = sp;
	return rc;
}

static void cpu_struct_init(unsigned int cpu)
{
	struct guest_cpu *c = &guest_cpus[cpu];

	c->self = c;
	c->id = cpu;
	c->stack_top = (unsigned long)guest_vcpu_stacks[cpu] + GUEST_STACK_SIZE;
	c->kernel_sp = c->stack_top;
}

void smp_boot_cpu_init(void)
{
	unsigned long offline;
	xen_ulong_t frame;
	long rc;

	guest_nr_vcpus = 1;
	while (guest_nr_vcpus < GUEST_MAX_VCPUS &&
	       pvsr_hyp_vcpu_op(VCPUOP_is_up, guest_nr_vcpus, NULL) >= 0)
		guest_nr_vcpus++;
	offline = cmdline_get_ulong("pvsr.offline", 0);
	if (offline >= guest_nr_vcpus)
		panic("pvsr.offline=%lu leaves no vCPU of %u online", offline,
		      guest_nr_vcpus);
	guest_nr_online = guest_nr_vcpus - offline;
	rc = smp_register_vcpu_info(0);
	if (rc)
		panic("VCPUOP_register_vcpu_info for vCPU 0 failed: %ld", rc);
	make_gdt_readonly(0);
	frame = virt_to_mfn(gdt_pages[0]);
	rc = pvsr_hyp_set_gdt(&frame, GDT_ENTRIES);
	if (rc)
		panic("HYPERVISOR_set_gdt on vCPU 0 failed: %ld", rc);
	__atomic_store_n(&guest_cpus[0].online, true, __ATOMIC_RELEASE);
}

static void secondary_entry(void)
{
	struct guest_cpu *cpu = this_cpu();

	cpu_local_setup();
	__atomic_store_n(&cpu->online, true, __ATOMIC_RELEASE);
	cpu_idle_loop();
}

void smp_bring_up(unsigned int cpu)
{
	struct pvsr_vcpu_arch_state st;
	struct pvsr_jmp_buf jb;
	uint64_t deadline;
	long rc;

	cpu_struct_init(cpu);
	rc = smp_register_vcpu_info(cpu);
	if (rc)
		panic("VCPUOP_register_vcpu_info for vCPU %u failed: %ld", cpu,
		      rc);
	make_gdt_readonly(cpu);
	smp_arch_state(cpu, &st);
	pvsr_arch_entry_jmp_buf(&jb, secondary_entry,
				guest_cpus[cpu].stack_top);
	pvsr_arch_build_context(&boot_context, &jb, &st);
	rc = pvsr_hyp_vcpu_op(VCPUOP_initialise, cpu, &boot_context);
	if (rc)
		panic("VCPUOP_initialise of vCPU %u failed: %ld", cpu, rc);
	rc = pvsr_hyp_vcpu_op(VCPUOP_up, cpu, NULL);
	if (rc)
		panic("VCPUOP_up of vCPU %u failed: %ld", cpu, rc);
	/* Generous: under nested TCG a vCPU may wait long for a pCPU. */
	deadline = time_now_ns() + 30 * NSEC_PER_SEC;
	while (!__atomic_load_n(&guest_cpus[cpu].online, __ATOMIC_ACQUIRE)) {
		if (time_now_ns() > deadline)
			panic("vCPU %u did not come online within 30 s", cpu);
		pvsr_hyp_sched_yield();
	}
}

void smp_bring_up_all(void)
{
	unsigned int cpu;

	for (cpu = 1; cpu < guest_nr_online; cpu++)
		smp_bring_up(cpu);
}

unsigned int smp_online_count(void)
{
	unsigned int cpu, n = 0;

	for (cpu = 0; cpu < guest_nr_vcpus; cpu++)
		n += __atomic_load_n(&guest_cpus[cpu].online, __ATOMIC_ACQUIRE);
	return n;
}
