/*
 * WebSocket (RFC 6455) messages on an upgraded HTTP connection: frames
 * (masking, fragmentation, control frames) and, in text messages, JSON:
 * a JSON-RPC 2.0 "method" names the row ("ws /rpc ping"), requests
 * without an "id" are notifications (one-way), and an "error" member in
 * the reply with the same id makes it an error. Other JSON messages are
 * named by the --ws-key member's value (id-like values folded); anything
 * else by the path alone. Only those names are kept: no payload, no
 * parameter, no result.
 */
#ifndef LATSCOPE_WEBSOCKET_H
#define LATSCOPE_WEBSOCKET_H

#include "protocols/protocols.h"

/* proto_http's parser once c->websocket is set (after a 101). */
int websocket_parse(struct proto_conn *c, const struct proto_options *o,
		    const struct proto_exchange *ex, struct proto_msg *msgs, int max);

#endif
