// Request groups, endpoints and slow requests: the requests section of the model.
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/name_filter.h"
#include "model/requests.h"
#include "lat_record.h"

static void view_mem_free(struct view_mem *mem);

struct model_requests *requests_new(const struct model_clock *clock, size_t keep_events)
{
	struct model_requests *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->clock = clock;
	r->endpoints = calloc(MODEL_MAX_ENDPOINTS + LATSCOPE_MAX_REQ_GROUPS, sizeof(*r->endpoints));
	if (!r->endpoints || ring_log_init(&r->slow, sizeof(struct slow_request), keep_events)) {
		requests_free(r);
		return NULL;
	}
	return r;
}

void requests_free(struct model_requests *r)
{
	if (!r)
		return;
	for (int i = 0; i < LATSCOPE_MAX_REQ_GROUPS; i++)
		free(r->groups[i]);
	for (int i = 0; i < r->n_endpoints; i++)
		free(r->endpoints[i]);
	free(r->endpoints);
	ring_log_free(&r->slow);
	view_mem_free(r->view_mem);
	free(r->flat);
	free(r);
}

int requests_set_group(struct model_requests *r, __u32 id, const struct req_group_key *key,
		       const struct lat_stats *lat, const struct req_group_counts *counts)
{
	struct req_group *g;

	if (id >= LATSCOPE_MAX_REQ_GROUPS)
		return -ERANGE;
	g = r->groups[id];
	if (!g) {
		g = r->groups[id] = calloc(1, sizeof(*g));
		if (!g)
			return -ENOMEM;
		g->id = id;
		g->key = *key;
	}
	g->r.lat.now = *lat;
	g->r.aborted.now = counts->aborted;
	g->r.bytes_in.now = counts->bytes_in;
	g->r.bytes_out.now = counts->bytes_out;
	for (int i = 0; i < LATSCOPE_STATUS_CLASSES; i++)
		g->r.status[i].now = counts->status[i];
	return 0;
}

static struct req_endpoint *endpoint_row(struct model_requests *r, __u32 group, const char *name)
{
	bool other = !strcmp(name, ENDPOINT_OTHER);
	struct req_endpoint *e;

	for (int i = 0; i < r->n_endpoints; i++) {
		e = r->endpoints[i];
		if (e->group == group && !strcmp(e->name, name))
			return e;
	}
	if (!other && r->n_named >= MODEL_MAX_ENDPOINTS)
		return endpoint_row(r, group, ENDPOINT_OTHER);
	if (r->n_endpoints >= MODEL_MAX_ENDPOINTS + LATSCOPE_MAX_REQ_GROUPS)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->group = group;
	snprintf(e->name, sizeof(e->name), "%s", name);
	r->endpoints[r->n_endpoints++] = e;
	if (!other)
		r->n_named++;
	return e;
}

static void tally_request(struct req_readings *t, const struct request_rec *rec, int status)
{
	__u32 class = status / 100;

	t->bytes_in.now += rec->bytes_in;
	t->bytes_out.now += rec->bytes_out;
	if (rec->outcome == REQ_ABORTED) {
		t->aborted.now++;
		return;
	}
	lat_stats_record(&t->lat.now, rec->duration_ns, class == 5);
	if (class < LATSCOPE_STATUS_CLASSES)
		t->status[class].now++;
}

static const struct slow_request *log_slow(struct model_requests *r, const struct request_rec *rec,
					   const char *endpoint, int status)
{
	struct slow_request s = {
		.ts_ns = rec->hdr.ts_ns,
		.tgid = rec->hdr.tgid,
		.tid = rec->hdr.tid,
		.role = rec->role,
		.outcome = rec->outcome,
		.local_port = rec->local_port,
		.peer_port = rec->peer_port,
		.status = status,
		.duration_ns = rec->duration_ns,
	};

	memcpy(s.peer_addr, rec->peer_addr, sizeof(s.peer_addr));
	snprintf(s.endpoint, sizeof(s.endpoint), "%s", endpoint);
	ring_log_push(&r->slow, &s);
	return ring_log_newest(&r->slow);
}

/* Records end after their request bytes (clamped as below). */
bool request_rec_fits(const struct request_rec *rec, size_t size)
{
	return size >= request_rec_size(0) &&
	       size >= request_rec_size(rec->req_len < LATSCOPE_CAPTURE_LEN ? rec->req_len
									    : LATSCOPE_CAPTURE_LEN);
}

const struct slow_request *requests_add(struct model_requests *r, const struct request_rec *rec)
{
	char name[HTTP_ENDPOINT_LEN];
	struct req_endpoint *e;
	__u16 req_len = rec->req_len, resp_len = rec->resp_len;
	int status = 0;

	if (req_len > LATSCOPE_CAPTURE_LEN)
		req_len = LATSCOPE_CAPTURE_LEN;
	if (resp_len > LATSCOPE_RESP_CAPTURE_LEN)
		resp_len = LATSCOPE_RESP_CAPTURE_LEN;
	if (http_parse_request(rec->req, req_len, r->keep_query, name, sizeof(name))) {
		snprintf(name, sizeof(name), "%s", ENDPOINT_NOT_HTTP);
	} else {
		if (rec->group < LATSCOPE_MAX_REQ_GROUPS)
			r->http[rec->group] = true;
		status = http_parse_status(rec->resp, resp_len);
	}
	e = endpoint_row(r, rec->group, name);
	if (e)
		tally_request(&e->r, rec, status);
	if (!r->slow_ns || rec->outcome != REQ_DONE || rec->duration_ns < r->slow_ns)
		return NULL;
	return log_slow(r, rec, e ? e->name : name, status);
}

