// Endpoints the kernel counts itself: request keys (the hash both sides
// run), which records qualify, endpoint ids, and the kernel's figures
// folded into the rows (counts, statuses, bytes, percentiles).
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include "unit/request_recs.h"
#include "base/latency.h"
#include "lat_record.h"
#include "model/model.h"
#include "protocols/http.h"
#include "req_key.h"

#define REQ_A "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
#define REQ_B "GET /b HTTP/1.1\r\nHost: x\r\n\r\n"
#define OK    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"

static struct model *model;

/* What the sink was handed: the loader's req_keys map, as a list. */
static struct filed {
	struct req_key key;
	__u32 id;
} filed[16];
static int n_filed, sink_result;

static int sink(void *ctx, const struct req_key *key, __u32 id)
{
	cr_assert_eq(ctx, &filed);
	cr_assert_lt(n_filed, 16);
	filed[n_filed++] = (struct filed){ *key, id };
	return sink_result;
}

static void setup(void)
{
	model = model_new(8);
	cr_assert(model);
	n_filed = sink_result = 0;
	cr_assert_eq(requests_count_in_kernel(model->requests, 2, sink, &filed), 0);
}

static void teardown(void)
{
	model_free(model);
}

TestSuite(kernel_endpoints, .init = setup, .fini = teardown);

/* A record as the kernel sends it: every request byte captured. */
static void make(struct request_rec *rec, const char *req, const char *resp, __u64 ns)
{
	memset(rec, 0, sizeof(*rec));
	rec->hdr.type = REC_REQUEST;
	rec->group = 0;
	rec->role = REQ_ROLE_SERVER;
	rec->outcome = REQ_DONE;
	rec->local_port = 8080;
	rec->duration_ns = ns;
	rec->conn_id = 1;
	request_rec_set(rec, req, resp);
	rec->bytes_in = rec->req_len;
	rec->bytes_out = rec->resp_len + 100;
	rec->status_class = http_parse_status(resp, rec->resp_len) / 100;
}

/* REQ_A's key hash: the hash reads whole words, so from a padded copy. */
static __u64 hash_a(void)
{
	char padded[64] = REQ_A;

	return req_key_hash(padded, strlen(REQ_A));
}

static void add(const struct request_rec *rec)
{
	cr_assert_eq(model_add_record(model, rec, sizeof(*rec)), REC_REQUEST);
}

static void add_one(const char *req, const char *resp, __u64 ns)
{
	struct request_rec rec;

	make(&rec, req, resp, ns);
	add(&rec);
}

static const struct req_row_view *row(const char *name)
{
	const struct req_group_view *views;
	int n;

	cr_assert_eq(requests_views(model->requests, WINDOW_TOTAL, REQ_ROLE_SERVER, &views, &n), 0);
	cr_assert_eq(n, 1);
	for (int i = 0; i < views[0].n_endpoints; i++)
		if (!strcmp(views[0].endpoints[i].name, name))
			return &views[0].endpoints[i];
	cr_assert_fail("no row %s", name);
	return NULL;
}

/* The kernel group's exact totals: @n requests. */
static void set_group(__u64 n)
{
	struct req_group_key key = { .role = REQ_ROLE_SERVER, .port = 8080 };
	struct req_group_counts counts = { .status[2] = n };
	struct lat_stats lat = { .count = n };

	cr_assert_eq(requests_set_group(model->requests, 0, &key, &lat, &counts), 0);
}

Test(kernel_endpoints, hash_covers_exactly_the_request_bytes)
{
	char a[64] = REQ_A, b[64] = REQ_A;
	__u32 len = strlen(REQ_A);

	/* What an earlier, longer request left after these bytes does not count. */
	memset(a + len, 'x', sizeof(a) - len);
	memset(b + len, 'y', sizeof(b) - len);
	cr_assert_eq(req_key_hash(a, len), req_key_hash(b, len));
	for (__u32 n = 1; n <= len; n++)
		cr_assert_eq(req_key_hash(a, n), req_key_hash(b, n), "length %u", n);
	cr_assert_neq(req_key_hash(a, len), req_key_hash(a, len - 1));
	b[len - 1] = 'z';
	cr_assert_neq(req_key_hash(a, len), req_key_hash(b, len), "the last byte counts");
	b[len - 1] = a[len - 1];
	b[0] = 'P';
	cr_assert_neq(req_key_hash(a, len), req_key_hash(b, len), "the first byte counts");
}

