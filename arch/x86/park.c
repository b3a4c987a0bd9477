// SPDX-License-Identifier: GPL-2.0
/*
 * Saving and restoring what a parked vCPU keeps (see park.h).
 */
#include "arch/x86/park.h"
#include "arch/x86/suspend.h"
#include "hypercall/hypercall.h"

/* CPUID bits (Intel SDM vol. 2A, CPUID), not Xen ABI. */
#define CPUID1_EDX_FXSR (1U << 24)
#define CPUID1_ECX_OSXSAVE (1U << 27)
#define CPUID_LEAF_XSTATE 0xd

static void cpuid(unsigned int leaf, unsigned int sub, unsigned int r[4])
{
	asm volatile("cpuid"
		     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "a"(leaf), "c"(sub));
}

static uint64_t xgetbv0(void)
{
	unsigned int lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

int pvsr_arch_park_init(struct pvsr_arch *arch,
			struct pvsr_error_detail *detail)
{
	struct pvsr_fpu_info *fpu = &arch->fpu;
	unsigned int r[4];

	cpuid(1, 0, r);
	fpu->format = PVSR_FPU_NONE;
	fpu->size = 0;
	fpu->xsave_mask = 0;
	if (r[2] & CPUID1_ECX_OSXSAVE) {
		fpu->format = PVSR_FPU_XSAVE;
		fpu->xsave_mask = xgetbv0();
		cpuid(CPUID_LEAF_XSTATE, 0, r);
		fpu->size = r[1]; /* EBX: size for the features in XCR0 */
	} else if (r[3] & CPUID1_EDX_FXSR) {
		fpu->format = PVSR_FPU_FXSAVE;
		fpu->size = 512;
	}
	if (fpu->size > PVSR_FPU_AREA_SIZE)
		return pvsr_fail(detail, PVSR_E_ARCH_INIT, PVSR_STEP_NONE,
				 PVSR_NO_VCPU, -1, -1, fpu->size);
	return 0;
}

static void fpu_save(const struct pvsr_fpu_info *fpu, void *area)
{
	uint32_t lo = (uint32_t)fpu->xsave_mask;
	uint32_t hi = (uint32_t)(fpu->xsave_mask >> 32);

	if (fpu->format == PVSR_FPU_XSAVE)
		asm volatile("xsave64 (%0)"
			     :
			     : "r"(area), "a"(lo), "d"(hi)
			     : "memory");
	else if (fpu->format == PVSR_FPU_FXSAVE)
		asm volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

/*
 * Self-test hook: with PVSR_SELFTEST_NO_FPU_RESTORE a rebuilt vCPU keeps
 * Xen's initial FPU state, which resume_K_fpu_state must catch.
 */
static void fpu_restore(const struct pvsr_fpu_info *fpu, const void *area)
{
	uint32_t lo = (uint32_t)fpu->xsave_mask;
	uint32_t hi = (uint32_t)(fpu->xsave_mask >> 32);

#ifdef PVSR_SELFTEST_NO_FPU_RESTORE
	return;
#endif
	if (fpu->format == PVSR_FPU_XSAVE)
		asm volatile("xrstor64 (%0)"
			     :
			     : "r"(area), "a"(lo), "d"(hi)
			     : "memory");
	else if (fpu->format == PVSR_FPU_FXSAVE)
		asm volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

static void zero(void *p, unsigned long n)
{
	unsigned char *b = p;

	while (n--)
		*b++ = 0;
}

/* FS, user GS and kernel GS bases. */
#define NR_SAVED_BASES 3

/* DR0-DR3 (addresses), DR6 (status) and DR7 (control); 4 and 5 alias. */
#define NR_SAVED_DEBUGREGS 6

static void save_debugregs(struct pvsr_arch_park *park)
{
	static const unsigned int regs[NR_SAVED_DEBUGREGS] = {
		0, 1, 2, 3, 6, 7
	};
	unsigned int i;

	for (i = 0; i < NR_SAVED_DEBUGREGS; i++)
		park->debugreg[regs[i]] = pvsr_hyp_get_debugreg(regs[i]);
}

int pvsr_arch_park_save(const struct pvsr_arch *arch,
			struct pvsr_arch_park *park, unsigned int vcpu,
			struct pvsr_error_detail *detail)
{
	static const unsigned int which[NR_SAVED_BASES] = { SEGBASE_FS,
							    SEGBASE_GS_USER,
							    SEGBASE_GS_KERNEL };
	unsigned long *dest[NR_SAVED_BASES] = { &park->fs_base,
						&park->gs_base_user,
						&park->gs_base_kernel };
	unsigned int i;
	long rc;

	park->saved = false;
	/* XSAVE only writes the components in use: no stale bytes. */
	if (arch->fpu.format == PVSR_FPU_XSAVE)
		zero(park->fpu, 64 + 512);
	fpu_save(&arch->fpu, park->fpu);
	for (i = 0; i < NR_SAVED_BASES; i++) {
		rc = pvsr_hyp_read_segment_base(which[i], dest[i]);
		if (rc)
			return pvsr_fail(detail, PVSR_E_PARK_STATE,
					 PVSR_STEP_PARK, vcpu,
					 __HYPERVISOR_set_segment_base,
					 which[i], rc);
	}
	zero(park->debugreg, sizeof(park->debugreg));
	if (arch->uses_debugregs)
		save_debugregs(park);
	park->saved = true;
	return 0;
}

void pvsr_arch_park_restore(const struct pvsr_arch *arch,
			    const struct pvsr_arch_park *park)
{
	if (park->saved)
		fpu_restore(&arch->fpu, park->fpu);
}

/*
 * Self-test hook: PVSR_SELFTEST_PARK_IN_HYPERCALL parks a vCPU inside a
 * preempted hypercall, which resume_K_preempted_hypercall must catch.
 */
bool pvsr_arch_in_preempted_hypercall(unsigned long pc)
{
	unsigned long page = (unsigned long)hypercall_page;
	const unsigned char *insn = (const unsigned char *)pc;

#ifdef PVSR_SELFTEST_PARK_IN_HYPERCALL
	return false;
#endif
	if (pc < page || pc + 2 > page + PVSR_HYPERCALL_PAGE_SIZE)
		return false;
	return insn[0] == PVSR_SYSCALL_BYTE0 && insn[1] == PVSR_SYSCALL_BYTE1;
}
