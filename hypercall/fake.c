// SPDX-License-Identifier: GPL-2.0
/*
 * A fake Xen for the KUnit build: every function of hypercall/hypercall.h,
 * backed by the state Xen keeps for one PV domain. See fake.h for what it
 * models and which rules it enforces. The errors are the ones Xen 4.17
 * returns for the same mistakes, so code tested against the fake handles
 * the real ones.
 */
#include "hypercall/fake.h"

#include <linux/mutex.h>
#include <linux/sched.h>

static struct pvsr_fake fake;

/*
 * One caller at a time: the orchestrator tests run each secondary vCPU
 * as a kernel thread, so calls come from several tasks. The lock is
 * recursive for the task holding it, because hooks run under it and may
 * make calls themselves; hooks must not sleep or wait for another task's
 * call. The fake only exists in the KUnit build, so it may use Linux.
 */
static DEFINE_MUTEX(fake_mutex);
static struct task_struct *fake_owner;
static unsigned int fake_depth;

static void fake_lock(void)
{
	if (READ_ONCE(fake_owner) == current) {
		fake_depth++;
		return;
	}
	mutex_lock(&fake_mutex);
	WRITE_ONCE(fake_owner, current);
	fake_depth = 1;
}

static void fake_unlock(void)
{
	if (--fake_depth)
		return;
	WRITE_ONCE(fake_owner, NULL);
	mutex_unlock(&fake_mutex);
}

/* The vCPU the calling task is: its binding, else fake.current_vcpu. */
static struct pvsr_fake_task *task_binding(void)
{
	unsigned int i;

	for (i = 0; i < PVSR_FAKE_MAX_VCPUS; i++)
		if (fake.task[i].task == current)
			return &fake.task[i];
	return NULL;
}

static unsigned int cur(void)
{
	struct pvsr_fake_task *t = task_binding();

	return t ? t->vcpu : fake.current_vcpu;
}

/* Frames of the first domain; each resume moves them, as a restore does. */
#define FAKE_START_INFO_MFN 0x1000ULL
#define FAKE_SHARED_INFO_MFN 0x2000ULL
#define FAKE_MFN_STEP 0x10000ULL
#define FAKE_NR_PAGES 32768ULL
#define FAKE_STORE_DOMID 0
#define FAKE_PAGE_SIZE 4096U

/* x86 page-table bits, for the model of Xen's PTE adjustment only. */
#define FAKE_PTE_PRESENT (1ULL << 0)
#define FAKE_PTE_USER (1ULL << 2)
#define FAKE_PTE_GLOBAL (1ULL << 8)
#define FAKE_PTE_GUEST_KERNEL (1ULL << 52)
#define FAKE_PTE_FRAME 0x000ffffffffff000ULL

struct pvsr_fake *pvsr_fake(void)
{
	return &fake;
}

static void fake_zero(void *p, unsigned long n)
{
	unsigned char *c = p;

	while (n--)
		*c++ = 0;
}

/* ---- ports ---------------------------------------------------------- */

static bool port_valid(evtchn_port_t port)
{
	return port != 0 && port < fake.max_ports;
}

static bool port_in_use(evtchn_port_t port)
{
	return port_valid(port) && fake.port[port].state != EVTCHNSTAT_closed;
}

/* Lowest free port at or above port_base, as Xen's get_free_port. */
static long port_alloc(unsigned int state, unsigned int vcpu)
{
	evtchn_port_t p;

	for (p = fake.port_base ? fake.port_base : 1; p < fake.max_ports; p++) {
		struct pvsr_fake_port *fp = &fake.port[p];

		if (fp->state != EVTCHNSTAT_closed)
			continue;
		fake_zero(fp, sizeof(*fp));
		fp->state = state;
		fp->vcpu = vcpu;
		/*
		 * A restored domain has every port masked; start masked so
		 * code that forgets EVTCHNOP_unmask never sees an event.
		 */
		fp->masked = true;
		return p;
	}
	return -XEN_ENOSPC;
}

static void port_free(evtchn_port_t port)
{
	fake_zero(&fake.port[port], sizeof(fake.port[port]));
}

/* The toolstack's channels: xenstore and console, interdomain to dom0. */
static void make_start_info_ports(void)
{
	long p;

	p = port_alloc(EVTCHNSTAT_interdomain, 0);
	fake.store_port = p > 0 ? p : 0;
	if (p > 0) {
		fake.port[p].from_start_info = true;
		fake.port[p].remote_dom = FAKE_STORE_DOMID;
	}
	p = port_alloc(EVTCHNSTAT_interdomain, 0);
	fake.console_port = p > 0 ? p : 0;
	if (p > 0) {
		fake.port[p].from_start_info = true;
		fake.port[p].remote_dom = FAKE_STORE_DOMID;
	}
}

/* ---- bookkeeping common to every call -------------------------------- */

static void count_call(int hypercall, int subop)
{
	if (hypercall < 0 || hypercall >= PVSR_FAKE_NR_HYPERCALLS)
		return;
	fake.calls_total[hypercall]++;
	if (subop >= 0 && subop < PVSR_FAKE_NR_SUBOPS)
		fake.calls[hypercall][subop]++;
}

static bool fault_matches(const struct pvsr_fake_fault *f, int hypercall,
			  int subop)
{
	return f->armed && f->hypercall == hypercall &&
	       (f->subop == PVSR_FAKE_ANY || f->subop == subop);
}

/* An armed fault for this call, counted: its errno, or 0. */
static long fault_check(int hypercall, int subop)
{
	unsigned int i;
	long err = 0;

	for (i = 0; i < PVSR_FAKE_MAX_FAULTS; i++) {
		struct pvsr_fake_fault *f = &fake.fault[i];

		if (!fault_matches(f, hypercall, subop))
			continue;
		f->seen++;
		if (f->seen < f->nth)
			continue;
		if (!err)
			err = f->xen_errno;
		if (f->seen - f->nth + 1 >= f->times)
			f->armed = false;
	}
	return err;
}

