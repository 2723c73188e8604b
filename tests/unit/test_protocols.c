// The protocol parsers on bytes captured from real peers (tests/captures),
// and on crafted edge cases: pipelining, cuts, errors, state across
// exchanges, privacy, and http_fold_path() at every buffer size.
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "protocols/http.h"
#include "protocols/postgres.h"
#include "protocols/protocols.h"

/* Chunk @k of a capture file (see tests/captures/README); *len its size. */
static char *chunk(const char *name, const char *side, int k, size_t *len)
{
	char path[256];
	unsigned char hdr[4];
	FILE *f;
	char *buf = NULL;

	snprintf(path, sizeof(path), "tests/captures/%s.%s", name, side);
	f = fopen(path, "rb");
	cr_assert(f, "cannot read %s (run from the repository's top)", path);
	for (int i = 0; i <= k; i++) {
		cr_assert_eq(fread(hdr, 1, 4, f), 4, "%s has no chunk %d", path, k);
		*len = (size_t)hdr[0] << 24 | hdr[1] << 16 | hdr[2] << 8 | hdr[3];
		free(buf);
		buf = malloc(*len + 1);
		cr_assert(buf && fread(buf, 1, *len, f) == *len);
	}
	fclose(f);
	return buf;
}

struct parsed {
	struct proto_msg msgs[PROTO_MAX_MSGS];
	int n;
};

static struct parsed parse(struct proto_conn *c, const struct proto_options *o, const char *ask,
			   size_t ask_len, const char *answer, size_t answer_len)
{
	struct proto_exchange ex = { .ask = ask,
				     .ask_len = ask_len,
				     .answer = answer,
				     .answer_len = answer_len,
				     .answered = answer_len > 0 };
	struct parsed p = {};

	p.n = proto_parse(c, o, &ex, p.msgs, PROTO_MAX_MSGS);
	return p;
}

/* Exchange @k of capture @name: its request chunk @ask, answer chunk @ans. */
static struct parsed captured(struct proto_conn *c, const char *name, int ask, int ans)
{
	size_t alen, blen = 0;
	char *a = chunk(name, "ask", ask, &alen),
	     *b = ans >= 0 ? chunk(name, "ans", ans, &blen) : "";
	struct parsed p = parse(c, NULL, a, alen, b, blen);

	free(a);
	if (ans >= 0)
		free(b);
	return p;
}

static struct parsed text(struct proto_conn *c, const struct proto_options *o, const char *ask,
			  const char *answer)
{
	return parse(c, o, ask, strlen(ask), answer, strlen(answer));
}

Test(protocols, detection_by_bytes_then_port_then_override)
{
	struct proto_options o = {};
	size_t len;
	char *startup = chunk("psql-error", "ask", 1, &len);

	cr_assert_eq(proto_choose(&o, 1234, startup, len), PROTO_POSTGRES);
	cr_assert_eq(proto_choose(&o, 1234, "*1\r\n$4\r\nPING\r\n", 14), PROTO_REDIS);
	cr_assert_eq(proto_choose(&o, 1234, "GET / HTTP/1.1\r\n", 16), PROTO_HTTP);
	cr_assert_eq(proto_choose(&o, 1234, "PING\r\n", 6), PROTO_UNKNOWN, "inline: no guess");
	/* A session seen from its middle (connected before the trace). */
	cr_assert_eq(proto_choose(&o, 1234, "Q\0\0\0\x0eSELECT 1;\0", 15), PROTO_POSTGRES);
	cr_assert_eq(proto_choose(&o, 1234, "Q\0\0\0\x0eSELECT 1;\0X\0\0\0\4", 20), PROTO_POSTGRES,
		     "then Terminate");
	cr_assert_eq(proto_choose(&o, 1234, "Q\0\0\0\x0eSELECT 1;\0Z", 16), PROTO_UNKNOWN,
		     "a chain that does not add up");
	cr_assert_eq(proto_choose(&o, 1234, "Q\0\0\1\0SEL", 8), PROTO_UNKNOWN,
		     "the first message not whole");
	cr_assert_eq(proto_choose(&o, 1234, "POST / HTTP/1.1\r\n", 17), PROTO_HTTP);
	cr_assert_eq(proto_choose(&o, 1234, "DELETE /x HTTP/1.1\r\n", 20), PROTO_HTTP);
	cr_assert_eq(proto_choose(&o, 6379, "PING\r\n", 6), PROTO_REDIS, "the port's hint");
	cr_assert_eq(proto_add_override(&o, "7000=redis"), 0);
	cr_assert_eq(proto_choose(&o, 7000, "PING\r\n", 6), PROTO_REDIS);
	cr_assert_eq(proto_add_override(&o, "6379=tcp"), 0);
	cr_assert_eq(proto_choose(&o, 6379, "*1\r\n$4\r\nPING\r\n", 14), PROTO_UNKNOWN,
		     "--proto wins over the bytes");
	cr_assert_eq(proto_add_override(&o, "70000=redis"), -EINVAL);
	cr_assert_eq(proto_add_override(&o, "80=gopher"), -EINVAL);
	cr_assert_eq(proto_add_override(&o, "=http"), -EINVAL);
	cr_assert_str_eq(proto_name(PROTO_UNKNOWN), "tcp");
	free(startup);
}

