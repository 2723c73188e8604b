/*
 * A latency heat map as SVG (written with libxml2's text writer): time
 * across (one column per interval), latency up on a log-linear scale (one
 * row per bar of histogram buckets), colour for how many calls fell in the
 * cell. Every cell also carries its count as a tooltip (<title>).
 */
#ifndef LATSCOPE_HEATMAP_SVG_H
#define LATSCOPE_HEATMAP_SVG_H

#include <linux/types.h>

/* Colour steps for non-empty cells; an empty cell is not drawn. */
#define HEATMAP_LEVELS 8

struct heatmap {
	const char *title;	 /* "syscalls read" */
	int n_cols, n_rows;	 /* intervals, latency bars */
	const __u64 *counts;	 /* [row * n_cols + col]; row 0 is the fastest */
	const __u64 *row_low_ns; /* n_rows + 1 bounds, increasing */
	const double *col_end_s; /* each interval's end, seconds into the trace */
};

struct heatmap_box {
	double x, y, w, h;
};

/* 1..HEATMAP_LEVELS by log(1 + count) against the largest cell; 0 when empty. */
int heatmap_level(__u64 count, __u64 max);
/* "#rrggbb" of a level (0: the background). */
const char *heatmap_colour(int level);
/* Where cell (@row, @col) is drawn, in SVG user units (= pixels at 1:1). */
void heatmap_cell_box(const struct heatmap *hm, int row, int col, struct heatmap_box *out);
/* The whole picture's size. */
void heatmap_size(const struct heatmap *hm, double *width, double *height);
/* Written to a temp file and renamed: never half-written. */
int heatmap_svg_write(const char *path, const struct heatmap *hm);

#endif
