// Whole-buffer gzip for the metrics endpoint.
#include <errno.h>
#include <stdlib.h>
#include <zlib.h>
#include "views/metrics/gzip.h"

/* 15 bits of window, +16: a gzip header and trailer rather than zlib's. */
#define GZIP_WINDOW_BITS (15 + 16)

int gzip_buffer(const void *in, size_t len, char **out, size_t *out_len)
{
	z_stream z = { 0 };
	size_t cap;
	int rc;

	*out = NULL;
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, GZIP_WINDOW_BITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	cap = deflateBound(&z, len);
	*out = malloc(cap);
	if (!*out) {
		deflateEnd(&z);
		return -ENOMEM;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = len;
	z.next_out = (Bytef *)*out;
	z.avail_out = cap;
	/* deflateBound's room always suffices for one Z_FINISH. */
	rc = deflate(&z, Z_FINISH);
	*out_len = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(*out);
		*out = NULL;
		return -EIO;
	}
	return 0;
}
