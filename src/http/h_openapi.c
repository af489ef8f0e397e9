/*
 * h_openapi.c - GET /openapi.json: the OpenAPI 3.1 document, built from the
 * route table on every request. ls_routes_all() says which operations exist
 * (a route is never left out); the tables below say, per method and
 * pattern, what each takes and answers: request body, parameters, every
 * status with its body, headers and media type. A route without an entry,
 * or whose entry disagrees with the route table (query parameters, success
 * status), is still listed but marked x-leadscore-undocumented, which fails
 * tests/conformance. Component schemas are in openapi_schemas.c.
 */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openapi.h"

/* ---- small helpers -------------------------------------------------------------- */

/* The next space-separated word of *p (advanced past it); false at the end. */
static bool next_word(const char **p, const char **word, size_t *len)
{
    const char *s = *p;
    while (s && *s == ' ')
        s++;
    if (s == NULL || *s == '\0')
        return false;
    size_t n = strcspn(s, " ");
    *word = s;
    *len = n;
    *p = s + n;
    return true;
}

static bool word_in(const char *list, const char *word, size_t len)
{
    const char *w;
    size_t n;
    while (next_word(&list, &w, &n)) {
        if (n == len && strncmp(w, word, len) == 0)
            return true;
    }
    return false;
}

static json_t *ref(const char *kind, const char *name, size_t len)
{
    char r[160];
    snprintf(r, sizeof(r), "#/components/%s/%.*s", kind, (int)len, name);
    return json_pack("{s:s}", "$ref", r);
}

/* Adds why to the operation's list of disagreements with the route table. */
static void undocumented(json_t *op, const char *why)
{
    json_t *list = json_object_get(op, "x-leadscore-undocumented");
    if (list == NULL) {
        list = json_array();
        json_object_set_new(op, "x-leadscore-undocumented", list);
    }
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (strcmp(json_string_value(v), why) == 0)
            return;
    }
    json_array_append_new(list, json_string(why));
}

/* ---- headers, parameters, request bodies ------------------------------------------------ */

#define X_REQUEST_ID_PATTERN "^[A-Za-z0-9._-]{1,64}$"

static const struct {
    const char *name;
    const char *json;
} headers[] = {
    {"X-Request-Id",
     "{'required':true,'description':'The id of this request in the server log: the one the "
     "client sent in X-Request-Id when that is 1-64 characters of A-Z a-z 0-9 . _ -, else 16 "
     "random hex digits.','schema':{'type':'string','pattern':'" X_REQUEST_ID_PATTERN "'}}"},
    {"Location",
     "{'required':true,'description':'The path of the new resource.',"
     "'schema':{'type':'string','pattern':'^/(jobs|keys|offers|uploads)/[1-9][0-9]*$'}}"},
    {"X-Total-Count",
     "{'required':true,'description':'Results matching the filters, over all pages.',"
     "'schema':{'type':'integer','minimum':0}}"},
    {"X-Job-Id", "{'required':true,'description':'The job the results are of.',"
                 "'schema':{'type':'integer','minimum':1}}"},
    {"X-Job-Status",
     "{'required':true,'description':'That job\\u0027s status now: results of a running job are "
     "the ones stored so far.','schema':{'type':'string','enum':['queued','running','succeeded',"
     "'failed','cancelled','stopped']}}"},
    {"Content-Disposition",
     "{'required':true,'description':'A download, named after the format.',"
     "'schema':{'type':'string','enum':['attachment; filename=lead_scores.csv',"
     "'attachment; filename=lead_scores.jsonl','attachment; filename=lead_scores.xlsx']}}"},
    {"WWW-Authenticate",
     "{'required':true,'description':'The scheme to authenticate with (RFC 9110 section "
     "11.6.1).','schema':{'type':'string','const':'Bearer realm=\\'leadscore\\''}}"},
    {"Preference-Applied",
     "{'required':true,'description':'Prefer: respond-async was honoured (RFC 7240).',"
     "'schema':{'type':'string','const':'respond-async'}}"},
    {"Cache-Control",
     "{'required':true,'description':'no-store: the reply holds a secret (a new key, a "
     "session cookie), says who the caller is (GET /session), or is a page "
     "of a job still running or a summary; private, no-cache: a finished job\\u0027s page, which may be kept "
     "and revalidated with its ETag; no-cache: a dashboard page or an event stream; public, "
     "max-age=31536000, immutable: a dashboard file at its content-hashed name.','schema':"
     "{'type':'string','enum':['no-store','private, no-store','private, no-cache','no-cache',"
     "'public, max-age=31536000, immutable']}}"},
    {"X-Accel-Buffering",
     "{'required':true,'description':'no: a proxy (nginx) must pass each event on at once, "
     "not buffer the stream.','schema':{'type':'string','const':'no'}}"},
    {"ETag",
     "{'required':false,'description':'A finished job\\u0027s page: its validator, for "
     "If-None-Match (then 304); also a dashboard file\\u0027s. The gzip form has its own, ending in -gz.','schema':{'type':"
     "'string','pattern':'^\\\"([0-9a-f]{24}|[0-9a-f]{32})(-gz)?\\\"$'}}"},
    {"Vary", "{'required':false,'description':'The reply depends on these request headers.',"
             "'schema':{'type':'string'}}"},
    {"Content-Encoding",
     "{'required':false,'description':'gzip when the request accepted it (Accept-Encoding) and "
     "the page is a finished job\\u0027s, or a dashboard file.','schema':{'type':'string','const':'gzip'}}"},
    {"Content-Security-Policy",
     "{'required':true,'description':'Only this server\\u0027s own scripts and styles; no inline "
     "script or style attribute, no framing.','schema':{'type':'string','pattern':'^default-src "
     "\\u0027self\\u0027; script-src \\u0027self\\u0027; style-src \\u0027self\\u0027;.*"
     "frame-ancestors \\u0027none\\u0027$'}}"},
    {"X-Content-Type-Options", "{'required':true,'schema':{'type':'string','const':'nosniff'}}"},
    {"Referrer-Policy", "{'required':true,'schema':{'type':'string','const':'no-referrer'}}"},
    {"X-Frame-Options", "{'required':true,'schema':{'type':'string','const':'DENY'}}"},
    {"Retry-After", "{'required':true,'description':'Seconds to wait before trying again.',"
                    "'schema':{'type':'integer','minimum':1}}"},
    {"Set-Cookie",
     "{'required':true,'description':'The ls_session cookie: on sign-in its token (64 hex "
     "digits, the only place it is ever shown) and lifetime (LEADSCORE_SESSION_HOURS); on "
     "sign-out empty with Max-Age=0. HttpOnly and SameSite=Strict always; Secure when "
     "LEADSCORE_COOKIE_SECURE=1 or the request has X-Forwarded-Proto: https.',"
     "'schema':{'type':'string','pattern':'^ls_session=([0-9a-f]{64}; Path=/; Max-Age=[1-9][0-9]*|"
     "; Path=/; Max-Age=0); HttpOnly; SameSite=Strict(; Secure)?$'}}"},
};

#define ID_PARAM(what)                                                                             \
    "{'name':'id','in':'path','required':true,'description':'The " what " id: a positive "         \
    "integer, no sign, no leading zero (400 invalid otherwise).','schema':{'type':'integer',"      \
    "'minimum':1}}"
