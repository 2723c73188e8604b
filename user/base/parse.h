/* Parsers of values people write on command lines; pure, unit-tested. */
#ifndef LATSCOPE_PARSE_H
#define LATSCOPE_PARSE_H

#include <linux/types.h>
#include <sys/types.h>

/* "1234" or "1234,1240": positive, de-duplicated, at most 1024. */
int parse_pid_list(const char *arg, pid_t **pids, int *n);
/*
 * "20ms", "1.5s", "250us", "100ns", "2m"; a bare number takes
 * @bare_unit_ns (1e9 for options documented in seconds).
 */
int parse_duration_ns(const char *arg, __u64 bare_unit_ns, __u64 *ns);
/* "256K", "4M", "1048576": bytes. */
int parse_size(const char *arg, __u64 *bytes);

#endif
