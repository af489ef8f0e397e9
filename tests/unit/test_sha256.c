/* test_sha256.c - FIPS 180-4 test vectors. */
#include "ls_test.h"
#include <stdio.h>
#include <string.h>

#include "core/sha256.h"

static void hex(const unsigned char *d, char *out)
{
    for (int i = 0; i < LS_SHA256_LEN; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

static void test_sha256__vectors(void **state)
{
    (void)state;
    struct {
        const char *in;
        const char *want;
    } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        struct ls_sha256 c;
        unsigned char d[LS_SHA256_LEN];
        char h[65];
        ls_sha256_init(&c);
        ls_sha256_update(&c, v[i].in, strlen(v[i].in));
        ls_sha256_final(&c, d);
        hex(d, h);
        assert_string_equal(h, v[i].want);
    }
    /* One million 'a', fed in uneven pieces. */
    struct ls_sha256 c;
    unsigned char d[LS_SHA256_LEN];
    char h[65], a[1000];
    memset(a, 'a', sizeof(a));
    ls_sha256_init(&c);
    for (int i = 0; i < 1000; i++) {
        ls_sha256_update(&c, a, 333);
        ls_sha256_update(&c, a, 667);
    }
    ls_sha256_final(&c, d);
    hex(d, h);
    assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_sha256__fields_do_not_run_together(void **state)
{
    (void)state;
    struct ls_sha256 a, b;
    unsigned char da[LS_SHA256_LEN], db[LS_SHA256_LEN];
    ls_sha256_init(&a);
    ls_sha256_field(&a, "ab", 2);
    ls_sha256_field(&a, "c", 1);
    ls_sha256_final(&a, da);
    ls_sha256_init(&b);
    ls_sha256_field(&b, "a", 1);
    ls_sha256_field(&b, "bc", 2);
    ls_sha256_final(&b, db);
    assert_memory_not_equal(da, db, LS_SHA256_LEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256__vectors),
        cmocka_unit_test(test_sha256__fields_do_not_run_together),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
