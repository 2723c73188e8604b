// THE table of resource families and their fields (see model/resources.h).
#include <stdio.h>
#include <stdlib.h>
#include "model/resources.h"

#define ARRAY_LEN(a) (int)(sizeof(a) / sizeof((a)[0]))
/* A field over one slot of @type, or over several. */
#define SLOT(type, m)	   .slots = { RES_SLOT(type, m) }, .n_slots = 1
#define SLOTS2(type, a, b) .slots = { RES_SLOT(type, a), RES_SLOT(type, b) }, .n_slots = 2
#define SLOTS3(type, a, b, c) \
	.slots = { RES_SLOT(type, a), RES_SLOT(type, b), RES_SLOT(type, c) }, .n_slots = 3
#define FAMILY_FIELDS(f) .fields = (f), .n_fields = ARRAY_LEN(f)
#define FAMILY_HISTS(h)	 .hists = (h), .n_hists = ARRAY_LEN(h)
#define COUNTERS(type)	 .n_slots = sizeof(type) / sizeof(__u64)

/* ---- sched: CPU time and scheduling delays (bpf/sched.bpf.c) ---- */

#define S struct sched_counts
static const struct res_field sched_fields[] = {
	{ "on_cpu_ns", RES_SUM, RES_UNIT_NS, SLOT(S, on_cpu_ns),
	  .metric = "latscope_process_cpu_seconds",
	  .help = "On-CPU time of the process's threads." },
	{ "cpu_share", RES_PER_SECOND, RES_UNIT_SHARE, SLOT(S, on_cpu_ns), .expr = "cpu",
	  .top_title = "CPU%", .top_width = 7 },
	{ "voluntary_switches", RES_SUM, RES_UNIT_COUNT, SLOT(S, voluntary),
	  .metric = "latscope_process_context_switches", .label = "kind",
	  .label_value = "voluntary",
	  .help = "Switch-outs: voluntary (blocked) or involuntary (preempted)." },
	{ "involuntary_switches", RES_SUM, RES_UNIT_COUNT, SLOT(S, involuntary),
	  .metric = "latscope_process_context_switches", .label = "kind",
	  .label_value = "involuntary" },
};
#undef S

static const struct res_hist_def sched_hists[] = {
	{ "off_cpu", "off_cpu", "off-CPU", "latscope_process_off_cpu_seconds",
	  "Time blocked off-CPU (sleep, I/O, lock): switch-out to switch-in." },
	{ "run_queue", "run_queue", "run queue", "latscope_process_run_queue_seconds",
	  "Time runnable but waiting for a CPU: wake-up or preemption to switch-in." },
};

static const char *const sched_text[] = {
	"cpu: on-CPU {on_cpu_ns} = {cpu_share} of one CPU; switched out "
	"{voluntary_switches} blocked, {involuntary_switches} preempted",
	NULL,
};

/* ---- memory: /proc, read every tick (loader/proc_stats.c) ---- */

#define M struct memory_counts
static const struct res_field memory_fields[] = {
	{ "rss_kb", RES_GAUGE, RES_UNIT_KIB, SLOT(M, rss_kb), .expr = "rss",
	  .metric = "latscope_process_resident_memory_bytes",
	  .help = "Resident memory (VmRSS) at the latest /proc reading.", .top_title = "RSS",
	  .top_width = 7 },
	{ "peak_rss_kb", RES_GAUGE, RES_UNIT_KIB, SLOT(M, peak_rss_kb), .expr = "peak_rss" },
	{ "threads", RES_GAUGE, RES_UNIT_COUNT, SLOT(M, threads), .expr = "threads",
	  .top_title = "THR", .top_width = 4 },
	{ "fds", RES_GAUGE, RES_UNIT_COUNT, SLOT(M, fds), .expr = "fds" },
	{ "minor_faults", RES_SUM, RES_UNIT_COUNT, SLOT(M, minor_faults), .expr = "minor_faults",
	  .metric = "latscope_process_page_faults", .label = "kind", .label_value = "minor",
	  .help = "Page faults since tracing began, from /proc (major: needed I/O).",
	  .top_title = "MINFLT", .top_width = 7 },
	{ "major_faults", RES_SUM, RES_UNIT_COUNT, SLOT(M, major_faults), .expr = "major_faults",
	  .metric = "latscope_process_page_faults", .label = "kind", .label_value = "major",
	  .top_title = "MAJFLT", .top_width = 6, .alarm_nonzero = true },
	{ "minor_faults_per_s", RES_PER_SECOND, RES_UNIT_RATE, SLOT(M, minor_faults) },
	{ "major_faults_per_s", RES_PER_SECOND, RES_UNIT_RATE, SLOT(M, major_faults) },
	{ "final", RES_GAUGE, RES_UNIT_FLAG, SLOT(M, final), .text_true = " (at exit)" },
};
#undef M

static const char *const memory_text[] = {
	"memory: RSS {rss_kb}, peak {peak_rss_kb}, {threads} threads, {fds} fds"
	"{final}; faults {minor_faults} minor ({minor_faults_per_s}/s), "
	"{major_faults} major",
	NULL,
};

