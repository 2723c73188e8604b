// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Block I/O requests made on behalf of traced processes: count, bytes and
 * issue-to-complete latency per tgid.
 *
 * A request is attributed where it is created, in the submitting task's
 * context (block_io_start, 6.5+); by issue time the current task may be a
 * kworker or another process flushing a plug. Older kernels fall back to
 * the task current at block_rq_issue (`attribute_at_issue`). Writeback
 * done later by the kernel's flusher threads is not the process's.
 */
#include "common.bpf.h"
#include "lat_stats.bpf.h"
#include "resources.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define REQ_OP_MASK 0xff /* (1 << REQ_OP_BITS) - 1 */

const volatile bool attribute_at_issue = false;

struct block_req {
	__u32 tgid;
	__u32 op;
	__u64 issue_ns; /* 0 until issued */
};

/* Requests of traced processes in flight, keyed by struct request address. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LATSCOPE_MAX_REQUESTS);
	__type(key, __u64);
	__type(value, struct block_req);
} block_reqs SEC(".maps");

static const struct block_counts block_zero;
TGID_COUNTS_MAP(block_counts, struct block_counts);
TGID_LAT_MAP(block_lat_stats);

static __always_inline struct block_req *remember(struct request *rq)
{
	struct block_req req = {
		.tgid = current_tgid(),
		.op = rq->cmd_flags & REQ_OP_MASK,
	};
	__u64 key = (__u64)rq;

	if (!tgid_is_traced(req.tgid)) {
		/*
		 * Requests are recycled: drop what a traced process left. A
		 * lookup first, as a delete takes the bucket lock even on a miss.
		 */
		if (bpf_map_lookup_elem(&block_reqs, &key))
			bpf_map_delete_elem(&block_reqs, &key);
		return NULL;
	}
	if (bpf_map_update_elem(&block_reqs, &key, &req, BPF_ANY)) {
		health_inc(HEALTH_STATS_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&block_reqs, &key);
}

SEC("tp_btf/block_io_start")
int BPF_PROG(block_start, struct request *rq)
{
	remember(rq);
	return 0;
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(block_issue, struct request *rq)
{
	__u64 key = (__u64)rq;
	struct block_req *req = attribute_at_issue ? remember(rq)
						   : bpf_map_lookup_elem(&block_reqs, &key);

	if (req)
		req->issue_ns = bpf_ktime_get_ns();
	return 0;
}

static __always_inline void count_request(struct block_counts *c, __u32 op, bool failed)
{
	if (op == REQ_OP_READ)
		c->reads++;
	else if (op == REQ_OP_WRITE)
		c->writes++;
	else
		c->others++;
	if (failed)
		c->errors++;
}

static __always_inline void count_bytes(struct block_counts *c, __u32 op, __u64 bytes)
{
	if (op == REQ_OP_READ)
		c->read_bytes += bytes;
	else if (op == REQ_OP_WRITE)
		c->write_bytes += bytes;
}

/*
 * A request may complete in parts: each part's bytes count as they come;
 * the request itself (and its latency) counts when its last part does,
 * i.e. when nr_bytes covers what is left of it (__data_len, not yet
 * advanced when the tracepoint fires).
 */
SEC("tp_btf/block_rq_complete")
int BPF_PROG(block_complete, struct request *rq, blk_status_t error, unsigned int nr_bytes)
{
	__u64 key = (__u64)rq, now = bpf_ktime_get_ns();
	struct block_req *req = bpf_map_lookup_elem(&block_reqs, &key);
	struct block_counts *c;
	bool last;

	if (!req)
		return 0;
	last = nr_bytes >= rq->__data_len;
	c = counts_of(&block_counts, req->tgid, &block_zero);
	if (c) {
		count_bytes(c, req->op, nr_bytes);
		if (last)
			count_request(c, req->op, error != 0);
	}
	if (!last)
		return 0;
	if (req->issue_ns)
		lat_stats_add(&block_lat_stats, req->tgid, now - req->issue_ns, error != 0);
	bpf_map_delete_elem(&block_reqs, &key);
	return 0;
}
