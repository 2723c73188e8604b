// Request groups, endpoints and slow requests: the requests section of the model.
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/name_filter.h"
#include "model/requests.h"
#include "protocols/http.h"
#include "lat_record.h"

static void view_mem_free(struct view_mem *mem);

struct model_requests *requests_new(const struct model_clock *clock, size_t keep_events)
{
	struct model_requests *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->clock = clock;
	r->endpoints = calloc(MODEL_MAX_ENDPOINTS + LATSCOPE_MAX_REQ_GROUPS, sizeof(*r->endpoints));
	r->conns = calloc(MODEL_MAX_CONNS, sizeof(*r->conns));
	if (!r->endpoints || !r->conns ||
	    ring_log_init(&r->slow, sizeof(struct slow_request), keep_events)) {
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
	kernel_endpoints_free(&r->kernel);
	for (int i = 0; r->conns && i < MODEL_MAX_CONNS; i++)
		proto_conn_reset(&r->conns[i].proto);
	free(r->conns);
	ring_log_free(&r->slow);
	view_mem_free(r->view_mem);
	free(r->flat);
	free(r);
}

/* Group @id, made on first use (by the loader or by a record). */
static struct req_group *group_at(struct model_requests *r, __u32 id)
{
	struct req_group *g;

	if (id >= LATSCOPE_MAX_REQ_GROUPS)
		return NULL;
	g = r->groups[id];
	if (!g && (g = r->groups[id] = calloc(1, sizeof(*g))))
		g->id = id;
	return g;
}

int requests_set_group(struct model_requests *r, __u32 id, const struct req_group_key *key,
		       const struct lat_stats *lat, const struct req_group_counts *counts)
{
	struct req_group *g;

	if (id >= LATSCOPE_MAX_REQ_GROUPS)
		return -ERANGE;
	g = group_at(r, id);
	if (!g)
		return -ENOMEM;
	g->key = *key;
	g->read = true;
	g->r.lat.now = *lat;
	g->r.aborted.now = counts->aborted;
	g->r.bytes_in.now = counts->bytes_in;
	g->r.bytes_out.now = counts->bytes_out;
	for (int i = 0; i < LATSCOPE_STATUS_CLASSES; i++)
		g->r.status[i].now = counts->status[i];
	return 0;
}

int requests_set_handshakes(struct model_requests *r, __u32 id, const struct lat_stats *lat)
{
	struct req_group *g = group_at(r, id);

	if (!g)
		return id >= LATSCOPE_MAX_REQ_GROUPS ? -ERANGE : -ENOMEM;
	g->handshakes.now = *lat;
	if (lat->count)
		g->tls = true;
	return 0;
}

void requests_note_tls_library(struct model_requests *r, __u32 tgid, const char *library)
{
	int i;

	for (i = 0; i < r->n_tls_notes && r->tls_notes[i].tgid != tgid; i++)
		;
	if (i == MODEL_MAX_TLS_NOTES)
		return;
	if (i == r->n_tls_notes)
		r->n_tls_notes++;
	r->tls_notes[i].tgid = tgid;
	snprintf(r->tls_notes[i].library, sizeof(r->tls_notes[i].library), "%s", library);
}

/*
 * A connection that starts with a TLS handshake record (ClientHello:
 * type 22, version 3.x) whose bytes did not come through OpenSSL's calls.
 */
static void note_undecoded_tls(struct model_requests *r, const struct request_rec *rec,
			       enum proto_id proto)
{
	struct req_group *g;

