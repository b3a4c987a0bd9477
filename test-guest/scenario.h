/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scenarios (pvsr.scenario= on the command line) and their test cases.
 */
#ifndef PVSR_TEST_GUEST_SCENARIO_H
#define PVSR_TEST_GUEST_SCENARIO_H

#include "test-guest/ktap.h"

void scenario_main(void);
/* Suspend cycles the scenario has run so far (any vCPU may read it). */
unsigned int scenario_cycles_done(void);

/* Boot checks, one table per area; each ends with a NULL name. */
extern const struct ktap_case boot_cases[];
extern const struct ktap_case smp_cases[];
extern const struct ktap_case pt_cases[];
extern const struct ktap_case suspend_cases[];
extern const struct ktap_case xenstore_cases[];

unsigned int ktap_count(const struct ktap_case *cases);
void ktap_run_all(const struct ktap_case *cases);

#endif /* PVSR_TEST_GUEST_SCENARIO_H */