/*
 * Entry of every fake hypercall: count it, note calls Xen would never see
 * (from a vCPU that is down, after the domain died), then let injected
 * faults and the on_call hook fail it. Returns 0 to proceed.
 */
static long enter(int hypercall, int subop)
{
	long err;

	count_call(hypercall, subop);
	if (fake.shut_down)
		fake.violations |= PVSR_FAKE_V_CALL_AFTER_SHUTDOWN;
	if (!fake.vcpu[cur()].up)
		fake.violations |= PVSR_FAKE_V_CALL_FROM_DOWN_VCPU;
	err = fault_check(hypercall, subop);
	if (err)
		return err;
	if (fake.hooks.on_call)
		return fake.hooks.on_call(hypercall, subop, cur(),
					  fake.hooks.data);
	return 0;
}

static void yielded(void)
{
	if (fake.hooks.on_yield)
		fake.hooks.on_yield(cur(), fake.hooks.data);
}

/* ---- test control ------------------------------------------------------ */

int pvsr_fake_reset(unsigned int nr_vcpus)
{
	if (nr_vcpus == 0 || nr_vcpus > PVSR_FAKE_MAX_VCPUS)
		return -XEN_EINVAL;
	fake_lock();
	fake_zero(&fake, sizeof(fake));
	fake.nr_vcpus = nr_vcpus;
	fake.max_ports = PVSR_FAKE_MAX_PORTS;
	fake.port_base = 1;
	fake.resume_port_shift = 5;
	fake.start_info_mfn = FAKE_START_INFO_MFN;
	fake.shared_info_mfn = FAKE_SHARED_INFO_MFN;
	fake.nr_pages = FAKE_NR_PAGES;
	fake.now_ns = 1000000000ULL;
	/* Xen starts vCPU 0 of a new domain; the others wait for the guest. */
	fake.vcpu[0].initialised = true;
	fake.vcpu[0].up = true;
	make_start_info_ports();
	fake_unlock();
	return 0;
}

void pvsr_fake_set_current(unsigned int vcpu)
{
	struct pvsr_fake_task *t;

	if (vcpu >= fake.nr_vcpus)
		return;
	fake_lock();
	t = task_binding();
	if (t)
		t->vcpu = vcpu;
	else
		fake.current_vcpu = vcpu;
	fake_unlock();
}

unsigned int pvsr_fake_current(void)
{
	unsigned int v;

	fake_lock();
	v = cur();
	fake_unlock();
	return v;
}

int pvsr_fake_bind_task(unsigned int vcpu)
{
	struct pvsr_fake_task *t;
	unsigned int i;
	int rc = -XEN_ENOSPC;

	if (vcpu >= fake.nr_vcpus)
		return -XEN_EINVAL;
	fake_lock();
	t = task_binding();
	for (i = 0; !t && i < PVSR_FAKE_MAX_VCPUS; i++)
		if (!fake.task[i].task)
			t = &fake.task[i];
	if (t) {
		t->task = current;
		t->vcpu = vcpu;
		rc = 0;
	}
	fake_unlock();
	return rc;
}

void pvsr_fake_unbind_task(void)
{
	struct pvsr_fake_task *t;

	fake_lock();
	t = task_binding();
	if (t)
		t->task = NULL;
	fake_unlock();
}

void pvsr_fake_run_as(unsigned int vcpu, void (*fn)(void *data), void *data)
{
	unsigned int prev = pvsr_fake_current();

	pvsr_fake_set_current(vcpu);
	fn(data);
	pvsr_fake_set_current(prev);
}

void pvsr_fake_cpu_relax(void)
{
	void (*fn)(unsigned int vcpu, void *data);
	unsigned int vcpu;
	void *data;

	/* Not under the lock: the hook may sleep, or never return. */
	fake_lock();
	fn = fake.hooks.on_relax;
	data = fake.hooks.data;
	vcpu = cur();
	fake_unlock();
	if (fn)
		fn(vcpu, data);
	else
		cpu_relax();
}

int pvsr_fake_raise(evtchn_port_t port)
{
	int rc = -XEN_EINVAL;

	fake_lock();
	if (port_in_use(port)) {
		fake.port[port].pending = true;
		rc = 0;
	}
	fake_unlock();
	return rc;
}

void pvsr_fake_bring_up(unsigned int vcpu)
{
	if (vcpu >= fake.nr_vcpus)
		return;
	fake_lock();
	fake.vcpu[vcpu].initialised = true;
	fake.vcpu[vcpu].up = true;
	fake_unlock();
}

int pvsr_fake_inject_n(int hypercall, int subop, unsigned int nth,
		       unsigned int times, long xen_errno)
{
	unsigned int i;
	int rc = -XEN_ENOSPC;

	fake_lock();
	for (i = 0; i < PVSR_FAKE_MAX_FAULTS; i++) {
		struct pvsr_fake_fault *f = &fake.fault[i];

		if (f->armed)
			continue;
		f->armed = true;
		f->hypercall = hypercall;
		f->subop = subop;
		f->nth = nth ? nth : 1;
		f->times = times ? times : 1;
		f->seen = 0;
		f->xen_errno = xen_errno;
		rc = 0;
		break;
	}
	fake_unlock();
	return rc;
}

int pvsr_fake_inject(int hypercall, int subop, unsigned int nth, long xen_errno)
{
	return pvsr_fake_inject_n(hypercall, subop, nth, 1, xen_errno);
}

void pvsr_fake_inject_clear(void)
{
	fake_lock();
	fake_zero(fake.fault, sizeof(fake.fault));
	fake_unlock();
}

