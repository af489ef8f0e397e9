/*
 * housekeeping.h - the server's background upkeep on its own thread:
 * retention (LEADSCORE_RETENTION_DAYS: finished uploads, jobs and results
 * older than that are deleted, at start and then hourly) and the verdict
 * cache's size cap (LEADSCORE_CACHE_MAX_ROWS, least recently used first,
 * every minute). Either is off when its setting is 0. Sessions that have
 * expired or whose key is revoked are deleted at start and every minute.
 */
#ifndef LS_JOBS_HOUSEKEEPING_H
#define LS_JOBS_HOUSEKEEPING_H

#include <stdint.h>

#include "store/store.h"

struct ls_housekeeping;

/* Starts the thread (owned: ls_housekeeping_stop). store is borrowed. */
struct ls_housekeeping *ls_housekeeping_start(struct ls_store *store, int retention_days,
                                              int64_t cache_max_rows);

/* Runs one round now, on the caller's thread (tests, and the first round at start). */
void ls_housekeeping_round(struct ls_store *store, int retention_days, int64_t cache_max_rows);

/* Stops the thread and frees hk (may be NULL). */
void ls_housekeeping_stop(struct ls_housekeeping *hk);

#endif
