/* sqlite_cost.c - issue #10: resuming a job stopped at its budget, and a job's warning. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "sqlite_int.h"

struct resume_args {
    int64_t id, ws;
    double budget;
};

static void bind_resume(sqlite3_stmt *st, const void *args)
{
    const struct resume_args *a = args;
    sqlite3_bind_int64(st, 1, a->id);
    sqlite3_bind_int64(st, 2, a->ws);
    sqlite3_bind_double(st, 3, a->budget > 0 ? a->budget : 0);
}

int ls_sq_job_resume(struct ls_store *base, int64_t ws, int64_t id, double budget_usd,
                     struct ls_err *err)
{
    struct resume_args a = {id, ws, budget_usd};
    int changes = 0;
    int rc = ls_sq_write((struct sq_store *)base, ST_JOB_RESUME, bind_resume, &a, &changes,
                         "resuming a job", err);
    if (rc || changes)
        return rc;
    return ls_sq_job_refusal(base, ws, id, "is ", ", not stopped", err);
}

struct warn_args {
    int64_t id;
    const char *warning;
};

static void bind_warn(sqlite3_stmt *st, const void *args)
{
    const struct warn_args *a = args;
    sqlite3_bind_int64(st, 1, a->id);
    ls_sq_bind_cstr(st, 2, a->warning ? a->warning : "");
}

int ls_sq_job_warn(struct ls_store *base, int64_t id, const char *warning, struct ls_err *err)
{
    struct warn_args a = {id, warning};
    return ls_sq_write((struct sq_store *)base, ST_JOB_WARN, bind_warn, &a, NULL,
                       "writing a job's warning", err);
}
