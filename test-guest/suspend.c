// SPDX-License-Identifier: GPL-2.0
/*
 * The test guest embeds pvsr: it tells pvsr how to reach its vCPUs,
 * clock, vcpu_info areas and memory, and does each vCPU's own setup when
 * pvsr brings it back.
 */
#include "test-guest/suspend.h"
#include "test-guest/smp.h"
#include "test-guest/events.h"
#include "test-guest/time.h"
#include "test-guest/workload.h"
#include "test-guest/control.h"
#include "kernel/trace.h"
#include "hypercall/hypercall.h"

struct pvsr guest_pvsr;
struct pvsr_arch guest_arch;
static struct pvsr_vcpu_slot guest_slots[GUEST_MAX_VCPUS];
static unsigned long domain_generation;

unsigned long guest_domain_generation(void)
{
	return __atomic_load_n(&domain_generation, __ATOMIC_ACQUIRE);
}

static unsigned int op_this_vcpu(void)
{
	return this_cpu()->id;
}

static bool op_vcpu_online(unsigned int vcpu)
{
	return vcpu < guest_nr_vcpus &&
	       __atomic_load_n(&guest_cpus[vcpu].online, __ATOMIC_ACQUIRE);
}

static void op_mask_events(bool mask)
{
	if (mask)
		events_disable_local();
	else
		events_enable_local();
}

static void op_relax(void)
{
	pvsr_hyp_sched_yield();
}

/* vCPU 0 after a real resume: the toolstack's console channel. */
static void boot_vcpu_new_domain(void)
{
	console_init();
}

static int op_vcpu_resume(unsigned int vcpu, enum pvsr_resume_kind kind,
			  struct pvsr_error_detail *detail)
{
	long rc;
	int err;

#ifdef PVSR_SELFTEST_PANIC_AFTER_HYPERCALL
	/*
	 * Self-test (scripts/harness selftest --e2e): vCPU 0's own resume
	 * fails in the new domain, so pvsr panics after the hypercall and
	 * the harness must produce a backtrace record across guest and dom0.
	 */
	if (kind == PVSR_RESUME_NEW_DOMAIN && vcpu == 0)
		return pvsr_fail(detail, PVSR_E_TIMER, PVSR_STEP_REBIND, 0,
				 __HYPERVISOR_vcpu_op,
				 VCPUOP_stop_periodic_timer, -5);
#endif
	if (kind == PVSR_RESUME_NEW_DOMAIN) {
		if (vcpu == 0) {
			__atomic_add_fetch(&domain_generation, 1,
					   __ATOMIC_RELEASE);
			boot_vcpu_new_domain();
		}
		/* A new domain starts with Xen's default periodic timer. */
		rc = pvsr_hyp_vcpu_op(VCPUOP_stop_periodic_timer, vcpu, NULL);
		if (rc)
			return pvsr_fail(detail, PVSR_E_TIMER, PVSR_STEP_REBIND,
					 vcpu, __HYPERVISOR_vcpu_op,
					 VCPUOP_stop_periodic_timer, rc);
	}
	err = pvsr_evtchn_rebind_vcpu(&guest_evtchns, vcpu, detail);
	if (err)
		return err;
	/*
	 * The one-shot timer did not survive (new domain) or may have
	 * fired into a closed channel (cancelled): arm it again.
	 */
	rc = timer_arm_in(WORKLOAD_TICK_NS);
	if (rc)
		return pvsr_fail(detail, PVSR_E_TIMER, PVSR_STEP_REBIND, vcpu,
				 __HYPERVISOR_set_timer_op, -1, rc);
	return 0;
}

static __noreturn void op_panic(const char *what,
				const struct pvsr_error_detail *d)
{
	/* The detail for the harness's backtrace record (backtrace.py). */
	console_printf(
		"# pvsr-panic generation=%u code=%s step=%s vcpu=%d hypercall=%d subop=%d xen_errno=%ld port=%u hook=%s\n",
		guest_pvsr.generation, pvsr_strerror(d->code),
		pvsr_step_name(d->step), d->vcpu, d->hypercall, d->subop,
		d->xen_errno, d->port, d->hook ? d->hook : "-");
	panic("pvsr: %s: %s (step %s, vCPU %d, hypercall %d/%d, Xen %ld)", what,
	      pvsr_strerror(d->code), pvsr_step_name(d->step), d->vcpu,
	      d->hypercall, d->subop, d->xen_errno);
}

static const struct pvsr_ops guest_ops = {
	.this_vcpu = op_this_vcpu,
	.vcpu_online = op_vcpu_online,
	.now_ns = time_now_ns,
	.mask_events = op_mask_events,
	.relax = op_relax,
	.register_vcpu_info = smp_register_vcpu_info,
	.clock_resume = time_resync_after_resume,
	.vcpu_resume = op_vcpu_resume,
	.panic = op_panic,
};

static unsigned long arch_virt_to_mfn(const void *va)
{
	return virt_to_mfn(va);
}

static unsigned long arch_mfn_to_pfn(unsigned long mfn)
{
	return mfn_to_pfn(mfn);
}

