/* Whether this process may load and attach latscope's BPF programs. */
#ifndef LATSCOPE_PRIVILEGES_H
#define LATSCOPE_PRIVILEGES_H

#include <stddef.h>

/* 0, or -EPERM with a message naming the missing capabilities. */
int privileges_check(char *why, size_t len);

#endif
