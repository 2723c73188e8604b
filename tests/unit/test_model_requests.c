// The requests section of the model: endpoint rows from records, id
// folding, the endpoint cap, status classes, aborted requests, slow log.
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "unit/request_recs.h"
#include "model/model.h"
#include "protocols/http.h"

static struct model *model;

static void setup(void)
{
	model = model_new(8);
	cr_assert(model);
}

static void teardown(void)
{
	model_free(model);
}

TestSuite(model_requests, .init = setup, .fini = teardown);

static void add(__u32 group, const char *req, const char *resp, __u64 ns, enum req_outcome outcome)
{
	struct request_rec rec = {
		.hdr = { .type = REC_REQUEST, .tgid = 10, .tid = 11, .ts_ns = 1 },
		.group = group,
		.role = REQ_ROLE_SERVER,
		.outcome = outcome,
		.local_port = 8080,
		.peer_port = 5555,
		.peer_addr = { [10] = 0xff, [11] = 0xff, 127, 0, 0, 1 },
		.duration_ns = ns,
		.bytes_in = 100,
		.bytes_out = 200,
	};

	request_rec_set(&rec, req, resp);
	/* As the kernel counts it: the class digit of a status line. */
	rec.status_class = http_parse_status(resp, rec.resp_len) / 100;
	cr_assert_eq(model_add_record(model, &rec, sizeof(rec)), REC_REQUEST);
}

/* The kernel's exact totals for group @id: @n requests. */
static void set_group(__u32 id, __u64 n)
{
	struct req_group_key key = { .role = REQ_ROLE_SERVER, .port = 8080 };
	struct req_group_counts counts = { .status[2] = n };
	struct lat_stats lat = { .count = n, .min_ns = 1000, .max_ns = 1000 };

	lat.buckets[hist_bucket_of(1000)] = n;
	cr_assert_eq(requests_set_group(model->requests, id, &key, &lat, &counts), 0);
}

static const struct req_row_view *row(const struct req_group_view *g, const char *name)
{
	for (int i = 0; i < g->n_endpoints; i++)
		if (!strcmp(g->endpoints[i].name, name))
			return &g->endpoints[i];
	return NULL;
}

static const struct req_group_view *server_group(void)
{
	const struct req_group_view *views;
	int n;

	cr_assert_eq(requests_views(model->requests, WINDOW_TOTAL, REQ_ROLE_SERVER, &views, &n), 0);
	cr_assert_eq(n, 1);
	return &views[0];
}

Test(model_requests, endpoints_status_and_ids)
{
	const struct req_group_view *g;

	add(0, "GET /users/42 HTTP/1.1\r\n", "HTTP/1.1 200 OK\r\n", 1000, REQ_DONE);
	add(0, "GET /users/7?token=secret HTTP/1.1\r\n", "HTTP/1.1 503 Busy\r\n", 3000, REQ_DONE);
	add(0, "GET /users/9 HTTP/1.1\r\nHo", "", 0, REQ_ABORTED);
	add(0, "\x16\x03\x01 tls", "\x17\x03\x03", 500, REQ_DONE);
	set_group(0, 3);
	g = server_group();
	cr_assert_eq(g->proto, PROTO_HTTP);
	cr_assert_str_eq(g->label, "port 8080");
	cr_assert_eq(g->total.lat.count, 3, "group totals are the kernel's");
	cr_assert_eq(g->n_endpoints, 2);
	cr_assert_str_eq(g->endpoints[0].name, "GET /users/{id}", "busiest first");
	cr_assert_eq(g->endpoints[0].lat.count, 2);
	cr_assert_eq(g->endpoints[0].aborted, 1);
	cr_assert_eq(g->endpoints[0].status[2], 1);
	cr_assert_eq(g->endpoints[0].status[5], 1);
	cr_assert_float_eq(g->endpoints[0].error_rate, 0.5, 1e-9);
	cr_assert_eq(g->endpoints[0].bytes_in, 300);
	cr_assert(row(g, ENDPOINT_NOT_HTTP));
	cr_assert_eq(row(g, ENDPOINT_NOT_HTTP)->status[0], 1);
}

Test(model_requests, endpoint_cap_folds_into_other)
{
	char req[64];
	const struct req_group_view *g;

	for (int i = 0; i < MODEL_MAX_ENDPOINTS + 50; i++) {
		snprintf(req, sizeof(req), "GET /page-%c%c%c HTTP/1.1\r\n", 'a' + i % 26,
			 'a' + i / 26 % 26, 'a' + i / 676);
		add(0, req, "HTTP/1.1 200 OK\r\n", 1000, REQ_DONE);
	}
	set_group(0, MODEL_MAX_ENDPOINTS + 50);
	g = server_group();
	cr_assert_eq(g->n_endpoints, MODEL_MAX_ENDPOINTS + 1);
	cr_assert(row(g, ENDPOINT_OTHER));
	cr_assert_eq(row(g, ENDPOINT_OTHER)->lat.count, 50);
}

Test(model_requests, slow_requests_logged_over_threshold)
{
	const struct ring_log *log = &model->requests->slow;
	const struct slow_request *s;

	model_set_slow_threshold(model, 2000);
	add(0, "GET /a HTTP/1.1\r\n", "HTTP/1.1 200 OK\r\n", 1000, REQ_DONE);
	cr_assert_null(model->last_event);
	add(0, "GET /b HTTP/1.1\r\n", "HTTP/1.1 500 x\r\n", 5000, REQ_DONE);
	cr_assert_not_null(model->last_event);
	cr_assert_eq(log->total, 1);
	s = ring_log_at(log, 0);
	cr_assert_str_eq(s->endpoint, "GET /b");
	cr_assert_eq(s->status, 500);
	cr_assert_eq(s->duration_ns, 5000);
	cr_assert_eq(s->peer_port, 5555);
}

Test(model_requests, interval_window)
{
	const struct req_group_view *views;
	int n;

	add(0, "GET /a HTTP/1.1\r\n", "HTTP/1.1 200 OK\r\n", 1000, REQ_DONE);
	set_group(0, 1);
	model_mark_interval(model);
	add(0, "GET /a HTTP/1.1\r\n", "HTTP/1.1 200 OK\r\n", 1000, REQ_DONE);
	add(0, "GET /a HTTP/1.1\r\n", "HTTP/1.1 200 OK\r\n", 1000, REQ_DONE);
	set_group(0, 3);
	cr_assert_eq(requests_views(model->requests, WINDOW_INTERVAL, REQ_ROLE_SERVER, &views, &n),
		     0);
	cr_assert_eq(n, 1);
	cr_assert_eq(views[0].total.lat.count, 2);
	cr_assert_eq(views[0].endpoints[0].lat.count, 2);
}
