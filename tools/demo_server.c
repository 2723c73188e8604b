// The demo service: HTTP/1.1 with keep-alive on 127.0.0.1, endpoints with
// deterministic latency profiles, and a small upstream TCP service it calls.
//
//   demo_server [--port N] [--upstream-port N] [--slow-ms MS]
//               [--upstream-ms MS] [--error-every N] [--rpc-slow-ms MS]
//
//   GET /fast      200 at once
//   GET /slow      200 after --slow-ms (default 50 ms)
//   GET /error     500 for every N-th /error request (default 4), else 200
//   GET /upstream  calls the upstream service (one TCP connection per call,
//                  "PING\n" -> "PONG\n" after --upstream-ms, default 20 ms)
//   GET /rpc       a WebSocket (RFC 6455) JSON-RPC 2.0 endpoint: methods
//                  "ping" (at once), "slow_op" (after --rpc-slow-ms, default
//                  30 ms), "fail" (every --error-every-th call an error,
//                  else a result); "log" is a notification (no reply); any
//                  other method is a -32601 error
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
	int slow_ms, upstream_ms, error_every, rpc_slow_ms;
	unsigned short upstream_port;
} cfg = { 50, 20, 4, 30, 0 };
static atomic_ulong error_calls, rpc_fail_calls;

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

/* SHA-1 (FIPS 180-4), for the WebSocket handshake's accept key only. */
static void sha1(const unsigned char *msg, size_t len, unsigned char out[20])
{
	unsigned int h[5] = { 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0 };
	unsigned char block[64];
	unsigned long long bits = (unsigned long long)len * 8;
	size_t total = ((len + 8) / 64 + 1) * 64;

	for (size_t off = 0; off < total; off += 64) {
		unsigned int w[80], a, b, c, d, e;

		for (int i = 0; i < 64; i++) {
			size_t k = off + i;

			block[i] = k < len ? msg[k] : k == len ? 0x80 : 0;
			if (k >= total - 8)
				block[i] = bits >> (8 * (total - 1 - k));
		}
		for (int i = 0; i < 16; i++)
			w[i] = (unsigned)block[4 * i] << 24 | block[4 * i + 1] << 16 |
			       block[4 * i + 2] << 8 | block[4 * i + 3];
		for (int i = 16; i < 80; i++) {
			unsigned int x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16];

			w[i] = x << 1 | x >> 31;
		}
		a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
		for (int i = 0; i < 80; i++) {
			unsigned int f, k, t;

			if (i < 20)
				f = (b & c) | (~b & d), k = 0x5A827999;
			else if (i < 40)
				f = b ^ c ^ d, k = 0x6ED9EBA1;
			else if (i < 60)
				f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
			else
				f = b ^ c ^ d, k = 0xCA62C1D6;
			t = (a << 5 | a >> 27) + f + e + k + w[i];
			e = d, d = c, c = b << 30 | b >> 2, b = a, a = t;
		}
		h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
	}
	for (int i = 0; i < 20; i++)
		out[i] = h[i / 4] >> (24 - 8 * (i % 4));
}

static void base64(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < len; i += 3) {
		unsigned int v = in[i] << 16 | (i + 1 < len ? in[i + 1] << 8 : 0) |
				 (i + 2 < len ? in[i + 2] : 0);

		*out++ = digits[v >> 18 & 63];
		*out++ = digits[v >> 12 & 63];
		*out++ = i + 1 < len ? digits[v >> 6 & 63] : '=';
		*out++ = i + 2 < len ? digits[v & 63] : '=';
	}
	*out = '\0';
}