#define STRICT_INT "Digits only: no sign, no leading zero, no spaces (400 invalid otherwise)."

static const struct {
    const char *name;
    const char *json;
} parameters[] = {
    {"RequestId",
     "{'name':'X-Request-Id','in':'header','required':false,'description':'An id for this "
     "request, echoed in the X-Request-Id reply header and the server log; ignored unless it "
     "is 1-64 characters of A-Z a-z 0-9 . _ -','schema':{'type':'string'}}"},
    {"Prefer",
     "{'name':'Prefer','in':'header','required':false,'description':'respond-async: answer "
     "202 with the job\\u0027s Location at once instead of waiting for the job (RFC 7240).',"
     "'schema':{'type':'string','examples':['respond-async']}}"},
    {"OfferId", ID_PARAM("offer")},
    {"UploadId", ID_PARAM("upload")},
    {"JobId", ID_PARAM("job")},
    {"KeyId", ID_PARAM("key")},
    {"AssetName",
     "{'name':'name','in':'path','required':true,'description':'A file name as the page names "
     "it: stem, content hash, extension.','schema':{'type':'string','pattern':"
     "'^[a-z0-9-]+\\\\.[0-9a-f]{12}\\\\.[a-z0-9]+$'}}"},
    {"ListLimit",
     "{'name':'limit','in':'query','required':false,'description':'Items per page. " STRICT_INT
     "','schema':{'type':'integer','minimum':1,'maximum':1000,'default':100}}"},
    {"PageLimit",
     "{'name':'limit','in':'query','required':false,'description':'Items per page. " STRICT_INT
     "','schema':{'type':'integer','minimum':1,'maximum':10000,'default':1000}}"},
    {"Offset",
     "{'name':'offset','in':'query','required':false,'description':'Items to skip. " STRICT_INT
     "','schema':{'type':'integer','minimum':0,'maximum':1000000000,'default':0}}"},
    {"Intent", "{'name':'intent','in':'query','required':false,'description':'Intents to keep: a "
               "comma-separated list of High, Medium, Low (any case).','schema':{'type':'string',"
               "'examples':['High,Medium']}}"},
    {"MinScore",
     "{'name':'min_score','in':'query','required':false,'description':'Lowest score kept. " STRICT_INT
     "','schema':{'type':'integer','minimum':0,'maximum':100,'default':0}}"},
    {"MaxScore",
     "{'name':'max_score','in':'query','required':false,'description':'Highest score kept "
     "(not below min_score). " STRICT_INT "','schema':{'type':'integer','minimum':0,"
     "'maximum':100,'default':100}}"},
    {"Q",
     "{'name':'q','in':'query','required':false,'description':'Text to find, case-insensitive, "
     "in name, company or role.','schema':{'type':'string','maxLength':200}}"},
    {"Sort",
     "{'name':'sort','in':'query','required':false,'description':'-score: score descending "
     "(ties in upload order); score: ascending; name, company: alphabetical.',"
     "'schema':{'type':'string','enum':['-score','score','name','company'],'default':'-score'}}"},
    {"Format",
     "{'name':'format','in':'query','required':false,'description':'csv (text/csv), csv-excel "
     "(text/csv for Excel: a UTF-8 BOM, CRLF, and the delimiter the upload was read with), "
     "jsonl (application/x-ndjson, one Result per line) or xlsx (an Excel workbook of the "
     "same columns and rows).','schema':{'type':'string','enum':["
     "'csv','csv-excel','jsonl','xlsx'],'default':'csv'}}"},
    {"Columns",
     "{'name':'columns','in':'query','required':false,'description':'The CSV and XLSX columns, in order: "
     "a comma-separated list of column names (name, role, company, intent, score, reasoning, "
     "industry, location, rule_score, ai_score, role_points, industry_points, "
     "completeness_points, lead_id, line, email, linkedin_url, external_id) and original "
     "headers of the upload\\u0027s extra columns. An unknown name is a 400 naming it. "
     "Default: all of them, extra columns last in file order.','schema':{'type':'string',"
     "'examples':['external_id,email,score,intent']}}"},
    {"Dedupe",
     "{'name':'dedupe','in':'query','required':false,'description':'mark: a row repeating an "
     "earlier one (same email; with no email, same name and company) is stored with "
     "duplicate_of and scored once, reusing the verdict; drop: it is left out. Either way it "
     "is counted in duplicates.','schema':{'type':'string','enum':['mark','drop'],"
     "'default':'mark'}}"},
    {"Filename",
     "{'name':'filename','in':'query','required':false,'description':'The name to record for "
     "a raw text/csv upload (a multipart upload takes the part\\u0027s file name).',"
     "'schema':{'type':'string'}}"},
    {"Delimiter",
     "{'name':'delimiter','in':'query','required':false,'description':'The field delimiter, "
     "instead of detecting it (from an Excel sep= first line, or the one that makes the header "
     "yield the most known columns, a comma on a tie): , ; | or tab (a TAB character or \\\\t "
     "also work).','schema':{'type':'string','enum':[',',';','|','tab','\\t','\\\\t']}}"},
    {"Encoding",
     "{'name':'encoding','in':'query','required':false,'description':'The file\\u0027s text "
     "encoding, instead of detecting it (UTF-8, UTF-16 by its byte order mark or NUL bytes, "
     "else Windows-1252 field by field): any name iconv knows, e.g. macintosh, shift_jis, "
     "iso-8859-15, utf-16le. An unknown name is a 400.','schema':{'type':'string',"
     "'maxLength':31,'pattern':'^[A-Za-z0-9._:-]+$','examples':['macintosh']}}"},
    {"IfNoneMatch",
     "{'name':'If-None-Match','in':'header','required':false,'description':'The ETag of a "
     "page already held: 304 when it is still the page.','schema':{'type':'string'}}"},
    {"AcceptEncoding",
     "{'name':'Accept-Encoding','in':'header','required':false,'description':'gzip: a "
     "finished job\\u0027s page comes compressed (Content-Encoding: gzip).',"
     "'schema':{'type':'string'}}"},
    {"Purge",
     "{'name':'purge','in':'query','required':false,'description':'1: delete the finished job "
     "and its results instead of cancelling it.','schema':{'type':'integer','enum':[0,1],"
     "'default':0}}"},
};

