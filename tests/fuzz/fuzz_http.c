// HTTP (protocols/http.c): request and status lines as the kernel hands
// them over, at most LATSCOPE_CAPTURE_LEN / LATSCOPE_RESP_CAPTURE_LEN
// bytes, not NUL-terminated, into the buffer requests_add() gives.
#include <stdbool.h>
#include <linux/types.h>
#include "latscope.h"
#include "protocols/http.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[HTTP_ENDPOINT_LEN];
	size_t req = size < LATSCOPE_CAPTURE_LEN ? size : LATSCOPE_CAPTURE_LEN;
	size_t resp = size < LATSCOPE_RESP_CAPTURE_LEN ? size : LATSCOPE_RESP_CAPTURE_LEN;
	/* Exactly as long as the capture, so a read past it is caught. */
	char *copy = malloc(req ? req : 1);

	if (!copy)
		abort();
	memcpy(copy, data, req);
	for (int keep_query = 0; keep_query <= 1; keep_query++)
		if (!http_parse_request(copy, req, keep_query, name, sizeof(name)) &&
		    !memchr(name, '\0', sizeof(name)))
			abort(); /* an endpoint name must end inside its buffer */
	http_parse_status(copy, resp);
	free(copy);
	return 0;
}
