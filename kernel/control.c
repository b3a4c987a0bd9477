// SPDX-License-Identifier: GPL-2.0
/*
 * control/shutdown parsing and the acknowledge-once state: see control.h.
 */
#include "kernel/control.h"

static const char *const request_names[PVSR_CONTROL_COUNT] = {
	[PVSR_CONTROL_NONE] = "",
	[PVSR_CONTROL_SUSPEND] = "suspend",
	[PVSR_CONTROL_POWEROFF] = "poweroff",
	[PVSR_CONTROL_HALT] = "halt",
	[PVSR_CONTROL_REBOOT] = "reboot",
};

void pvsr_control_init(struct pvsr_control *ctl)
{
	ctl->active = PVSR_CONTROL_NONE;
	ctl->acked = 0;
	ctl->refused = 0;
	ctl->ignored = 0;
}

/* value[0..len) equals the NUL-terminated name, byte for byte. */
static bool value_is(const char *value, size_t len, const char *name)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (name[i] == '\0' || name[i] != value[i])
			return false;
	return name[len] == '\0';
}

static bool has_nul(const char *value, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (value[i] == '\0')
			return true;
	return false;
}

int pvsr_control_parse(const char *value, size_t len,
		       enum pvsr_control_request *req)
{
	int r;

	*req = PVSR_CONTROL_NONE;
	if (len == 0)
		return 0;
	if (!value || len > PVSR_CONTROL_MAX_LEN || has_nul(value, len))
		return -PVSR_E_INVAL;
	for (r = PVSR_CONTROL_NONE + 1; r < PVSR_CONTROL_COUNT; r++) {
		if (value_is(value, len, request_names[r])) {
			*req = r;
			return 0;
		}
	}
	return -PVSR_E_INVAL;
}

int pvsr_control_decide(struct pvsr_control *ctl, const char *value, size_t len,
			enum pvsr_control_request *req, bool *clear)
{
	int rc = pvsr_control_parse(value, len, req);

	*clear = false;
	if (rc) {
		ctl->ignored++;
		return rc;
	}
	if (*req == PVSR_CONTROL_NONE)
		return 0;
	if (ctl->active != PVSR_CONTROL_NONE) {
		ctl->refused++;
		return -PVSR_E_BUSY;
	}
	*clear = true;
	return 0;
}

int pvsr_control_ack(struct pvsr_control *ctl, enum pvsr_control_request req)
{
	if (req <= PVSR_CONTROL_NONE || req >= PVSR_CONTROL_COUNT)
		return -PVSR_E_INVAL;
	if (ctl->active != PVSR_CONTROL_NONE)
		return -PVSR_E_BUSY;
	ctl->active = req;
	ctl->acked++;
	return 0;
}

void pvsr_control_done(struct pvsr_control *ctl)
{
	ctl->active = PVSR_CONTROL_NONE;
}

bool pvsr_control_busy(const struct pvsr_control *ctl)
{
	return ctl->active != PVSR_CONTROL_NONE;
}

const char *pvsr_control_name(enum pvsr_control_request req)
{
	if ((unsigned int)req >= PVSR_CONTROL_COUNT)
		return "?";
	return request_names[req];
}
