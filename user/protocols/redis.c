// Redis RESP2/RESP3 commands and replies from untrusted captured bytes.
#include <stdio.h>
#include <string.h>
#include "protocols/redis.h"

#define MAX_ARGS       (1L << 20)
#define REPLY_DEPTH    8
#define REPLY_VISITS   4096 /* values looked at per exchange, nested ones included */
#define NAME_TRUNCATED "(truncated)"

/* Commands whose second word is a subcommand, not a key. */
static const char *const containers[] = {
	"ACL",	  "CLIENT", "CLUSTER", "COMMAND", "CONFIG", "DEBUG",   "FUNCTION", "LATENCY",
	"MEMORY", "MODULE", "OBJECT",  "PUBSUB",  "SCRIPT", "SLOWLOG", "XGROUP",   "XINFO",
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * The integer of a RESP line at s[*pos] up to "\r\n" (a leading '-'
 * allowed); advances *pos past it. -2: cut or invalid.
 */
static long long line_int(const char *s, size_t n, size_t *pos)
{
	size_t i = *pos;
	long long v = 0;
	bool neg = false;

	if (i < n && s[i] == '-') {
		neg = true;
		i++;
	}
	if (i >= n || !is_digit(s[i]))
		return -2;
	for (; i < n && is_digit(s[i]); i++) {
		if (v > (1LL << 40))
			return -2;
		v = v * 10 + (s[i] - '0');
	}
	if (i + 1 >= n || s[i] != '\r' || s[i + 1] != '\n')
		return -2;
	*pos = i + 2;
	return neg ? -v : v;
}

/* After the "\r\n" ending the line at @pos; 0 when cut. */
static size_t line_end(const char *s, size_t n, size_t pos)
{
	const char *eol = memmem(s + pos, n - pos, "\r\n", 2);

	return eol ? (size_t)(eol - s) + 2 : 0;
}

/* A command word, upper-cased, or false when it is not one. */
static bool command_word(const char *s, size_t len, char *out, size_t size)
{
	if (!len || len >= size || len >= REDIS_COMMAND_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!is_alpha(c) && c != '_' && c != '-' && c != '.' && c != '|' &&
		    !(i && is_digit(c)))
			return false;
		out[i] = c >= 'a' && c <= 'z' ? c - 32 : c;
	}
	out[len] = '\0';
	return true;
}

static bool is_container(const char *word)
{
	for (size_t i = 0; i < sizeof(containers) / sizeof(containers[0]); i++)
		if (!strcmp(word, containers[i]))
			return true;
	return false;
}

/* One bulk string "$L\r\n<L bytes>\r\n" at *pos: its bytes; false when cut. */
static bool bulk_at(const char *s, size_t n, size_t *pos, const char **data, size_t *len, bool *cut)
{
	size_t i = *pos;
	long long l;

	if (i >= n || s[i] != '$') {
		*cut = i >= n;
		return false;
	}
	i++;
	l = line_int(s, n, &i);
	if (l < 0 || l > (1LL << 32)) {
		*cut = l == -2 && !line_end(s, n, *pos);
		return false;
	}
	*data = s + i;
	*len = (size_t)l <= n - i ? (size_t)l : n - i;
	if ((size_t)l + 2 > n - i) {
		*cut = true;
		*pos = n;
		return true;
	}
	*pos = i + l + 2;
	return true;
}

/* A multibulk command at *pos into @out; false when it is not one. */
static bool multibulk(const char *s, size_t n, size_t *pos, struct proto_msg *out)
{
	size_t i = *pos + 1;
	long long args = line_int(s, n, &i);
	const char *word;
	size_t len;
	bool cut = false;
	char name[REDIS_COMMAND_LEN], sub[REDIS_COMMAND_LEN];

	if (args < 1 || args > MAX_ARGS) {
		if (args != -2 || line_end(s, n, *pos))
			return false;
		snprintf(out->name, sizeof(out->name), "%s", NAME_TRUNCATED);
		*pos = n;
		return true;
	}
	if (!bulk_at(s, n, &i, &word, &len, &cut) || cut) {
		if (!cut)
			return false;
		snprintf(out->name, sizeof(out->name), "%s", NAME_TRUNCATED);
		*pos = n;
		return true;
	}
	if (!command_word(word, len, name, sizeof(name)))
		snprintf(name, sizeof(name), "(invalid)");
	snprintf(out->name, sizeof(out->name), "%s", name);
	for (long long a = 1; a < args && !cut; a++) {
		if (!bulk_at(s, n, &i, &word, &len, &cut) && !cut)
			return false;
		if (a == 1 && !cut && is_container(name) &&
		    command_word(word, len, sub, sizeof(sub)))
			snprintf(out->name, sizeof(out->name), "%s %s", name, sub);
	}
	/* Cut anywhere after its name: it counts, and nothing after it is known. */
	*pos = cut ? n : i;
	return true;
}

