/* estimate.c - token and wall-time estimates (see estimate.h). */
#include "estimate.h"

int64_t ls_estimate_input_tokens(size_t body_len)
{
    return (int64_t)((body_len + 3) / 4);
}

int64_t ls_estimate_output_tokens(size_t n)
{
    return n ? LS_ESTIMATE_OUT_BASE + LS_ESTIMATE_OUT_PER_LEAD * (int64_t)n : 0;
}

int64_t ls_estimate_wall_ms(const struct ls_estimate_pace *p)
{
    if (p->requests <= 0)
        return 0;
    int conc = p->concurrency < 1 ? 1 : p->concurrency;
    /* Requests go out in waves of `conc`, each wave taking one latency. */
    double ms = (double)((p->requests + conc - 1) / conc) * (double)p->latency_ms;
    /* The provider paces itself at 95 % of each quota (provider_http.c QUOTA_MARGIN). */
    if (p->rpm > 0) {
        double q = (double)p->requests * 60000.0 / (p->rpm * 0.95);
        if (q > ms)
            ms = q;
    }
    if (p->tpm > 0) {
        double q = (double)p->tokens * 60000.0 / ((double)p->tpm * 0.95);
        if (q > ms)
            ms = q;
    }
    return (int64_t)ms;
}
