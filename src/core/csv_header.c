/*
 * csv_header.c - header names to lead fields: the alias table and the rules
 * for choosing among columns. Pure.
 *
 * Names are compared after normalisation: ASCII letters lowercased, digits and
 * bytes >= 0x80 kept, everything else (spaces, punctuation) dropped, so the
 * Data Loader's "FirstName", a scraper's "firstName" and HubSpot's "First
 * Name" are one name. Each alias has a rank within its field (and slot, for
 * parts): the lowest rank present wins, and the other columns that name the
 * field become extra columns, so nothing that came in is lost. Two columns of
 * the same rank for one field ("Email" twice, "Full Name" and "fullName")
 * cannot be told apart: the header is ambiguous.
 */
#include "csv_header.h"

#include <string.h>

#include "err.h"

#define NORM_MAX 128 /* bytes of a normalised name compared; longer names match nothing */

enum { SLOT_FIRST = 0, SLOT_LAST = 1, SLOT_CITY = 0, SLOT_STATE = 1, SLOT_COUNTRY = 2 };

/*
 * The sources named for each alias are the exports whose documented column
 * headers use it (the README's alias table lists the same). Within a field the
 * order is the preference: rank = position among the rows of that field (and
 * slot).
 */
static const struct alias {
    const char *name;
    enum ls_field field;
    enum ls_csv_col_kind kind;
    unsigned slot;
} aliases[] = {
    /* name */
    {"full name", LS_F_NAME, LS_CSV_COL_DIRECT, 0}, /* Zoho, Sales Navigator scrapers (fullName) */
    {"name", LS_F_NAME, LS_CSV_COL_DIRECT, 0},      /* leadscore, Pipedrive, Data Loader (Name) */
    {"contact name", LS_F_NAME, LS_CSV_COL_DIRECT, 0}, /* Salesforce contact reports */
    {"lead name", LS_F_NAME, LS_CSV_COL_DIRECT, 0},
    {"person name", LS_F_NAME, LS_CSV_COL_DIRECT, 0}, /* Pipedrive (Person - Name) */
    {"first name", LS_F_NAME, LS_CSV_COL_PART,
     SLOT_FIRST}, /* HubSpot, Salesforce, Zoho, Apollo, LinkedIn */
    {"given name", LS_F_NAME, LS_CSV_COL_PART, SLOT_FIRST},
    {"person first name", LS_F_NAME, LS_CSV_COL_PART, SLOT_FIRST}, /* Pipedrive */
    {"last name", LS_F_NAME, LS_CSV_COL_PART, SLOT_LAST},
    {"surname", LS_F_NAME, LS_CSV_COL_PART, SLOT_LAST},
    {"family name", LS_F_NAME, LS_CSV_COL_PART, SLOT_LAST},
    {"person last name", LS_F_NAME, LS_CSV_COL_PART, SLOT_LAST}, /* Pipedrive */
    /* role */
    {"role", LS_F_ROLE, LS_CSV_COL_DIRECT, 0},
    {"job title", LS_F_ROLE, LS_CSV_COL_DIRECT, 0}, /* HubSpot, Pipedrive */
    {"title", LS_F_ROLE, LS_CSV_COL_DIRECT, 0},     /* Salesforce, Data Loader, Apollo, scrapers */
    {"position", LS_F_ROLE, LS_CSV_COL_DIRECT, 0},  /* LinkedIn Connections */
    {"designation", LS_F_ROLE, LS_CSV_COL_DIRECT, 0}, /* Zoho */
    {"job role", LS_F_ROLE, LS_CSV_COL_DIRECT, 0},
    {"person job title", LS_F_ROLE, LS_CSV_COL_DIRECT, 0}, /* Pipedrive */
    /* company */
    {"company", LS_F_COMPANY, LS_CSV_COL_DIRECT, 0}, /* Salesforce leads, Zoho, Apollo, LinkedIn */
    {"company name", LS_F_COMPANY, LS_CSV_COL_DIRECT, 0},      /* HubSpot, scrapers (companyName) */
    {"company account", LS_F_COMPANY, LS_CSV_COL_DIRECT, 0},   /* Salesforce reports */
    {"account name", LS_F_COMPANY, LS_CSV_COL_DIRECT, 0},      /* Salesforce contact reports */
    {"organization", LS_F_COMPANY, LS_CSV_COL_DIRECT, 0},      /* Pipedrive */
    {"organization name", LS_F_COMPANY, LS_CSV_COL_DIRECT, 0}, /* Pipedrive */
    {"person organization", LS_F_COMPANY, LS_CSV_COL_DIRECT, 0}, /* Pipedrive */
    {"organisation", LS_F_COMPANY, LS_CSV_COL_DIRECT, 0},
    {"employer", LS_F_COMPANY, LS_CSV_COL_DIRECT, 0},
    /* industry */
    {"industry", LS_F_INDUSTRY, LS_CSV_COL_DIRECT, 0}, /* HubSpot, Salesforce, Zoho, Apollo */
    {"company industry", LS_F_INDUSTRY, LS_CSV_COL_DIRECT, 0},
    {"sector", LS_F_INDUSTRY, LS_CSV_COL_DIRECT, 0},
    {"vertical", LS_F_INDUSTRY, LS_CSV_COL_DIRECT, 0},
    /* location */
    {"location", LS_F_LOCATION, LS_CSV_COL_DIRECT, 0}, /* scrapers */
    {"geo", LS_F_LOCATION, LS_CSV_COL_DIRECT, 0},
    {"city", LS_F_LOCATION, LS_CSV_COL_PART, SLOT_CITY}, /* HubSpot, Salesforce, Zoho, Apollo */
    {"mailing city", LS_F_LOCATION, LS_CSV_COL_PART, SLOT_CITY}, /* Salesforce contacts */
    {"town", LS_F_LOCATION, LS_CSV_COL_PART, SLOT_CITY},
    {"state region", LS_F_LOCATION, LS_CSV_COL_PART, SLOT_STATE},   /* HubSpot */
    {"state", LS_F_LOCATION, LS_CSV_COL_PART, SLOT_STATE},          /* Zoho, Apollo, Data Loader */
    {"state province", LS_F_LOCATION, LS_CSV_COL_PART, SLOT_STATE}, /* Salesforce reports */
    {"mailing state province", LS_F_LOCATION, LS_CSV_COL_PART, SLOT_STATE}, /* Salesforce */
    {"mailing state", LS_F_LOCATION, LS_CSV_COL_PART, SLOT_STATE},          /* Data Loader */
    {"province", LS_F_LOCATION, LS_CSV_COL_PART, SLOT_STATE},
    {"region", LS_F_LOCATION, LS_CSV_COL_PART, SLOT_STATE},
    {"country region", LS_F_LOCATION, LS_CSV_COL_PART, SLOT_COUNTRY}, /* HubSpot */
    {"country", LS_F_LOCATION, LS_CSV_COL_PART, SLOT_COUNTRY},        /* Salesforce, Zoho, Apollo */
    {"country territory", LS_F_LOCATION, LS_CSV_COL_PART, SLOT_COUNTRY}, /* Salesforce */
    {"mailing country", LS_F_LOCATION, LS_CSV_COL_PART, SLOT_COUNTRY},   /* Salesforce */
    /* linkedin_bio */
    {"linkedin bio", LS_F_BIO, LS_CSV_COL_DIRECT, 0}, /* leadscore, HubSpot */
    {"linkedin summary", LS_F_BIO, LS_CSV_COL_DIRECT, 0},
    {"linkedin about", LS_F_BIO, LS_CSV_COL_DIRECT, 0},
    {"bio", LS_F_BIO, LS_CSV_COL_DIRECT, 0},
    {"summary", LS_F_BIO, LS_CSV_COL_DIRECT, 0}, /* Sales Navigator scrapers */
    {"about", LS_F_BIO, LS_CSV_COL_DIRECT, 0},
    {"headline", LS_F_BIO, LS_CSV_COL_DIRECT, 0},
    {"description", LS_F_BIO, LS_CSV_COL_DIRECT, 0}, /* Salesforce, Zoho */
    /* email */
    {"email", LS_F_EMAIL, LS_CSV_COL_DIRECT, 0}, /* HubSpot, Salesforce, Zoho, Apollo, Pipedrive */
    {"email address", LS_F_EMAIL, LS_CSV_COL_DIRECT, 0}, /* LinkedIn Connections */
    {"work email", LS_F_EMAIL, LS_CSV_COL_DIRECT, 0},
    {"person email", LS_F_EMAIL, LS_CSV_COL_DIRECT, 0},      /* Pipedrive */
    {"email work", LS_F_EMAIL, LS_CSV_COL_DIRECT, 0},        /* Pipedrive (Email - Work) */
    {"person email work", LS_F_EMAIL, LS_CSV_COL_DIRECT, 0}, /* Pipedrive */
    /* linkedin_url */
    {"linkedin url", LS_F_LINKEDIN_URL, LS_CSV_COL_DIRECT, 0},
    {"linkedin profile url", LS_F_LINKEDIN_URL, LS_CSV_COL_DIRECT, 0}, /* scrapers */
    {"person linkedin url", LS_F_LINKEDIN_URL, LS_CSV_COL_DIRECT, 0},  /* Apollo */
    {"linkedin profile", LS_F_LINKEDIN_URL, LS_CSV_COL_DIRECT, 0},
    {"linkedin", LS_F_LINKEDIN_URL, LS_CSV_COL_DIRECT, 0},
    {"default profile url", LS_F_LINKEDIN_URL, LS_CSV_COL_DIRECT, 0}, /* scrapers */
    {"profile url", LS_F_LINKEDIN_URL, LS_CSV_COL_DIRECT, 0}, /* scrapers (Sales Navigator URL) */
    {"url", LS_F_LINKEDIN_URL, LS_CSV_COL_DIRECT, 0},         /* LinkedIn Connections */
    /* external_id */
    {"external id", LS_F_EXTERNAL_ID, LS_CSV_COL_DIRECT, 0},
    {"record id", LS_F_EXTERNAL_ID, LS_CSV_COL_DIRECT, 0},         /* HubSpot, Zoho (Record Id) */
    {"lead id", LS_F_EXTERNAL_ID, LS_CSV_COL_DIRECT, 0},           /* Salesforce lead reports */
    {"contact id", LS_F_EXTERNAL_ID, LS_CSV_COL_DIRECT, 0},        /* Salesforce contact reports */
    {"id", LS_F_EXTERNAL_ID, LS_CSV_COL_DIRECT, 0},                /* Data Loader, Pipedrive (ID) */
    {"person id", LS_F_EXTERNAL_ID, LS_CSV_COL_DIRECT, 0},         /* Pipedrive (Person - ID) */
    {"apollo contact id", LS_F_EXTERNAL_ID, LS_CSV_COL_DIRECT, 0}, /* Apollo */
    {"crm id", LS_F_EXTERNAL_ID, LS_CSV_COL_DIRECT, 0},
};

