/* provider_offline.c - the offline judge behind the provider interface. No I/O. */
#include "provider.h"

#include <stdlib.h>
#include <string.h>

#include "core/offline.h"
#include "core/xalloc.h"

#define PULL 64 /* leads taken from next() at a time */

struct offline_provider {
    struct ls_provider base;
    const struct ls_rules *rules; /* borrowed */
};

static int offline_classify(struct ls_provider *p, const struct ls_offer *offer, ls_ai_next_fn next,
                            ls_ai_done_fn done, void *ud, const atomic_bool *cancel,
                            struct ls_ai_usage *usage, struct ls_err *err)
{
    (void)usage; /* the offline judge makes no model calls */
    struct offline_provider *op = (struct offline_provider *)p;
    struct ls_offline *judge = ls_offline_new(op->rules, offer);
    struct ls_ai_item items[PULL];
    struct ls_ai_outcome out = {0};
    int rc = LS_OK;
    for (;;) {
        if (cancel && atomic_load(cancel)) {
            rc = ls_err_set(err, LS_ECANCELLED, "scoring was cancelled");
            break;
        }
        size_t n = next(ud, items, PULL);
        if (n == 0)
            break;
        for (size_t i = 0; i < n; i++) {
            ls_offline_judge(judge, items[i].lead, &out.verdict);
            out.status = LS_OK;
            done(ud, &items[i], &out);
        }
    }
    ls_offline_free(judge);
    return rc;
}

static void offline_free(struct ls_provider *p)
{
    free(p);
}

static const struct ls_provider_ops offline_ops = {
    .classify = offline_classify,
    .free = offline_free,
};

struct ls_provider *ls_provider_offline_new(const struct ls_rules *rules)
{
    struct offline_provider *op = ls_xcalloc(1, sizeof(*op));
    op->base.ops = &offline_ops;
    op->base.name = "offline";
    op->base.model = "";
    op->base.base_url = "";
    op->rules = rules;
    return &op->base;
}

int ls_provider_classify(struct ls_provider *p, const struct ls_offer *offer, ls_ai_next_fn next,
                         ls_ai_done_fn done, void *ud, const atomic_bool *cancel,
                         struct ls_ai_usage *usage, struct ls_err *err)
{
    return p->ops->classify(p, offer, next, done, ud, cancel, usage, err);
}

int ls_provider_preflight(struct ls_provider *p, char *warning, size_t cap, struct ls_err *err)
{
    if (cap)
        warning[0] = '\0';
    return p->ops->preflight ? p->ops->preflight(p, warning, cap, err) : LS_OK;
}

void ls_provider_free(struct ls_provider *p)
{
    if (p)
        p->ops->free(p);
}

void ls_provider_learnt(struct ls_provider *p, struct ls_ai_learnt *out)
{
    memset(out, 0, sizeof(*out));
    if (p->ops->learnt)
        p->ops->learnt(p, out);
}

void ls_provider_apply(struct ls_provider *p, const struct ls_ai_learnt *in)
{
    if (p->ops->apply)
        p->ops->apply(p, in);
}

void ls_provider_form(struct ls_provider *p, struct ls_ai_form *out)
{
    memset(out, 0, sizeof(*out));
    if (p->ops->form)
        p->ops->form(p, out);
}