static void readings_step(struct req_readings *t, enum readings_step step)
{
	lat_readings_step(&t->lat, step);
	count_readings_step(&t->aborted, step);
	count_readings_step(&t->bytes_in, step);
	count_readings_step(&t->bytes_out, step);
	for (int i = 0; i < LATSCOPE_STATUS_CLASSES; i++)
		count_readings_step(&t->status[i], step);
}

void requests_step(struct model_requests *r, enum readings_step step)
{
	for (int i = 0; i < LATSCOPE_MAX_REQ_GROUPS; i++)
		if (r->groups[i])
			readings_step(&r->groups[i]->r, step);
	for (int i = 0; i < r->n_endpoints; i++)
		readings_step(&r->endpoints[i]->r, step);
}

const char *format_peer_addr(const __u8 addr[16], char *buf, size_t len)
{
	static const __u8 v4_prefix[12] = { [10] = 0xff, [11] = 0xff };

	if (!memcmp(addr, v4_prefix, sizeof(v4_prefix)))
		inet_ntop(AF_INET, addr + 12, buf, len);
	else
		inet_ntop(AF_INET6, addr, buf, len);
	return buf;
}

/* The window's tally, in @out. */
static const struct req_tally *tally_window(const struct req_readings *t, enum model_window window,
					    struct req_tally *out)
{
	lat_readings_window(&t->lat, window, &out->lat);
	out->aborted = count_readings_window(&t->aborted, window);
	out->bytes_in = count_readings_window(&t->bytes_in, window);
	out->bytes_out = count_readings_window(&t->bytes_out, window);
	for (int i = 0; i < LATSCOPE_STATUS_CLASSES; i++)
		out->status[i] = count_readings_window(&t->status[i], window);
	return out;
}

static void fill_row(struct req_row_view *v, const char *name, const struct req_tally *t,
		     double seconds)
{
	v->name = name;
	lat_stats_summarize(&t->lat, seconds, &v->lat);
	v->aborted = t->aborted;
	v->bytes_in = t->bytes_in;
	v->bytes_out = t->bytes_out;
	memcpy(v->status, t->status, sizeof(v->status));
	v->error_rate = t->lat.count ? (double)t->status[5] / (double)t->lat.count : 0;
	v->hist = &t->lat;
}

static void label_group(struct req_group_view *v, const struct req_group *g, bool http)
{
	v->role = g->key.role;
	v->port = g->key.port;
	v->http = http;
	if (v->role == REQ_ROLE_CLIENT) {
		format_peer_addr((const __u8 *)g->key.addr, v->addr, sizeof(v->addr));
		snprintf(v->label, sizeof(v->label), strchr(v->addr, ':') ? "[%s]:%u" : "%s:%u",
			 v->addr, v->port);
	} else {
		snprintf(v->label, sizeof(v->label), "port %u", v->port);
	}
}

static int rows_by_count(const void *a, const void *b)
{
	const struct req_row_view *x = a, *y = b;
	__u64 cx = x->lat.count + x->aborted, cy = y->lat.count + y->aborted;

	if (cx != cy)
		return cx < cy ? 1 : -1;
	return strcmp(x->name, y->name);
}

static int groups_by_count(const void *a, const void *b)
{
	return rows_by_count(&((const struct req_group_view *)a)->total,
			     &((const struct req_group_view *)b)->total);
}

/* Storage behind one requests_views() answer, sized to the model. */
struct view_mem {
	struct req_group_view *groups;
	struct req_row_view *rows;
	struct req_tally *tallies; /* one per group and row */
};

static void view_mem_free(struct view_mem *mem)
{
	if (!mem)
		return;
	free(mem->groups);
	free(mem->rows);
	free(mem->tallies);
	free(mem);
}

static struct view_mem *view_mem_new(const struct model_requests *r)
{
	struct view_mem *mem = calloc(1, sizeof(*mem));
	int n_groups = 0;

	if (!mem)
		return NULL;
	for (int i = 0; i < LATSCOPE_MAX_REQ_GROUPS; i++)
		n_groups += r->groups[i] != NULL;
	mem->groups = calloc(n_groups + 1, sizeof(*mem->groups));
	mem->rows = calloc(r->n_endpoints + 1, sizeof(*mem->rows));
	mem->tallies = calloc(n_groups + r->n_endpoints + 1, sizeof(*mem->tallies));
	if (!mem->groups || !mem->rows || !mem->tallies) {
		view_mem_free(mem);
		return NULL;
	}
	return mem;
}

