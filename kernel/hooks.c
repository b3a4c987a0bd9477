// SPDX-License-Identifier: GPL-2.0
/*
 * Subsystem hooks around a suspend (see struct pvsr_hook). Going down
 * runs in reverse registration order and coming back in registration
 * order, so a subsystem registered after another (and perhaps using it)
 * goes down first and comes back last.
 */
#include "kernel/pvsr.h"
#include "kernel/hooks.h"

int pvsr_hook_register(struct pvsr *p, const struct pvsr_hook *hook)
{
	if (!hook || !hook->name)
		return -PVSR_E_INVAL;
	if (p->nr_hooks >= PVSR_MAX_HOOKS)
		return -PVSR_E_HOOKS_FULL;
	p->hooks[p->nr_hooks++] = *hook;
	return 0;
}

static int refused(struct pvsr_error_detail *detail, enum pvsr_step step,
		   const struct pvsr_hook *h, int rc)
{
	pvsr_fail(detail, PVSR_E_HOOK, step, PVSR_NO_VCPU, -1, -1, rc);
	if (detail)
		detail->hook = h->name;
	return -PVSR_E_HOOK;
}

int pvsr_hooks_prepare(struct pvsr *p, struct pvsr_error_detail *detail)
{
	unsigned int i = p->nr_hooks;

	while (i--) {
		const struct pvsr_hook *h = &p->hooks[i];
		int rc = h->prepare ? h->prepare(h->data) : 0;

		if (rc) {
			pvsr_hooks_complete_from(p, i + 1, PVSR_RESUME_BACKOUT);
			return refused(detail, PVSR_STEP_PREPARE, h, rc);
		}
	}
	return 0;
}

int pvsr_hooks_suspend(struct pvsr *p, struct pvsr_error_detail *detail)
{
	unsigned int i = p->nr_hooks;

	while (i--) {
		const struct pvsr_hook *h = &p->hooks[i];
		int rc = h->suspend ? h->suspend(h->data) : 0;

		if (rc) {
			/* Those after i went down: bring them back. */
			pvsr_hooks_resume_from(p, i + 1, PVSR_RESUME_BACKOUT);
			return refused(detail, PVSR_STEP_HOOKS, h, rc);
		}
	}
	return 0;
}

void pvsr_hooks_resume_from(struct pvsr *p, unsigned int first,
			    enum pvsr_resume_kind kind)
{
	unsigned int i;

	for (i = first; i < p->nr_hooks; i++)
		if (p->hooks[i].resume)
			p->hooks[i].resume(p->hooks[i].data, kind);
}

void pvsr_hooks_complete_from(struct pvsr *p, unsigned int first,
			      enum pvsr_resume_kind kind)
{
	unsigned int i;

	for (i = first; i < p->nr_hooks; i++)
		if (p->hooks[i].complete)
			p->hooks[i].complete(p->hooks[i].data, kind);
}
