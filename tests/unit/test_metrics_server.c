// The /metrics server on loopback: status codes, content negotiation, and
// scrapes racing the tracing thread's updates.
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <zlib.h>
#include "lat_samples.h"
#include "views/metrics/server.h"

#define RACE_REQUESTS 100

static struct model *model;
static struct metrics_config cfg;
static struct metrics_server *srv;
static int port;

static void setup(void)
{
	struct lat_stats *stats = calloc(1, sizeof(*stats));
	char why[256];

	model = model_new(0);
	cr_assert(model && stats);
	model_add_target(model, 42, false);
	lat_sample_add(stats, 2000, false);
	syscalls_set(&model->syscalls, 0, stats);
	free(stats);
	metrics_config_init(&cfg);
	cfg.listen = "127.0.0.1:0";
	cr_assert_eq(metrics_parse_listen(cfg.listen, &cfg.addr, &cfg.addr_len), 0);
	cr_assert_eq(metrics_server_start(&cfg, &srv, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(sscanf(metrics_server_address(srv), "127.0.0.1:%d", &port), 1);
	cr_assert_neq(port, 0, "the bound port is reported, not 0");
}

static void teardown(void)
{
	metrics_server_stop(srv);
	model_free(model);
}

/* The whole response of one HTTP/1.0 GET, malloc'ed; "" if none. */
static char *get(const char *path, const char *accept)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 5 };
	size_t len = 0, cap = 1 << 16;
	char *buf = calloc(1, cap);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ssize_t n;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (!buf || fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		goto out;
	dprintf(fd, "GET %s HTTP/1.0\r\n%s%s\r\n", path, accept ? accept : "",
		accept ? "\r\n" : "");
	while (len + 1 < cap && (n = read(fd, buf + len, cap - len - 1)) > 0)
		len += n;
out:
	if (fd >= 0)
		close(fd);
	return buf;
}

/* gunzip of a whole body into @out (*out_len: its size, then the length). */
static int uncompress_gzip(const char *in, size_t len, char *out, size_t *out_len)
{
	z_stream z = { .next_in = (Bytef *)in, .avail_in = len };
	int rc;

	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return -1;
	z.next_out = (Bytef *)out;
	z.avail_out = *out_len;
	rc = inflate(&z, Z_FINISH);
	*out_len = z.total_out;
	inflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : -1;
}

static int status_of(const char *response)
{
	int status = 0;

	sscanf(response, "HTTP/1.%*d %d", &status);
	return status;
}

TestSuite(metrics_server, .init = setup, .fini = teardown);

Test(metrics_server, unavailable_until_first_update)
{
	char *r = get("/metrics", NULL);

	cr_assert_eq(status_of(r), 503, "%s", r);
	free(r);
	cr_assert_eq(metrics_server_scrapes(srv), 0);
	cr_assert_eq(metrics_server_update(srv, model), 0);
	r = get("/metrics", NULL);
	cr_assert_eq(status_of(r), 200, "%s", r);
	cr_assert(strstr(r, "text/plain; version=0.0.4"), "%s", r);
	cr_assert(strstr(r, "latscope_syscall_duration_seconds_count{syscall=\"read\"} 1\n"));
	free(r);
	cr_assert_eq(metrics_server_scrapes(srv), 1);
}

Test(metrics_server, negotiation_and_other_paths)
{
	char *r;

	metrics_server_update(srv, model);
	r = get("/metrics", "Accept: application/openmetrics-text; version=1.0.0");
	cr_assert_eq(status_of(r), 200);
	cr_assert(strstr(r, "application/openmetrics-text"), "%s", r);
	cr_assert(strstr(r, "\n# EOF\n"));
	free(r);
	r = get("/", NULL);
	cr_assert_eq(status_of(r), 200, "%s", r);
	cr_assert(strstr(r, "text/html") && strstr(r, "<a href=\"/metrics\">"), "%s", r);
	free(r);
	r = get("/metrics/x", NULL);
	cr_assert_eq(status_of(r), 404, "%s", r);
	free(r);
}

static void *scrape_loop(void *arg)
{
	long complete = 0;

	for (int i = 0; i < RACE_REQUESTS; i++) {
		char *r = get("/metrics", i % 2 ? "Accept: application/openmetrics-text" : NULL);
		const char *tail = i % 2 ? "# EOF\n" : "family=\"latscope_target_up\"} 0\n";
		size_t len = strlen(r), tlen = strlen(tail);

		complete += status_of(r) == 200 && len > tlen && !strcmp(r + len - tlen, tail);
		free(r);
	}
	return (void *)complete;
}

/* Every scrape gets one whole, consistent text while updates keep coming. */
Test(metrics_server, scrapes_race_updates)
{
	pthread_t threads[2];
	void *complete;
	long total = 0;

	metrics_server_update(srv, model);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&threads[i], NULL, scrape_loop, NULL), 0);
	for (int i = 0; i < 4 * RACE_REQUESTS; i++) {
		model->syscalls.rows[0]->lat.now.count++;
		model->syscalls.rows[0]->lat.now.buckets[hist_bucket_of(2000)]++;
		cr_assert_eq(metrics_server_update(srv, model), 0);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(threads[i], &complete);
		total += (long)complete;
	}
	cr_assert_eq(total, 2 * RACE_REQUESTS);
	cr_assert_eq(metrics_server_scrapes(srv), 2 * RACE_REQUESTS);
}

