// libFuzzer harness: the http parser (user/protocols/http.c) on untrusted bytes.
#include "protocol_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	protocol_fuzz(PROTO_HTTP, data, size);
	return 0;
}