unsigned int pvsr_fake_calls(int hypercall, int subop)
{
	if (hypercall < 0 || hypercall >= PVSR_FAKE_NR_HYPERCALLS)
		return 0;
	if (subop == PVSR_FAKE_ANY)
		return fake.calls_total[hypercall];
	if (subop < 0 || subop >= PVSR_FAKE_NR_SUBOPS)
		return 0;
	return fake.calls[hypercall][subop];
}

void pvsr_fake_set_hooks(const struct pvsr_fake_hooks *hooks)
{
	fake_lock();
	if (hooks)
		fake.hooks = *hooks;
	else
		fake_zero(&fake.hooks, sizeof(fake.hooks));
	fake_unlock();
}

const struct pvsr_fake_port *pvsr_fake_port(evtchn_port_t port)
{
	if (port >= fake.max_ports)
		return NULL;
	return &fake.port[port];
}

evtchn_port_t pvsr_fake_virq_port(unsigned int virq, unsigned int vcpu)
{
	evtchn_port_t p;

	for (p = 1; p < fake.max_ports; p++)
		if (fake.port[p].state == EVTCHNSTAT_virq &&
		    fake.port[p].virq == virq && fake.port[p].vcpu == vcpu)
			return p;
	return 0;
}

unsigned int pvsr_fake_ports_in_use(void)
{
	unsigned int p, n = 0;

	for (p = 1; p < fake.max_ports; p++)
		n += port_in_use(p);
	return n;
}

unsigned int pvsr_fake_ports_of_vcpu(unsigned int vcpu)
{
	unsigned int p, n = 0;

	for (p = 1; p < fake.max_ports; p++)
		n += port_in_use(p) && fake.port[p].vcpu == vcpu;
	return n;
}

unsigned int pvsr_fake_vcpus_up(void)
{
	unsigned int v, n = 0;

	for (v = 0; v < fake.nr_vcpus; v++)
		n += fake.vcpu[v].up;
	return n;
}

const char *pvsr_fake_violation_name(unsigned int bit)
{
	switch (bit) {
	case PVSR_FAKE_V_SUSPEND_OTHERS_UP:
		return "suspend with another vCPU up";
	case PVSR_FAKE_V_SUSPEND_NOT_VCPU0:
		return "suspend off vCPU 0";
	case PVSR_FAKE_V_SUSPEND_BAD_MFN:
		return "suspend with a wrong start_info MFN";
	case PVSR_FAKE_V_SUSPEND_SHINFO_MAPPED:
		return "suspend with shared_info mapped";
	case PVSR_FAKE_V_SUSPEND_NO_MFN:
		return "SHUTDOWN_suspend without the start_info MFN";
	case PVSR_FAKE_V_LAST_VCPU_DOWN:
		return "last running vCPU taken down";
	case PVSR_FAKE_V_CALL_FROM_DOWN_VCPU:
		return "hypercall from a vCPU that is down";
	case PVSR_FAKE_V_CALL_AFTER_SHUTDOWN:
		return "hypercall after the domain shut down";
	}
	return "unknown violation";
}

uint64_t pvsr_fake_xen_adjust_pte(uint64_t pte, unsigned int level)
{
	if (!(pte & FAKE_PTE_PRESENT))
		return pte;
	if (level > 1)
		return pte | FAKE_PTE_USER;
	if (!(pte & FAKE_PTE_USER))
		return pte | FAKE_PTE_USER | FAKE_PTE_GUEST_KERNEL;
	return pte | FAKE_PTE_GLOBAL;
}

/* ---- memory management ------------------------------------------------ */

static long fake_set_trap_table(const struct trap_info *table)
{
	long rc = enter(__HYPERVISOR_set_trap_table, PVSR_FAKE_ANY);

	if (rc)
		return rc;
	fake.vcpu[cur()].trap_table_set = table != NULL;
	return 0;
}

static void mmu_log(uint64_t ptr, uint64_t val)
{
	struct pvsr_fake_mmu_entry *e;

	e = &fake.mmu_log[fake.mmu_updates % PVSR_FAKE_MMU_LOG];
	e->ptr = ptr;
	e->val = val;
	fake.mmu_updates++;
}

static long fake_mmu_update(struct mmu_update *req, unsigned int count,
			    unsigned int *done, domid_t domid)
{
	long rc = enter(__HYPERVISOR_mmu_update, PVSR_FAKE_ANY);
	unsigned int i;

	if (rc)
		return rc;
	if (domid != DOMID_SELF)
		return -XEN_EPERM;
	for (i = 0; i < count; i++) {
		if (!req)
			return -XEN_EFAULT;
		switch (req[i].ptr & 3) {
		case MMU_NORMAL_PT_UPDATE:
		case MMU_MACHPHYS_UPDATE:
		case MMU_PT_UPDATE_PRESERVE_AD:
		case MMU_PT_UPDATE_NO_TRANSLATE:
			mmu_log(req[i].ptr, req[i].val);
			break;
		}
		if (done)
			*done = i + 1;
	}
	return 0;
}

static long fake_mmuext_op(struct mmuext_op *op, unsigned int count,
			   unsigned int *done, domid_t domid)
{
	long rc = enter(__HYPERVISOR_mmuext_op,
			op && count ? (int)op->cmd : PVSR_FAKE_ANY);

	if (rc)
		return rc;
	if (domid != DOMID_SELF)
		return -XEN_EPERM;
	if (count && !op)
		return -XEN_EFAULT;
	if (done)
		*done = count;
	return 0;
}

static long fake_set_gdt(xen_ulong_t *frames, unsigned int entries)
{
	long rc = enter(__HYPERVISOR_set_gdt, PVSR_FAKE_ANY);

	if (rc)
		return rc;
	if (entries > FIRST_RESERVED_GDT_ENTRY)
		return -XEN_EINVAL;
	if (entries && !frames)
		return -XEN_EFAULT;
	fake.vcpu[cur()].gdt_entries = entries;
	return 0;
}

