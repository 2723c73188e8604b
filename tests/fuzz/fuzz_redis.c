// libFuzzer harness: the redis parser (user/protocols/redis.c) on untrusted bytes.
#include "protocol_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	protocol_fuzz(PROTO_REDIS, data, size);
	return 0;
}
