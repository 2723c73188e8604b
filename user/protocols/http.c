// HTTP/1.x request and status lines from untrusted captured bytes.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "protocols/http.h"
#include "protocols/websocket.h"

#define METHOD_MAX 16
#define ELLIPSIS   "..."

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Visible ASCII: what RFC 9112 allows in a request-target. */
static bool is_target_char(char c)
{
	return c > 0x20 && c < 0x7f;
}

/* @s (of @n bytes) matches @prefix as far as both go. */
static bool matches_prefix(const char *s, size_t n, const char *prefix)
{
	size_t plen = strlen(prefix);

	return !memcmp(s, prefix, n < plen ? n : plen);
}

int http_parse_status(const char *buf, size_t len)
{
	int code = 0;

	if (len < 12 || memcmp(buf, "HTTP/1.", 7) || !is_digit(buf[7]) || buf[8] != ' ')
		return 0;
	for (int i = 9; i < 12; i++) {
		if (!is_digit(buf[i]))
			return 0;
		code = code * 10 + (buf[i] - '0');
	}
	if (len > 12 && buf[12] != ' ' && buf[12] != '\r')
		return 0;
	return code >= 100 && code <= 599 ? code : 0;
}

static bool ends_with_ellipsis(const char *s)
{
	size_t n = strlen(s);

	return n >= 3 && !strcmp(s + n - 3, ELLIPSIS);
}

/*
 * Makes @path fit @size bytes, ending in "..." if it was cut anywhere
 * (or just cut, when @size cannot hold the ellipsis).
 */
static void mark_cut(char *path, size_t size, bool cut)
{
	size_t n = strlen(path);

	if (!size)
		return;
	if (n < size && (!cut || ends_with_ellipsis(path)))
		return;
	if (size < sizeof(ELLIPSIS)) {
		path[n < size ? n : size - 1] = '\0';
		return;
	}
	if (n + sizeof(ELLIPSIS) > size)
		n = size - sizeof(ELLIPSIS);
	memcpy(path + n, ELLIPSIS, sizeof(ELLIPSIS));
}

void http_fold_path(char *path, size_t size)
{
	char out[HTTP_ENDPOINT_LEN * 2];
	/* Bytes of the result, NUL included: what fits both @path and out. */
	size_t cap = size < sizeof(out) ? size : sizeof(out);
	size_t o = 0, i = 0, n;

	if (!size)
		return;
	n = strnlen(path, size);
	while (i < n && o + 5 < cap) {
		size_t end = i;

		if (path[i] == '/') {
			out[o++] = '/';
			i++;
			continue;
		}
		while (end < n && path[end] != '/')
			end++;
		if (proto_looks_like_id(path + i, end - i)) {
			memcpy(out + o, "{id}", 4);
			o += 4;
		} else {
			size_t take = end - i;

			if (take > cap - 1 - o)
				take = cap - 1 - o;
			memcpy(out + o, path + i, take);
			o += take;
			if (i + take < end) {
				i += take;
				break;
			}
		}
		i = end;
	}
	out[o] = '\0';
	mark_cut(out, cap, i < n);
	memcpy(path, out, strlen(out) + 1);
}

/* Length of the method token, or 0 when there is none followed by ' '. */
static size_t method_len(const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len && i < METHOD_MAX && is_upper(buf[i]))
		i++;
	return i && i < len && buf[i] == ' ' ? i : 0;
}

int http_parse_request(const char *buf, size_t len, bool keep_query, char *out, size_t out_len)
{
	size_t m = method_len(buf, len), t, end, path_end;
	char path[HTTP_ENDPOINT_LEN];
	bool cut;

	if (!m || out_len < METHOD_MAX + 8 || m + 1 >= len ||
	    (buf[m + 1] != '/' && buf[m + 1] != '*'))
		return -EINVAL;
	t = m + 1;
	end = t;
	while (end < len && is_target_char(buf[end]))
		end++;
	cut = end == len;
	/* What follows the target must be " HTTP/1.x", as far as captured. */
	if (!cut && (buf[end] != ' ' || !matches_prefix(buf + end + 1, len - end - 1, "HTTP/1.")))
		return -EINVAL;
	path_end = end;
	if (!keep_query) {
		for (size_t i = t; i < end; i++) {
			if (buf[i] == '?' || buf[i] == '#') {
				path_end = i;
				cut = false;
				break;
			}
		}
	}
	if (path_end - t >= sizeof(path)) {
		path_end = t + sizeof(path) - 1;
		cut = true;
	}
	memcpy(path, buf + t, path_end - t);
	path[path_end - t] = '\0';
	http_fold_path(path, sizeof(path));
	mark_cut(path, out_len - m - 1, cut);
	snprintf(out, out_len, "%.*s %s", (int)m, buf, path);
	return 0;
}

/* Where the head at @buf ends (after its blank line); 0 when not captured. */
static size_t head_len(const char *buf, size_t len)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4);

	return end ? (size_t)(end - buf) + 4 : 0;
}

