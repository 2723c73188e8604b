/* Request records as the kernel sends them, for the model's unit tests. */
#ifndef LATSCOPE_TEST_REQUEST_RECS_H
#define LATSCOPE_TEST_REQUEST_RECS_H

#include <linux/types.h>
#include <string.h>
#include "latscope.h"

/* @req then @resp in rec->data, their lengths set (both NUL-terminated). */
static inline void request_rec_set(struct request_rec *rec, const char *req, const char *resp)
{
	rec->req_len = strlen(req);
	rec->resp_len = strlen(resp);
	memcpy(rec->data, req, rec->req_len);
	memcpy(rec->data + rec->req_len, resp, rec->resp_len);
}

#endif
