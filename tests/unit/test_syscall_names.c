// Syscall names cover the running kernel: the build header's, completed by
// the lists vendored in tools/syscalls/; anything else is syscall_N.
#include <criterion/criterion.h>
#include "base/syscall_names.h"

static const char *name_of(unsigned int nr)
{
	static char buf[32];

	return syscall_name(nr, buf, sizeof(buf));
}

Test(syscall_names, newer_than_the_build_header)
{
	cr_assert_str_eq(name_of(0), "read");
	cr_assert_str_eq(name_of(450), "set_mempolicy_home_node");
	cr_assert_str_eq(name_of(451), "cachestat");
	cr_assert_str_eq(name_of(462), "mseal");
	cr_assert_str_eq(name_of(470), "listns");
#if defined(__x86_64__)
	cr_assert_str_eq(name_of(335), "uretprobe");
	cr_assert_str_eq(name_of(336), "uprobe");
#endif
}

Test(syscall_names, unknown_numbers_are_syscall_n)
{
	cr_assert_str_eq(name_of(400), "syscall_400");
	cr_assert_str_eq(name_of(511), "syscall_511");
	cr_assert_str_eq(name_of(100000), "syscall_100000");
}
