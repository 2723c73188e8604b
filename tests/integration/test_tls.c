// HTTPS through OpenSSL: Debian's nginx and a Python ssl server with a
// certificate made here, curl and wrk as clients; and a traced curl
// calling an HTTPS upstream. Counts, endpoints and status classes come
// from the plaintext; handshakes are a figure apart, never requests.
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "run.h"

INTEGRATION_SUITE(tls);

#define OK_PER_CONN	 6
#define MISSING_PER_CONN 3
#define CURL_CONNS	 4

/* A self-signed certificate and key in @dir (cert.pem, key.pem). */
static void make_cert(const char *dir)
{
	cr_assert(!system(strf("openssl req -x509 -newkey rsa:2048 -nodes -keyout %s/key.pem "
			       "-out %s/cert.pem -days 1 -subj /CN=localhost >/dev/null 2>&1",
			       dir, dir)),
		  "openssl could not make a certificate");
}

static struct proc *nginx_tls_start(const char *dir, int port)
{
	struct proc *p;

	make_cert(dir);
	cr_assert(!system(strf("mkdir -p %s/www && printf ok > %s/www/p", dir, dir)));
	write_text(strf("%s/nginx.conf", dir),
		   strf("daemon off; master_process off; worker_processes 1;\n"
			"pid %s/nginx.pid; error_log %s/error.log;\n"
			"events { worker_connections 256; }\n"
			"http {\n"
			"  access_log %s/access.log; keepalive_requests 1000000;\n"
			"  client_body_temp_path %s; proxy_temp_path %s; fastcgi_temp_path %s;\n"
			"  uwsgi_temp_path %s; scgi_temp_path %s;\n"
			"  server { listen 127.0.0.1:%d ssl; root %s/www;\n"
			"    ssl_certificate %s/cert.pem; ssl_certificate_key %s/key.pem; }\n"
			"}\n",
			dir, dir, dir, dir, dir, dir, dir, dir, port, dir, dir, dir));
	p = proc_start((char *[]){ "nginx", "-p", (char *)dir, "-e",
				   (char *)strf("%s/error.log", dir), "-c",
				   (char *)strf("%s/nginx.conf", dir), NULL });
	wait_port(p, port, "nginx");
	return p;
}

/*
 * A Python HTTPS server (http.server over ssl, HTTP/1.1 keep-alive):
 * /p answers 200, anything else 404; each request logged on stderr.
 */
static struct proc *python_tls_start(const char *dir, int port, const char *go)
{
	static const char server[] =
		"import os, sys, time\n"
		/* With a 4th argument, libssl is loaded (dlopen) once that file exists. */
		"while len(sys.argv) > 3 and not os.path.exists(sys.argv[3]):\n"
		"    time.sleep(0.02)\n"
		"import http.server, ssl\n"
		"class H(http.server.BaseHTTPRequestHandler):\n"
		"    protocol_version = 'HTTP/1.1'\n"
		"    def do_GET(self):\n"
		"        code = 200 if self.path == '/p' else 404\n"
		"        self.send_response(code)\n"
		"        self.send_header('Content-Length', '2')\n"
		"        self.end_headers()\n"
		"        self.wfile.write(b'ok')\n"
		"s = http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H)\n"
		"c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
		"c.load_cert_chain(sys.argv[2] + '/cert.pem', sys.argv[2] + '/key.pem')\n"
		"s.socket = c.wrap_socket(s.socket, server_side=True)\n"
		"s.serve_forever()\n";
	struct proc *p;

	make_cert(dir);
	write_text(strf("%s/server.py", dir), server);
	p = proc_start((char *[]){ "/usr/bin/python3", (char *)strf("%s/server.py", dir),
				   (char *)strf("%d", port), (char *)dir, (char *)go, NULL });
	if (!go)
		wait_port(p, port, "python3");
	return p;
}

/* One curl, one connection: @ok requests to /p, then @missing to /missing. */
static void curl_keepalive(int port, int ok, int missing)
{
	char *argv[64] = { "curl", "-sk", "--fail-early", "-o", "/dev/null" };
	int n = 5;
	struct proc *c;

	for (int i = 0; i < ok + missing; i++) {
		if (i)
			argv[n++] = "-o", argv[n++] = "/dev/null";
		argv[n++] = (char *)strf("https://127.0.0.1:%d/%s", port, i < ok ? "p" : "missing");
	}
	argv[n] = NULL;
	c = run_command(argv, 20);
	assert_exit(c, 0);
	proc_forget(c);
}

static long long occurrences(const char *text, const char *needle);

static long long log_lines(const char *path, const char *needle)
{
	return occurrences(read_text(path), needle);
}