	if (rec->flags & REQ_F_TLS || proto != PROTO_UNKNOWN || rec->seq || rec->req_len < 3 ||
	    rec->data[0] != 22 || rec->data[1] != 3 || !(g = group_at(r, rec->group)))
		return;
	g->tls_undecoded_tgid = rec->hdr.tgid;
}

/* The TLS library noted for @tgid (the loader looks at every collect). */
static const char *tls_library(const struct model_requests *r, __u32 tgid)
{
	for (int i = 0; i < r->n_tls_notes; i++)
		if (r->tls_notes[i].tgid == tgid)
			return r->tls_notes[i].library;
	return "library not probed";
}

int requests_count_in_kernel(struct model_requests *r, __u32 max_ids, req_key_sink_fn sink,
			     void *ctx)
{
	return kernel_endpoints_init(&r->kernel, max_ids, sink, ctx);
}

__u32 requests_kernel_ids(const struct model_requests *r)
{
	return r->kernel.n_ids;
}

int requests_set_endpoint(struct model_requests *r, __u32 id,
			  const struct req_endpoint_stats *stats)
{
	/* Static: a lat_stats is ~9.5 KB; the model is not shared by threads. */
	static struct req_endpoint_stats d;
	struct req_endpoint *e = kernel_endpoint_fold(&r->kernel, id, stats, &d);
	struct req_readings *t;

	if (!e)
		return -ERANGE;
	t = &e->r;
	lat_stats_merge(&t->lat.now, &d.lat);
	t->bytes_in.now += d.counts.bytes_in;
	t->bytes_out.now += d.counts.bytes_out;
	for (int i = 0; i < LATSCOPE_STATUS_CLASSES; i++)
		t->status[i].now += d.counts.status[i];
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
	proto_name_set(e->name, sizeof(e->name), name, strlen(name));
	r->endpoints[r->n_endpoints++] = e;
	if (!other)
		r->n_named++;
	return e;
}

/* Removes one sample that lat_stats_record() added (a refinement). */
static void lat_stats_unrecord(struct lat_stats *stats, __u64 ns, bool failed)
{
	stats->count--;
	stats->errors -= failed;
	stats->total_ns -= ns;
	stats->buckets[hist_bucket_of(ns)]--;
}

/*
 * One message (or, with @sign -1, one taken back) into @t: answered ones
 * with the exchange's latency, the others apart. Bytes go with the
 * exchange's first message, so that rows add up to their group.
 */
static void tally_msg(struct req_readings *t, const struct request_rec *rec,
		      const struct proto_msg *m, bool with_bytes, int sign)
{
	__u32 class = m->status / 100;
	bool failed = m->error || class == 5;

	if (with_bytes) {
		t->bytes_in.now += sign * rec->bytes_in;
		t->bytes_out.now += sign * rec->bytes_out;
	}
	if (m->kind == MSG_ONEWAY) {
		t->oneway.now += sign;
		return;
	}
	if (m->kind == MSG_CLOSE)
		return;
	if (rec->outcome == REQ_ABORTED) {
		t->aborted.now += sign;
		return;
	}
	if (sign > 0)
		lat_stats_record(&t->lat.now, rec->duration_ns, failed);
	else
		lat_stats_unrecord(&t->lat.now, rec->duration_ns, failed);
	if (class < LATSCOPE_STATUS_CLASSES)
		t->status[class].now += sign;
}

/* The one message the kernel counted the exchange as. */
static void kernel_view(const struct request_rec *rec, struct proto_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->kind = MSG_REQUEST;
	m->status = rec->status_class < LATSCOPE_STATUS_CLASSES ? rec->status_class * 100 : 0;
}

static bool same_count(const struct proto_msg *a, const struct proto_msg *b)
{
	return a->kind == b->kind && a->status / 100 == b->status / 100 &&
	       (a->error || a->status / 100 == 5) == (b->error || b->status / 100 == 5);
}

static const struct slow_request *log_slow(struct model_requests *r, const struct request_rec *rec,
					   const struct proto_msg *m)
{
	struct slow_request s = {
		.ts_ns = rec->hdr.ts_ns,
		.tgid = rec->hdr.tgid,
		.tid = rec->hdr.tid,
		.role = rec->role,
		.outcome = rec->outcome,
		.local_port = rec->local_port,
		.peer_port = rec->peer_port,
		.status = m->status,
		.error = m->error,
		.duration_ns = rec->duration_ns,
	};

	memcpy(s.peer_addr, rec->peer_addr, sizeof(s.peer_addr));
	proto_name_set(s.endpoint, sizeof(s.endpoint), m->name, strlen(m->name));
	ring_log_push(&r->slow, &s);
	return ring_log_newest(&r->slow);
}

/* Records end after their captured bytes (clamped as below). */
bool request_rec_fits(const struct request_rec *rec, size_t size)
{
	return size >= request_rec_size(0, 0) &&
	       size >= request_rec_size(rec->req_len < LATSCOPE_CAPTURE_LEN ? rec->req_len
									    : LATSCOPE_CAPTURE_LEN,
					rec->resp_len < LATSCOPE_RESP_CAPTURE_LEN
						? rec->resp_len
						: LATSCOPE_RESP_CAPTURE_LEN);
}

/*
 * The parser state of @rec's connection: kept by connection id (0, from
 * tests, keeps none); a newer connection takes an older one's slot.
 */
static struct proto_conn *conn_of(struct model_requests *r, const struct request_rec *rec,
				  struct proto_conn *scratch)
{
	struct req_conn_state *c;

