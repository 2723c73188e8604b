// Model -> the JSON snapshot's "requests" and "upstreams" sections.
#include "model/requests.h"
#include "views/json/snapshot.h"

static json_t *status_json(const __u64 status[LATSCOPE_STATUS_CLASSES])
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "1xx", (json_int_t)status[1], "2xx",
			 (json_int_t)status[2], "3xx", (json_int_t)status[3], "4xx",
			 (json_int_t)status[4], "5xx", (json_int_t)status[5], "none",
			 (json_int_t)status[0]);
}

/* One request-table row: latency figures plus outcome and traffic. */
static json_t *req_row_json(const struct req_row_view *v)
{
	json_t *obj = snapshot_latency_json(&v->lat);

	json_object_set_new(obj, "aborted", json_integer((json_int_t)v->aborted));
	json_object_set_new(obj, "oneway", json_integer((json_int_t)v->oneway));
	json_object_set_new(obj, "status", status_json(v->status));
	json_object_set_new(obj, "error_rate", json_real(v->error_rate));
	json_object_set_new(obj, "bytes_in", json_integer((json_int_t)v->bytes_in));
	json_object_set_new(obj, "bytes_out", json_integer((json_int_t)v->bytes_out));
	json_object_set_new(obj, "histogram", snapshot_hist_json(v->hist));
	return obj;
}

json_t *snapshot_request_groups(struct model *model, enum model_window window, enum req_role role)
{
	const struct req_group_view *views;
	json_t *arr = json_array();
	int n = 0;

	requests_views(model->requests, window, role, &views, &n);
	for (int i = 0; i < n; i++) {
		const struct req_group_view *g = &views[i];
		json_t *obj = req_row_json(&g->total), *eps = json_array();

		json_object_set_new(obj, "port", json_integer(g->port));
		if (role == REQ_ROLE_CLIENT) {
			json_object_set_new(obj, "peer", json_string(g->label));
			json_object_set_new(obj, "addr", json_string(g->addr));
		}
		json_object_set_new(obj, "protocol", json_string(proto_name(g->proto)));
		if (g->tls)
			json_object_set_new(obj, "tls", json_string("openssl"));
		else if (g->tls_undecoded)
			json_object_set_new(obj, "tls_not_decoded", json_string(g->tls_undecoded));
		if (g->handshakes.count)
			json_object_set_new(obj, "tls_handshakes",
					    snapshot_latency_json(&g->handshakes));
		for (int e = 0; e < g->n_endpoints; e++) {
			json_t *row = req_row_json(&g->endpoints[e]);

			json_object_set_new(row, "endpoint", json_string(g->endpoints[e].name));
			json_array_append_new(eps, row);
		}
		json_object_set_new(obj, "endpoints", eps);
		json_array_append_new(arr, obj);
	}
	return arr;
}

static json_t *slow_requests_json(const struct model *model)
{
	const struct ring_log *log = &model->requests->slow;
	json_t *kept = json_array();

	for (size_t i = 0; i < log->len; i++) {
		const struct slow_request *s = ring_log_at(log, i);
		char addr[48];

		json_array_append_new(
			kept,
			json_pack("{s:o, s:i, s:i, s:s, s:s, s:i, s:i, s:s, s:i, s:I}", "time",
				  snapshot_iso_time(model_realtime_ns(model, s->ts_ns)), "pid",
				  (int)s->tgid, "tid", (int)s->tid, "side",
				  s->role == REQ_ROLE_CLIENT ? "client" : "server", "peer_addr",
				  format_peer_addr(s->peer_addr, addr, sizeof(addr)), "peer_port",
				  s->peer_port, "local_port", s->local_port, "endpoint",
				  s->endpoint, "status", s->status, "duration_ns",
				  (json_int_t)s->duration_ns));
	}
	return json_pack("{s:I, s:I, s:o}", "threshold_ns", (json_int_t)model->syscalls.slow_ns,
			 "reported", (json_int_t)log->total, "events", kept);
}

json_t *snapshot_requests(struct model *model)
{
	return json_pack("{s:o, s:o}", "servers",
			 snapshot_request_groups(model, WINDOW_TOTAL, REQ_ROLE_SERVER), "slow",
			 slow_requests_json(model));
}

json_t *snapshot_upstreams(struct model *model)
{
	return json_pack("{s:o}", "peers",
			 snapshot_request_groups(model, WINDOW_TOTAL, REQ_ROLE_CLIENT));
}
