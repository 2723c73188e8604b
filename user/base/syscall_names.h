/* Syscall and errno names for display. */
#ifndef LATSCOPE_SYSCALL_NAMES_H
#define LATSCOPE_SYSCALL_NAMES_H

#include <stddef.h>

/* Generated from <asm/unistd_64.h> at build time (tools/gen_syscall_names.sh). */
extern const char *const syscall_name_table[];
extern const unsigned int syscall_name_count;

/* "read", or "syscall_460" for numbers newer than the build's headers. */
const char *syscall_name(unsigned int nr, char *buf, size_t len);
/* Copies the display name into @buf. */
void syscall_name_copy(unsigned int nr, char *buf, size_t len);
/* "ENOENT", or "E123" for unknown values. */
const char *errno_name(int err, char *buf, size_t len);

#endif