Test(metrics_server, no_listen_means_no_server)
{
	struct metrics_config none;
	struct metrics_server *s = (void *)1;
	char why[256];

	metrics_config_init(&none);
	cr_assert_eq(metrics_server_start(&none, &s, why, sizeof(why)), 0);
	cr_assert_null(s);
	cr_assert_eq(metrics_server_update(NULL, model), 0);
	metrics_server_stop(NULL);
}

Test(metrics_server, port_in_use_is_one_clear_error)
{
	struct metrics_server *second = NULL;
	char why[256];

	cr_assert_eq(metrics_parse_listen(metrics_server_address(srv), &cfg.addr, &cfg.addr_len),
		     0);
	cr_assert_lt(metrics_server_start(&cfg, &second, why, sizeof(why)), 0);
	cr_assert_null(second);
	cr_assert(strstr(why, "Address already in use") && strstr(why, metrics_server_address(srv)),
		  "%s", why);
}

static int connect_server(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_geq(fd, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0, "connect: %m");
	return fd;
}

/*
 * One HTTP/1.1 exchange on @fd, which stays open: the status, the headers
 * in @head and the body (by Content-Length) malloc'ed in *body. Status 0
 * when the server closed or did not answer within the socket's timeout.
 */
static int exchange(int fd, const char *path, const char *headers, char *head, size_t head_len,
		    char **body, size_t *body_len)
{
	char buf[1 << 16];
	size_t len = 0, want;
	char *end, *cl;
	ssize_t n;
	int status = 0;

	*body = NULL;
	dprintf(fd, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n", path, headers);
	while (!(end = memmem(buf, len, "\r\n\r\n", 4))) {
		if (len == sizeof(buf) || (n = read(fd, buf + len, sizeof(buf) - len)) <= 0)
			return 0;
		len += n;
	}
	snprintf(head, head_len, "%.*s", (int)(end - buf), buf);
	cl = strcasestr(head, "\r\nContent-Length:");
	if (sscanf(buf, "HTTP/1.1 %d", &status) != 1 || !cl)
		return 0;
	want = strtoul(cl + 17, NULL, 10);
	*body = malloc(want + 1);
	cr_assert(*body);
	*body_len = len - (end + 4 - buf);
	memcpy(*body, end + 4, *body_len);
	while (*body_len < want && (n = read(fd, *body + *body_len, want - *body_len)) > 0)
		*body_len += n;
	if (*body_len < want)
		return 0;
	(*body)[want] = '\0';
	return status;
}

Test(metrics_server, keep_alive)
{
	char head[2048], *body;
	size_t len;
	int fd = connect_server();

	metrics_server_update(srv, model);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(exchange(fd, "/metrics", "", head, sizeof(head), &body, &len), 200,
			     "request %d on one connection", i);
		cr_assert_null(strcasestr(head, "Connection: close"), "%s", head);
		cr_assert(strstr(body, "latscope_build_info"));
		free(body);
	}
	close(fd);
	cr_assert_eq(metrics_server_scrapes(srv), 3);
}