static const char *const part_sep[LS_F_ALL] = {" ", " ", " ", " ", ", ", " ", " ", " ", " "};

const char *ls_csv_part_sep(enum ls_field f)
{
    return part_sep[f];
}

/* Lowercase ASCII letters and digits, bytes >= 0x80 as they are; nothing else. */
static size_t normalise(const char *s, char *out, size_t cap)
{
    size_t w = 0;
    for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
        unsigned char c = *u;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80))
            continue;
        if (w + 1 >= cap)
            return 0; /* too long to be any alias */
        out[w++] = (char)c;
    }
    out[w] = '\0';
    return w;
}

/* The alias row for a normalised name, or -1; *rank is its place within its field and slot. */
static int find_alias(const char *norm, unsigned *rank)
{
    char a[NORM_MAX];
    for (size_t i = 0; i < LS_ARRAY_LEN(aliases); i++) {
        normalise(aliases[i].name, a, sizeof(a));
        if (strcmp(a, norm) != 0)
            continue;
        unsigned r = 0;
        for (size_t j = 0; j < i; j++) {
            r += aliases[j].field == aliases[i].field && aliases[j].kind == aliases[i].kind &&
                 aliases[j].slot == aliases[i].slot;
        }
        *rank = r;
        return (int)i;
    }
    return -1;
}

