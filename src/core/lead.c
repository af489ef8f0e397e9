/* lead.c - lead helpers. Pure. */
#include "lead.h"

#include <string.h>

const char *const ls_field_names[LS_F_COUNT] = {
    "name", "role", "company", "industry", "location", "linkedin_bio",
};

void ls_lead_clear(struct ls_lead *lead)
{
    for (int i = 0; i < LS_F_COUNT; i++) {
        lead->f[i] = "";
        lead->len[i] = 0;
    }
}

void ls_lead_set(struct ls_lead *lead, enum ls_field f, const char *s)
{
    lead->f[f] = s;
    lead->len[f] = strlen(s);
}