Test(metrics_server, gzip_and_protobuf)
{
	char head[2048], *body, plain[1 << 16];
	size_t len, plain_len = sizeof(plain);
	int fd = connect_server();

	metrics_server_update(srv, model);
	cr_assert_eq(exchange(fd, "/metrics", "Accept-Encoding: gzip\r\n", head, sizeof(head),
			      &body, &len),
		     200);
	cr_assert(strcasestr(head, "Content-Encoding: gzip"), "%s", head);
	cr_assert(strcasestr(head, "Vary: Accept, Accept-Encoding"), "%s", head);
	cr_assert_eq(uncompress_gzip(body, len, plain, &plain_len), 0);
	cr_assert(memmem(plain, plain_len, "latscope_syscall_duration_seconds_count", 39));
	free(body);
	cr_assert_eq(exchange(fd, "/metrics",
			      "Accept: application/vnd.google.protobuf;"
			      "proto=io.prometheus.client.MetricFamily;encoding=delimited\r\n",
			      head, sizeof(head), &body, &len),
		     200);
	cr_assert(strcasestr(head, "Content-Type: application/vnd.google.protobuf; "
				   "proto=io.prometheus.client.MetricFamily; encoding=delimited"),
		  "%s", head);
	cr_assert(memmem(body, len, "latscope_build_info", 19), "the first family's name");
	free(body);
	close(fd);
}

/* Sends one header byte to each connection every 2 s until told to stop. */
struct slowloris {
	int fds[64];
	int n;
	volatile bool stop;
};

static void *trickle(void *arg)
{
	struct slowloris *s = arg;
	static const char request[] = "GET /metrics HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaa";

	for (size_t i = 0; !s->stop; i = (i + 1) % (sizeof(request) - 1)) {
		for (int k = 0; k < s->n; k++)
			send(s->fds[k], &request[i], 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		for (int t = 0; t < 20 && !s->stop; t++)
			usleep(100000);
	}
	return NULL;
}

/* A scrape on a fresh connection, bounded by the socket timeout (5 s). */
static bool scrape_succeeds(void)
{
	char head[2048], *body = NULL;
	size_t len;
	int fd = connect_server();
	bool ok = exchange(fd, "/metrics", "", head, sizeof(head), &body, &len) == 200 &&
		  strstr(body, "latscope_build_info");

	free(body);
	close(fd);
	return ok;
}

/* Issue #18's reproducer: 40 slowloris connections blocked every scrape. */
Test(metrics_server, scrapes_get_past_slowloris, .timeout = 60)
{
	static struct slowloris s = { .n = 40 };
	pthread_t thread;
	int ok = 0;

	metrics_server_update(srv, model);
	for (int i = 0; i < s.n; i++)
		s.fds[i] = connect_server();
	cr_assert_eq(pthread_create(&thread, NULL, trickle, &s), 0);
	for (int i = 0; i < 8; i++) {
		ok += scrape_succeeds();
		usleep(250000);
	}
	s.stop = true;
	pthread_join(thread, NULL);
	for (int i = 0; i < s.n; i++)
		close(s.fds[i]);
	cr_assert_eq(ok, 8, "%d of 8 scrapes got through", ok);
	cr_assert_geq(metrics_server_dropped(srv), 8, "the 33rd connection on evicts the oldest");
}

/* And 446 connections that send nothing at all. */
Test(metrics_server, scrapes_get_past_idle_connections, .timeout = 60)
{
	enum { IDLE = 446 };
	static int fds[IDLE];
	int ok = 0;

	metrics_server_update(srv, model);
	for (int i = 0; i < IDLE; i++)
		fds[i] = connect_server();
	for (int i = 0; i < 8; i++)
		ok += scrape_succeeds();
	for (int i = 0; i < IDLE; i++)
		close(fds[i]);
	cr_assert_eq(ok, 8, "%d of 8 scrapes got through", ok);
	cr_assert_geq(metrics_server_dropped(srv), IDLE - cfg.max_connections);
}

/* Bytes that trickle in do not extend the deadline for a whole request. */
Test(metrics_server, a_request_has_a_deadline, .timeout = 30)
{
	static const char partial[] = "GET /metrics HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaa";
	char why[256], c;
	bool closed = false;
	int fd;

	metrics_server_stop(srv);
	cfg.wait_deadline_s = 1;
	cr_assert_eq(metrics_server_start(&cfg, &srv, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(sscanf(metrics_server_address(srv), "127.0.0.1:%d", &port), 1);
	fd = connect_server();
	/* A byte every 0.25 s for up to 10 s: about 1 s in, the server hangs up. */
	for (size_t i = 0; i < sizeof(partial) - 1 && !closed; i++) {
		struct timeval tv = { .tv_usec = 250000 };

		send(fd, &partial[i], 1, MSG_NOSIGNAL);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		closed = read(fd, &c, 1) == 0;
	}
	close(fd);
	cr_assert(closed, "a trickled request was never cut off");
	cr_assert_eq(metrics_server_dropped(srv), 1, "%lu", metrics_server_dropped(srv));
}
