// SPDX-License-Identifier: BSD-3-Clause
/* Filling in an ExecuteOutcome and talking to the sink: shared by the
 * interpreter, the output pump and the commit of a cell. */
#ifndef CNB_INTERPRETER_OUTCOME_H
#define CNB_INTERPRETER_OUTCOME_H

#include "interpreter.h"

/* Marks the outcome as an error; traceback (stolen, may be NULL) gets
 * "ename: evalue" as its first line. */
void outcome_set_error(ExecuteOutcome *outcome, const char *ename, const char *evalue, json_t *traceback);
/* The lines of text as a JSON array of strings (valid UTF-8). */
json_t *text_lines(const char *text);
/* Sends text (NUL-terminated) to the sink's stream name, if any. */
void sink_text(const ExecuteSink *sink, const char *name, const char *text);

#endif
