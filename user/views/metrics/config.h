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
 * Buckets: the classic `le` ladder, exported as given (round numbers by
 * default). latscope's own log-linear buckets (bpf/hist.h) are counted
 * whole: a bucket is at or below `le` B when its midpoint is, so a sample
 * can land on the wrong side of B only when it lies within half a bucket
 * (1/64 of B) of it; bounds on a bucket boundary are exact.
 *
 * Connections: at most max_connections are kept; a connection gets
 * wait_deadline_s from its start (or from its last response) to deliver a
 * complete request, however slowly its bytes trickle in.
 */
#ifndef LATSCOPE_METRICS_CONFIG_H
#define LATSCOPE_METRICS_CONFIG_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define METRICS_MAX_BOUNDS	40
#define METRICS_DEFAULT_PORT	9464
#define METRICS_MAX_CONNECTIONS 32
#define METRICS_WAIT_DEADLINE_S 10.0

struct metrics_config {
	const char *listen; /* as given; NULL: no endpoint */
	struct sockaddr_storage addr;
	socklen_t addr_len;
	__u64 bounds_ns[METRICS_MAX_BOUNDS]; /* strictly increasing */
	int n_bounds;
	bool custom_buckets; /* --buckets was given */
	bool pid_labels;     /* --metrics-pid: one series per process */
	int max_connections;
	double wait_deadline_s;
};

/* The default ladder: 1, 2.5, 5 x 10^k seconds from 100ns to 10s. */
void metrics_config_init(struct metrics_config *cfg);
int metrics_parse_listen(const char *arg, struct sockaddr_storage *addr, socklen_t *len);
/*
 * "1ms,10ms,0.1,1s": durations (bare numbers are seconds), increasing, and
 * no two within one latscope bucket (they would always count the same).
 */
int metrics_parse_buckets(const char *arg, __u64 *bounds_ns, int *n);
/*
 * The number of latscope buckets at or below `le` @ns: those whose midpoint
 * (low + width / 2, the value latscope reports for them) is <= @ns.
 */
__u32 metrics_bound_cut(__u64 ns);
/* "127.0.0.1:9464" or "[::1]:9464" for messages. */
const char *metrics_format_addr(const struct sockaddr_storage *addr, char *buf, size_t len);

#endif