static long fake_stack_switch(unsigned long ss, unsigned long sp)
{
	long rc = enter(__HYPERVISOR_stack_switch, PVSR_FAKE_ANY);

	if (rc)
		return rc;
	fake.vcpu[cur()].kernel_ss = ss;
	fake.vcpu[cur()].kernel_sp = sp;
	return 0;
}

/*
 * PV guests map shared_info by mapping its MFN (start_info->shared_info)
 * at a virtual address: track that, so a suspend with it still mapped and
 * a resume that forgets to map the new frame are visible.
 */
static long fake_update_va_mapping(unsigned long va, uint64_t pte,
				   unsigned long flags)
{
	long rc = enter(__HYPERVISOR_update_va_mapping, PVSR_FAKE_ANY);
	uint64_t mfn = (pte & FAKE_PTE_FRAME) >> 12;

	(void)flags;
	if (rc)
		return rc;
	fake.nr_va_updates++;
	if ((pte & FAKE_PTE_PRESENT) && mfn == fake.shared_info_mfn) {
		fake.shared_info_mapped = true;
		fake.shared_info_va = va;
	} else if (fake.shared_info_mapped && va == fake.shared_info_va) {
		fake.shared_info_mapped = false;
		fake.shared_info_va = 0;
	}
	return 0;
}

static long fake_set_segment_base(unsigned int which, unsigned long base)
{
	struct pvsr_fake_vcpu *v = &fake.vcpu[cur()];
	long rc = enter(__HYPERVISOR_set_segment_base, which);

	if (rc)
		return rc;
	switch (which) {
	case SEGBASE_FS:
		v->fs_base = base;
		return 0;
	case SEGBASE_GS_USER:
		v->gs_base_user = base;
		return 0;
	case SEGBASE_GS_KERNEL:
		v->gs_base_kernel = base;
		return 0;
	case SEGBASE_GS_USER_SEL:
		v->gs_user_sel = base & 0xffff;
		return 0;
	}
	return -XEN_EINVAL;
}

/*
 * rdmsr is no hypercall: not counted, never failed by injection; a test
 * makes it fail on one vCPU with vcpu[v].read_segment_base_err.
 */
static long fake_read_segment_base(unsigned int which, unsigned long *base)
{
	struct pvsr_fake_vcpu *v = &fake.vcpu[cur()];

	if (v->read_segment_base_err)
		return v->read_segment_base_err;
	switch (which) {
	case SEGBASE_FS:
		*base = v->fs_base;
		return 0;
	case SEGBASE_GS_USER:
		*base = v->gs_base_user;
		return 0;
	case SEGBASE_GS_KERNEL:
		*base = v->gs_base_kernel;
		return 0;
	}
	return -XEN_EINVAL;
}

static unsigned long fake_get_debugreg(unsigned int reg)
{
	struct pvsr_fake_vcpu *v = &fake.vcpu[cur()];
	long rc = enter(__HYPERVISOR_get_debugreg, reg);

	if (rc)
		return rc;
	return reg < 8 ? v->debugreg[reg] : -XEN_EINVAL;
}

/*
 * A stand-in for the page Xen fills: each 32-byte stub as Xen writes it
 * for a 64-bit PV kernel (push %rcx; push %r11; mov $nr,%eax; syscall;
 * pop %r11; pop %rcx; ret), so tests can point at a preempted hypercall.
 */
char hypercall_page[PVSR_HYPERCALL_PAGE_SIZE] __aligned(4096);

void pvsr_fake_fill_hypercall_page(void)
{
	static const unsigned char stub[] = { 0x51, 0x41, 0x53, 0xb8, 0,
					      0,    0,	  0,	0x0f, 0x05,
					      0x41, 0x5b, 0x59, 0xc3 };
	unsigned int nr, i;

	for (nr = 0; nr < PVSR_HYPERCALL_PAGE_SIZE / 32; nr++) {
		for (i = 0; i < sizeof(stub); i++)
			hypercall_page[nr * 32 + i] = stub[i];
		hypercall_page[nr * 32 + 4] = nr;
	}
}

static long fake_xen_version(int cmd, void *arg)
{
	long rc = enter(__HYPERVISOR_xen_version, cmd);

	if (rc)
		return rc;
	switch (cmd) {
	case XENVER_version:
		return (4 << 16) | 17;
	case XENVER_pagesize:
		return FAKE_PAGE_SIZE;
	case XENVER_get_features: {
		struct xen_feature_info *fi = arg;

		if (!fi)
			return -XEN_EFAULT;
		fi->submap = 0;
		return 0;
	}
	}
	return -XEN_ENOSYS;
}

static long fake_vm_assist(unsigned int cmd, unsigned int type)
{
	long rc = enter(__HYPERVISOR_vm_assist, cmd);

	if (rc)
		return rc;
	if (type >= 32)
		return -XEN_EINVAL;
	if (cmd == VMASST_CMD_enable)
		fake.vm_assists |= 1U << type;
	else if (cmd == VMASST_CMD_disable)
		fake.vm_assists &= ~(1U << type);
	else
		return -XEN_ENOSYS;
	return 0;
}

static long fake_callback_register(struct callback_register *cb)
{
	long rc = enter(__HYPERVISOR_callback_op, CALLBACKOP_register);

	if (rc)
		return rc;
	if (!cb)
		return -XEN_EFAULT;
	switch (cb->type) {
	case CALLBACKTYPE_event:
	case CALLBACKTYPE_failsafe:
	case CALLBACKTYPE_syscall:
	case CALLBACKTYPE_syscall32:
	case CALLBACKTYPE_sysenter:
	case CALLBACKTYPE_nmi:
		fake.vcpu[cur()].callbacks |= 1U << cb->type;
		return 0;
	}
	return -XEN_EINVAL;
}