static const struct {
    const char *name;
    const char *json;
} request_bodies[] = {
    {"OfferInput", "{'required':true,'description':'At most 1 MiB.','content':{'application/json':{"
                   "'schema':{'$ref':'#/components/schemas/OfferInput'}}}}"},
    {"LeadsCsv",
     "{'required':true,'description':'A leads CSV (RFC 4180 with , ; tab or | between fields; "
     "UTF-8, UTF-16, Windows-1252 or any ?encoding=; LF, CRLF or CR line ends; a header row "
     "naming the columns within the first 20 lines), as multipart field file or as the raw body. "
     "Parsed as it arrives; at most LEADSCORE_MAX_UPLOAD_MB (512 MiB) and LEADSCORE_MAX_ROWS "
     "rows.',"
     "'content':{'multipart/form-data':{'schema':{'type':'object','required':['file'],"
     "'properties':{'file':{'type':'string','contentMediaType':'text/csv'}}},"
     "'encoding':{'file':{'contentType':'text/csv, application/octet-stream'}}},"
     "'text/csv':{'schema':{'type':'string'}},'application/csv':{'schema':{'type':'string'}}}}"},
    {"JobCreate",
     "{'required':false,'description':'May be left out (then no Content-Type is needed, except "
     "from a browser, which must send at least {}). At most 1 MiB.',"
     "'content':{'application/json':{'schema':{'$ref':'#/components/schemas/JobCreateRequest'}}}}"},
    {"JobResume",
     "{'required':false,'description':'May be left out: the job goes on with the budget it had "
     "(which then must be above what it has spent).',"
     "'content':{'application/json':{'schema':{'$ref':'#/components/schemas/JobResumeRequest'}}}}"},
    {"JobRequest",
     "{'required':false,'description':'May be left out (then no Content-Type is needed, except "
     "from a browser, which must send at least {}). At most 1 MiB.',"
     "'content':{'application/json':{'schema':{'$ref':'#/components/schemas/JobRequest'}}}}"},
    {"KeyRequest", "{'required':true,'content':{'application/json':{"
                   "'schema':{'$ref':'#/components/schemas/KeyRequest'}}}}"},
    {"SessionRequest", "{'required':true,'content':{'application/json':{"
                       "'schema':{'$ref':'#/components/schemas/SessionRequest'}}}}"},
};

/* ---- responses ------------------------------------------------------------------------ */

#define JSON   "application/json"
#define CSV    "text/csv; charset=utf-8"
#define NDJSON "application/x-ndjson"
#define XLSX   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#define PROM   "text/plain; version=0.0.4; charset=utf-8"
#define SSE    "text/event-stream"
#define HTML   "text/html; charset=utf-8"
#define WEB_HEADERS                                                                                 \
    "Content-Security-Policy X-Content-Type-Options Referrer-Policy X-Frame-Options Cache-Control " \
    "Vary"

struct resp_doc {
    const char *name; /* its components/responses key */
    unsigned status;
    const char *description;
    const char *headers;   /* components/headers besides X-Request-Id (always sent) */
    const char *codes;     /* an error: the codes its Error body may carry */
    const char *type[4];   /* media types of a success body */
    const char *schema[4]; /* their components/schemas; "A|B": one of A and B */
    const char *lines;     /* application/x-ndjson: the schema of each line; text/event-stream:
                              set (the event schema is ls_openapi_job_event_schema's) */
};

