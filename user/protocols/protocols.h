/*
 * What travels on a connection, named: one small interface that every
 * protocol parser (http.c, websocket.c, redis.c, postgres.c) implements,
 * and the dispatch that picks one per connection.
 *
 * A parser takes the first bytes of both sides of one exchange (a request
 * and its answer, or a pipelined batch of requests and their answers) and
 * splits them into messages, each with a row name (a command, a method, a
 * statement's fingerprint) and an outcome. The bytes are untrusted and may
 * come from anywhere (socket captures today, TLS plaintext later): parsers
 * never read past the lengths they are given, never keep a key, a value, a
 * literal, a body or a parameter, and reject rather than guess.
 */
#ifndef LATSCOPE_PROTOCOLS_H
#define LATSCOPE_PROTOCOLS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

/* A row name: "GET /users/{id}", "ws /rpc ping", "HGETALL", a fingerprint. */
#define PROTO_NAME_LEN 160
/* Messages one exchange is split into at most; the rest are not named. */
#define PROTO_MAX_MSGS 64
/* --proto PORT=NAME entries. */
#define PROTO_MAX_OVERRIDES 16

enum proto_id {
	PROTO_UNKNOWN,
	PROTO_HTTP, /* HTTP/1.x, and WebSocket after an upgrade */
	PROTO_REDIS,
	PROTO_POSTGRES,
	PROTO_COUNT,
};

enum msg_kind {
	MSG_REQUEST, /* answered: counted, with the exchange's latency */
	MSG_ONEWAY,  /* expects no answer (a JSON-RPC notification): counted apart */
	MSG_CLOSE,   /* ends the connection (Terminate, a close frame): not a request */
};

struct proto_msg {
	char name[PROTO_NAME_LEN];
	enum msg_kind kind;
	int status; /* an HTTP status code (100..599); 0: none */
	bool error; /* an error answer: 5xx, -ERR, ErrorResponse, "error" */
};

/* The captured bytes of one exchange. */
struct proto_exchange {
	const char *ask; /* server: the request read; client: the call written */
	size_t ask_len;
	bool ask_cut; /* more bytes moved than were captured */
	const char *answer;
	size_t answer_len;
	bool answer_cut;
	bool answered; /* any answer at all (else the connection closed first) */
};

struct proto_override {
	__u16 port;
	enum proto_id proto;
};

struct proto_options {
	bool keep_query;    /* --keep-query */
	const char *ws_key; /* --ws-key: the JSON key naming other messages */
	struct proto_override overrides[PROTO_MAX_OVERRIDES];
	int n_overrides;
};

/* A connection's protocol, and what its parser keeps between exchanges. */
struct proto_conn {
	enum proto_id proto;
	bool websocket;	  /* HTTP, upgraded (101 Switching Protocols) */
	char ws_path[64]; /* the upgrade's path, folded */
	void *state;	  /* the parser's own (PostgreSQL statement names) */
};

struct protocol {
	const char *name; /* as --proto and the reports spell it */
	__u16 port_hint;  /* the well-known port, used when bytes do not tell */
	/* Whether @buf, the start of a connection's request bytes, is this. */
	bool (*detect)(const char *buf, size_t len);
	/*
	 * Splits @ex into at most @max messages; returns how many (0: the
	 * bytes are not this protocol's, or hold no whole message start).
	 */
	int (*parse)(struct proto_conn *c, const struct proto_options *o,
		     const struct proto_exchange *ex, struct proto_msg *msgs, int max);
	/* May be NULL: frees c->state. */
	void (*conn_free)(struct proto_conn *c);
};

extern const struct protocol proto_http, proto_redis, proto_postgres;

/* The parser of @id; NULL for PROTO_UNKNOWN. */
const struct protocol *proto_of(enum proto_id id);
/* "http", "redis", "postgres" -> its id; PROTO_UNKNOWN when none. */
enum proto_id proto_by_name(const char *name);
/* "tcp" for PROTO_UNKNOWN. */
const char *proto_name(enum proto_id id);
/*
 * A connection's protocol: --proto for @port, else what the bytes show,
 * else the port's well-known protocol, else PROTO_UNKNOWN.
 */
enum proto_id proto_choose(const struct proto_options *o, __u16 port, const char *buf, size_t len);
/* Parses @ex with @c's protocol (see struct protocol); 0 when unknown. */
int proto_parse(struct proto_conn *c, const struct proto_options *o,
		const struct proto_exchange *ex, struct proto_msg *msgs, int max);
/* Forgets @c's protocol and state (the connection ended). */
void proto_conn_reset(struct proto_conn *c);
/* Adds "PORT=NAME" (--proto) to @o; -EINVAL for a bad spec, -E2BIG when full. */
int proto_add_override(struct proto_options *o, const char *spec);

/* Helpers the parsers share. */
/* Copies @src to @dst (@size bytes), ending in "..." when it does not fit. */
void proto_name_set(char *dst, size_t size, const char *src, size_t len);
/*
 * Whether a name part looks like an id, to be folded to "{id}": all
 * digits, a UUID (8-4-4-4-12 hex), or 8+ hex digits with a decimal one.
 */
bool proto_looks_like_id(const char *s, size_t n);
/* The bytes of @s up to @n that are all in [A-Za-z0-9_.:/-], at most @max. */
size_t proto_token_len(const char *s, size_t n, size_t max);

#endif