Test(kernel_endpoints, key_needs_every_request_byte)
{
	struct request_rec rec;
	struct req_key key;

	make(&rec, REQ_A, OK, 1000);
	cr_assert(request_key_of(&rec, &key));
	cr_assert_eq(key.len, strlen(REQ_A));
	cr_assert_eq(key.hash, hash_a());
	rec.bytes_in++; /* a byte not captured: a body, or a cut request */
	cr_assert_not(request_key_of(&rec, &key));
	rec.role = REQ_ROLE_CLIENT; /* a client's call is what it wrote */
	rec.bytes_out = rec.req_len;
	cr_assert(request_key_of(&rec, &key));
	rec.req_len = rec.bytes_out = LATSCOPE_REQ_KEY_LEN + 1;
	cr_assert_not(request_key_of(&rec, &key), "longer than a key covers");
	rec.req_len = rec.bytes_out = 0;
	cr_assert_not(request_key_of(&rec, &key));
}

Test(kernel_endpoints, only_one_http_request_with_a_final_status_qualifies)
{
	struct proto_conn http = { .proto = PROTO_HTTP };
	struct proto_conn ws = { .proto = PROTO_HTTP, .websocket = true };
	struct proto_conn redis = { .proto = PROTO_REDIS };
	struct proto_msg msgs[2] = { { .name = "GET /a", .kind = MSG_REQUEST, .status = 200 },
				     { .name = "GET /b", .kind = MSG_REQUEST, .status = 200 } };
	struct request_rec rec;

	make(&rec, REQ_A, OK, 1000);
	cr_assert(kernel_endpoint_eligible(&rec, &http, msgs, 1));
	cr_assert_not(kernel_endpoint_eligible(&rec, &http, msgs, 2), "pipelined");
	cr_assert_not(kernel_endpoint_eligible(&rec, &ws, msgs, 1));
	cr_assert_not(kernel_endpoint_eligible(&rec, &redis, msgs, 1));
	rec.flags = REQ_F_CLOSED;
	cr_assert_not(kernel_endpoint_eligible(&rec, &http, msgs, 1), "the connection's last");
	rec.flags = 0;
	rec.outcome = REQ_ABORTED;
	cr_assert_not(kernel_endpoint_eligible(&rec, &http, msgs, 1));
	rec.outcome = REQ_DONE;
	msgs[0].status = 101;
	rec.status_class = 1;
	cr_assert_not(kernel_endpoint_eligible(&rec, &http, msgs, 1), "an upgrade");
	msgs[0].status = 404;
	rec.status_class = 0;
	cr_assert_not(kernel_endpoint_eligible(&rec, &http, msgs, 1), "not the kernel's class");
	rec.status_class = 4;
	cr_assert(kernel_endpoint_eligible(&rec, &http, msgs, 1));
}

Test(kernel_endpoints, keys_filed_once_ids_per_row)
{
	add_one(REQ_A, OK, 1000);
	cr_assert_eq(n_filed, 1);
	cr_assert_eq(filed[0].id, 0);
	cr_assert_eq(filed[0].key.len, strlen(REQ_A));
	cr_assert_eq(filed[0].key.hash, hash_a());
	add_one(REQ_A, OK, 1000);
	cr_assert_eq(n_filed, 1, "a key already filed is not filed again");
	/* Other bytes, the same row (the query is dropped): the same id. */
	add_one("GET /a?q=1 HTTP/1.1\r\nHost: x\r\n\r\n", OK, 1000);
	cr_assert_eq(n_filed, 2);
	cr_assert_eq(filed[1].id, 0);
	add_one(REQ_B, OK, 1000);
	cr_assert_eq(n_filed, 3);
	cr_assert_eq(filed[2].id, 1);
	cr_assert_eq(requests_kernel_ids(model->requests), 2);
	add_one("GET /c HTTP/1.1\r\n\r\n", OK, 1000);
	cr_assert_eq(n_filed, 3, "ids run out: the row stays the records'");
	/* Pipelined, or a close: not filed. */
	add_one(REQ_B REQ_B, OK OK, 1000);
	cr_assert_eq(n_filed, 3);
}

