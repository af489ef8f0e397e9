/*
 * progress.h - a job's progress on a terminal: a bar with the rate and the
 * time left, redrawn in place when stderr is a terminal, or a plain line
 * every few seconds when it is a file or a pipe.
 */
#ifndef LS_APP_PROGRESS_H
#define LS_APP_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#include "store/store.h"

struct ls_progress;

/* Owned: ls_progress_free. f is borrowed. done_before: leads already scored (a resume). */
struct ls_progress *ls_progress_new(FILE *f, int64_t done_before);
/* Shows job's progress (throttled). */
void ls_progress_update(struct ls_progress *p, const struct ls_job *job);
/* Clears the bar, leaving the terminal line empty for what follows. */
void ls_progress_end(struct ls_progress *p);
void ls_progress_free(struct ls_progress *p);

#endif