	if (!rec->conn_id) {
		memset(scratch, 0, sizeof(*scratch));
		return scratch;
	}
	c = &r->conns[rec->conn_id % MODEL_MAX_CONNS];
	if (c->id != rec->conn_id) {
		proto_conn_reset(&c->proto);
		c->id = rec->conn_id;
	}
	return &c->proto;
}

/* The group's port: what a protocol is looked up by (--proto, hints). */
static __u16 group_port(const struct request_rec *rec)
{
	return rec->role == REQ_ROLE_CLIENT ? rec->peer_port : rec->local_port;
}

/* @rec's messages in @msgs: named by its connection's protocol. */
static int split_exchange(struct model_requests *r, const struct request_rec *rec,
			  struct proto_conn *c, struct proto_msg *msgs)
{
	__u16 req_len = rec->req_len, resp_len = rec->resp_len;
	bool server = rec->role == REQ_ROLE_SERVER;
	struct proto_exchange ex;
	int n;

	if (req_len > LATSCOPE_CAPTURE_LEN)
		req_len = LATSCOPE_CAPTURE_LEN;
	if (resp_len > LATSCOPE_RESP_CAPTURE_LEN)
		resp_len = LATSCOPE_RESP_CAPTURE_LEN;
	ex = (struct proto_exchange){
		.ask = rec->data,
		.ask_len = req_len,
		.ask_cut = (server ? rec->bytes_in : rec->bytes_out) > req_len,
		.answer = rec->data + req_len,
		.answer_len = resp_len,
		.answer_cut = (server ? rec->bytes_out : rec->bytes_in) > resp_len,
		.answered = rec->outcome == REQ_DONE,
	};
	if (c->proto == PROTO_UNKNOWN)
		c->proto = proto_choose(&r->proto, group_port(rec), ex.ask, ex.ask_len);
	n = proto_parse(c, &r->proto, &ex, msgs, PROTO_MAX_MSGS);
	if (n > 0)
		return n;
	kernel_view(rec, &msgs[0]);
	snprintf(msgs[0].name, sizeof(msgs[0].name), "%s",
		 c->proto == PROTO_UNKNOWN ? ENDPOINT_NOT_HTTP : ENDPOINT_UNPARSED);
	if (c->proto == PROTO_HTTP && !c->websocket)
		msgs[0].status = http_parse_status(ex.answer, resp_len);
	return 1;
}

/*
 * The group's refinement: the exchange as the kernel counted it out
 * (unless @flushed: the kernel never counted it), @msgs in. Nothing to do
 * for the common case, one message that the kernel counted alike.
 */
static void refine_group(struct model_requests *r, const struct request_rec *rec,
			 const struct proto_msg *msgs, int n, bool flushed)
{
	struct req_group *g = group_at(r, rec->group);
	struct proto_msg k;

	if (!g)
		return;
	kernel_view(rec, &k);
	if (!flushed && n == 1 && same_count(&msgs[0], &k))
		return;
	if (!flushed)
		tally_msg(&g->refine, rec, &k, false, -1);
	for (int i = 0; i < n; i++)
		tally_msg(&g->refine, rec, &msgs[i], flushed && i == 0, +1);
}

static const struct slow_request *add_exchange(struct model_requests *r,
					       const struct request_rec *rec, bool flushed)
{
	struct proto_msg msgs[PROTO_MAX_MSGS];
	const struct slow_request *slow = NULL;
	struct proto_conn scratch, *c = conn_of(r, rec, &scratch);
	int n = split_exchange(r, rec, c, msgs);

	if (rec->group < LATSCOPE_MAX_REQ_GROUPS && c->proto != PROTO_UNKNOWN &&
	    r->group_proto[rec->group] == PROTO_UNKNOWN)
		r->group_proto[rec->group] = c->proto;
	refine_group(r, rec, msgs, n, flushed);
	note_undecoded_tls(r, rec, c->proto);
	if (rec->flags & REQ_F_TLS && rec->group < LATSCOPE_MAX_REQ_GROUPS && r->groups[rec->group])
		r->groups[rec->group]->tls = true;
	for (int i = 0; i < n; i++) {
		struct req_endpoint *e = endpoint_row(r, rec->group, msgs[i].name);

		if (e)
			tally_msg(&e->r, rec, &msgs[i], i == 0, +1);
		/* The kernel counts the next ones like it itself. */
		if (!flushed && n == 1)
			kernel_endpoint_offer(&r->kernel, rec, c, msgs, n, e,
					      e ? &e->kernel_id : NULL);
		if (r->slow_ns && rec->outcome == REQ_DONE && msgs[i].kind == MSG_REQUEST &&
		    rec->duration_ns >= r->slow_ns && !slow)
			slow = log_slow(r, rec, &msgs[i]);
	}
	if (rec->flags & REQ_F_CLOSED || c == &scratch)
		proto_conn_reset(c);
	return slow;
}

const struct slow_request *requests_add(struct model_requests *r, const struct request_rec *rec)
{
	return add_exchange(r, rec, false);
}

void requests_add_flushed(struct model_requests *r, const struct request_rec *rec)
{
	add_exchange(r, rec, true);
}

static void readings_step(struct req_readings *t, enum readings_step step)
{
	lat_readings_step(&t->lat, step);
	count_readings_step(&t->aborted, step);
	count_readings_step(&t->oneway, step);
	count_readings_step(&t->bytes_in, step);
	count_readings_step(&t->bytes_out, step);
	for (int i = 0; i < LATSCOPE_STATUS_CLASSES; i++)
		count_readings_step(&t->status[i], step);
}

void requests_step(struct model_requests *r, enum readings_step step)
{
	for (int i = 0; i < LATSCOPE_MAX_REQ_GROUPS; i++)
		if (r->groups[i]) {
			readings_step(&r->groups[i]->r, step);
			readings_step(&r->groups[i]->refine, step);
			lat_readings_step(&r->groups[i]->handshakes, step);
		}
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
	out->oneway = count_readings_window(&t->oneway, window);
	out->bytes_in = count_readings_window(&t->bytes_in, window);
	out->bytes_out = count_readings_window(&t->bytes_out, window);
	for (int i = 0; i < LATSCOPE_STATUS_CLASSES; i++)
		out->status[i] = count_readings_window(&t->status[i], window);
	return out;
}

/* u64 @a + @d, where @d may be "negative" (modulo 2^64); never below 0. */
static __u64 plus_delta(__u64 a, __u64 d)
{
	return (__s64)d < 0 && -d > a ? 0 : a + d;
}

/*
 * A group's window: the kernel's exact figures plus the refinement from
 * records (@scratch holds the latter). min/max stay the kernel's: every
 * refinement moves samples of a duration the kernel recorded.
 */
static const struct req_tally *group_window(const struct req_group *g, enum model_window window,
					    struct req_tally *out, struct req_tally *scratch)
{
	const struct req_tally *d = tally_window(&g->refine, window, scratch);

