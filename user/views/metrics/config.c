// Parsing the metrics endpoint's address and histogram bucket ladder.
#include <arpa/inet.h>
#include <errno.h>
#include <linux/types.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "latscope.h"
#include "views/metrics/config.h"
#include "base/parse.h"

#define NS_PER_S 1000000000ULL

/* 1, 2.5, 5 x 10^k seconds from 100ns (syscalls) to 10s, in ns. */
static const __u64 default_ladder_ns[] = {
	100,	    250,	   500,		  1000,		  2500,	     5000,	10000,
	25000,	    50000,	   100000,	  250000,	  500000,    1000000,	2500000,
	5000000,    10000000,	   25000000,	  50000000,	  100000000, 250000000, 500000000,
	1000000000, 2500000000ULL, 5000000000ULL, 10000000000ULL,
};

/*
 * Buckets below @ns end at or before it; the one holding @ns counts when
 * its midpoint does (2 * low + width <= 2 * ns, in integers). The last
 * bucket is open-ended: its low bound stands for it.
 */
__u32 metrics_bound_cut(__u64 ns)
{
	__u32 bucket = hist_bucket_of(ns);
	__u64 low = hist_bucket_low(bucket);

	if (bucket == HIST_BUCKETS - 1)
		return HIST_BUCKETS;
	return 2 * low + hist_bucket_width(bucket) <= 2 * ns ? bucket + 1 : bucket;
}

void metrics_config_init(struct metrics_config *cfg)
{
	int n = sizeof(default_ladder_ns) / sizeof(default_ladder_ns[0]);

	memset(cfg, 0, sizeof(*cfg));
	memcpy(cfg->bounds_ns, default_ladder_ns, sizeof(default_ladder_ns));
	cfg->n_bounds = n;
	cfg->max_connections = METRICS_MAX_CONNECTIONS;
	cfg->wait_deadline_s = METRICS_WAIT_DEADLINE_S;
}

static int parse_port(const char *s, in_port_t *port)
{
	char *end;
	long v;

	errno = 0;
	if (!*s || *s < '0' || *s > '9')
		return -EINVAL;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > 65535)
		return -EINVAL;
	*port = htons((in_port_t)v);
	return 0;
}

static int parse_v6(const char *arg, struct sockaddr_storage *addr, socklen_t *len)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)addr;
	const char *close = strchr(arg, ']');
	char host[INET6_ADDRSTRLEN];
	size_t n;

	if (!close || close[1] != ':')
		return -EINVAL;
	n = close - arg - 1;
	if (n >= sizeof(host))
		return -EINVAL;
	memcpy(host, arg + 1, n);
	host[n] = '\0';
	sin6->sin6_family = AF_INET6;
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
		return -EINVAL;
	*len = sizeof(*sin6);
	return parse_port(close + 2, &sin6->sin6_port);
}

int metrics_parse_listen(const char *arg, struct sockaddr_storage *addr, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)addr;
	const char *colon = strrchr(arg, ':');
	char host[INET_ADDRSTRLEN] = "127.0.0.1";
	size_t n;

	memset(addr, 0, sizeof(*addr));
	if (arg[0] == '[')
		return parse_v6(arg, addr, len);
	if (colon && colon > arg) {
		n = colon - arg;
		if (n >= sizeof(host))
			return -EINVAL;
		memcpy(host, arg, n);
		host[n] = '\0';
		if (!strcmp(host, "localhost"))
			strcpy(host, "127.0.0.1");
	}
	sin->sin_family = AF_INET;
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return -EINVAL;
	*len = sizeof(*sin);
	return parse_port(colon ? colon + 1 : arg, &sin->sin_port);
}

int metrics_parse_buckets(const char *arg, __u64 *bounds_ns, int *n)
{
	char *copy = strdup(arg), *save = NULL, *tok;
	__u64 last_exact = hist_bucket_low(HIST_BUCKETS - 1);
	int count = 0, err = 0;

	if (!copy)
		return -ENOMEM;
	/* strtok_r would skip empty items silently: refuse them instead. */
	if (!*arg || *arg == ',' || strstr(arg, ",,") || arg[strlen(arg) - 1] == ',')
		err = -EINVAL;
	for (tok = strtok_r(copy, ",", &save); tok && !err; tok = strtok_r(NULL, ",", &save)) {
		__u64 ns;

		if (parse_duration_ns(tok, NS_PER_S, &ns) || !ns || ns > last_exact ||
		    count >= METRICS_MAX_BOUNDS)
			err = -EINVAL;
		else if (count &&
			 (ns <= bounds_ns[count - 1] ||
			  metrics_bound_cut(ns) == metrics_bound_cut(bounds_ns[count - 1])))
			err = -EINVAL; /* not increasing, or two in one bucket */
		else
			bounds_ns[count++] = ns;
	}
	free(copy);
	if (!err && !count)
		err = -EINVAL;
	if (!err)
		*n = count;
	return err;
}

const char *metrics_format_addr(const struct sockaddr_storage *addr, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (addr->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)addr;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(a->sin6_port));
	} else {
		const struct sockaddr_in *a = (const void *)addr;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(a->sin_port));
	}
	return buf;
}