/* clang-format off */
static const struct resp_doc responses[] = {
    /* success */
    {"Health", 200, "The service runs and its store can be written.", NULL, NULL, {JSON}, {"Health"}, NULL},
    {"OpenApi", 200, "This document.", NULL, NULL, {JSON}, {"OpenApiDocument"}, NULL},
    {"Metrics", 200, "The metrics.", NULL, NULL, {PROM}, {"MetricsText"}, NULL},
    {"OfferCreated", 201, "Stored; it is now the current offer.", "Location", NULL, {JSON}, {"OfferCreated"}, NULL},
    {"OfferList", 200, "A page of offers, newest first.", NULL, NULL, {JSON}, {"OfferList"}, NULL},
    {"OfferDetail", 200, "The offer.", NULL, NULL, {JSON}, {"OfferDetail"}, NULL},
    {"OfferDeleted", 200, "Deleted; finished jobs keep their results.", NULL, NULL, {JSON}, {"Deleted"}, NULL},
    {"UploadCreated", 201, "Stored; it is now the current lead set. Rejected rows are listed.", "Location", NULL, {JSON}, {"UploadCreated"}, NULL},
    {"UploadList", 200, "A page of uploads, newest first.", NULL, NULL, {JSON}, {"UploadList"}, NULL},
    {"UploadDetail", 200, "The upload with its first 100 rejected rows.", NULL, NULL, {JSON}, {"UploadDetail"}, NULL},
    {"UploadDeleted", 200, "Deleted with its leads and the results scored from them.", NULL, NULL, {JSON}, {"Deleted"}, NULL},
    {"LeadList", 200, "A page of the upload's leads in upload order.", NULL, NULL, {JSON}, {"LeadList"}, NULL},
    {"ScoreResult", 200, "The job has finished: what it scored.", NULL, NULL, {JSON}, {"ScoreResult"}, NULL},
    {"ScoreAccepted", 202, "With Prefer: respond-async: the job is queued; follow Location.", "Location Preference-Applied", NULL, {JSON}, {"ScoreAccepted"}, NULL},
    {"JobAccepted", 202, "The job is queued; follow Location.", "Location", NULL, {JSON}, {"Job"}, NULL},
    {"JobEstimate", 200, "dry_run: what the job would send, use, cost and take; no job is created and no model is called.", NULL, NULL, {JSON}, {"JobEstimate"}, NULL},
    {"JobResumed", 200, "The job, queued again.", NULL, NULL, {JSON}, {"Job"}, NULL},
    {"JobList", 200, "A page of jobs, newest first.", NULL, NULL, {JSON}, {"JobList"}, NULL},
    {"Job", 200, "The job now.", NULL, NULL, {JSON}, {"Job"}, NULL},
    {"JobStopped", 200, "Cancelled: the job once it has stopped (finished results are kept). With purge=1: the job and its results are deleted.", NULL, NULL, {JSON}, {"Job|Deleted"}, NULL},
    {"JobEvents", 200, "Server-Sent Events, streamed (chunked on HTTP/1.1, else until the close): first retry: 2000, then at once a job event, then one whenever the job's progress changes and at least once a second while it runs. Each job event carries id: (1, 2, ... on this stream) and data: the Job as GET /jobs/{id} answers it, on one line. Once the job is final (succeeded, failed, cancelled) its last job event is followed by an end event, data: {\"status\": ...}, and the stream ends. A server shutting down ends the stream without an end event, so an EventSource reconnects.", "Cache-Control X-Accel-Buffering", NULL, {SSE}, {"JobEventStream"}, "JobEvent"},
    {"JobResultsDeleted", 200, "The results are deleted; the job stays, with results_deleted_at.", NULL, NULL, {JSON}, {"Job"}, NULL},
    {"ResultPage", 200, "A page of results. A finished job's page (up to 2,000 rows) is sent from memory with an ETag, gzip-compressed when accepted; other pages are streamed.", "X-Total-Count X-Job-Id X-Job-Status Cache-Control ETag Vary Content-Encoding", NULL, {JSON}, {"ResultPage"}, NULL},
    {"NotModified", 304, "The page named by If-None-Match is still the page: no body.", "X-Total-Count X-Job-Id X-Job-Status Cache-Control ETag Vary", NULL, {NULL}, {NULL}, NULL},
    {"ResultSummary", 200, "Counts by intent and the score distribution of the results the filter matches (total: as X-Total-Count of GET /results with the same filter). Ten bins, the last 90-100.", "Cache-Control", NULL, {JSON}, {"ResultSummary"}, NULL},
    {"ResultExport", 200, "Every matching result, streamed (chunked on HTTP/1.1) in constant memory; CSV unless format=jsonl or format=xlsx. A store failure mid-way cuts the body off, so a short download is never a complete-looking one. XLSX: the status line follows the workbook's start (a failure to start it is an Error); its rows are built into it page by page, then the finished file is streamed, and a client that leaves meanwhile ends the build.", "Content-Disposition X-Job-Id X-Job-Status", NULL, {CSV, NDJSON, XLSX}, {"ResultCsv", "ResultLines", "ResultXlsx"}, "Result"},
    {"KeyList", 200, "The workspace's keys, revoked ones included.", NULL, NULL, {JSON}, {"KeyList"}, NULL},
    {"KeyCreated", 201, "Created; key is its secret, shown this once.", "Location Cache-Control", NULL, {JSON}, {"KeyCreated"}, NULL},
    {"DashboardPage", 200, "The dashboard's page; its scripts and styles are named by content hash.", WEB_HEADERS " ETag Content-Encoding", NULL, {HTML}, {"DashboardText"}, NULL},
    {"DashboardFile", 200, "The file, cached for good (its name changes with its content).", WEB_HEADERS " ETag Content-Encoding", NULL, {"text/javascript; charset=utf-8", "text/css; charset=utf-8", "image/svg+xml"}, {"DashboardText", "DashboardText", "DashboardText"}, NULL},
    {"DashboardNotModified", 304, "The file named by If-None-Match is still the file: no body.", WEB_HEADERS " ETag", NULL, {NULL}, {NULL}, NULL},
    {"DashboardNotFound", 404, "No such dashboard file: the dashboard's not-found page.", WEB_HEADERS, NULL, {HTML}, {"DashboardText"}, NULL},
    {"KeyRevoked", 200, "Revoked.", NULL, NULL, {JSON}, {"Deleted"}, NULL},
    {"SessionCreated", 201, "Signed in: Set-Cookie carries the session; it acts as the key (role, workspace) until expires_at, sign-out, or the key's revocation.", "Set-Cookie Cache-Control", NULL, {JSON}, {"SessionCreated"}, NULL},
    {"SessionInfo", 200, "Who the request authenticates as.", "Cache-Control", NULL, {JSON}, {"SessionInfo"}, NULL},
    {"SignedOut", 200, "Signed out (also when there was no session): the cookie is cleared.", "Set-Cookie Cache-Control", NULL, {JSON}, {"SignedOut"}, NULL},
    /* errors */
    {"BadRequest", 400, "The request is malformed, or a query parameter or path id is wrong.", NULL, "bad_request invalid", {NULL}, {NULL}, NULL},
    {"BadJson", 400, "The request is malformed, a query parameter is wrong, or the JSON body is not well-formed.", NULL, "bad_request invalid parse_error", {NULL}, {NULL}, NULL},
    {"BadUpload", 400, "The request or the CSV is malformed; nothing of the upload is kept.", NULL, "bad_request invalid missing_columns ambiguous_columns no_leads invalid_csv missing_file invalid_multipart", {NULL}, {NULL}, NULL},
    {"Unauthorized", 401, "A key is needed, or the one sent is malformed, unknown or revoked. An Authorization header is checked wherever it is sent, even on public operations.", "WWW-Authenticate", "unauthorized", {NULL}, {NULL}, NULL},
    {"Forbidden", 403, "The key's role is too low, or a browser origin may not make this request.", NULL, "forbidden forbidden_origin", {NULL}, {NULL}, NULL},
    {"ForbiddenRole", 403, "The key's role is too low.", NULL, "forbidden", {NULL}, {NULL}, NULL},
    {"NotFound", 404, "No such resource (or, outside every operation, no such endpoint).", NULL, "not_found", {NULL}, {NULL}, NULL},
    {"RequestTimeout", 408, "The request head or body stopped arriving; the connection is closed.", NULL, "request_timeout", {NULL}, {NULL}, NULL},
    {"Conflict", 409, "The current state does not allow it.", NULL, "conflict", {NULL}, {NULL}, NULL},
    {"OpenMode", 409, "The server is open (no API keys): no sign-in is needed.", NULL, "open_mode", {NULL}, {NULL}, NULL},
    {"ScoreConflict", 409, "Nothing to score yet, or the job was cancelled while the request waited.", NULL, "conflict cancelled", {NULL}, {NULL}, NULL},
    {"TooLarge", 413, "The body is over 1 MiB.", NULL, "too_large", {NULL}, {NULL}, NULL},
    {"UploadTooLarge", 413, "The upload is over the size or the row limit; nothing of it is kept.", NULL, "too_large too_many_rows", {NULL}, {NULL}, NULL},
    {"PageTooLarge", 413, "The page would be over 64 MiB: ask for fewer (limit).", NULL, "too_large", {NULL}, {NULL}, NULL},
    {"UriTooLong", 414, "The request target is over 8192 bytes; the connection is closed.", NULL, "uri_too_long", {NULL}, {NULL}, NULL},
    {"UnsupportedMediaType", 415, "The Content-Type is not one the operation takes.", NULL, "unsupported_media_type", {NULL}, {NULL}, NULL},
    {"ExpectationFailed", 417, "An Expect header other than 100-continue; the connection is closed.", NULL, "expectation_failed", {NULL}, {NULL}, NULL},
    {"Misdirected", 421, "The Host is not this server.", NULL, "misdirected_request", {NULL}, {NULL}, NULL},
    {"ValidationError", 422, "Well-formed JSON of the wrong shape.", NULL, "validation_error", {NULL}, {NULL}, NULL},
    {"QueueFull", 429, "Too many jobs are queued (or dry runs being computed); try again when some are done.", "Retry-After", "queue_full", {NULL}, {NULL}, NULL},
    {"HeaderTooLarge", 431, "The request head is too large; the connection is closed.", NULL, "header_too_large", {NULL}, {NULL}, NULL},
    {"InternalError", 500, "A bug or a database error; the server log has it under X-Request-Id.", NULL, "internal io_error", {NULL}, {NULL}, NULL},
    {"ScoringFailed", 502, "The job failed (the message says why; details has job_id and how many were scored).", NULL, "scoring_failed", {NULL}, {NULL}, NULL},
    {"Unavailable", 503, "No connection slot is left (the connection is closed at once), or the database cannot be written.", NULL, "server_busy too_many_connections storage_unavailable", {NULL}, {NULL}, NULL},
    {"JobsUnavailable", 503, "No connection slot is left, the database cannot be written, or the server is shutting down (a job is saved and resumes at the next start).", NULL, "server_busy too_many_connections storage_unavailable shutting_down", {NULL}, {NULL}, NULL},
    {"HealthUnavailable", 503, "The store cannot be written (a Health body with status unhealthy, error and code), or no connection slot is left (an Error).", NULL, "server_busy too_many_connections", {JSON}, {"HealthUnhealthy"}, NULL},
    {"HttpVersionNotSupported", 505, "Only HTTP/1.0 and HTTP/1.1 are spoken; the connection is closed.", NULL, "http_version_not_supported", {NULL}, {NULL}, NULL},
    {"InsufficientStorage", 507, "The database is full; nothing was stored.", NULL, "storage_unavailable", {NULL}, {NULL}, NULL},
    {"AnyError", 0, "Any other status would carry the same Error body; every status this operation answers with is listed above.", NULL, NULL, {JSON}, {"Error"}, NULL},
};
/* clang-format on */

/* Answers any operation may give: the connection, the head, the key, the query, a bug. */
static const char common_responses[] = "BadRequest Unauthorized RequestTimeout UriTooLong "
                                       "ExpectationFailed Misdirected HeaderTooLarge "
                                       "InternalError Unavailable HttpVersionNotSupported";

