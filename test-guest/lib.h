/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The little of a C library the freestanding test guest needs. The
 * compiler may emit calls to memset/memcpy/memmove/memcmp for struct
 * initialisation and copies even with -fno-builtin, so they must exist.
 */
#ifndef PVSR_TEST_GUEST_LIB_H
#define PVSR_TEST_GUEST_LIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "hypercall/compiler.h"

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/* printf-like: %d %i %u %x %X %p %s %c %%, with l/ll/z and width/0. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* Parse an unsigned decimal or 0x-prefixed number; false if malformed. */
bool parse_ulong(const char *s, size_t len, unsigned long *out);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* PVSR_TEST_GUEST_LIB_H */