static long fake_memory_op(unsigned int cmd, void *arg)
{
	long rc = enter(__HYPERVISOR_memory_op, cmd);
	domid_t *dom = arg;

	if (rc)
		return rc;
	switch (cmd) {
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation:
		if (!dom)
			return -XEN_EFAULT;
		if (*dom != DOMID_SELF)
			return -XEN_EPERM;
		return fake.nr_pages;
	case XENMEM_maximum_ram_page:
		return fake.nr_pages;
	case XENMEM_maximum_gpfn:
		return fake.nr_pages - 1;
	}
	return -XEN_ENOSYS;
}

/* ---- timers ----------------------------------------------------------- */

static long fake_set_timer_op(uint64_t deadline_ns)
{
	struct pvsr_fake_vcpu *v = &fake.vcpu[cur()];
	long rc = enter(__HYPERVISOR_set_timer_op, PVSR_FAKE_ANY);

	if (rc)
		return rc;
	v->singleshot_armed = deadline_ns != 0;
	v->singleshot_ns = deadline_ns;
	return 0;
}

/* ---- vCPUs ------------------------------------------------------------ */

static long vcpu_initialise(unsigned int id, void *arg)
{
	struct pvsr_fake_vcpu *v = &fake.vcpu[id];
	unsigned int i;

	if (!arg)
		return -XEN_EFAULT;
	/*
	 * Xen points vCPUs >= 32 at a dummy vcpu_info until the guest
	 * registers one: it refuses to initialise them before that.
	 */
	if (id >= XEN_LEGACY_MAX_VCPUS && !v->vcpu_info_registered)
		return -XEN_EINVAL;
	if (v->initialised)
		return -XEN_EEXIST;
	v->ctx = *(struct vcpu_guest_context *)arg;
	/* What the vCPU will run with: Xen loads these from the context. */
	v->fs_base = v->ctx.fs_base;
	v->gs_base_user = v->ctx.gs_base_user;
	v->gs_base_kernel = v->ctx.gs_base_kernel;
	for (i = 0; i < 8; i++)
		v->debugreg[i] = v->ctx.debugreg[i];
	v->initialised = true;
	v->nr_initialise++;
	return 0;
}

static long vcpu_up(unsigned int id)
{
	struct pvsr_fake_vcpu *v = &fake.vcpu[id];

	if (!v->initialised)
		return -XEN_EINVAL;
	if (v->up)
		return 0;
	v->up = true;
	v->nr_up++;
	if (fake.hooks.on_vcpu_up)
		fake.hooks.on_vcpu_up(id, fake.hooks.data);
	return 0;
}

static long vcpu_down(unsigned int id)
{
	struct pvsr_fake_vcpu *v = &fake.vcpu[id];
	unsigned int others = pvsr_fake_vcpus_up() - v->up;

	/* Xen: taking the last running vCPU down powers the domain off. */
	if (others == 0) {
		fake.violations |= PVSR_FAKE_V_LAST_VCPU_DOWN;
		fake.shut_down = true;
		fake.shutdown_reason = SHUTDOWN_poweroff;
		v->up = false;
		return 0;
	}
	if (!v->up)
		return 0;
	v->up = false;
	v->nr_down++;
	if (fake.hooks.on_vcpu_down)
		fake.hooks.on_vcpu_down(id, fake.hooks.data);
	return 0;
}

/*
 * Once per vCPU per domain, on yourself or on a vCPU that is down (Xen
 * cannot move a running vCPU's vcpu_info under it).
 */
static long vcpu_register_info(unsigned int id, void *arg)
{
	struct vcpu_register_vcpu_info *info = arg;
	struct pvsr_fake_vcpu *v = &fake.vcpu[id];

	if (!info)
		return -XEN_EFAULT;
	if (id != cur() && v->up)
		return -XEN_EINVAL;
	if (v->vcpu_info_registered)
		return -XEN_EINVAL;
	if (info->offset > FAKE_PAGE_SIZE - sizeof(struct vcpu_info))
		return -XEN_EINVAL;
	v->vcpu_info_registered = true;
	v->vcpu_info_mfn = info->mfn;
	v->vcpu_info_offset = info->offset;
	return 0;
}

static long vcpu_singleshot(unsigned int id, void *arg)
{
	struct vcpu_set_singleshot_timer *t = arg;
	struct pvsr_fake_vcpu *v = &fake.vcpu[id];

	if (id != cur())
		return -XEN_EINVAL;
	if (!t)
		return -XEN_EFAULT;
	if ((t->flags & VCPU_SSHOTTMR_future) &&
	    t->timeout_abs_ns < fake.now_ns)
		return -XEN_ETIME;
	v->singleshot_armed = true;
	v->singleshot_ns = t->timeout_abs_ns;
	return 0;
}

static long vcpu_runstate(unsigned int id, void *arg)
{
	struct vcpu_runstate_info *info = arg;

	if (!info)
		return -XEN_EFAULT;
	fake_zero(info, sizeof(*info));
	info->state = fake.vcpu[id].up ? RUNSTATE_running : RUNSTATE_offline;
	info->state_entry_time = fake.now_ns;
	return 0;
}

static long vcpu_op(int cmd, unsigned int vcpu, void *arg);

static long fake_vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
	long rc = enter(__HYPERVISOR_vcpu_op, cmd);

	if (rc)
		return rc;
	if (vcpu >= fake.nr_vcpus)
		return -XEN_ENOENT;
	rc = vcpu_op(cmd, vcpu, arg);
	if (rc >= 0 && fake.hooks.on_vcpu_op)
		fake.hooks.on_vcpu_op(cmd, vcpu, fake.hooks.data);
	return rc;
}