Test(protocols, redis_pipelined_batch_from_redis_benchmark)
{
	struct proto_conn c = { .proto = PROTO_REDIS };
	struct parsed p = captured(&c, "redis-set-pipelined", 0, 0);

	cr_assert_eq(p.n, 16, "-P 16: sixteen commands in one write");
	for (int i = 0; i < p.n; i++) {
		cr_assert_str_eq(p.msgs[i].name, "SET", "never the key");
		cr_assert_not(p.msgs[i].error);
		cr_assert_eq(p.msgs[i].kind, MSG_REQUEST);
	}
}

Test(protocols, redis_error_reply_and_subcommands)
{
	struct proto_conn c = { .proto = PROTO_REDIS };
	struct parsed p = captured(&c, "redis-error", 0, 0);

	cr_assert_eq(p.n, 1);
	cr_assert_str_eq(p.msgs[0].name, "NOSUCH");
	cr_assert(p.msgs[0].error, "-ERR is an error");
	p = captured(&c, "redis-config", 0, 0);
	cr_assert_eq(p.n, 2);
	cr_assert_str_eq(p.msgs[0].name, "CONFIG GET",
			 "a container's subcommand, not its argument");
	cr_assert_str_eq(p.msgs[1].name, "CONFIG GET");
}

Test(protocols, redis_cut_batch_counts_what_it_shows)
{
	struct proto_conn c = { .proto = PROTO_REDIS };
	size_t len;
	char *batch = chunk("redis-set-pipelined", "ask", 0, &len);
	struct parsed p = parse(&c, NULL, batch, 110, "", 0);

	/* 45 bytes a command: two whole, the third cut inside its key. */
	cr_assert_eq(p.n, 3);
	cr_assert_str_eq(p.msgs[2].name, "SET");
	p = parse(&c, NULL, batch, 100, "", 0); /* cut inside the name itself */
	cr_assert_eq(p.n, 3);
	cr_assert_str_eq(p.msgs[2].name, "(truncated)");
	free(batch);
}

Test(protocols, redis_resp3_pushes_attributes_and_inline)
{
	struct proto_conn c = { .proto = PROTO_REDIS };
	struct parsed p =
		text(&c, NULL, "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
		     ">2\r\n+message\r\n+x\r\n+PONG\r\n|1\r\n+ttl\r\n:3\r\n!5\r\nERROR\r\n");

	cr_assert_eq(p.n, 2);
	cr_assert_not(p.msgs[0].error, "a push is not PING's reply");
	cr_assert(p.msgs[1].error, "after its attribute, a blob error");
	p = text(&c, NULL, "ping\r\nincr counter\r\n", "+PONG\r\n:1\r\n");
	cr_assert_eq(p.n, 2);
	cr_assert_str_eq(p.msgs[0].name, "PING");
	cr_assert_str_eq(p.msgs[1].name, "INCR");
	p = text(&c, NULL,
		 "*1\r\n$6\r\nS\x01"
		 "CRET\r\n",
		 "-ERR\r\n");
	cr_assert_str_eq(p.msgs[0].name, "(invalid)", "no odd bytes in a name");
	p = text(&c, NULL, "*99999999999\r\n", "");
	cr_assert_eq(p.n, 0);
}

Test(protocols, postgres_startup_extended_pipeline_and_terminate)
{
	struct proto_conn c = { .proto = PROTO_POSTGRES };
	struct parsed p = captured(&c, "pgbench-extended", 0, 0);

	cr_assert_eq(p.n, 1);
	cr_assert_str_eq(p.msgs[0].name, "(ssl request)");
	p = captured(&c, "pgbench-extended", 1, 1);
	cr_assert_str_eq(p.msgs[0].name, "(startup)");
	p = captured(&c, "pgbench-extended", 2, 2);
	cr_assert_eq(p.n, 1, "Parse/Bind/Describe/Execute/Sync: one statement");
	cr_assert_str_eq(p.msgs[0].name, "BEGIN");
	p = captured(&c, "pgbench-extended", 3, 3);
	cr_assert_str_eq(p.msgs[0].name,
			 "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2");
	cr_assert_not(p.msgs[0].error);
	p = parse(&c, NULL, "X\0\0\0\4", 5, "", 0);
	cr_assert_eq(p.n, 1);
	cr_assert_eq(p.msgs[0].kind, MSG_CLOSE, "Terminate is the close, not a request");
	proto_conn_reset(&c);
}

