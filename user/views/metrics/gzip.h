/* gzip (RFC 1952) of a whole buffer with zlib, for Content-Encoding: gzip. */
#ifndef LATSCOPE_METRICS_GZIP_H
#define LATSCOPE_METRICS_GZIP_H

#include <stddef.h>

/* *out is malloc'ed; 0 or a negative errno. */
int gzip_buffer(const void *in, size_t len, char **out, size_t *out_len);

#endif