	tally_window(&g->r, window, out);
	out->lat.count = plus_delta(out->lat.count, d->lat.count);
	out->lat.errors = plus_delta(out->lat.errors, d->lat.errors);
	out->lat.total_ns = plus_delta(out->lat.total_ns, d->lat.total_ns);
	for (__u32 i = 0; i < HIST_BUCKETS; i++)
		out->lat.buckets[i] = plus_delta(out->lat.buckets[i], d->lat.buckets[i]);
	out->aborted = plus_delta(out->aborted, d->aborted);
	out->oneway = plus_delta(out->oneway, d->oneway);
	out->bytes_in = plus_delta(out->bytes_in, d->bytes_in);
	out->bytes_out = plus_delta(out->bytes_out, d->bytes_out);
	for (int i = 0; i < LATSCOPE_STATUS_CLASSES; i++)
		out->status[i] = plus_delta(out->status[i], d->status[i]);
	/* Samples only the refinement added (flushed ones) widen the range. */
	if (g->refine.lat.now.min_ns && out->lat.count) {
		const struct lat_stats *added = &g->refine.lat.now;

		if (!out->lat.min_ns || added->min_ns < out->lat.min_ns)
			out->lat.min_ns = added->min_ns;
		if (added->max_ns > out->lat.max_ns)
			out->lat.max_ns = added->max_ns;
	}
	return out;
}

static void fill_row(struct req_row_view *v, const char *name, const struct req_tally *t,
		     double seconds)
{
	v->name = name;
	lat_stats_summarize(&t->lat, seconds, &v->lat);
	v->aborted = t->aborted;
	v->oneway = t->oneway;
	v->bytes_in = t->bytes_in;
	v->bytes_out = t->bytes_out;
	memcpy(v->status, t->status, sizeof(v->status));
	v->error_rate = t->lat.count ? (double)t->lat.errors / (double)t->lat.count : 0;
	v->hist = &t->lat;
}

static void label_group(struct req_group_view *v, const struct req_group *g, enum proto_id proto)
{
	v->role = g->key.role;
	v->port = g->key.port;
	v->proto = proto;
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
	__u64 cx = x->lat.count + x->aborted + x->oneway,
	      cy = y->lat.count + y->aborted + y->oneway;

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
	mem->tallies = calloc(2 * n_groups + r->n_endpoints + 1, sizeof(*mem->tallies));
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
		if (!t->lat.count && !t->aborted && !t->oneway)
			continue;
		fill_row(&mem->rows[(*n_rows)++], e->name, t, seconds);
		gv->n_endpoints++;
	}
	qsort(gv->endpoints, gv->n_endpoints, sizeof(*gv->endpoints), rows_by_count);
	return 0;
}

