// WebSocket frames and JSON-RPC 2.0 method names from untrusted captured bytes.
#include <stdio.h>
#include <string.h>
#include "protocols/websocket.h"

/* Payload bytes of a message looked at for its JSON members. */
#define WS_PEEK	     512
#define WS_ID_LEN    32
#define WS_VALUE_LEN 64

enum ws_opcode {
	WS_CONT = 0,
	WS_TEXT = 1,
	WS_BINARY = 2,
	WS_CLOSE = 8,
	WS_PING = 9,
	WS_PONG = 10,
};

/* What one message (its first frame's visible payload) says. */
struct ws_message {
	int opcode;
	bool compressed; /* RSV1: permessage-deflate, payload unreadable */
	bool json, batch;
	bool has_id, has_error;
	char method[WS_VALUE_LEN], key[WS_VALUE_LEN], id[WS_ID_LEN];
	bool matched; /* an answer was paired with it */
};

struct ws_frame {
	bool fin, rsv1, masked;
	int opcode;
	unsigned char key[4];
	size_t header;	      /* bytes before the payload */
	unsigned long long n; /* payload length */
};

/* The frame header at @b; false when invalid or not captured whole. */
static bool frame_at(const unsigned char *b, size_t len, struct ws_frame *f)
{
	size_t h = 2;

	if (len < 2 || (b[0] & 0x30)) /* RSV2, RSV3: no extension we know */
		return false;
	f->fin = b[0] & 0x80;
	f->rsv1 = b[0] & 0x40;
	f->opcode = b[0] & 0x0f;
	f->masked = b[1] & 0x80;
	f->n = b[1] & 0x7f;
	if (f->opcode > WS_BINARY && (f->opcode < WS_CLOSE || f->opcode > WS_PONG))
		return false;
	if (f->opcode >= WS_CLOSE && (!f->fin || f->n > 125))
		return false;
	if (f->n == 126) {
		if (len < 4)
			return false;
		f->n = (unsigned)b[2] << 8 | b[3];
		h = 4;
	} else if (f->n == 127) {
		if (len < 10)
			return false;
		f->n = 0;
		for (int i = 2; i < 10; i++)
			f->n = f->n << 8 | b[i];
		h = 10;
	}
	if (f->masked) {
		if (len < h + 4)
			return false;
		memcpy(f->key, b + h, 4);
		h += 4;
	}
	f->header = h;
	return true;
}

static size_t skip_space(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	return i;
}

