/*
 * rules_config.c - every list and number the rule layer uses, in one place.
 * Edit here to tune scoring; the README's "Rule logic" section mirrors it.
 */
#include "rules.h"

#include <stddef.h>

static const char *const excluded_roles[] = {
    "intern", "internship", "student", "trainee", "apprentice", "assistant", NULL,
};

static const char *const decision_roles[] = {
    "founder",
    "cofounder",
    "co founder",
    "owner",
    "ceo",
    "cto",
    "cfo",
    "coo",
    "cmo",
    "cro",
    "cio",
    "cpo",
    "cso",
    "ciso",
    "cdo",
    "cxo",
    "chief",
    "president",
    "vp",
    "svp",
    "evp",
    "head",
    "director",
    "partner",
    "chairman",
    "chairwoman",
    "chairperson",
    "general manager",
    "managing director",
    NULL,
};

static const char *const influencer_roles[] = {
    "manager",    "mgr",         "lead",       "leader",     "senior",     "sr",
    "principal",  "staff",       "architect",  "specialist", "strategist", "consultant",
    "supervisor", "coordinator", "evangelist", NULL,
};

/* Tokens too generic to make two industries adjacent ("B2B SaaS" vs "B2B Retail"). */
static const char *const stop_words[] = {
    "and",        "of",       "the",        "for",    "b2b",      "b2c",       "mid",
    "market",     "company",  "companies",  "team",   "teams",    "segment",   "size",
    "a",          "an",       "in",         "on",     "at",       "by",        "to",
    "with",       "or",       "small",      "medium", "large",    "sized",     "smb",
    "sme",        "industry", "industries", "sector", "services", "solutions", "business",
    "businesses", "group",    "inc",        "llc",    "ltd",      NULL,
};

static const char *const fam_software[] = {
    "software",
    "saas",
    "cloud",
    "it",
    "information technology",
    "technology",
    "tech",
    "internet",
    "devtools",
    "developer tools",
    "artificial intelligence",
    "ai",
    "machine learning",
    "data analytics",
    "cybersecurity",
    "paas",
    "iaas",
    NULL,
};
static const char *const fam_finance[] = {
    "finance",
    "financial",
    "fintech",
    "banking",
    "bank",
    "insurance",
    "insurtech",
    "payments",
    "payment",
    "accounting",
    "investment",
    "investments",
    "venture capital",
    "private equity",
    "wealth management",
    "lending",
    "credit",
    "asset management",
    NULL,
};
static const char *const fam_commerce[] = {
    "commerce",  "e commerce",  "ecommerce",    "retail",
    "retailers", "marketplace", "marketplaces", "consumer goods",
    "cpg",       "fmcg",        "wholesale",    "d2c",
    "dtc",       NULL,
};
static const char *const fam_health[] = {
    "health",         "healthcare",      "health care",   "medical",
    "medtech",        "biotech",         "biotechnology", "pharma",
    "pharmaceutical", "pharmaceuticals", "hospital",      "hospitals",
    "life sciences",  "healthtech",      "wellness",      NULL,
};
static const char *const fam_education[] = {
    "education", "edtech",     "e learning",   "elearning", "higher education",
    "schools",   "university", "universities", NULL,
};
static const char *const fam_marketing[] = {
    "marketing",
    "martech",
    "advertising",
    "adtech",
    "media",
    "public relations",
    "digital marketing",
    "marketing agencies",
    "agency",
    "agencies",
    NULL,
};
static const char *const fam_manufacturing[] = {
    "manufacturing", "industrial",  "automotive", "machinery",
    "aerospace",     "electronics", "chemicals",  NULL,
};
static const char *const fam_logistics[] = {
    "logistics", "supply chain", "transportation", "shipping",
    "freight",   "trucking",     "warehousing",    NULL,
};
static const char *const fam_real_estate[] = {
    "real estate", "proptech", "construction", "property management", NULL,
};
static const char *const fam_telecom[] = {
    "telecommunications", "telecom", "wireless", "networking", NULL,
};
static const char *const fam_energy[] = {
    "energy",    "oil and gas", "renewables", "renewable energy",
    "utilities", "cleantech",   "solar",      NULL,
};
static const char *const fam_hr[] = {
    "human resources",    "hr", "hrtech", "staffing", "recruiting", "recruitment",
    "talent acquisition", NULL,
};
static const char *const fam_hospitality[] = {
    "hospitality", "travel", "tourism", "restaurants", "food and beverage", "leisure", NULL,
};
static const char *const fam_legal[] = {
    "legal", "law", "legal services", "legaltech", NULL,
};
static const char *const fam_consulting[] = {
    "consulting",
    "management consulting",
    "professional services",
    NULL,
};
static const char *const fam_public[] = {
    "government", "public sector", "nonprofit", "non profit", "ngo", NULL,
};

static const struct ls_industry_family families[] = {
    {"software", fam_software},
    {"finance", fam_finance},
    {"commerce", fam_commerce},
    {"health", fam_health},
    {"education", fam_education},
    {"marketing", fam_marketing},
    {"manufacturing", fam_manufacturing},
    {"logistics", fam_logistics},
    {"real estate", fam_real_estate},
    {"telecom", fam_telecom},
    {"energy", fam_energy},
    {"hr", fam_hr},
    {"hospitality", fam_hospitality},
    {"legal", fam_legal},
    {"consulting", fam_consulting},
    {"public sector", fam_public},
    {NULL, NULL},
};

static const struct ls_rules_config default_config = {
    .points_decision = 20,
    .points_influencer = 10,
    .points_exact = 20,
    .points_adjacent = 10,
    .points_complete = 10,
    .excluded_roles = excluded_roles,
    .decision_roles = decision_roles,
    .influencer_roles = influencer_roles,
    .stop_words = stop_words,
    .families = families,
};

const struct ls_rules_config *ls_rules_default_config(void)
{
    return &default_config;
}
