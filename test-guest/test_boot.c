// SPDX-License-Identifier: GPL-2.0
/*
 * Boot checks: what Xen handed us is what the ABI promises, and the
 * guest's own machinery (traps, shared_info, P2M) works.
 */
#include "test-guest/guest.h"
#include "test-guest/scenario.h"
#include "test-guest/traps.h"
#include "hypercall/hypercall.h"

/*
 * The harness proves it notices a failing guest by building with
 * PVSR_SELFTEST_BREAK_BOOT, which makes this check expect a magic no Xen
 * ever writes.
 */
#ifdef PVSR_SELFTEST_BREAK_BOOT
#define EXPECTED_MAGIC "xen-9.9-broken"
#else
#define EXPECTED_MAGIC "xen-3.0-x86_64"
#endif

static void boot_start_info(struct ktap_ctx *ctx)
{
	const start_info_t *si = guest_start_info;

	KTAP_EXPECT(ctx,
		    !strncmp(si->magic, EXPECTED_MAGIC, strlen(EXPECTED_MAGIC)),
		    "magic \"%s\", expected \"%s\"", si->magic, EXPECTED_MAGIC);
	KTAP_EXPECT(ctx, si->nr_pages > 0, "nr_pages %lu", si->nr_pages);
	KTAP_EXPECT(ctx, si->store_evtchn != 0, "no xenstore event channel");
	KTAP_EXPECT(ctx, si->console.domU.evtchn != 0,
		    "no console event channel");
}

static void boot_xen_version(struct ktap_ctx *ctx)
{
	long v = pvsr_hyp_xen_version(XENVER_version, NULL);
	xen_extraversion_t extra;

	KTAP_EXPECT(ctx, v >= 0, "XENVER_version failed: %ld", v);
	pvsr_hyp_xen_version(XENVER_extraversion, extra);
	extra[sizeof(extra) - 1] = '\0';
	ktap_diag("Xen %ld.%ld%s", v >> 16, v & 0xffff, extra);
	KTAP_EXPECT(ctx, v >= 0x40011, "Xen %#lx is older than 4.17", v);
}

static void boot_shared_info(struct ktap_ctx *ctx)
{
	const struct vcpu_time_info *t = &guest_cpus[0].vcpu_info->time;

	KTAP_EXPECT(ctx, guest_shared_info != NULL, "shared_info not mapped");
	KTAP_EXPECT(ctx, t->tsc_to_system_mul != 0,
		    "vCPU 0 time info not filled in");
}

static void boot_p2m_consistent(struct ktap_ctx *ctx)
{
	unsigned long pfn, bad = 0;

	for (pfn = 0; pfn < guest_start_info->nr_pages; pfn += 97) {
		unsigned long mfn = pfn_to_mfn(pfn);

		if (mfn_to_pfn(mfn) != pfn)
			bad++;
	}
	KTAP_EXPECT(ctx, bad == 0, "%lu frames where M2P(P2M(pfn)) != pfn",
		    bad);
}

static void boot_trap_recovers(struct ktap_ctx *ctx)
{
	struct trap_fixup fixup = { .vector = PVSR_VEC_BP };

	trap_fixup_arm(&fixup);
	asm volatile("int3" ::: "memory");
	trap_fixup_disarm();
	KTAP_EXPECT(ctx, fixup.taken, "int3 did not reach the trap handler");
	KTAP_EXPECT(ctx, !fixup.from_user, "int3 reported as from user mode");
}

static void boot_cmdline(struct ktap_ctx *ctx)
{
	size_t len;

	KTAP_EXPECT(ctx, cmdline_get("pvsr.scenario", &len) != NULL,
		    "no pvsr.scenario in \"%s\"", guest_cmdline);
}

const struct ktap_case boot_cases[] = {
	{ "boot_start_info", boot_start_info },
	{ "boot_xen_version", boot_xen_version },
	{ "boot_shared_info", boot_shared_info },
	{ "boot_p2m_consistent", boot_p2m_consistent },
	{ "boot_trap_recovers", boot_trap_recovers },
	{ "boot_cmdline", boot_cmdline },
	{ NULL, NULL }
};
