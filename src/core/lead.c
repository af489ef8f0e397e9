/* lead.c - lead helpers. Pure. */
#include "lead.h"

#include <string.h>

const char *const ls_field_names[LS_F_ALL] = {
    "name",         "role",  "company",      "industry",    "location",
    "linkedin_bio", "email", "linkedin_url", "external_id",
};

void ls_lead_clear(struct ls_lead *lead)
{
    for (int i = 0; i < LS_F_ALL; i++) {
        lead->f[i] = "";
        lead->len[i] = 0;
    }
    lead->n_extra = 0;
    lead->extra_name = NULL;
    lead->extra = NULL;
    lead->extra_len = NULL;
}

void ls_lead_set(struct ls_lead *lead, enum ls_field f, const char *s)
{
    lead->f[f] = s;
    lead->len[f] = strlen(s);
}