static const struct resp_doc *resp_find(const char *name, size_t len)
{
    for (size_t i = 0; i < LS_ARRAY_LEN(responses); i++) {
        if (strlen(responses[i].name) == len && strncmp(responses[i].name, name, len) == 0)
            return &responses[i];
    }
    return NULL;
}

/* An Error whose code is one of the space-separated codes. */
static json_t *coded_error(const char *codes)
{
    json_t *values = json_array();
    const char *w;
    size_t n;
    while (next_word(&codes, &w, &n))
        json_array_append_new(values, json_stringn(w, n));
    return json_pack("{s:[{s:s}, {s:s, s:{s:{s:s, s:o}}}]}", "allOf", "$ref",
                     "#/components/schemas/Error", "type", "object", "properties", "code", "type",
                     "string", "enum", values);
}

static json_t *schema_for(const char *names)
{
    const char *bar = strchr(names, '|');
    if (bar == NULL)
        return ref("schemas", names, strlen(names));
    return json_pack("{s:[o, o]}", "oneOf", ref("schemas", names, (size_t)(bar - names)),
                     ref("schemas", bar + 1, strlen(bar + 1)));
}

static json_t *response_json(const struct resp_doc *d)
{
    json_t *hdrs = json_pack("{s:o}", "X-Request-Id", ref("headers", "X-Request-Id", 12));
    const char *list = d->headers, *w;
    size_t n;
    while (next_word(&list, &w, &n))
        json_object_setn_new(hdrs, w, n, ref("headers", w, n));
    json_t *content = json_object();
    if (d->codes == NULL && d->type[0] == NULL) {
        json_decref(content); /* a reply without a body (304) */
        return json_pack("{s:s, s:o}", "description", d->description, "headers", hdrs);
    }
    if (d->codes && d->type[0]) {
        /* Either the named body or an Error (a refusal before the handler ran). */
        json_t *either =
            json_pack("{s:[o, o]}", "oneOf", schema_for(d->schema[0]), coded_error(d->codes));
        json_object_set_new(content, d->type[0], json_pack("{s:o}", "schema", either));
    } else if (d->codes) {
        json_object_set_new(content, JSON, json_pack("{s:o}", "schema", coded_error(d->codes)));
    } else {
        for (size_t i = 0; i < LS_ARRAY_LEN(d->type) && d->type[i]; i++) {
            json_t *media = json_pack("{s:o}", "schema", schema_for(d->schema[i]));
            /* OpenAPI 3.2 calls it itemSchema; 3.1 needs the extension. */
            if (d->lines && strcmp(d->type[i], NDJSON) == 0)
                json_object_set_new(media, "x-itemSchema",
                                    ref("schemas", d->lines, strlen(d->lines)));
            else if (d->lines && strcmp(d->type[i], SSE) == 0)
                json_object_set_new(media, "x-itemSchema", ls_openapi_job_event_schema());
            json_object_set_new(content, d->type[i], media);
        }
    }
    return json_pack("{s:s, s:o, s:o}", "description", d->description, "headers", hdrs, "content",
                     content);
}

/* ---- operations --------------------------------------------------------------------- */

struct op_doc {
    const char *method;
    const char *pattern;
    const char *operation_id;
    const char *tag;
    const char *description; /* beyond the route's summary, or NULL */
    const char *request;     /* components/requestBodies, or NULL */
    const char *params;      /* components/parameters of the query and headers */
    const char *responses;   /* components/responses besides common_responses */
};

#define RESULTS_PARAMS "Intent MinScore MaxScore Q Sort PageLimit Offset IfNoneMatch AcceptEncoding"
#define EXPORT_PARAMS  "Format Columns Intent MinScore MaxScore Q"
#define SUMMARY_PARAMS "Intent MinScore MaxScore Q"
#define SUMMARY_DESC                                                                               \
    "Filters as GET /results. A finished job's counts by intent and score are kept in memory "     \
    "after the first request, so changing intent, min_score or max_score reads no rows; q, or a "  \
    "job still running, is one aggregate query."
#define LIST_PARAMS "ListLimit Offset"
#define CREATE_OFFER                                                                               \
    "OfferCreated BadJson Forbidden TooLarge UnsupportedMediaType ValidationError "                \
    "InsufficientStorage"
#define CREATE_UPLOAD                                                                              \
    "UploadCreated BadUpload Forbidden Conflict UploadTooLarge UnsupportedMediaType "              \
    "InsufficientStorage"
#define DELETE_RESP "Forbidden NotFound Conflict InsufficientStorage"

