// SPDX-License-Identifier: GPL-2.0
/*
 * Typed hypercalls through the hypercall page (64-bit PV ABI).
 *
 * Arguments go in rdi, rsi, rdx, r10, r8; the result comes back in rax.
 * Xen's stub uses syscall, which clobbers rcx and r11, and a debug
 * hypervisor also scribbles over the argument registers, so every one of
 * them is declared as clobbered.
 */
#include "hypercall/hypercall.h"
#include <xenpub/errno.h>

static long hypercall2(unsigned int nr, unsigned long a1, unsigned long a2)
{
	register unsigned long rdi asm("rdi") = a1;
	register unsigned long rsi asm("rsi") = a2;
	long ret;

	asm volatile(
		"call *%[entry]"
		: "=a"(ret), "+r"(rdi), "+r"(rsi)
		: [entry] "r"(hypercall_page + nr * PVSR_HYPERCALL_STUB_SIZE)
		: "memory", "rcx", "r11", "rdx", "r10", "r8");
	return ret;
}

static long hypercall3(unsigned int nr, unsigned long a1, unsigned long a2,
		       unsigned long a3)
{
	register unsigned long rdi asm("rdi") = a1;
	register unsigned long rsi asm("rsi") = a2;
	register unsigned long rdx asm("rdx") = a3;
	long ret;

	asm volatile(
		"call *%[entry]"
		: "=a"(ret), "+r"(rdi), "+r"(rsi), "+r"(rdx)
		: [entry] "r"(hypercall_page + nr * PVSR_HYPERCALL_STUB_SIZE)
		: "memory", "rcx", "r11", "r10", "r8");
	return ret;
}

static long hypercall4(unsigned int nr, unsigned long a1, unsigned long a2,
		       unsigned long a3, unsigned long a4)
{
	register unsigned long rdi asm("rdi") = a1;
	register unsigned long rsi asm("rsi") = a2;
	register unsigned long rdx asm("rdx") = a3;
	register unsigned long r10 asm("r10") = a4;
	long ret;

	asm volatile(
		"call *%[entry]"
		: "=a"(ret), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10)
		: [entry] "r"(hypercall_page + nr * PVSR_HYPERCALL_STUB_SIZE)
		: "memory", "rcx", "r11", "r8");
	return ret;
}

long pvsr_hyp_set_trap_table(const struct trap_info *table)
{
	return hypercall2(__HYPERVISOR_set_trap_table, (unsigned long)table, 0);
}

long pvsr_hyp_mmu_update(struct mmu_update *req, unsigned int count,
			 unsigned int *done, domid_t domid)
{
	return hypercall4(__HYPERVISOR_mmu_update, (unsigned long)req, count,
			  (unsigned long)done, domid);
}

long pvsr_hyp_mmuext_op(struct mmuext_op *op, unsigned int count,
			unsigned int *done, domid_t domid)
{
	return hypercall4(__HYPERVISOR_mmuext_op, (unsigned long)op, count,
			  (unsigned long)done, domid);
}

long pvsr_hyp_set_gdt(xen_ulong_t *frames, unsigned int entries)
{
	return hypercall2(__HYPERVISOR_set_gdt, (unsigned long)frames, entries);
}

long pvsr_hyp_stack_switch(unsigned long ss, unsigned long sp)
{
	return hypercall2(__HYPERVISOR_stack_switch, ss, sp);
}

long pvsr_hyp_update_va_mapping(unsigned long va, uint64_t pte,
				unsigned long flags)
{
	return hypercall3(__HYPERVISOR_update_va_mapping, va, pte, flags);
}

long pvsr_hyp_set_timer_op(uint64_t deadline_ns)
{
	return hypercall2(__HYPERVISOR_set_timer_op, deadline_ns, 0);
}

long pvsr_hyp_set_segment_base(unsigned int which, unsigned long base)
{
	return hypercall2(__HYPERVISOR_set_segment_base, which, base);
}

/* Architectural MSR numbers (Intel SDM vol. 4), not Xen ABI. */
#define MSR_FS_BASE 0xc0000100U
#define MSR_GS_BASE 0xc0000101U
#define MSR_SHADOW_GS_BASE 0xc0000102U

static unsigned long rdmsr(unsigned int msr)
{
	unsigned int lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((unsigned long)hi << 32) | lo;
}

/*
 * In guest kernel mode Xen answers MSR_GS_BASE with the kernel's GS base
 * and MSR_SHADOW_GS_BASE with the user's (the one swapped in on the way
 * to user mode).
 */
long pvsr_hyp_read_segment_base(unsigned int which, unsigned long *base)
{
	switch (which) {
	case SEGBASE_FS:
		*base = rdmsr(MSR_FS_BASE);
		return 0;
	case SEGBASE_GS_KERNEL:
		*base = rdmsr(MSR_GS_BASE);
		return 0;
	case SEGBASE_GS_USER:
		*base = rdmsr(MSR_SHADOW_GS_BASE);
		return 0;
	}
	return -XEN_EINVAL;
}

unsigned long pvsr_hyp_get_debugreg(unsigned int reg)
{
	return hypercall2(__HYPERVISOR_get_debugreg, reg, 0);
}

long pvsr_hyp_xen_version(int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_xen_version, (unsigned long)cmd,
			  (unsigned long)arg);
}

long pvsr_hyp_vm_assist(unsigned int cmd, unsigned int type)
{
	return hypercall2(__HYPERVISOR_vm_assist, cmd, type);
}

long pvsr_hyp_callback_register(struct callback_register *cb)
{
	return hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register,
			  (unsigned long)cb);
}

long pvsr_hyp_memory_op(unsigned int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_memory_op, cmd, (unsigned long)arg);
}

long pvsr_hyp_vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
	return hypercall3(__HYPERVISOR_vcpu_op, (unsigned long)cmd, vcpu,
			  (unsigned long)arg);
}

long pvsr_hyp_event_channel_op(int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_event_channel_op, (unsigned long)cmd,
			  (unsigned long)arg);
}

long pvsr_hyp_multicall(struct multicall_entry *calls, unsigned int nr)
{
	return hypercall2(__HYPERVISOR_multicall, (unsigned long)calls, nr);
}

long pvsr_hyp_sched_yield(void)
{
	return hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
}

long pvsr_hyp_sched_block(void)
{
	return hypercall2(__HYPERVISOR_sched_op, SCHEDOP_block, 0);
}

long pvsr_hyp_sched_poll(evtchn_port_t *ports, unsigned int nr,
			 uint64_t timeout_ns)
{
	struct sched_poll poll = {
		.nr_ports = nr,
		.timeout = timeout_ns,
	};

	set_xen_guest_handle(poll.ports, ports);
	return hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll,
			  (unsigned long)&poll);
}

long pvsr_hyp_sched_shutdown(unsigned int reason)
{
	struct sched_shutdown shutdown = { .reason = reason };

	return hypercall2(__HYPERVISOR_sched_op, SCHEDOP_shutdown,
			  (unsigned long)&shutdown);
}

long pvsr_hyp_sched_suspend(unsigned long start_info_mfn)
{
	struct sched_shutdown shutdown = { .reason = SHUTDOWN_suspend };

	return hypercall3(__HYPERVISOR_sched_op, SCHEDOP_shutdown,
			  (unsigned long)&shutdown, start_info_mfn);
}