/*
 * Best column per field (direct) or per field and slot (parts): its index and
 * rank, and a second column of the same rank when there is one (ambiguous).
 */
struct best {
    long col;
    long twin;
    unsigned rank;
};

static void consider(struct best *b, size_t k, unsigned rank)
{
    if (b->col >= 0 && rank == b->rank) {
        if (b->twin < 0)
            b->twin = (long)k;
    } else if (b->col < 0 || rank < b->rank) {
        b->col = (long)k;
        b->twin = -1;
        b->rank = rank;
    }
}

static void note_twin(const struct best *b, enum ls_field f, struct ls_csv_header_map *map)
{
    if (b->twin < 0 || map->ambiguous_field >= 0)
        return;
    map->ambiguous_field = (int)f;
    map->ambiguous[0] = (size_t)b->col;
    map->ambiguous[1] = (size_t)b->twin;
}

void ls_csv_header_map(const char *const *names, size_t n, struct ls_csv_col *cols,
                       struct ls_csv_header_map *map)
{
    struct best direct[LS_F_ALL];
    struct best part[LS_F_ALL][LS_CSV_PART_SLOTS];
    unsigned rank_of = 0;
    memset(map, 0, sizeof(*map));
    map->ambiguous_field = -1;
    for (int f = 0; f < LS_F_ALL; f++) {
        direct[f].col = direct[f].twin = -1;
        for (int s = 0; s < LS_CSV_PART_SLOTS; s++)
            part[f][s].col = part[f][s].twin = -1;
    }
    for (size_t k = 0; k < n; k++) {
        char norm[NORM_MAX];
        cols[k].kind = LS_CSV_COL_EXTRA;
        cols[k].field = LS_F_NAME;
        cols[k].slot = 0;
        if (normalise(names[k], norm, sizeof(norm)) == 0)
            continue;
        int a = find_alias(norm, &rank_of);
        if (a < 0)
            continue;
        const struct alias *al = &aliases[a];
        map->n_known++;
        cols[k].kind = al->kind;
        cols[k].field = al->field;
        cols[k].slot = al->slot;
        if (al->kind == LS_CSV_COL_DIRECT)
            consider(&direct[al->field], k, rank_of);
        else
            consider(&part[al->field][al->slot], k, rank_of);
    }
    /* The chosen columns keep their field; the others that named it become extras. */
    for (size_t k = 0; k < n; k++) {
        struct ls_csv_col *c = &cols[k];
        if (c->kind == LS_CSV_COL_DIRECT && direct[c->field].col != (long)k)
            c->kind = LS_CSV_COL_EXTRA;
        if (c->kind == LS_CSV_COL_PART &&
            (direct[c->field].col >= 0 || part[c->field][c->slot].col != (long)k))
            c->kind = LS_CSV_COL_EXTRA;
    }
    /* Only the columns that are read can be ambiguous: parts are not when a direct one wins. */
    for (int f = 0; f < LS_F_ALL; f++) {
        note_twin(&direct[f], (enum ls_field)f, map);
        for (int s = 0; s < LS_CSV_PART_SLOTS && direct[f].col < 0; s++)
            note_twin(&part[f][s], (enum ls_field)f, map);
    }
    for (int f = 0; f < LS_F_ALL; f++) {
        bool has = direct[f].col >= 0;
        for (int s = 0; s < LS_CSV_PART_SLOTS; s++)
            has = has || part[f][s].col >= 0;
        if (!has)
            map->missing |= 1u << f;
    }
}

bool ls_csv_header_has_required(const struct ls_csv_header_map *map)
{
    bool has_name = !(map->missing & (1u << LS_F_NAME));
    bool has_role = !(map->missing & (1u << LS_F_ROLE));
    bool has_company = !(map->missing & (1u << LS_F_COMPANY));
    return has_name && (has_role || has_company);
}

bool ls_csv_header_usable(const struct ls_csv_header_map *map)
{
    return ls_csv_header_has_required(map) && map->ambiguous_field < 0;
}