#ifdef PVSR_SELFTEST_NEVER_PARK
/*
 * Self-test (scripts/harness selftest --e2e): vCPU PVSR_SELFTEST_NEVER_PARK
 * takes the park IPI of a toolstack's suspend request but never reaches
 * the barrier; it spins here, events masked, for the core reader to find.
 * The boot checks' own suspends are left alone.
 */
/*
 * Never set; not static, so that the compiler cannot prove never_park()
 * endless and turn its call into a jump: the park handler keeps a frame
 * of its own in the backtrace.
 */
bool guest_never_park_released;

static noinline void never_park(void)
{
	while (!__atomic_load_n(&guest_never_park_released, __ATOMIC_RELAXED))
		asm volatile("pause" ::: "memory");
}

static void selftest_never_park(void)
{
	if (this_cpu()->id == PVSR_SELFTEST_NEVER_PARK &&
	    control_state()->active == PVSR_CONTROL_SUSPEND)
		never_park();
}
#else
static inline void selftest_never_park(void)
{
}
#endif

void guest_park_handler(evtchn_port_t port, void *data)
{
	struct guest_cpu *cpu = this_cpu();
	bool from_user = cpu->upcall_from_user;
	unsigned long pc = cpu->upcall_pc;
	enum pvsr_park_result res;

	(void)port;
	(void)data;
	selftest_never_park();
	res = pvsr_park_this_vcpu(&guest_pvsr, pc);
	if (res == PVSR_PARK_DEFERRED)
		__atomic_add_fetch(&cpu->parks_deferred, 1, __ATOMIC_RELEASE);
	if (res == PVSR_PARK_DONE) {
		cpu->parked_from_user = from_user;
		cpu->parked_pc = pc;
		__atomic_add_fetch(&cpu->parks_done, 1, __ATOMIC_RELEASE);
	}
}

void guest_arch_init(void *shared_info_page)
{
	guest_arch.start_info = guest_start_info;
	guest_arch.shared_info_va = (unsigned long)shared_info_page;
	guest_arch.p2m = (unsigned long *)guest_start_info->mfn_list;
	guest_arch.nr_pfns = guest_start_info->nr_pages;
	guest_arch.virt_to_mfn = arch_virt_to_mfn;
	guest_arch.mfn_to_pfn = arch_mfn_to_pfn;
	guest_arch.vcpu_state = smp_arch_state;
}

void guest_suspend_init(void)
{
	int rc;

	rc = pvsr_arch_publish_p2m(&guest_arch);
	if (rc)
		panic("publishing the P2M frame list failed: %s",
		      pvsr_strerror(-rc));
	rc = pvsr_init(&guest_pvsr, &guest_ops, &guest_evtchns, &guest_arch,
		       IPI_PARK, guest_nr_vcpus, guest_slots);
	if (rc)
		panic("pvsr_init failed: %s", pvsr_strerror(-rc));
}

static struct pvsr_trace guest_trace;

void guest_trace_init(void)
{
	if (cmdline_get_ulong("pvsr.trace", 0))
		pvsr_trace_attach(&guest_pvsr, &guest_trace);
}

/* One line per event, times relative to the first (guest clock). */
void guest_print_trace(unsigned int cycle)
{
	unsigned int i, n = pvsr_trace_count(&guest_trace);
	uint64_t t0 = n ? guest_trace.ev[0].ns : 0;

	if (!guest_pvsr.trace)
		return;
	for (i = 0; i < n; i++) {
		const struct pvsr_trace_event *e = &guest_trace.ev[i];

		console_printf(
			"# pvsr-trace cycle=%u t=%llu vcpu=%u event=%s arg=%d\n",
			cycle, (unsigned long long)(e->ns - t0), e->vcpu,
			pvsr_trace_kind_name(e->kind), e->arg);
	}
	if (pvsr_trace_dropped(&guest_trace))
		console_printf("# pvsr-trace cycle=%u dropped=%u\n", cycle,
			       pvsr_trace_dropped(&guest_trace));
}

void guest_print_report(unsigned int cycle, int rc, const struct pvsr_report *r)
{
	const struct pvsr_error_detail *e = &r->error;
	unsigned int v;

	console_printf("# pvsr-report cycle=%u rc=%d called=%d return=%d",
		       cycle, rc, r->hypercall_called, r->hypercall_ret);
	for (v = 0; v < PVSR_PHASE_COUNT; v++)
		console_printf(" %s=%llu", pvsr_phase_name(v),
			       (unsigned long long)r->phase_ns[v]);
	console_printf(" vcpus=%u\n", r->nr_vcpus);
	for (v = 1; v < r->nr_vcpus && v < PVSR_MAX_VCPUS; v++)
		console_printf(
			"# pvsr-vcpu cycle=%u vcpu=%u outcome=%d deferred=%u park=%llu resume=%llu\n",
			cycle, v, r->vcpu[v].outcome, r->vcpu[v].deferred,
			(unsigned long long)r->vcpu[v].park_ns,
			(unsigned long long)r->vcpu[v].resume_ns);
	if (rc < 0)
		console_printf(
			"# pvsr-error cycle=%u code=%s step=%s vcpu=%d hypercall=%d subop=%d xen_errno=%ld port=%u hook=%s\n",
			cycle, pvsr_strerror(e->code), pvsr_step_name(e->step),
			e->vcpu, e->hypercall, e->subop, e->xen_errno, e->port,
			e->hook ? e->hook : "-");
}
