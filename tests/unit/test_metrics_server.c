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
	cr_assert_eq(status_of(r), 404, "%s", r);
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
