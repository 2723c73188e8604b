// The /metrics endpoint: libmicrohttpd serving the latest rendered bodies.
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "base/version.h"
#include "latscope_revision.h"
#include "views/metrics/exposition.h"
#include "views/metrics/gzip.h"
#include "views/metrics/negotiate.h"
#include "views/metrics/server.h"

/* Accepted beyond the limit while the connections evicted for them close. */
#define EVICTION_HEADROOM 32
/* libmicrohttpd's own timeout: no progress at all, e.g. a reader that stopped. */
#define IDLE_TIMEOUT_S 10
/* How often deadlines are checked, at most. */
#define POLL_MS	       100
#define LISTEN_BACKLOG 256

struct conn {
	struct MHD_Connection *mhd; /* NULL: a free slot */
	int fd;
	double since; /* accepted, or its last response done */
	bool busy;    /* a request is being answered */
	bool evicted; /* shut down; libmicrohttpd closes it next */
};

struct metrics_server {
	struct MHD_Daemon *daemon;
	pthread_t thread;
	bool thread_started;
	atomic_bool stop;
	struct metrics_exporter *mx; /* tracing thread only */
	pthread_mutex_t lock;	     /* guards text, len, generation, scrapes */
	char *text[METRICS_FORMATS];
	size_t len[METRICS_FORMATS];
	unsigned long generation, scrapes;
	atomic_ulong dropped;
	/* The HTTP thread's own. */
	struct conn *conns;
	int n_slots, n_live, max_live;
	double deadline_s;
	char *gz[METRICS_FORMATS];
	size_t gz_len[METRICS_FORMATS];
	unsigned long gz_generation[METRICS_FORMATS];
	char landing[1024];
	char address[64];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * shutdown() rather than close(): libmicrohttpd owns the descriptor; it
 * reads end-of-file next and closes the connection itself. Only this
 * thread runs libmicrohttpd, so the descriptor is still this connection's.
 */
static void evict(struct metrics_server *srv, struct conn *c)
{
	atomic_fetch_add(&srv->dropped, 1); /* before the peer can see it */
	c->evicted = true;
	srv->n_live--;
	shutdown(c->fd, SHUT_RDWR);
}

static bool waiting(const struct conn *c)
{
	return c->mhd && !c->busy && !c->evicted;
}

/* Oldest first: the connection that has waited longest without a request. */
static void evict_oldest_waiting(struct metrics_server *srv, const struct conn *spare)
{
	struct conn *oldest = NULL;

	for (int i = 0; i < srv->n_slots; i++) {
		struct conn *c = &srv->conns[i];

		if (c != spare && waiting(c) && (!oldest || c->since < oldest->since))
			oldest = c;
	}
	if (oldest)
		evict(srv, oldest);
}

static void enforce_deadlines(struct metrics_server *srv)
{
	double now = now_s();

	for (int i = 0; i < srv->n_slots; i++)
		if (waiting(&srv->conns[i]) && now - srv->conns[i].since > srv->deadline_s)
			evict(srv, &srv->conns[i]);
}

static void connection_event(void *cls, struct MHD_Connection *mhd, void **socket_context,
			     enum MHD_ConnectionNotificationCode code)
{
	struct metrics_server *srv = cls;
	struct conn *c = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (c && !c->evicted)
			srv->n_live--;
		if (c)
			c->mhd = NULL;
		return;
	}
	for (int i = 0; i < srv->n_slots && !c; i++)
		if (!srv->conns[i].mhd)
			c = &srv->conns[i];
	if (!c)
		return; /* cannot happen: libmicrohttpd's limit is the slots' */
	*c = (struct conn){
		.mhd = mhd,
		.fd = MHD_get_connection_info(mhd, MHD_CONNECTION_INFO_CONNECTION_FD)->connect_fd,
		.since = now_s(),
	};
	*socket_context = c;
	if (++srv->n_live > srv->max_live)
		evict_oldest_waiting(srv, c);
}

static struct conn *conn_of(struct MHD_Connection *mhd)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(mhd, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return info ? info->socket_context : NULL;
}

static void request_done(void *cls, struct MHD_Connection *mhd, void **con_cls,
			 enum MHD_RequestTerminationCode code)
{
	struct conn *c = conn_of(mhd);

	if (c) {
		c->busy = false;
		c->since = now_s();
	}
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status,
			     struct MHD_Response *resp, const char *type)
{
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result reply_static(struct MHD_Connection *conn, unsigned int status,
				    const char *body, const char *type)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);

	return reply(conn, status, resp, type);
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned int status,
				  const char *body)
{
	return reply_static(conn, status, body, "text/plain; charset=utf-8");
}

