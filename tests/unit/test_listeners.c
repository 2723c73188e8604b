// Which TCP ports a process listens on: /proc/net/tcp{,6} text in, sockets out.
#include <criterion/criterion.h>
#include <unistd.h>
#include "loader/listeners.h"

static const char tcp[] =
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	"   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1173 1 0000000000000000 100 0 0 10 0\n"
	"   1: 0100007F:A09B 0100007F:B14C 01 00000000:00000000 03:00000242 00000000     0        0 5521 3 0000000000000000\n"
	"   2: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 9912 1 0000000000000000 100 0 0 10 0\n"
	"   3: 0100007F:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 0 1 0000000000000000 100 0 0 10 0\n";

static const char tcp6[] =
	"  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	"   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0\n";

Test(listeners, listening_sockets_with_their_inodes)
{
	struct listen_sock s[8];

	cr_assert_eq(listeners_parse(tcp, s, 8), 2, "established and inode-less sockets are not");
	cr_assert_eq(s[0].port, 2024);
	cr_assert_eq(s[0].inode, 1173);
	cr_assert_eq(s[1].port, 8080);
	cr_assert_eq(s[1].inode, 9912);
	cr_assert_eq(listeners_parse(tcp, s, 1), 1, "at most max");
	cr_assert_eq(listeners_parse(tcp6, s, 8), 1);
	cr_assert_eq(s[0].port, 80);
	cr_assert_eq(s[0].inode, 4242);
}

Test(listeners, garbage_and_headers_alone_have_none)
{
	struct listen_sock s[4];

	cr_assert_eq(listeners_parse("", s, 4), 0);
	cr_assert_eq(listeners_parse("  sl  local_address\n", s, 4), 0);
	cr_assert_eq(listeners_parse("x\n\x01\x02 garbage : : 0A\n", s, 4), 0);
}

Test(listeners, a_process_without_listeners)
{
	__u16 ports[4];

	/* This test binary listens on nothing. */
	cr_assert_eq(listeners_of(getpid(), ports, 4), 0);
}
