/*
 * The PostgreSQL frontend/backend protocol, version 3 (proto_postgres):
 * a request is a simple Query ('Q') or an Execute ('E') of the extended
 * protocol (pipelined ones one by one), named by its statement's
 * fingerprint: the text with every literal replaced by $n, comments
 * dropped and white space folded, like pg_stat_statements. Named
 * prepared statements are remembered per connection (bounded). An
 * ErrorResponse makes the statement it answers an error. The startup
 * packet is "(startup)" (an SSL or GSS request before it "(ssl request)",
 * "(gss request)"), password and SASL
 * messages "(auth)"; Terminate is the close itself, not a request.
 */
#ifndef LATSCOPE_POSTGRES_H
#define LATSCOPE_POSTGRES_H

#include "protocols/protocols.h"

/* Named prepared statements remembered per connection. */
#define PG_MAX_STATEMENTS 32

/*
 * @sql (@len bytes; @cut when more followed) as a fingerprint in @out
 * (@size bytes, "..." when it does not fit). Returns its length.
 */
size_t pg_fingerprint(const char *sql, size_t len, bool cut, char *out, size_t size);

#endif
