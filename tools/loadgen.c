// Load generator for the demo service: a known number of HTTP/1.1 requests
// per endpoint, sequential, over keep-alive and one-request connections.
//
//   loadgen --port N [--count N] [--paths /fast,/slow,...]
//           [--mode both|keepalive|close] [--resets N] [--rpc N]
//
// For each path: --count requests over one keep-alive connection and/or
// --count requests each on its own connection ("Connection: close").
// --resets N opens N connections that send half a request, wait 100 ms
// (so the server has read it) and reset (RST). Prints one line per path:
//   path /fast sent 20 keepalive 10 close 10 2xx 20 3xx 0 4xx 0 5xx 0 failed 0
// and "resets N". --rpc N then opens one WebSocket to /rpc and calls each
// JSON-RPC method (ping, slow_op, fail) N times, one at a time, then sends
// N "log" notifications and closes; one line per method:
//   rpc ping sent 10 ok 10 errors 0
// ("--paths ''" sends no HTTP requests). Exit 1 if any request failed.
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct tally {
	unsigned long keepalive, close, status[6], failed;
};

static unsigned short port;

static int connect_server(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_port = htons(port),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads one response (headers + Content-Length body); returns its status. */
static int read_response(int fd)
{
	char buf[4096], *end = NULL, *cl;
	size_t have = 0, need;
	int status;

	while (!end) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);

		if (n <= 0)
			return -1;
		have += n;
		buf[have] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	cl = strcasestr(buf, "\r\nContent-Length:");
	need = (end + 4 - buf) + (cl ? strtoul(cl + 17, NULL, 10) : 0);
	while (have < need && have < sizeof(buf) - 1) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);

		if (n <= 0)
			return -1;
		have += n;
	}
	return status;
}

static int request(int fd, const char *path, int keep)
{
	char req[512];
	int len = snprintf(req, sizeof(req),
			   "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: loadgen\r\n%s\r\n",
			   path, keep ? "" : "Connection: close\r\n");

	if (write(fd, req, len) != len)
		return -1;
	return read_response(fd);
}

static void count(struct tally *t, int status)
{
	if (status < 100 || status > 599)
		t->failed++;
	else
		t->status[status / 100]++;
}

static void run_path(const char *path, int n, const char *mode, struct tally *t)
{
	if (strcmp(mode, "close")) {
		int fd = connect_server();

		for (int i = 0; i < n; i++) {
			count(t, fd < 0 ? -1 : request(fd, path, 1));
			t->keepalive++;
		}
		if (fd >= 0)
			close(fd);
	}
	if (strcmp(mode, "keepalive")) {
		for (int i = 0; i < n; i++) {
			int fd = connect_server();

			count(t, fd < 0 ? -1 : request(fd, path, 0));
			t->close++;
			if (fd >= 0)
				close(fd);
		}
	}
}

/* One masked client frame (RFC 6455 requires clients to mask). */
static int ws_send(int fd, int opcode, const char *payload, size_t len)
{
	unsigned char frame[8 + 256], key[4] = { 0x12, 0x34, 0x56, 0x78 };
	size_t h = 2;

	if (len > 256)
		return -1;
	frame[0] = 0x80 | opcode;
	if (len < 126) {
		frame[1] = 0x80 | len;
	} else {
		frame[1] = 0x80 | 126;
		frame[2] = len >> 8;
		frame[3] = len;
		h = 4;
	}
	memcpy(frame + h, key, 4);
	for (size_t i = 0; i < len; i++)
		frame[h + 4 + i] = payload[i] ^ key[i & 3];
	return write(fd, frame, h + 4 + len) == (ssize_t)(h + 4 + len) ? 0 : -1;
}

/* One server frame (unmasked, small) into @buf; its opcode, or -1. */
static int ws_recv(int fd, char *buf, size_t cap)
{
	unsigned char h[4];
	size_t n;

	if (read(fd, h, 2) != 2)
		return -1;
	n = h[1] & 0x7f;
	if (n == 126) {
		if (read(fd, h + 2, 2) != 2)
			return -1;
		n = h[2] << 8 | h[3];
	}
	if (n >= cap)
		return -1;
	for (size_t got = 0; got < n;) {
		ssize_t r = read(fd, buf + got, n - got);

		if (r <= 0)
			return -1;
		got += r;
	}
	buf[n] = '\0';
	return h[0] & 0x0f;
}