/* The gzip of format @fmt's body for @generation, compressed once. */
static bool cached_gzip(struct metrics_server *srv, enum metrics_format fmt,
			unsigned long generation, char *plain, size_t len)
{
	char *gz;
	size_t gz_len;

	if (srv->gz[fmt] && srv->gz_generation[fmt] == generation)
		return true;
	if (gzip_buffer(plain, len, &gz, &gz_len))
		return false;
	free(srv->gz[fmt]);
	srv->gz[fmt] = gz;
	srv->gz_len[fmt] = gz_len;
	srv->gz_generation[fmt] = generation;
	return true;
}

/* Copies the latest published body out; the lock is held for a memcpy. */
static enum MHD_Result serve_metrics(struct metrics_server *srv, struct MHD_Connection *conn)
{
	enum metrics_format fmt = metrics_format_for_accept(
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT));
	bool gzip = metrics_gzip_accepted(MHD_lookup_connection_value(
		conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING));
	struct MHD_Response *resp = NULL;
	unsigned long generation = 0;
	char *copy = NULL;
	size_t len = 0;

	pthread_mutex_lock(&srv->lock);
	if (srv->text[fmt]) {
		generation = srv->generation;
		len = srv->len[fmt];
		copy = malloc(len ? len : 1);
		if (copy)
			memcpy(copy, srv->text[fmt], len);
	}
	pthread_mutex_unlock(&srv->lock);
	if (!copy)
		return reply_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "latscope is starting\n");
	if (gzip && cached_gzip(srv, fmt, generation, copy, len)) {
		free(copy);
		resp = MHD_create_response_from_buffer(srv->gz_len[fmt], srv->gz[fmt],
						       MHD_RESPMEM_MUST_COPY);
		if (resp)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	} else {
		resp = MHD_create_response_from_buffer(len, copy, MHD_RESPMEM_MUST_FREE);
		if (!resp)
			free(copy);
	}
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept, Accept-Encoding");
	pthread_mutex_lock(&srv->lock);
	srv->scrapes++;
	pthread_mutex_unlock(&srv->lock);
	return reply(conn, MHD_HTTP_OK, resp, metrics_content_type(fmt));
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_size, void **con_cls)
{
	struct metrics_server *srv = cls;
	struct conn *c = conn_of(conn);

	if (c)
		c->busy = true;
	/* Answered at once, so libmicrohttpd closes the connection after it. */
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
	/*
	 * The first call comes with the headers; a response queued then makes
	 * libmicrohttpd 0.9.75 close the connection (it would not read what
	 * follows). Answering on the next call keeps it alive.
	 */
	if (!*con_cls) {
		*con_cls = srv;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0; /* a GET body: ignored */
		return MHD_YES;
	}
	if (!strcmp(url, "/"))
		return reply_static(conn, MHD_HTTP_OK, srv->landing, "text/html; charset=utf-8");
	if (strcmp(url, "/metrics"))
		return reply_text(conn, MHD_HTTP_NOT_FOUND,
				  "not found: latscope serves /metrics\n");
	return serve_metrics(srv, conn);
}

/* Bound here rather than by libmicrohttpd, for the real errno and port. */
static int open_listener(const struct metrics_config *cfg, char *address, size_t len)
{
	struct sockaddr_storage bound;
	socklen_t bound_len = sizeof(bound);
	int one = 1, err;
	int fd = socket(cfg->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&cfg->addr, cfg->addr_len) ||
	    listen(fd, LISTEN_BACKLOG) || getsockname(fd, (struct sockaddr *)&bound, &bound_len)) {
		err = -errno;
		close(fd);
		return err;
	}
	metrics_format_addr(&bound, address, len);
	return fd;
}

static struct MHD_Daemon *start_daemon(struct metrics_server *srv, int fd, bool ipv6)
{
	unsigned int flags = MHD_USE_EPOLL | (ipv6 ? MHD_USE_IPv6 : 0);

	return MHD_start_daemon(flags, 0, NULL, NULL, handle, srv, MHD_OPTION_LISTEN_SOCKET, fd,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)srv->n_slots,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)IDLE_TIMEOUT_S,
				MHD_OPTION_NOTIFY_CONNECTION, connection_event, srv,
				MHD_OPTION_NOTIFY_COMPLETED, request_done, srv, MHD_OPTION_END);
}

