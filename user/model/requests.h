/*
 * The requests section of the model: request groups (a server's listening
 * port, a client's peer) with exact totals read from the kernel, and their
 * endpoints ("GET /path", "ws /rpc ping", "GET", a statement fingerprint),
 * named in user space from ring-buffer records by user/protocols/, plus
 * the slow-request log. Server groups answer "how slow are my requests,
 * and which ones"; client groups ("upstreams") answer "where does the
 * time go".
 *
 * The kernel counts exchanges (turn-arounds); a record may hold several
 * messages (pipelining) or none worth counting (a Terminate before the
 * close). A group's figures are the kernel's exact ones plus, for every
 * record whose messages differ from the one exchange the kernel saw, the
 * difference (struct req_group.refine): exact when no record is dropped,
 * and exact per exchange when some are.
 */
#ifndef LATSCOPE_MODEL_REQUESTS_H
#define LATSCOPE_MODEL_REQUESTS_H

#include "protocols/protocols.h"
#include "base/latency.h"
#include "base/ring_log.h"
#include "model/kernel_endpoints.h"
#include "model/readings.h"

/*
 * Distinct endpoints kept over all groups. Past that, a group's new
 * endpoints share its "(other)" row, so memory and tables stay bounded
 * whatever paths clients invent.
 */
#define MODEL_MAX_ENDPOINTS 256
#define ENDPOINT_OTHER	    "(other)"
#define ENDPOINT_NOT_HTTP   "(not http)"
/* A message of a known protocol that its parser could not name. */
#define ENDPOINT_UNPARSED "(unparsed)"
/* Processes whose TLS library is noted (requests_note_tls_library). */
#define MODEL_MAX_TLS_NOTES 64
/* Connections whose protocol state is kept (by id, newest win). */
#define MODEL_MAX_CONNS 4096

/* A row's figures over one window. */
struct req_tally {
	struct lat_stats lat; /* completed requests; errors: error answers */
	__u64 aborted, oneway, bytes_in, bytes_out;
	__u64 status[LATSCOPE_STATUS_CLASSES]; /* [0]: no HTTP status */
};

/* The same as cumulative readings, so that any window is two of them. */
struct req_readings {
	struct lat_readings lat;
	struct count_readings aborted, oneway, bytes_in, bytes_out;
	struct count_readings status[LATSCOPE_STATUS_CLASSES];
};

struct req_group {
	__u32 id;
	struct req_group_key key;
	bool read;	       /* the kernel's figures were read at least once */
	struct req_readings r; /* exact, from the kernel */
	/*
	 * Messages minus exchanges, from records: added to r in every view
	 * (u64 arithmetic modulo 2^64, so it may go "negative").
	 */
	struct req_readings refine;
	struct lat_readings handshakes; /* TLS handshakes, exact, from the kernel */
	bool tls;			/* records came through OpenSSL's calls */
	/* TLS seen on the wire but not decoded, in this process (0: not). */
	__u32 tls_undecoded_tgid;
};

struct req_endpoint {
	__u32 group;
	char name[PROTO_NAME_LEN];
	/* From ring-buffer records, and the kernel's own (kernel_endpoints.h). */
	struct req_readings r;
	__u32 kernel_id; /* its kernel endpoint id + 1; 0: none */
};

struct slow_request {
	__u64 ts_ns; /* monotonic, first byte of the request */
	__u32 tgid, tid;
	__u16 role, outcome;
	__u16 local_port, peer_port;
	__u8 peer_addr[16];
	char endpoint[PROTO_NAME_LEN];
	int status; /* 0: none seen */
	bool error;
	__u64 duration_ns;
};

struct view_mem;

/* A connection's parser state, by kernel connection id. */
struct req_conn_state {
	__u32 id; /* 0: free */
	struct proto_conn proto;
};

struct model_requests {
	const struct model_clock *clock;
	struct proto_options proto;			   /* --keep-query, --ws-key, --proto */
	__u64 slow_ns;					   /* 0: no slow-request log */
	struct req_group *groups[LATSCOPE_MAX_REQ_GROUPS]; /* by kernel id */
	/* By id too, as records may arrive before the group is read. */
	enum proto_id group_proto[LATSCOPE_MAX_REQ_GROUPS]; /* the first one known */
	struct req_conn_state *conns;			    /* MODEL_MAX_CONNS */
	/* The TLS library each traced process uses, when not decoded. */
	struct {
		__u32 tgid;
		char library[48];
	} tls_notes[MODEL_MAX_TLS_NOTES];
	int n_tls_notes;
	struct req_endpoint **endpoints;
	int n_endpoints, n_named;	/* all rows; rows other than "(other)" */
	struct kernel_endpoints kernel; /* rows the kernel counts too */
	struct ring_log slow;
	/* Storage behind model_request_views() and model_request_rows(). */
	struct view_mem *view_mem;
	struct req_flat_row *flat;
};