/* clang-format off */
static const struct op_doc ops[] = {
    {"GET", "/", "getDashboard", "dashboard", "Public: the page holds no data (it asks the API, behind the API's access rules). Served with a strict Content-Security-Policy.", NULL, NULL, "DashboardPage DashboardNotModified"},
    {"GET", "/assets/{name}", "getDashboardFile", "dashboard", "Public. A name not embedded in this build gets the dashboard's not-found page.", NULL, NULL, "DashboardFile DashboardNotModified DashboardNotFound"},
    {"GET", "/healthz", "getHealth", "service", "Public. 503 with the same body (status unhealthy) when the database cannot be written.", NULL, NULL, "Health HealthUnavailable"},
    {"GET", "/openapi.json", "getOpenApi", "service", "Public. Built from the route table, so it lists exactly the operations served.", NULL, NULL, "OpenApi"},
    {"GET", "/metrics", "getMetrics", "service", "Public when LEADSCORE_METRICS_PUBLIC=1. Counts requests, jobs and model calls; holds no workspace's data.", NULL, NULL, "Metrics"},
    {"POST", "/offer", "createOfferSeed", "offers", "The seed API's name for POST /offers.", "OfferInput", NULL, CREATE_OFFER},
    {"POST", "/offers", "createOffer", "offers", NULL, "OfferInput", NULL, CREATE_OFFER},
    {"GET", "/offers", "listOffers", "offers", NULL, NULL, LIST_PARAMS, "OfferList"},
    {"GET", "/offers/{id}", "getOffer", "offers", NULL, NULL, NULL, "OfferDetail NotFound"},
    {"DELETE", "/offers/{id}", "deleteOffer", "offers", "409 while a queued or running job uses it.", NULL, NULL, "OfferDeleted " DELETE_RESP},
    {"POST", "/leads/upload", "uploadLeadsSeed", "uploads", "The seed API's name for POST /uploads.", "LeadsCsv", "Filename Delimiter Encoding Dedupe", CREATE_UPLOAD},
    {"POST", "/uploads", "createUpload", "uploads", "A problem is answered at once, without reading the rest of the body, and nothing of the upload is kept.", "LeadsCsv", "Filename Delimiter Encoding Dedupe", CREATE_UPLOAD},
    {"GET", "/uploads", "listUploads", "uploads", NULL, NULL, LIST_PARAMS, "UploadList"},
    {"GET", "/uploads/{id}", "getUpload", "uploads", NULL, NULL, NULL, "UploadDetail NotFound"},
    {"DELETE", "/uploads/{id}", "deleteUpload", "uploads", "409 while a queued or running job uses it, or a job whose batch may still run at the model service.", NULL, NULL, "UploadDeleted " DELETE_RESP},
    {"GET", "/uploads/{id}/leads", "listUploadLeads", "uploads", NULL, NULL, LIST_PARAMS, "LeadList NotFound"},
    {"POST", "/score", "score", "jobs", "Queues a job for the current offer and upload (or the ones the body names) and, by default, answers when it has finished; the connection waits suspended, holding no thread. With Prefer: respond-async it answers 202 at once. A body needs Content-Type: application/json; from a browser (with Origin) a body is required.", "JobRequest", "Prefer", "ScoreResult ScoreAccepted BadJson Forbidden NotFound ScoreConflict TooLarge UnsupportedMediaType ValidationError QueueFull ScoringFailed JobsUnavailable InsufficientStorage"},
    {"POST", "/jobs", "createJob", "jobs", "A body needs Content-Type: application/json; from a browser (with Origin) a body is required. With dry_run true it creates no job and calls no model: 200 with the estimate.", "JobCreate", NULL, "JobAccepted JobEstimate BadJson Forbidden NotFound Conflict TooLarge UnsupportedMediaType ValidationError QueueFull JobsUnavailable InsufficientStorage"},
    {"GET", "/jobs", "listJobs", "jobs", NULL, NULL, LIST_PARAMS, "JobList"},
    {"GET", "/jobs/{id}", "getJob", "jobs", NULL, NULL, NULL, "Job NotFound"},
    {"DELETE", "/jobs/{id}", "cancelJob", "jobs", "Cancelling waits (suspended) until the worker has stopped the job, so the reply shows its final state; 409 when it had finished already. purge=1 deletes a finished job and its results (409 while it runs, or while a batch of it is still pending at the model service: a cancelled job's batches are cancelled within a minute).", NULL, "Purge", "JobStopped BadRequest " DELETE_RESP},
    {"POST", "/jobs/{id}/resume", "resumeJob", "jobs", "Queues a stopped job again; it goes on from where it stopped (the leads scored are kept). 409 unless it is stopped; 400 naming budget_usd when the budget is not above what the job has spent.", "JobResume", NULL, "JobResumed BadRequest BadJson Forbidden NotFound Conflict TooLarge UnsupportedMediaType InsufficientStorage"},
    {"GET", "/jobs/{id}/events", "watchJob", "jobs", "For a browser's EventSource or curl -N. Each open stream holds a connection (LEADSCORE_MAX_CONNECTIONS_PER_IP applies); it is not cut by the idle or I/O timeouts while the client reads. A job that has finished gets its job event and the end event at once.", NULL, NULL, "JobEvents NotFound"},
    {"GET", "/jobs/{id}/results", "listJobResults", "results", NULL, NULL, RESULTS_PARAMS, "ResultPage NotModified NotFound PageTooLarge"},
    {"DELETE", "/jobs/{id}/results", "deleteJobResults", "results", "409 unless the job has finished.", NULL, NULL, "JobResultsDeleted " DELETE_RESP},
    {"GET", "/jobs/{id}/results/export", "exportJobResults", "results", NULL, NULL, EXPORT_PARAMS, "ResultExport NotFound"},
    {"GET", "/jobs/{id}/results/summary", "summarizeJobResults", "results", SUMMARY_DESC, NULL, SUMMARY_PARAMS, "ResultSummary NotFound"},
    {"GET", "/results/summary", "summarizeResults", "results", SUMMARY_DESC " 409 until something has been scored.", NULL, SUMMARY_PARAMS, "ResultSummary Conflict"},
    {"GET", "/results", "listResults", "results", "409 until something has been scored.", NULL, RESULTS_PARAMS, "ResultPage NotModified Conflict PageTooLarge"},
    {"GET", "/results/export", "exportResults", "results", "409 until something has been scored.", NULL, EXPORT_PARAMS, "ResultExport Conflict"},
    {"GET", "/results/csv", "exportResultsCsv", "results", "The seed API's name for GET /results/export.", NULL, EXPORT_PARAMS, "ResultExport Conflict"},
    {"GET", "/keys", "listKeys", "keys", NULL, NULL, NULL, "KeyList ForbiddenRole"},
    {"POST", "/keys", "createKey", "keys", "The first key ends open mode at once.", "KeyRequest", NULL, "KeyCreated BadJson Forbidden TooLarge UnsupportedMediaType ValidationError InsufficientStorage"},
    {"DELETE", "/keys/{id}", "revokeKey", "keys", "409 when it is revoked already.", NULL, NULL, "KeyRevoked " DELETE_RESP},
    {"POST", "/session", "signIn", "session", "For the browser dashboard: the key is sent once, in the body, and never echoed; a wrong, malformed or revoked one is 401. Any ls_session cookie the request carries is ignored.", "SessionRequest", NULL, "SessionCreated BadJson Forbidden OpenMode TooLarge UnsupportedMediaType InsufficientStorage"},
    {"GET", "/session", "getSession", "session", "Cheap (no store access while the answer is cached): the dashboard asks it first to decide whether to show the sign-in form.", NULL, NULL, "SessionInfo"},
    {"DELETE", "/session", "signOut", "session", "Idempotent: 200 also without a cookie or with one that is unknown or expired. With a valid cookie it is a cookie-authenticated request, so it needs Origin of this server or Sec-Fetch-Site: same-origin.", NULL, NULL, "SignedOut Forbidden InsufficientStorage"},
};
/* clang-format on */

static const struct op_doc *op_find(const struct ls_route *rt)
{
    for (size_t i = 0; i < LS_ARRAY_LEN(ops); i++) {
        if (strcmp(ops[i].method, rt->method) == 0 && strcmp(ops[i].pattern, rt->pattern) == 0)
            return &ops[i];
    }
    return NULL;
}

/*
 * The operation's parameters from d->params; each query parameter must be
 * one the route takes, and each the route takes must be there.
 */
static json_t *op_params(const struct ls_route *rt, const struct op_doc *d, const json_t *defs,
                         json_t *op)
{
    json_t *params = json_array();
    const char *list = d->params, *w;
    size_t n;
    while (next_word(&list, &w, &n)) {
        char name[64];
        snprintf(name, sizeof(name), "%.*s", (int)n, w);
        const json_t *p = json_object_get(defs, name);
        const char *in = json_string_value(json_object_get(p, "in"));
        const char *pname = json_string_value(json_object_get(p, "name"));
        if (p == NULL)
            undocumented(op, "a parameter it names is not in components/parameters");
        else if (strcmp(in, "query") == 0 && !word_in(rt->query, pname, strlen(pname)))
            undocumented(op, "it documents a query parameter the route does not take");
        json_array_append_new(params, ref("parameters", w, n));
    }
    list = rt->query && strcmp(rt->query, "*") == 0 ? NULL : rt->query; /* "*": any, ignored */
    while (next_word(&list, &w, &n)) {
        bool found = false;
        const char *l2 = d->params, *w2;
        size_t n2;
        while (!found && next_word(&l2, &w2, &n2)) {
            char name[64];
            snprintf(name, sizeof(name), "%.*s", (int)n2, w2);
            const json_t *p = json_object_get(defs, name);
            const char *pname = json_string_value(json_object_get(p, "name"));
            found = pname && strlen(pname) == n && strncmp(pname, w, n) == 0;
        }
        if (!found)
            undocumented(op, "the route takes a query parameter it does not document");
    }
    return params;
}

static int by_status(const void *a, const void *b)
{
    const struct resp_doc *x = *(const struct resp_doc *const *)a;
    const struct resp_doc *y = *(const struct resp_doc *const *)b;
    return (x->status > y->status) - (x->status < y->status);
}