static long vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
	struct vcpu_set_periodic_timer *per = arg;

	switch (cmd) {
	case VCPUOP_initialise:
		return vcpu_initialise(vcpu, arg);
	case VCPUOP_up:
		return vcpu_up(vcpu);
	case VCPUOP_down:
		return vcpu_down(vcpu);
	case VCPUOP_is_up:
		return fake.vcpu[vcpu].up;
	case VCPUOP_register_vcpu_info:
		return vcpu_register_info(vcpu, arg);
	case VCPUOP_get_runstate_info:
		return vcpu_runstate(vcpu, arg);
	case VCPUOP_set_periodic_timer:
		if (!per)
			return -XEN_EFAULT;
		if (per->period_ns < 1000000ULL)
			return -XEN_EINVAL;
		fake.vcpu[vcpu].periodic_ns = per->period_ns;
		return 0;
	case VCPUOP_stop_periodic_timer:
		fake.vcpu[vcpu].periodic_ns = 0;
		return 0;
	case VCPUOP_set_singleshot_timer:
		return vcpu_singleshot(vcpu, arg);
	case VCPUOP_stop_singleshot_timer:
		if (vcpu != cur())
			return -XEN_EINVAL;
		fake.vcpu[vcpu].singleshot_armed = false;
		return 0;
	case VCPUOP_register_runstate_memory_area:
	case VCPUOP_register_vcpu_time_memory_area:
		return 0;
	}
	return -XEN_ENOSYS;
}

/* ---- event channels ------------------------------------------------------ */

/* VIRQs Xen binds per vCPU; every other VIRQ is global (vCPU 0 only). */
static bool virq_is_per_vcpu(unsigned int virq)
{
	return virq == VIRQ_TIMER || virq == VIRQ_DEBUG ||
	       virq == VIRQ_XENOPROF || virq == VIRQ_XENPMU;
}

static long evtchn_bind_virq(struct evtchn_bind_virq *b)
{
	long port;

	if (b->virq >= NR_VIRQS)
		return -XEN_EINVAL;
	if (!virq_is_per_vcpu(b->virq) && b->vcpu != 0)
		return -XEN_EINVAL;
	if (b->vcpu >= fake.nr_vcpus)
		return -XEN_ENOENT;
	if (pvsr_fake_virq_port(b->virq, b->vcpu))
		return -XEN_EEXIST;
	port = port_alloc(EVTCHNSTAT_virq, b->vcpu);
	if (port < 0)
		return port;
	fake.port[port].virq = b->virq;
	b->port = port;
	return 0;
}

static long evtchn_bind_ipi(struct evtchn_bind_ipi *b)
{
	long port;

	if (b->vcpu >= fake.nr_vcpus)
		return -XEN_ENOENT;
	port = port_alloc(EVTCHNSTAT_ipi, b->vcpu);
	if (port < 0)
		return port;
	b->port = port;
	return 0;
}

static long evtchn_close(struct evtchn_close *c)
{
	if (!port_in_use(c->port))
		return -XEN_EINVAL;
	port_free(c->port);
	return 0;
}

static long evtchn_send(struct evtchn_send *s)
{
	struct pvsr_fake_port *fp;

	if (!port_valid(s->port))
		return -XEN_EINVAL;
	fp = &fake.port[s->port];
	switch (fp->state) {
	case EVTCHNSTAT_ipi:
	case EVTCHNSTAT_interdomain:
		fp->sends++;
		if (fp->state == EVTCHNSTAT_ipi)
			fp->pending = true;
		if (fake.hooks.on_send)
			fake.hooks.on_send(s->port, fp->vcpu, fake.hooks.data);
		return 0;
	case EVTCHNSTAT_unbound:
		return 0; /* Xen drops it silently */
	}
	return -XEN_EINVAL;
}

static long evtchn_status(struct evtchn_status *st)
{
	struct pvsr_fake_port *fp;

	if (st->dom != DOMID_SELF)
		return -XEN_EPERM;
	if (st->port >= fake.max_ports)
		return -XEN_EINVAL;
	fp = &fake.port[st->port];
	st->status = fp->state;
	st->vcpu = fp->vcpu;
	if (fp->state == EVTCHNSTAT_virq)
		st->u.virq = fp->virq;
	else if (fp->state == EVTCHNSTAT_interdomain) {
		st->u.interdomain.dom = fp->remote_dom;
		st->u.interdomain.port = fp->remote_port;
	}
	return 0;
}

static long evtchn_bind_vcpu(struct evtchn_bind_vcpu *b)
{
	struct pvsr_fake_port *fp;

	if (!port_in_use(b->port))
		return -XEN_EINVAL;
	if (b->vcpu >= fake.nr_vcpus)
		return -XEN_ENOENT;
	fp = &fake.port[b->port];
	/* IPIs and per-vCPU VIRQs belong to their vCPU for good. */
	if (fp->state == EVTCHNSTAT_ipi ||
	    (fp->state == EVTCHNSTAT_virq && virq_is_per_vcpu(fp->virq)))
		return -XEN_EINVAL;
	fp->vcpu = b->vcpu;
	return 0;
}

static long evtchn_alloc_unbound(struct evtchn_alloc_unbound *a)
{
	long port;

	if (a->dom != DOMID_SELF)
		return -XEN_EPERM;
	port = port_alloc(EVTCHNSTAT_unbound, 0);
	if (port < 0)
		return port;
	fake.port[port].remote_dom = a->remote_dom;
	a->port = port;
	return 0;
}

static long evtchn_bind_interdomain(struct evtchn_bind_interdomain *b)
{
	long port = port_alloc(EVTCHNSTAT_interdomain, 0);

	if (port < 0)
		return port;
	fake.port[port].remote_dom = b->remote_dom;
	fake.port[port].remote_port = b->remote_port;
	b->local_port = port;
	return 0;
}

