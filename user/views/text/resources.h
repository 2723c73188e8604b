/* The text report's "resources" section: per-process resource use. */
#ifndef LATSCOPE_REPORT_RESOURCES_H
#define LATSCOPE_REPORT_RESOURCES_H

#include <stdio.h>
#include "model/model.h"

void report_text_resources(FILE *out, struct model *model, enum model_window window);

#endif