/* One row of a request table, for a window. */
struct req_row_view {
	const char *name;
	struct lat_summary lat;
	__u64 aborted, oneway, bytes_in, bytes_out;
	__u64 status[LATSCOPE_STATUS_CLASSES];
	double error_rate; /* share of completed requests answered with an error */
	const struct lat_stats *hist;
};

struct req_group_view {
	enum req_role role;
	char addr[48];			/* client: peer address */
	__u16 port;			/* server: local port; client: peer port */
	char label[64];			/* "port 8080", "127.0.0.1:9000" */
	enum proto_id proto;		/* PROTO_UNKNOWN: one row, the group's own */
	struct req_row_view total;	/* exact */
	bool tls;			/* decoded through OpenSSL */
	const char *tls_undecoded;	/* TLS not decoded: its library; NULL: none */
	struct lat_summary handshakes;	/* TLS handshakes (count 0: none) */
	struct req_row_view *endpoints; /* by count, descending */
	int n_endpoints;
};

/*
 * A row's key, the same in `latscope top` and in check/diff paths:
 * ":8080 GET /x" (served on port 8080), ":8080" (the port's total),
 * "127.0.0.1:9000 GET /x" (called on a peer), "127.0.0.1:9000" (the peer).
 */
#define REQ_KEY_LEN (PROTO_NAME_LEN + 64)

/* One row of the flat request table (top): an endpoint, or a non-HTTP group. */
struct req_flat_row {
	char key[REQ_KEY_LEN];
	enum req_role role;
	struct req_row_view v; /* v.hist points at `hist` */
	struct lat_stats hist;
};

/* Sums over every group of a role, for a window (exact kernel totals). */
struct req_totals {
	__u64 count, errors; /* completed requests; error answers */
	double rate_per_s;
	double error_share; /* errors / count, 0..1 */
};

struct model_requests *requests_new(const struct model_clock *clock, size_t keep_events);
void requests_free(struct model_requests *r);

/* Loader side: a group's cumulative totals (summed over CPUs). */
int requests_set_group(struct model_requests *r, __u32 id, const struct req_group_key *key,
		       const struct lat_stats *lat, const struct req_group_counts *counts);
/* Loader side: a group's TLS handshake times so far (summed over CPUs). */
int requests_set_handshakes(struct model_requests *r, __u32 id, const struct lat_stats *lat);
/*
 * Loader side: process @tgid speaks TLS through @library, which latscope
 * does not decode ("GnuTLS", "Go crypto/tls"): its TLS groups say so.
 */
void requests_note_tls_library(struct model_requests *r, __u32 tgid, const char *library);
/*
 * Loader side: the kernel counts up to @max_ids endpoints itself, their
 * request bytes filed through @sink as records name them (0 or -errno).
 */
int requests_count_in_kernel(struct model_requests *r, __u32 max_ids, req_key_sink_fn sink,
			     void *ctx);
/* The kernel endpoint ids handed out so far (0..n-1). */
__u32 requests_kernel_ids(const struct model_requests *r);
/* Loader side: kernel endpoint @id's cumulative figures (summed over CPUs). */
int requests_set_endpoint(struct model_requests *r, __u32 id,
			  const struct req_endpoint_stats *stats);
/* Whether @size bytes hold the whole record @rec (its header read). */
bool request_rec_fits(const struct request_rec *rec, size_t size);
/* A finished request; returns the slow-request entry it made, or NULL. */
const struct slow_request *requests_add(struct model_requests *r, const struct request_rec *rec);
/*
 * A request the kernel has not counted (answered on a connection still
 * open when the trace ended, read by the loader): counted in its group
 * too.
 */
void requests_add_flushed(struct model_requests *r, const struct request_rec *rec);
void requests_step(struct model_requests *r, enum readings_step step);

/*
 * Groups of one role that saw requests in the window, busiest first.
 * The array lives until the next call or model_free(); *n may be 0.
 */
int requests_views(struct model_requests *r, enum model_window window, enum req_role role,
		   const struct req_group_view **views, int *n);

/*
 * Every served endpoint and every called peer/endpoint as one table: HTTP
 * groups by endpoint, other groups as one row. Keeps keys containing
 * @filter (case-insensitive; NULL or "" keeps all). The array lives until
 * the next call or model_free(); *n may be 0.
 */
int requests_rows(struct model_requests *r, enum model_window window, const char *filter,
		  const struct req_flat_row **rows, int *n);
void requests_totals(struct model_requests *r, enum model_window window, enum req_role role,
		     struct req_totals *out);
/* @key for a group label ("port 8080" -> ":8080") and endpoint (or NULL). */
void req_row_key(const struct req_group_view *g, const char *endpoint, char *key, size_t len);

/* "127.0.0.1" or "::1" for a v4-mapped or v6 address. */
const char *format_peer_addr(const __u8 addr[16], char *buf, size_t len);

#endif