static void *http_thread(void *arg)
{
	struct metrics_server *srv = arg;

	while (!atomic_load(&srv->stop)) {
		MHD_run_wait(srv->daemon, POLL_MS);
		enforce_deadlines(srv);
	}
	return NULL;
}

/* The HTTP thread inherits this mask: signals stay with the tracing thread. */
static int start_thread(struct metrics_server *srv)
{
	sigset_t block, old;
	int err;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	err = pthread_create(&srv->thread, NULL, http_thread, srv);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	srv->thread_started = !err;
	return -err;
}

static void build_landing(struct metrics_server *srv)
{
	snprintf(srv->landing, sizeof(srv->landing),
		 "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>latscope</title>"
		 "</head>\n<body><h1>latscope</h1>\n<p>eBPF latency tracer, version %s "
		 "(revision %s).</p>\n<p><a href=\"/metrics\">/metrics</a>: Prometheus text "
		 "0.0.4, OpenMetrics 1.0.0, or protobuf with native histograms, as the Accept "
		 "header asks.</p>\n</body></html>\n",
		 LATSCOPE_VERSION, LATSCOPE_REVISION);
}

int metrics_server_start(const struct metrics_config *cfg, struct metrics_server **out, char *why,
			 size_t len)
{
	struct metrics_server *srv;
	char wanted[64];
	int fd, err;

	*out = NULL;
	if (!cfg->listen)
		return 0;
	metrics_format_addr(&cfg->addr, wanted, sizeof(wanted));
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	pthread_mutex_init(&srv->lock, NULL);
	srv->max_live = cfg->max_connections;
	srv->deadline_s = cfg->wait_deadline_s;
	srv->n_slots = cfg->max_connections + EVICTION_HEADROOM;
	build_landing(srv);
	srv->conns = calloc(srv->n_slots, sizeof(*srv->conns));
	srv->mx = metrics_exporter_new(cfg, METRICS_SERIES_CAP);
	if (!srv->mx || !srv->conns) {
		snprintf(why, len, "out of memory");
		metrics_server_stop(srv);
		return -ENOMEM;
	}
	fd = open_listener(cfg, srv->address, sizeof(srv->address));
	if (fd < 0) {
		snprintf(why, len, "cannot listen on %s: %s", wanted, strerror(-fd));
		metrics_server_stop(srv);
		return fd;
	}
	srv->daemon = start_daemon(srv, fd, cfg->addr.ss_family == AF_INET6);
	if (!srv->daemon) {
		close(fd);
		snprintf(why, len, "cannot start the HTTP server on %s", wanted);
		metrics_server_stop(srv);
		return -EIO;
	}
	err = start_thread(srv);
	if (err) {
		snprintf(why, len, "cannot start the HTTP thread: %s", strerror(-err));
		metrics_server_stop(srv);
		return err;
	}
	*out = srv;
	return 0;
}

const char *metrics_server_address(const struct metrics_server *srv)
{
	return srv->address;
}

int metrics_server_update(struct metrics_server *srv, struct model *model)
{
	char *text[METRICS_FORMATS] = {};
	size_t len[METRICS_FORMATS] = {};
	int err = 0;

	if (!srv)
		return 0;
	for (int f = 0; f < METRICS_FORMATS && !err; f++)
		err = metrics_render(srv->mx, model, f, &text[f], &len[f]);
	if (!err) {
		pthread_mutex_lock(&srv->lock);
		for (int f = 0; f < METRICS_FORMATS; f++) {
			char *old = srv->text[f];

			srv->text[f] = text[f];
			srv->len[f] = len[f];
			text[f] = old; /* freed below, outside the lock */
		}
		srv->generation++;
		pthread_mutex_unlock(&srv->lock);
	}
	for (int f = 0; f < METRICS_FORMATS; f++)
		free(text[f]);
	return err;
}

unsigned long metrics_server_scrapes(struct metrics_server *srv)
{
	unsigned long n;

	pthread_mutex_lock(&srv->lock);
	n = srv->scrapes;
	pthread_mutex_unlock(&srv->lock);
	return n;
}

unsigned long metrics_server_dropped(struct metrics_server *srv)
{
	return atomic_load(&srv->dropped);
}

void metrics_server_stop(struct metrics_server *srv)
{
	if (!srv)
		return;
	atomic_store(&srv->stop, true);
	if (srv->thread_started)
		pthread_join(srv->thread, NULL);
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	for (int f = 0; f < METRICS_FORMATS; f++) {
		free(srv->text[f]);
		free(srv->gz[f]);
	}
	free(srv->conns);
	metrics_exporter_free(srv->mx);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
}