/*
 * Every status of the operation, in order: its own responses, and the
 * common ones for the statuses it does not answer otherwise.
 */
static json_t *op_responses(const struct ls_route *rt, const struct op_doc *d, json_t *op)
{
    const struct resp_doc *picked[LS_ARRAY_LEN(responses)];
    size_t n_picked = 0;
    const char *lists[2] = {d->responses, common_responses};
    for (int l = 0; l < 2; l++) {
        const char *list = lists[l], *w;
        size_t n;
        while (next_word(&list, &w, &n)) {
            const struct resp_doc *r = resp_find(w, n);
            if (r == NULL) {
                undocumented(op, "a response it names is not in components/responses");
                continue;
            }
            bool taken = false;
            for (size_t i = 0; i < n_picked; i++)
                taken = taken || picked[i]->status == r->status;
            if (!taken && n_picked < LS_ARRAY_LEN(picked))
                picked[n_picked++] = r;
        }
    }
    qsort(picked, n_picked, sizeof(picked[0]), by_status);
    json_t *out = json_object();
    bool has_ok = false;
    for (size_t i = 0; i < n_picked; i++) {
        char status[8];
        snprintf(status, sizeof(status), "%u", picked[i]->status);
        has_ok = has_ok || picked[i]->status == rt->ok_status;
        json_object_set_new(out, status,
                            ref("responses", picked[i]->name, strlen(picked[i]->name)));
    }
    if (!has_ok)
        undocumented(op, "its success status is not the route's");
    json_object_set_new(out, "default", ref("responses", "AnyError", 8));
    return out;
}

static void op_id_from_route(const struct ls_route *rt, char *out, size_t cap)
{
    size_t w = (size_t)snprintf(out, cap, "%s", rt->method);
    for (const char *p = rt->pattern; *p && w + 1 < cap; p++)
        out[w++] = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ? *p : '_';
    out[w] = '\0';
}

static json_t *operation(const struct ls_route *rt, const json_t *param_defs)
{
    const struct op_doc *d = op_find(rt);
    struct op_doc fallback = {rt->method, rt->pattern, NULL, "service", NULL, NULL, NULL, NULL};
    char op_id[96];
    if (d == NULL) {
        op_id_from_route(rt, op_id, sizeof(op_id));
        fallback.operation_id = op_id;
        d = &fallback;
    }
    json_t *op = json_pack("{s:s, s:s, s:[s]}", "summary", rt->summary, "operationId",
                           d->operation_id, "tags", d->tag);
    if (d == &fallback)
        undocumented(op, "the route has no entry in src/http/h_openapi.c");
    char text[1024];
    const char *role = rt->role == LS_ROLE_NONE ? "public" : ls_role_name(rt->role);
    snprintf(text, sizeof(text), "%s%s%s", d->description ? d->description : "",
             d->description ? "\n\n" : "",
             rt->role == LS_ROLE_NONE     ? "No key needed."
             : rt->role == LS_ROLE_ADMIN  ? "Needs an admin key (or open mode)."
             : rt->role == LS_ROLE_MEMBER ? "Needs a member or admin key (or open mode)."
                                          : "Needs any key (or open mode).");
    json_object_set_new(op, "description", json_string(text));
    json_object_set_new(op, "x-leadscore-role", json_string(role));
    if (rt->role == LS_ROLE_NONE)
        json_object_set_new(op, "security", json_array());
    json_t *params = op_params(rt, d, param_defs, op);
    if (json_array_size(params))
        json_object_set_new(op, "parameters", params);
    else
        json_decref(params);
    if (d->request)
        json_object_set_new(op, "requestBody",
                            ref("requestBodies", d->request, strlen(d->request)));
    else if (rt->body != LS_BODY_NONE)
        undocumented(op, "the route takes a body it does not document");
    json_object_set_new(op, "responses", op_responses(rt, d, op));
    return op;
}

/* ---- the document --------------------------------------------------------------------- */

static json_t *components(void)
{
    json_t *c = json_object();
    json_object_set_new(c, "schemas", ls_openapi_schemas());
    json_t *r = json_object();
    for (size_t i = 0; i < LS_ARRAY_LEN(responses); i++)
        json_object_set_new(r, responses[i].name, response_json(&responses[i]));
    json_object_set_new(c, "responses", r);
    json_t *h = json_object();
    for (size_t i = 0; i < LS_ARRAY_LEN(headers); i++)
        json_object_set_new(h, headers[i].name, ls_openapi_json(headers[i].json));
    json_object_set_new(c, "headers", h);
    json_t *p = json_object();
    for (size_t i = 0; i < LS_ARRAY_LEN(parameters); i++)
        json_object_set_new(p, parameters[i].name, ls_openapi_json(parameters[i].json));
    json_object_set_new(c, "parameters", p);
    json_t *b = json_object();
    for (size_t i = 0; i < LS_ARRAY_LEN(request_bodies); i++)
        json_object_set_new(b, request_bodies[i].name, ls_openapi_json(request_bodies[i].json));
    json_object_set_new(c, "requestBodies", b);
    json_object_set_new(
        c, "securitySchemes",
        ls_openapi_json(
            "{'bearerAuth':{'type':'http','scheme':'bearer','description':'An API key "
            "(lsk_ and 48 hex digits; create one with leadscore keys create or POST /keys) as "
            "Authorization: Bearer <key>. A key belongs to one workspace and has a role: viewer "
            "(read), member (read and write), admin (also manage keys). Open mode: while no key "
            "exists and the server listens on loopback only (or runs with --no-auth), a request "
            "without Authorization acts as an admin of the default workspace; GET /healthz "
            "says which mode is on (auth). A key that is sent is always checked, even in open "
            "mode and on public operations.'},"
            "'ls_session':{'type':'apiKey','in':'cookie','name':'ls_session','description':'The "
            "session cookie a browser gets from POST /session (HttpOnly, SameSite=Strict; Secure "
            "behind HTTPS). It acts as the key it was signed in with, until it expires "
            "(LEADSCORE_SESSION_HOURS), is signed out (DELETE /session) or the key is revoked. "
            "Authorization wins when both are sent. A POST, PUT, PATCH or DELETE it "
            "authenticates must carry Origin of this server or Sec-Fetch-Site: same-origin "
            "(else 403 forbidden_origin). A stale cookie is ignored on public operations.'}}"));
    return c;
}

/* The path parameter of a pattern's {id} (by the resource it names), or NULL. */
static json_t *path_param(const char *pattern)
{
    static const struct {
        const char *prefix, *param;
    } by_prefix[] = {
        {"/offers/", "OfferId"}, {"/uploads/", "UploadId"}, {"/jobs/", "JobId"},
        {"/keys/", "KeyId"},     {"/assets/", "AssetName"},
    };
    const char *open = strchr(pattern, '{');
    if (open == NULL)
        return NULL;
    for (size_t i = 0; i < LS_ARRAY_LEN(by_prefix); i++) {
        size_t n = strlen(by_prefix[i].prefix);
        if (strncmp(pattern, by_prefix[i].prefix, n) == 0 && pattern + n == open)
            return ref("parameters", by_prefix[i].param, strlen(by_prefix[i].param));
    }
    const char *close = strchr(open, '}');
    return json_pack("{s:s%, s:s, s:b, s:{s:s, s:i}}", "name", open + 1, (size_t)(close - open - 1),
                     "in", "path", "required", 1, "schema", "type", "integer", "minimum", 1);
}

