/*
 * The text report's budget lines: first, what is traced and what it
 * costs; under "overhead", every shed and restore with its time.
 */
#ifndef LATSCOPE_REPORT_BUDGET_H
#define LATSCOPE_REPORT_BUDGET_H

#include <stdio.h>
#include "model/model.h"

void report_budget_head(FILE *out, const struct model *model, enum model_window window);
void report_budget_events(FILE *out, const struct model *model);

#endif