static long fake_event_channel_op(int cmd, void *arg)
{
	long rc = enter(__HYPERVISOR_event_channel_op, cmd);

	if (rc)
		return rc;
	if (!arg)
		return -XEN_EFAULT;
	switch (cmd) {
	case EVTCHNOP_bind_virq:
		return evtchn_bind_virq(arg);
	case EVTCHNOP_bind_ipi:
		return evtchn_bind_ipi(arg);
	case EVTCHNOP_close:
		return evtchn_close(arg);
	case EVTCHNOP_send:
		return evtchn_send(arg);
	case EVTCHNOP_status:
		return evtchn_status(arg);
	case EVTCHNOP_bind_vcpu:
		return evtchn_bind_vcpu(arg);
	case EVTCHNOP_unmask: {
		struct evtchn_unmask *u = arg;

		if (!port_valid(u->port))
			return -XEN_EINVAL;
		fake.port[u->port].masked = false;
		return 0;
	}
	case EVTCHNOP_alloc_unbound:
		return evtchn_alloc_unbound(arg);
	case EVTCHNOP_bind_interdomain:
		return evtchn_bind_interdomain(arg);
	}
	return -XEN_ENOSYS;
}

/* ---- multicall ------------------------------------------------------------ */

/* What a debug Xen leaves in an entry it ran: only `result` is kept. */
#define FAKE_MULTICALL_SCRIBBLE 0xaaaaaaaaaaaaaaaaUL

static long multicall_one(const struct multicall_entry *e)
{
	switch (e->op) {
	case __HYPERVISOR_vcpu_op:
		return fake_vcpu_op((int)e->args[0], (unsigned int)e->args[1],
				    (void *)e->args[2]);
	case __HYPERVISOR_event_channel_op:
		return fake_event_channel_op((int)e->args[0],
					     (void *)e->args[1]);
	}
	/* Only what pvsr batches; anything else is a test's mistake. */
	return -XEN_ENOSYS;
}

/*
 * Each entry is a hypercall of its own (counted, faults and hooks
 * included); a failing one does not stop the rest, as in Xen.
 */
static long fake_multicall(struct multicall_entry *calls, unsigned int nr)
{
	long rc = enter(__HYPERVISOR_multicall, PVSR_FAKE_ANY);
	unsigned int i, k;

	if (rc)
		return rc;
	if (!calls && nr)
		return -XEN_EFAULT;
	for (i = 0; i < nr; i++) {
		long result = multicall_one(&calls[i]);

		calls[i].op = FAKE_MULTICALL_SCRIBBLE;
		for (k = 0; k < ARRAY_SIZE(calls[i].args); k++)
			calls[i].args[k] = FAKE_MULTICALL_SCRIBBLE;
		calls[i].result = (xen_ulong_t)result;
	}
	fake.multicalls++;
	fake.multicall_entries += nr;
	return 0;
}

/* ---- scheduling, shutdown and suspend --------------------------------- */

static long fake_sched_yield(void)
{
	long rc = enter(__HYPERVISOR_sched_op, SCHEDOP_yield);

	if (rc)
		return rc;
	yielded();
	return 0;
}

static long fake_sched_block(void)
{
	long rc = enter(__HYPERVISOR_sched_op, SCHEDOP_block);

	if (rc)
		return rc;
	yielded();
	return 0;
}

static long fake_sched_poll(evtchn_port_t *ports, unsigned int nr,
			    uint64_t timeout_ns)
{
	long rc = enter(__HYPERVISOR_sched_op, SCHEDOP_poll);
	unsigned int i;

	(void)timeout_ns;
	if (rc)
		return rc;
	for (i = 0; i < nr; i++)
		if (!ports || !port_valid(ports[i]))
			return -XEN_EINVAL;
	yielded();
	return 0;
}

static long fake_sched_shutdown(unsigned int reason)
{
	long rc = enter(__HYPERVISOR_sched_op, SCHEDOP_shutdown);

	if (rc)
		return rc;
	/* SHUTDOWN_suspend must carry the start_info MFN in rdx. */
	if (reason == SHUTDOWN_suspend) {
		fake.violations |= PVSR_FAKE_V_SUSPEND_NO_MFN;
		return -XEN_EINVAL;
	}
	fake.shut_down = true;
	fake.shutdown_reason = reason;
	return 0;
}

/*
 * Check the guest's side of the protocol at the suspend hypercall.
 *
 * Real Xen refuses none of this: it saves a domain whose other vCPUs are
 * still up just as they are (they come back running whatever they were
 * running, with no jmp_buf behind them), and the toolstack reads the
 * start_info MFN from vCPU 0's rdx whoever made the call. These are the
 * tests' own checks of pvsr's protocol, made loud here by a refusal and
 * a violation bit; a fake that passes them is no evidence about Xen.
 */
static unsigned int suspend_violations(unsigned long start_info_mfn)
{
	unsigned int v = 0;

	if (cur() != 0)
		v |= PVSR_FAKE_V_SUSPEND_NOT_VCPU0;
	if (pvsr_fake_vcpus_up() - fake.vcpu[cur()].up)
		v |= PVSR_FAKE_V_SUSPEND_OTHERS_UP;
	if (start_info_mfn != fake.start_info_mfn)
		v |= PVSR_FAKE_V_SUSPEND_BAD_MFN;
	return v;
}

/*
 * Restore builds a new domain: no event channel survives but the
 * toolstack's new xenstore/console ones, vCPUs other than 0 come back down
 * and uninitialised, vcpu_info registrations and timers are forgotten,
 * shared_info and start_info live in new frames and shared_info is not
 * mapped. Ports are handed out from a shifted base so that code which
 * assumes its old port numbers fails here rather than by luck.
 */