/* The value of header @name (case-insensitive) in @head, or NULL. */
static const char *header_value(const char *head, size_t len, const char *name, size_t *vlen)
{
	size_t nlen = strlen(name);

	for (const char *p = head, *end = head + len; p < end;) {
		const char *eol = memmem(p, end - p, "\r\n", 2);
		size_t line = eol ? (size_t)(eol - p) : (size_t)(end - p);

		if (line > nlen && p[nlen] == ':' && !strncasecmp(p, name, nlen)) {
			const char *v = p + nlen + 1;

			while (v < p + line && (*v == ' ' || *v == '\t'))
				v++;
			*vlen = p + line - v;
			return v;
		}
		p += line + 2;
	}
	return NULL;
}

/* The end of a chunked body at @buf, when all of it was captured; else 0. */
static size_t chunked_len(const char *buf, size_t len)
{
	size_t pos = 0;

	for (int chunks = 0; chunks < 256; chunks++) {
		unsigned long size = 0;
		const char *eol = memmem(buf + pos, len - pos, "\r\n", 2);
		size_t digits = 0;

		if (!eol)
			return 0;
		while (pos + digits < (size_t)(eol - buf) && is_hex(buf[pos + digits]) &&
		       digits < 8) {
			char c = buf[pos + digits++];

			size = size * 16 + (is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
		}
		if (!digits)
			return 0;
		pos = eol - buf + 2;
		if (!size) /* the last chunk; no trailers expected */
			return pos + 2 <= len && !memcmp(buf + pos, "\r\n", 2) ? pos + 2 : 0;
		if (size + 2 > len - pos)
			return 0;
		pos += size + 2;
	}
	return 0;
}

/*
 * The length of the HTTP message at @buf (head and body), when its end is
 * in the capture: Content-Length or chunked; a request without either has
 * no body, a response without either runs to the close. 0: not known.
 */
static size_t message_len(const char *buf, size_t len, bool request, bool bodyless)
{
	size_t head = head_len(buf, len), vlen;
	const char *v;

	if (!head)
		return 0;
	if (bodyless)
		return head;
	v = header_value(buf, head, "Transfer-Encoding", &vlen);
	if (v && vlen >= 7 && !strncasecmp(v + vlen - 7, "chunked", 7)) {
		size_t body = chunked_len(buf + head, len - head);

		return body ? head + body : 0;
	}
	v = header_value(buf, head, "Content-Length", &vlen);
	if (v) {
		unsigned long long body = 0;

		for (size_t i = 0; i < vlen && is_digit(v[i]) && i < 15; i++)
			body = body * 10 + (v[i] - '0');
		return body <= len - head ? head + body : 0;
	}
	return request ? head : 0;
}

static bool http_detect(const char *buf, size_t len)
{
	char name[HTTP_ENDPOINT_LEN];

	return !http_parse_request(buf, len, false, name, sizeof(name));
}

/* Responses, in order, to the requests in @msgs (HEAD ones in @head). */
static void match_responses(struct proto_conn *c, const struct proto_exchange *ex,
			    struct proto_msg *msgs, const bool *head, int n)
{
	size_t pos = 0;

	for (int i = 0; i < n && pos < ex->answer_len;) {
		const char *r = ex->answer + pos;
		size_t left = ex->answer_len - pos, end;
		int status = http_parse_status(r, left);

		if (!status)
			return;
		/* Interim responses (100 Continue) precede the final one. */
		if (status < 200 && status != 101) {
			end = head_len(r, left);
			if (!end)
				return;
			pos += end;
			continue;
		}
		msgs[i].status = status;
		msgs[i].error = status >= 500;
		if (status == 101) {
			const char *path = strchr(msgs[i].name, ' ');

			c->websocket = true;
			proto_name_set(c->ws_path, sizeof(c->ws_path), path ? path + 1 : "/",
				       path ? strlen(path + 1) : 1);
			return; /* what follows is WebSocket */
		}
		end = message_len(r, left, false, head[i] || status == 204 || status == 304);
		if (!end)
			return;
		pos += end;
		i++;
	}
}

static int http_parse(struct proto_conn *c, const struct proto_options *o,
		      const struct proto_exchange *ex, struct proto_msg *msgs, int max)
{
	bool head[PROTO_MAX_MSGS] = {};
	size_t pos = 0;
	int n = 0;

	if (c->websocket)
		return websocket_parse(c, o, ex, msgs, max);
	if (max > PROTO_MAX_MSGS)
		max = PROTO_MAX_MSGS;
	/* Pipelined requests: as many heads as the capture shows whole starts of. */
	while (n < max && pos < ex->ask_len) {
		const char *q = ex->ask + pos;
		size_t left = ex->ask_len - pos, end;
		struct proto_msg *m = &msgs[n];

		if (http_parse_request(q, left, o && o->keep_query, m->name,
				       sizeof(m->name) < HTTP_ENDPOINT_LEN ? sizeof(m->name)
									   : HTTP_ENDPOINT_LEN))
			break;
		m->kind = MSG_REQUEST;
		m->status = 0;
		m->error = false;
		head[n] = !strncmp(m->name, "HEAD ", 5);
		n++;
		end = message_len(q, left, true, false);
		if (!end)
			break;
		pos += end;
	}
	if (n)
		match_responses(c, ex, msgs, head, n);
	return n;
}

const struct protocol proto_http = {
	.name = "http",
	.port_hint = 80,
	.detect = http_detect,
	.parse = http_parse,
};