/* After the string starting at s[i] == '"'; n when it is cut. */
static size_t skip_string(const char *s, size_t n, size_t i)
{
	for (i++; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return n;
}

/* After the JSON value at s[i]; n when it is cut. */
static size_t skip_value(const char *s, size_t n, size_t i)
{
	int depth = 0;

	if (i < n && s[i] == '"')
		return skip_string(s, n, i);
	for (; i < n; i++) {
		char c = s[i];

		if (c == '"') {
			i = skip_string(s, n, i) - 1;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (!depth)
				return i;
			if (!--depth)
				return i + 1;
		} else if (!depth &&
			   (c == ',' || c == ' ' || c == '\r' || c == '\n' || c == '\t')) {
			return i;
		}
	}
	return n;
}

/* A string value's characters as a name, when it is a plain token. */
static void token_value(const char *s, size_t n, size_t i, size_t end, char *out, size_t size)
{
	size_t len;

	if (i >= n || s[i] != '"' || end > n || end < i + 2 || s[end - 1] != '"')
		return;
	len = end - i - 2;
	if (!len || proto_token_len(s + i + 1, len, size - 1) != len) {
		proto_name_set(out, size, "(invalid)", 9);
		return;
	}
	proto_name_set(out, size, s + i + 1, len);
}

/* The top-level members of a JSON object that name and judge a message. */
static void scan_json(const char *s, size_t n, const char *ws_key, struct ws_message *m)
{
	size_t i = skip_space(s, n, 0);

	if (i < n && s[i] == '[') {
		m->json = m->batch = true;
		return;
	}
	if (i >= n || s[i] != '{')
		return;
	m->json = true;
	for (i = skip_space(s, n, i + 1); i < n && s[i] == '"';) {
		size_t key = i + 1, key_end = skip_string(s, n, i), v, end;
		size_t klen = key_end - key - 1;

		if (key_end >= n)
			return;
		i = skip_space(s, n, key_end);
		if (i >= n || s[i] != ':')
			return;
		v = skip_space(s, n, i + 1);
		end = skip_value(s, n, v);
		if (v >= n)
			return;
		if (klen == 6 && !memcmp(s + key, "method", 6)) {
			token_value(s, n, v, end, m->method, sizeof(m->method));
		} else if (klen == 2 && !memcmp(s + key, "id", 2)) {
			m->has_id = strncmp(s + v, "null", n - v < 4 ? n - v : 4) != 0;
			proto_name_set(m->id, sizeof(m->id), s + v, end - v);
		} else if (klen == 5 && !memcmp(s + key, "error", 5)) {
			m->has_error = strncmp(s + v, "null", n - v < 4 ? n - v : 4) != 0;
		} else if (ws_key && klen == strlen(ws_key) && !memcmp(s + key, ws_key, klen)) {
			token_value(s, n, v, end, m->key, sizeof(m->key));
			if (proto_looks_like_id(m->key, strlen(m->key)))
				strcpy(m->key, "{id}");
		}
		i = skip_space(s, n, end);
		if (i >= n || s[i] != ',')
			return;
		i = skip_space(s, n, i + 1);
	}
}

/*
 * The messages in one direction's bytes, each from its first frame (its
 * start is what counts; continuation frames only extend it). Returns how
 * many; stops at the first frame not captured whole enough to go on.
 */
static int split_messages(const char *buf, size_t len, const char *ws_key, struct ws_message *out,
			  int max)
{
	const unsigned char *b = (const unsigned char *)buf;
	size_t pos = 0;
	int n = 0;

	while (n < max && pos < len) {
		struct ws_frame f;
		char peek[WS_PEEK];
		size_t visible;

		if (!frame_at(b + pos, len - pos, &f))
			break;
		visible = len - pos - f.header;
		if (visible > f.n)
			visible = f.n;
		if (f.opcode != WS_CONT) {
			struct ws_message *m = &out[n++];

			memset(m, 0, sizeof(*m));
			m->opcode = f.opcode;
			m->compressed = f.rsv1;
			if (f.opcode == WS_TEXT && !f.rsv1) {
				size_t k = visible < sizeof(peek) ? visible : sizeof(peek);

				for (size_t i = 0; i < k; i++)
					peek[i] = b[pos + f.header + i] ^
						  (f.masked ? f.key[i & 3] : 0);
				scan_json(peek, k, ws_key, m);
			}
		}
		if (f.n > len - pos - f.header)
			break;
		pos += f.header + f.n;
	}
	return n;
}

static void name_message(const struct proto_conn *c, const struct ws_message *m,
			 struct proto_msg *out)
{
	const char *what = "";
	char name[PROTO_NAME_LEN];

	out->kind = MSG_REQUEST;
	if (m->opcode == WS_PING) {
		what = " (ping)";
	} else if (m->opcode == WS_PONG) {
		what = " (pong)";
		out->kind = MSG_ONEWAY;
	} else if (m->opcode == WS_CLOSE) {
		what = " (close)";
		out->kind = MSG_CLOSE;
	} else if (m->compressed) {
		what = " (compressed)";
	} else if (m->batch) {
		what = " (batch)";
	} else if (m->method[0] && !m->has_id) {
		out->kind = MSG_ONEWAY; /* a JSON-RPC notification */
	}
	snprintf(name, sizeof(name), "ws %s%s%s%s", c->ws_path[0] ? c->ws_path : "/",
		 m->method[0] || m->key[0] ? " " : "", m->method[0] ? m->method : m->key, what);
	proto_name_set(out->name, sizeof(out->name), name, strlen(name));
	out->status = 0;
	out->error = false;
}

/* An answer's request: the one with its id, else the first unanswered. */
static int answered_by(struct ws_message *asks, int n_asks, const struct ws_message *a)
{
	for (int i = 0; a->has_id && i < n_asks; i++)
		if (!asks[i].matched && asks[i].has_id && !strcmp(asks[i].id, a->id))
			return i;
	for (int i = 0; i < n_asks; i++)
		if (!asks[i].matched &&
		    (asks[i].opcode == WS_TEXT || asks[i].opcode == WS_BINARY) &&
		    !(asks[i].method[0] && !asks[i].has_id) && !(a->has_id && asks[i].has_id))
			return i;
	return -1;
}

int websocket_parse(struct proto_conn *c, const struct proto_options *o,
		    const struct proto_exchange *ex, struct proto_msg *msgs, int max)
{
	struct ws_message asks[PROTO_MAX_MSGS], answers[PROTO_MAX_MSGS];
	const char *ws_key = o ? o->ws_key : NULL;
	int n, n_answers;

	if (max > PROTO_MAX_MSGS)
		max = PROTO_MAX_MSGS;
	n = split_messages(ex->ask, ex->ask_len, ws_key, asks, max);
	n_answers = split_messages(ex->answer, ex->answer_len, ws_key, answers, PROTO_MAX_MSGS);
	for (int i = 0; i < n; i++)
		name_message(c, &asks[i], &msgs[i]);
	for (int a = 0; a < n_answers; a++) {
		int i;

		if (answers[a].opcode != WS_TEXT && answers[a].opcode != WS_BINARY)
			continue;
		i = answered_by(asks, n, &answers[a]);
		if (i < 0)
			continue;
		asks[i].matched = true;
		msgs[i].error = answers[a].has_error;
	}
	return n;
}