Test(protocols, postgres_error_response_and_named_statements)
{
	static const char parse_named[] = "P\0\0\0\x25s1\0select * from t where a = 7\0\0\0"
					  "S\0\0\0\4";
	static const char bind_twice[] = "B\0\0\0\x0e\0s1\0\0\0\0\0\0\0E\0\0\0\x09\0\0\0\0\0"
					 "B\0\0\0\x0e\0s1\0\0\0\0\0\0\0E\0\0\0\x09\0\0\0\0\0"
					 "S\0\0\0\4";
	/* The first Execute completes, the second fails: */
	static const char answers[] = "2\0\0\0\4C\0\0\0\x0dSELECT 1\0"
				      "2\0\0\0\4E\0\0\0\x0aSERR\0\0Z\0\0\0\5I";
	struct proto_conn c = { .proto = PROTO_POSTGRES };
	struct parsed p = captured(&c, "psql-error", 2, 2);

	cr_assert_eq(p.n, 1);
	cr_assert_str_eq(p.msgs[0].name, "select $1/$2");
	cr_assert(p.msgs[0].error, "ErrorResponse");
	p = parse(&c, NULL, parse_named, sizeof(parse_named) - 1, "1\0\0\0\4Z\0\0\0\5I", 11);
	cr_assert_eq(p.n, 1);
	cr_assert_str_eq(p.msgs[0].name, "(prepare)");
	p = parse(&c, NULL, bind_twice, sizeof(bind_twice) - 1, answers, sizeof(answers) - 1);
	cr_assert_eq(p.n, 2, "pipelined Executes one by one");
	cr_assert_str_eq(p.msgs[0].name, "select * from t where a = $1", "by its name");
	cr_assert_not(p.msgs[0].error);
	cr_assert(p.msgs[1].error);
	proto_conn_reset(&c);
}

static const char *fp(const char *sql)
{
	static char out[PROTO_NAME_LEN];

	pg_fingerprint(sql, strlen(sql), false, out, sizeof(out));
	return out;
}

Test(protocols, postgres_fingerprints_drop_every_literal)
{
	cr_assert_str_eq(fp("UPDATE a SET b = b + -4317 WHERE id = 28155;"),
			 "UPDATE a SET b = b + $1 WHERE id = $2");
	cr_assert_str_eq(fp("select x-1 from t"), "select x-$1 from t", "a minus, not a sign");
	cr_assert_str_eq(fp("SELECT 'it''s', E'\\'q', $$dollar$$, $t$x$t$, 1.5e3, 0x1F"),
			 "SELECT $1, $2, $3, $4, $5, $6");
	cr_assert_str_eq(fp("select  *\n\tfrom t -- the user's secret\n where a=$1 and b='pw'"),
			 "select * from t where a=$1 and b=$2", "params kept, literals after them");
	cr_assert_str_eq(fp("/* hint */ SELECT \"Weird Col\" FROM t"),
			 "SELECT \"Weird Col\" FROM t");
	cr_assert_str_eq(fp("select 'unterminated"), "select $1");
	pg_fingerprint("select 1", 8, true, (char[16]){}, 16);
	{
		char small[12];

		pg_fingerprint("select a, b, c from t", 21, false, small, sizeof(small));
		cr_assert_str_eq(small, "select a...");
	}
}

Test(protocols, websocket_upgrade_then_jsonrpc_messages)
{
	struct proto_conn c = { .proto = PROTO_HTTP };
	struct parsed p = captured(&c, "ws-jsonrpc", 0, 0);

	cr_assert_eq(p.n, 1);
	cr_assert_str_eq(p.msgs[0].name, "GET /rpc");
	cr_assert_eq(p.msgs[0].status, 101);
	cr_assert(c.websocket, "101: the connection speaks WebSocket now");
	p = captured(&c, "ws-jsonrpc", 1, 1);
	cr_assert_eq(p.n, 1);
	cr_assert_str_eq(p.msgs[0].name, "ws /rpc ping", "the method, unmasked");
	cr_assert_not(p.msgs[0].error);
	p = captured(&c, "ws-jsonrpc", 3, 3);
	cr_assert_str_eq(p.msgs[0].name, "ws /rpc slow_op");
}

/* A masked client text frame of @json (RFC 6455 section 5.3). */
static size_t client_frame(const char *json, char *out)
{
	static const unsigned char key[4] = { 1, 2, 3, 4 };
	size_t n = strlen(json);

	out[0] = (char)0x81;
	out[1] = (char)(0x80 | n);
	memcpy(out + 2, key, 4);
	for (size_t i = 0; i < n; i++)
		out[6 + i] = json[i] ^ key[i & 3];
	return 6 + n;
}

