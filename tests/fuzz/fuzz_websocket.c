// libFuzzer harness: WebSocket frames and JSON-RPC (user/protocols/websocket.c),
// on a connection already upgraded.
#include "protocol_fuzz.h"
#include "protocols/websocket.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_options o = { .ws_key = "type" };
	struct proto_conn c = { .proto = PROTO_HTTP, .websocket = true, .ws_path = "/rpc" };
	struct proto_msg msgs[PROTO_MAX_MSGS];
	/* The first byte: where the client's bytes end and the server's begin. */
	size_t half = size ? data[0] % size : 0;
	char *buf = malloc(size + 1);
	struct proto_exchange ex;

	if (size) {
		data++;
		size--;
	}
	memcpy(buf, data, size);
	ex = (struct proto_exchange){ buf, half, false, buf + half, size - half, false, true };
	websocket_parse(&c, &o, &ex, msgs, PROTO_MAX_MSGS);
	free(buf);
	return 0;
}
