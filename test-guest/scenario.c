// SPDX-License-Identifier: GPL-2.0
/*
 * The scenario runner: which KTAP cases run, in which order.
 */
#include "test-guest/guest.h"
#include "test-guest/scenario.h"

unsigned int ktap_count(const struct ktap_case *cases)
{
	unsigned int n = 0;

	while (cases[n].name)
		n++;
	return n;
}

void ktap_run_all(const struct ktap_case *cases)
{
	for (; cases->name; cases++)
		ktap_run(cases->name, cases->run);
}

static bool scenario_is(const char *name)
{
	size_t len;
	const char *s = cmdline_get("pvsr.scenario", &len);

	if (!s)
		return !strcmp(name, "boot");
	return len == strlen(name) && !strncmp(s, name, len);
}

void scenario_main(void)
{
	if (!scenario_is("boot")) {
		ktap_begin(1);
		ktap_report("scenario_known", false, NULL);
		ktap_diag("unknown pvsr.scenario on the command line: %s",
			  guest_cmdline);
		return;
	}
	ktap_begin(ktap_count(boot_cases) + ktap_count(smp_cases) +
		   ktap_count(pt_cases) + ktap_count(suspend_cases) +
		   ktap_count(xenstore_cases));
	ktap_run_all(boot_cases);
	ktap_run_all(smp_cases);
	ktap_run_all(pt_cases);
	ktap_run_all(suspend_cases);
	ktap_run_all(xenstore_cases);
	ktap_diag("boot: %u of %u tests failed", ktap_failures(),
		  ktap_reported());
}
