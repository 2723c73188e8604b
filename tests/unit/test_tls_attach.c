// Finding OpenSSL's internal read/write function from its two exported
// callers, and naming the TLS libraries latscope does not decode.
#include <criterion/criterion.h>
#include "loader/tls_attach.h"

/* Debian 12's libssl.so.3 (3.0.19): SSL_read at 0x35430, SSL_read_ex at 0x354c0. */
static const unsigned char ssl_read[] = {
	0x48,
	0x83,
	0xec,
	0x18,
	0x64,
	0x48,
	0x8b,
	0x04,
	0x25,
	0x28,
	0x00,
	0x00,
	0x00,
	0x48,
	0x89,
	0x44,
	0x24,
	0x08,
	0x31,
	0xc0,
	0x85,
	0xd2,
	0x78,
	0x2f,
	0x48,
	0x89,
	0xe1,
	0x48,
	0x63,
	0xd2,
	0xe8,
	0x3d,
	0xfe,
	0xff,
	0xff,
	0x85,
	0xc0,
	0x7e,
	0x03,
	0x8b,
	0x04,
	0x24,
	/* ... the error path: call ERR_new@plt */
	0xe8,
	0x44,
	0x9f,
	0xfe,
	0xff,
};
static const unsigned char ssl_read_ex[] = {
	0x48, 0x83, 0xec, 0x08, 0xe8, 0xc7, 0xfd, 0xff, 0xff, 0x31, 0xd2, 0x85, 0xc0,
};

Test(tls_attach, common_callee_is_the_internal_read)
{
	/* The call at SSL_read+0x1e targets 0x35290, as does SSL_read_ex+0x4's. */
	cr_assert_eq(tls_common_callee(ssl_read, sizeof(ssl_read), 0x35430, ssl_read_ex,
				       sizeof(ssl_read_ex), 0x354c0),
		     0x35290ULL);
}

Test(tls_attach, no_common_callee)
{
	cr_assert_eq(tls_common_callee(ssl_read, sizeof(ssl_read), 0x35430, ssl_read_ex,
				       sizeof(ssl_read_ex), 0x454c0),
		     0);
	cr_assert_eq(tls_common_callee(ssl_read, 4, 0x35430, ssl_read_ex, sizeof(ssl_read_ex),
				       0x354c0),
		     0, "a call cut off at the end of the bytes is no call");
}

Test(tls_attach, libraries_named)
{
	cr_assert_str_eq(tls_library_of("libgnutls.so.30.34.3"), "GnuTLS");
	cr_assert_str_eq(tls_library_of("libnss3.so"), "NSS");
	cr_assert_null(tls_library_of("libssl.so.3"), "OpenSSL is decoded");
	cr_assert_null(tls_library_of("libc.so.6"));
}
