// Endpoints the kernel counts itself: eligibility, keys, ids, folding.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/kernel_endpoints.h"
#include "req_key.h"

/* Twice the keys the kernel map holds: the table never gets crowded. */
#define REQ_KEY_SLOTS (2 * LATSCOPE_MAX_REQ_KEYS)

int kernel_endpoints_init(struct kernel_endpoints *k, __u32 max_ids, req_key_sink_fn sink,
			  void *ctx)
{
	kernel_endpoints_free(k);
	if (max_ids > LATSCOPE_MAX_KERNEL_ENDPOINTS)
		max_ids = LATSCOPE_MAX_KERNEL_ENDPOINTS;
	if (!max_ids || !sink)
		return 0;
	k->by_id = calloc(max_ids, sizeof(*k->by_id));
	k->keys = calloc(REQ_KEY_SLOTS, sizeof(*k->keys));
	if (!k->by_id || !k->keys) {
		kernel_endpoints_free(k);
		return -ENOMEM;
	}
	k->max_ids = max_ids;
	k->sink = sink;
	k->ctx = ctx;
	return 0;
}

void kernel_endpoints_free(struct kernel_endpoints *k)
{
	for (__u32 i = 0; k->by_id && i < k->n_ids; i++)
		free(k->by_id[i]);
	free(k->by_id);
	free(k->keys);
	memset(k, 0, sizeof(*k));
}

bool request_key_of(const struct request_rec *rec, struct req_key *key)
{
	__u64 asked = rec->role == REQ_ROLE_SERVER ? rec->bytes_in : rec->bytes_out;
	/* A copy: the hash reads whole words, past the record's end. */
	char buf[LATSCOPE_REQ_KEY_LEN] = {};

	if (!rec->req_len || rec->req_len > LATSCOPE_REQ_KEY_LEN || rec->req_len != asked)
		return false;
	memcpy(buf, rec->data, rec->req_len);
	key->group = rec->group;
	key->len = rec->req_len;
	key->hash = req_key_hash(buf, key->len);
	return true;
}

bool kernel_endpoint_eligible(const struct request_rec *rec, const struct proto_conn *c,
			      const struct proto_msg *msgs, int n)
{
	int status = n == 1 ? msgs[0].status : 0;

	return n == 1 && rec->outcome == REQ_DONE && !rec->flags && c->proto == PROTO_HTTP &&
	       !c->websocket && msgs[0].kind == MSG_REQUEST && status >= 200 && status <= 599 &&
	       (__u32)status / 100 == rec->status_class;
}

/* The key's slot: where it is, or the free one where it would go. */
static struct req_key *key_slot(struct kernel_endpoints *k, const struct req_key *key)
{
	size_t i = (key->hash ^ key->group * 0x9e3779b97f4a7c15ULL) % REQ_KEY_SLOTS;

	for (;; i = (i + 1) % REQ_KEY_SLOTS) {
		struct req_key *s = &k->keys[i];

		if (!s->len || !memcmp(s, key, sizeof(*key)))
			return s;
	}
}

/* @row's id, handed out on first use; -1 when all are taken. */
static int id_of(struct kernel_endpoints *k, void *row, __u32 *row_id)
{
	struct kernel_endpoint *ke;

	if (*row_id)
		return *row_id - 1;
	if (k->n_ids >= k->max_ids || !(ke = calloc(1, sizeof(*ke))))
		return -1;
	ke->row = row;
	k->by_id[k->n_ids] = ke;
	*row_id = ++k->n_ids;
	return *row_id - 1;
}

int kernel_endpoint_offer(struct kernel_endpoints *k, const struct request_rec *rec,
			  const struct proto_conn *c, const struct proto_msg *msgs, int n,
			  void *row, __u32 *row_id)
{
	struct req_key key = {}, *slot;
	int id;

	if (!k->sink || !row || !kernel_endpoint_eligible(rec, c, msgs, n) ||
	    !request_key_of(rec, &key))
		return -1;
	slot = key_slot(k, &key);
	/* Filed already (the kernel may still send some it began before). */
	if (slot->len || k->n_keys >= LATSCOPE_MAX_REQ_KEYS)
		return -1;
	id = id_of(k, row, row_id);
	if (id < 0)
		return -1;
	/* Not filed is not tried again: a full map stays full. */
	*slot = key;
	k->n_keys++;
	return k->sink(k->ctx, &key, id) ? -1 : id;
}

/* newer - older, for cumulative readings; min/max: newer's. */
static void lat_delta(struct lat_stats *out, const struct lat_stats *newer,
		      const struct lat_stats *older)
{
	out->count = newer->count - older->count;
	out->errors = newer->errors - older->errors;
	out->total_ns = newer->total_ns - older->total_ns;
	out->min_ns = newer->min_ns;
	out->max_ns = newer->max_ns;
	for (__u32 i = 0; i < HIST_BUCKETS; i++)
		out->buckets[i] = newer->buckets[i] - older->buckets[i];
}

void *kernel_endpoint_fold(struct kernel_endpoints *k, __u32 id,
			   const struct req_endpoint_stats *now, struct req_endpoint_stats *delta)
{
	const struct req_group_counts *was;
	struct kernel_endpoint *ke;

	if (id >= k->n_ids)
		return NULL;
	ke = k->by_id[id];
	was = &ke->folded.counts;
	lat_delta(&delta->lat, &now->lat, &ke->folded.lat);
	delta->counts.aborted = 0;
	delta->counts.bytes_in = now->counts.bytes_in - was->bytes_in;
	delta->counts.bytes_out = now->counts.bytes_out - was->bytes_out;
	for (int i = 0; i < LATSCOPE_STATUS_CLASSES; i++)
		delta->counts.status[i] = now->counts.status[i] - was->status[i];
	ke->folded = *now;
	return ke->row;
}