Test(kernel_endpoints, not_filed_without_a_sink_or_when_not_whole)
{
	struct request_rec rec;

	make(&rec, REQ_A, OK, 1000);
	rec.bytes_in += 10;
	add(&rec);
	cr_assert_eq(n_filed, 0);
	make(&rec, REQ_A, "HTTP/1.1 101 Switching Protocols\r\n\r\n", 1000);
	add(&rec);
	cr_assert_eq(n_filed, 0);
	cr_assert_eq(requests_count_in_kernel(model->requests, 0, NULL, NULL), 0);
	add_one(REQ_A, OK, 1000);
	cr_assert_eq(n_filed, 0, "the kernel counts no endpoint");
}

Test(kernel_endpoints, a_key_the_map_refused_is_not_retried)
{
	sink_result = -7;
	add_one(REQ_A, OK, 1000);
	add_one(REQ_A, OK, 1000);
	cr_assert_eq(n_filed, 1);
}

/* @n samples of @ns (answered @class xx), as the kernel counts them. */
static void kernel_samples(struct req_endpoint_stats *s, int n, __u64 ns, __u32 class)
{
	for (int i = 0; i < n; i++) {
		lat_stats_record(&s->lat, ns, class == 5);
		s->counts.status[class]++;
		s->counts.bytes_in += 10;
		s->counts.bytes_out += 20;
	}
}

Test(kernel_endpoints, kernel_figures_fold_into_the_row)
{
	static struct req_endpoint_stats k;
	const struct req_row_view *a;

	add_one(REQ_A, OK, 1000); /* the record that names it: id 0 */
	kernel_samples(&k, 98, 2000, 2);
	cr_assert_eq(requests_set_endpoint(model->requests, 0, &k), 0);
	cr_assert_eq(requests_set_endpoint(model->requests, 0, &k), 0, "read twice, counted once");
	kernel_samples(&k, 1, 900000, 5);
	cr_assert_eq(requests_set_endpoint(model->requests, 0, &k), 0);
	cr_assert_eq(requests_set_endpoint(model->requests, 5, &k), -ERANGE);
	set_group(100);
	a = row("GET /a");
	cr_assert_eq(a->lat.count, 100);
	cr_assert_eq(a->status[2], 99);
	cr_assert_eq(a->status[5], 1);
	cr_assert_eq(a->lat.errors, 1);
	cr_assert_eq(a->bytes_in, strlen(REQ_A) + 99 * 10);
	cr_assert_eq(a->bytes_out, strlen(OK) + 100 + 99 * 20);
	cr_assert_eq(a->lat.min_ns, 1000);
	cr_assert_eq(a->lat.max_ns, 900000);
	/* The same buckets on both sides: the percentiles of all 100 samples. */
	cr_assert_leq(a->lat.quantile_ns[LAT_P50], 2000 + 2000ULL * HIST_ERROR_PPM / 1000000);
	cr_assert_geq(a->lat.quantile_ns[LAT_P50], 2000 - 2000ULL * HIST_ERROR_PPM / 1000000);
	cr_assert_leq(a->lat.quantile_ns[LAT_P999], 900000);
	cr_assert_geq(a->lat.quantile_ns[LAT_P999], 900000 - 900000ULL * HIST_ERROR_PPM / 1000000);
}

Test(kernel_endpoints, interval_windows_see_kernel_counts)
{
	static struct req_endpoint_stats k;
	const struct req_group_view *views;
	int n;

	add_one(REQ_A, OK, 1000);
	kernel_samples(&k, 10, 2000, 2);
	requests_set_endpoint(model->requests, 0, &k);
	set_group(11);
	model_mark_interval(model);
	kernel_samples(&k, 5, 2000, 2);
	requests_set_endpoint(model->requests, 0, &k);
	set_group(16);
	cr_assert_eq(requests_views(model->requests, WINDOW_INTERVAL, REQ_ROLE_SERVER, &views, &n),
		     0);
	cr_assert_eq(views[0].endpoints[0].lat.count, 5);
	cr_assert_eq(views[0].total.lat.count, 5);
}