static void new_domain(void)
{
	unsigned int v;
	evtchn_port_t p;

	for (p = 0; p < PVSR_FAKE_MAX_PORTS; p++)
		port_free(p);
	for (v = 0; v < fake.nr_vcpus; v++) {
		struct pvsr_fake_vcpu *fv = &fake.vcpu[v];

		fv->vcpu_info_registered = false;
		fv->vcpu_info_mfn = 0;
		fv->vcpu_info_offset = 0;
		fv->periodic_ns = 0;
		fv->singleshot_armed = false;
		if (v == 0)
			continue;
		/* Xen restores vCPU 0 as it was; the others start blank. */
		fv->initialised = false;
		fv->up = false;
		fv->fs_base = fv->gs_base_user = fv->gs_base_kernel = 0;
		fake_zero(fv->debugreg, sizeof(fv->debugreg));
	}
	fake.generation++;
	fake.start_info_mfn += FAKE_MFN_STEP;
	fake.shared_info_mfn += FAKE_MFN_STEP;
	fake.shared_info_mapped = false;
	fake.shared_info_va = 0;
	fake.port_base += fake.resume_port_shift;
	make_start_info_ports();
}

static long fake_sched_suspend(unsigned long start_info_mfn)
{
	long rc = enter(__HYPERVISOR_sched_op, SCHEDOP_shutdown);
	unsigned int bad;

	if (rc)
		return rc;
	bad = suspend_violations(start_info_mfn);
	if (fake.shared_info_mapped)
		fake.violations |= PVSR_FAKE_V_SUSPEND_SHINFO_MAPPED;
	if (bad) {
		/* The tests' protocol check, not Xen's (see above). */
		fake.violations |= bad;
		return bad & PVSR_FAKE_V_SUSPEND_OTHERS_UP ? -XEN_EBUSY :
							     -XEN_EINVAL;
	}
	fake.nr_suspends++;
	rc = fake.suspend_result;
	if (rc == 0)
		new_domain();
	else if (rc == 1)
		fake.nr_cancelled++;
	if (fake.hooks.on_suspend)
		fake.hooks.on_suspend(rc, fake.hooks.data);
	return rc;
}

/* ---- the typed API: every call under the fake's lock ------------------ */

#define LOCKED(type, call)     \
	({                     \
		type __rc;     \
		fake_lock();   \
		__rc = call;   \
		fake_unlock(); \
		__rc;          \
	})

long pvsr_hyp_set_trap_table(const struct trap_info *table)
{
	return LOCKED(long, fake_set_trap_table(table));
}

long pvsr_hyp_mmu_update(struct mmu_update *req, unsigned int count,
			 unsigned int *done, domid_t domid)
{
	return LOCKED(long, fake_mmu_update(req, count, done, domid));
}

long pvsr_hyp_mmuext_op(struct mmuext_op *op, unsigned int count,
			unsigned int *done, domid_t domid)
{
	return LOCKED(long, fake_mmuext_op(op, count, done, domid));
}

long pvsr_hyp_set_gdt(xen_ulong_t *frames, unsigned int entries)
{
	return LOCKED(long, fake_set_gdt(frames, entries));
}

long pvsr_hyp_stack_switch(unsigned long ss, unsigned long sp)
{
	return LOCKED(long, fake_stack_switch(ss, sp));
}

long pvsr_hyp_update_va_mapping(unsigned long va, uint64_t pte,
				unsigned long flags)
{
	return LOCKED(long, fake_update_va_mapping(va, pte, flags));
}

long pvsr_hyp_set_timer_op(uint64_t deadline_ns)
{
	return LOCKED(long, fake_set_timer_op(deadline_ns));
}

long pvsr_hyp_set_segment_base(unsigned int which, unsigned long base)
{
	return LOCKED(long, fake_set_segment_base(which, base));
}

long pvsr_hyp_read_segment_base(unsigned int which, unsigned long *base)
{
	return LOCKED(long, fake_read_segment_base(which, base));
}

unsigned long pvsr_hyp_get_debugreg(unsigned int reg)
{
	return LOCKED(unsigned long, fake_get_debugreg(reg));
}

long pvsr_hyp_xen_version(int cmd, void *arg)
{
	return LOCKED(long, fake_xen_version(cmd, arg));
}

long pvsr_hyp_vm_assist(unsigned int cmd, unsigned int type)
{
	return LOCKED(long, fake_vm_assist(cmd, type));
}

long pvsr_hyp_callback_register(struct callback_register *cb)
{
	return LOCKED(long, fake_callback_register(cb));
}

long pvsr_hyp_memory_op(unsigned int cmd, void *arg)
{
	return LOCKED(long, fake_memory_op(cmd, arg));
}

long pvsr_hyp_vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
	return LOCKED(long, fake_vcpu_op(cmd, vcpu, arg));
}

long pvsr_hyp_event_channel_op(int cmd, void *arg)
{
	return LOCKED(long, fake_event_channel_op(cmd, arg));
}

long pvsr_hyp_multicall(struct multicall_entry *calls, unsigned int nr)
{
	return LOCKED(long, fake_multicall(calls, nr));
}

long pvsr_hyp_sched_yield(void)
{
	return LOCKED(long, fake_sched_yield());
}

long pvsr_hyp_sched_block(void)
{
	return LOCKED(long, fake_sched_block());
}

long pvsr_hyp_sched_poll(evtchn_port_t *ports, unsigned int nr,
			 uint64_t timeout_ns)
{
	return LOCKED(long, fake_sched_poll(ports, nr, timeout_ns));
}

long pvsr_hyp_sched_shutdown(unsigned int reason)
{
	return LOCKED(long, fake_sched_shutdown(reason));
}

long pvsr_hyp_sched_suspend(unsigned long start_info_mfn)
{
	return LOCKED(long, fake_sched_suspend(start_info_mfn));
}
