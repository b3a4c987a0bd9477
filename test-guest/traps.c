// SPDX-License-Identifier: GPL-2.0
/*
 * What the test guest does with a trap: event upcalls go to the event
 * channel layer, expected faults (a test provoking one) go to the
 * registered fixup, everything else is fatal: vector, error code, every
 * register, a frame-pointer backtrace, then SHUTDOWN_crash so that the
 * harness sees a crashed domain (on_crash = "preserve") it can inspect.
 */
#include "test-guest/guest.h"
#include "test-guest/traps.h"
#include "arch/x86/traps.h"
#include "hypercall/hypercall.h"

static const char *const vector_names[] = {
	"#DE divide error",
	"#DB debug",
	"NMI",
	"#BP breakpoint",
	"#OF overflow",
	"#BR bound range",
	"#UD invalid opcode",
	"#NM device not available",
	"#DF double fault",
	"coprocessor overrun",
	"#TS invalid TSS",
	"#NP segment not present",
	"#SS stack fault",
	"#GP general protection",
	"#PF page fault",
	"reserved",
	"#MF x87 error",
	"#AC alignment check",
	"#MC machine check",
	"#XM SIMD error",
};

static const char *vector_name(unsigned long vector)
{
	if (vector < ARRAY_SIZE(vector_names))
		return vector_names[vector];
	if (vector == PVSR_VEC_UPCALL)
		return "event upcall";
	if (vector == PVSR_VEC_FAILSAFE)
		return "failsafe callback (bad segment on return)";
	return "unknown";
}

unsigned long trap_fault_address(void)
{
	const struct vcpu_info *vi = guest_cpus[this_cpu_id()].vcpu_info;

	return vi ? vi->arch.cr2 : 0;
}

static void print_frame(unsigned long pc, void *arg)
{
	unsigned int *depth = arg;

	console_printf("  #%u [<%016lx>]\n", (*depth)++, pc);
}

void dump_registers(const struct pvsr_regs *r)
{
	unsigned int depth = 0;

	console_printf("RIP: %04lx:%016lx RFLAGS: %016lx\n", r->cs & 0xffff,
		       r->rip, r->rflags);
	console_printf("RSP: %04lx:%016lx\n", r->ss & 0xffff, r->rsp);
	console_printf("RAX: %016lx RBX: %016lx RCX: %016lx\n", r->rax, r->rbx,
		       r->rcx);
	console_printf("RDX: %016lx RSI: %016lx RDI: %016lx\n", r->rdx, r->rsi,
		       r->rdi);
	console_printf("RBP: %016lx R8:  %016lx R9:  %016lx\n", r->rbp, r->r8,
		       r->r9);
	console_printf("R10: %016lx R11: %016lx R12: %016lx\n", r->r10, r->r11,
		       r->r12);
	console_printf("R13: %016lx R14: %016lx R15: %016lx\n", r->r13, r->r14,
		       r->r15);
	console_printf("CR2: %016lx\n", trap_fault_address());
	console_printf("Backtrace:\n");
	print_frame(r->rip, &depth);
	pvsr_arch_backtrace(r->rbp, 32, print_frame, &depth);
}

void crash_domain(void)
{
	console_flush();
	pvsr_hyp_sched_shutdown(SHUTDOWN_crash);
	/* Not reached: Xen does not run a crashed domain again. */
	for (;;)
		pvsr_hyp_sched_block();
}

static struct trap_fixup *trap_fixups[GUEST_MAX_VCPUS];

void trap_fixup_arm(struct trap_fixup *fixup)
{
	fixup->taken = false;
	trap_fixups[this_cpu_id()] = fixup;
}

void trap_fixup_disarm(void)
{
	trap_fixups[this_cpu_id()] = NULL;
}

static bool try_fixup(struct pvsr_regs *regs)
{
	struct trap_fixup *fixup = trap_fixups[this_cpu_id()];

	if (!fixup || fixup->vector != regs->vector)
		return false;
	trap_fixups[this_cpu_id()] = NULL;
	fixup->taken = true;
	fixup->error_code = regs->error_code;
	fixup->fault_address = trap_fault_address();
	fixup->from_user = pvsr_regs_from_user(regs);
	fixup->rip = regs->rip;
	/* Back into the kernel context that armed the fixup, if it asked. */
	if (fixup->resume)
		pvsr_longjmp(fixup->resume, 1);
	return true;
}

void pvsr_handle_trap(struct pvsr_regs *regs)
{
	if (regs->vector == PVSR_VEC_UPCALL) {
		guest_event_upcall(regs);
		return;
	}
	if (try_fixup(regs))
		return;
	console_printf(
		"\n*** FATAL: vector %lu (%s) error code %#lx on vCPU %u%s\n",
		regs->vector, vector_name(regs->vector), regs->error_code,
		this_cpu_id(), pvsr_regs_from_user(regs) ? " (user mode)" : "");
	dump_registers(regs);
	console_printf("*** crashing the domain\n");
	crash_domain();
}

void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	unsigned int depth = 0;
	unsigned long rbp;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_printf("\n*** PANIC on vCPU %u: %s\n", this_cpu_id(), buf);
	asm volatile("movq %%rbp, %0" : "=r"(rbp));
	console_printf("Backtrace:\n");
	pvsr_arch_backtrace(rbp, 32, print_frame, &depth);
	console_printf("*** crashing the domain\n");
	crash_domain();
}
