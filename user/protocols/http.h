/*
 * Classifying the first bytes of HTTP/1.x traffic: the request line into
 * "METHOD /path" and the status line into a status code; pipelined
 * requests and their responses split where Content-Length or chunked
 * framing shows their ends (proto_http, protocols.h). Input is whatever
 * a process sent or received, so every byte is untrusted: nothing is kept
 * beyond the method, the path and the status code, and anything that does
 * not look like HTTP/1.x is rejected rather than guessed at.
 */
#ifndef LATSCOPE_HTTP_PARSE_H
#define LATSCOPE_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include "protocols/protocols.h"

#define HTTP_ENDPOINT_LEN 96 /* "METHOD /path", NUL included */

/*
 * Writes "METHOD /path" of a request line to @out (at most @out_len bytes
 * with the NUL). The query string and fragment are dropped unless
 * @keep_query; id-like path segments are folded (http_fold_path). A path
 * cut short by the capture or by @out_len ends in "...". Returns 0, or
 * -EINVAL when @buf does not start with an HTTP/1.x request line.
 */
int http_parse_request(const char *buf, size_t len, bool keep_query, char *out, size_t out_len);
/* The status code (100..599) of an "HTTP/1.x NNN" status line, else 0. */
int http_parse_status(const char *buf, size_t len);
/*
 * Replaces path segments that look like ids with "{id}", in place: all
 * digits, a UUID (8-4-4-4-12 hex), or 8+ hex digits with at least one
 * decimal digit. The result, NUL included, fits @size bytes (any size:
 * cut, with "..." when there is room for it) and HTTP_ENDPOINT_LEN * 2.
 */
void http_fold_path(char *path, size_t size);

#endif
