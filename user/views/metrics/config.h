/*
 * What a user configures about the metrics endpoint: the address it listens
 * on (--listen) and the histogram bucket ladder (--buckets). Parsing is pure
 * and unit-tested; nothing here opens a socket.
 *
 * Address: "ADDR:PORT", "[V6ADDR]:PORT", or ":PORT" / "PORT", which mean
 * 127.0.0.1:PORT — latscope serves loopback unless another address is
 * spelled out (0.0.0.0:9464 or [::]:9464 for every interface). Port 0 lets
 * the kernel pick one; the port in use is announced on stderr.
 *
 * Buckets: each Prometheus `le` bound is snapped to the nearest boundary of
 * latscope's own log-linear buckets (bpf/hist.h), so the cumulative count
 * at every `le` is exact, not interpolated. Snapping moves a bound by at
 * most 1/64 of its value (1.5625 %).
 */
#ifndef LATSCOPE_METRICS_CONFIG_H
#define LATSCOPE_METRICS_CONFIG_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define METRICS_MAX_BOUNDS   40
#define METRICS_DEFAULT_PORT 9464

struct metrics_config {
	const char *listen; /* as given; NULL: no endpoint */
	struct sockaddr_storage addr;
	socklen_t addr_len;
	__u64 bounds_ns[METRICS_MAX_BOUNDS]; /* strictly increasing */
	int n_bounds;
	bool custom_buckets; /* --buckets was given */
};

/* The default ladder: 1, 2.5, 5 x 10^k from 1us to 10s, snapped. */
void metrics_config_init(struct metrics_config *cfg);
int metrics_parse_listen(const char *arg, struct sockaddr_storage *addr, socklen_t *len);
/* "1ms,10ms,0.1,1s": durations (bare numbers are seconds), increasing. */
int metrics_parse_buckets(const char *arg, __u64 *bounds_ns, int *n);
/* The latscope bucket boundary nearest to @ns (ties go down). */
__u64 metrics_snap_bound(__u64 ns);
/* "127.0.0.1:9464" or "[::1]:9464" for messages. */
const char *metrics_format_addr(const struct sockaddr_storage *addr, char *buf, size_t len);

#endif
