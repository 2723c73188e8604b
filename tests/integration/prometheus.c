// Helpers for tests against a real Prometheus (Debian's prometheus, 2.42)
// and for reading latscope's /metrics endpoint over plain sockets.
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <ctype.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "prometheus.h"

/* Prometheus takes a few seconds to start; scrapes come every second. */
#define PROM_READY_TIMEOUT_S 30.0
#define HTTP_TIMEOUT_S	     3

/* The port latscope chose for --listen 127.0.0.1:0, from its stderr. */
int announced_port(const struct proc *tracer)
{
	const char *line = strstr(tracer->err.data, "serving metrics on http://127.0.0.1:");
	int port = 0;

	cr_assert(line && sscanf(line, "serving metrics on http://127.0.0.1:%d", &port) == 1,
		  "no metrics address announced; stderr:\n%s", tracer->err.data);
	return port;
}

void require_tool(const char *tool)
{
	const char *ci = getenv("CI");

	if (!system(strf("command -v %s >/dev/null 2>&1", tool)))
		return;
	cr_assert(!ci || strcmp(ci, "true"), "%s missing (make deps installs it)", tool);
	cr_skip_test("%s not installed (make deps): skipped", tool);
}

/* The value of header @name in [@head, @end), or "" when absent. */
static void header_value(const char *head, const char *end, const char *name, char *out, size_t len)
{
	size_t n = strlen(name);

	out[0] = '\0';
	for (const char *p = strstr(head, "\r\n"); p && p < end; p = strstr(p + 2, "\r\n")) {
		if (!strncasecmp(p + 2, name, n) && p[2 + n] == ':') {
			const char *v = p + 3 + n, *eol = strstr(v, "\r\n");

			while (*v == ' ')
				v++;
			snprintf(out, len, "%.*s", (int)(eol - v), v);
			return;
		}
	}
}

/*
 * GET http://127.0.0.1:@port@target over HTTP/1.0 (the server closes when
 * done), with an Accept header unless @accept is NULL. The body, malloc'ed,
 * or NULL when nothing listens; *status is 0 then. The response's
 * Content-Type goes to @type when given. Sockets rather than curl(1):
 * polling would spawn a process a try.
 */
char *http_get_as(int port, const char *target, const char *accept, int *status, char *type,
		  size_t type_len)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = HTTP_TIMEOUT_S };
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap), *body;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ssize_t n;

	cr_assert(buf && fd >= 0);
	*status = 0;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		free(buf);
		return NULL;
	}
	dprintf(fd, "GET %s HTTP/1.0\r\nHost: 127.0.0.1:%d\r\n%s%s%s\r\n", target, port,
		accept ? "Accept: " : "", accept ? accept : "", accept ? "\r\n" : "");
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (len + 1 == cap) {
			buf = realloc(buf, cap *= 2);
			cr_assert(buf);
		}
	}
	close(fd);
	buf[len] = '\0';
	body = strstr(buf, "\r\n\r\n");
	if (sscanf(buf, "HTTP/1.%*d %d", status) != 1 || !body) {
		*status = 0;
		free(buf);
		return NULL;
	}
	if (type)
		header_value(buf, body, "Content-Type", type, type_len);
	memmove(buf, body + 4, strlen(body + 4) + 1);
	return buf;
}

char *http_get(int port, const char *target, int *status)
{
	return http_get_as(port, target, NULL, status, NULL, 0);
}

/* PromQL into a query string: everything but unreserved characters %XX. */
static const char *url_encode(const char *s)
{
	char out[1024];
	size_t n = 0;

	for (; *s && n + 4 < sizeof(out); s++) {
		if (isalnum((unsigned char)*s) || strchr("-_.~", *s))
			out[n++] = *s;
		else
			n += sprintf(out + n, "%%%02X", (unsigned char)*s);
	}
	out[n] = '\0';
	return strf("%s", out);
}

struct proc *prom_start(int prom_port, int latscope_port, bool native)
{
	const char *dir = temp_dir(), *config = strf("%s/prometheus.yml", dir);
	FILE *f = fopen(config, "w");

	cr_assert(f);
	fprintf(f,
		"global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
		"scrape_configs:\n  - job_name: latscope\n    static_configs:\n"
		"      - targets: ['127.0.0.1:%d']\n",
		latscope_port);
	fclose(f);
	return proc_start((char *[]){ "prometheus", (char *)strf("--config.file=%s", config),
				      (char *)strf("--storage.tsdb.path=%s/data", dir),
				      (char *)strf("--web.listen-address=127.0.0.1:%d", prom_port),
				      "--log.level=warn",
				      native ? "--enable-feature=native-histograms" : NULL, NULL });
}

void prom_wait_ready(struct proc *prom, int port)
{
	double deadline = mono_s() + PROM_READY_TIMEOUT_S;

	while (mono_s() < deadline) {
		int status;

		free(http_get(port, "/-/ready", &status));
		if (status == 200)
			return;
		cr_assert(!prom->reaped, "prometheus exited; stderr:\n%s", prom->err.data);
		usleep(200000);
	}
	cr_assert_fail("prometheus not ready after %.0fs; stderr:\n%s", PROM_READY_TIMEOUT_S,
		       prom->err.data);
}

/* An instant query's single value; NAN when it has no result (yet). */
double prom_query(int port, const char *promql)
{
	int status;
	char *text = http_get(port, strf("/api/v1/query?query=%s", url_encode(promql)), &status);
	json_t *reply, *value;
	double v = NAN;

	cr_assert_eq(status, 200, "%s: HTTP %d: %s", promql, status, text);
	reply = json_parse(text);
	cr_assert_str_eq(jstr(reply, "status"), "success", "%s: %s", promql, text);
	free(text);
	value = jpath(reply, "data.result.0.value.1");
	if (value)
		v = strtod(json_string_value(value), NULL);
	cr_assert(jpath(reply, "data.result.1") == NULL, "%s: several series", promql);
	json_decref(reply);
	return v;
}

/* Poll until @promql reads @want: once it does, a scrape saw the final state. */
void prom_wait_value(int port, const char *promql, double want)
{
	double deadline = mono_s() + SCRAPE_TIMEOUT_S, v = NAN;
	int status;

	while (mono_s() < deadline) {
		v = prom_query(port, promql);
		if (v == want)
			return;
		usleep(250000);
	}
	cr_assert_fail("%s = %g after %.0fs, expected %g; targets: %s", promql, v, SCRAPE_TIMEOUT_S,
		       want, http_get(port, "/api/v1/targets", &status));
}
