/*
 * The one body of every protocol parser's libFuzzer harness: the input is
 * cut into exchanges (two length bytes, request / 4 and answer / 2, then
 * the bytes of each side),
 * parsed in turn on one connection (so that state across exchanges, like
 * PostgreSQL statement names or a WebSocket upgrade, is exercised), then
 * the connection is reset. Every message must come back NUL-terminated.
 */
#ifndef LATSCOPE_PROTOCOL_FUZZ_H
#define LATSCOPE_PROTOCOL_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "protocols/protocols.h"

static void protocol_fuzz(enum proto_id proto, const uint8_t *data, size_t size)
{
	struct proto_options o = { .ws_key = "type" };
	struct proto_conn c = { .proto = proto };
	struct proto_msg msgs[PROTO_MAX_MSGS];

	o.keep_query = size & 1;
	while (size >= 2) {
		size_t ask = (size_t)data[0] * 4, answer = (size_t)data[1] * 2;
		struct proto_exchange ex;
		char *a, *b;
		int n;

		data += 2;
		size -= 2;
		ask = ask < size ? ask : size;
		answer = answer < size - ask ? answer : size - ask;
		/* Copies of exactly the lengths given: ASan sees any overread. */
		a = malloc(ask + 1);
		b = malloc(answer + 1);
		memcpy(a, data, ask);
		memcpy(b, data + ask, answer);
		ex = (struct proto_exchange){ a, ask, size & 2, b, answer, size & 4, answer > 0 };
		proto_choose(&o, 80, a, ask);
		n = proto_parse(&c, &o, &ex, msgs, PROTO_MAX_MSGS);
		for (int i = 0; i < n; i++)
			if (strnlen(msgs[i].name, sizeof(msgs[i].name)) >= sizeof(msgs[i].name))
				abort();
		free(a);
		free(b);
		data += ask + answer;
		size -= ask + answer;
	}
	proto_conn_reset(&c);
}

#endif