/* ---- faults: page-fault tracepoints (bpf/faults.bpf.c) ---- */

#define F struct fault_counts
static const struct res_field fault_fields[] = {
	{ "user", RES_SUM, RES_UNIT_COUNT, SLOT(F, user),
	  .metric = "latscope_process_traced_page_faults", .label = "mode", .label_value = "user",
	  .help = "Page faults seen by the faults probes, by the mode they were taken in." },
	{ "kernel", RES_SUM, RES_UNIT_COUNT, SLOT(F, kernel),
	  .metric = "latscope_process_traced_page_faults", .label = "mode",
	  .label_value = "kernel" },
	{ "total", RES_SUM, RES_UNIT_COUNT, SLOTS2(F, user, kernel) },
	{ "rate_per_s", RES_PER_SECOND, RES_UNIT_RATE, SLOTS2(F, user, kernel) },
};
#undef F

static const char *const fault_text[] = {
	"page faults (tracepoints): {user} in user mode, {kernel} in kernel mode",
	NULL,
};

/* ---- block: block I/O requests (bpf/block.bpf.c) ---- */

#define B struct block_counts
static const struct res_field block_fields[] = {
	{ "reads", RES_SUM, RES_UNIT_COUNT, SLOT(B, reads),
	  .metric = "latscope_process_disk_requests", .label = "op", .label_value = "read",
	  .help = "Block I/O requests completed, by operation." },
	{ "writes", RES_SUM, RES_UNIT_COUNT, SLOT(B, writes),
	  .metric = "latscope_process_disk_requests", .label = "op", .label_value = "write" },
	{ "others", RES_SUM, RES_UNIT_COUNT, SLOT(B, others),
	  .metric = "latscope_process_disk_requests", .label = "op", .label_value = "other" },
	{ "read_bytes", RES_SUM, RES_UNIT_BYTES, SLOT(B, read_bytes), .expr = "disk_read",
	  .metric = "latscope_process_disk_bytes", .label = "op", .label_value = "read",
	  .help = "Bytes moved by completed block I/O requests." },
	{ "write_bytes", RES_SUM, RES_UNIT_BYTES, SLOT(B, write_bytes), .expr = "disk_write",
	  .metric = "latscope_process_disk_bytes", .label = "op", .label_value = "write" },
	{ "read_bytes_per_s", RES_PER_SECOND, RES_UNIT_RATE, SLOT(B, read_bytes) },
	{ "write_bytes_per_s", RES_PER_SECOND, RES_UNIT_RATE, SLOT(B, write_bytes) },
	{ "errors", RES_SUM, RES_UNIT_COUNT, SLOT(B, errors),
	  .metric = "latscope_process_disk_errors",
	  .help = "Block I/O requests that completed with an error." },
	{ NULL, RES_SUM, RES_UNIT_COUNT, SLOTS3(B, reads, writes, others), .top_title = "BLK IO",
	  .top_width = 6 },
};
#undef B

static const struct res_hist_def block_hists[] = {
	{ "block_io", "latency", "block I/O", "latscope_process_disk_request_duration_seconds",
	  "Block I/O request latency: issue to completion." },
};

static const char *const block_text[] = {
	"disk: {reads} reads {read_bytes}, {writes} writes {write_bytes}, "
	"{others} other, {errors} errors",
	NULL,
};

/* ---- net: sockets and TCP connections (bpf/sock.bpf.c, its net part) ---- */

#define N struct net_counts
#define TCP_COUNT(name, member, ...)                                               \
	{                                                                          \
		"tcp." name, RES_SUM, RES_UNIT_COUNT, SLOT(N, member), __VA_ARGS__ \
	}
