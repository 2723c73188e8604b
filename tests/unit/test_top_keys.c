// latscope top's key handling, key by key.
#include <criterion/criterion.h>
#include <curses.h>
#include <string.h>
#include "views/top/keys.h"

#define N_VIEWS 5

static struct top_state st;
static struct top_key_ctx ctx = {
	.n_cols = 9,
	.n_rows = 20,
	.page_rows = 10,
	.has_histograms = true,
};

static void setup(void)
{
	const int defaults[N_VIEWS] = { 4, 0, 0, 0, 3 };

	top_state_init(&st, N_VIEWS, defaults);
}

static enum top_action press(int key)
{
	return top_handle_key(&st, key, &ctx);
}

static void type(const char *keys)
{
	for (; *keys; keys++)
		press(*keys);
}

TestSuite(keys, .init = setup);

Test(keys, starts_on_the_first_view_with_default_sorts)
{
	cr_assert_eq(st.view, 0);
	cr_assert_eq(st.sort_col[0], 4);
	cr_assert_eq(st.sort_col[4], 3);
	cr_assert_eq(st.mode, TOP_MODE_TABLE);
	cr_assert_not(st.paused || st.cumulative);
}

Test(keys, tab_and_numbers_switch_views)
{
	cr_assert_eq(press('\t'), TOP_REDRAW);
	cr_assert_eq(st.view, 1);
	press(KEY_BTAB);
	press(KEY_BTAB);
	cr_assert_eq(st.view, N_VIEWS - 1, "Shift-Tab wraps backwards");
	press('\t');
	cr_assert_eq(st.view, 0, "Tab wraps forwards");
	cr_assert_eq(press('5'), TOP_REDRAW);
	cr_assert_eq(st.view, 4);
	cr_assert_eq(press('9'), TOP_NONE, "no ninth view");
	cr_assert_eq(st.view, 4);
}

Test(keys, switching_view_resets_the_cursor)
{
	press(KEY_DOWN);
	press(KEY_DOWN);
	cr_assert_eq(st.selected, 2);
	press('2');
	cr_assert_eq(st.selected, 0);
}

Test(keys, sort_columns_cycle_and_reverse)
{
	press('s');
	cr_assert_eq(st.sort_col[0], 5);
	press('>');
	cr_assert_eq(st.sort_col[0], 6);
	press('<');
	press('<');
	press('<');
	cr_assert_eq(st.sort_col[0], 3);
	for (int i = 0; i < 4; i++)
		press('<');
	cr_assert_eq(st.sort_col[0], 8, "wraps to the last column");
	press('R');
	cr_assert(st.reverse[0]);
	press('I');
	cr_assert_not(st.reverse[0]);
	press('R');
	press('s');
	cr_assert_not(st.reverse[0], "a new column starts in its natural order");
	cr_assert_eq(st.sort_col[4], 3, "each view keeps its own sort");
}

Test(keys, filter_is_typed_edited_kept_and_cleared)
{
	cr_assert_eq(press('/'), TOP_REDRAW);
	cr_assert_eq(st.mode, TOP_MODE_FILTER);
	type("opq");
	cr_assert_str_eq(st.filter, "opq", "q is text while typing a filter");
	press(KEY_BACKSPACE);
	cr_assert_str_eq(st.filter, "op");
	press('\n');
	cr_assert_eq(st.mode, TOP_MODE_TABLE);
	cr_assert_str_eq(st.filter, "op");
	cr_assert_eq(press(27), TOP_REDRAW, "Esc in the table clears the filter");
	cr_assert_str_eq(st.filter, "");
	press('/');
	type("abc");
	press(27);
	cr_assert_eq(st.mode, TOP_MODE_TABLE);
	cr_assert_str_eq(st.filter, "", "Esc while typing drops the filter");
}

Test(keys, filter_is_bounded_and_ignores_control_keys)
{
	press('/');
	for (int i = 0; i < 100; i++)
		press('x');
	cr_assert_eq(strlen(st.filter), TOP_FILTER_LEN - 1);
	cr_assert_eq(press(KEY_UP), TOP_NONE);
	cr_assert_eq(press(21), TOP_REDRAW, "Ctrl-U clears");
	cr_assert_str_eq(st.filter, "");
}

Test(keys, actions)
{
	cr_assert_eq(press('q'), TOP_QUIT);
	cr_assert_eq(press('r'), TOP_RESET);
	cr_assert_eq(press('w'), TOP_SNAPSHOT);
	cr_assert_eq(press('p'), TOP_REDRAW);
	cr_assert(st.paused);
	press('p');
	cr_assert_not(st.paused);
	press('c');
	cr_assert(st.cumulative);
	cr_assert_eq(press(KEY_RESIZE), TOP_REDRAW);
	cr_assert_eq(press('x'), TOP_NONE);
}

Test(keys, cursor_moves_within_the_rows)
{
	press(KEY_UP);
	cr_assert_eq(st.selected, 0);
	press(KEY_NPAGE);
	cr_assert_eq(st.selected, 9);
	press(KEY_END);
	cr_assert_eq(st.selected, 19);
	press(KEY_DOWN);
	cr_assert_eq(st.selected, 19);
	press('k');
	cr_assert_eq(st.selected, 18);
	cr_assert_str_eq(st.selected_name, "", "a move lets the next frame name the row");
	press(KEY_HOME);
	cr_assert_eq(st.selected, 0);
}

Test(keys, enter_opens_the_selected_rows_histogram)
{
	strcpy(st.selected_name, "read");
	cr_assert_eq(press('\n'), TOP_REDRAW);
	cr_assert_eq(st.mode, TOP_MODE_HISTOGRAM);
	cr_assert_str_eq(st.hist_name, "read");
	cr_assert_eq(press('c'), TOP_REDRAW, "the window toggle works here too");
	cr_assert(st.cumulative);
	press(27);
	cr_assert_eq(st.mode, TOP_MODE_TABLE);
	ctx.has_histograms = false;
	cr_assert_eq(press(KEY_ENTER), TOP_NONE, "a view without histograms");
	ctx.has_histograms = true;
	st.selected_name[0] = '\0';
	cr_assert_eq(press('\r'), TOP_NONE, "no row under the cursor");
}

Test(keys, help_closes_on_any_key)
{
	press('?');
	cr_assert_eq(st.mode, TOP_MODE_HELP);
	cr_assert_eq(press('q'), TOP_REDRAW, "q closes the help, not latscope");
	cr_assert_eq(st.mode, TOP_MODE_TABLE);
	press('h');
	cr_assert_eq(st.mode, TOP_MODE_HELP);
}

/* Left/Right scroll the columns after the name, within what there is. */
Test(keys, left_right_scroll_columns)
{
	struct top_state st;
	int sorts[2] = { 0, 0 };
	struct top_key_ctx ctx = { .n_cols = 9, .n_rows = 3, .page_rows = 10, .cols_hidden = true };

	top_state_init(&st, 2, sorts);
	cr_assert_eq(st.first_col[0], 1);
	cr_assert_eq(top_handle_key(&st, KEY_LEFT, &ctx), TOP_NONE, "already at the start");
	cr_assert_eq(top_handle_key(&st, KEY_RIGHT, &ctx), TOP_REDRAW);
	cr_assert_eq(st.first_col[0], 2);
	ctx.cols_hidden = false;
	cr_assert_eq(top_handle_key(&st, KEY_RIGHT, &ctx), TOP_NONE, "the last column is shown");
	cr_assert_eq(top_handle_key(&st, KEY_LEFT, &ctx), TOP_REDRAW);
	cr_assert_eq(st.first_col[0], 1);
}
