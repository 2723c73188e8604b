// HTTP request/status line classification, on good, truncated, garbage
// and binary input.
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "protocols/http.h"

static const char *endpoint(const char *req, bool keep_query)
{
	static char out[HTTP_ENDPOINT_LEN];

	if (http_parse_request(req, strlen(req), keep_query, out, sizeof(out)))
		return NULL;
	return out;
}

Test(http_request, method_and_path)
{
	cr_assert_str_eq(endpoint("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n", false), "GET /fast");
	cr_assert_str_eq(endpoint("POST /api/v2/items HTTP/1.0\r\n", false), "POST /api/v2/items");
	cr_assert_str_eq(endpoint("OPTIONS * HTTP/1.1\r\n", false), "OPTIONS *");
}

Test(http_request, query_dropped_unless_kept)
{
	cr_assert_str_eq(endpoint("GET /search?q=secret&x=1 HTTP/1.1\r\n", false), "GET /search");
	cr_assert_str_eq(endpoint("GET /search?q=1 HTTP/1.1\r\n", true), "GET /search?q=1");
	cr_assert_str_eq(endpoint("GET /a#frag HTTP/1.1\r\n", false), "GET /a");
}

Test(http_request, ids_folded)
{
	cr_assert_str_eq(endpoint("GET /users/12345/orders/7 HTTP/1.1\r\n", false),
			 "GET /users/{id}/orders/{id}");
	cr_assert_str_eq(endpoint("GET /o/550e8400-e29b-41d4-a716-446655440000 HTTP/1.1\r\n",
				  false),
			 "GET /o/{id}");
	cr_assert_str_eq(endpoint("GET /blob/deadbeef01 HTTP/1.1\r\n", false), "GET /blob/{id}");
	cr_assert_str_eq(endpoint("GET /static/deadbeef HTTP/1.1\r\n", false),
			 "GET /static/deadbeef", "hex without a digit is a word");
	cr_assert_str_eq(endpoint("GET /v1/index.html HTTP/1.1\r\n", false), "GET /v1/index.html");
}

Test(http_request, truncated_capture)
{
	/* The capture ends inside the path: keep what we have, marked. */
	cr_assert_str_eq(endpoint("GET /very/long/pa", false), "GET /very/long/pa...");
	/* The capture ends inside " HTTP/1.1": still a request line. */
	cr_assert_str_eq(endpoint("GET /x HTT", false), "GET /x");
	cr_assert_null(endpoint("GET ", false));
	cr_assert_null(endpoint("GET", false));
	cr_assert_null(endpoint("", false));
}

Test(http_request, long_path_bounded)
{
	char req[400], out[HTTP_ENDPOINT_LEN];

	memset(req, 'a', sizeof(req));
	memcpy(req, "GET /", 5);
	cr_assert_eq(http_parse_request(req, sizeof(req), false, out, sizeof(out)), 0);
	cr_assert_lt(strlen(out), sizeof(out));
	cr_assert_str_eq(out + strlen(out) - 3, "...");
}

Test(http_request, garbage_rejected)
{
	const char *bad[] = {
		"get /lower HTTP/1.1\r\n",
		"GET\t/tab HTTP/1.1\r\n",
		"GET nopath HTTP/1.1\r\n",
		"GET /x HTTP/2.0\r\n",
		"GET /x FTP/1.1\r\n",
		"GET /x\x01y HTTP/1.1\r\n",
		"GET /x  HTTP/1.1\r\n",
		"VERYLONGMETHODNAMEXX /x HTTP/1.1\r\n",
		"\x16\x03\x01\x02\x00\x01", /* a TLS ClientHello */
		"PING\n",
		"*1\r\n$4\r\nPING\r\n",
		" GET /x HTTP/1.1",
	};
	char out[HTTP_ENDPOINT_LEN];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(http_parse_request(bad[i], strlen(bad[i]), false, out, sizeof(out)),
			     -EINVAL, "case %zu", i);
}

Test(http_request, random_bytes_never_crash)
{
	char buf[128], out[HTTP_ENDPOINT_LEN];

	srand(42);
	for (int round = 0; round < 20000; round++) {
		size_t len = rand() % sizeof(buf);

		for (size_t i = 0; i < len; i++)
			buf[i] = (char)rand();
		/* A plausible start makes the parser walk further. */
		if (round % 2 && len > 5)
			memcpy(buf, "GET /", 5);
		if (!http_parse_request(buf, len, round % 3 == 0, out, sizeof(out))) {
			cr_assert_lt(strlen(out), sizeof(out));
			for (const char *p = out; *p; p++)
				cr_assert(*p > 0x20 || *p == ' ', "printable output only");
		}
		http_parse_status(buf, len);
	}
}

Test(http_status, codes)
{
	const char *ok = "HTTP/1.1 200 OK\r\n";

	cr_assert_eq(http_parse_status(ok, strlen(ok)), 200);
	cr_assert_eq(http_parse_status("HTTP/1.0 503 Service Unavailable", 32), 503);
	cr_assert_eq(http_parse_status("HTTP/1.1 204\r\n", 14), 204);
	cr_assert_eq(http_parse_status("HTTP/1.1 404", 12), 404, "cut after the code");
}

Test(http_status, garbage)
{
	const char *bad[] = {
		"HTTP/1.1 2000 OK", "HTTP/1.1 20 OK", "HTTP/2 200 OK",
		"HTTP/1.1 099 x",   "HTTP/1.1 600 x", "http/1.1 200 OK",
		"HTTP/1.1 2x0 OK",  "HTTP/1.1",	      "",
		"PONG\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(http_parse_status(bad[i], strlen(bad[i])), 0, "case %zu", i);
}
