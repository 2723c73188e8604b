// Text report: request tables (server side, then upstreams) and slow requests.
#include <string.h>
#include "base/format.h"
#include "model/requests.h"
#include "views/text/report.h"

#define ROW_NAME_WIDTH 30

static const char *format_latency(const struct req_row_view *v, __u64 ns, char *buf, size_t len)
{
	if (!v->lat.count) {
		snprintf(buf, len, "-");
		return buf;
	}
	return format_duration(ns, buf, len);
}

/*
 * One row. A name longer than the column (a statement's fingerprint)
 * gets a line of its own, the figures the next one: never cut.
 */
static void print_row(FILE *out, const char *indent, const char *name, const char *tag,
		      const struct req_row_view *v)
{
	char q[LAT_QUANTILES][16], max[16], rate[16], count[16], in[16], out_b[16];
	char label[PROTO_NAME_LEN + 32];

	snprintf(label, sizeof(label), "%s%s%s", indent, name, tag);
	if (strlen(label) > ROW_NAME_WIDTH) {
		fprintf(out, "%s\n", label);
		snprintf(label, sizeof(label), "%s  ", indent);
	}
	/* Only notifications or aborts: no latency to show, not a latency of 0. */
	for (int i = 0; i < LAT_QUANTILES; i++)
		format_latency(v, v->lat.quantile_ns[i], q[i], sizeof(q[i]));
	fprintf(out,
		"%-*s %7s %7s %8s %8s %8s %8s %8s %8s %5llu %4llu %4llu %4llu %5llu %5.1f %5llu %5llu %7s "
		"%7s\n",
		ROW_NAME_WIDTH, label, format_count(v->lat.count, count, sizeof(count)),
		format_count(v->lat.rate_per_s, rate, sizeof(rate)), q[0], q[1], q[2], q[3], q[4],
		format_latency(v, v->lat.max_ns, max, sizeof(max)),
		(unsigned long long)v->status[2], (unsigned long long)v->status[3],
		(unsigned long long)v->status[4], (unsigned long long)v->status[5],
		(unsigned long long)v->lat.errors, v->error_rate * 100,
		(unsigned long long)v->aborted, (unsigned long long)v->oneway,
		format_kib(v->bytes_in / 1024, in, sizeof(in)),
		format_kib(v->bytes_out / 1024, out_b, sizeof(out_b)));
}

/* A TLS group's handshakes: not requests, a figure of their own. */
static void print_handshakes(FILE *out, const struct req_group_view *g)
{
	char count[16], p50[16], p99[16], max[16];

	if (!g->handshakes.count)
		return;
	fprintf(out, "  (TLS handshakes: %s, p50 %s, p99 %s, max %s; not counted as requests)\n",
		format_count(g->handshakes.count, count, sizeof(count)),
		format_duration(g->handshakes.quantile_ns[LAT_P50], p50, sizeof(p50)),
		format_duration(g->handshakes.quantile_ns[LAT_P99], p99, sizeof(p99)),
		format_duration(g->handshakes.max_ns, max, sizeof(max)));
}

static void print_role(FILE *out, struct model *model, enum model_window window, enum req_role role,
		       const char *title)
{
	const struct req_group_view *groups;
	int n = 0;

	requests_views(model->requests, window, role, &groups, &n);
	if (!n)
		return;
	fprintf(out,
		"%-*s %7s %7s %8s %8s %8s %8s %8s %8s %5s %4s %4s %4s %5s %5s %5s %5s %7s %7s\n",
		ROW_NAME_WIDTH, title, "COUNT", "RATE/s", "P50", "P90", "P95", "P99", "P99.9",
		"MAX", "2xx", "3xx", "4xx", "5xx", "ERR", "ERR%", "ABORT", "1WAY", "IN", "OUT");
	for (int i = 0; i < n; i++) {
		const struct req_group_view *g = &groups[i];

		char tag[80];

		if (g->tls_undecoded && g->proto == PROTO_UNKNOWN)
			snprintf(tag, sizeof(tag), " TLS, not decoded (%s)", g->tls_undecoded);
		else
			snprintf(tag, sizeof(tag), " %s%s", proto_name(g->proto),
				 g->tls ? "+tls" : "");
		print_row(out, "", g->label, tag, &g->total);
		print_handshakes(out, g);
		/* A lone unnamed row only repeats the group's. */
		if (g->proto == PROTO_UNKNOWN)
			continue;
		for (int e = 0; e < g->n_endpoints; e++)
			print_row(out, "  ", g->endpoints[e].name, "", &g->endpoints[e]);
	}
}

void report_requests_print(FILE *out, struct model *model, enum model_window window)
{
	const struct ring_log *slow = &model->requests->slow;
	char threshold[16];

	print_role(out, model, window, REQ_ROLE_SERVER, "REQUESTS (served)");
	print_role(out, model, window, REQ_ROLE_CLIENT, "UPSTREAMS (called)");
	if (model->syscalls.slow_ns && slow->total)
		fprintf(out, "slow requests (>= %s): %llu reported\n",
			format_duration(model->syscalls.slow_ns, threshold, sizeof(threshold)),
			(unsigned long long)slow->total);
}

void report_text_slow_request(FILE *out, const struct model *model, const struct slow_request *s)
{
	char when[16], dur[16], addr[48];

	fprintf(out, "slow %s tid %u %s %s %s:%u %s status %d  %s\n",
		format_clock(model_realtime_ns(model, s->ts_ns), when, sizeof(when)), s->tid,
		s->role == REQ_ROLE_CLIENT ? "call" : "request",
		s->role == REQ_ROLE_CLIENT ? "to" : "from",
		format_peer_addr(s->peer_addr, addr, sizeof(addr)), s->peer_port, s->endpoint,
		s->status, format_duration(s->duration_ns, dur, sizeof(dur)));
	fflush(out);
}
