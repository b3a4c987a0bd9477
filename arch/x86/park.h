/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a parked vCPU keeps besides its jmp_buf (the park contract, see
 * docs/api.md).
 *
 * The park IPI is taken in the event upcall, on top of whatever the vCPU
 * was doing: user mode with live x87/SSE/AVX registers and its own FS and
 * GS bases, or a preemptible hypercall. After a cancelled suspend Xen
 * still holds all of it. After a real resume the vCPU is rebuilt from a
 * vcpu_guest_context, which carries no XSAVE state, so each vCPU saves at
 * park, on itself, what only it can read, and puts the FPU state back on
 * itself before it leaves the barrier; the segment and debug registers go
 * into the rebuilt context.
 */
#ifndef PVSR_ARCH_X86_PARK_H
#define PVSR_ARCH_X86_PARK_H

#include "hypercall/xen_abi.h"
#include "hypercall/pvsr_error.h"

/*
 * Room for the XSAVE area of every feature Xen 4.17 offers a PV guest
 * (AVX-512 included needs 2696 bytes); larger fails pvsr_init().
 */
#define PVSR_FPU_AREA_SIZE 4096

enum pvsr_fpu_format {
	PVSR_FPU_NONE, /* no FXSR: nothing to save (never seen on x86-64) */
	PVSR_FPU_FXSAVE, /* x87 + SSE, 512 bytes */
	PVSR_FPU_XSAVE, /* every component enabled in XCR0 */
};

/* How this CPU saves its FPU state; found once by pvsr_arch_park_init(). */
struct pvsr_fpu_info {
	enum pvsr_fpu_format format;
	uint64_t xsave_mask; /* XCR0 */
	unsigned int size; /* bytes of the area in use */
};

struct pvsr_arch_park {
	uint8_t fpu[PVSR_FPU_AREA_SIZE] __aligned(64);
	unsigned long fs_base;
	unsigned long gs_base_user;
	unsigned long gs_base_kernel;
	unsigned long debugreg[8]; /* 0-3, 6, 7; only if the kernel uses them */
	bool saved; /* this suspend's state is in here */
};

struct pvsr_arch;

/* Find the FPU save format; -PVSR_E_ARCH_INIT if the area is too small. */
int pvsr_arch_park_init(struct pvsr_arch *arch,
			struct pvsr_error_detail *detail);

/*
 * On the parking vCPU, events masked, before its jmp_buf is taken: save
 * FPU/vector state, FS base, both GS bases and (if the kernel uses them)
 * debug registers. 0, or -PVSR_E_PARK_STATE with *detail.
 */
int pvsr_arch_park_save(const struct pvsr_arch *arch,
			struct pvsr_arch_park *park, unsigned int vcpu,
			struct pvsr_error_detail *detail);

/*
 * On the resumed vCPU itself, before it leaves the barrier: load the FPU
 * state saved at park (a rebuilt vCPU starts with Xen's initial state).
 */
void pvsr_arch_park_restore(const struct pvsr_arch *arch,
			    const struct pvsr_arch_park *park);

/*
 * True if pc (where the park IPI interrupted the vCPU) is the syscall of
 * a hypercall stub: Xen preempted a hypercall there and will re-issue it
 * with the arguments as they stand, which may hold machine frame numbers
 * of this domain. Such a vCPU must not park until the hypercall is done.
 */
bool pvsr_arch_in_preempted_hypercall(unsigned long pc);

#endif /* PVSR_ARCH_X86_PARK_H */
