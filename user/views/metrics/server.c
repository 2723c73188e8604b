// The /metrics endpoint: libmicrohttpd serving the latest rendered text.
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "views/metrics/server.h"
#include "views/metrics/exposition.h"

#define MAX_CONNECTIONS	     32
#define CONNECTION_TIMEOUT_S 10

struct metrics_server {
	struct MHD_Daemon *daemon;
	struct metrics_exporter *mx; /* tracing thread only */
	pthread_mutex_t lock;	     /* guards text, len, scrapes */
	char *text[METRICS_FORMATS];
	size_t len[METRICS_FORMATS];
	unsigned long scrapes;
	char address[64];
};

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
				    const char *body)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);

	return reply(conn, status, resp, "text/plain; charset=utf-8");
}

/* Copies the latest published text out; the lock is held for a memcpy. */
static enum MHD_Result serve_metrics(struct metrics_server *srv, struct MHD_Connection *conn)
{
	const char *accept =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	enum metrics_format fmt = metrics_format_for_accept(accept);
	struct MHD_Response *resp = NULL;

	pthread_mutex_lock(&srv->lock);
	if (srv->text[fmt]) {
		resp = MHD_create_response_from_buffer(srv->len[fmt], srv->text[fmt],
						       MHD_RESPMEM_MUST_COPY);
		srv->scrapes++;
	}
	pthread_mutex_unlock(&srv->lock);
	if (!resp)
		return reply_static(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "latscope is starting\n");
	return reply(conn, MHD_HTTP_OK, resp, metrics_content_type(fmt));
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_size, void **con_cls)
{
	if (strcmp(url, "/metrics"))
		return reply_static(conn, MHD_HTTP_NOT_FOUND,
				    "not found: latscope serves /metrics\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_static(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
	return serve_metrics(cls, conn);
}

/* Bound here rather than by MHD, for the real errno and the real port. */
static int open_listener(const struct metrics_config *cfg, char *address, size_t len)
{
	struct sockaddr_storage bound;
	socklen_t bound_len = sizeof(bound);
	int one = 1, err;
	int fd = socket(cfg->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&cfg->addr, cfg->addr_len) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&bound, &bound_len)) {
		err = -errno;
		close(fd);
		return err;
	}
	metrics_format_addr(&bound, address, len);
	return fd;
}

/* The HTTP thread inherits this mask: signals stay with the tracing thread. */
static struct MHD_Daemon *start_daemon(struct metrics_server *srv, int fd, bool ipv6)
{
	unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | (ipv6 ? MHD_USE_IPv6 : 0);
	struct MHD_Daemon *daemon;
	sigset_t block, old;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	daemon = MHD_start_daemon(flags, 0, NULL, NULL, handle, srv, MHD_OPTION_LISTEN_SOCKET, fd,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MAX_CONNECTIONS,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONNECTION_TIMEOUT_S,
				  MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return daemon;
}

int metrics_server_start(const struct metrics_config *cfg, struct metrics_server **out, char *why,
			 size_t len)
{
	struct metrics_server *srv;
	char wanted[64];
	int fd;

	*out = NULL;
	if (!cfg->listen)
		return 0;
	metrics_format_addr(&cfg->addr, wanted, sizeof(wanted));
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	pthread_mutex_init(&srv->lock, NULL);
	srv->mx = metrics_exporter_new(cfg->bounds_ns, cfg->n_bounds, METRICS_SERIES_CAP);
	if (!srv->mx) {
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

void metrics_server_stop(struct metrics_server *srv)
{
	if (!srv)
		return;
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	for (int f = 0; f < METRICS_FORMATS; f++)
		free(srv->text[f]);
	metrics_exporter_free(srv->mx);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
}