/* An inline command ("PING\r\n"): its first word names it. */
static bool inline_command(const char *s, size_t n, size_t *pos, struct proto_msg *out)
{
	size_t end = line_end(s, n, *pos), w = *pos, len;
	char name[REDIS_COMMAND_LEN];

	while (w < n && is_alpha(s[w]) && w - *pos < REDIS_COMMAND_LEN)
		w++;
	len = w - *pos;
	if (w < n && s[w] != ' ' && s[w] != '\r')
		return false;
	if (!command_word(s + *pos, len, name, sizeof(name)))
		return false;
	snprintf(out->name, sizeof(out->name), "%s", name);
	*pos = end ? end : n;
	return true;
}

/*
 * After one RESP value at *pos (nested ones too); *error for an error
 * reply, *push for an out-of-band push. False when cut or invalid.
 */
static bool skip_reply(const char *s, size_t n, size_t *pos, int depth, int *visits, bool *error,
		       bool *push)
{
	size_t i = *pos + 1;
	long long count;
	char type;

	if (*pos >= n || depth > REPLY_DEPTH || ++*visits > REPLY_VISITS)
		return false;
	type = s[*pos];
	switch (type) {
	case '-':
	case '+':
	case ':':
	case '_':
	case ',':
	case '#':
	case '(':
		if (!(i = line_end(s, n, i)))
			return false;
		*error = type == '-';
		break;
	case '$':
	case '!':
	case '=':
		count = line_int(s, n, &i);
		if (count < -1 || (count >= 0 && (size_t)count + 2 > n - i))
			return false;
		if (count >= 0)
			i += count + 2;
		*error = type == '!';
		break;
	case '*':
	case '~':
	case '>':
	case '%':
	case '|':
		count = line_int(s, n, &i);
		if (count < -1)
			return false;
		if (type == '%' || type == '|')
			count *= 2;
		for (long long k = 0; k < count; k++) {
			bool e = false, p = false;

			if (!skip_reply(s, n, &i, depth + 1, visits, &e, &p))
				return false;
		}
		*push = type == '>';
		*pos = i;
		/* An attribute comes before the reply it annotates. */
		return type == '|' ? skip_reply(s, n, pos, depth, visits, error, push) : true;
	default:
		return false;
	}
	*pos = i;
	return true;
}

static bool redis_detect(const char *buf, size_t len)
{
	size_t i = 1;

	return len >= 4 && buf[0] == '*' && line_int(buf, len, &i) > 0 && i < len && buf[i] == '$';
}

static int redis_parse(struct proto_conn *c, const struct proto_options *o,
		       const struct proto_exchange *ex, struct proto_msg *msgs, int max)
{
	size_t pos = 0;
	int n = 0, visits = 0;

	while (n < max && pos < ex->ask_len) {
		struct proto_msg *m = &msgs[n];
		bool ok = ex->ask[pos] == '*' ? multibulk(ex->ask, ex->ask_len, &pos, m)
					      : inline_command(ex->ask, ex->ask_len, &pos, m);

		if (!ok)
			break;
		m->kind = MSG_REQUEST;
		m->status = 0;
		m->error = false;
		n++;
	}
	/* Replies, in order, as far as the capture holds them whole. */
	pos = 0;
	for (int i = 0; i < n && pos < ex->answer_len;) {
		bool error = false, push = false;

		if (!skip_reply(ex->answer, ex->answer_len, &pos, 0, &visits, &error, &push))
			break;
		if (push)
			continue;
		msgs[i++].error = error;
	}
	return n;
}

const struct protocol proto_redis = {
	.name = "redis",
	.port_hint = 6379,
	.detect = redis_detect,
	.parse = redis_parse,
};