static void handshakes_window(const struct model_requests *r, struct req_group_view *gv,
			      const struct req_group *g, enum model_window window, double seconds)
{
	struct lat_stats hs;

	gv->tls = g->tls;
	gv->tls_undecoded = g->tls_undecoded_tgid ? tls_library(r, g->tls_undecoded_tgid) : NULL;
	lat_readings_window(&g->handshakes, window, &hs);
	lat_stats_summarize(&hs, seconds, &gv->handshakes);
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

		if (!g || !g->read || g->key.role != (__u16)role)
			continue;
		t = group_window(g, window, &mem->tallies[n_tallies], &mem->tallies[n_tallies + 1]);
		n_tallies += 2;
		if (!t->lat.count && !t->aborted && !t->oneway)
			continue;
		memset(gv, 0, sizeof(*gv));
		label_group(gv, g, r->group_proto[g->id]);
		fill_row(&gv->total, gv->label, t, seconds);
		handshakes_window(r, gv, g, window, seconds);
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
	bool named = g->proto != PROTO_UNKNOWN;
	int n_src = named ? g->n_endpoints : 1, n = 0;

	for (int i = 0; i < n_src; i++) {
		const struct req_row_view *src = named ? &g->endpoints[i] : &g->total;
		struct req_flat_row *row = &out[n];

		req_row_key(g, named ? src->name : NULL, row->key, sizeof(row->key));
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
	struct req_tally *t = malloc(2 * sizeof(*t));

	memset(out, 0, sizeof(*out));
	if (!t)
		return;
	for (int i = 0; i < LATSCOPE_MAX_REQ_GROUPS; i++) {
		const struct req_group *g = r->groups[i];

		if (!g || !g->read || g->key.role != (__u16)role)
			continue;
		group_window(g, window, t, t + 1);
		out->count += t->lat.count;
		out->errors += t->lat.errors;
	}
	free(t);
	out->rate_per_s = seconds > 0 ? out->count / seconds : 0;
	out->error_share = out->count ? (double)out->errors / out->count : 0;
}
