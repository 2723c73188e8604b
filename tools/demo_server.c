// The demo service: HTTP/1.1 with keep-alive on 127.0.0.1, endpoints with
// deterministic latency profiles, and a small upstream TCP service it calls.
//
//   demo_server [--port N] [--upstream-port N] [--slow-ms MS]
//               [--upstream-ms MS] [--error-every N]
//
//   GET /fast      200 at once
//   GET /slow      200 after --slow-ms (default 50 ms)
//   GET /error     500 for every N-th /error request (default 4), else 200
//   GET /upstream  calls the upstream service (one TCP connection per call,
//                  "PING\n" -> "PONG\n" after --upstream-ms, default 20 ms)
//   anything else  404
//
// Prints "http PORT upstream PORT" once both listen (port 0 picks free
// ports), then serves until SIGTERM or SIGINT. One thread per connection.
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct {
	int slow_ms, upstream_ms, error_every;
	unsigned short upstream_port;
} cfg = { 50, 20, 4, 0 };
static atomic_ulong error_calls;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int listen_on(unsigned short port, unsigned short *bound)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_port = htons(port),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(fd, 512) ||
	    getsockname(fd, (struct sockaddr *)&addr, &len)) {
		close(fd);
		return -1;
	}
	*bound = ntohs(addr.sin_port);
	return fd;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

/* The upstream service: each "PING\n" gets "PONG\n" after a fixed delay. */
static void *upstream_conn(void *arg)
{
	int fd = (int)(long)arg;
	char buf[64];

	while (read(fd, buf, sizeof(buf)) > 0) {
		sleep_ms(cfg.upstream_ms);
		if (write_all(fd, "PONG\n", 5))
			break;
	}
	close(fd);
	return NULL;
}

static int call_upstream(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_port = htons(cfg.upstream_port),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char buf[16];
	int ok = -1;

	if (fd < 0)
		return -1;
	if (!connect(fd, (struct sockaddr *)&addr, sizeof(addr)) && !write_all(fd, "PING\n", 5) &&
	    read(fd, buf, sizeof(buf)) == 5)
		ok = 0;
	close(fd);
	return ok;
}

static int route(const char *path, const char **reason)
{
	*reason = "OK";
	if (!strcmp(path, "/fast"))
		return 200;
	if (!strcmp(path, "/slow")) {
		sleep_ms(cfg.slow_ms);
		return 200;
	}
	if (!strcmp(path, "/error")) {
		if (cfg.error_every && ++error_calls % cfg.error_every == 0) {
			*reason = "Internal Server Error";
			return 500;
		}
		return 200;
	}
	if (!strcmp(path, "/upstream")) {
		if (!call_upstream())
			return 200;
		*reason = "Bad Gateway";
		return 502;
	}
	*reason = "Not Found";
	return 404;
}

/* Serves one request from @req; returns whether to keep the connection. */
static int serve(int fd, char *req)
{
	char method[16], path[256], resp[512];
	const char *reason;
	int status, keep, len;

	if (sscanf(req, "%15s %255s", method, path) != 2)
		return 0;
	keep = !strcasestr(req, "\r\nConnection: close");
	status = route(path, &reason);
	len = snprintf(resp, sizeof(resp),
		       "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\n"
		       "Content-Length: %zu\r\nConnection: %s\r\n\r\n%s\n",
		       status, reason, strlen(reason) + 1, keep ? "keep-alive" : "close", reason);
	return !write_all(fd, resp, len) && keep;
}

static void *http_conn(void *arg)
{
	int fd = (int)(long)arg;
	char buf[4096];
	size_t have = 0;

	for (;;) {
		char *end = memmem(buf, have, "\r\n\r\n", 4);
		ssize_t n;

		if (end) {
			size_t used = end + 4 - buf;

			*end = '\0';
			if (!serve(fd, buf))
				break;
			memmove(buf, buf + used, have - used);
			have -= used;
			continue;
		}
		if (have == sizeof(buf))
			break;
		n = read(fd, buf + have, sizeof(buf) - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += n;
	}
	close(fd);
	return NULL;
}

struct acceptor {
	int fd;
	void *(*handler)(void *);
};

static void *accept_loop(void *arg)
{
	struct acceptor *a = arg;

	for (;;) {
		int fd = accept4(a->fd, NULL, NULL, SOCK_CLOEXEC);
		pthread_t t;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("accept");
			return NULL;
		}
		if (pthread_create(&t, NULL, a->handler, (void *)(long)fd)) {
			close(fd);
			continue;
		}
		pthread_detach(t);
	}
}

static void parse_args(int argc, char **argv, unsigned short *port)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "upstream-port", required_argument, NULL, 'u' },
		{ "slow-ms", required_argument, NULL, 's' },
		{ "upstream-ms", required_argument, NULL, 'm' },
		{ "error-every", required_argument, NULL, 'e' },
		{ 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "p:u:s:m:e:", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			*port = atoi(optarg);
			break;
		case 'u':
			cfg.upstream_port = atoi(optarg);
			break;
		case 's':
			cfg.slow_ms = atoi(optarg);
			break;
		case 'm':
			cfg.upstream_ms = atoi(optarg);
			break;
		case 'e':
			cfg.error_every = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: demo_server [--port N] [--upstream-port N] "
					"[--slow-ms MS] [--upstream-ms MS] [--error-every N]\n");
			exit(2);
		}
	}
}

int main(int argc, char **argv)
{
	struct acceptor http = { .handler = http_conn }, upstream = { .handler = upstream_conn };
	unsigned short port = 0;
	pthread_t t;
	sigset_t set;
	int sig;

	parse_args(argc, argv, &port);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	upstream.fd = listen_on(cfg.upstream_port, &cfg.upstream_port);
	http.fd = listen_on(port, &port);
	if (upstream.fd < 0 || http.fd < 0) {
		perror("demo_server: listen");
		return 1;
	}
	if (pthread_create(&t, NULL, accept_loop, &upstream) ||
	    pthread_create(&t, NULL, accept_loop, &http))
		return 1;
	printf("http %u upstream %u\n", port, cfg.upstream_port);
	fflush(stdout);
	sigwait(&set, &sig);
	return 0;
}
