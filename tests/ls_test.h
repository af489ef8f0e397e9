/*
 * ls_test.h - the one way tests include cmocka: cmocka.h needs setjmp.h,
 * stdarg.h and stddef.h before it, an order clang-format would otherwise sort away.
 */
#ifndef LS_TEST_H
#define LS_TEST_H

// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#endif