static int add_endpoint_rows(struct model_requests *r, struct view_mem *mem,
			     struct req_group_view *gv, __u32 group, enum model_window window,
			     double seconds, int *n_rows, int *n_tallies)
{
	gv->endpoints = &mem->rows[*n_rows];
	for (int i = 0; i < r->n_endpoints; i++) {
		const struct req_endpoint *e = r->endpoints[i];
		const struct req_tally *t;

		if (e->group != group)
			continue;
		t = tally_window(&e->r, window, &mem->tallies[(*n_tallies)++]);
		if (!t->lat.count && !t->aborted)
			continue;
		fill_row(&mem->rows[(*n_rows)++], e->name, t, seconds);
		gv->n_endpoints++;
	}
	qsort(gv->endpoints, gv->n_endpoints, sizeof(*gv->endpoints), rows_by_count);
	return 0;
}

int requests_views(struct model_requests *r, enum model_window window, enum req_role role,
		   const struct req_group_view **views, int *n)
{
	double seconds = clock_window_seconds(r->clock, window);
	int count = 0, n_rows = 0, n_tallies = 0;
	struct view_mem *mem = view_mem_new(r);

	if (!mem)
		return -ENOMEM;
	view_mem_free(r->view_mem);
	r->view_mem = mem;
	for (int i = 0; i < LATSCOPE_MAX_REQ_GROUPS; i++) {
		const struct req_group *g = r->groups[i];
		struct req_group_view *gv = &mem->groups[count];
		const struct req_tally *t;

		if (!g || g->key.role != (__u16)role)
			continue;
		t = tally_window(&g->r, window, &mem->tallies[n_tallies++]);
		if (!t->lat.count && !t->aborted)
			continue;
		memset(gv, 0, sizeof(*gv));
		label_group(gv, g, r->http[g->id]);
		fill_row(&gv->total, gv->label, t, seconds);
		add_endpoint_rows(r, mem, gv, g->id, window, seconds, &n_rows, &n_tallies);
		count++;
	}
	qsort(mem->groups, count, sizeof(mem->groups[0]), groups_by_count);
	*views = mem->groups;
	*n = count;
	return 0;
}

void req_row_key(const struct req_group_view *g, const char *endpoint, char *key, size_t len)
{
	char group[64];

	if (g->role == REQ_ROLE_CLIENT)
		snprintf(group, sizeof(group), "%s", g->label);
	else
		snprintf(group, sizeof(group), ":%u", g->port);
	if (endpoint)
		snprintf(key, len, "%s %s", group, endpoint);
	else
		snprintf(key, len, "%s", group);
}

/* Appends @g's rows (its endpoints, or itself when not HTTP) to @out. */
static int flat_rows_of(const struct req_group_view *g, const char *filter,
			struct req_flat_row *out)
{
	int n_src = g->http ? g->n_endpoints : 1, n = 0;

	for (int i = 0; i < n_src; i++) {
		const struct req_row_view *src = g->http ? &g->endpoints[i] : &g->total;
		struct req_flat_row *row = &out[n];

		req_row_key(g, g->http ? src->name : NULL, row->key, sizeof(row->key));
		if (!name_matches(row->key, filter))
			continue;
		row->role = g->role;
		row->v = *src;
		row->v.name = row->key;
		row->hist = *src->hist;
		row->v.hist = &row->hist;
		n++;
	}
	return n;
}

int requests_rows(struct model_requests *r, enum model_window window, const char *filter,
		  const struct req_flat_row **rows, int *n)
{
	static const enum req_role roles[] = { REQ_ROLE_SERVER, REQ_ROLE_CLIENT };
	int count = 0, cap = r->n_endpoints + LATSCOPE_MAX_REQ_GROUPS;
	struct req_flat_row *flat = realloc(r->flat, cap * sizeof(*flat));

	*n = 0;
	if (!flat)
		return -ENOMEM;
	r->flat = flat;
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		const struct req_group_view *groups;
		int n_groups = 0, err;

		err = requests_views(r, window, roles[i], &groups, &n_groups);
		if (err)
			return err;
		for (int g = 0; g < n_groups && count < cap; g++)
			count += flat_rows_of(&groups[g], filter, &flat[count]);
	}
	*rows = flat;
	*n = count;
	return 0;
}

void requests_totals(struct model_requests *r, enum model_window window, enum req_role role,
		     struct req_totals *out)
{
	double seconds = clock_window_seconds(r->clock, window);
	struct req_tally *t = malloc(sizeof(*t));

	memset(out, 0, sizeof(*out));
	if (!t)
		return;
	for (int i = 0; i < LATSCOPE_MAX_REQ_GROUPS; i++) {
		const struct req_group *g = r->groups[i];

		if (!g || g->key.role != (__u16)role)
			continue;
		tally_window(&g->r, window, t);
		out->count += t->lat.count;
		out->errors += t->status[5];
	}
	free(t);
	out->rate_per_s = seconds > 0 ? out->count / seconds : 0;
	out->error_share = out->count ? (double)out->errors / out->count : 0;
}
