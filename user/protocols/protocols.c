// The protocol table: choosing a connection's parser and calling it.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "protocols/protocols.h"

/* In detection order: the most distinctive first bytes first. */
static const struct protocol *const table[PROTO_COUNT] = {
	[PROTO_POSTGRES] = &proto_postgres,
	[PROTO_REDIS] = &proto_redis,
	[PROTO_HTTP] = &proto_http,
};
static const enum proto_id detect_order[] = { PROTO_POSTGRES, PROTO_REDIS, PROTO_HTTP };

const struct protocol *proto_of(enum proto_id id)
{
	return id > PROTO_UNKNOWN && id < PROTO_COUNT ? table[id] : NULL;
}

enum proto_id proto_by_name(const char *name)
{
	for (int id = PROTO_UNKNOWN + 1; id < PROTO_COUNT; id++)
		if (!strcmp(table[id]->name, name))
			return id;
	return PROTO_UNKNOWN;
}

const char *proto_name(enum proto_id id)
{
	const struct protocol *p = proto_of(id);

	return p ? p->name : "tcp";
}

enum proto_id proto_choose(const struct proto_options *o, __u16 port, const char *buf, size_t len)
{
	for (int i = 0; o && i < o->n_overrides; i++)
		if (o->overrides[i].port == port)
			return o->overrides[i].proto;
	for (size_t i = 0; i < sizeof(detect_order) / sizeof(detect_order[0]); i++)
		if (len && table[detect_order[i]]->detect(buf, len))
			return detect_order[i];
	for (int id = PROTO_UNKNOWN + 1; id < PROTO_COUNT; id++)
		if (port && table[id]->port_hint == port)
			return id;
	return PROTO_UNKNOWN;
}

int proto_parse(struct proto_conn *c, const struct proto_options *o,
		const struct proto_exchange *ex, struct proto_msg *msgs, int max)
{
	const struct protocol *p = proto_of(c->proto);

	return p && max > 0 ? p->parse(c, o, ex, msgs, max) : 0;
}

void proto_conn_reset(struct proto_conn *c)
{
	const struct protocol *p = proto_of(c->proto);

	if (p && p->conn_free)
		p->conn_free(c);
	free(c->state);
	memset(c, 0, sizeof(*c));
}

int proto_add_override(struct proto_options *o, const char *spec)
{
	const char *eq = strchr(spec, '=');
	char *end;
	long port;
	enum proto_id id;

	if (!eq || eq == spec)
		return -EINVAL;
	port = strtol(spec, &end, 10);
	if (end != eq || port < 1 || port > 65535)
		return -EINVAL;
	id = proto_by_name(eq + 1);
	if (id == PROTO_UNKNOWN && strcmp(eq + 1, "tcp"))
		return -EINVAL;
	if (o->n_overrides >= PROTO_MAX_OVERRIDES)
		return -E2BIG;
	o->overrides[o->n_overrides++] = (struct proto_override){ (__u16)port, id };
	return 0;
}

void proto_name_set(char *dst, size_t size, const char *src, size_t len)
{
	if (!size)
		return;
	if (len < size) {
		memcpy(dst, src, len);
		dst[len] = '\0';
		return;
	}
	if (size < 4) {
		dst[0] = '\0';
		return;
	}
	memcpy(dst, src, size - 4);
	memcpy(dst + size - 4, "...", 4);
}

static bool is_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == ':' || c == '/' || c == '-';
}

size_t proto_token_len(const char *s, size_t n, size_t max)
{
	size_t i = 0;

	while (i < n && i < max && is_token_char(s[i]))
		i++;
	return i;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool proto_looks_like_id(const char *s, size_t n)
{
	size_t digits = 0, hex = 0;

	for (size_t i = 0; i < n; i++) {
		digits += is_digit(s[i]);
		hex += is_hex(s[i]);
	}
	if (n && digits == n)
		return true;
	if (n == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-' && hex == 32)
		return true;
	return n >= 8 && hex == n && digits > 0;
}