/* Reads exactly @len bytes; 0, or -1 when the connection ended. */
static int read_all(int fd, void *buf, size_t len)
{
	while (len) {
		ssize_t n = read(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf = (char *)buf + n;
		len -= n;
	}
	return 0;
}

/* One client frame (masked, unfragmented): opcode, payload unmasked. */
static int ws_read(int fd, char *payload, size_t cap, size_t *len)
{
	unsigned char h[14], key[4];
	unsigned long long n;

	if (read_all(fd, h, 2))
		return -1;
	n = h[1] & 0x7f;
	if (n == 126) {
		if (read_all(fd, h + 2, 2))
			return -1;
		n = h[2] << 8 | h[3];
	} else if (n == 127) {
		return -1;
	}
	if (!(h[1] & 0x80) || n > cap || read_all(fd, key, 4) || read_all(fd, payload, n))
		return -1;
	for (size_t i = 0; i < n; i++)
		payload[i] ^= key[i & 3];
	*len = n;
	return h[0] & 0x0f;
}

/* One server frame (unmasked), FIN set. */
static int ws_write(int fd, int opcode, const char *payload, size_t len)
{
	char frame[4 + 512];
	size_t h = 2;

	if (len > 512)
		return -1;
	frame[0] = (char)(0x80 | opcode);
	if (len < 126) {
		frame[1] = (char)len;
	} else {
		frame[1] = 126;
		frame[2] = (char)(len >> 8);
		frame[3] = (char)len;
		h = 4;
	}
	memcpy(frame + h, payload, len);
	return write_all(fd, frame, h + len);
}

/* The JSON-RPC value of "@key": in @msg (a flat object), as text. */
static int json_member(const char *msg, const char *key, char *out, size_t len)
{
	char needle[32];
	const char *v;
	size_t n = 0;

	snprintf(needle, sizeof(needle), "\"%s\":", key);
	v = strstr(msg, needle);
	if (!v)
		return -1;
	v += strlen(needle);
	while (*v == ' ')
		v++;
	if (*v == '"')
		v++;
	while (v[n] && v[n] != '"' && v[n] != ',' && v[n] != '}' && n + 1 < len)
		n++;
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

/* A JSON-RPC reply to @msg, or none for a notification. */
static int rpc_answer(int fd, const char *msg)
{
	char method[64] = "", id[32], reply[256];
	const char *error = NULL;

	json_member(msg, "method", method, sizeof(method));
	if (json_member(msg, "id", id, sizeof(id)))
		return 0; /* a notification: "log" */
	if (!strcmp(method, "slow_op"))
		sleep_ms(cfg.rpc_slow_ms);
	else if (!strcmp(method, "fail"))
		error = cfg.error_every && ++rpc_fail_calls % cfg.error_every == 0 ? "failed"
										   : NULL;
	else if (strcmp(method, "ping"))
		error = "method not found";
	if (error)
		snprintf(
			reply, sizeof(reply),
			"{\"jsonrpc\":\"2.0\",\"id\":%s,\"error\":{\"code\":%d,\"message\":\"%s\"}}",
			id, strcmp(method, "fail") ? -32601 : -32000, error);
	else
		snprintf(reply, sizeof(reply), "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":\"ok\"}",
			 id);
	return ws_write(fd, 1, reply, strlen(reply));
}

/* The /rpc upgrade: 101, then JSON-RPC messages until a close frame. */
static void serve_websocket(int fd, const char *req)
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	char key[128], accept[32], resp[256], msg[1024];
	unsigned char digest[20];
	const char *k = strcasestr(req, "\r\nSec-WebSocket-Key:");
	size_t n = 0, len;
	int op;

	if (!k)
		return;
	for (k += 20; *k == ' ';)
		k++;
	while (k[n] && k[n] != '\r' && n + sizeof(guid) < sizeof(key))
		n++;
	memcpy(key, k, n);
	memcpy(key + n, guid, sizeof(guid));
	sha1((unsigned char *)key, strlen(key), digest);
	base64(digest, sizeof(digest), accept);
	len = snprintf(resp, sizeof(resp),
		       "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		       "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
		       accept);
	if (write_all(fd, resp, len))
		return;
	while ((op = ws_read(fd, msg, sizeof(msg) - 1, &len)) >= 0) {
		msg[len] = '\0';
		if (op == 8) { /* close: echo it, then end */
			ws_write(fd, 8, msg, len < 2 ? len : 2);
			return;
		}
		if (op == 9 ? ws_write(fd, 10, msg, len) : op == 1 ? rpc_answer(fd, msg) : 0)
			return;
	}
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
	if (!strcmp(path, "/rpc") && strcasestr(req, "\r\nUpgrade: websocket")) {
		serve_websocket(fd, req);
		return 0;
	}
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
		{ "rpc-slow-ms", required_argument, NULL, 'r' },
		{ 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "p:u:s:m:e:r:", opts, NULL)) != -1) {
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
		case 'r':
			cfg.rpc_slow_ms = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: demo_server [--port N] [--upstream-port N] "
					"[--slow-ms MS] [--upstream-ms MS] [--error-every N] "
					"[--rpc-slow-ms MS]\n");
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