static int ws_connect(void)
{
	static const char upgrade[] = "GET /rpc HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
				      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
				      "Sec-WebSocket-Version: 13\r\n\r\n";
	int fd = connect_server();

	if (fd < 0 || write(fd, upgrade, sizeof(upgrade) - 1) != sizeof(upgrade) - 1 ||
	    read_response(fd) != 101) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* --rpc N: N calls of each method, N notifications, a clean close. */
static int run_rpc(int n)
{
	static const char *const methods[] = { "ping", "slow_op", "fail" };
	int fd = ws_connect(), id = 0, failed = 0;
	char msg[256], reply[512];

	if (fd < 0) {
		printf("rpc upgrade failed\n");
		return 1;
	}
	for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
		int ok = 0, errors = 0;

		for (int i = 0; i < n; i++) {
			int len = snprintf(msg, sizeof(msg),
					   "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"%s\","
					   "\"params\":{\"secret\":\"s3cr3t-%d\"}}",
					   ++id, methods[m], i);

			if (ws_send(fd, 1, msg, len) || ws_recv(fd, reply, sizeof(reply)) != 1)
				failed++;
			else if (strstr(reply, "\"error\""))
				errors++;
			else
				ok++;
		}
		printf("rpc %s sent %d ok %d errors %d\n", methods[m], n, ok, errors);
	}
	for (int i = 0; i < n; i++) {
		int len = snprintf(msg, sizeof(msg),
				   "{\"jsonrpc\":\"2.0\",\"method\":\"log\","
				   "\"params\":[\"line %d\"]}",
				   i);

		failed += ws_send(fd, 1, msg, len) != 0;
	}
	printf("rpc log notified %d\n", n);
	if (ws_send(fd, 8, "\x03\xe8", 2) || ws_recv(fd, reply, sizeof(reply)) != 8)
		failed++;
	close(fd);
	return failed;
}

static int run_resets(int n)
{
	static const char half[] = "GET /fast HTTP/1.1\r\nHost: 127.0";
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct timespec pause = { 0, 100 * 1000000L };
	int done = 0;

	for (int i = 0; i < n; i++) {
		int fd = connect_server();

		if (fd < 0)
			continue;
		if (write(fd, half, sizeof(half) - 1) == sizeof(half) - 1) {
			nanosleep(&pause, NULL);
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			done++;
		}
		close(fd);
	}
	return done;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'n' },
		{ "paths", required_argument, NULL, 'e' },
		{ "mode", required_argument, NULL, 'm' },
		{ "resets", required_argument, NULL, 'r' },
		{ "rpc", required_argument, NULL, 'c' },
		{ 0 },
	};
	char paths[1024] = "/fast,/slow,/error,/upstream", *path, *save;
	const char *mode = "both";
	int opt, n = 10, resets = 0, rpc = 0, failed = 0;

	while ((opt = getopt_long(argc, argv, "p:n:e:m:r:c:", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'n':
			n = atoi(optarg);
			break;
		case 'e':
			snprintf(paths, sizeof(paths), "%s", optarg);
			break;
		case 'm':
			mode = optarg;
			break;
		case 'r':
			resets = atoi(optarg);
			break;
		case 'c':
			rpc = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: loadgen --port N [--count N] [--paths P,...] "
					"[--mode both|keepalive|close] [--resets N] [--rpc N]\n");
			return 2;
		}
	}
	if (!port || n < 0) {
		fprintf(stderr, "loadgen: --port is required\n");
		return 2;
	}
	for (path = strtok_r(paths, ",", &save); path; path = strtok_r(NULL, ",", &save)) {
		struct tally t = {};

		run_path(path, n, mode, &t);
		printf("path %s sent %lu keepalive %lu close %lu 2xx %lu 3xx %lu 4xx %lu 5xx %lu failed %lu\n",
		       path, t.keepalive + t.close, t.keepalive, t.close, t.status[2], t.status[3],
		       t.status[4], t.status[5], t.failed);
		failed += t.failed;
	}
	if (resets)
		printf("resets %d\n", run_resets(resets));
	if (rpc)
		failed += run_rpc(rpc);
	return failed ? 1 : 0;
}
