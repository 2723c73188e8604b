// Values people write on command lines: PID lists, durations, sizes.
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "base/parse.h"

#define MAX_PIDS 1024

int parse_pid_list(const char *arg, pid_t **pids, int *n)
{
	pid_t *list = calloc(MAX_PIDS, sizeof(*list));
	const char *p = arg;
	int count = 0;

	if (!list)
		return -ENOMEM;
	while (*p) {
		char *end;
		long v;

		errno = 0;
		if (!isdigit((unsigned char)*p))
			goto invalid;
		v = strtol(p, &end, 10);
		if (errno || v <= 0 || v > 0x3fffffff || count >= MAX_PIDS)
			goto invalid;
		for (int i = 0; i < count; i++)
			if (list[i] == v)
				goto next;
		list[count++] = (pid_t)v;
	next:
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			goto invalid;
		p = end;
	}
	if (!count)
		goto invalid;
	*pids = list;
	*n = count;
	return 0;
invalid:
	free(list);
	return -EINVAL;
}

static const struct {
	const char *suffix;
	double ns;
} duration_units[] = {
	{ "ns", 1 },  { "us", 1e3 }, { "µs", 1e3 },   { "ms", 1e6 },
	{ "s", 1e9 }, { "m", 60e9 }, { "min", 60e9 }, { "h", 3600e9 },
};

int parse_duration_ns(const char *arg, __u64 bare_unit_ns, __u64 *ns)
{
	double value, scale = (double)bare_unit_ns;
	char *end;

	errno = 0;
	if (!arg || !*arg || isspace((unsigned char)*arg) || *arg == '-')
		return -EINVAL;
	value = strtod(arg, &end);
	if (errno || end == arg || !isfinite(value) || value < 0)
		return -EINVAL;
	if (*end) {
		size_t i, n = sizeof(duration_units) / sizeof(duration_units[0]);

		for (i = 0; i < n; i++)
			if (!strcmp(end, duration_units[i].suffix))
				break;
		if (i == n)
			return -EINVAL;
		scale = duration_units[i].ns;
	}
	if (value * scale >= 1.8e19)
		return -ERANGE;
	*ns = (__u64)llround(value * scale);
	return 0;
}

int parse_size(const char *arg, __u64 *bytes)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!arg || !isdigit((unsigned char)*arg))
		return -EINVAL;
	v = strtoull(arg, &end, 10);
	if (errno)
		return -EINVAL;
	switch (toupper((unsigned char)*end)) {
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'G':
		v <<= 30;
		end++;
		break;
	}
	if (*end && strcmp(end, "B") && strcmp(end, "iB"))
		return -EINVAL;
	*bytes = v;
	return 0;
}
