/* progress.c - progress bar or periodic lines for `leadscore score`. */
#include "progress.h"

#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "sys/sys.h"

#define BAR_WIDTH      30
#define TTY_EVERY_MS   200
#define PLAIN_EVERY_MS 2000

struct ls_progress {
    FILE *f;
    bool tty;
    int64_t started_ms;
    int64_t done_before;
    int64_t shown_ms;
    bool drawn;
};

struct ls_progress *ls_progress_new(FILE *f, int64_t done_before)
{
    struct ls_progress *p = ls_xcalloc(1, sizeof(*p));
    p->f = f;
    p->tty = isatty(fileno(f));
    p->started_ms = ls_mono_ms();
    p->shown_ms = p->started_ms;
    p->done_before = done_before;
    return p;
}

static void format_secs(int64_t ms, char *out, size_t cap)
{
    int64_t s = ms / 1000;
    if (s >= 3600)
        snprintf(out, cap, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
    else if (s >= 60)
        snprintf(out, cap, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
    else
        snprintf(out, cap, "%llds", (long long)s);
}

void ls_progress_update(struct ls_progress *p, const struct ls_job *job)
{
    int64_t now = ls_mono_ms();
    if (now - p->shown_ms < (p->tty ? TTY_EVERY_MS : PLAIN_EVERY_MS))
        return;
    p->shown_ms = now;
    int64_t total = job->total > 0 ? job->total : 1;
    int64_t here = job->n.done - p->done_before; /* scored by this run */
    double secs = (double)(now - p->started_ms) / 1000.0;
    double rate = secs > 0 ? (double)here / secs : 0;
    char eta[32] = "?";
    if (rate > 0)
        format_secs((int64_t)((double)(job->total - job->n.done) / rate * 1000.0), eta,
                    sizeof(eta));
    int pct = (int)(job->n.done * 100 / total);
    if (p->tty) {
        char bar[BAR_WIDTH + 1];
        int fill = (int)(job->n.done * BAR_WIDTH / total);
        for (int i = 0; i < BAR_WIDTH; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[BAR_WIDTH] = '\0';
        fprintf(p->f, "\r[%s] %3d%% %lld/%lld leads  %.0f leads/s  ETA %s\033[K", bar, pct,
                (long long)job->n.done, (long long)job->total, rate, eta);
        p->drawn = true;
    } else {
        fprintf(p->f, "leadscore score: %lld/%lld leads (%d%%), %.0f leads/s, ETA %s\n",
                (long long)job->n.done, (long long)job->total, pct, rate, eta);
    }
    fflush(p->f);
}

void ls_progress_end(struct ls_progress *p)
{
    if (p->tty && p->drawn) {
        fprintf(p->f, "\r\033[K");
        fflush(p->f);
    }
    p->drawn = false;
}

void ls_progress_free(struct ls_progress *p)
{
    free(p);
}
