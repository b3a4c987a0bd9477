// SPDX-License-Identifier: GPL-2.0
/*
 * The guest command line (xl's extra=): space-separated key=value words.
 */
#include "test-guest/guest.h"

const char *cmdline_get(const char *key, size_t *len)
{
	size_t klen = strlen(key);
	const char *p = guest_cmdline;

	while (*p) {
		const char *word = p;
		size_t wlen = 0;

		while (word[wlen] && word[wlen] != ' ')
			wlen++;
		if (wlen > klen && !strncmp(word, key, klen) &&
		    word[klen] == '=') {
			*len = wlen - klen - 1;
			return word + klen + 1;
		}
		p = word + wlen;
		while (*p == ' ')
			p++;
	}
	return NULL;
}

unsigned long cmdline_get_ulong(const char *key, unsigned long dflt)
{
	unsigned long v;
	size_t len;
	const char *s = cmdline_get(key, &len);

	if (!s)
		return dflt;
	if (!parse_ulong(s, len, &v))
		panic("malformed number for %s= on the command line", key);
	return v;
}
