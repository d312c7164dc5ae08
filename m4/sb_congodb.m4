dnl sb_congodb.m4 - CongoDB, the MongoDB wire server in JavaScript the test suite runs the MongoDB
dnl backend against: it needs node (>= 18, checked when it is installed) and npm.
AC_DEFUN([SB_CHECK_CONGODB], [
  AC_PATH_PROG([NODE], [node])
  AC_PATH_PROG([NPM], [npm])
  have_congodb=no
  if test -n "$NODE" && test -n "$NPM"; then
    have_congodb=yes
  fi
  AM_CONDITIONAL([CONGODB], [test "x$have_congodb" = xyes])
])
