/*
 * Redis RESP2/RESP3 (proto_redis): pipelined commands split one by one
 * (multibulk arrays and inline commands), each named by its command (and
 * the subcommand of container commands: "CONFIG GET", "CLIENT SETNAME"),
 * never by a key or a value; replies paired in order, an error reply
 * ("-ERR ...", RESP3 blob errors) making its command an error; RESP3
 * pushes are not replies.
 */
#ifndef LATSCOPE_REDIS_H
#define LATSCOPE_REDIS_H

#include "protocols/protocols.h"

/* Longest command name kept; longer ones are "(invalid)". */
#define REDIS_COMMAND_LEN 32

#endif