static const struct res_field net_fields[] = {
	{ "bytes_sent", RES_SUM, RES_UNIT_BYTES, SLOT(N, bytes_sent), .expr = "net_sent",
	  .metric = "latscope_process_network_bytes", .label = "direction", .label_value = "sent",
	  .help = "Bytes moved by IPv4/IPv6 socket calls.", .top_title = "NET TX", .top_width = 7 },
	{ "bytes_received", RES_SUM, RES_UNIT_BYTES, SLOT(N, bytes_received),
	  .expr = "net_received", .metric = "latscope_process_network_bytes", .label = "direction",
	  .label_value = "received", .top_title = "NET RX", .top_width = 7 },
	{ "sends", RES_SUM, RES_UNIT_COUNT, SLOT(N, sends) },
	{ "receives", RES_SUM, RES_UNIT_COUNT, SLOT(N, receives) },
	{ "sent_bytes_per_s", RES_PER_SECOND, RES_UNIT_RATE, SLOT(N, bytes_sent) },
	{ "received_bytes_per_s", RES_PER_SECOND, RES_UNIT_RATE, SLOT(N, bytes_received) },
	TCP_COUNT("active_opens", active_opens, .metric = "latscope_process_tcp_opens",
		  .label = "side", .label_value = "active",
		  .help = "TCP connections established: active (connect) or passive (accepted)."),
	TCP_COUNT("passive_opens", passive_opens, .metric = "latscope_process_tcp_opens",
		  .label = "side", .label_value = "passive"),
	TCP_COUNT(
		"local_closes", local_closes, .metric = "latscope_process_tcp_closes",
		.label = "kind", .label_value = "local_fin",
		.help = "Established TCP connections closed: local or remote FIN first, or aborted without one."),
	TCP_COUNT("remote_closes", remote_closes, .metric = "latscope_process_tcp_closes",
		  .label = "kind", .label_value = "remote_fin"),
	TCP_COUNT("aborts", aborts, .metric = "latscope_process_tcp_closes", .label = "kind",
		  .label_value = "abort"),
	TCP_COUNT("connect_failures", connect_failures,
		  .metric = "latscope_process_tcp_connect_failures",
		  .help = "TCP connects that failed."),
	TCP_COUNT("retransmits", retransmits, .metric = "latscope_process_tcp_retransmits",
		  .help = "TCP segments retransmitted."),
	TCP_COUNT("resets_sent", resets_sent, .metric = "latscope_process_tcp_resets",
		  .label = "direction", .label_value = "sent",
		  .help = "TCP resets sent or received."),
	TCP_COUNT("resets_received", resets_received, .metric = "latscope_process_tcp_resets",
		  .label = "direction", .label_value = "received"),
};
#undef TCP_COUNT
#undef N

static const struct res_hist_def net_hists[] = {
	{ "connect", "tcp.connect", "connect", "latscope_process_tcp_connect_duration_seconds",
	  "TCP connect latency: SYN_SENT to ESTABLISHED." },
};

static const char *const net_text[] = {
	"net: sent {bytes_sent} in {sends} calls, received {bytes_received} in "
	"{receives} calls",
	"tcp: opened {tcp.active_opens} active, {tcp.passive_opens} passive; closed "
	"{tcp.local_closes} local, {tcp.remote_closes} remote, {tcp.aborts} aborted; "
	"{tcp.connect_failures} failed connects, {tcp.retransmits} retransmits, "
	"resets {tcp.resets_sent} sent, {tcp.resets_received} received",
	NULL,
};

/*
 * In the order every view shows them. Defaults: block and net are on, as
 * their programs run on events that are rare (block requests) or already
 * cost a syscall (socket calls); sched_switch runs on every context switch
 * of the whole machine, whatever the target does, and /proc gives fault
 * counts for free, so --sched and --faults are opt-in (costs measured in
 * README "Resources").
 */
static struct res_family families[] = {
	{ .name = "sched",
	  .json = "cpu",
	  .optional = true,
	  .option_help = "CPU time, off-CPU and run-queue latency",
	  COUNTERS(struct sched_counts),
	  .text = sched_text,
	  FAMILY_FIELDS(sched_fields),
	  FAMILY_HISTS(sched_hists) },
	{ .name = "memory",
	  .json = "memory",
	  COUNTERS(struct memory_counts),
	  .text = memory_text,
	  FAMILY_FIELDS(memory_fields) },
	{ .name = "faults",
	  .json = "faults",
	  .optional = true,
	  .option_help = "page faults at their tracepoints",
	  COUNTERS(struct fault_counts),
	  .text = fault_text,
	  FAMILY_FIELDS(fault_fields) },
	{ .name = "block",
	  .json = "disk",
	  .optional = true,
	  .default_on = true,
	  .option_help = "block I/O requests, bytes, latency",
	  COUNTERS(struct block_counts),
	  .text = block_text,
	  FAMILY_FIELDS(block_fields),
	  FAMILY_HISTS(block_hists) },
	{ .name = "net",
	  .json = "net",
	  .optional = true,
	  .default_on = true,
	  .option_help = "network bytes, TCP connections, retransmits",
	  COUNTERS(struct net_counts),
	  .text = net_text,
	  FAMILY_FIELDS(net_fields),
	  FAMILY_HISTS(net_hists) },
};

const struct res_family *const res_families = families;
const int res_n_families = ARRAY_LEN(families);

/*
 * Each family's slots and histograms follow the previous family's, laid
 * out before main() so that no view ever sees a family without them.
 */
__attribute__((constructor)) static void lay_out_families(void)
{
	int slot = 0, hist = 0;

	for (int i = 0; i < ARRAY_LEN(families); i++) {
		families[i].first_slot = slot;
		families[i].first_hist = hist;
		slot += families[i].n_slots;
		hist += families[i].n_hists;
	}
	_Static_assert(ARRAY_LEN(families) <= RES_MAX_FAMILIES, "too many families");
	if (slot > RES_MAX_SLOTS || hist > RES_MAX_HISTS) {
		fprintf(stderr,
			"latscope: resource families need %d slots and %d histograms: raise RES_MAX_SLOTS/RES_MAX_HISTS\n",
			slot, hist);
		abort();
	}
}
