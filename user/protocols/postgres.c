// PostgreSQL statements and their outcomes from untrusted captured bytes.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "protocols/postgres.h"

#define PG_PROTOCOL_3  0x00030000u
#define PG_SSL_REQUEST 80877103u
#define PG_GSS_REQUEST 80877104u
#define PG_CANCEL      80877102u
#define PG_MAX_MESSAGE (1u << 30)
#define PG_NAME_LEN    64
#define NAME_PREPARED  "(prepared)"
#define NAME_STARTUP   "(startup)"

struct pg_statement {
	char name[PG_NAME_LEN];
	char fingerprint[PROTO_NAME_LEN];
};

/* What a connection keeps: its named statements, and the unnamed one. */
struct pg_state {
	char unnamed[PROTO_NAME_LEN];
	struct pg_statement stmts[PG_MAX_STATEMENTS];
	int n_stmts, next; /* next: the slot a new name takes when full */
};

static __u32 be32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return (__u32)u[0] << 24 | (__u32)u[1] << 16 | (__u32)u[2] << 8 | u[3];
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c & 0x80);
}

static bool is_ident(char c)
{
	return is_ident_start(c) || is_digit(c) || c == '$';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Output of a fingerprint, bounded. */
struct fp_out {
	char *buf;
	size_t size, len;
	bool full;
};

static void put(struct fp_out *o, const char *s, size_t n)
{
	if (o->full)
		return;
	if (o->len + n + 4 > o->size) {
		o->full = true;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

/* The highest $n parameter in @sql: literals are numbered after it. */
static unsigned max_param(const char *sql, size_t len)
{
	unsigned max = 0;

	for (size_t i = 0; i + 1 < len; i++) {
		unsigned v = 0;
		size_t j = i + 1;

		if (sql[i] != '$' || !is_digit(sql[j]) || (i && is_ident(sql[i - 1])))
			continue;
		for (; j < len && is_digit(sql[j]) && v < 100000; j++)
			v = v * 10 + (sql[j] - '0');
		if (v > max)
			max = v;
	}
	return max;
}

/* After a quoted literal starting at s[i] == @q; @backslash: E'' escapes. */
static size_t skip_quoted(const char *s, size_t n, size_t i, char q, bool backslash)
{
	for (i++; i < n; i++) {
		if (backslash && s[i] == '\\') {
			i++;
		} else if (s[i] == q) {
			if (i + 1 < n && s[i + 1] == q)
				i++;
			else
				return i + 1;
		}
	}
	return n;
}

/* A dollar-quoted string's end ($tag$...$tag$), or 0 when s[i] opens none. */
static size_t skip_dollar(const char *s, size_t n, size_t i)
{
	size_t tag = i + 1, close;

	while (tag < n && (is_ident_start(s[tag]) || (tag > i + 1 && is_digit(s[tag]))))
		tag++;
	if (tag >= n || s[tag] != '$')
		return 0;
	for (close = tag + 1; close + (tag - i) + 1 <= n; close++)
		if (!memcmp(s + close, s + i, tag - i + 1))
			return close + (tag - i) + 1;
	return n;
}

static size_t skip_number(const char *s, size_t n, size_t i)
{
	if (i + 1 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		for (i += 2;
		     i < n && (is_digit(s[i]) || ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f'));)
			i++;
		return i;
	}
	while (i < n && (is_digit(s[i]) || s[i] == '.' || s[i] == '_'))
		i++;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t j = i + 1;

		if (j < n && (s[j] == '+' || s[j] == '-'))
			j++;
		if (j < n && is_digit(s[j]))
			for (i = j; i < n && is_digit(s[i]);)
				i++;
	}
	return i;
}

enum token_kind { TOK_NONE, TOK_WORD, TOK_LITERAL, TOK_OPEN, TOK_CLOSE, TOK_OPERATOR };

size_t pg_fingerprint(const char *sql, size_t len, bool cut, char *out, size_t size)
{
	struct fp_out o = { .buf = out, .size = size };
	unsigned next = max_param(sql, len) + 1;
	enum token_kind prev = TOK_NONE;
	bool space = false;
	size_t i = 0;

	if (size < 8) {
		if (size)
			out[0] = '\0';
		return 0;
	}
	while (i < len && !o.full) {
		char c = sql[i], lit[16];
		size_t end = 0;

		if (is_space(c)) {
			space = prev != TOK_NONE;
			i++;
			continue;
		}
		if (c == '-' && i + 1 < len && sql[i + 1] == '-') {
			const char *eol = memchr(sql + i, '\n', len - i);

			i = eol ? (size_t)(eol - sql) + 1 : len;
			space = prev != TOK_NONE;
			continue;
		}
		if (c == '/' && i + 1 < len && sql[i + 1] == '*') {
			const char *close = memmem(sql + i + 2, len - i - 2, "*/", 2);

			i = close ? (size_t)(close - sql) + 2 : len;
			space = prev != TOK_NONE;
			continue;
		}
		if (space)
			put(&o, " ", 1);
		space = false;
		/* Literals: strings, E'' B'' X'' N'' strings, dollar quotes, numbers. */
		if (c == '\'') {
			end = skip_quoted(sql, len, i, '\'', false);
		} else if (strchr("EeBbXxNn", c) && i + 1 < len && sql[i + 1] == '\'' &&
			   prev != TOK_WORD) {
			end = skip_quoted(sql, len, i + 1, '\'', c == 'E' || c == 'e');
		} else if (c == '$' && i + 1 < len && is_digit(sql[i + 1])) {
			for (end = i + 1; end < len && is_digit(sql[end]);)
				end++;
			put(&o, sql + i, end - i); /* a parameter stays as it is */
			prev = TOK_LITERAL;
			i = end;
			continue;
		} else if (c == '$' && (end = skip_dollar(sql, len, i))) {
		} else if (is_digit(c) || (c == '.' && i + 1 < len && is_digit(sql[i + 1]))) {
			end = skip_number(sql, len, i);
		} else if (c == '-' && i + 1 < len &&
			   (is_digit(sql[i + 1]) || (sql[i + 1] == '.' && i + 2 < len)) &&
			   (prev == TOK_NONE || prev == TOK_OPEN || prev == TOK_OPERATOR)) {
			end = skip_number(sql, len, i + 1);
		}
		if (end) {
			snprintf(lit, sizeof(lit), "$%u", next++);
			put(&o, lit, strlen(lit));
			prev = TOK_LITERAL;
			i = end;
			continue;
		}
		if (is_ident_start(c)) {
			for (end = i; end < len && is_ident(sql[end]);)
				end++;
			prev = TOK_WORD;
		} else if (c == '"') {
			end = skip_quoted(sql, len, i, '"', false);
			prev = TOK_WORD;
		} else {
			end = i + 1;
			prev = c == '(' || c == '[' || c == ',' ? TOK_OPEN
			       : c == ')' || c == ']'		? TOK_CLOSE
								: TOK_OPERATOR;
		}
		/* Only printable bytes reach a report; others become '?'. */
		for (size_t k = i; k < end; k++)
			put(&o, (unsigned char)sql[k] >= 0x20 && sql[k] != 0x7f ? sql + k : "?", 1);
		i = end;
	}
	while (o.len && (out[o.len - 1] == ';' || out[o.len - 1] == ' '))
		o.len--;
	if (o.full || cut) {
		memcpy(out + o.len, "...", 4);
		return o.len + 3;
	}
	out[o.len] = '\0';
	return o.len;
}

static struct pg_state *state_of(struct proto_conn *c)
{
	if (!c->state)
		c->state = calloc(1, sizeof(struct pg_state));
	return c->state;
}

/* The C string at body[*pos] (NUL inside @n); false when cut. */
static bool cstring(const char *body, size_t n, size_t *pos, const char **s, size_t *len)
{
	const char *nul;

	if (*pos >= n) {
		*s = body + n;
		*len = 0;
		return false;
	}
	nul = memchr(body + *pos, '\0', n - *pos);
	*s = body + *pos;
	*len = nul ? (size_t)(nul - *s) : n - *pos;
	*pos += *len + 1;
	return nul != NULL;
}

static const char *statement_named(struct pg_state *st, const char *name, size_t len)
{
	if (!len)
		return st->unnamed[0] ? st->unnamed : NULL;
	for (int i = 0; i < st->n_stmts; i++)
		if (strlen(st->stmts[i].name) == len && !memcmp(st->stmts[i].name, name, len))
			return st->stmts[i].fingerprint;
	return NULL;
}

static void remember(struct pg_state *st, const char *name, size_t len, const char *fp)
{
	struct pg_statement *slot = NULL;

	if (!len) {
		snprintf(st->unnamed, sizeof(st->unnamed), "%s", fp);
		return;
	}
	if (len >= PG_NAME_LEN)
		return;
	for (int i = 0; i < st->n_stmts && !slot; i++)
		if (strlen(st->stmts[i].name) == len && !memcmp(st->stmts[i].name, name, len))
			slot = &st->stmts[i];
	if (!slot && st->n_stmts < PG_MAX_STATEMENTS)
		slot = &st->stmts[st->n_stmts++];
	if (!slot) {
		slot = &st->stmts[st->next];
		st->next = (st->next + 1) % PG_MAX_STATEMENTS;
	}
	memcpy(slot->name, name, len);
	slot->name[len] = '\0';
	snprintf(slot->fingerprint, sizeof(slot->fingerprint), "%s", fp);
}

/* Where each message of an exchange belongs: its Sync (or Query) segment. */
struct pg_split {
	struct proto_msg *msgs;
	int n, max;
	int seg[PROTO_MAX_MSGS];
	int n_segs;
	bool ssl; /* an SSLRequest: the answer is one byte, not a message */
};

static struct proto_msg *add(struct pg_split *sp, const char *name, enum msg_kind kind)
{
	struct proto_msg *m;

	if (sp->n >= sp->max)
		return NULL;
	m = &sp->msgs[sp->n];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->kind = kind;
	sp->seg[sp->n++] = sp->n_segs;
	return m;
}

/* An untyped startup-phase packet at the start; returns its length, or 0. */
static size_t startup_packet(const char *b, size_t n, struct pg_split *sp)
{
	__u32 len, code;

	if (n < 8)
		return 0;
	len = be32(b);
	code = be32(b + 4);
	if (len < 8 || len > 10000)
		return 0;
	if (code == PG_PROTOCOL_3) {
		add(sp, NAME_STARTUP, MSG_REQUEST);
	} else if (code == PG_SSL_REQUEST || code == PG_GSS_REQUEST) {
		/* Before the startup packet; answered with one byte, 'S' or 'N'. */
		add(sp, code == PG_SSL_REQUEST ? "(ssl request)" : "(gss request)", MSG_REQUEST);
		sp->ssl = true;
	} else if (code == PG_CANCEL) {
		add(sp, "(cancel)", MSG_CLOSE);
	} else {
		return 0;
	}
	sp->n_segs++;
	return len;
}

static bool valid_frontend_type(char t)
{
	return t && strchr("QPBESXpFCDHdcf", t);
}

/* The frontend messages of @ex, split into requests. */
static void split_requests(struct proto_conn *c, const struct proto_exchange *ex,
			   struct pg_split *sp)
{
	struct pg_state *st = state_of(c);
	const char *b = ex->ask;
	size_t pos = startup_packet(b, ex->ask_len, sp);
	char current[PROTO_NAME_LEN] = "", fp[PROTO_NAME_LEN];
	bool parsed = false, executed = false;

	while (pos + 5 <= ex->ask_len && sp->n < sp->max) {
		char type = b[pos];
		__u32 len = be32(b + pos + 1);
		const char *body = b + pos + 5, *s1, *s2;
		size_t have = ex->ask_len - pos - 5, bp = 0, l1, l2;
		bool whole = len - 4 <= have, whole_text;

		if (!valid_frontend_type(type) || len < 4 || len > PG_MAX_MESSAGE)
			break;
		if (len - 4 < have)
			have = len - 4;
		switch (type) {
		case 'Q':
			whole_text = cstring(body, have, &bp, &s1, &l1);
			pg_fingerprint(s1, l1, !whole_text, fp, sizeof(fp));
			add(sp, fp, MSG_REQUEST);
			sp->n_segs++;
			break;
		case 'P':
			cstring(body, have, &bp, &s1, &l1);
			whole_text = cstring(body, have, &bp, &s2, &l2);
			pg_fingerprint(s2, l2, !whole_text, fp, sizeof(fp));
			if (st)
				remember(st, s1, l1, fp);
			snprintf(current, sizeof(current), "%s", fp);
			parsed = true;
			break;
		case 'B':
			cstring(body, have, &bp, &s1, &l1); /* the portal */
			if (cstring(body, have, &bp, &s2, &l2) && st) {
				const char *named = statement_named(st, s2, l2);

				snprintf(current, sizeof(current), "%s",
					 named ? named : NAME_PREPARED);
			}
			break;
		case 'E':
			add(sp, current[0] ? current : NAME_PREPARED, MSG_REQUEST);
			executed = true;
			break;
		case 'S':
			if (!executed && parsed)
				add(sp, "(prepare)", MSG_REQUEST);
			else if (!executed)
				add(sp, "(sync)", MSG_REQUEST);
			sp->n_segs++;
			parsed = executed = false;
			break;
		case 'X':
			add(sp, "(terminate)", MSG_CLOSE);
			break;
		case 'p':
			add(sp, "(auth)", MSG_REQUEST);
			sp->n_segs++;
			break;
		case 'F':
			add(sp, "(function call)", MSG_REQUEST);
			sp->n_segs++;
			break;
		default: /* Close, Describe, Flush, COPY data: part of a request */
			break;
		}
		if (!whole)
			break;
		pos += 1 + len;
	}
}

/* Backend messages: an ErrorResponse fails the rest of its segment. */
static void match_answers(const struct proto_exchange *ex, struct pg_split *sp)
{
	const char *b = ex->answer;
	size_t pos = 0;
	int seg = sp->n ? sp->seg[0] : 0, unit = 0;

	if (sp->ssl)
		return;
	while (pos + 5 <= ex->answer_len && unit < sp->n) {
		char type = b[pos];
		__u32 len = be32(b + pos + 1);

		if (len < 4 || len > PG_MAX_MESSAGE)
			return;
		if (type == 'E') {
			for (int u = unit; u < sp->n && sp->seg[u] == seg; u++)
				sp->msgs[u].error = true;
		} else if ((type == 'C' || type == 'I' || type == 's') && unit + 1 < sp->n &&
			   sp->seg[unit + 1] == seg) {
			unit++; /* the next Execute of the same pipeline segment */
		} else if (type == 'Z') {
			while (unit < sp->n && sp->seg[unit] == seg)
				unit++;
			if (unit < sp->n)
				seg = sp->seg[unit];
		}
		if (len - 4 > ex->answer_len - pos - 5)
			return;
		pos += 1 + len;
	}
}

/* A message longer than this is no reason to call a stream PostgreSQL. */
#define PG_DETECT_MAX_MESSAGE (1u << 20)

/*
 * Frontend messages from the middle of a session (a connection made
 * before the trace: its startup was never seen): typed messages whose
 * lengths chain to the end of what was captured, the first one whole.
 * ASCII (an HTTP method, RESP) makes lengths far above the bound.
 */
static bool pg_midstream(const char *buf, size_t len)
{
	size_t pos = 0;

	while (pos + 5 <= len) {
		__u32 n = be32(buf + pos + 1);

		if (!valid_frontend_type(buf[pos]) || n < 4 || n > PG_DETECT_MAX_MESSAGE)
			return false;
		if (pos == 0 && 1 + (size_t)n > len)
			return false;
		pos += 1 + n;
	}
	return pos >= len;
}

static bool pg_detect(const char *buf, size_t len)
{
	__u32 code;

	if (len < 8 || be32(buf) < 8 || be32(buf) > 10000)
		return len >= 5 && pg_midstream(buf, len);
	code = be32(buf + 4);
	return code == PG_PROTOCOL_3 || code == PG_SSL_REQUEST || code == PG_GSS_REQUEST ||
	       code == PG_CANCEL || pg_midstream(buf, len);
}

static int pg_parse(struct proto_conn *c, const struct proto_options *o,
		    const struct proto_exchange *ex, struct proto_msg *msgs, int max)
{
	struct pg_split sp = { .msgs = msgs, .max = max < PROTO_MAX_MSGS ? max : PROTO_MAX_MSGS };

	split_requests(c, ex, &sp);
	match_answers(ex, &sp);
	return sp.n;
}

const struct protocol proto_postgres = {
	.name = "postgres",
	.port_hint = 5432,
	.detect = pg_detect,
	.parse = pg_parse,
};
