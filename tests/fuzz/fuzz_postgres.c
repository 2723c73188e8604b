// libFuzzer harness: the postgres parser (user/protocols/postgres.c) on untrusted bytes.
#include "protocol_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	protocol_fuzz(PROTO_POSTGRES, data, size);
	return 0;
}
