// Capability check before any BPF work, for a clear message instead of EPERM.
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "session/privileges.h"

/* From linux/capability.h; not all libc headers carry the newer ones. */
#define CAP_SYS_ADMIN_BIT 21
#define CAP_PERFMON_BIT	  38
#define CAP_BPF_BIT	  39

static int effective_caps(unsigned long long *caps)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "CapEff: %llx", caps) == 1) {
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

static bool has(unsigned long long caps, int bit)
{
	return caps & (1ULL << bit);
}

int privileges_check(char *why, size_t len)
{
	unsigned long long caps;

	if (effective_caps(&caps))
		return 0; /* cannot tell: let the kernel decide */
	if (has(caps, CAP_SYS_ADMIN_BIT) || (has(caps, CAP_BPF_BIT) && has(caps, CAP_PERFMON_BIT)))
		return 0;
	snprintf(
		why, len,
		"missing capabilities CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN): run latscope as root");
	return -EPERM;
}
