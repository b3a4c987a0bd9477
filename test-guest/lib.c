// SPDX-License-Identifier: GPL-2.0
/*
 * String and formatting helpers for the freestanding test guest.
 */
#include "test-guest/lib.h"

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d < s)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

bool parse_ulong(const char *s, size_t len, unsigned long *out)
{
	unsigned long v = 0, base = 10;
	size_t i = 0;

	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		return false;
	for (; i < len; i++) {
		unsigned long d;

		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if (base == 16 && s[i] >= 'a' && s[i] <= 'f')
			d = s[i] - 'a' + 10;
		else if (base == 16 && s[i] >= 'A' && s[i] <= 'F')
			d = s[i] - 'A' + 10;
		else
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

struct fmt_out {
	char *buf;
	size_t size;
	size_t len;
};

static void put_char(struct fmt_out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_number(struct fmt_out *o, unsigned long long v, bool neg,
		       unsigned int base, bool upper, int width, char pad)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (width-- > n)
		put_char(o, pad);
	while (n)
		put_char(o, tmp[--n]);
}

static void put_string(struct fmt_out *o, const char *s, int width)
{
	int len;

	if (!s)
		s = "(null)";
	len = (int)strlen(s);
	while (width-- > len)
		put_char(o, ' ');
	while (*s)
		put_char(o, *s++);
}

/* Reads one integer argument of the given length modifier. */
static unsigned long long get_arg(va_list *ap, int lmod, bool is_signed,
				  bool *neg)
{
	long long sv;

	*neg = false;
	if (!is_signed) {
		if (lmod >= 2)
			return va_arg(*ap, unsigned long long);
		if (lmod == 1)
			return va_arg(*ap, unsigned long);
		return va_arg(*ap, unsigned int);
	}
	if (lmod >= 2)
		sv = va_arg(*ap, long long);
	else if (lmod == 1)
		sv = va_arg(*ap, long);
	else
		sv = va_arg(*ap, int);
	if (sv < 0) {
		*neg = true;
		return 0ULL - (unsigned long long)sv;
	}
	return (unsigned long long)sv;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_out o = { buf, size, 0 };
	va_list args;

	va_copy(args, ap);
	for (; *fmt; fmt++) {
		int width = 0, lmod = 0;
		bool alt = false;
		char pad = ' ';
		bool neg;
		unsigned long long v;

		if (*fmt != '%') {
			put_char(&o, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '#') {
			alt = true;
			fmt++;
		}
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		/* z is size_t, which is an unsigned long here. */
		while (*fmt == 'l' || *fmt == 'z') {
			lmod++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			v = get_arg(&args, lmod, true, &neg);
			put_number(&o, v, neg, 10, false, width, pad);
			break;
		case 'u':
			v = get_arg(&args, lmod, false, &neg);
			put_number(&o, v, false, 10, false, width, pad);
			break;
		case 'x':
		case 'X':
			v = get_arg(&args, lmod, false, &neg);
			if (alt)
				put_string(&o, "0x", 0);
			put_number(&o, v, false, 16, *fmt == 'X', width, pad);
			break;
		case 'p':
			put_string(&o, "0x", 0);
			put_number(&o, (unsigned long)va_arg(args, void *),
				   false, 16, false, 16, '0');
			break;
		case 's':
			put_string(&o, va_arg(args, const char *), width);
			break;
		case 'c':
			put_char(&o, (char)va_arg(args, int));
			break;
		case '%':
			put_char(&o, '%');
			break;
		default:
			put_char(&o, '%');
			if (!*fmt)
				goto out;
			put_char(&o, *fmt);
			break;
		}
	}
out:
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