static size_t server_frame(const char *json, char *out)
{
	size_t n = strlen(json);

	out[0] = (char)0x81;
	out[1] = (char)n;
	memcpy(out + 2, json, n);
	return 2 + n;
}

Test(protocols, websocket_errors_notifications_ids_and_ws_key)
{
	struct proto_conn c = { .proto = PROTO_HTTP, .websocket = true, .ws_path = "/rpc" };
	struct proto_options o = { .ws_key = "type" };
	char ask[512], ans[512];
	size_t a = 0, b = 0;
	struct parsed p;

	a += client_frame("{\"jsonrpc\":\"2.0\",\"method\":\"log\",\"params\":[\"pw\"]}", ask + a);
	a += client_frame("{\"id\":7,\"jsonrpc\":\"2.0\",\"method\":\"take_snapshot\"}", ask + a);
	a += client_frame("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"ping\"}", ask + a);
	a += client_frame("{\"type\":\"subscribe\",\"channel\":\"c\"}", ask + a);
	a += client_frame("{\"type\":\"12345678\"}", ask + a);
	/* Answers out of order: ping's first, then take_snapshot's error. */
	b += server_frame("{\"jsonrpc\":\"2.0\",\"id\":8,\"result\":1}", ans + b);
	b += server_frame("{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":1}}", ans + b);
	p = parse(&c, &o, ask, a, ans, b);
	cr_assert_eq(p.n, 5);
	cr_assert_str_eq(p.msgs[0].name, "ws /rpc log");
	cr_assert_eq(p.msgs[0].kind, MSG_ONEWAY, "no id: a notification");
	cr_assert_str_eq(p.msgs[1].name, "ws /rpc take_snapshot");
	cr_assert(p.msgs[1].error, "paired by id");
	cr_assert_str_eq(p.msgs[2].name, "ws /rpc ping");
	cr_assert_not(p.msgs[2].error);
	cr_assert_str_eq(p.msgs[3].name, "ws /rpc subscribe", "--ws-key type");
	cr_assert_str_eq(p.msgs[4].name, "ws /rpc {id}", "id-like values folded");
	/* A close frame ends the connection; it is not a request. */
	p = parse(&c, &o, "\x88\x82\1\2\3\4\2\xea", 8, "\x88\x02\x03\xe8", 4);
	cr_assert_eq(p.n, 1);
	cr_assert_eq(p.msgs[0].kind, MSG_CLOSE);
}

Test(protocols, http_pipelined_requests_and_their_statuses)
{
	struct proto_conn c = { .proto = PROTO_HTTP };
	struct parsed p = text(&c, NULL,
			       "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
			       "POST /b/42 HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
			       "HEAD /c HTTP/1.1\r\n\r\n"
			       "GET /d HTTP/1.1\r\n\r\n",
			       "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
			       "HTTP/1.1 100 Continue\r\n\r\n"
			       "HTTP/1.1 503 Busy\r\nTransfer-Encoding: chunked\r\n\r\n"
			       "3\r\nabc\r\n0\r\n\r\n"
			       "HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n"
			       "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");

	cr_assert_eq(p.n, 4);
	cr_assert_str_eq(p.msgs[1].name, "POST /b/{id}");
	cr_assert_eq(p.msgs[0].status, 200);
	cr_assert_eq(p.msgs[1].status, 503, "after the interim 100, the final status");
	cr_assert(p.msgs[1].error);
	cr_assert_eq(p.msgs[2].status, 200, "HEAD: no body despite Content-Length");
	cr_assert_eq(p.msgs[3].status, 404);
	p = text(&c, NULL, "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n",
		 "HTTP/1.1 200 OK\r\nContent-Length: 4000\r\n\r\nxxxx");
	cr_assert_eq(p.n, 2);
	cr_assert_eq(p.msgs[1].status, 0, "its response is past the capture: no status");
}

/* Every size, 0 to 300, with guard bytes on both sides: nothing written outside. */
Test(protocols, http_fold_path_any_size_is_safe)
{
	char path[400];

	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	for (size_t i = 0; i < sizeof(path) - 1; i += 7)
		path[i] = '/';
	memcpy(path + 20, "/12345/", 7);
	for (size_t size = 0; size <= 300; size++) {
		char *buf = malloc(size + 32);

		memset(buf, '#', size + 32);
		memcpy(buf + 16, path, size ? (size - 1 < 320 ? size - 1 : 320) : 0);
		if (size)
			buf[16 + size - 1] = '\0';
		http_fold_path(buf + 16, size);
		for (int g = 0; g < 16; g++) {
			cr_assert_eq(buf[g], '#', "size %zu: written before the buffer", size);
			cr_assert_eq(buf[16 + size + g], '#', "size %zu: written after it", size);
		}
		if (size)
			cr_assert_lt(strnlen(buf + 16, size), size, "size %zu: terminated", size);
		free(buf);
	}
}
