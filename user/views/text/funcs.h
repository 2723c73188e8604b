/* The text report's function sections: latency table and probe costs. */
#ifndef LATSCOPE_REPORT_FUNCS_H
#define LATSCOPE_REPORT_FUNCS_H

#include <stdio.h>
#include "model/model.h"

void report_funcs_print(FILE *out, struct model *model, enum model_window window);
/* Per-probe hit rates and the hot-probe warnings, under "overhead". */
void report_funcs_costs(FILE *out, struct model *model);

#endif
