dnl sb_flags.m4 - language level, warnings, sanitizers and fuzzers switches.
AC_DEFUN([SB_CHECK_STD_C11], [
  AX_SB_CFLAG([-std=c11])
  SB_WARN_CFLAGS="-Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter"
  AC_SUBST([SB_WARN_CFLAGS])
])

AC_DEFUN([AX_SB_CFLAG], [
  sb_save_CFLAGS=$CFLAGS
  CFLAGS="$CFLAGS $1"
  AC_MSG_CHECKING([whether $CC accepts $1])
  AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
    [AC_MSG_RESULT([yes])],
    [AC_MSG_RESULT([no]); CFLAGS=$sb_save_CFLAGS])
])

AC_DEFUN([SB_ARG_WERROR], [
  AC_ARG_ENABLE([werror],
    [AS_HELP_STRING([--enable-werror], [treat compiler warnings as errors])],
    [], [enable_werror=no])
  AS_IF([test "x$enable_werror" = xyes], [SB_WARN_CFLAGS="$SB_WARN_CFLAGS -Werror"])
])

AC_DEFUN([SB_ARG_SANITIZERS], [
  AC_ARG_ENABLE([sanitizers],
    [AS_HELP_STRING([--enable-sanitizers], [build with AddressSanitizer and UndefinedBehaviorSanitizer])],
    [], [enable_sanitizers=no])
  SB_SAN_CFLAGS=""
  SB_SAN_LDFLAGS=""
  AS_IF([test "x$enable_sanitizers" = xyes], [
    SB_SAN_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g"
    SB_SAN_LDFLAGS="-fsanitize=address,undefined"
  ])
  AC_SUBST([SB_SAN_CFLAGS])
  AC_SUBST([SB_SAN_LDFLAGS])
  AM_CONDITIONAL([SANITIZERS], [test "x$enable_sanitizers" = xyes])
])

AC_DEFUN([SB_ARG_FUZZERS], [
  AC_ARG_ENABLE([fuzzers],
    [AS_HELP_STRING([--enable-fuzzers], [build the libFuzzer targets (needs CC=clang)])],
    [], [enable_fuzzers=no])
  AM_CONDITIONAL([FUZZERS], [test "x$enable_fuzzers" = xyes])
])