static json_t *paths(const json_t *param_defs)
{
    size_t n;
    const struct ls_route *routes = ls_routes_all(&n);
    json_t *out = json_object();
    for (size_t i = 0; i < n; i++) {
        const struct ls_route *rt = &routes[i];
        json_t *item = json_object_get(out, rt->pattern);
        if (item == NULL) {
            json_t *params = json_pack("[o]", ref("parameters", "RequestId", 9));
            json_t *pp = path_param(rt->pattern);
            if (pp)
                json_array_insert_new(params, 0, pp);
            item = json_pack("{s:o}", "parameters", params);
            json_object_set_new(out, rt->pattern, item);
        }
        char method[16];
        size_t k = 0;
        for (; rt->method[k] && k < sizeof(method) - 1; k++)
            method[k] = (char)(rt->method[k] | 0x20); /* the methods are upper-case ASCII */
        method[k] = '\0';
        json_object_set_new(item, method, operation(rt, param_defs));
    }
    return out;
}

static const char info_description[] =
    "Scores sales leads 0-100 for buying intent against a product offer: rules (role, "
    "industry, completeness; at most 50) plus an AI verdict (High 50, Medium 30, Low 10).\n\n"
    "**Errors.** Every error is `application/json`: `{\"error\", \"code\", \"details\"?}` "
    "(schema Error); `code` is one of ErrorCode. Each operation lists every status it answers "
    "with. Refusals before a request is read (no connection slot, a malformed or oversized "
    "head, a timeout, an unsupported protocol) come with `Connection: close`.\n\n"
    "**Outside the operations.** A path no operation has answers 404 `not_found` (except a "
    "browser's GET asking for text/html outside the API's paths, which gets the "
    "dashboard's not-found page); a path with another method answers 405 `method_not_allowed` with `Allow`; a POST, PUT, PATCH or "
    "DELETE from a foreign Origin answers 403 `forbidden_origin` before any of that (see "
    "x-leadscore-unrouted). HEAD is answered wherever GET is, without the body. OPTIONS on any path "
    "answers 204 with `Allow` (a CORS preflight from an origin in LEADSCORE_CORS_ORIGINS also "
    "gets the Access-Control-Allow-* headers; any other origin 403 `forbidden_origin`). "
    "Replies to an allowed origin carry `Access-Control-Allow-Origin`, `Vary: Origin` and "
    "`Access-Control-Expose-Headers`.\n\n"
    "**Requests.** Only the query parameters an operation lists are accepted, each once. "
    "Ids in paths are positive integers. JSON bodies are at most 1 MiB. Every reply carries "
    "`X-Request-Id`.";

/* What a request outside every operation can get besides its own answer (nothing reads the key). */
static const char unrouted_responses[] = "BadRequest RequestTimeout UriTooLong ExpectationFailed "
                                         "Misdirected HeaderTooLarge InternalError Unavailable "
                                         "HttpVersionNotSupported";

static json_t *responses_map(const char *list)
{
    json_t *m = json_object();
    const char *w;
    size_t n;
    while (next_word(&list, &w, &n)) {
        const struct resp_doc *r = resp_find(w, n);
        char status[8];
        snprintf(status, sizeof(status), "%u", r ? r->status : 0);
        json_object_set_new(m, status, ref("responses", w, n));
    }
    return m;
}

/* A response with no body: the description and the Allow header. */
static json_t *allow_response(unsigned status, const char *description, const char *codes)
{
    struct resp_doc d = {"", status, description, NULL, codes, {NULL}, {NULL}, NULL};
    json_t *r = response_json(&d);
    if (codes == NULL)
        json_object_del(r, "content");
    json_object_set_new(json_object_get(r, "headers"), "Allow",
                        ls_openapi_json("{'required':true,'description':'The methods the path "
                                        "takes.','schema':{'type':'string','pattern':'^[A-Z]+(, "
                                        "[A-Z]+)*$'}}"));
    return r;
}

/*
 * Answers to requests no operation takes, which OpenAPI has no place for:
 * a path none has (404), another method on a path that exists (405, with
 * Allow), and OPTIONS (204 with Allow; a preflight from an origin that may
 * not call, 403). The responses only these use are inline, not components,
 * which would count as unused.
 */
static json_t *unrouted(void)
{
    json_t *unknown = responses_map(unrouted_responses);
    /* A browser's GET for text/html outside the API's paths gets the dashboard's page. */
    struct resp_doc nf = {"",
                          404,
                          "No such path: a JSON not_found, or the dashboard's not-found page for a "
                          "browser's GET outside the API's paths.",
                          NULL,
                          "not_found",
                          {NULL},
                          {NULL},
                          NULL};
    json_t *not_found = response_json(&nf);
    json_object_set_new(json_object_get(not_found, "content"), HTML,
                        json_pack("{s:o}", "schema", ref("schemas", "DashboardText", 13)));
    json_object_set_new(unknown, "404", not_found);
    /* A state-changing request from a foreign origin is refused before routing. */
    json_object_set_new(unknown, "403", ref("responses", "Forbidden", 9));
    json_t *other = responses_map(unrouted_responses);
    json_object_set_new(other, "403", ref("responses", "Forbidden", 9));
    json_object_set_new(other, "405",
                        allow_response(405,
                                       "The path exists, but not with this method; Allow "
                                       "lists the ones it takes.",
                                       "method_not_allowed"));
    json_t *options = responses_map(unrouted_responses);
    json_object_set_new(options, "204",
                        allow_response(204,
                                       "The methods of the path, OPTIONS included (with the "
                                       "Access-Control-Allow-* headers for an allowed origin).",
                                       NULL));
    json_object_set_new(options, "403", ref("responses", "Forbidden", 9));
    return json_pack("{s:o, s:o, s:o}", "unknownPath", unknown, "otherMethod", other, "options",
                     options);
}

int ls_h_openapi(struct ls_req *req)
{
    json_t *comps = components();
    json_t *doc = json_pack(
        "{s:s, s:{s:s, s:s, s:s, s:{s:s}}, s:[{s:s, s:s}], s:[{s:[]}, {s:[]}], s:[{s:s, s:s}, "
        "{s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}]}",
        "openapi", "3.1.0", "info", "title", "leadscore", "version", LS_VERSION, "description",
        info_description, "contact", "name", "leadscore maintainers", "servers", "url",
        "http://127.0.0.1:5000", "description", "make run (leadscore serve)", "security",
        "bearerAuth", "ls_session", "tags", "name", "service", "description",
        "Health, this document and the metrics", "name", "offers", "description",
        "The offers leads are scored against", "name", "uploads", "description",
        "Leads CSV uploads and their leads", "name", "jobs", "description",
        "Scoring jobs: start, follow, cancel", "name", "results", "description",
        "Scored leads: pages and exports", "name", "keys", "description",
        "API keys of the caller's workspace", "name", "session", "description",
        "Dashboard sign-in: the ls_session cookie");
    json_object_set_new(doc, "paths", paths(json_object_get(comps, "parameters")));
    json_object_set_new(doc, "components", comps);
    json_object_set_new(doc, "x-leadscore-unrouted", unrouted());
    return ls_reply_json(req, LS_HTTP_OK, doc);
}
