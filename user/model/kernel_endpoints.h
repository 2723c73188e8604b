/*
 * Endpoints the kernel counts itself (struct req_key, latscope.h): which
 * records name their request bytes well enough for the kernel to count
 * the next ones alike, the keys filed (through the loader's sink, into
 * the req_keys map), the endpoint ids handed out, and the kernel's
 * per-endpoint figures folded into the rows. A row's figures are then its
 * records' plus the kernel's, exact as the group's are.
 */
#ifndef LATSCOPE_MODEL_KERNEL_ENDPOINTS_H
#define LATSCOPE_MODEL_KERNEL_ENDPOINTS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include "latscope.h"
#include "protocols/protocols.h"

/* Files @key for endpoint @id in the kernel; non-zero: not filed. */
typedef int (*req_key_sink_fn)(void *ctx, const struct req_key *key, __u32 id);

/* The kernel's figures of one endpoint id, and how much of them is in its row. */
struct kernel_endpoint {
	void *row; /* the model's row (struct req_endpoint) */
	struct req_endpoint_stats folded;
};

struct kernel_endpoints {
	req_key_sink_fn sink; /* NULL: the kernel counts no endpoint */
	void *ctx;
	__u32 max_ids, n_ids;
	struct kernel_endpoint **by_id; /* [max_ids] */
	/* Keys filed (open addressing, REQ_KEY_SLOTS, len 0: free), and how many. */
	struct req_key *keys;
	size_t n_keys;
};

/* Up to @max_ids endpoint ids (<= LATSCOPE_MAX_KERNEL_ENDPOINTS); 0 or -errno. */
int kernel_endpoints_init(struct kernel_endpoints *k, __u32 max_ids, req_key_sink_fn sink,
			  void *ctx);
void kernel_endpoints_free(struct kernel_endpoints *k);

/*
 * The key of @rec's request bytes, when all of them were captured and
 * they fit LATSCOPE_REQ_KEY_LEN; false otherwise.
 */
bool request_key_of(const struct request_rec *rec, struct req_key *key);

/*
 * Whether an exchange split into @n messages @msgs on connection @c may
 * have its like counted by the kernel: one HTTP request, answered by a
 * final status line of the class the kernel saw, its bytes whole, sent
 * as the connection turned around (not closed, not flushed).
 */
bool kernel_endpoint_eligible(const struct request_rec *rec, const struct proto_conn *c,
			      const struct proto_msg *msgs, int n);

/*
 * Files @rec's request bytes for row @row, giving it an id if it has none
 * (*@row_id: id + 1, 0 for none): when the kernel counts endpoints, @rec
 * is eligible, and neither keys nor ids have run out. Returns the id, or -1.
 */
int kernel_endpoint_offer(struct kernel_endpoints *k, const struct request_rec *rec,
			  const struct proto_conn *c, const struct proto_msg *msgs, int n,
			  void *row, __u32 *row_id);

/*
 * The kernel's cumulative figures for @id (summed over CPUs): what is new
 * since the last call, in @delta (min/max: @now's), and the id's row to
 * add it to; NULL for an id not handed out.
 */
void *kernel_endpoint_fold(struct kernel_endpoints *k, __u32 id,
			   const struct req_endpoint_stats *now, struct req_endpoint_stats *delta);

#endif
