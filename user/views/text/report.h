/* The plain-text views: the periodic/final report and live event lines. */
#ifndef LATSCOPE_REPORT_TEXT_H
#define LATSCOPE_REPORT_TEXT_H

#include <stdio.h>
#include "model/model.h"

/* 0, or -errno when the report (or anything before it on @out) was lost. */
int report_text_print(FILE *out, struct model *model, enum model_window window);
void report_text_slow_call(FILE *out, const struct model *model, const struct slow_call *call);
void report_text_proc_event(FILE *out, const struct model *model, const struct proc_event *ev);

struct slow_request;
/* report_requests.c: the request tables, and one slow request. */
void report_requests_print(FILE *out, struct model *model, enum model_window window);
void report_text_slow_request(FILE *out, const struct model *model, const struct slow_request *s);

#endif
