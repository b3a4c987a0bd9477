/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test guest's use of pvsr: one instance, its ops, its arch
 * description, and the park IPI handler.
 */
#ifndef PVSR_TEST_GUEST_SUSPEND_H
#define PVSR_TEST_GUEST_SUSPEND_H

#include "kernel/pvsr.h"
#include "arch/x86/suspend.h"

extern struct pvsr guest_pvsr;
extern struct pvsr_arch guest_arch;

/*
 * At boot on vCPU 0, first thing: describe our memory to pvsr's arch
 * layer, which also maps shared_info (at shared_info_page) for us.
 */
/* Domains this guest has lived in: one more after every real resume. */
unsigned long guest_domain_generation(void);

void guest_arch_init(void *shared_info_page);
/* At boot on vCPU 0, after shared_info and SMP are up. */
void guest_suspend_init(void);
/* The IPI_PARK handler. */
void guest_park_handler(evtchn_port_t port, void *data);
/* pvsr.trace=1 on the command line: record pvsr's trace events. */
void guest_trace_init(void);
/* Print the last suspend's events as "# pvsr-trace ..." lines. */
void guest_print_trace(unsigned int cycle);
/* Print a report as "# pvsr-report ..." lines the harness reads. */
void guest_print_report(unsigned int cycle, int rc,
			const struct pvsr_report *r);

#endif /* PVSR_TEST_GUEST_SUSPEND_H */