static long long occurrences(const char *text, const char *needle)
{
	long long n = 0;

	cr_assert(text, "no text to count '%s' in", needle);

	for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void assert_endpoint(json_t *g, const char *name, long long count, const char *cls)
{
	json_t *e = jfind_str(jpath(g, "endpoints"), "endpoint", name);

	cr_assert(e, "no endpoint '%s'", name);
	cr_assert_eq(jint(e, "count"), count, "%s: %lld, expected %lld", name, jint(e, "count"),
		     count);
	cr_assert_eq(jint(e, strf("status.%s", cls)), count, "%s: %lld %s, expected %lld", name,
		     jint(e, strf("status.%s", cls)), cls, count);
}

/* A server group over TLS: decoded, its handshakes one per connection. */
static void assert_tls_group(json_t *g, long long conns)
{
	cr_assert(g, "no server group");
	cr_assert_str_eq(jstr(g, "protocol"), "http");
	cr_assert_str_eq(jstr(g, "tls"), "openssl");
	cr_assert_eq(jint(g, "tls_handshakes.count"), conns, "%lld handshakes, %lld connections",
		     jint(g, "tls_handshakes.count"), conns);
	cr_assert_eq(jint(g, "aborted"), 0);
	cr_assert_eq(jint(g, "status.none"), 0, "no request without a status");
}

static void stop_server(struct proc *server)
{
	proc_signal(server, SIGTERM);
	proc_wait(server, 5);
}

/* The last answers' records drained, the trace's snapshot; the server stopped. */
static json_t *stop_traced(struct proc *tracer, struct proc *server)
{
	json_t *snap;

	usleep(300000);
	snap = trace_stop(tracer);
	stop_server(server);
	return snap;
}

Test(tls, nginx_curl_endpoints_and_statuses)
{
	const char *dir = temp_dir();
	int port = free_port();
	struct proc *nginx = nginx_tls_start(dir, port), *tracer;
	json_t *snap, *g;
	long long logged;

	tracer = trace_attach(nginx->pid, (char *[]){ "--no-overhead", NULL });
	for (int i = 0; i < CURL_CONNS; i++)
		curl_keepalive(port, OK_PER_CONN, MISSING_PER_CONN);
	snap = stop_traced(tracer, nginx);

	g = jfind_int(jpath(snap, "requests.servers"), "port", port);
	assert_tls_group(g, CURL_CONNS);
	logged = log_lines(strf("%s/access.log", dir), "\n");
	cr_assert_eq(logged, CURL_CONNS * (OK_PER_CONN + MISSING_PER_CONN));
	cr_assert_eq(jint(g, "count"), logged, "latscope %lld, access log %lld", jint(g, "count"),
		     logged);
	assert_endpoint(g, "GET /p", CURL_CONNS * OK_PER_CONN, "2xx");
	assert_endpoint(g, "GET /missing", CURL_CONNS * MISSING_PER_CONN, "4xx");
	cr_assert_eq(jint(g, "status.4xx"), CURL_CONNS * MISSING_PER_CONN);
	json_decref(snap);
}

/* wrk over HTTPS: every request nginx logged is counted, none more. */
Test(tls, nginx_wrk_counts_equal_access_log)
{
	const char *dir = temp_dir();
	int port = free_port();
	struct proc *nginx = nginx_tls_start(dir, port), *tracer, *wrk;
	json_t *snap, *g;
	long long logged;

	tracer = trace_attach(nginx->pid, (char *[]){ "--no-overhead", NULL });
	wrk = run_command((char *[]){ "wrk", "-t1", "-c4", "-d1s",
				      (char *)strf("https://127.0.0.1:%d/p", port), NULL },
			  20);
	assert_exit(wrk, 0);
	snap = stop_traced(tracer, nginx);

	g = jfind_int(jpath(snap, "requests.servers"), "port", port);
	assert_tls_group(g, 4);
	logged = log_lines(strf("%s/access.log", dir), "\n");
	cr_assert(logged > 200, "wrk made only %lld requests", logged);
	cr_assert_eq(jint(g, "count"), logged, "latscope %lld, access log %lld", jint(g, "count"),
		     logged);
	cr_assert_eq(jint(g, "status.2xx"), logged);
	if (!jint(snap, "overhead.ringbuf.dropped"))
		assert_endpoint(g, "GET /p", logged, "2xx");
	json_decref(snap);
}

Test(tls, python_ssl_server)
{
	const char *dir = temp_dir();
	int port = free_port();
	struct proc *server = python_tls_start(dir, port, NULL), *tracer;
	json_t *snap, *g;
	long long logged;

	tracer = trace_attach(server->pid, (char *[]){ "--no-overhead", NULL });
	for (int i = 0; i < CURL_CONNS; i++)
		curl_keepalive(port, OK_PER_CONN, MISSING_PER_CONN);
	snap = stop_traced(tracer, server);

	g = jfind_int(jpath(snap, "requests.servers"), "port", port);
	assert_tls_group(g, CURL_CONNS);
	logged = occurrences(server->err.data, "\"GET /");
	cr_assert_eq(logged, CURL_CONNS * (OK_PER_CONN + MISSING_PER_CONN));
	cr_assert_eq(jint(g, "count"), logged, "latscope %lld, server log %lld", jint(g, "count"),
		     logged);
	assert_endpoint(g, "GET /p", CURL_CONNS * OK_PER_CONN, "2xx");
	assert_endpoint(g, "GET /missing", CURL_CONNS * MISSING_PER_CONN, "4xx");
	json_decref(snap);
}

/* --no-tls: nothing decoded, and the report says TLS was seen. */
Test(tls, no_tls_says_not_decoded)
{
	const char *dir = temp_dir();
	int port = free_port();
	struct proc *nginx = nginx_tls_start(dir, port), *tracer;
	json_t *snap, *g;

	tracer = trace_attach(nginx->pid, (char *[]){ "--no-overhead", "--no-tls", NULL });
	curl_keepalive(port, 2, 0);
	snap = stop_traced(tracer, nginx);

	g = jfind_int(jpath(snap, "requests.servers"), "port", port);
	cr_assert(g, "no server group");
	cr_assert_null(json_object_get(g, "tls"));
	cr_assert_null(json_object_get(g, "tls_handshakes"));
	cr_assert_str_eq(jstr(g, "tls_not_decoded"), "OpenSSL, --no-tls");
	json_decref(snap);
}

/* Client side: a traced curl sees its HTTPS upstream's endpoints and statuses. */
Test(tls, curl_client_upstream)
{
	const char *dir = temp_dir();
	int port = free_port();
	struct proc *nginx = nginx_tls_start(dir, port), *rec;
	json_t *snap, *g;
	char cmd[1024];
	size_t n;

	n = snprintf(cmd, sizeof(cmd), "curl -sk");
	for (int i = 0; i < OK_PER_CONN + MISSING_PER_CONN; i++)
		n += snprintf(cmd + n, sizeof(cmd) - n, " -o /dev/null https://127.0.0.1:%d/%s",
			      port, i < OK_PER_CONN ? "p" : "missing");
	rec = record_command(cmd, (char *[]){ "--json", "--no-overhead", NULL });
	snap = snapshot_of(rec);
	stop_server(nginx);

	g = jfind_int(jpath(snap, "upstreams.peers"), "port", port);
	cr_assert(g, "no upstream group for port %d", port);
	cr_assert_str_eq(jstr(g, "tls"), "openssl");
	cr_assert_eq(jint(g, "tls_handshakes.count"), 1);
	cr_assert_eq(jint(g, "count"), OK_PER_CONN + MISSING_PER_CONN);
	assert_endpoint(g, "GET /p", OK_PER_CONN, "2xx");
	assert_endpoint(g, "GET /missing", MISSING_PER_CONN, "4xx");
	json_decref(snap);
}

/*
 * A process that loads libssl after latscope attached (Python imports ssl,
 * which dlopens it, only once told to): decoded from its first request.
 */
Test(tls, libssl_loaded_after_attach)
{
	const char *dir = temp_dir(), *go = strf("%s/go", dir);
	int port = free_port();
	struct proc *server = python_tls_start(dir, port, go), *tracer;
	json_t *snap, *g;

	tracer = trace_attach(server->pid, (char *[]){ "--no-overhead", NULL });
	cr_assert(!strstr(read_text(strf("/proc/%d/maps", server->pid)), "libssl"),
		  "python loaded libssl before latscope attached");
	write_text(go, "");
	wait_port(server, port, "python3");
	curl_keepalive(port, OK_PER_CONN, MISSING_PER_CONN);
	snap = stop_traced(tracer, server);

	g = jfind_int(jpath(snap, "requests.servers"), "port", port);
	assert_tls_group(g, 1);
	assert_endpoint(g, "GET /p", OK_PER_CONN, "2xx");
	assert_endpoint(g, "GET /missing", MISSING_PER_CONN, "4xx");
	json_decref(snap);
}

/* A child followed (-c runs a shell command under sh, curl is its child). */
Test(tls, followed_child_client)
{
	const char *dir = temp_dir();
	int port = free_port();
	struct proc *nginx = nginx_tls_start(dir, port), *rec;
	json_t *snap, *g;

	rec = record_command(strf("curl -sk -o /dev/null https://127.0.0.1:%d/p -o /dev/null "
				  "https://127.0.0.1:%d/missing; true",
				  port, port),
			     (char *[]){ "--json", "--no-overhead", NULL });
	snap = snapshot_of(rec);
	stop_server(nginx);

	g = jfind_int(jpath(snap, "upstreams.peers"), "port", port);
	cr_assert(g, "no upstream group for port %d", port);
	cr_assert_str_eq(jstr(g, "tls"), "openssl");
	assert_endpoint(g, "GET /p", 1, "2xx");
	assert_endpoint(g, "GET /missing", 1, "4xx");
	json_decref(snap);
}
