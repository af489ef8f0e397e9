/*
 * rules_bench.c - rule-layer throughput on one core: loads every lead of a
 * CSV into memory with leadscore's own ingest, compiles the offer's rules,
 * then times ls_rules_eval over all of them (best of 5 passes). Also times
 * the offline judge, for reference.
 *
 *   rules_bench LEADS.csv OFFER.json
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/csv_in.h"
#include "core/offline.h"
#include "core/rules.h"
#include "core/xalloc.h"

struct mem {
    struct ls_lead *leads;
    size_t n, cap;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int keep(void *ud, const struct ls_lead *lead, uint64_t line, struct ls_err *err)
{
    (void)line;
    (void)err;
    struct mem *m = ud;
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 1024;
        m->leads = ls_xrealloc(m->leads, m->cap * sizeof(*m->leads));
    }
    struct ls_lead *l = &m->leads[m->n++];
    for (int f = 0; f < LS_F_COUNT; f++) {
        l->f[f] = ls_xmemdup0(lead->f[f], lead->len[f]);
        l->len[f] = lead->len[f];
    }
    return LS_OK;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = ls_xmalloc((size_t)n + 1);
    if (fread(p, 1, (size_t)n, f) != (size_t)n)
        exit(1);
    fclose(f);
    *len = (size_t)n;
    return p;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: rules_bench LEADS.csv OFFER.json\n");
        return 2;
    }
    size_t len;
    char *csv = slurp(argv[1], &len);
    struct mem m = {0};
    struct ls_csv_limits lim;
    ls_csv_limits_default(&lim);
    lim.max_rows = 100000000;
    struct ls_err err = {0};
    struct ls_csv_in *in = ls_csv_in_new(&lim, keep, NULL, &m);
    if (ls_csv_in_feed(in, csv, len, &err) || ls_csv_in_finish(in, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    ls_csv_in_free(in);
    free(csv);
    char *offer_text = slurp(argv[2], &len);
    struct ls_offer offer = {0};
    if (ls_offer_parse(offer_text, len, &offer, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    struct ls_rules *rules = ls_rules_new(ls_rules_default_config());
    struct ls_rules_offer *ro = ls_rules_offer_new(rules, &offer);

    double best = 1e9;
    long long checksum = 0;
    for (int pass = 0; pass < 5; pass++) {
        double t0 = now();
        for (size_t i = 0; i < m.n; i++) {
            struct ls_rule_score s;
            ls_rules_eval(ro, &m.leads[i], &s);
            checksum += s.total;
        }
        double t = now() - t0;
        if (t < best)
            best = t;
    }
    struct ls_offline *judge = ls_offline_new(rules, &offer);
    double t0 = now();
    long long high = 0;
    for (size_t i = 0; i < m.n; i++) {
        struct ls_verdict v;
        ls_offline_judge(judge, &m.leads[i], &v);
        high += v.intent == LS_INTENT_HIGH;
    }
    double t_judge = now() - t0;
    printf("rules_leads=%zu rules_s=%.3f rules_per_s=%.0f checksum=%lld offline_s=%.3f "
           "offline_per_s=%.0f offline_high=%lld\n",
           m.n, best, (double)m.n / best, checksum / 5, t_judge, (double)m.n / t_judge, high);
    ls_offline_free(judge);
    ls_rules_offer_free(ro);
    ls_rules_free(rules);
    ls_offer_release(&offer);
    for (size_t i = 0; i < m.n; i++)
        for (int f = 0; f < LS_F_COUNT; f++)
            free((void *)(uintptr_t)m.leads[i].f[f]);
    free(m.leads);
    return 0;
}
