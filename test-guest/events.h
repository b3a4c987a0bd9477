/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PVSR_TEST_GUEST_EVENTS_H
#define PVSR_TEST_GUEST_EVENTS_H

#include "hypercall/xen_abi.h"
#include "arch/x86/traps.h"

typedef void (*event_handler_t)(evtchn_port_t port, void *data,
				struct pvsr_regs *regs);

void events_set_handler(evtchn_port_t port, event_handler_t fn, void *data);

#endif /* PVSR_TEST_GUEST_EVENTS_H */
